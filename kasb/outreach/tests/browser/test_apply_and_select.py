"""In a real browser: an applicant applies in Arabic on a phone; a coordinator selects with htmx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kasb.accounts.models import User
from kasb.outreach.models import Application, Call
from kasb.web.tests.browser.conftest import sign_in_staff

from ..conftest import area, years_ago

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_applicant_applies_in_arabic_on_a_phone(phone_page: Any, base_url: str, call: Call,
                                                   shoot: Callable[..., Any]) -> None:
    page = phone_page
    page.goto(f"{base_url}/ar/apply/")
    assert page.get_attribute("html", "dir") == "rtl"
    with page.expect_navigation():
        page.click(f"a[href='/ar/apply/{call.slug}/'].button")
    page.fill("input[name=given_name]", "رانيا")
    page.fill("input[name=family_name]", "عودة")
    page.check("input[name=sex][value=female]")
    page.fill("input[name=date_of_birth]", years_ago(21).isoformat())
    page.fill("input[name=phone]", "+962 79 123 4567")
    page.select_option("select[name=nationality]", "SY")
    page.select_option("select[name=displacement_status]", "refugee")
    page.select_option("select[name=area]", str(area("JO-MA").pk))
    page.fill("textarea[name=motivation]", "أريد أن أعمل عبر الإنترنت من البيت")
    page.select_option("select[name=heard_via]", "whatsapp")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    consent = page.locator(".field", has=page.locator("input[name=consent_registration]"))
    assert "has-error" in (consent.get_attribute("class") or "")
    assert page.locator(".field.has-error").count() == 1
    assert page.input_value("input[name=given_name]") == "رانيا"
    assert not Application.objects.exists()
    consent.scroll_into_view_if_needed()
    shoot(page, "apply-consent-error-ar", full_page=False)

    page.check("input[name=consent_registration]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    app = Application.objects.get()
    assert page.url.endswith(f"/ar/apply/status/{app.token}/?new=1")
    assert app.reference in page.inner_text("main")
    assert "رانيا" not in page.content()  # the status page shows no personal data
    assert page.locator(f"a[href$='/ar/training/test/a/{app.token}/{call.placement_test_id}/']").count() == 1
    shoot(page, "apply-status-ar")

    # The private page's own form still works (its referrer policy keeps the origin for the CSRF check).
    page.click("details summary")
    with page.expect_navigation():
        page.click("details button[type=submit]")
    app.refresh_from_db()
    assert app.status == Application.Status.WITHDRAWN


def test_a_coordinator_selects_and_the_targets_panel_follows(desktop_page: Any, base_url: str, call: Call,
                                                             coordinator_user: User, shoot: Callable[..., Any],
                                                             apply: Callable[..., Application]) -> None:
    page = desktop_page
    woman = apply(1)
    apply(2, sex="male", displacement_status="host_community")
    sign_in_staff(page, base_url, coordinator_user)
    page.goto(f"{base_url}/en/outreach/{call.pk}/selection/")
    panel = page.locator("#targets")
    assert "0 of 10 places taken" in panel.inner_text()
    row = page.locator(f"#app-{woman.pk}")
    row.locator("input[name=reason]").fill("Strong motivation, lives in Irbid")
    url = page.url
    row.locator("button[value=select]").click()
    page.locator(f"#app-{woman.pk} .badge.ok").wait_for()
    assert page.url == url  # swapped in place, no reload
    page.wait_for_function("document.querySelector('#targets').innerText.includes('1 of 10 places taken')")
    assert "Women and girls 100% of 60% target" in page.locator("#targets").inner_text()
    shoot(page, "selection-screen")
    woman.refresh_from_db()
    assert woman.status == Application.Status.SELECTED
    assert woman.decision_reason == "Strong motivation, lives in Irbid"
