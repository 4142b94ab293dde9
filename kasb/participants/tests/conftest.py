"""Registry fixtures: participants at the coordinator's centre and at another partner's centre."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, registration, sign_in
from kasb.core.permissions import Principal, Role
from kasb.participants.models import Participant
from kasb.participants.services import link_login, register_participant


@pytest.fixture
def people(world: dict[str, Any], coordinator: Principal, root: Principal) -> dict[str, Participant]:
    """`home`: at Irbid (the coordinator's centre); `self`: at Irbid, has a sign-in (the participant
    role); `other`: at the Tunis centre of another partner."""
    home = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        centre=world["irbid"]))
    me = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        centre=world["irbid"], given_name="Noor", family_name="Saleh", phone="+962792220000",
        id_number="945-00999999"))
    other = register_participant(actor=root, partner=world["other"], data=registration(
        centre=world["other_centre"], given_name="Ines", family_name="Trabelsi", phone="+21620123456",
        nationality="TN", displacement_status="host_community"))
    user = create_user(full_name="Noor Saleh", phone="+962792220000", password=PASSWORD)
    link_login(actor=coordinator, participant=me, user=user)
    me.refresh_from_db()
    return {"home": home, "self": me, "other": other}


@pytest.fixture
def client_for(member: Callable[..., User], people: dict[str, Participant]) -> Callable[[str | None], Client]:
    """client_for(role) -> a browser signed in (with two-step sign-in where needed) in that role.
    None is an anonymous browser; Role.PARTICIPANT is the person with the `self` record."""

    def make(role: str | None) -> Client:
        if role is None:
            return Client()
        if role == Role.PARTICIPANT:
            user = people["self"].user
            assert user is not None
            return sign_in(Client(), user)
        return sign_in(Client(), member(role))
    return make
