"""The demo: organisations, staff for every role and ~360 participants, built through the services.

`load()` runs in one transaction as a platform administrator, so a failure leaves nothing half
made; `is_loaded()` makes `kasb load_demo` safe to run again. Staff get a two-step sign-in device
with a key derived from SECRET_KEY, so `kasb demo_code <email>` can print their current code.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kasb.accounts.models import User
from kasb.accounts.services import create_user, enrol_totp_device
from kasb.core.permissions import STAFF_ROLES, Principal, Role
from kasb.orgs.models import Area, Organisation
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import add_member, create_organisation
from kasb.participants.models import Participant
from kasb.participants.services import link_login, register_participant

from . import demo_data
from .demo_data import ADMIN_EMAIL, ADMIN_NAME, DEMO_DOMAIN, PARTICIPANT_EMAIL, STAFF, PartnerSpec, Place

DEMO_PASSWORD = "kasb-demo-2026"


class NotADemoAccount(Exception):
    """demo_code was asked for an account the demo did not make."""


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    where: str
    two_step: bool


@dataclass(frozen=True)
class Summary:
    partners: int
    centres: int
    organisations: int
    participants: int
    women: int
    seconds: float


def is_demo_email(email: str) -> bool:
    return (email or "").strip().lower().endswith(f"@{DEMO_DOMAIN}")


def is_loaded() -> bool:
    return User.objects.filter(email=ADMIN_EMAIL).exists()


def demo_totp_key(email: str) -> str:
    """The authenticator secret the demo gives `email`: fixed for one SECRET_KEY, unguessable without it."""
    return hmac.new(settings.SECRET_KEY.encode(), f"kasb-demo-totp:{email.lower()}".encode(),
                    hashlib.sha256).hexdigest()[:40]


def logins() -> list[Login]:
    """One sign-in per role (and a few more in other languages), in the order they are printed."""
    rows = [Login("Platform administrator", ADMIN_EMAIL, "every organisation (and /admin/)", True)]
    rows += [Login(str(Role(s.role).label), s.email, s.organisation + _language_note(s.language),
                   s.role in STAFF_ROLES) for s in STAFF]
    first = demo_data.FEATURED
    rows.append(Login(str(Role.PARTICIPANT.label), PARTICIPANT_EMAIL,
                      f"{first['given_name']} {first['family_name']}'s own record", False))
    return rows


def _language_note(language: str) -> str:
    return "" if language == "en" else f" [{dict(settings.LANGUAGES)[language]}]"


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def load() -> Summary:
    """Create the whole demo. Call only when `is_loaded()` is false."""
    started = time.monotonic()
    admin = User.objects.create_superuser(email=ADMIN_EMAIL, password=DEMO_PASSWORD, full_name=ADMIN_NAME)
    enrol_totp_device(user=admin, key_hex=demo_totp_key(ADMIN_EMAIL), actor=admin)
    root = principal_for_user(admin)
    organisations = _organisations(root)
    _staff(root, organisations)
    partner_of = {centre: organisations[partner] for centre, partner in demo_data.centre_partners().items()}
    registered = [register_participant(actor=root, partner=partner_of[data["centre"]], data=data)
                  for data in demo_data.people(timezone.localdate().year)]
    _participant_login(root, registered[0])
    kinds = Counter(org.kind for org in organisations.values())
    return Summary(partners=kinds[Organisation.Kind.PARTNER], centres=kinds[Organisation.Kind.CENTRE],
                   organisations=len(organisations), participants=len(registered),
                   women=sum(1 for p in registered if p.sex == "female"),
                   seconds=time.monotonic() - started)


def _organisations(root: Principal) -> dict[str, Organisation]:
    areas = Area.objects.in_bulk(field_name="code")
    made: dict[str, Organisation] = {}

    def add(kind: str, place: Place, spec: PartnerSpec, parent: Organisation | None) -> None:
        made[place.name] = create_organisation(
            actor=root, kind=kind, name=place.name, country=place.country or spec.country,
            area=areas[place.area] if place.area else None, parent=parent, locality=place.locality,
            in_camp=place.in_camp)

    for spec in demo_data.PARTNERS:
        add(Organisation.Kind.PARTNER, Place(spec.name, spec.area, spec.locality), spec, None)
        partner = made[spec.name]
        for kind, places in ((Organisation.Kind.CENTRE, spec.centres), (Organisation.Kind.CLIENT, spec.clients),
                             (Organisation.Kind.EMPLOYER, spec.employers), (Organisation.Kind.DONOR, spec.donors)):
            for place in places:
                add(kind, place, spec, partner)
    return made


def _staff(root: Principal, organisations: dict[str, Organisation]) -> None:
    """Users are made with their password first, so add_member finds them and sends no invitation."""
    for spec in STAFF:
        user = create_user(full_name=spec.full_name, email=spec.email, password=DEMO_PASSWORD,
                           language=spec.language, actor=root.user)
        add_member(actor=root, organisation=organisations[spec.organisation], role=spec.role,
                   full_name=spec.full_name, email=spec.email, language=spec.language)
        if spec.role in STAFF_ROLES:
            enrol_totp_device(user=user, key_hex=demo_totp_key(spec.email), actor=root.user)


def _participant_login(root: Principal, participant: Participant) -> None:
    user = create_user(full_name=participant.full_name, email=PARTICIPANT_EMAIL, password=DEMO_PASSWORD,
                       language="en", actor=root.user)
    link_login(actor=root, participant=participant, user=user)


# ---------------------------------------------------------------------------------------------
# Two-step codes for demo accounts
# ---------------------------------------------------------------------------------------------

def demo_device(email: str) -> TOTPDevice:
    """The confirmed authenticator the demo set up for `email`, or NotADemoAccount."""
    email = (email or "").strip().lower()
    if not is_demo_email(email):
        raise NotADemoAccount(f"{email or '(empty)'} is not a demo account: codes are only shown for "
                              f"…@{DEMO_DOMAIN} accounts made by `kasb load_demo`.")
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        raise NotADemoAccount(f"There is no account {email}; run `kasb load_demo` first.")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise NotADemoAccount(f"{email} has no two-step sign-in: it signs in with the password alone.")
    if not hmac.compare_digest(device.key, demo_totp_key(email)):
        raise NotADemoAccount(f"{email}'s authenticator was not set up by the demo; use that person's app.")
    return device


def current_code(email: str) -> tuple[str, int]:
    """The code `email`'s demo authenticator shows now, and how many seconds it stays current."""
    device = demo_device(email)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    remaining = device.step - int(time.time() - device.t0) % device.step
    return f"{code:0{device.digits}d}", remaining
