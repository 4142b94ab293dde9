"""Phone numbers in E.164, validated with libphonenumber."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalise_phone(raw: str, region: str | None = None) -> str:
    """Return `raw` as E.164 (+962791234567) or raise ValidationError with a usable message."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter a phone number."), code="phone_required")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number. Write it with the country code, e.g. +962 79 123 4567.")
            % {"value": text}, code="phone_invalid") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid phone number for its country.") % {"value": text},
                              code="phone_invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(identifier: str) -> bool:
    text = identifier.strip()
    return "@" not in text and sum(ch.isdigit() for ch in text) >= 6
