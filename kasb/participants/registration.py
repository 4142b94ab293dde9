"""Validation of one registration, shared by the desk form, the bulk import and the API.

Input is a mapping of column names to raw values (strings from a form or a spreadsheet cell, or
typed values from the API). Output is clean Python values, or a ValidationFailed whose `details`
maps each bad column to a reason a coordinator can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasb.accounts.phone import normalise_phone
from kasb.core.errors import ValidationFailed
from kasb.orgs.countries import is_country
from kasb.orgs.models import Area, Organisation

from .vocab import (
    WG_DOMAINS,
    Channel,
    Connectivity,
    ConsentPurpose,
    DeviceAccess,
    Displacement,
    Education,
    IdKind,
    Sex,
    WGAnswer,
)

REQUIRED = ("given_name", "family_name", "sex", "date_of_birth", "nationality", "displacement_status",
            "consent_registration")
MIN_AGE, MAX_AGE = 10, 80
YES = {"yes", "y", "true", "1", "oui", "да", "ҳа", "نعم"}
NO = {"no", "n", "false", "0", "non", "нет", "не", "لا", ""}

# Every column the import template and the API accept, in template order.
COLUMNS = ["given_name", "family_name", "sex", "date_of_birth", "nationality", "displacement_status",
           "phone", "email", "id_kind", "id_number", "centre", "area", "admin2", "neet", "education",
           "female_headed_household", "migrant_household", "languages", "device_access", "connectivity",
           "contact_channels", "gender_identity",
           *[f"disability_{d}" for d, _label in WG_DOMAINS],
           "consent_registration", "consent_contact", "consent_monitoring", "consent_share_employers"]


@dataclass
class Registration:
    values: dict[str, Any] = field(default_factory=dict)
    consents: list[str] = field(default_factory=list)


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    # NUL characters come only from damaged files or hostile requests, and PostgreSQL cannot store them.
    return str(raw).replace("\x00", "").strip()


def _choice(raw: Any, choices: Any, column: str) -> str:
    text = _text(raw).lower().replace(" ", "_").replace("-", "_")
    if text in choices.values:
        return text
    for value, label in choices.choices:
        if text == str(label).lower().replace(" ", "_"):
            return str(value)
    raise ValidationError(_("“%(value)s” is not one of: %(allowed)s.") % {
        "value": _text(raw), "allowed": ", ".join(choices.values)}, code=column)


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValidationError(_("Write yes or no."))


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = _text(raw)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(_("“%(value)s” is not a date. Write it as YYYY-MM-DD, e.g. 2004-03-21.") % {"value": text})


def _list(raw: Any, allowed: set[str] | None = None) -> list[str]:
    items = raw if isinstance(raw, list | tuple) else _text(raw).replace(";", ",").split(",")
    values = [_text(i).lower() for i in items if _text(i)]
    if allowed is not None:
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ValidationError(_("Not allowed: %(bad)s. Use: %(allowed)s.") % {
                "bad": ", ".join(bad), "allowed": ", ".join(sorted(allowed))})
    return values


class Validator:
    """Validates registrations for one partner. Look-ups (centres, areas) are loaded once, so a
    10,000-row import costs two queries, not 20,000."""

    def __init__(self, *, partner: Organisation, default_centre: Organisation | None = None,
                 allowed_centre_ids: set[int] | None = None, today: date | None = None) -> None:
        self.partner = partner
        self.default_centre = default_centre
        self.today = today or timezone.localdate()
        centres = Organisation.objects.filter(parent=partner, kind=Organisation.Kind.CENTRE, is_active=True)
        if allowed_centre_ids is not None:
            centres = centres.filter(pk__in=allowed_centre_ids)
        self.centres = {c.name.casefold(): c for c in centres}
        self.centres_by_id = {c.pk: c for c in self.centres.values()}
        self.areas = {}
        for a in Area.objects.all():
            for key in (a.code, a.name, a.name_local):
                if key:
                    self.areas[key.casefold()] = a

    def validate(self, raw: Mapping[str, Any]) -> Registration:
        errors: dict[str, str] = {}
        reg = Registration()

        def run(column: str, fn: Any) -> None:
            try:
                reg.values[column] = fn()
            except ValidationError as exc:
                errors[column] = exc.messages[0]

        for column in REQUIRED:
            if column != "consent_registration" and not _text(raw.get(column)):
                errors[column] = _("This is required.")
        run("given_name", lambda: _text(raw.get("given_name"))[:100])
        run("family_name", lambda: _text(raw.get("family_name"))[:100])
        if "sex" not in errors:
            run("sex", lambda: _choice(raw.get("sex"), Sex, "sex"))
        if "date_of_birth" not in errors:
            run("date_of_birth", lambda: self._dob(raw.get("date_of_birth")))
        if "nationality" not in errors:
            run("nationality", lambda: self._country(raw.get("nationality")))
        if "displacement_status" not in errors:
            run("displacement_status", lambda: _choice(raw.get("displacement_status"), Displacement,
                                                       "displacement_status"))
        if _text(raw.get("phone")):
            run("phone", lambda: normalise_phone(_text(raw.get("phone")), self.partner.country))
        if _text(raw.get("email")):
            run("email", lambda: self._email(raw.get("email")))
        self._optional_choices(raw, reg, errors)
        self._place(raw, reg, errors)
        self._household(raw, reg, errors)
        self._disability(raw, reg, errors)
        self._consents(raw, reg, errors)
        if errors:
            raise ValidationFailed(_("Some answers need correcting."), details=errors)
        return reg

    def _dob(self, raw: Any) -> date:
        dob = _date(raw)
        age = self.today.year - dob.year - ((self.today.month, self.today.day) < (dob.month, dob.day))
        if dob > self.today:
            raise ValidationError(_("The date of birth is in the future."))
        if not MIN_AGE <= age <= MAX_AGE:
            # Two sentences, each with its own number, so each takes the plural form its number needs.
            limit = (ngettext("Participants must be at least %(min)d year old.",
                              "Participants must be at least %(min)d years old.", MIN_AGE) % {"min": MIN_AGE}
                     if age < MIN_AGE else
                     ngettext("Participants must be at most %(max)d year old.",
                              "Participants must be at most %(max)d years old.", MAX_AGE) % {"max": MAX_AGE})
            actual = ngettext("This date of birth makes them %(age)d year old.",
                              "This date of birth makes them %(age)d years old.", age) % {"age": age}
            raise ValidationError(f"{limit} {actual}")
        return dob

    @staticmethod
    def _country(raw: Any) -> str:
        code = _text(raw).upper()
        if not is_country(code):
            raise ValidationError(_("“%(value)s” is not a two-letter country code such as SY, JO, AF or TJ.")
                                  % {"value": _text(raw)})
        return code

    @staticmethod
    def _email(raw: Any) -> str:
        text = _text(raw).lower()
        try:
            validate_email(text)
        except ValidationError as exc:
            raise ValidationError(_("“%(value)s” is not an e-mail address.") % {"value": text}) from exc
        return text

    def _optional_choices(self, raw: Mapping[str, Any], reg: Registration, errors: dict[str, str]) -> None:
        for column, choices in (("education", Education), ("device_access", DeviceAccess),
                                ("connectivity", Connectivity), ("id_kind", IdKind)):
            if _text(raw.get(column)):
                try:
                    reg.values[column] = _choice(raw.get(column), choices, column)
                except ValidationError as exc:
                    errors[column] = exc.messages[0]
        id_number = _text(raw.get("id_number"))
        if id_number:
            reg.values["id_number"] = id_number[:40]
            reg.values.setdefault("id_kind", IdKind.OTHER)
        reg.values["gender_identity"] = _text(raw.get("gender_identity"))[:60] or None
        reg.values["admin2"] = _text(raw.get("admin2"))[:100]
        for column, allowed in (("languages", None), ("contact_channels", set(Channel.values))):
            try:
                reg.values[column] = _list(raw.get(column), allowed)
            except ValidationError as exc:
                errors[column] = exc.messages[0]

    def _place(self, raw: Mapping[str, Any], reg: Registration, errors: dict[str, str]) -> None:
        centre_raw = raw.get("centre")
        if isinstance(centre_raw, Organisation):
            centre: Organisation | None = self.centres_by_id.get(centre_raw.pk)
            name = centre_raw.name
        elif isinstance(centre_raw, int):
            centre, name = self.centres_by_id.get(centre_raw), str(centre_raw)
        else:
            name = _text(centre_raw)
            centre = self.centres.get(name.casefold()) if name else self.default_centre
        if name and centre is None:
            errors["centre"] = _("“%(value)s” is not one of your centres.") % {"value": name}
        reg.values["centre"] = centre
        area_raw = raw.get("area")
        area = area_raw if isinstance(area_raw, Area) else self.areas.get(_text(area_raw).casefold())
        if _text(area_raw) and area is None:
            errors["area"] = _("“%(value)s” is not a governorate or region we know. Use its name or code, "
                               "e.g. JO-IR or Irbid.") % {"value": _text(area_raw)}
        if area is None and centre is not None:
            area = centre.area
        reg.values["area"] = area

    def _household(self, raw: Mapping[str, Any], reg: Registration, errors: dict[str, str]) -> None:
        for column in ("neet", "female_headed_household", "migrant_household"):
            try:
                reg.values[column] = _bool(raw.get(column))
            except ValidationError as exc:
                errors[column] = exc.messages[0]

    def _disability(self, raw: Mapping[str, Any], reg: Registration, errors: dict[str, str]) -> None:
        answers: dict[str, int] = {}
        for domain, _label in WG_DOMAINS:
            column = f"disability_{domain}"
            text = _text(raw.get(column))
            if not text:
                continue
            if text.isdigit() and int(text) in WGAnswer.values:
                answers[domain] = int(text)
            else:
                errors[column] = _("Answer 1 (no difficulty), 2 (some), 3 (a lot) or 4 (cannot do at all).")
        reg.values["disability"] = answers

    def _consents(self, raw: Mapping[str, Any], reg: Registration, errors: dict[str, str]) -> None:
        for purpose in ConsentPurpose.values:
            column = f"consent_{purpose}"
            try:
                given = _bool(raw.get(column))
            except ValidationError as exc:
                errors[column] = exc.messages[0]
                continue
            if given:
                reg.consents.append(purpose)
        if ConsentPurpose.REGISTRATION not in reg.consents and "consent_registration" not in errors:
            errors["consent_registration"] = _("The participant must consent to registration before "
                                               "we keep their record.")
