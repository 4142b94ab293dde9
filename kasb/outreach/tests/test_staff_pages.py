"""Staff pages: who may open them, the selection screen with and without JavaScript, and creating a call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, registration, sign_in
from kasb.core.models import AuditEvent
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import Programme
from kasb.orgs.services import create_programme
from kasb.outreach import services
from kasb.outreach.models import Application, Call
from kasb.participants.services import link_login, register_participant

from .conftest import make_call

ANONYMOUS = "anonymous"
# (column, path); {call} is the call of 'Amal Youth', {other} a call of the Tunisian partner.
ENDPOINTS = [
    ("calls", "/en/outreach/"),
    ("new", "/en/outreach/new/"),
    ("call", "/en/outreach/{call}/"),
    ("edit", "/en/outreach/{call}/edit/"),
    ("applications", "/en/outreach/{call}/applications/"),
    ("application", "/en/outreach/{call}/applications/{ref}/"),
    ("selection", "/en/outreach/{call}/selection/"),
    ("targets", "/en/outreach/{call}/selection/targets/"),
    ("enrol", "/en/outreach/{call}/enrol/"),
    ("other", "/en/outreach/{other}/selection/"),
]
EXPECTED: dict[str, tuple[int, ...]] = {
    #                        calls new  call edit apps app  sel  tgt  enrol other
    Role.COORDINATOR:       (200, 403, 200, 403, 200, 200, 200, 200, 200, 404),
    Role.PROGRAMME_MANAGER: (200, 200, 200, 200, 200, 200, 200, 200, 200, 404),
    Role.TRAINER:           (403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    Role.QA_REVIEWER:       (403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    Role.FINANCE_OFFICER:   (403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    Role.ME_OFFICER:        (403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    Role.CLIENT_MEMBER:     (403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    Role.EMPLOYER_MEMBER:   (403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    Role.PARTICIPANT:       (403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    ANONYMOUS:              (302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
}


def test_the_table_covers_every_role() -> None:
    assert set(EXPECTED) == {*Role.values, ANONYMOUS}
    assert all(len(row) == len(ENDPOINTS) for row in EXPECTED.values())


@pytest.fixture
def other_call(root: Principal, world: dict[str, Any]) -> Call:
    programme = create_programme(actor=root, partner=world["other"], name="Tunis digital", country="TN",
                                 currency="TND")
    return make_call(root, programme, slug="tunis-digital", vulnerability_points={}, targets={})


def client_for(role: str, member: Callable[..., User], coordinator: Principal, world: dict[str, Any]) -> Client:
    if role == ANONYMOUS:
        return Client()
    if role == Role.PARTICIPANT:
        person = register_participant(actor=coordinator, partner=world["partner"],
                                      data=registration(centre=world["irbid"]))
        user = create_user(full_name="Amal Haddad", phone="+962791110000", password=PASSWORD)
        link_login(actor=coordinator, participant=person, user=user)
        return sign_in(Client(), user)
    return sign_in(Client(), member(role))


@pytest.mark.parametrize("role", list(EXPECTED))
def test_permission_matrix(role: str, call: Call, other_call: Call, apply: Callable[..., Application],
                           member: Callable[..., User], coordinator: Principal, world: dict[str, Any]) -> None:
    app = apply(1)
    client = client_for(role, member, coordinator, world)
    for (column, path), expected in zip(ENDPOINTS, EXPECTED[role], strict=True):
        url = path.format(call=call.pk, other=other_call.pk, ref=app.reference)
        response = client.get(url)
        assert response.status_code == expected, (column, response.status_code)
        if expected == 302:
            assert response["Location"].startswith("/en/accounts/sign-in/?next=")
    # Writes are refused alike.
    post = client.post(f"/en/outreach/{call.pk}/selection/{app.reference}/decide/", {"decision": "select"})
    assert post.status_code in ((302,) if role in (Role.COORDINATOR, Role.PROGRAMME_MANAGER, ANONYMOUS)
                                else (403,))
    app.refresh_from_db()
    assert (app.status == Application.Status.SELECTED) is (role in (Role.COORDINATOR, Role.PROGRAMME_MANAGER))


def test_navigation_shows_calls_to_those_who_select(member: Callable[..., User], world: dict[str, Any]) -> None:
    html = sign_in(Client(), member(Role.COORDINATOR)).get("/en/dashboard/").content.decode()
    assert 'href="/en/outreach/"' in html
    html = sign_in(Client(), member(Role.TRAINER)).get("/en/dashboard/").content.decode()
    assert 'href="/en/outreach/"' not in html


@pytest.fixture
def coordinator_client(coordinator_user: User) -> Client:
    return sign_in(Client(), coordinator_user)


def test_the_selection_screen_ranks_and_explains(call: Call, coordinator_client: Client,
                                                 apply: Callable[..., Application], coordinator: Principal) -> None:
    low = apply(1, sex="male", displacement_status="host_community")
    high = apply(2)
    html = coordinator_client.get(f"/en/outreach/{call.pk}/selection/").content.decode()
    assert html.index(high.reference) < html.index(low.reference)
    assert "Women and girls: +10" in html and "Refugees and asylum seekers: +15" in html
    assert "Placement test: not taken yet (0)" in html
    assert "0 of 10 places taken" in html and "Women and girls 0% of 60% target" in html
    assert AuditEvent.objects.filter(verb="applications.protected_viewed", actor=coordinator.user).exists()


def test_a_decision_with_htmx_swaps_the_row_and_refreshes_the_targets(
        call: Call, coordinator_client: Client, apply: Callable[..., Application]) -> None:
    app = apply(1)
    url = f"/en/outreach/{call.pk}/selection/{app.reference}/decide/"
    response = coordinator_client.post(url, {"decision": "select", "reason": "Good fit"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Trigger"] == "targets-changed"
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="app-{app.pk}"') and "Good fit" in html and "Selected" in html
    panel = coordinator_client.get(f"/en/outreach/{call.pk}/selection/targets/", HTTP_HX_REQUEST="true")
    assert "1 of 10 places taken" in panel.content.decode()
    assert "Women and girls 100% of 60% target" in panel.content.decode()
    # A refused decision stays in the row with its reason.
    response = coordinator_client.post(url, {"decision": "reject", "reason": ""}, HTTP_HX_REQUEST="true")
    assert "Say why, so that the decision can be explained later." in response.content.decode()


def test_without_javascript_a_decision_reloads_the_screen(call: Call, coordinator_client: Client,
                                                          apply: Callable[..., Application]) -> None:
    app = apply(1)
    response = coordinator_client.post(f"/en/outreach/{call.pk}/selection/{app.reference}/decide/",
                                       {"decision": "waitlist", "query": "show=undecided&evil=//x.org"})
    assert response.status_code == 302
    assert response["Location"] == f"/en/outreach/{call.pk}/selection/?show=undecided"
    page = coordinator_client.get(response["Location"], follow=True).content.decode()
    assert f"{app.reference}: On the waiting list." in page
    response = coordinator_client.post(f"/en/outreach/{call.pk}/selection/{app.reference}/rate/", {"rating": "4"})
    app.refresh_from_db()
    assert response.status_code == 302 and app.motivation_rating == 4 and app.score is not None


def test_fill_targets_from_the_screen_says_what_it_could_not_meet(
        call: Call, coordinator_client: Client, apply: Callable[..., Application]) -> None:
    for n in range(3):
        apply(n, sex="male", displacement_status="host_community")
    response = coordinator_client.post(f"/en/outreach/{call.pk}/selection/fill/", follow=True)
    html = response.content.decode()
    assert "3 applicants selected automatically." in html
    assert "Women and girls: 0 of the 6 needed. There are no more eligible applicants" in html
    assert Application.objects.filter(status=Application.Status.SELECTED).count() == 3


def test_list_pages_cost_the_same_queries_for_more_applications(
        call: Call, coordinator_client: Client, apply: Callable[..., Application]) -> None:
    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert coordinator_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [f"/en/outreach/{call.pk}/selection/", f"/en/outreach/{call.pk}/applications/", "/en/outreach/"]
    for n in range(3):
        apply(n)
    few = [count(u) for u in urls]
    for n in range(3, 15):
        apply(n, sex="male")
    assert [count(u) for u in urls] == few


def test_a_programme_manager_creates_edits_and_opens_a_call(member: Callable[..., User], programme: Programme,
                                                           world: dict[str, Any]) -> None:
    client = sign_in(Client(), member(Role.PROGRAMME_MANAGER))
    data = {"programme": programme.pk, "slug": "zaatari-2027", "opens_on": "2027-01-01", "closes_on": "2026-12-01",
            "places": "20", "min_age": "16", "max_age": "24", "weight_motivation": "4", "weight_test": "40",
            "title_en": "Zaatari digital skills", "title_ar": "المهارات الرقمية في الزعتري",
            "centres": [world["zaatari"].pk], "channels": ["flyer", "whatsapp"], "target_women": "70",
            "points_refugees": "15"}
    response = client.post("/en/outreach/new/", data)
    assert response.status_code == 400 and "The call cannot close before it opens." in response.content.decode()
    assert not Call.objects.exists()
    response = client.post("/en/outreach/new/", {**data, "closes_on": "2027-02-01"})
    call = Call.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/en/outreach/{call.pk}/"
    assert call.title == {"en": "Zaatari digital skills", "ar": "المهارات الرقمية في الزعتري"}
    assert (call.status, call.channels, call.vulnerability_points) == ("draft", ["flyer", "whatsapp"],
                                                                       {"refugees": 15})
    assert list(call.targets.values_list("group", "percent")) == [("women", 70)]
    assert list(call.centres.all()) == [world["zaatari"]]
    edit = client.get(f"/en/outreach/{call.pk}/edit/").content.decode()
    assert 'value="Zaatari digital skills"' in edit
    client.post(f"/en/outreach/{call.pk}/edit/", {**data, "closes_on": "2027-02-01", "places": "25",
                                                  "target_women": "", "target_refugees": "40"})
    call.refresh_from_db()
    assert call.places == 25 and list(call.targets.values_list("group", "percent")) == [("refugees", 40)]
    client.post(f"/en/outreach/{call.pk}/status/", {"to": "open"})
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN


def test_enrolling_from_the_page(call: Call, coordinator_client: Client, coordinator: Principal, cohort: Any,
                                 apply: Callable[..., Application]) -> None:
    a, b = apply(1), apply(2)
    for app in (a, b):
        services.select_application(actor=coordinator, application=app)
    page = coordinator_client.get(f"/en/outreach/{call.pk}/enrol/").content.decode()
    assert a.reference in page and "Irbid spring" in page
    nobody = coordinator_client.post(f"/en/outreach/{call.pk}/enrol/", {"cohort": cohort.pk})
    assert nobody.status_code == 400 and "Tick at least one person to enrol." in nobody.content.decode()
    response = coordinator_client.post(f"/en/outreach/{call.pk}/enrol/", {"cohort": cohort.pk,
                                                                          "application": [a.reference]})
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == Application.Status.ENROLLED and a.participant is not None
    assert b.status == Application.Status.SELECTED
