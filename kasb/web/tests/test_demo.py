"""The demo loader: what `make demo` shows, that it can run twice, and that it keeps secrets secret."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from kasb.accounts.models import User
from kasb.accounts.services import create_user, enrol_totp_device
from kasb.core.models import AuditEvent
from kasb.core.permissions import STAFF_ROLES, Role
from kasb.orgs.models import Membership, Organisation
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Consent, Participant
from kasb.participants.vocab import has_disability
from kasb.settings import DEMO_SECRET_KEY
from kasb.web import demo, demo_data

REPO = Path(__file__).resolve().parents[3]


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (User, Organisation, Membership, Participant, Consent, TOTPDevice, AuditEvent)}


@pytest.fixture
def demo_settings(settings: Any) -> Any:
    settings.SECRET_KEY = DEMO_SECRET_KEY
    return settings


def test_load_demo_fills_every_role_and_runs_twice(db: Any, demo_settings: Any) -> None:
    first = run("load_demo")
    people: list[Any] = list(Participant.objects.select_related("partner", "centre", "area"))

    assert len(people) >= 300
    assert 0.6 <= sum(p.sex == "female" for p in people) / len(people) <= 0.75
    by_partner = {p.partner.name for p in people}
    assert by_partner == {spec.name for spec in demo_data.PARTNERS}
    assert Organisation.objects.filter(kind="centre", in_camp=True, area__code__in=["JO-MA", "JO-AZ"]).count() == 2
    assert {p.area.code for p in people} >= {"JO-AM", "JO-IR", "JO-MA", "JO-AZ", "TJ-GB", "TJ-DU", "TN-11"}
    assert {p.nationality for p in people} >= {"SY", "JO", "IQ", "TJ", "TN", "SD", "CI", "ER"}
    assert any(has_disability(p.disability) for p in people)
    today = timezone.localdate()
    assert any(today.year - p.date_of_birth.year < 18 for p in people)
    assert Consent.objects.filter(purpose="registration").count() == len(people)

    for role in Role:
        holders = (User.objects.filter(participant__isnull=False) if role == Role.PARTICIPANT
                   else User.objects.filter(memberships__role=role))
        user = holders.filter(email__endswith=f"@{demo_data.DEMO_DOMAIN}").first()
        assert user is not None, role
        assert role in principal_for_user(user).roles
        assert user.check_password(demo.DEMO_PASSWORD)
        assert user.email and user.email in first
        assert TOTPDevice.objects.filter(user=user, confirmed=True).exists() == (role in STAFF_ROLES)
    assert demo.DEMO_PASSWORD in first and "http://127.0.0.1:" in first and "demo_code" in first

    before = counts()
    again = run("load_demo")
    assert counts() == before
    assert "already loaded" in again and "coordinator@demo.kasb.org" in again


def test_demo_coordinator_signs_in_with_demo_code(db: Any, demo_settings: Any) -> None:
    run("load_demo")
    client = Client()
    response = client.post("/en/accounts/sign-in/", {"identifier": "coordinator@demo.kasb.org",
                                                     "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/en/").status_code == 302  # still held at two-step sign-in
    code = run("demo_code", "coordinator@demo.kasb.org").strip()
    response = client.post("/en/accounts/two-step/", {"token": code})
    assert response.status_code == 302, response.content[:500]
    page = client.get(response["Location"], follow=True)
    assert page.status_code == 200
    assert b"Zaatari" in page.content


def test_load_demo_refuses_a_real_secret_key(db: Any, settings: Any) -> None:
    settings.SECRET_KEY = "a-real-deployment-key-0123456789abcdef"
    with pytest.raises(CommandError, match="--force"):
        run("load_demo")
    assert User.objects.count() == 0


def test_demo_code_prints_a_code_the_device_accepts(db: Any, demo_settings: Any) -> None:
    email = "trainer@demo.kasb.org"
    user = create_user(full_name="Trainer", email=email)
    enrol_totp_device(user=user, key_hex=demo.demo_totp_key(email))
    code = run("demo_code", email).strip()
    assert re.fullmatch(r"\d{6}", code)
    assert TOTPDevice.objects.get(user=user).verify_token(code)
    assert run("demo_code", "--key", email).strip().isalnum()


@pytest.mark.parametrize("email", ["amal@partner.org", "someone@demo.kasb.org.evil.com"])
def test_demo_code_refuses_real_accounts(db: Any, demo_settings: Any, email: str) -> None:
    user = create_user(full_name="Real Person", email=email)
    enrol_totp_device(user=user, key_hex=demo.demo_totp_key(email))
    with pytest.raises(CommandError, match="not a demo account"):
        run("demo_code", email)


def test_demo_code_refuses_a_device_the_demo_did_not_make(db: Any, demo_settings: Any) -> None:
    email = "stranger@demo.kasb.org"
    user = create_user(full_name="Someone", email=email)
    enrol_totp_device(user=user, key_hex="ab" * 20)
    with pytest.raises(CommandError, match="not set up by the demo"):
        run("demo_code", email)


def test_protected_values_never_reach_the_database_file_in_plain_text(tmp_path: Path) -> None:
    """Load the demo into a real SQLite file, as `make demo` does, and scan its bytes."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env["KASB_DATA_DIR"] = str(tmp_path)
    for args in (["migrate", "--no-input", "-v", "0"], ["load_demo"]):
        done = subprocess.run([sys.executable, "-m", "kasb.cli", *args], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
    assert "participant@demo.kasb.org" in done.stdout

    database = tmp_path / "kasb.sqlite3"
    raw = b"".join(path.read_bytes() for path in (database, tmp_path / "kasb.sqlite3-wal") if path.exists())
    people = demo_data.people(timezone.localdate().year)
    secrets = {value for p in people
               for value in (p["phone"], p["phone"].lstrip("+"), p["id_number"], p["date_of_birth"].isoformat())
               if value}
    assert len(secrets) > 3 * len(people)
    leaked = sorted(value for value in secrets if value.encode() in raw)
    assert leaked == []
    # The scan does see the participants' rows: their (unprotected) names are there.
    assert all(p["family_name"].encode() in raw and p["given_name"].encode() in raw for p in people)
