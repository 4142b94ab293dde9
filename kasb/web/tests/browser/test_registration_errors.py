"""A mistake on the registration form is shown where it was made, and nothing typed is lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kasb.accounts.models import User
from kasb.core.permissions import Role
from kasb.participants.models import Participant

from .conftest import sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bad_phone_number_is_shown_beside_the_phone_field_and_answers_are_kept(
        phone_page: Any, base_url: str, world: dict[str, Any], member: Callable[..., User],
        shoot: Callable[..., Any]) -> None:
    page = phone_page
    sign_in_staff(page, base_url, member(Role.COORDINATOR))
    page.goto(f"{base_url}/en/participants/register/")
    page.fill("input[name=given_name]", "Farah")
    page.fill("input[name=family_name]", "Odeh")
    page.check("input[name=sex][value=female]")
    page.fill("input[name=date_of_birth]", "2002-11-02")
    page.select_option("select[name=nationality]", "IQ")
    page.select_option("select[name=displacement_status]", "asylum_seeker")
    page.fill("input[name=phone]", "+962 12")
    page.select_option("select[name=centre]", str(world["irbid"].pk))
    page.check("input[name=disability_seeing][value='2']")
    page.check("input[name=consent_registration]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    assert page.url.endswith("/en/participants/register/")
    phone_field = page.locator(".field", has=page.locator("input[name=phone]"))
    assert "has-error" in (phone_field.get_attribute("class") or "")
    error = phone_field.locator(".errorlist")
    assert error.is_visible()
    assert "“+962 12” is not a valid phone number" in error.inner_text()
    # Only the phone field is marked wrong.
    assert page.locator(".field.has-error").count() == 1
    assert page.get_attribute("input[name=phone]", "aria-invalid") == "true"

    assert page.input_value("input[name=given_name]") == "Farah"
    assert page.input_value("input[name=family_name]") == "Odeh"
    assert page.is_checked("input[name=sex][value=female]")
    assert page.input_value("input[name=date_of_birth]") == "2002-11-02"
    assert page.input_value("select[name=nationality]") == "IQ"
    assert page.input_value("select[name=displacement_status]") == "asylum_seeker"
    assert page.input_value("input[name=phone]") == "+962 12"
    assert page.input_value("select[name=centre]") == str(world["irbid"].pk)
    assert page.is_checked("input[name=disability_seeing][value='2']")
    assert page.is_checked("input[name=consent_registration]")
    assert not Participant.objects.exists()

    phone_field.scroll_into_view_if_needed()
    shoot(page, "register-phone-error", full_page=False)

    page.fill("input[name=phone]", "+962 79 555 0199")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    person = Participant.objects.get()
    assert page.url.endswith(f"/en/participants/{person.reference}/")
    assert person.phone == "+962795550199" and person.disability == {"seeing": 2}
