"""/api/v1: the OpenAPI spec, creating and listing participants, and clear 4xx errors (never 500)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kasb.accounts.models import User
from kasb.conftest import registration, sign_in
from kasb.core.permissions import Principal, Role
from kasb.participants.models import Consent, Participant, ProtectedAccess
from kasb.participants.services import register_participant

URL = "/api/v1/participants"


@pytest.fixture
def api(coordinator_user: User) -> Client:
    """A coordinator's browser session that has passed two-step sign-in."""
    return sign_in(Client(), coordinator_user)


def body(world: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": "Rania", "family_name": "Odeh", "sex": "female", "date_of_birth": "2001-02-03",
        "nationality": "SY", "displacement_status": "refugee", "consent_registration": True,
        "centre_id": world["irbid"].pk, "phone": "+962 79 555 0000", "id_kind": "unhcr", "id_number": "945-1",
        "disability": {"seeing": 1, "hearing": 4}, "languages": ["ar", "en"], "consent_monitoring": True,
    }
    data.update(overrides)
    return data


def post(client: Client, data: Any) -> Any:
    return client.post(URL, data, content_type="application/json")


# --- the spec -----------------------------------------------------------------------------------------------

def test_openapi_spec_is_valid_json_with_the_participant_paths(db: Any) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.content)
    assert spec["openapi"].startswith("3.")
    assert {"get", "post"} <= set(spec["paths"][URL])
    assert "get" in spec["paths"][URL + "/{reference}"]
    schemas = spec["components"]["schemas"]
    assert {"given_name", "sex", "date_of_birth", "consent_registration"} <= set(schemas["ParticipantIn"]["required"])
    # The protected fields are documented only on the detail response.
    assert "protected" in schemas["ParticipantDetailOut"]["properties"]
    assert "phone" not in schemas["ParticipantOut"]["properties"]
    filters = {p["name"] for p in spec["paths"][URL]["get"]["parameters"]}
    assert {"sex", "centre_id", "area", "q", "limit", "offset"} <= filters


def test_docs_page_answers(db: Any) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


# --- creating -----------------------------------------------------------------------------------------------

def test_create_participant_with_a_staff_session(api: Client, world: dict[str, Any], coordinator_user: User) -> None:
    response = post(api, body(world))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["reference"].startswith("P") and data["centre_id"] == world["irbid"].pk
    assert data["partner_id"] == world["partner"].pk
    assert data["area"] == "JO-IR"  # the centre's governorate, since none was given
    assert data["protected"] == {
        "date_of_birth": "2001-02-03", "nationality": "SY", "displacement_status": "refugee",
        "disability": {"seeing": 1, "hearing": 4}, "phone": "+962795550000", "id_kind": "unhcr",
        "id_number": "945-1", "gender_identity": None}
    person = Participant.objects.get(reference=data["reference"])
    assert person.registered_by == coordinator_user
    assert set(Consent.objects.filter(participant=person).values_list("purpose", flat=True)) == {
        "registration", "monitoring"}
    assert ProtectedAccess.objects.filter(participant=person, screen="api:participant_created").count() == 1


def test_bad_values_give_422_naming_each_field(api: Client, world: dict[str, Any]) -> None:
    response = post(api, body(world, phone="12", nationality="ZZ"))
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "validation_failed" and data["message"]
    assert set(data["details"]) == {"phone", "nationality"}
    assert "ZZ" in data["details"]["nationality"]
    assert Participant.objects.count() == 0


def test_schema_errors_give_422_naming_each_field(api: Client, world: dict[str, Any]) -> None:
    data = body(world, sex="x", date_of_birth="yesterday", consent_registration="perhaps")
    del data["given_name"]
    response = post(api, data)
    assert response.status_code == 422
    out = response.json()
    assert out["code"] == "validation_failed" and out["message"]
    assert set(out["details"]) == {"given_name", "sex", "date_of_birth", "consent_registration"}


def test_consent_false_is_refused(api: Client, world: dict[str, Any]) -> None:
    response = post(api, body(world, consent_registration=False))
    assert response.status_code == 422
    assert set(response.json()["details"]) == {"consent_registration"}


def test_unknown_centre_is_404_and_another_partners_centre_is_403(api: Client, world: dict[str, Any]) -> None:
    response = post(api, body(world, centre_id=999999))
    assert response.status_code == 404 and response.json()["field"] == "centre_id"
    response = post(api, body(world, centre_id=world["other_centre"].pk))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    response = post(api, body(world, centre_id=world["zaatari"].pk))  # their partner, not their centre
    assert response.status_code == 403
    assert Participant.objects.count() == 0


def test_duplicate_is_409_until_confirmed(api: Client, world: dict[str, Any]) -> None:
    first = post(api, body(world)).json()
    response = post(api, body(world, given_name="Other", family_name="Name"))  # same phone
    assert response.status_code == 409
    data = response.json()
    assert data["code"] == "possible_duplicate"
    assert data["details"]["references"] == [first["reference"]]
    assert first["reference"] in data["message"]
    assert Participant.objects.count() == 1
    response = post(api, body(world, given_name="Other", family_name="Name", allow_duplicate=True))
    assert response.status_code == 201
    assert Participant.objects.count() == 2


def test_unauthenticated_is_401_json(db: Any, world: dict[str, Any]) -> None:
    for response in (Client().get(URL), post(Client(), body(world)), Client().get(URL + "/P23456789")):
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated" and response.json()["message"]
    assert Participant.objects.count() == 0


def test_session_writes_need_the_csrf_token(api: Client, world: dict[str, Any]) -> None:
    """A page on another site cannot make a signed-in coordinator's browser register someone."""
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = api.cookies
    response = post(strict, body(world))
    assert response.status_code == 403
    assert response.json()["code"] and response.json()["message"]
    assert Participant.objects.count() == 0


# --- listing ------------------------------------------------------------------------------------------------

@pytest.fixture
def registry(world: dict[str, Any], coordinator: Principal, root: Principal) -> dict[str, Participant]:
    made = {}
    for key, centre, sex, area, phone in (("irbid_f", "irbid", "female", None, "+962790000001"),
                                          ("irbid_m", "irbid", "male", "JO-AM", "+962790000002"),
                                          ("zaatari_f", "zaatari", "female", None, "+962790000003"),
                                          ("zaatari_m", "zaatari", "male", None, "+962790000004")):
        actor = coordinator if centre == "irbid" else root
        made[key] = register_participant(actor=actor, partner=world["partner"], data=registration(
            centre=world[centre], given_name=key, sex=sex, area=area or "", phone=phone, neet=key.endswith("f")))
    made["tunis"] = register_participant(actor=root, partner=world["other"], data=registration(
        centre=world["other_centre"], given_name="tunis", phone="+21620123456"))
    return made


def refs(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {p["given_name"] for p in response.json()["items"]}


def test_list_filters(registry: dict[str, Participant], member: Callable[..., User],
                      world: dict[str, Any]) -> None:
    manager = sign_in(Client(), member(Role.PROGRAMME_MANAGER))
    assert refs(manager.get(URL)) == {"irbid_f", "irbid_m", "zaatari_f", "zaatari_m"}
    assert manager.get(URL).json()["count"] == 4
    assert refs(manager.get(URL, {"sex": "female"})) == {"irbid_f", "zaatari_f"}
    assert refs(manager.get(URL, {"centre_id": world["zaatari"].pk})) == {"zaatari_f", "zaatari_m"}
    assert refs(manager.get(URL, {"area": "jo-ir"})) == {"irbid_f"}
    assert refs(manager.get(URL, {"area": "JO-AM"})) == {"irbid_m"}
    assert refs(manager.get(URL, {"area": "JO-MA", "sex": "male"})) == {"zaatari_m"}
    assert refs(manager.get(URL, {"neet": "true"})) == {"irbid_f", "zaatari_f"}
    assert refs(manager.get(URL, {"q": "zaatari"})) == {"zaatari_f", "zaatari_m"}
    assert refs(manager.get(URL, {"q": registry["irbid_m"].reference})) == {"irbid_m"}
    # Another partner's centre is not a way in.
    assert refs(manager.get(URL, {"centre_id": world["other_centre"].pk})) == set()
    assert refs(manager.get(URL, {"limit": 1, "offset": 1})) <= {"irbid_f", "irbid_m", "zaatari_f", "zaatari_m"}
    assert len(manager.get(URL, {"limit": 1}).json()["items"]) == 1


def test_a_coordinator_lists_only_their_centre(registry: dict[str, Participant], api: Client) -> None:
    assert refs(api.get(URL)) == {"irbid_f", "irbid_m"}


def test_bad_filters_are_422(registry: dict[str, Participant], api: Client) -> None:
    for params in ({"sex": "x"}, {"centre_id": "irbid"}, {"registered_from": "last week"}):
        response = api.get(URL, params)
        assert response.status_code == 422
        assert response.json()["code"] == "validation_failed"
        assert set(response.json()["details"]) == set(params)


def test_null_characters_are_a_4xx_not_a_crash(registry: dict[str, Participant], api: Client,
                                               world: dict[str, Any]) -> None:
    """PostgreSQL refuses NUL in text; a request carrying one must still get an answer."""
    assert api.get(URL, {"q": "a\x00b"}).status_code < 500
    assert api.get(URL, {"area": "JO\x00"}).status_code < 500
    assert api.get(URL + "/P%00").status_code == 422
    assert api.get("/en/participants/P%00/").status_code == 404
    response = post(api, body(world, given_name="Ra\x00nia", admin2="x\x00", languages=["a\x00r"]))
    assert response.status_code < 500


# --- fuzz -----------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
FIELDS = ["given_name", "family_name", "sex", "date_of_birth", "nationality", "displacement_status",
          "consent_registration", "centre_id", "partner_id", "phone", "email", "id_kind", "id_number", "area",
          "languages", "disability", "neet", "allow_duplicate"]
near_valid = st.fixed_dictionaries({}, optional={name: json_values for name in FIELDS})


@pytest.mark.django_db
@hypothesis_settings(max_examples=50, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=st.one_of(near_valid.map(json.dumps), json_values.map(json.dumps), st.text(max_size=60),
                         st.binary(max_size=60)))
def test_random_bodies_never_cause_a_500(api: Client, world: dict[str, Any], payload: Any) -> None:
    response = api.post(URL, payload, content_type="application/json")
    assert response.status_code < 500, (payload, response.content[:300])
    if response.status_code >= 400:
        assert response.json()["code"]


@pytest.mark.django_db
@hypothesis_settings(max_examples=50, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=3))
def test_valid_bodies_with_random_changes_never_cause_a_500(api: Client, world: dict[str, Any],
                                                            changes: dict[str, Any]) -> None:
    response = post(api, {**body(world), **changes, "allow_duplicate": True})
    assert response.status_code < 500, (changes, response.content[:300])


@pytest.mark.parametrize("token", ["kasb_\x00\x00_x", "kasb_ab\x00cd_x", "kasb__", "kasb_é_é", "Bearer", ""])
def test_odd_api_keys_are_401_not_a_crash(db: Any, token: str) -> None:
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
