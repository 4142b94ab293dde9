"""A centre coordinator's main flow in a real browser, on a phone-sized screen, in Arabic."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from kasb.accounts.models import User
from kasb.core.permissions import Role
from kasb.participants.models import Participant

from .conftest import current_totp, go_to, sign_in_browser, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_sets_up_two_step_and_registers_in_arabic(
        phone_page: Any, base_url: str, world: dict[str, Any], member: Callable[..., User],
        shoot: Callable[..., Any]) -> None:
    page = phone_page
    coordinator = member(Role.COORDINATOR)

    sign_in_browser(page, base_url, str(coordinator.email))
    page.wait_for_url("**/accounts/two-step/**")
    # First sign-in: the page offers a QR code and the key for an authenticator app.
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    assert page.locator("main img[src^='data:image/svg+xml']").is_visible()
    assert page.locator("main code").inner_text().strip() == base64.b32encode(device.bin_key).decode()
    shoot(page, "coordinator-two-step-setup")
    page.fill("input[name=token]", current_totp(coordinator))
    page.click("main button[type=submit]")
    page.wait_for_url("**/en/dashboard/")
    assert TOTPDevice.objects.get(user=coordinator).confirmed

    switch_language(page, "ar")
    assert page.url.endswith("/ar/dashboard/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert User.objects.get(pk=coordinator.pk).language == "ar"

    go_to(page, "/ar/participants/register/")
    page.wait_for_url("**/ar/participants/register/")
    page.fill("input[name=given_name]", "Rana")
    page.fill("input[name=family_name]", "Khalil")
    page.check("input[name=sex][value=female]")
    page.fill("input[name=date_of_birth]", "2004-03-21")
    page.select_option("select[name=nationality]", "SY")
    page.select_option("select[name=displacement_status]", "refugee")
    page.fill("input[name=phone]", "+962 79 555 0123")
    page.select_option("select[name=centre]", str(world["irbid"].pk))
    page.check("input[name=consent_registration]")
    page.check("input[name=consent_monitoring]")
    shoot(page, "coordinator-register-ar")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    person = Participant.objects.get(given_name="Rana", family_name="Khalil")
    assert page.url.endswith(f"/ar/participants/{person.reference}/")
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl"
    assert html.get_attribute("lang") == "ar"
    assert person.reference in page.locator("h1").inner_text()
    assert page.locator("section.protected").is_visible()
    assert "+962795550123" in page.locator("section.protected").inner_text()
    shoot(page, "coordinator-participant-ar")

    # The ORM decrypts the phone number; the database column holds only ciphertext.
    assert person.phone == "+962795550123"
    assert person.centre == world["irbid"] and person.registered_by_id == coordinator.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM participants_participant WHERE id = %s", [person.pk])
        stored = cursor.fetchone()[0]
    assert stored and "962795550123" not in stored
    assert set(person.consents.values_list("purpose", flat=True)) == {"registration", "monitoring"}
