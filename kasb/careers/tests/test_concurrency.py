"""The last places of an event and a code scanned at two doors at once, with real threads on their own connections.

Registration locks the event's row, so places are counted one registration at a time; a check-in is a
conditional update, so however many scans arrive together one attendance is recorded. On SQLite the test runs on
a WAL file every thread opens (microwork's `shared_file` fixture), as production would.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from kasb.core.permissions import Principal
from kasb.core.testing import race as _race
from kasb.microwork.tests.test_concurrency import shared_file  # noqa: F401 - an autouse fixture

from ..models import Registration
from ..services.events import EventFull, check_in, checkin_token, create_event, register
from .conftest import principal_of

pytestmark = pytest.mark.django_db(transaction=True)
R = Registration.Status


def _retrying(call: Any) -> Any:
    """On SQLite a writer can give up waiting for the lock ("database is locked"); a phone would try again."""
    for _attempt in range(10):
        try:
            return call()
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
    return call()


def test_twelve_people_racing_for_five_places(make_person: Any, coordinator: Principal,
                                              world: dict[str, Any]) -> None:
    start = timezone.now() + timedelta(days=2)
    event = create_event(actor=coordinator, partner=world["partner"], kind="interview_practice", title="Practice",
                         starts_at=start, ends_at=start + timedelta(hours=2), place="Room 2", capacity=5)
    people = [make_person(login=True) for _ in range(12)]
    actors = [principal_of(p) for p in people]
    def job(actor: Principal) -> Any:
        return lambda: _retrying(lambda: register(actor=actor, event=event))

    outcomes = _race([job(a) for a in actors])
    full = [o for o in outcomes if isinstance(o, EventFull)]
    others = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, EventFull)]
    assert others == []
    assert len(full) == 7
    assert Registration.objects.filter(event=event, status=R.REGISTERED).count() == 5


def test_one_code_scanned_at_once_by_several_staff_counts_once(make_person: Any, coordinator: Principal,
                                                               fair: Any) -> None:
    person = make_person(login=True)
    token = checkin_token(register(actor=principal_of(person), event=fair))
    outcomes = _race([lambda: _retrying(lambda: check_in(actor=coordinator, token=token)) for _ in range(8)])
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert sum(1 for _registration, first in outcomes if first) == 1
    assert Registration.objects.filter(event=fair, checked_in_at__isnull=False).count() == 1
