"""IBAN validation (ISO 13616): country length and the mod-97 check digits."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kasb.core.errors import ValidationFailed

# Lengths from the SWIFT IBAN registry, for the countries that issue IBANs.
LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
    "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}


def normalise_iban(raw: str) -> str:
    """Return the IBAN without spaces, upper-case, or raise ValidationFailed saying what is wrong."""
    iban = "".join((raw or "").split()).upper()
    if not iban:
        raise ValidationFailed(_("Enter the IBAN."), field="iban")
    if not iban.isalnum() or not iban.isascii():
        raise ValidationFailed(_("An IBAN has only letters and digits."), field="iban", code="iban_invalid")
    country = iban[:2]
    if country not in LENGTHS:
        raise ValidationFailed(_("“%(country)s” does not issue IBANs, or the IBAN does not start with its country.")
                               % {"country": country}, field="iban", code="iban_invalid")
    if len(iban) != LENGTHS[country]:
        raise ValidationFailed(_("An IBAN from %(country)s has %(expected)s characters; this one has %(actual)s.")
                               % {"country": country, "expected": LENGTHS[country], "actual": len(iban)},
                               field="iban", code="iban_invalid")
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        raise ValidationFailed(_("The IBAN's check digits do not match: please check it for a typing mistake."),
                               field="iban", code="iban_invalid")
    return iban
