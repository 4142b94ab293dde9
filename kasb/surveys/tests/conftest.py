"""Surveys fixtures: the training world (a JOD programme, a cohort at Irbid), an M&E officer of the partner,
a donor's M&E officer, and helpers to read the links that went out by SMS. Built through services."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, registration
from kasb.core.permissions import Principal, Role
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_organisation
from kasb.participants.models import Participant
from kasb.participants.services import link_login, register_participant
from kasb.surveys.models import Survey
from kasb.surveys.services.building import install_template, move_survey
from kasb.training.tests.fixtures_cohorts import Cohorts

LINK = re.compile(r"/(\w\w)/surveys/a/([A-Za-z0-9_-]+)/")


@pytest.fixture
def world_c(root: Principal, world: dict[str, Any], member: Callable[..., User]) -> Cohorts:
    return Cohorts.build(root, world, member, fund=None, sessions=1)


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """`with committed():` runs what the block queued for after commit (the test itself never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def officer_user(member: Callable[..., User]) -> User:
    return member(Role.ME_OFFICER)


@pytest.fixture
def officer(officer_user: User) -> Principal:
    """An M&E officer of Amal Youth: builds and sends surveys, reads the answers."""
    return principal_for_user(officer_user)


@pytest.fixture
def donor_user(root: Principal, world: dict[str, Any], member: Callable[..., User]) -> User:
    """An M&E officer at a donor of Amal Youth: suppressed aggregates only."""
    world["donor"] = create_organisation(actor=root, kind="donor", name="Good Fund", country="JO",
                                         parent=world["partner"])
    return member(Role.ME_OFFICER, "donor")


def person(c: Cohorts, n: int, *, language: str | None = None, sex: str = "female",
           displacement: str = "refugee", phone: bool = True, email: str = "") -> Participant:
    """A participant at Irbid; with `language`, a sign-in in that language."""
    data = registration(given_name=f"P{n:03d}", family_name="Haddad", sex=sex, displacement_status=displacement,
                        phone=f"+9627961{n:05d}" if phone else "", id_number=f"961-{n:08d}", centre=c.world["irbid"],
                        email=email)
    someone = register_participant(actor=c.coordinator, partner=c.world["partner"], data=data)
    if language:
        user = create_user(full_name=someone.full_name, phone=f"+9627962{n:05d}", password=PASSWORD,
                           language=language)
        link_login(actor=c.coordinator, participant=someone, user=user)
        someone.refresh_from_db()
    return someone


def enrol_all(c: Cohorts, people: list[Participant]) -> None:
    for p in people:
        c.enrol(p)


def open_template(officer: Principal, c: Cohorts, template: str = "tracer", **kw: Any) -> Survey:
    survey = install_template(actor=officer, programme=c.programme, template=template, **kw)
    return move_survey(actor=officer, survey=survey, to=Survey.Status.OPEN)


def sms() -> list[dict[str, Any]]:
    path = Path(settings.SMS_FILE_PATH) / "messages.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def links() -> dict[str, tuple[str, str]]:
    """Phone -> (language of the link, token), the latest message to each phone."""
    found = {}
    for message in sms():
        match = LINK.search(message["text"])
        if match:
            found[message["to"]] = (match.group(1), match.group(2))
    return found


def answers_for(survey: Survey, **by_code: Any) -> dict[str, Any]:
    """{question id: value} from {question code: value}."""
    codes = dict(survey.questions.values_list("code", "pk"))
    return {str(codes[code]): value for code, value in by_code.items()}
