"""List pages keep the same number of queries as the data grows (two sizes each)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kasb.accounts.models import User
from kasb.core.permissions import Principal

from ..models import Opportunity
from ..services.applications import apply, record_placement
from ..services.cv import start_cv
from ..services.events import create_event, register
from ..services.opportunities import post_opportunity
from .conftest import principal_of

pytestmark = pytest.mark.django_db
SIZES = (2, 10)


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


def _grow(size: int, *, make_person: Any, coordinator: Principal, employer: Principal, world: dict[str, Any],
          internship: Opportunity, reader: Any, big: Any) -> None:
    """`size` more of everything: opportunities that match the reader, events they registered for, applicants,
    placements."""
    for i in range(size):
        post_opportunity(actor=employer, employer=world["employer"], kind="job", title=f"Job {size}-{i}", remote=True,
                         skills=["data-entry", "email"])
        start = timezone.now() + timedelta(days=i + 1)
        event = create_event(actor=coordinator, partner=world["partner"], kind="job_fair", title=f"Fair {size}-{i}",
                             starts_at=start, ends_at=start + timedelta(hours=3), place="Hall",
                             employers=[world["employer"].pk])
        register(actor=principal_of(reader), event=event)
        person = make_person(login=True, skills=("data-entry",))
        start_cv(actor=principal_of(person), participant=person)
        apply(actor=principal_of(person), opportunity=internship)
        register(actor=principal_of(person), event=event)
        register(actor=principal_of(person), event=big)
        record_placement(actor=coordinator, participant=reader, employer=world["employer"], kind="job",
                         title=f"Clerk {size}-{i}", starts_on="2027-01-01")


def test_list_pages_do_not_grow_with_the_data(make_person: Any, coordinator: Principal, employer: Principal,
                                             world: dict[str, Any], internship: Opportunity,
                                             login: Callable[[User], Client], coordinator_user: User,
                                             employer_user: User) -> None:
    reader = make_person(login=True, skills=("data-entry", "email"))
    start_cv(actor=principal_of(reader), participant=reader)
    me, staff, boss = login(reader.user), login(coordinator_user), login(employer_user)
    start = timezone.now() + timedelta(days=3)
    big = create_event(actor=coordinator, partner=world["partner"], kind="job_fair", title="Big fair", starts_at=start,
                       ends_at=start + timedelta(hours=5), place="Stadium")
    pages = {
        "my careers": (me, "/en/careers/"), "my opportunities": (me, "/en/careers/opportunities/"),
        "my events": (me, "/en/careers/events/"), "staff events": (staff, "/en/careers/manage/events/"),
        "staff opportunities": (staff, "/en/careers/manage/opportunities/"),
        "employer opportunities": (boss, "/en/careers/manage/opportunities/"),
        "applications and candidates": (staff, f"/en/careers/manage/opportunities/{internship.pk}/"),
        "employer applications": (boss, f"/en/careers/manage/opportunities/{internship.pk}/"),
        "staff participant record": (staff, f"/en/careers/manage/participants/{reader.pk}/"),
        "attendance list": (staff, f"/en/careers/manage/events/{big.pk}/"),
        "staff participants": (staff, "/en/careers/manage/participants/"),
    }
    counts: dict[str, list[int]] = {name: [] for name in pages}
    for size in SIZES:
        _grow(size, make_person=make_person, coordinator=coordinator, employer=employer, world=world,
              internship=internship, reader=reader, big=big)
        for name, (client, path) in pages.items():
            counts[name].append(_queries(client, path))
    assert {name: c for name, c in counts.items() if c[0] != c[-1]} == {}, counts
