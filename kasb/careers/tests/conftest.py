"""Careers fixtures: participants of 'Amal Youth' with sign-ins and verified skills, an employer member of
'Hire Ltd', a second employer, career staff. Built through services, as the application builds them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, registration
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import Area
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_organisation
from kasb.participants.models import Participant
from kasb.participants.services import link_login, register_participant
from kasb.skills.models import Evidence, Skill
from kasb.skills.services import verify_skill

from ..models import Event, Opportunity
from ..services.events import create_event
from ..services.opportunities import post_opportunity


@pytest.fixture
def make_person(root: Principal, coordinator: Principal, world: dict[str, Any]) -> Callable[..., Participant]:
    """make_person(given_name=..., skills=["data-entry", ...], login=True, centre="irbid", area="JO-IR")."""
    counter = iter(range(10_000))

    def make(*, given_name: str | None = None, family_name: str = "Haddad", skills: tuple[str, ...] = (),
             login: bool = False, centre: str = "irbid", area: str | None = "JO-IR", **extra: Any) -> Participant:
        n = next(counter)
        data = registration(given_name=given_name or f"Person{n}", family_name=family_name,
                            phone=f"+96279300{n:04d}", id_number=f"947-{n:08d}", centre=world[centre], **extra)
        if area:
            data["area"] = Area.objects.get(code=area)
        actor = coordinator if centre == "irbid" else root
        person = register_participant(actor=actor, partner=world["partner"], data=data)
        for code in skills:
            verify_skill(actor=None, participant=person, skill=Skill.objects.get(code=code), level=2,
                         evidence=Evidence.COURSE, evidence_type="training.certificate", evidence_id=f"C{n}")
        if login:
            user = create_user(full_name=person.full_name, phone=f"+96279300{n:04d}", password=PASSWORD)
            link_login(actor=actor, participant=person, user=user)
            person.refresh_from_db()
        return person
    return make


def principal_of(person: Participant) -> Principal:
    return principal_for_user(person.user)


@pytest.fixture
def employer_user(member: Callable[..., User]) -> User:
    return member(Role.EMPLOYER_MEMBER)


@pytest.fixture
def employer(employer_user: User) -> Principal:
    """A member of 'Hire Ltd', employer of Amal Youth."""
    return principal_for_user(employer_user)


@pytest.fixture
def rival(root: Principal, world: dict[str, Any], member: Callable[..., User]) -> Principal:
    """A member of 'Other Works', a second employer of the same partner."""
    world["rival"] = create_organisation(actor=root, kind="employer", name="Other Works", country="JO",
                                         parent=world["partner"])
    return principal_for_user(member(Role.EMPLOYER_MEMBER, "rival"))


@pytest.fixture
def manager(member: Callable[..., User]) -> Principal:
    return principal_for_user(member(Role.PROGRAMME_MANAGER))


@pytest.fixture
def internship(employer: Principal, world: dict[str, Any]) -> Opportunity:
    """A data-entry internship at Hire Ltd in Irbid: needs data-entry and e-mail, pays 250 JOD a month."""
    return post_opportunity(actor=employer, employer=world["employer"], kind="internship", title="Data clerk intern",
                            area="JO-IR", skills=["data-entry", "email"], pay="250", pay_currency="JOD",
                            pay_period="month", starts_on=timezone.localdate() + timedelta(days=30))


@pytest.fixture
def fair(coordinator: Principal, world: dict[str, Any]) -> Event:
    """A job fair at the Irbid centre next week, 2 places, Hire Ltd attending."""
    start = timezone.now() + timedelta(days=7)
    return create_event(actor=coordinator, partner=world["partner"], centre=world["irbid"], kind="job_fair",
                        title="Irbid job fair", starts_at=start, ends_at=start + timedelta(hours=4), place="Hall 1",
                        capacity=2, target_groups=["everyone"], employers=[world["employer"].pk])

