"""Fixtures for completion, certificates, verification and support grants.

A "Basic digital skills" course (40 hours; 75% attendance and both assessed modules passed; teaches two
skills) run by Amal Youth at its Irbid centre for a JOD programme: four sessions already held, one to come.
People, logins, programmes, money and enrolments are made through their services. Courses, sessions,
attendance rows and grades are written directly: that is the state the cohort engineer's services
produce, and these tests are about what happens after it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, registration
from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.core.testing import race  # noqa: F401 - used by the certificate and support tests
from kasb.orgs.models import Programme
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_programme
from kasb.participants.models import Participant
from kasb.participants.services import link_login, register_participant
from kasb.skills.models import Level, Skill
from kasb.training.models import Assessment, Attendance, Cohort, Course, CourseSkill, Enrolment, Module, Session
from kasb.training.services.enrolment import move_enrolment, offer_place

S = Enrolment.Status


def jod(text: str) -> Money:
    return Money.parse(text, "JOD")


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Rate-limit counters live in the cache, which outlives a test."""
    cache.clear()


@pytest.fixture
def manager(member: Callable[..., User]) -> Principal:
    """A programme manager of Amal Youth (a partner-level grant: may revoke)."""
    return principal_for_user(member(Role.PROGRAMME_MANAGER))


@pytest.fixture
def trainer_user(member: Callable[..., User]) -> User:
    return member(Role.TRAINER)


@pytest.fixture
def finance(member: Callable[..., User]) -> Principal:
    return principal_for_user(member(Role.FINANCE_OFFICER))


@pytest.fixture
def programme(root: Principal, world: dict[str, Any]) -> Programme:
    return create_programme(actor=root, partner=world["partner"], name="Digital livelihoods 2026", country="JO",
                            currency="JOD", platform_fee_bps=1000, payout_minimum=jod("5"))


def _skill(code: str) -> Skill:
    skill, _created = Skill.objects.get_or_create(code=code, defaults={"category": "digital", "names": {"en": code}})
    return skill


@pytest.fixture
def course(world: dict[str, Any]) -> Course:
    course = Course.objects.create(
        partner=world["partner"], code="basic-digital", duration_hours=40, min_attendance_percent=75,
        requires_assessments=True,
        title={"en": "Basic digital skills", "ar": "المهارات الرقمية الأساسية", "ru": "Базовые цифровые навыки"})
    Module.objects.create(course=course, order=1, title={"en": "Computer basics"}, hours=16, has_assessment=True,
                          pass_mark_percent=50)
    Module.objects.create(course=course, order=2, title={"en": "Spreadsheets"}, hours=16, has_assessment=True,
                          pass_mark_percent=60)
    Module.objects.create(course=course, order=3, title={"en": "Work ethics"}, hours=8, has_assessment=False)
    CourseSkill.objects.create(course=course, skill=_skill("computer-basics"), level=Level.BASIC)
    CourseSkill.objects.create(course=course, skill=_skill("spreadsheets"), level=Level.INTERMEDIATE)
    return course


@pytest.fixture
def cohort(course: Course, programme: Programme, world: dict[str, Any], trainer_user: User) -> Cohort:
    today = timezone.localdate()
    cohort = Cohort.objects.create(course=course, programme=programme, centre=world["irbid"], name="Irbid spring",
                                   starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=30))
    cohort.trainers.add(trainer_user)
    now = timezone.now()
    for days_ago in (28, 21, 14, 7, -7):  # four held, one to come
        start = now - timedelta(days=days_ago)
        Session.objects.create(cohort=cohort, starts_at=start, ends_at=start + timedelta(hours=3))
    return cohort


@pytest.fixture
def make_learner(coordinator: Principal, world: dict[str, Any]) -> Callable[..., Participant]:
    """make_learner(given_name=..., family_name=..., login_language=None) -> a participant at Irbid."""
    counter = iter(range(1000))

    def make(given_name: str = "Amal", family_name: str = "Haddad", login_language: str | None = None,
             **extra: Any) -> Participant:
        n = next(counter)
        person = register_participant(actor=coordinator, partner=world["partner"], data=registration(
            given_name=given_name, family_name=family_name, centre=world["irbid"], phone=f"+9627915{n:05d}",
            id_number=f"945-7{n:07d}", **extra))
        if login_language:
            user = create_user(full_name=f"{given_name} {family_name}", phone=f"+9627925{n:05d}", password=PASSWORD,
                               language=login_language)
            link_login(actor=coordinator, participant=person, user=user)
            person.refresh_from_db()
        return person
    return make


@pytest.fixture
def enrol(coordinator: Principal, cohort: Cohort) -> Callable[..., Enrolment]:
    """enrol(participant=... or staff=...) -> an active enrolment in the cohort."""

    def make(participant: Participant | None = None, staff: User | None = None,
             into: Cohort | None = None) -> Enrolment:
        enrolment = offer_place(actor=coordinator, cohort=into or cohort, participant=participant, staff=staff)
        move_enrolment(actor=coordinator, enrolment=enrolment, to=S.ACCEPTED)
        return move_enrolment(actor=coordinator, enrolment=enrolment, to=S.ACTIVE)
    return make


def attend(enrolment: Enrolment, present: int) -> None:
    """Mark the first `present` held sessions present and the other held ones absent."""
    held = list(Session.objects.filter(cohort_id=enrolment.cohort_id, starts_at__lte=timezone.now()))
    for index, session in enumerate(held):
        Attendance.objects.update_or_create(session=session, enrolment=enrolment,
                                            defaults={"present": index < present})


def grade(enrolment: Enrolment, order: int, score: int) -> Assessment:
    module = Module.objects.get(course_id=enrolment.cohort.course_id, order=order)
    row, _created = Assessment.objects.update_or_create(
        module=module, enrolment=enrolment,
        defaults={"score": score, "max_score": 100, "passed": score >= module.pass_mark_percent})
    return row


@pytest.fixture
def ready(make_learner: Callable[..., Participant], enrol: Callable[..., Enrolment]) -> Enrolment:
    """An active enrolment that meets the rule: 3 of 4 sessions (75%), both assessed modules passed."""
    enrolment = enrol(participant=make_learner())
    attend(enrolment, 3)
    grade(enrolment, 1, 70)
    grade(enrolment, 2, 65)
    return enrolment


def today() -> date:
    return timezone.localdate()


# --- races (PostgreSQL only) ---------------------------------------------------------------------

SQLITE_REASON = ("the in-memory SQLite test database cannot be shared by threads, and SQLite serialises every "
                 "writer anyway; PostgreSQL runs these races in CI")


def postgres_only() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(SQLITE_REASON)


