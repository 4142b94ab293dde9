"""Shared fixtures: a Jordanian partner with two centres, and a signed-in user for each role.

Everything is built through services, as the application builds it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import Area
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import add_member, create_organisation

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _english_unless_asked() -> Any:
    """Each test starts in English: a request to /ar/... leaves Arabic active on the test's thread."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty local cache: a dashboard another test's records filled must not show."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture(autouse=True)
def _media_and_outbox(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def ensure_areas() -> None:
    """Governorates and regions, as the data migration loads them (a transactional test empties them)."""
    from django.apps import apps

    if not Area.objects.exists():
        importlib.import_module("kasb.orgs.migrations.0002_admin1_areas").load(apps, None)
    ensure_skills()


def ensure_skills() -> None:
    """The skills taxonomy, as its data migration loads it (a transactional test empties it as well)."""
    from django.apps import apps

    from kasb.skills.models import Skill

    if not Skill.objects.exists():
        importlib.import_module("kasb.skills.migrations.0002_taxonomy").load(apps, None)


@pytest.fixture
def root(db: Any) -> Principal:
    ensure_areas()
    user = User.objects.create_superuser(email="root@kasb.test", password=PASSWORD, full_name="Root")
    return principal_for_user(user)


@pytest.fixture
def world(root: Principal) -> dict[str, Any]:
    """Partner 'Amal Youth' (Jordan) with centres in Irbid and Zaatari camp; a second partner in Tunisia."""
    partner = create_organisation(actor=root, kind="partner", name="Amal Youth", country="JO",
                                  area=Area.objects.get(code="JO-AM"))
    irbid = create_organisation(actor=root, kind="centre", name="Irbid Centre", country="JO", parent=partner,
                                area=Area.objects.get(code="JO-IR"))
    zaatari = create_organisation(actor=root, kind="centre", name="Zaatari Centre", country="JO", parent=partner,
                                  area=Area.objects.get(code="JO-MA"), in_camp=True)
    client = create_organisation(actor=root, kind="client", name="Data Co", country="JO", parent=partner)
    employer = create_organisation(actor=root, kind="employer", name="Hire Ltd", country="JO", parent=partner)
    other = create_organisation(actor=root, kind="partner", name="Tunis Hub", country="TN",
                                area=Area.objects.get(code="TN-11"))
    other_centre = create_organisation(actor=root, kind="centre", name="Tunis Centre", country="TN", parent=other,
                                       area=Area.objects.get(code="TN-11"))
    return {"partner": partner, "irbid": irbid, "zaatari": zaatari, "client": client, "employer": employer,
            "other": other, "other_centre": other_centre}


ROLE_HOMES: dict[str, str] = {
    Role.COORDINATOR: "irbid", Role.TRAINER: "irbid", Role.QA_REVIEWER: "partner",
    Role.PROGRAMME_MANAGER: "partner", Role.FINANCE_OFFICER: "partner", Role.ME_OFFICER: "partner",
    Role.CLIENT_MEMBER: "client", Role.EMPLOYER_MEMBER: "employer",
}


@pytest.fixture
def member(root: Principal, world: dict[str, Any]) -> Callable[..., User]:
    """member(role, org_key='...') -> a user holding that role (password PASSWORD)."""
    counter = iter(range(1000))

    def make(role: str, org: str | None = None) -> User:
        organisation = world[org or ROLE_HOMES[role]]
        n = next(counter)
        membership = add_member(actor=root, organisation=organisation, role=role, full_name=f"{role} {n}",
                                email=f"{role}{n}@kasb.test")
        user = membership.user
        user.set_password(PASSWORD)
        user.save()
        return user
    return make


def sign_in(client: Client, user: User) -> Client:
    """Sign in through the real form, passing two-step sign-in with a real TOTP code where needed."""
    from django_otp.oath import totp

    response = client.post("/en/accounts/sign-in/", {"identifier": user.email or user.phone, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    if principal_for_user(user).is_staff_role:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            client.get("/en/accounts/two-step/")
            device = TOTPDevice.objects.get(user=user, confirmed=False)
        code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
        device.last_t = -1
        device.save()
        response = client.post("/en/accounts/two-step/", {"token": code})
        assert response.status_code == 302, response.content[:800]
    return client


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def do(user: User) -> Client:
        return sign_in(Client(), user)
    return do


@pytest.fixture
def coordinator_user(member: Callable[..., User]) -> User:
    return member(Role.COORDINATOR)


@pytest.fixture
def coordinator(coordinator_user: User) -> Principal:
    """A coordinator at the Irbid centre of 'Amal Youth'."""
    return principal_for_user(coordinator_user)


def registration(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": "Amal", "family_name": "Haddad", "sex": "female", "date_of_birth": date(2003, 5, 14),
        "nationality": "SY", "displacement_status": "refugee", "phone": "+962791234567",
        "id_kind": "unhcr", "id_number": "945-00123456", "consent_registration": True,
        "consent_monitoring": True, "disability_seeing": 1, "disability_walking": 3,
    }
    data.update(overrides)
    return data


@pytest.fixture
def participant_user(db: Any) -> User:
    return create_user(full_name="Amal Haddad", phone="+962791110000", password=PASSWORD)
