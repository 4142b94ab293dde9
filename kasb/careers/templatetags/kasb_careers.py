"""{{ minor|money:currency }}: an amount kept in minor units, written with its currency's decimals."""

from __future__ import annotations

from typing import Any

from django import template

from kasb.core.money import Money

register = template.Library()


@register.filter(name="money")
def money(minor: Any, currency: str) -> str:
    if minor in (None, "") or not currency:
        return ""
    return str(Money(int(minor), currency))


@register.filter(name="application_status")
def application_status(value: str) -> str:
    from kasb.careers.models import CareerApplication

    return str(CareerApplication.Status(value).label) if value in CareerApplication.Status.values else value


@register.filter(name="referral_status")
def referral_status(value: str) -> str:
    from kasb.careers.models import Referral

    return str(Referral.Status(value).label) if value in Referral.Status.values else value
