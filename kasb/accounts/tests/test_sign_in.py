"""Signing in: e-mail or phone, lock-out, argon2, password reset, two-step sign-in for staff, language."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, registration, sign_in
from kasb.core.permissions import Role
from kasb.orgs.queries import principal_for_user
from kasb.participants.services import link_login, register_participant

SIGN_IN = "/en/accounts/sign-in/"
TWO_STEP = "/en/accounts/two-step/"
WRONG = "That e-mail or phone number and password do not match."


def post_sign_in(client: Client, identifier: str, password: str = PASSWORD) -> Any:
    return client.post(SIGN_IN, {"identifier": identifier, "password": password})


def signed_in_as(client: Client) -> int | None:
    """The pk of the user this browser is signed in as, or None."""
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def phone_user(db: Any) -> User:
    return create_user(full_name="Amal Haddad", phone="+962791110000", password=PASSWORD)


# --- e-mail and phone ---------------------------------------------------------------------------------------

def test_sign_in_with_email_any_case(db: Any) -> None:
    user = create_user(full_name="Sara", email="sara@kasb.test", password=PASSWORD)
    client = Client()
    response = post_sign_in(client, "  Sara@KASB.test ")
    assert response.status_code == 302
    assert signed_in_as(client) == user.pk


@pytest.mark.parametrize("written", [
    "+962791110000",       # E.164, as stored
    "+962 79 111 0000",    # international format with spaces, as people write it on forms
    "+962-79-111-0000",    # with dashes
    "(+962) 79 111 0000",  # with the country code in brackets
])
def test_sign_in_with_phone_in_international_formats(phone_user: User, written: str) -> None:
    client = Client()
    response = post_sign_in(client, written)
    assert response.status_code == 302, response.content[:300]
    assert signed_in_as(client) == phone_user.pk


@pytest.mark.parametrize("written", ["0791110000", "791110000", "962791110000"])
def test_phone_without_country_code_is_refused_with_the_usual_message(phone_user: User, written: str) -> None:
    """What does NOT work, on purpose: a number without its "+country code" is ambiguous across the
    countries Kasb serves (079… is a Jordanian mobile, but 0… numbers exist everywhere), so the backend
    does not guess a region. The person sees the ordinary error, and the field's help text asks for the
    country code; nothing crashes and nothing reveals whether the number is registered."""
    client = Client()
    response = post_sign_in(client, written)
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert signed_in_as(client) is None


def test_wrong_password_shows_form_error_and_400(phone_user: User) -> None:
    client = Client()
    response = post_sign_in(client, "+962791110000", "not the password")
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert signed_in_as(client) is None


def test_unknown_account_gives_the_same_message_as_a_wrong_password(db: Any) -> None:
    response = post_sign_in(Client(), "nobody@kasb.test", "whatever it is")
    assert response.status_code == 400
    assert WRONG in response.content.decode()


# --- lock-out ------------------------------------------------------------------------------------------------

def test_lock_out_after_threshold_and_unlock_when_time_passes(phone_user: User, settings: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    settings.KASB_LOCKOUT_THRESHOLD = 3
    settings.KASB_LOCKOUT_MINUTES = 15
    client = Client()
    for _attempt in range(2):
        response = post_sign_in(client, "+962791110000", "wrong password")
        assert WRONG in response.content.decode()
    response = post_sign_in(client, "+962791110000", "wrong password")
    assert response.status_code == 400
    assert "Too many failed sign-ins. Try again in 15 minutes" in response.content.decode()

    # While locked, even the right password is refused.
    response = post_sign_in(client, "+962791110000", PASSWORD)
    assert response.status_code == 400
    assert "Try again in 15 minutes" in response.content.decode()
    assert signed_in_as(client) is None
    phone_user.refresh_from_db()
    assert phone_user.locked_until is not None

    # The message counts down.
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(minutes=14, seconds=30))
    assert "Try again in 1 minute or" in post_sign_in(client, "+962791110000").content.decode()

    # Sixteen minutes later the right password works, and the failure count starts again.
    later = real_now() + timedelta(minutes=16)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = post_sign_in(client, "+962791110000", PASSWORD)
    assert response.status_code == 302
    assert signed_in_as(client) == phone_user.pk
    phone_user.refresh_from_db()
    assert phone_user.failed_sign_ins == 0 and phone_user.locked_until is None


def test_a_success_resets_the_failure_count(phone_user: User, settings: Any) -> None:
    settings.KASB_LOCKOUT_THRESHOLD = 3
    for _attempt in range(2):
        post_sign_in(Client(), "+962791110000", "wrong password")
    assert post_sign_in(Client(), "+962791110000").status_code == 302
    for _attempt in range(2):
        post_sign_in(Client(), "+962791110000", "wrong password")
    assert post_sign_in(Client(), "+962791110000").status_code == 302


def test_the_lock_out_is_recorded_in_the_audit_trail(phone_user: User, settings: Any) -> None:
    from kasb.core.models import AuditEvent

    settings.KASB_LOCKOUT_THRESHOLD = 2
    for _attempt in range(2):
        post_sign_in(Client(), "+962791110000", "wrong password")
    assert AuditEvent.objects.filter(verb="user.locked", object_id=str(phone_user.pk)).count() == 1


# --- password storage and reset -------------------------------------------------------------------------------

def test_passwords_are_hashed_with_argon2(db: Any, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = create_user(full_name="Sara", email="sara@kasb.test", password=PASSWORD)
    user.refresh_from_db()
    assert user.password.startswith("argon2")
    assert PASSWORD not in user.password
    assert post_sign_in(Client(), "sara@kasb.test").status_code == 302


def _reset_link(client: Client, email: str) -> str:
    response = client.post("/en/accounts/password/reset/", {"email": email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [email]
    body = str(mail.outbox[0].body)
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return match.group(1)


def _choose_password(client: Client, link: str, password: str) -> None:
    response = client.get(link)
    assert response.status_code == 302  # Django swaps the token for a session key, then shows the form
    form_url = response["Location"]
    assert client.get(form_url).status_code == 200
    response = client.post(form_url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302, response.content[:500]


def test_password_reset_email_has_a_working_link(db: Any) -> None:
    create_user(full_name="Sara", email="sara@kasb.test", password=PASSWORD)
    client = Client()
    link = _reset_link(client, "sara@kasb.test")
    _choose_password(client, link, "a brand new passphrase")
    assert post_sign_in(Client(), "sara@kasb.test", "a brand new passphrase").status_code == 302
    assert post_sign_in(Client(), "sara@kasb.test", PASSWORD).status_code == 400
    # The link works once.
    assert "expired or was already used" in Client().get(link, follow=True).content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(db: Any) -> None:
    response = Client().post("/en/accounts/password/reset/", {"email": "nobody@kasb.test"}, follow=True)
    assert response.status_code == 200
    assert "If that address has an account" in response.content.decode()
    assert mail.outbox == []


def test_resetting_the_password_lifts_a_lock_out(db: Any, settings: Any) -> None:
    """The lock-out message says "or reset your password": doing so must let the person in."""
    settings.KASB_LOCKOUT_THRESHOLD = 2
    create_user(full_name="Sara", email="sara@kasb.test", password=PASSWORD)
    for _attempt in range(2):
        post_sign_in(Client(), "sara@kasb.test", "wrong password")
    assert "reset your password" in post_sign_in(Client(), "sara@kasb.test").content.decode()
    client = Client()
    _choose_password(client, _reset_link(client, "sara@kasb.test"), "a brand new passphrase")
    assert post_sign_in(Client(), "sara@kasb.test", "a brand new passphrase").status_code == 302


# --- two-step sign-in -----------------------------------------------------------------------------------------

def test_staff_must_pass_two_step_sign_in_before_seeing_the_registry(member: Any) -> None:
    coordinator = member(Role.COORDINATOR)
    client = Client()
    assert post_sign_in(client, coordinator.email).status_code == 302
    # Signed in with the password only: every page sends them to the second step.
    for path in ("/en/participants/", "/en/dashboard/", "/en/participants/register/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"{TWO_STEP}?next={quote(path, safe='')}", path
    # The API does not accept a half-signed-in session either.
    assert client.get("/api/v1/participants").status_code == 401

    page = client.get(TWO_STEP)
    assert page.status_code == 200
    assert "Scan this code" in page.content.decode() and "data:image/svg+xml" in page.content.decode()
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    response = client.post(TWO_STEP, {"token": current_code(device)})
    assert response.status_code == 302
    assert client.get("/en/participants/").status_code == 200
    assert client.get("/api/v1/participants").status_code == 200
    assert TOTPDevice.objects.get(user=coordinator).confirmed


def test_next_sign_in_asks_for_the_code_of_the_confirmed_app(member: Any) -> None:
    coordinator = member(Role.COORDINATOR)
    sign_in(Client(), coordinator)  # sets up the app
    client = Client()
    post_sign_in(client, coordinator.email)
    page = client.get(TWO_STEP)
    assert "Open your authenticator app" in page.content.decode()
    assert "Scan this code" not in page.content.decode()
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1
    device = TOTPDevice.objects.get(user=coordinator)
    device.last_t = -1  # the fixture used this time step's code already
    device.save()
    assert client.post(TWO_STEP, {"token": current_code(device)}).status_code == 302
    assert client.get("/en/participants/").status_code == 200


def test_a_wrong_code_shows_an_error_and_keeps_the_door_shut(member: Any) -> None:
    coordinator = member(Role.COORDINATOR)
    client = Client()
    post_sign_in(client, coordinator.email)
    client.get(TWO_STEP)
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(TWO_STEP, {"token": wrong})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert client.get("/en/participants/")["Location"].startswith(TWO_STEP)
    device.refresh_from_db()
    assert not device.confirmed


def test_a_participant_is_not_asked_for_two_step_sign_in(world: dict[str, Any], member: Any) -> None:
    coordinator = principal_for_user(member(Role.COORDINATOR))
    person = register_participant(actor=coordinator, partner=world["partner"],
                                  data=registration(centre=world["irbid"]))
    user = create_user(full_name="Amal Haddad", phone="+962791110000", password=PASSWORD)
    link_login(actor=coordinator, participant=person, user=user)
    client = Client()
    response = post_sign_in(client, "+962 79 111 0000")
    assert response.status_code == 302 and response["Location"] == "/en/dashboard/"
    assert client.get("/en/dashboard/").status_code == 200
    page = client.get("/en/participants/me/")
    assert page.status_code == 200 and person.reference in page.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()


# --- language -------------------------------------------------------------------------------------------------

def test_switching_language_is_saved_and_used_at_the_next_sign_in(db: Any) -> None:
    user = create_user(full_name="Sara", email="sara@kasb.test", password=PASSWORD)
    client = Client()
    post_sign_in(client, "sara@kasb.test")
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/en/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/ar/dashboard/"
    user.refresh_from_db()
    assert user.language == "ar"

    fresh = Client()  # another phone: no language cookie
    response = post_sign_in(fresh, "sara@kasb.test")
    assert response.status_code == 302 and response["Location"].startswith("/ar/")
    page = fresh.get(response["Location"])
    assert page.status_code == 200


def test_an_unknown_language_is_ignored(db: Any) -> None:
    user = create_user(full_name="Sara", email="sara@kasb.test", password=PASSWORD)
    client = Client()
    post_sign_in(client, "sara@kasb.test")
    client.post("/i18n/setlang/", {"language": "xx", "next": "/en/dashboard/"})
    user.refresh_from_db()
    assert user.language == "en"


def test_arabic_staff_go_through_two_step_sign_in_in_arabic(member: Any) -> None:
    coordinator = member(Role.COORDINATOR)
    User.objects.filter(pk=coordinator.pk).update(language="ar")
    client = Client()
    response = post_sign_in(client, coordinator.email)
    assert response["Location"] == "/ar/dashboard/"
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith("/ar/accounts/two-step/")
    page = client.get(response["Location"])
    assert page.status_code == 200 and '<html lang="ar" dir="rtl">' in page.content.decode()
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    response = client.post("/ar/accounts/two-step/?next=/ar/dashboard/", {"token": current_code(device)})
    assert response.status_code == 302 and response["Location"] == "/ar/dashboard/"


@pytest.mark.parametrize("path", ["/ar/accounts/sign-in/", "/ar/accounts/password/reset/"])
def test_arabic_pages_are_right_to_left(db: Any, path: str) -> None:
    html = Client().get(path).content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_english_pages_are_left_to_right(db: Any) -> None:
    html = Client().get("/en/accounts/sign-in/").content.decode()
    assert '<html lang="en" dir="ltr">' in html


# --- where people land ----------------------------------------------------------------------------------------

def test_staff_following_a_link_land_on_it_after_both_steps(member: Any, world: dict[str, Any]) -> None:
    coordinator = member(Role.COORDINATOR)
    person = register_participant(actor=principal_for_user(coordinator), partner=world["partner"],
                                  data=registration(centre=world["irbid"]))
    target = f"/en/participants/{person.reference}/"
    client = Client()
    response = client.get(target)
    assert response.status_code == 302 and response["Location"] == f"{SIGN_IN}?next={target}"
    response = client.post(response["Location"], {"identifier": coordinator.email, "password": PASSWORD,
                                                  "next": target})
    assert response["Location"] == target
    response = client.get(target)
    assert response.status_code == 302 and response["Location"].startswith(TWO_STEP)
    two_step = response["Location"]
    assert client.get(two_step).status_code == 200
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    response = client.post(two_step, {"token": current_code(device)})
    assert response.status_code == 302 and response["Location"] == target
    assert client.get(target).status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "http://testserver.evil/"])
def test_sign_in_never_sends_people_to_another_site(db: Any, target: str) -> None:
    create_user(full_name="Sara", email="sara@kasb.test", password=PASSWORD)
    response = Client().post(SIGN_IN, {"identifier": "sara@kasb.test", "password": PASSWORD, "next": target})
    assert response.status_code == 302 and response["Location"] == "/en/dashboard/"


def test_half_signed_in_staff_can_sign_out_and_change_language(member: Any) -> None:
    coordinator = member(Role.COORDINATOR)
    client = Client()
    post_sign_in(client, coordinator.email)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": TWO_STEP})
    assert response["Location"] == "/fr/accounts/two-step/"
    coordinator.refresh_from_db()
    assert coordinator.language == "fr"
    response = client.post("/fr/accounts/sign-out/")
    assert response.status_code == 302
    assert signed_in_as(client) is None
    assert client.get("/en/participants/")["Location"].startswith(SIGN_IN)


def test_health_check_needs_no_sign_in(db: Any) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_health_check_reports_an_unreachable_database(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    class Unreachable:
        def cursor(self) -> Any:
            raise OperationalError("connection refused")

    monkeypatch.setattr("kasb.core.health.connection", Unreachable())
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@override_settings(SECURE_SSL_REDIRECT=True)
def test_health_check_is_not_redirected_to_https(db: Any) -> None:
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/en/accounts/sign-in/").status_code == 301
