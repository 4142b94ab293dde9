"""Money fixtures: a programme in JOD (three decimals), a funded client, verified workers, two finance officers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import Programme
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_programme
from kasb.participants.models import Participant
from kasb.participants.services import register_participant
from kasb.payments.models import PayoutMethod, Reservation
from kasb.payments.services import add_payout_method, decide_payout_method, record_deposit, reserve

from ...conftest import registration


def jod(text: str) -> Money:
    return Money.parse(text, "JOD")


@pytest.fixture
def finance(member: Callable[..., Any]) -> Principal:
    return principal_for_user(member(Role.FINANCE_OFFICER))


@pytest.fixture
def checker(member: Callable[..., Any]) -> Principal:
    """A second finance officer: approves what `finance` builds."""
    return principal_for_user(member(Role.FINANCE_OFFICER))


@pytest.fixture
def programme(root: Principal, world: dict[str, Any]) -> Programme:
    return create_programme(actor=root, partner=world["partner"], name="Digital livelihoods 2026", country="JO",
                            currency="JOD", platform_fee_bps=1000, payout_minimum=jod("5"))


@pytest.fixture
def make_worker(coordinator: Principal, world: dict[str, Any]) -> Callable[..., Participant]:
    counter = iter(range(10_000))

    def make(*, verified: bool = True, provider: str = "mobile_money") -> Participant:
        n = next(counter)
        person = register_participant(actor=coordinator, partner=world["partner"], data=registration(
            given_name=f"Worker{n}", phone=f"+9627910{n:05d}", id_number=f"945-{n:08d}",
            centre=world["irbid"]))
        if provider:
            method = add_payout_method(actor=coordinator, participant=person, kind="wallet", provider=provider,
                                       phone=f"+9627950{n:05d}")
            if verified:
                decide_payout_method(actor=coordinator, method=method, verified=True)
        return person
    return make


@pytest.fixture
def funded(finance: Principal, world: dict[str, Any]) -> Reservation:
    """The client deposited 1,000.000 JOD and reserved 600.000 JOD for a project."""
    record_deposit(actor=finance, client=world["client"], amount=jod("1000"), reference="TRF-001",
                   received_on=date(2026, 11, 2))
    return reserve(actor=finance, client=world["client"], amount=jod("600"), reference="microwork.project:1",
                   label="Receipt transcription", idempotency_key="reserve:project:1")


__all__ = ["PayoutMethod", "jod"]
