"""Fixtures for the organisation pages: signed-in browsers for a programme manager and a coordinator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kasb.accounts.models import User
from kasb.conftest import sign_in
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import Area
from kasb.orgs.queries import principal_for_user


@pytest.fixture
def manager(member: Callable[..., User]) -> User:
    return member(Role.PROGRAMME_MANAGER)


@pytest.fixture
def manager_principal(manager: User) -> Principal:
    return principal_for_user(manager)


@pytest.fixture
def manager_browser(manager: User) -> Client:
    return sign_in(Client(), manager)


@pytest.fixture
def coordinator(member: Callable[..., User]) -> User:
    return member(Role.COORDINATOR)


@pytest.fixture
def coordinator_browser(coordinator: User) -> Client:
    return sign_in(Client(), coordinator)


@pytest.fixture
def area() -> Callable[[str], Area]:
    def get(code: str) -> Area:
        return Area.objects.get(code=code)
    return get


@pytest.fixture
def other_manager(root: Principal, world: dict[str, Any]) -> Principal:
    """A programme manager of the Tunisian partner."""
    from kasb.orgs.services import add_member

    membership = add_member(actor=root, organisation=world["other"], role=Role.PROGRAMME_MANAGER,
                            full_name="Tunis Manager", email="tunis.manager@kasb.test")
    return principal_for_user(membership.user)
