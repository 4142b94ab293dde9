"""Registrations racing each other from several desks, with real threads on a real database."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from kasb.conftest import registration
from kasb.core.errors import Conflict
from kasb.core.permissions import Role
from kasb.core.testing import race_n as _race
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Participant
from kasb.participants.services import register_participant

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_person_registered_at_eight_desks_at_once_is_kept_once(world: dict[str, Any], member: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database cannot be shared by threads; PostgreSQL runs this in CI")
    coordinators = [principal_for_user(member(Role.COORDINATOR)) for _ in range(8)]
    partner, centre = world["partner"], world["irbid"]

    outcomes = _race(8, lambda i: register_participant(actor=coordinators[i], partner=partner,
                                                       data=registration(centre=centre)))

    registered = [o for o in outcomes if isinstance(o, Participant)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(registered) == 1, outcomes
    assert len(refused) == 7, outcomes
    assert Participant.objects.filter(partner=partner).count() == 1


def test_different_people_registered_at_once_are_all_kept(world: dict[str, Any], member: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database cannot be shared by threads; PostgreSQL runs this in CI")
    coordinator = principal_for_user(member(Role.COORDINATOR))
    partner, centre = world["partner"], world["irbid"]

    outcomes = _race(6, lambda i: register_participant(
        actor=coordinator, partner=partner,
        data=registration(centre=centre, given_name=f"Person{i}", phone=f"+96279555{i:04d}")))

    assert all(isinstance(o, Participant) for o in outcomes), outcomes
    assert Participant.objects.filter(partner=partner).count() == 6
