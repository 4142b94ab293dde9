"""A participant signs in on a phone and sees their own record, and nothing of anyone else's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, registration
from kasb.core.permissions import Role
from kasb.orgs.queries import principal_for_user
from kasb.participants.services import link_login, register_participant

from .conftest import go_to, sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_participant_sees_own_record_without_two_step_or_registry(
        phone_page: Any, base_url: str, world: dict[str, Any], member: Callable[..., User],
        shoot: Callable[..., Any]) -> None:
    coordinator = principal_for_user(member(Role.COORDINATOR))
    person = register_participant(actor=coordinator, partner=world["partner"],
                                  data=registration(centre=world["irbid"]))
    other = register_participant(actor=coordinator, partner=world["partner"],
                                 data=registration(given_name="Omar", family_name="Saleh", sex="male",
                                                   phone="+962791234999", id_number="945-00999999",
                                                   centre=world["irbid"]))
    user = create_user(full_name="Amal Haddad", phone="+962 79 111 0000", password=PASSWORD)
    link_login(actor=coordinator, participant=person, user=user)

    page = phone_page
    sign_in_browser(page, base_url, "+962791110000")
    # No two-step for participants: straight to their home page.
    page.wait_for_url("**/en/dashboard/")
    nav = page.locator("nav.main")
    assert "Participants" not in nav.inner_text()
    assert nav.locator("a[href='/en/participants/']").count() == 0
    assert nav.locator("a[href='/en/participants/register/']").count() == 0
    shoot(page, "participant-home")

    go_to(page, "/en/participants/me/")
    page.wait_for_url("**/en/participants/me/")
    assert "Amal Haddad" in page.locator("h1").inner_text()
    assert person.reference in page.locator("h1").inner_text()
    protected = page.locator("section.protected")
    assert "+962791234567" in protected.inner_text()
    assert "945-00123456" in protected.inner_text()
    assert "Participants" not in page.locator("nav.main").inner_text()
    assert "Omar" not in page.content()
    shoot(page, "participant-my-record")

    # The registry and other people's records stay closed.
    response = page.goto(f"{base_url}/en/participants/")
    assert response is not None and response.status == 403
    response = page.goto(f"{base_url}/en/participants/{other.reference}/")
    assert response is not None and response.status == 404
    assert "Omar" not in page.content()
