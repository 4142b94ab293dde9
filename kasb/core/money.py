"""Money: integer minor units plus an ISO 4217 currency code. Never floats.

Minor units come from the ISO 4217 table: most currencies have two decimals; the ones below differ.
JOD, TND, BHD, KWD, OMR, IQD and LYD have three; JPY, KRW, VND, XOF and others have none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pycountry
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .errors import ValidationFailed

# ISO 4217 exponents other than 2 (the list published by the ISO 4217 maintenance agency).
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                     "VND", "VUV", "XAF", "XOF", "XPF"], 0),
    **dict.fromkeys(["CLF", "UYW"], 4),
}
# Codes that are not money a person is paid in: precious metals, testing and fund codes.
_NOT_PAYABLE = frozenset({"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA",
                          "XXX", "BOV", "CHE", "CHW", "COU", "MXV", "USN"})


def is_currency(code: str) -> bool:
    return (len(code) == 3 and code.isupper() and code not in _NOT_PAYABLE
            and pycountry.currencies.get(alpha_3=code) is not None)


def check_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if not is_currency(code):
        raise ValidationFailed(_("“%(code)s” is not an ISO 4217 currency code.") % {"code": code},
                               code="unknown_currency", field="currency")
    return code


def exponent(currency: str) -> int:
    """How many decimals the currency has (JOD 3, USD 2, JPY 0)."""
    return _EXPONENTS.get(check_currency(currency), 2)


def currency_choices() -> list[tuple[str, str]]:
    return sorted((c.alpha_3, f"{c.alpha_3} — {c.name}") for c in pycountry.currencies if is_currency(c.alpha_3))


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+\.\d+")


def _plain_number(text: str, field: str) -> str:
    """Digits with a point for decimals. "1,250.500" is fine; "12,500" could mean 12.5 or 12500, so it is refused."""
    text = text.strip().replace("\u066b", ".").replace("\u00a0", "").replace(" ", "")  # Arabic decimal sign
    if "," in text:
        if not _THOUSANDS.fullmatch(text):
            raise ValidationFailed(_("Write “%(value)s” with a point for decimals and no commas, e.g. 1250.500.")
                                   % {"value": text}, code="ambiguous_comma", field=field)
        text = text.replace(",", "")
    return text


# Far above any payment Kasb makes, and safely inside a 64-bit database column.
MAX_MINOR = 10**15


@dataclass(frozen=True, order=False)
class Money:
    """An amount in integer minor units of one currency. Arithmetic across currencies is an error."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError("Money.minor must be an int of minor units")
        object.__setattr__(self, "currency", check_currency(self.currency))

    # Parsing and formatting -------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str | int | Decimal, currency: str, *, field: str = "amount") -> Money:
        """Read a decimal amount a person typed ("12.345" JOD) exactly; too many decimals is an error."""
        places = exponent(currency)
        raw = _plain_number(str(text), field) if not isinstance(text, Decimal) else text
        try:
            value = Decimal(raw)
        except (InvalidOperation, ValueError):
            raise ValidationFailed(_("“%(value)s” is not an amount of money.") % {"value": text},
                                   code="invalid_amount", field=field) from None
        if not value.is_finite():
            raise ValidationFailed(_("“%(value)s” is not an amount of money.") % {"value": text},
                                   code="invalid_amount", field=field)
        scaled = value.scaleb(places)
        written = value.as_tuple().exponent
        # "12.5000" JOD is refused too: a file that writes four decimals for a three-decimal currency is wrong.
        if scaled != scaled.to_integral_value() or (isinstance(written, int) and written < -places):
            raise ValidationFailed(
                ngettext("%(currency)s has %(places)s decimal place; “%(value)s” has more.",
                         "%(currency)s has %(places)s decimal places; “%(value)s” has more.", places)
                % {"currency": currency.upper(), "places": places, "value": text},
                code="too_many_decimals", field=field)
        if abs(scaled) > MAX_MINOR:
            raise ValidationFailed(_("“%(value)s” is too large an amount.") % {"value": text},
                                   code="amount_too_large", field=field)
        return cls(int(scaled), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @property
    def amount(self) -> Decimal:
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def plain(self) -> str:
        """The amount with exactly the currency's decimals, no grouping: '12.500' for 12.5 JOD."""
        places = exponent(self.currency)
        return f"{self.amount:.{places}f}"

    def __str__(self) -> str:
        return f"{self.plain()} {self.currency}"

    # Arithmetic -------------------------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise ValidationFailed(
                _("Cannot combine %(a)s and %(b)s without an exchange.") % {"a": self.currency, "b": other.currency},
                code="currency_mismatch")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def times(self, count: int) -> Money:
        return Money(self.minor * int(count), self.currency)

    def share(self, basis_points: int) -> Money:
        """`basis_points`/10,000 of this amount, rounded half up to a whole minor unit (fees)."""
        value = (Decimal(self.minor) * basis_points / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return Money(int(value), self.currency)

    def convert(self, rate: Decimal, to: str) -> Money:
        """This amount at `rate` units of `to` per unit of this currency, rounded half up to `to`'s minor unit."""
        value = (self.amount * Decimal(rate)).scaleb(exponent(to)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return Money(int(value), to)
