"""/api/v1/careers: an employer's key posts and lists its opportunities and moves the applications sent to it;
another employer's key sees none of it; career staff list and create events, placements and referrals; errors
are 4xx JSON; list endpoints keep the same number of queries as the data grows."""

from __future__ import annotations

import json
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
from kasb.orgs.models import Organisation
from kasb.orgs.services import create_organisation, issue_api_key

from ..models import CareerApplication, Opportunity, Placement, Referral, ReferralShare
from ..services.applications import apply, record_placement
from ..services.cv import start_cv
from ..services.events import create_event
from ..services.opportunities import post_opportunity
from ..services.referrals import refer
from .conftest import principal_of

BASE = "/api/v1/careers"
pytestmark = pytest.mark.django_db


def key_client(root: Principal, organisation: Organisation) -> Client:
    _key, plaintext = issue_api_key(actor=root, organisation=organisation, name="script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(BASE + path, json.dumps(body), content_type="application/json")


@pytest.fixture
def hire(root: Principal, world: dict[str, Any]) -> Client:
    return key_client(root, world["employer"])


def _applicants(make_person: Any, opportunity: Opportunity, n: int) -> list[CareerApplication]:
    found = []
    for _ in range(n):
        person = make_person(login=True, skills=("data-entry",))
        start_cv(actor=principal_of(person), participant=person)
        found.append(apply(actor=principal_of(person), opportunity=opportunity))
    return found


def test_an_employer_key_posts_lists_and_closes_its_opportunities(hire: Client, root: Principal,
                                                                  world: dict[str, Any], rival: Principal) -> None:
    response = _post(hire, "/opportunities", {"kind": "internship", "title": "Data clerk", "area": "JO-IR",
                                              "skills": ["data-entry"], "pay": "250.000", "pay_currency": "JOD",
                                              "pay_period": "month"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["pay"] == {"amount": "250.000", "currency": "JOD", "minor": 250000} and body["skills"] == ["data-entry"]
    listed = hire.get(BASE + "/opportunities").json()
    assert listed["count"] == 1 and listed["items"][0]["title"] == "Data clerk"
    changed = hire.patch(f"{BASE}/opportunities/{body['id']}", json.dumps({"status": "closed", "title": "Clerk"}),
                         content_type="application/json")
    assert changed.status_code == 200 and changed.json()["status"] == "closed" and changed.json()["title"] == "Clerk"
    other = key_client(root, world["rival"])
    assert other.get(BASE + "/opportunities").json()["count"] == 0
    missing = other.patch(f"{BASE}/opportunities/{body['id']}", "{}", content_type="application/json")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"kind": "gig", "title": "X", "remote": True}, 422, "kind"),
    ({"kind": "job", "title": "X"}, 422, "area"),
    ({"kind": "job", "title": "X", "remote": True, "pay": "1,5", "pay_currency": "JOD"}, 422, "pay"),
    ({"kind": "job", "title": "X", "remote": True, "skills": ["nope"]}, 422, "skills"),
])
def test_bad_opportunities_are_4xx_json(hire: Client, body: dict[str, Any], status: int, field: str) -> None:
    response = _post(hire, "/opportunities", body)
    assert response.status_code == status
    payload = response.json()
    assert payload["code"] and payload["message"]
    assert payload.get("field") == field or field in json.dumps(payload.get("details"))
    assert not Opportunity.objects.exists()


def test_applications_are_listed_and_moved_only_by_their_employer(hire: Client, root: Principal,
                                                                  world: dict[str, Any], rival: Principal,
                                                                  internship: Opportunity, make_person: Any) -> None:
    _applicants(make_person, internship, 1)
    listed = hire.get(BASE + "/applications").json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert set(item["cv"]) >= {"name", "skills"} and "nationality" not in json.dumps(item)
    assert key_client(root, world["rival"]).get(BASE + "/applications").json()["count"] == 0
    bad = _post(hire, f"/applications/{item['id']}/status", {"status": "placed"})
    assert bad.status_code == 409 and bad.json()["code"] == "invalid_move"
    for step in ("shortlisted", "interviewed", "offered"):
        assert _post(hire, f"/applications/{item['id']}/status", {"status": step}).status_code == 200
    placed = _post(hire, f"/applications/{item['id']}/status",
                   {"status": "placed", "placement": {"starts_on": "2027-02-01"}})
    assert placed.status_code == 200 and placed.json()["status"] == "placed"
    placement = Placement.objects.get()
    assert placement.wage_minor == 250_000 and placement.starts_on.isoformat() == "2027-02-01"
    assert _post(key_client(root, world["rival"]), f"/applications/{item['id']}/status",
                 {"status": "declined"}).status_code == 404


def test_staff_create_and_list_events_placements_and_referrals(coordinator_user: User, login: Callable[[User], Client],
                                                               world: dict[str, Any], make_person: Any,
                                                               root: Principal, hire: Client) -> None:
    staff = login(coordinator_user)
    event = _post(staff, "/events", {"kind": "job_fair", "title": "Fair", "starts_at": "2030-03-01T10:00:00+03:00",
                                      "ends_at": "2030-03-01T14:00:00+03:00", "place": "Hall", "capacity": 50,
                                      "employer_ids": [world["employer"].pk]})
    assert event.status_code == 201, event.content
    assert event.json()["employer_ids"] == [world["employer"].pk]
    assert staff.get(BASE + "/events").json()["count"] == 1
    backwards = _post(staff, "/events", {"kind": "job_fair", "title": "Fair", "starts_at": "2030-03-01T10:00:00Z",
                                         "ends_at": "2030-02-01T10:00:00Z", "place": "Hall"})
    assert backwards.status_code == 422 and backwards.json()["field"] == "ends_at"
    person = make_person()
    placed = _post(staff, "/placements", {"participant_id": person.pk, "employer_id": world["employer"].pk,
                                          "kind": "job", "title": "Clerk", "starts_on": "2027-01-10", "wage": "300",
                                          "wage_currency": "JOD", "wage_period": "month"})
    assert placed.status_code == 201, placed.content
    assert [f["months"] for f in placed.json()["follow_ups"]] == [3, 6, 12]
    assert staff.get(BASE + "/placements").json()["count"] == 1
    mfi = create_organisation(actor=root, kind="financial", name="Micro Fund", country="JO", parent=world["partner"])
    referred = _post(staff, "/referrals", {"participant_id": person.pk, "provider_id": mfi.pk,
                                           "service": "microfinance", "reason": "Shop", "consented_fields": ["name"]})
    assert referred.status_code == 201 and referred.json()["consented_fields"] == ["name"]
    assert staff.get(BASE + "/referrals").json()["count"] == 1
    # An employer key holds none of these.
    assert hire.get(BASE + "/events").status_code == 403
    assert hire.get(BASE + "/referrals").status_code == 403
    assert _post(hire, "/placements", {}).status_code in (403, 422)


def _count(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_endpoints_keep_their_query_count(hire: Client, internship: Opportunity, make_person: Any,
                                               coordinator: Principal, world: dict[str, Any], root: Principal,
                                               coordinator_user: User, login: Callable[[User], Client],
                                               employer: Principal) -> None:
    staff = login(coordinator_user)
    mfi = create_organisation(actor=root, kind="financial", name="Micro Fund", country="JO", parent=world["partner"])
    counts: dict[str, list[int]] = {}
    for size in (2, 12):
        people = [a.participant for a in _applicants(make_person, internship, size)]
        for i in range(size):
            post_opportunity(actor=employer, employer=world["employer"], kind="job", title=f"Job {size}-{i}",
                             remote=True, skills=["email", "data-entry"])
            start = timezone.now() + timedelta(days=i + 1)
            create_event(actor=coordinator, partner=world["partner"], kind="orientation", title=f"Day {size}-{i}",
                         starts_at=start, ends_at=start + timedelta(hours=2), place="Hall",
                         employers=[world["employer"].pk])
        for person in people:
            refer(actor=coordinator, participant=person, provider=mfi, service="legal_aid", reason="Contract",
                  consented_fields=["name"])
            record_placement(actor=coordinator, participant=person, employer=world["employer"], kind="job",
                             title="Clerk", starts_on="2027-01-01")
        for path, client in (("/opportunities", hire), ("/applications", hire), ("/referrals", staff),
                             ("/events", staff), ("/placements", staff)):
            counts.setdefault(path, []).append(_count(client, BASE + path))
    assert all(small == large for small, large in counts.values()), counts
    assert ReferralShare.objects.count() == 0 and Referral.objects.count() > 10
