"""List pages stay constant-cost as the registry grows: the same number of queries at 5 and 40 people."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kasb.conftest import registration, sign_in
from kasb.core.permissions import Principal, Role
from kasb.participants.models import Participant
from kasb.participants.services import register_participant


def grow_registry_to(n: int, root: Principal, world: dict[str, Any]) -> None:
    """Participants spread over both centres, some with an area of their own, some online."""
    centres = [world["irbid"], world["zaatari"], None]
    for i in range(Participant.objects.count(), n):
        register_participant(actor=root, partner=world["partner"], data=registration(
            centre=centres[i % 3], given_name=f"Person{i}", phone=f"+96279{i:07d}", area="JO-AM" if i % 2 else ""))
    assert Participant.objects.count() == n


def queries_for(client: Client, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("url", ["/en/participants/", "/en/participants/?sex=female&q=Person",
                                 "/api/v1/participants", "/api/v1/participants?sex=female&limit=100",
                                 "/en/dashboard/"])
def test_same_queries_with_5_and_40_participants(url: str, member: Any, root: Principal,
                                                 world: dict[str, Any]) -> None:
    client = sign_in(Client(), member(Role.PROGRAMME_MANAGER))
    grow_registry_to(5, root, world)
    small, first = queries_for(client, url)
    grow_registry_to(40, root, world)
    large, second = queries_for(client, url)
    assert large == small, f"{url}: {small} queries for 5 participants, {large} for 40"
    # ... and the second page really did show more people.
    if url.startswith("/api/"):
        assert second.json()["count"] > first.json()["count"]
    elif "participants" in url:
        assert second.content.count(b'href="/en/participants/P') > first.content.count(b'href="/en/participants/P')
