"""Training fixtures: a programme of 'Amal Youth', its three digital courses, the demo placement test,
a participant with a sign-in and a programme manager. Built through services, as the application builds them.

Generic on purpose: a test module that needs more (cohorts, sessions, enrolments) builds it in its own file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, ensure_skills, registration
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import Programme
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_programme
from kasb.participants.models import Participant
from kasb.participants.services import link_login, register_participant
from kasb.training.models import Course, PlacementTest
from kasb.training.services.courses import create_course
from kasb.training.services.placement import install_digital_literacy_test


@pytest.fixture
def programme(root: Principal, world: dict[str, Any]) -> Programme:
    """'Digital livelihoods 2026' of Amal Youth, in Jordanian dinars."""
    return create_programme(actor=root, partner=world["partner"], name="Digital livelihoods 2026", country="JO",
                            currency="JOD")


@pytest.fixture
def courses(root: Principal, world: dict[str, Any]) -> dict[str, Course]:
    """Amal Youth's courses, keyed as the placement test's bands name them: basic, microwork, advanced."""
    ensure_skills()
    specs = {
        "basic": ("basic-digital", {"en": "Basic digital skills", "ar": "المهارات الرقمية الأساسية"},
                  [("computer-basics", 1), ("email", 1), ("e-wallet", 1)]),
        "microwork": ("microwork", {"en": "Microwork", "ar": "العمل الرقمي المصغّر"},
                      [("data-entry", 2), ("work-ethics", 2)]),
        "advanced": ("advanced", {"en": "Web development", "ar": "تطوير المواقع"}, [("web-development", 2)]),
    }
    return {key: create_course(actor=root, partner=world["partner"], code=code, title=title, skills=skills,
                               modules=[{"title": {"en": "Module 1"}, "hours": 20, "has_assessment": True}])
            for key, (code, title, skills) in specs.items()}


@pytest.fixture
def placement_test(world: dict[str, Any], courses: dict[str, Course]) -> PlacementTest:
    """The demo digital-literacy test (33 items, bands 0/40/75%) for Amal Youth."""
    return install_digital_literacy_test(partner=world["partner"], courses=courses)


@pytest.fixture
def learner(coordinator: Principal, world: dict[str, Any]) -> Participant:
    """Lina, registered at the Irbid centre, with a sign-in (user.phone +962790001111, password PASSWORD)."""
    person = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        centre=world["irbid"], given_name="Lina", family_name="Khoury", phone="+962790001111",
        id_number="945-00777777"))
    user = create_user(full_name="Lina Khoury", phone="+962790001111", password=PASSWORD)
    link_login(actor=coordinator, participant=person, user=user)
    person.refresh_from_db()
    return person


@pytest.fixture
def manager_user(member: Callable[..., User]) -> User:
    return member(Role.PROGRAMME_MANAGER)


@pytest.fixture
def manager(manager_user: User) -> Principal:
    """A programme manager of Amal Youth: manages courses, cohorts, calls and placement tests."""
    return principal_for_user(manager_user)
