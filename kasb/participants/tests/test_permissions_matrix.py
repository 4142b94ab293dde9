"""Who may open which registry page and endpoint. The table below is the documentation.

Set-up (kasb/conftest.py `world`, ./conftest.py `people`): partner "Amal Youth" (Jordan) with the
Irbid and Zaatari centres, a client and an employer under it; partner "Tunis Hub" with one centre.
Coordinators and trainers work at the Irbid centre; the other staff roles at the partner; client and
employer members at their organisation. `home` is a participant registered at Irbid, `other` one at
the Tunis centre, and the participant role is a person registered at Irbid with their own sign-in.

Statuses: 200/201 allowed; 403 the role may never do this; 404 the record is outside the role's scope
(or, for "my record", the user is not a participant); 302 to the sign-in page; 401 from the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kasb.conftest import PASSWORD, sign_in
from kasb.core.permissions import Role
from kasb.orgs.services import issue_api_key
from kasb.participants.models import Participant, ProtectedAccess

# (column, method, path); {home} and {other} are participant references.
ENDPOINTS = [
    ("home", "GET", "/en/dashboard/"),
    ("list", "GET", "/en/participants/"),
    ("detail", "GET", "/en/participants/{home}/"),
    ("other", "GET", "/en/participants/{other}/"),
    ("register", "GET", "/en/participants/register/"),
    ("import", "GET", "/en/participants/import/"),
    ("template", "GET", "/en/participants/import/template.xlsx"),
    ("me", "GET", "/en/participants/me/"),
    ("api_list", "GET", "/api/v1/participants"),
    ("api_detail", "GET", "/api/v1/participants/{home}"),
    ("api_other", "GET", "/api/v1/participants/{other}"),
    ("api_create", "POST", "/api/v1/participants"),
]
ANONYMOUS = "anonymous"

EXPECTED: dict[str, tuple[int, ...]] = {
    #                        web pages                                              API
    #                        home list detail other register import template me     list detail other create
    Role.COORDINATOR:       (200, 200, 200,   404,  200,     200,   200,     404,   200, 200,   404,  201),
    Role.TRAINER:           (200, 200, 200,   404,  403,     403,   403,     404,   200, 200,   404,  403),
    Role.QA_REVIEWER:       (200, 403, 404,   404,  403,     403,   403,     404,   403, 403,   403,  403),
    Role.PROGRAMME_MANAGER: (200, 200, 200,   404,  200,     200,   200,     404,   200, 200,   404,  201),
    Role.FINANCE_OFFICER:   (200, 200, 200,   404,  403,     403,   403,     404,   200, 200,   404,  403),
    Role.ME_OFFICER:        (200, 200, 200,   404,  403,     403,   403,     404,   200, 200,   404,  403),
    Role.CLIENT_MEMBER:     (200, 403, 404,   404,  403,     403,   403,     404,   403, 403,   403,  403),
    Role.EMPLOYER_MEMBER:   (200, 403, 404,   404,  403,     403,   403,     404,   403, 403,   403,  403),
    Role.PARTICIPANT:       (200, 403, 404,   404,  403,     403,   403,     200,   200, 404,   404,  403),
    ANONYMOUS:              (302, 302, 302,   302,  302,     302,   302,     302,   401, 401,   401,  401),
}

# Roles shown the protected section (phone, date of birth, ...) of a participant they may open.
SEES_PROTECTED = {Role.COORDINATOR, Role.PROGRAMME_MANAGER}


def test_the_table_covers_every_role() -> None:
    assert set(EXPECTED) == {*Role.values, ANONYMOUS}
    assert all(len(row) == len(ENDPOINTS) for row in EXPECTED.values())


def new_participant_body(world: dict[str, Any]) -> dict[str, Any]:
    return {"given_name": "Rania", "family_name": "Odeh", "sex": "female", "date_of_birth": "2001-02-03",
            "nationality": "JO", "displacement_status": "host_community", "consent_registration": True,
            "centre_id": world["irbid"].pk, "phone": "+962795550000"}


def call(client: Client, method: str, path: str, world: dict[str, Any]) -> Any:
    if method == "POST":
        return client.post(path, new_participant_body(world), content_type="application/json")
    return client.get(path)


CASES = [(role, column, method, path, EXPECTED[role][i])
         for role in EXPECTED for i, (column, method, path) in enumerate(ENDPOINTS)]


@pytest.mark.parametrize(("role", "column", "method", "path", "expected"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_permission_matrix(role: str, column: str, method: str, path: str, expected: int,
                           client_for: Callable[[str | None], Client], people: dict[str, Participant],
                           world: dict[str, Any]) -> None:
    client = client_for(None if role == ANONYMOUS else role)
    url = path.format(home=people["home"].reference, other=people["other"].reference)
    before = Participant.objects.count()
    response = call(client, method, url, world)
    assert response.status_code == expected, response.content[:300]
    if expected == 302:
        assert response["Location"].startswith("/en/accounts/sign-in/?next=")
    if url.startswith("/api/") and expected >= 400:
        body = response.json()
        assert body["code"] and body["message"]
    if method == "POST":
        assert Participant.objects.count() == before + (1 if expected == 201 else 0)


# --- the protected section ---------------------------------------------------------------------------------

PHONE = "+962791234567"  # `home`'s phone number: protected


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TRAINER, Role.PROGRAMME_MANAGER, Role.FINANCE_OFFICER,
                                  Role.ME_OFFICER])
def test_protected_section_on_the_web_only_for_roles_allowed(
        role: str, client_for: Callable[[str | None], Client], people: dict[str, Participant]) -> None:
    home = people["home"]
    client = client_for(role)
    html = client.get(f"/en/participants/{home.reference}/").content.decode()
    assert home.full_name in html
    shown = role in SEES_PROTECTED
    assert ("Protected details" in html) is shown
    assert (PHONE in html) is shown
    assert ("945-00123456" in html) is shown
    logged = ProtectedAccess.objects.filter(participant=home, viewer__memberships__role=role)
    assert list(logged.values_list("screen", flat=True)) == (["participants:detail"] if shown else [])


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TRAINER, Role.PROGRAMME_MANAGER, Role.FINANCE_OFFICER,
                                  Role.ME_OFFICER])
def test_protected_fields_in_the_api_only_for_roles_allowed(
        role: str, client_for: Callable[[str | None], Client], people: dict[str, Participant]) -> None:
    home = people["home"]
    body = client_for(role).get(f"/api/v1/participants/{home.reference}").json()
    assert body["reference"] == home.reference
    if role in SEES_PROTECTED:
        assert body["protected"]["phone"] == PHONE
        assert body["protected"]["date_of_birth"] == "2003-05-14"
        assert body["protected"]["disability"] == {"seeing": 1, "walking": 3}
    else:
        assert body["protected"] is None
        assert PHONE not in str(body)
    logged = ProtectedAccess.objects.filter(participant=home, viewer__memberships__role=role)
    assert list(logged.values_list("screen", flat=True)) == (["api:participant"] if role in SEES_PROTECTED else [])


def test_the_list_never_shows_protected_fields(client_for: Callable[[str | None], Client],
                                               people: dict[str, Participant]) -> None:
    client = client_for(Role.COORDINATOR)
    html = client.get("/en/participants/").content.decode()
    assert people["home"].reference in html and PHONE not in html
    body = client.get("/api/v1/participants").json()
    assert body["count"] == 2 and "protected" not in body["items"][0] and PHONE not in str(body)
    assert not ProtectedAccess.objects.exists()


def test_a_participant_sees_their_own_protected_details_and_the_view_is_logged(
        client_for: Callable[[str | None], Client], people: dict[str, Participant]) -> None:
    me = people["self"]
    client = client_for(Role.PARTICIPANT)
    html = client.get("/en/participants/me/").content.decode()
    assert "Protected details" in html and "+962792220000" in html and "945-00999999" in html
    html = client.get(f"/en/participants/{me.reference}/").content.decode()
    assert "+962792220000" in html
    body = client.get(f"/api/v1/participants/{me.reference}").json()
    assert body["protected"]["phone"] == "+962792220000"
    listing = client.get("/api/v1/participants").json()
    assert [p["reference"] for p in listing["items"]] == [me.reference]
    assert list(ProtectedAccess.objects.filter(participant=me, viewer=me.user).order_by("at", "pk")
                .values_list("screen", flat=True)) == ["participants:me", "participants:detail", "api:participant"]


def test_each_view_of_protected_details_is_one_more_log_row(client_for: Callable[[str | None], Client],
                                                            people: dict[str, Participant]) -> None:
    client = client_for(Role.COORDINATOR)
    for _view in range(3):
        client.get(f"/en/participants/{people['home'].reference}/")
    rows = ProtectedAccess.objects.filter(participant=people["home"])
    assert rows.count() == 3
    assert set(rows.values_list("viewer__memberships__role", flat=True)) == {Role.COORDINATOR}


# --- a client's API key -----------------------------------------------------------------------------------

@pytest.fixture
def client_key(root: Any, world: dict[str, Any]) -> str:
    _key, plaintext = issue_api_key(actor=root, organisation=world["client"], name="Data Co scripts")
    return plaintext


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/participants"),
    ("GET", "/api/v1/participants?centre_id={centre}"),
    ("GET", "/api/v1/participants/{home}"),
    ("GET", "/api/v1/participants/{other}"),
    ("GET", "/api/v1/participants/PNOSUCH00"),
    ("POST", "/api/v1/participants"),
])
def test_a_client_api_key_gets_nothing_from_the_registry(method: str, path: str, client_key: str,
                                                         people: dict[str, Participant],
                                                         world: dict[str, Any]) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {client_key}")
    url = path.format(home=people["home"].reference, other=people["other"].reference, centre=world["irbid"].pk)
    before = Participant.objects.count()
    response = call(client, method, url, world)
    assert response.status_code in (403, 404)
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"code", "message"} and body["message"]
    assert "items" not in body and "reference" not in body
    assert Participant.objects.count() == before
    assert not ProtectedAccess.objects.exists()


def test_the_same_api_key_still_works_where_it_is_allowed(client_key: str, world: dict[str, Any]) -> None:
    """So the refusals above are about the registry, not a broken key."""
    response = Client(HTTP_AUTHORIZATION=f"Bearer {client_key}").get("/api/v1/organisations")
    assert response.status_code == 200
    assert [o["name"] for o in response.json()["items"]] == ["Data Co"]


def test_a_revoked_or_made_up_key_is_401(root: Any, world: dict[str, Any]) -> None:
    from kasb.orgs.services import revoke_api_key

    key, plaintext = issue_api_key(actor=root, organisation=world["client"], name="old")
    revoke_api_key(actor=root, key=key)
    for token in (plaintext, "kasb_00000000_madeup", "nonsense"):
        response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/participants")
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


def test_an_me_officer_at_a_donor_sees_nothing_of_the_registry(world: dict[str, Any], root: Any,
                                                               people: dict[str, Participant]) -> None:
    from kasb.orgs.services import add_member, create_organisation

    donor = create_organisation(actor=root, kind="donor", name="Fund", country="JO", parent=world["partner"])
    officer = add_member(actor=root, organisation=donor, role=Role.ME_OFFICER, full_name="Donor officer",
                         email="donor@kasb.test").user
    officer.set_password(PASSWORD)
    officer.save()
    client = sign_in(Client(), officer)
    assert client.get("/en/participants/").status_code == 403
    assert client.get(f"/en/participants/{people['home'].reference}/").status_code == 404
    assert client.get("/api/v1/participants").status_code == 403
    assert client.get("/en/organisations/").status_code == 200
