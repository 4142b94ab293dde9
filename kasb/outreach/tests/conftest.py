"""Outreach fixtures: a programme of 'Amal Youth' with a course, a placement test, a cohort at Irbid,
and an open call; `apply(...)` sends an application as the public form does."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from kasb.core.permissions import Principal, Role
from kasb.orgs.models import Area, Programme
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_programme
from kasb.outreach import services
from kasb.outreach.models import Application, Call
from kasb.training.models import Cohort, Course, PlacementTest, TestAttempt


def years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=days)


def application_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": "Rania", "family_name": "Odeh", "sex": "female", "date_of_birth": years_ago(22),
        "phone": "+962791234567", "nationality": "SY", "displacement_status": "refugee", "area": "JO-IR",
        "education": "upper_secondary", "neet": True, "motivation": "I want to work online from home.",
        "heard_via": "social_media", "consent_registration": True, "consent_contact": True,
        "disability_seeing": 1,
    }
    data.update(overrides)
    return data


def sms_messages() -> list[dict[str, Any]]:
    path = Path(settings.SMS_FILE_PATH) / "messages.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def manager(member: Callable[..., Any]) -> Principal:
    """A programme manager at the partner: manages calls and selects."""
    return principal_for_user(member(Role.PROGRAMME_MANAGER))


@pytest.fixture
def programme(root: Principal, world: dict[str, Any]) -> Programme:
    return create_programme(actor=root, partner=world["partner"], name="Digital skills 2027", country="JO",
                            currency="JOD")


@pytest.fixture
def course(world: dict[str, Any]) -> Course:
    # Built directly: the course services belong to another area in progress.
    title = {"en": "Basic digital skills", "ar": "المهارات الرقمية الأساسية"}
    return Course.objects.create(partner=world["partner"], code="basic-digital", title=title)


@pytest.fixture
def placement_test(world: dict[str, Any]) -> PlacementTest:
    return PlacementTest.objects.create(partner=world["partner"], title={"en": "Digital literacy"})


@pytest.fixture
def cohort(programme: Programme, course: Course, world: dict[str, Any]) -> Cohort:
    today = timezone.localdate()
    return Cohort.objects.create(course=course, programme=programme, centre=world["irbid"], name="Irbid spring",
                                 starts_on=today + timedelta(days=40), ends_on=today + timedelta(days=100),
                                 capacity=25)


def make_call(actor: Principal, programme: Programme, **overrides: Any) -> Call:
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "programme": programme, "title": {"en": "Digital skills, Irbid", "ar": "المهارات الرقمية، إربد"},
        "slug": "irbid-digital", "opens_on": today - timedelta(days=5), "closes_on": today + timedelta(days=20),
        "places": 10, "min_age": 17, "max_age": 30, "weights": {"motivation": 4, "test": 40},
        "vulnerability_points": {"women": 10, "refugees": 15}, "targets": {"women": 60, "refugees": 30},
    }
    fields.update(overrides)
    call = services.create_call(actor=actor, spec=services.CallSpec(**fields))
    return services.open_call(actor=actor, call=call)


@pytest.fixture
def call(manager: Principal, programme: Programme, course: Course, placement_test: PlacementTest,
         world: dict[str, Any]) -> Call:
    return make_call(manager, programme, courses=[course], centres=[world["irbid"]], placement_test=placement_test)


@pytest.fixture
def apply(call: Call) -> Callable[..., Application]:
    """apply(n=0, language="en", **answers) -> an application with its own phone number."""

    def send(n: int = 0, *, language: str = "en", target: Call | None = None, **overrides: Any) -> Application:
        data = application_data(phone=f"+9627912{n:05d}", given_name=f"Applicant{n}", **overrides)
        return services.submit_application(call=target or call, data=data, language=language,
                                           base_url="https://kasb.example")
    return send


def attempt(application: Application, percent: int, number: int = 1) -> TestAttempt:
    """A submitted placement-test attempt by an applicant (the placement service is another area's)."""
    now = timezone.now()
    assert application.call.placement_test_id is not None
    return TestAttempt.objects.create(test_id=application.call.placement_test_id, applicant_token=application.token,
                                      number=number, deadline_at=now, submitted_at=now, score=percent,
                                      max_score=100, percent=percent)


def area(code: str) -> Area:
    return Area.objects.get(code=code)
