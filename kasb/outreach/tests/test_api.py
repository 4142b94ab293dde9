"""/api/v1/outreach: open calls and applying without an account (in the applicant's language, rate-limited),
an applicant's own status, and the scored list and decisions for staff, with the web's permissions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, get_args

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext, ngettext, override

from kasb.accounts.models import User
from kasb.core.models import AuditEvent
from kasb.core.permissions import CAPABILITIES, Cap, Principal, Role
from kasb.orgs.models import Programme
from kasb.orgs.services import create_programme, issue_api_key
from kasb.outreach import services
from kasb.outreach.api import ApplicationStatusValue
from kasb.outreach.models import Application, ApplicationChange, Call
from kasb.training.models import Course

from .conftest import application_data, make_call, sms_messages, years_ago

API = "/api/v1/outreach"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def body(**overrides: Any) -> dict[str, Any]:
    """An application as a script sends it: JSON types, the date as text, disability as an object."""
    data = application_data(**overrides)
    data["date_of_birth"] = str(data["date_of_birth"])
    data["disability"] = {"seeing": data.pop("disability_seeing", 1)}
    return {k: v for k, v in data.items() if v is not None}


def post_json(client: Client, path: str, data: Any, **extra: Any) -> Any:
    return client.post(API + path, json.dumps(data), content_type="application/json", **extra)


def error(response: Any, status: int) -> dict[str, Any]:
    """The JSON error body, after checking the status; every error names a code and a message."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    data: dict[str, Any] = response.json()
    assert data["code"] and data["message"]
    assert set(data) <= {"code", "message", "field", "details"}
    return data


@pytest.fixture
def staff_api(manager: Principal, login: Callable[[User], Client]) -> Client:
    return login(manager.user)


# --- the spec ----------------------------------------------------------------------------------------------

def test_the_status_values_in_the_spec_are_the_models(db: Any) -> None:
    assert set(get_args(ApplicationStatusValue)) == set(Application.Status.values)


def test_openapi_spec_has_the_outreach_paths_and_public_ones_need_no_key(db: Any) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    applications = paths[API + "/calls/{call}/applications"]
    assert "security" not in applications["post"] and applications["get"]["security"]
    assert "security" not in paths[API + "/calls"]["get"]
    assert "security" not in paths[API + "/applications/{token}"]["get"]
    for path in ("/decisions", "/rating"):
        assert paths[API + "/calls/{call_id}/applications/{reference}" + path]["post"]["security"]
    assert "429" in applications["post"]["responses"]


# --- public: open calls ------------------------------------------------------------------------------------

def test_open_calls_in_the_readers_language(call: Call, manager: Principal, programme: Programme) -> None:
    make_call(manager, programme, slug="later")  # open
    services.create_call(actor=manager, spec=services.CallSpec(  # a draft is not listed
        programme=programme, title={"en": "Draft"}, slug="draft", opens_on=call.opens_on, closes_on=call.closes_on,
        places=5))
    arabic = Client(HTTP_ACCEPT_LANGUAGE="ar").get(API + "/calls")
    assert arabic.status_code == 200, arabic.content
    page = arabic.json()
    assert page["count"] == 2 and {c["slug"] for c in page["items"]} == {"irbid-digital", "later"}
    first = next(c for c in page["items"] if c["slug"] == "irbid-digital")
    assert first["title"] == "المهارات الرقمية، إربد"
    assert first["courses"][0]["title"] == "المهارات الرقمية الأساسية"
    assert [c["name"] for c in first["centres"]] == ["Irbid Centre"] and first["centres"][0]["area"] == "JO-IR"
    assert (first["min_age"], first["max_age"], first["test_required"]) == (17, 30, True)
    assert first["apply_url"].endswith("/ar/apply/irbid-digital/")
    english = Client(HTTP_ACCEPT_LANGUAGE="ar").get(API + "/calls", {"language": "en"}).json()
    assert next(c for c in english["items"] if c["slug"] == "irbid-digital")["title"] == "Digital skills, Irbid"
    assert Client().get(API + "/calls", {"limit": 1}).json()["count"] == 2
    assert len(Client().get(API + "/calls", {"limit": 1}).json()["items"]) == 1


def test_open_calls_cost_the_same_queries_with_more_calls(call: Call, manager: Principal, programme: Programme,
                                                          course: Course) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = Client().get(API + "/calls")
        assert response.status_code == 200
        return len(captured)

    small = queries()
    for n in range(4):
        make_call(manager, programme, slug=f"more-{n}", courses=[course], centres=list(call.centres.all()))
    assert queries() == small
    assert Client().get(API + "/calls").json()["count"] == 5


# --- public: applying -------------------------------------------------------------------------------------

def test_applying_answers_201_with_private_links(call: Call, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(Client(), f"/calls/{call.slug}/applications", body(), HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 201, response.content
    data = response.json()
    application = Application.objects.get()
    assert set(data) == {"reference", "token", "status_url", "test_url"}
    assert (data["reference"], data["token"]) == (application.reference, application.token)
    assert data["status_url"].endswith(f"/ar/apply/status/{application.token}/")
    assert data["test_url"].endswith(f"/ar/training/test/a/{application.token}/{call.placement_test_id}/")
    assert response["Cache-Control"] == "private, no-store"
    assert (application.language, application.heard_via, application.sex) == ("ar", "social_media", "female")
    assert application.answers["disability"] == {"seeing": 1}  # type: ignore[index]
    assert application.token in sms_messages()[-1]["text"]  # sent after commit, in Arabic
    # The applicant's own status: the reference, the call and where it stands, nothing else.
    status = Client().get(f"{API}/applications/{application.token}", {"language": "en"})
    assert status.status_code == 200
    assert status.json() == {"reference": application.reference, "status": "submitted",
                             "status_label": "Submitted",
                             "call": {"slug": "irbid-digital", "title": "Digital skills, Irbid"}}
    assert status["Cache-Control"] == "private, no-store"
    for private in ("Rania", "Odeh", "+962791234567"):
        assert private not in status.content.decode()
    error(Client().get(f"{API}/applications/not-a-token"), 404)
    error(Client().get(f"{API}/applications/{'x' * 65}"), 422)


def test_bad_answers_are_422_per_field_in_arabic_and_nothing_is_saved(call: Call) -> None:
    sent = body(consent_registration=None, date_of_birth=years_ago(45), phone="0000")
    for client, query in ((Client(HTTP_ACCEPT_LANGUAGE="ar"), ""), (Client(), "?language=ar")):
        data = error(post_json(client, f"/calls/{call.slug}/applications{query}", sent), 422)
        assert data["code"] == "validation_failed"
        details = data["details"]
        assert set(details) == {"consent_registration", "date_of_birth", "phone"}
        with override("ar"):
            assert details["consent_registration"] == gettext(
                "Please tick this box to agree. Without it we cannot keep or consider your application.")
            rule = ngettext("This call is for people aged %(min)d to %(max)d year on %(date)s, its closing date.",
                            "This call is for people aged %(min)d to %(max)d years on %(date)s, its closing date.",
                            call.max_age)
            assert details["date_of_birth"].startswith(rule.split("%")[0])
            assert "45" in details["date_of_birth"] and "Participants" not in details["date_of_birth"]
            assert data["message"] == gettext("Some answers need correcting.")
        assert details["phone"] == "«0000» ليس رقم هاتف صحيحًا في بلده."
    # In English when asked in English.
    english = error(post_json(Client(HTTP_ACCEPT_LANGUAGE="en"), f"/calls/{call.slug}/applications", sent), 422)
    assert english["details"]["consent_registration"].startswith("Please tick this box")
    # Too young, a centre and a course the call does not offer, an unknown disability domain.
    young = error(post_json(Client(), f"/calls/{call.slug}/applications",
                            body(date_of_birth=years_ago(14), preferred_centre=999999, preferred_course=999999)), 422)
    assert set(young["details"]) == {"date_of_birth", "preferred_centre", "preferred_course"}
    odd = error(post_json(Client(), f"/calls/{call.slug}/applications", {**body(), "disability": {"sight": 1}}), 422)
    assert set(odd["details"]) == {"disability"}
    # Wrong JSON types are 422 naming the field, too.
    typed = error(post_json(Client(), f"/calls/{call.slug}/applications", {**body(), "neet": "perhaps"}), 422)
    assert set(typed["details"]) == {"neet"}
    assert not Application.objects.exists()


def test_a_second_application_with_the_same_phone_is_409_with_only_the_reference(call: Call) -> None:
    first = post_json(Client(), f"/calls/{call.slug}/applications", body()).json()
    again = post_json(Client(), f"/calls/{call.slug}/applications",
                      body(given_name="Someone", phone="+962 79 123 4567"))
    data = error(again, 409)
    assert data["code"] == "already_applied" and data["field"] == "phone"
    assert data["details"] == {"reference": first["reference"]}
    assert first["token"] not in again.content.decode() and "Rania" not in again.content.decode()
    assert Application.objects.count() == 1


def test_closed_draft_and_unknown_calls(call: Call, manager: Principal, programme: Programme) -> None:
    services.close_call(actor=manager, call=call)
    assert error(post_json(Client(), f"/calls/{call.slug}/applications", body()), 409)["code"] == "call_closed"
    draft = services.create_call(actor=manager, spec=services.CallSpec(
        programme=programme, title={"en": "Draft"}, slug="draft", opens_on=call.opens_on, closes_on=call.closes_on,
        places=5))
    for slug in (draft.slug, "no-such-call"):
        assert error(post_json(Client(), f"/calls/{slug}/applications", body()), 404)["code"] == "not_found"
    assert not Application.objects.exists()


def test_public_endpoints_are_rate_limited_per_address(call: Call, settings: Any) -> None:
    settings.KASB_RATE_LIMITS = {"apply-submit": 2, "apply": 100}
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(2):
        assert post_json(client, f"/calls/{call.slug}/applications",
                         body(phone=f"+96279100000{n}")).status_code == 201
    refused = post_json(client, f"/calls/{call.slug}/applications", body(phone="+962791000009"))
    data = error(refused, 429)
    assert data["code"] == "rate_limited" and int(refused["Retry-After"]) >= 1
    arabic = error(post_json(client, f"/calls/{call.slug}/applications?language=ar", body()), 429)
    assert arabic["message"] != data["message"]  # in the applicant's language
    assert Application.objects.count() == 2
    # Malformed requests count too: the limit is checked before the body is read.
    settings.KASB_RATE_LIMITS = {"apply-submit": 2, "apply": 100}
    cache.clear()
    sloppy = Client(REMOTE_ADDR="198.51.100.10")
    error(sloppy.post(f"{API}/calls/{call.slug}/applications", "{not json", content_type="application/json"), 400)
    error(post_json(sloppy, f"/calls/{call.slug}/applications", {"neet": "perhaps"}), 422)
    error(post_json(sloppy, f"/calls/{call.slug}/applications", body(phone="+962791000008")), 429)
    # Another address is counted on its own.
    assert post_json(Client(REMOTE_ADDR="198.51.100.8"), f"/calls/{call.slug}/applications",
                     body(phone="+962791000009")).status_code == 201
    # Reading is limited too, with the same budget as the public web pages.
    settings.KASB_RATE_LIMITS = {"apply": 3}
    cache.clear()
    reader = Client(REMOTE_ADDR="198.51.100.9", HTTP_ACCEPT_LANGUAGE="ar")
    assert [reader.get(API + "/calls").status_code for _n in range(3)] == [200, 200, 200]
    assert reader.get(f"/ar/apply/{call.slug}/").status_code == 429  # the web page shares the budget
    response = reader.get(f"{API}/applications/whatever")
    limited = error(response, 429)
    with override("ar"):  # in the reader's language
        assert limited["message"] == gettext("Too many requests from your connection. Please wait %(seconds)s "
                                             "seconds and try again.") % {"seconds": response["Retry-After"]}
    assert not limited["message"].startswith("Too many requests")


# --- staff: the scored list and decisions ---------------------------------------------------------------------

def test_the_scored_list_with_protected_answers_logged(call: Call, apply: Callable[..., Application],
                                                       staff_api: Client) -> None:
    apply(0)
    apply(1, sex="male", displacement_status="host_community")
    apply(2, date_of_birth=years_ago(25))
    Call.objects.filter(pk=call.pk).update(max_age=24)  # the rules changed after they applied: now not eligible
    response = staff_api.get(f"{API}/calls/{call.pk}/applications")
    assert response.status_code == 200, response.content
    page = response.json()
    assert (page["count"], page["places"], page["taken"], page["free"]) == (3, 10, 0, 10)
    assert {t["group"]: (t["percent"], t["needed"], t["count"]) for t in page["targets"]} == {
        "women": (60, 6, 0), "refugees": (30, 3, 0)}
    first, second, third = page["items"]
    assert (first["given_name"], first["rank"], first["score"]) == ("Applicant0", 1, 25)  # women 10 + refugees 15
    assert (second["rank"], second["score"]) == (2, 0)
    assert (third["eligible"], third["rank"], third["score"]) == (False, None, None)
    assert first["protected"]["groups"] == ["displaced", "neet", "outside_capital", "refugees", "women"]
    assert first["protected"]["vulnerability"] == {"refugees": 15, "women": 10}
    assert first["protected"]["phone"] == "+962791200000"
    assert "outside 17–24" in third["protected"]["problems"]
    assert first["test"] == {"required": True, "percent": None, "attempts": 0, "weight": 40, "points": 0, "max": 40}
    assert AuditEvent.objects.filter(verb="applications.protected_viewed", data__screen="api:applications").count() == 1
    # Filters and paging.
    assert staff_api.get(f"{API}/calls/{call.pk}/applications", {"q": "applicant1"}).json()["count"] == 1
    assert staff_api.get(f"{API}/calls/{call.pk}/applications", {"status": "selected"}).json()["count"] == 0
    assert len(staff_api.get(f"{API}/calls/{call.pk}/applications", {"limit": 1, "offset": 1}).json()["items"]) == 1
    # One application, with what the applicant wrote and every decision.
    detail = staff_api.get(f"{API}/calls/{call.pk}/applications/{first['reference']}").json()
    assert detail["motivation_text"] == "I want to work online from home."
    assert [h["to_status"] for h in detail["history"]] == ["submitted"]


def test_without_view_protected_there_are_no_protected_answers(call: Call, apply: Callable[..., Application],
                                                               member: Callable[..., User],
                                                               login: Callable[[User], Client],
                                                               monkeypatch: Any) -> None:
    application = apply(0)
    monkeypatch.setitem(CAPABILITIES, Role.COORDINATOR, CAPABILITIES[Role.COORDINATOR] - {Cap.VIEW_PROTECTED})
    client = login(member(Role.COORDINATOR))
    response = client.get(f"{API}/calls/{call.pk}/applications")
    assert response.status_code == 200, response.content
    (row,) = response.json()["items"]
    assert row["protected"] is None and row["score"] == 25
    detail = client.get(f"{API}/calls/{call.pk}/applications/{application.reference}").json()
    assert detail["protected"] is None
    text = response.content.decode() + json.dumps(detail)
    for private in ("+962791200000", "displacement_status", "date_of_birth", str(years_ago(22)), "neet"):
        assert private not in text
    assert not AuditEvent.objects.filter(verb="applications.protected_viewed").exists()


def test_decisions_go_through_the_services(call: Call, apply: Callable[..., Application], staff_api: Client,
                                           django_capture_on_commit_callbacks: Any) -> None:
    a, b = apply(0), apply(1)
    path = f"/calls/{call.pk}/applications/{{ref}}/decisions"
    response = post_json(staff_api, path.format(ref=a.reference), {"decision": "select"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["taken"]) == ("selected", 1)
    assert response.json()["decision_reason"].startswith("Chosen on the selection screen")
    body422 = error(post_json(staff_api, path.format(ref=b.reference), {"decision": "reject", "reason": " "}), 422)
    assert body422["field"] == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        rejected = post_json(staff_api, path.format(ref=b.reference.lower()),
                             {"decision": "reject", "reason": "Lives too far from the centre"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert "cannot offer you one this time" in sms_messages()[-1]["text"]
    assert error(post_json(staff_api, path.format(ref=b.reference), {"decision": "maybe"}), 422)["details"]
    post_json(staff_api, path.format(ref=a.reference), {"decision": "withdraw", "reason": "Moved to Amman"})
    assert error(post_json(staff_api, path.format(ref=a.reference), {"decision": "select"}), 409)["code"] == \
        "invalid_move"
    rated = post_json(staff_api, f"/calls/{call.pk}/applications/{b.reference}/rating", {"rating": 5})
    assert rated.status_code == 200 and rated.json()["motivation_rating"] == 5 and rated.json()["score"] == 45
    error(post_json(staff_api, f"/calls/{call.pk}/applications/{b.reference}/rating", {"rating": 6}), 422)
    assert list(ApplicationChange.objects.filter(application=b).values_list("to_status", "reason")) == [
        ("submitted", ""), ("rejected", "Lives too far from the centre")]


def test_a_full_call_is_409(manager: Principal, programme: Programme, staff_api: Client) -> None:
    small = make_call(manager, programme, slug="small", places=1)
    first = services.submit_application(call=small, data=application_data(phone="+962791300001"), language="en")
    second = services.submit_application(call=small, data=application_data(phone="+962791300002"), language="en")
    path = f"/calls/{small.pk}/applications/{{ref}}/decisions"
    assert post_json(staff_api, path.format(ref=first.reference), {"decision": "select"}).status_code == 200
    assert error(post_json(staff_api, path.format(ref=second.reference), {"decision": "select"}), 409)["code"] == \
        "call_full"


def test_scope_and_capability(call: Call, apply: Callable[..., Application], root: Principal,
                              world: dict[str, Any], member: Callable[..., User],
                              login: Callable[[User], Client]) -> None:
    application = apply(0)
    outsider = login(member(Role.PROGRAMME_MANAGER, "other"))  # the Tunisian partner's manager
    for response in (outsider.get(f"{API}/calls/{call.pk}/applications"),
                     outsider.get(f"{API}/calls/{call.pk}/applications/{application.reference}"),
                     post_json(outsider, f"/calls/{call.pk}/applications/{application.reference}/decisions",
                               {"decision": "select"})):
        assert error(response, 404)["code"] == "not_found"
    trainer = login(member(Role.TRAINER))
    assert error(trainer.get(f"{API}/calls/{call.pk}/applications"), 403)["code"] == "permission_denied"
    other_programme = create_programme(actor=root, partner=world["other"], name="Tunis 2027", country="TN",
                                       currency="TND")
    theirs = make_call(principal_manager(member, "other"), other_programme, slug="tunis")
    coordinator = login(member(Role.COORDINATOR))
    error(coordinator.get(f"{API}/calls/{theirs.pk}/applications"), 404)
    assert coordinator.get(f"{API}/calls/{call.slug}/applications").status_code == 200  # by slug too
    assert Application.objects.get().status == "submitted"


def principal_manager(member: Callable[..., User], org: str) -> Principal:
    from kasb.orgs.queries import principal_for_user

    return principal_for_user(member(Role.PROGRAMME_MANAGER, org))


def test_the_list_costs_the_same_queries_with_more_applications(call: Call, apply: Callable[..., Application],
                                                                staff_api: Client) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff_api.get(f"{API}/calls/{call.pk}/applications")
        assert response.status_code == 200
        return len(captured)

    for n in range(2):
        apply(n)
    small = queries()
    for n in range(2, 14):
        apply(n, sex="male" if n % 2 else "female")
    assert queries() == small
    assert staff_api.get(f"{API}/calls/{call.pk}/applications").json()["count"] == 14


# --- API keys and anonymous callers ---------------------------------------------------------------------------

STAFF_ROUTES = [
    ("get", "/calls/{call}/applications"),
    ("get", "/calls/{call}/applications/{ref}"),
    ("post", "/calls/{call}/applications/{ref}/decisions"),
    ("post", "/calls/{call}/applications/{ref}/rating"),
]


def send(client: Client, method: str, path: str) -> Any:
    if method == "post":
        return post_json(client, path, {"decision": "select", "rating": 3, "reason": "x"})
    return client.get(API + path)


@pytest.mark.parametrize("org", ["client", "employer"])
@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
def test_client_and_employer_api_keys_get_nothing(org: str, method: str, path: str, call: Call,
                                                  apply: Callable[..., Application], root: Principal,
                                                  world: dict[str, Any]) -> None:
    application = apply(0)
    _key, token = issue_api_key(actor=root, organisation=world[org], name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = send(client, method, path.format(call=call.pk, ref=application.reference))
    assert response.status_code in (403, 404), (response.status_code, response.content[:300])
    assert response.json()["code"] in ("permission_denied", "not_found")
    assert "+962" not in response.content.decode()
    application.refresh_from_db()
    assert (application.status, application.motivation_rating) == ("submitted", None)
    assert not AuditEvent.objects.filter(verb="applications.protected_viewed").exists()


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
def test_anonymous_callers_are_401_on_staff_endpoints(method: str, path: str, call: Call) -> None:
    response = send(Client(), method, path.format(call=call.pk, ref="A23456789"))
    assert error(response, 401)["code"] == "not_authenticated"


def test_an_api_key_may_use_the_public_endpoints(call: Call, root: Principal, world: dict[str, Any]) -> None:
    _key, token = issue_api_key(actor=root, organisation=world["client"], name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(API + "/calls").status_code == 200
    assert post_json(client, f"/calls/{call.slug}/applications", body()).status_code == 201
