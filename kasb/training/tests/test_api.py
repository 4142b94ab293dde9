"""/api/v1/training: cohorts, enrolments, rosters and stipends, completion and certificates, a learner's own
page; the web's permissions (403 without the capability, 404 outside the scope) and fixed query counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, get_args

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kasb.accounts.models import User
from kasb.core.models import AuditEvent
from kasb.core.permissions import Principal, Role
from kasb.orgs.services import issue_api_key
from kasb.participants.models import Participant
from kasb.training.api import DropoutReasonValue, EnrolmentStatusValue
from kasb.training.models import Attendance, Band, Certificate, Cohort, Enrolment, PlacementTest
from kasb.training.models import TestAttempt as Attempt  # so that pytest does not try to collect it
from kasb.training.services.attendance import save_roster
from kasb.training.services.certificates import complete_enrolment
from kasb.training.services.courses import add_session, create_cohort

from .fixtures_certificates import *  # noqa: F403  (fixtures)
from .fixtures_certificates import S, attend, grade
from .fixtures_cohorts import RATE, Cohorts

API = "/api/v1/training"


def post_json(client: Client, path: str, data: Any = None) -> Any:
    return client.post(API + path, json.dumps(data if data is not None else {}), content_type="application/json")


def put_json(client: Client, path: str, data: Any) -> Any:
    return client.put(API + path, json.dumps(data), content_type="application/json")


def error(response: Any, status: int) -> dict[str, Any]:
    """The JSON error body, after checking the status; every error names a code and a message."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body: dict[str, Any] = response.json()
    assert body["code"] and body["message"]
    return body


@pytest.fixture
def tw(root: Principal, world: dict[str, Any], member: Callable[..., Any]) -> Cohorts:
    """The basic digital skills cohort at Irbid: five sessions up to today, 1.500 JOD transport, a funded programme."""
    return Cohorts.build(root, world, member)


def signed_in(login: Callable[[User], Client], person: Participant) -> Client:
    assert person.user is not None
    return login(person.user)


# --- the spec ----------------------------------------------------------------------------------------------

def test_the_status_values_in_the_spec_are_the_models(db: Any) -> None:
    assert set(get_args(EnrolmentStatusValue)) == set(Enrolment.Status.values)
    assert set(get_args(DropoutReasonValue)) == set(Enrolment.DropoutReason.values)


def test_openapi_spec_has_the_training_paths(db: Any) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    assert {"get", "put"} <= set(paths[API + "/sessions/{session_id}/attendance"])
    for path, method in (("/cohorts", "get"), ("/cohorts/{cohort_id}", "get"),
                         ("/cohorts/{cohort_id}/enrolments", "post"), ("/enrolments/{enrolment_id}/moves", "post"),
                         ("/enrolments/{enrolment_id}/complete", "post"), ("/certificates", "get"),
                         ("/certificates/{code}/badge", "get"), ("/certificates/{code}/revoke", "post"),
                         ("/me", "get")):
        assert paths[API + path][method]["security"], path


# --- cohorts and enrolment -----------------------------------------------------------------------------------

def test_cohorts_and_one_cohort(tw: Cohorts, login: Callable[[User], Client]) -> None:
    a, b, c = tw.learners(3)
    save_roster(actor=tw.trainer, session=tw.sessions[0], present_ids={a.pk, b.pk})
    save_roster(actor=tw.trainer, session=tw.sessions[1], present_ids={a.pk})
    client = login(tw.trainer_user)
    listed = client.get(API + "/cohorts")
    assert listed.status_code == 200, listed.content
    page = listed.json()
    assert page["count"] == 1
    item = page["items"][0]
    assert (item["name"], item["taken"], item["session_count"], item["capacity"]) == (
        "Basic digital skills, Irbid", 3, 5, 40)
    assert item["transport"] == {"amount": "1.500", "currency": "JOD", "minor": 1500}
    assert item["centre"]["name"] == "Irbid Centre" and item["course"]["code"] == "basic-digital-skills"
    assert [t["id"] for t in item["trainers"]] == [tw.trainer_user.pk]
    assert client.get(API + "/cohorts", {"when": "past"}).json()["count"] == 0
    detail = client.get(f"{API}/cohorts/{tw.cohort.pk}").json()
    assert [s["present"] for s in detail["sessions"]] == [2, 1, 0, 0, 0]
    shares = {e["id"]: (e["status"], e["present"], e["marked"], e["attendance_percent"]) for e in detail["enrolments"]}
    assert shares == {a.pk: ("active", 2, 2, 100), b.pk: ("active", 1, 2, 50), c.pk: ("accepted", 0, 2, 0)}
    learner = next(e["learner"] for e in detail["enrolments"] if e["id"] == a.pk)
    assert a.participant is not None
    assert learner == {"kind": "participant", "reference": a.participant.reference, "name": a.participant.full_name}


def test_cohort_pages_cost_the_same_queries_with_more_cohorts_and_learners(tw: Cohorts,
                                                                          login: Callable[[User], Client]) -> None:
    client = login(tw.coordinator_user)

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(API + path)
        assert response.status_code == 200, response.content
        return len(captured)

    tw.learners(1)
    paths = ["/cohorts", f"/cohorts/{tw.cohort.pk}", f"/sessions/{tw.sessions[-1].pk}/attendance"]
    small = [queries(p) for p in paths]
    today = timezone.localdate()
    for n in range(3):
        cohort = create_cohort(actor=tw.coordinator, course=tw.course, programme=tw.programme,
                               centre=tw.world["irbid"], name=f"Evening group {n}", starts_on=today,
                               ends_on=today + timedelta(days=20), capacity=10, trainers=[tw.trainer_user],
                               transport=RATE)
        tw.enrol(tw.participant(), cohort=cohort)
    tw.learners(6)
    save_roster(actor=tw.trainer, session=tw.sessions[-1], present_ids=set())
    assert [queries(p) for p in paths] == small
    assert client.get(API + "/cohorts").json()["count"] == 4


def test_offering_a_place(tw: Cohorts, login: Callable[[User], Client], member: Callable[..., User]) -> None:
    person = tw.participant()
    client = login(tw.coordinator_user)
    response = post_json(client, f"/cohorts/{tw.cohort.pk}/enrolments",
                         {"reference": person.reference.lower(), "reason": "Selected in the spring call"})
    assert response.status_code == 201, response.content
    enrolment = response.json()
    assert enrolment["status"] == "offered" and enrolment["learner"]["reference"] == person.reference
    assert Enrolment.objects.get(pk=enrolment["id"]).history.get().reason == "Selected in the spring call"
    again = error(post_json(client, f"/cohorts/{tw.cohort.pk}/enrolments", {"participant_id": person.pk}), 409)
    assert again["code"] == "already_enrolled"
    assert error(post_json(client, f"/cohorts/{tw.cohort.pk}/enrolments", {"reference": "PNOBODY00"}), 404)[
        "field"] == "reference"
    assert error(post_json(client, f"/cohorts/{tw.cohort.pk}/enrolments", {}), 422)["field"] == "participant_id"
    # A trainer takes attendance but does not enrol; another partner's coordinator does not see the cohort.
    error(post_json(login(tw.trainer_user), f"/cohorts/{tw.cohort.pk}/enrolments", {"participant_id": person.pk}),
          403)
    outsider = login(member(Role.COORDINATOR, "other_centre"))
    error(post_json(outsider, f"/cohorts/{tw.cohort.pk}/enrolments", {"participant_id": person.pk}), 404)
    assert Enrolment.objects.filter(participant=person).count() == 1


def test_moves_by_staff_and_by_the_learner(tw: Cohorts, login: Callable[[User], Client]) -> None:
    person, other = tw.participant(login=True), tw.participant(login=True)
    offer = tw.enrol(person, accept=False)
    theirs = tw.enrol(other, accept=False)
    me = signed_in(login, person)
    error(post_json(me, f"/enrolments/{theirs.pk}/moves", {"to": "accepted"}), 404)
    accepted = post_json(me, f"/enrolments/{offer.pk}/moves", {"to": "accepted"})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    error(post_json(me, f"/enrolments/{offer.pk}/moves", {"to": "active"}), 403)  # only staff start it
    coordinator = login(tw.coordinator_user)
    assert post_json(coordinator, f"/enrolments/{offer.pk}/moves", {"to": "active"}).json()["status"] == "active"
    assert error(post_json(coordinator, f"/enrolments/{offer.pk}/moves", {"to": "dropped"}), 422)["field"] == \
        "dropout_reason"
    assert error(post_json(coordinator, f"/enrolments/{offer.pk}/moves", {"to": "completed"}), 409)["code"] == \
        "invalid_move"
    assert error(post_json(coordinator, f"/enrolments/{offer.pk}/moves", {"to": "dropped",
                                                                          "dropout_reason": "bus"}), 422)["details"]
    dropped = post_json(coordinator, f"/enrolments/{offer.pk}/moves",
                        {"to": "dropped", "dropout_reason": "transport", "reason": "No bus from the camp"}).json()
    assert (dropped["status"], dropped["dropout_reason"]) == ("dropped", "transport")
    assert list(Enrolment.objects.get(pk=offer.pk).history.values_list("to_status", flat=True)) == [
        "offered", "accepted", "active", "dropped"]


# --- attendance and stipends ------------------------------------------------------------------------------------

def test_a_roster_put_twice_pays_one_stipend(tw: Cohorts, login: Callable[[User], Client]) -> None:
    a, b = tw.learners(2)
    session = tw.sessions[-1]
    client = login(tw.trainer_user)
    before = client.get(f"{API}/sessions/{session.pk}/attendance").json()
    assert not before["saved"] and {r["present"] for r in before["rows"]} == {True}  # all ticked until saved
    assert before["transport"]["amount"] == "1.500"
    first = put_json(client, f"/sessions/{session.pk}/attendance", {"present": [a.pk]})
    assert first.status_code == 200, first.content
    saved = first.json()
    assert (saved["present"], saved["absent"]) == (1, 1)
    assert [p["enrolment_id"] for p in saved["paid"]] == [a.pk] and saved["paid_total"]["amount"] == "1.500"
    assert [p["enrolment_id"] for p in saved["started"]] == [a.pk] and saved["unpaid"] == []
    again = put_json(client, f"/sessions/{session.pk}/attendance", {"present": [a.pk]}).json()
    assert again["paid"] == [] and again["paid_total"]["amount"] == "0.000" and again["present"] == 1
    assert tw.stipend_postings(session) == 1
    assert a.participant is not None and b.participant is not None
    assert tw.balance(a.participant) == RATE and tw.balance(b.participant).minor == 0
    assert Attendance.objects.filter(session=session).count() == 2
    rows = {r["enrolment_id"]: (r["present"], r["marked"], r["transport"]) for r in again["roster"]["rows"]}
    assert rows == {a.pk: (True, True, "paid"), b.pk: (False, True, None)}
    # A correction takes the stipend back; ids not on the roster are ignored.
    corrected = put_json(client, f"/sessions/{session.pk}/attendance", {"present": [b.pk, 999999]}).json()
    assert [r["enrolment_id"] for r in corrected["reversed"]] == [a.pk]
    assert tw.balance(a.participant).minor == 0 and tw.balance(b.participant) == RATE


def test_stipends_that_cannot_be_paid_are_listed(root: Principal, world: dict[str, Any], member: Callable[..., Any],
                                                 login: Callable[[User], Client]) -> None:
    tw = Cohorts.build(root, world, member, fund="1.5")   # enough for one stipend
    a, b = tw.learners(2)
    session = tw.sessions[-1]
    saved = put_json(login(tw.trainer_user), f"/sessions/{session.pk}/attendance",
                     {"present": [a.pk, b.pk]}).json()
    assert saved["present"] == 2 and len(saved["paid"]) == 1 and len(saved["unpaid"]) == 1
    assert "fund" in saved["unpaid"][0]["reason"]
    assert {r["transport"] for r in saved["roster"]["rows"]} == {"paid", "unpaid"}


def test_roster_scope_and_rules(tw: Cohorts, login: Callable[[User], Client]) -> None:
    [learner] = tw.learners(1)
    session = tw.sessions[-1]
    outsider = login(tw.member(Role.TRAINER, "zaatari"))
    error(outsider.get(f"{API}/sessions/{session.pk}/attendance"), 404)
    error(put_json(outsider, f"/sessions/{session.pk}/attendance", {"present": [learner.pk]}), 404)
    error(outsider.get(f"{API}/cohorts/{tw.cohort.pk}"), 404)
    finance = login(tw.member(Role.FINANCE_OFFICER))
    error(finance.get(f"{API}/sessions/{session.pk}/attendance"), 403)
    error(finance.get(API + "/cohorts"), 403)
    later = session.starts_at + timedelta(days=2)
    future = add_session(actor=tw.coordinator, cohort=tw.cohort, starts_at=later, ends_at=later + timedelta(hours=2))
    client = login(tw.trainer_user)
    assert error(put_json(client, f"/sessions/{future.pk}/attendance", {"present": [learner.pk]}), 422)["code"] == \
        "too_early"
    assert set(error(put_json(client, f"/sessions/{session.pk}/attendance", {"present": ["x"]}), 422)[
        "details"]) == {"present.0"}
    error(put_json(client, f"/sessions/{session.pk}/attendance", {"present": [0]}), 422)
    assert not Attendance.objects.exists() and tw.stipend_postings() == 0


# --- completion and certificates --------------------------------------------------------------------------------

def test_completion_is_refused_with_reasons_then_issued_once(coordinator_user: User, login: Callable[[User], Client],
                                                              make_learner: Callable[..., Participant],
                                                              enrol: Callable[..., Enrolment]) -> None:
    enrolment = enrol(participant=make_learner())
    attend(enrolment, 2)
    grade(enrolment, 1, 70)
    client = login(coordinator_user)
    refused = error(post_json(client, f"/enrolments/{enrolment.pk}/complete"), 409)
    assert refused["code"] == "completion_rule_not_met"
    assert refused["details"]["reasons"] == ["Attended 2 of 4 sessions (50%); the course needs 75%.",
                                             "“Spreadsheets” has not been assessed yet."]
    enrolment.refresh_from_db()
    assert enrolment.status == S.ACTIVE and not Certificate.objects.exists()
    attend(enrolment, 3)
    grade(enrolment, 2, 60)
    issued = post_json(client, f"/enrolments/{enrolment.pk}/complete")
    assert issued.status_code == 201, issued.content
    certificate = issued.json()
    assert certificate["holder_name"] == "Amal Haddad" and certificate["course"] == "Basic digital skills"
    assert certificate["verify_url"].endswith(f"/verify/{certificate['code']}/") and not certificate["revoked"]
    again = post_json(client, f"/enrolments/{enrolment.pk}/complete")
    assert again.status_code == 200 and again.json()["code"] == certificate["code"]
    assert Certificate.objects.count() == 1
    enrolment.refresh_from_db()
    assert enrolment.status == S.COMPLETED


def test_certificates_badge_and_revocation(ready: Enrolment, coordinator: Principal, coordinator_user: User,
                                           manager: Principal, login: Callable[[User], Client],
                                           make_learner: Callable[..., Participant],
                                           enrol: Callable[..., Enrolment]) -> None:
    holder = make_learner(given_name="Hala", family_name="Nasser", login_language="ar")
    mine = enrol(participant=holder)
    attend(mine, 4)
    grade(mine, 1, 90)
    grade(mine, 2, 90)
    own = complete_enrolment(actor=coordinator, enrolment=mine)
    other = complete_enrolment(actor=coordinator, enrolment=ready)
    me = signed_in(login, holder)
    listed = me.get(API + "/certificates")
    assert listed.status_code == 200, listed.content
    assert [c["code"] for c in listed.json()["items"]] == [own.code]
    badge = me.get(f"{API}/certificates/{own.code.lower().replace('-', '')}/badge")
    assert badge.status_code == 200
    credential = badge.json()
    assert "OpenBadgeCredential" in credential["type"] and credential["id"].endswith(f"/verify/{own.code}/")
    assert credential["credentialSubject"]["identifier"][0]["identityHash"] == "Hala Nasser"
    error(me.get(f"{API}/certificates/{other.code}/badge"), 404)            # someone else's
    error(me.get(f"{API}/certificates/not-a-code/badge"), 404)
    error(post_json(me, f"/certificates/{own.code}/revoke", {"reason": "x"}), 403)

    staff = login(coordinator_user)
    assert staff.get(API + "/certificates").json()["count"] == 2
    assert staff.get(API + "/certificates", {"mine": True}).json()["count"] == 0
    # Revoking is for the partner's programme managers, not a centre's coordinator.
    error(post_json(staff, f"/certificates/{own.code}/revoke", {"reason": "Copied the final test"}), 403)
    boss = login(manager.user)
    error(post_json(boss, f"/certificates/{own.code}/revoke", {"reason": " "}), 422)
    revoked = post_json(boss, f"/certificates/{own.code}/revoke", {"reason": "Copied the final test"})
    assert revoked.status_code == 200, revoked.content
    assert revoked.json()["revoked"] and revoked.json()["revoked_reason"] == "Copied the final test"
    assert staff.get(API + "/certificates", {"state": "revoked"}).json()["count"] == 1
    seen = me.get(API + "/certificates").json()["items"][0]
    assert seen["revoked"] and seen["revoked_reason"] is None    # the reason stays inside the organisation
    assert "validUntil" in me.get(f"{API}/certificates/{own.code}/badge").json()


def test_the_certificate_list_costs_the_same_queries_with_more_certificates(
        coordinator: Principal, coordinator_user: User, login: Callable[[User], Client],
        make_learner: Callable[..., Participant], enrol: Callable[..., Enrolment]) -> None:
    names = iter(range(100))

    def issue(n: int) -> None:
        for _n in range(n):
            enrolment = enrol(participant=make_learner(given_name=f"Learner{next(names)}"))
            attend(enrolment, 4)
            grade(enrolment, 1, 90)
            grade(enrolment, 2, 90)
            complete_enrolment(actor=coordinator, enrolment=enrolment)

    client = login(coordinator_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(API + "/certificates")
        assert response.status_code == 200
        return len(captured)

    issue(1)
    small = queries()
    issue(5)
    assert queries() == small
    assert client.get(API + "/certificates").json()["count"] == 6


# --- a learner's own page ------------------------------------------------------------------------------------

def test_my_learning(tw: Cohorts, login: Callable[[User], Client]) -> None:
    test = PlacementTest.objects.create(partner=tw.world["partner"], title={"en": "Digital literacy"})
    band = Band.objects.create(test=test, min_percent=75, label={"en": "Ready for more"},
                               meaning={"en": "You can join the microwork course."}, course=tw.course)
    person = tw.participant(login=True)
    enrolment = tw.enrol(person)
    save_roster(actor=tw.trainer, session=tw.sessions[0], present_ids={enrolment.pk})
    save_roster(actor=tw.trainer, session=tw.sessions[1], present_ids=set())
    tomorrow = tw.sessions[-1].starts_at + timedelta(days=1)
    add_session(actor=tw.coordinator, cohort=tw.cohort, starts_at=tomorrow, ends_at=tomorrow + timedelta(hours=3),
                topic="Spreadsheets practice")
    now = timezone.now()
    Attempt.objects.create(test=test, participant=person, number=1, deadline_at=now, submitted_at=now,
                               score=30, max_score=33, percent=91, band=band)
    response = signed_in(login, person).get(API + "/me")
    assert response.status_code == 200, response.content
    me = response.json()
    (mine,) = me["enrolments"]
    assert (mine["status"], mine["present"], mine["marked"], mine["attendance_percent"]) == ("active", 1, 2, 50)
    # Today's session if it has not ended yet, else tomorrow's.
    assert mine["next_session"]["topic"] in (tw.sessions[-1].topic, "Spreadsheets practice")
    assert mine["course"]["code"] == "basic-digital-skills" and mine["centre"] == "Irbid Centre"
    (result,) = me["test_results"]
    assert (result["test"], result["percent"], result["band"]) == ("Digital literacy", 91, "Ready for more")
    assert result["recommended_course"] == "Basic digital skills"
    assert me["certificates"] == []
    # Staff with no course of their own have an empty page; the API keys and client members have none.
    assert login(tw.coordinator_user).get(API + "/me").json() == {"enrolments": [], "certificates": [],
                                                                  "test_results": []}
    assert error(login(tw.member(Role.CLIENT_MEMBER)).get(API + "/me"), 403)["code"] == "permission_denied"


# --- API keys and anonymous callers ----------------------------------------------------------------------------

ROUTES = [
    ("get", "/cohorts"), ("get", "/cohorts/{cohort}"), ("post", "/cohorts/{cohort}/enrolments"),
    ("post", "/enrolments/{enrolment}/moves"), ("get", "/sessions/{session}/attendance"),
    ("put", "/sessions/{session}/attendance"), ("post", "/enrolments/{enrolment}/complete"),
    ("get", "/certificates"), ("get", "/certificates/{code}/badge"), ("post", "/certificates/{code}/revoke"),
    ("get", "/me"),
]


def send(client: Client, method: str, path: str, participant: int = 1, enrolment: int = 1) -> Any:
    if method == "put":
        return put_json(client, path, {"present": [enrolment]})
    if method == "post":
        return post_json(client, path, {"participant_id": participant, "to": "dropped", "dropout_reason": "other",
                                        "reason": "x"})
    return client.get(API + path)


@pytest.fixture
def issued(ready: Enrolment, coordinator: Principal, cohort: Cohort,
           make_learner: Callable[..., Participant], enrol: Callable[..., Enrolment]) -> dict[str, Any]:
    """A certificate, an active enrolment and a held session of the certificates' cohort."""
    certificate = complete_enrolment(actor=coordinator, enrolment=ready)
    active = enrol(participant=make_learner(given_name="Rasha"))
    return {"code": certificate.code, "enrolment": active, "cohort": cohort,
            "session": cohort.sessions.order_by("starts_at").first(), "person": make_learner(given_name="Noor")}


@pytest.mark.parametrize("org", ["client", "employer"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_client_and_employer_api_keys_get_nothing(org: str, method: str, path: str, issued: dict[str, Any],
                                                  root: Principal, world: dict[str, Any]) -> None:
    _key, token = issue_api_key(actor=root, organisation=world[org], name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    enrolment = issued["enrolment"]
    before = (Attendance.objects.count(), Enrolment.objects.count(), Certificate.objects.count(),
              AuditEvent.objects.count())
    response = send(client, method, path.format(cohort=issued["cohort"].pk, enrolment=enrolment.pk,
                                                session=issued["session"].pk, code=issued["code"]),
                    participant=issued["person"].pk, enrolment=enrolment.pk)
    assert response.status_code in (403, 404), (response.status_code, response.content[:300])
    assert response.json()["code"] in ("permission_denied", "not_found")
    enrolment.refresh_from_db()
    assert enrolment.status == S.ACTIVE
    assert (Attendance.objects.count(), Enrolment.objects.count(), Certificate.objects.count(),
            AuditEvent.objects.count()) == before
    assert not Certificate.objects.filter(revoked_at__isnull=False).exists()


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_callers_are_401(method: str, path: str, db: Any) -> None:
    response = send(Client(), method, path.format(cohort=1, enrolment=1, session=1, code="AAAA-BBBB-CCCC-DDDD"))
    assert error(response, 401)["code"] == "not_authenticated"
