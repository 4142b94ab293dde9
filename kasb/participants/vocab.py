"""The controlled vocabularies of the registry, used by forms, imports, the API and monitoring."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Displacement(models.TextChoices):
    REFUGEE = "refugee", _("Refugee")
    ASYLUM_SEEKER = "asylum_seeker", _("Asylum seeker")
    HOST = "host_community", _("Host community")
    IDP = "idp", _("Internally displaced")
    RETURNEE = "returnee", _("Returnee")
    MIGRANT_WORKER = "migrant_worker", _("Migrant worker")
    POTENTIAL_MIGRANT = "potential_migrant", _("Potential migrant")


class Education(models.TextChoices):
    NONE = "none", _("No formal education")
    PRIMARY = "primary", _("Primary")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary")
    VOCATIONAL = "vocational", _("Vocational")
    UNIVERSITY = "university", _("University")


class IdKind(models.TextChoices):
    NATIONAL = "national_id", _("National ID")
    UNHCR = "unhcr", _("UNHCR case or individual number")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other")


class DeviceAccess(models.TextChoices):
    NONE = "none", _("No device of their own")
    SHARED_PHONE = "shared_phone", _("Shared phone")
    BASIC_PHONE = "basic_phone", _("Basic phone")
    SMARTPHONE = "smartphone", _("Smartphone")
    COMPUTER = "computer", _("Computer or laptop")


class Connectivity(models.TextChoices):
    NONE = "none", _("No internet")
    MOBILE_DATA = "mobile_data", _("Mobile data only")
    HOME = "home", _("Home internet")
    CENTRE = "centre", _("Only at a centre")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    CALL = "call", _("Phone call")
    EMAIL = "email", _("E-mail")


# Washington Group Short Set: six domains, each answered on the same four-point scale.
WG_DOMAINS: list[tuple[str, Any]] = [
    ("seeing", _("Difficulty seeing, even if wearing glasses")),
    ("hearing", _("Difficulty hearing, even if using a hearing aid")),
    ("walking", _("Difficulty walking or climbing steps")),
    ("cognition", _("Difficulty remembering or concentrating")),
    ("self_care", _("Difficulty with self-care, such as washing all over or dressing")),
    ("communication", _("Difficulty communicating, e.g. understanding or being understood")),
]


class WGAnswer(models.IntegerChoices):
    NO = 1, _("No difficulty")
    SOME = 2, _("Some difficulty")
    A_LOT = 3, _("A lot of difficulty")
    CANNOT = 4, _("Cannot do at all")


def has_disability(answers: dict[str, int] | None) -> bool:
    """The Washington Group's recommended cut-off: 'a lot of difficulty' or worse in any domain."""
    return any(int(v) >= WGAnswer.A_LOT for v in (answers or {}).values() if v)


class ConsentPurpose(models.TextChoices):
    REGISTRATION = "registration", _("Registration and programme records")
    CONTACT = "contact", _("Being contacted about the programme")
    MONITORING = "monitoring", _("Anonymous use in monitoring and donor reports")
    SHARE_EMPLOYERS = "share_employers", _("Sharing my profile with employers")
    PHOTO = "photo", _("Photos and stories")


CONSENT_TEXT_VERSION = "2026-11"
