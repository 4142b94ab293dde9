"""The registry's desk pages: registering at the desk, searching the list, following an import."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kasb.accounts.models import User
from kasb.conftest import registration, sign_in
from kasb.core.permissions import Principal
from kasb.participants.models import Consent, ImportJob, Participant, ProtectedAccess
from kasb.participants.services import link_login, register_participant, start_import


@pytest.fixture
def desk(coordinator_user: User) -> Client:
    return sign_in(Client(), coordinator_user)


def form(world: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    data = {"given_name": "Rania", "family_name": "Odeh", "sex": "female", "date_of_birth": "2001-02-03",
            "nationality": "SY", "displacement_status": "refugee", "phone": "+962 79 555 0000",
            "centre": world["irbid"].pk, "consent_registration": "on", "consent_contact": "on",
            "disability_seeing": "1", "disability_hearing": "3", "languages": ["ar", "en"]}
    data.update(overrides)
    return data


def test_register_at_the_desk(desk: Client, world: dict[str, Any], coordinator_user: User) -> None:
    response = desk.post("/en/participants/register/", form(world))
    person = Participant.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/en/participants/{person.reference}/"
    page = desk.get(response["Location"]).content.decode()
    assert f"Rania Odeh is registered with reference {person.reference}." in page
    assert "+962795550000" in page and "Protected details" in page
    assert f'href="/en/careers/manage/participants/{person.pk}/"' in page  # a coordinator serves careers too
    assert person.registered_by == coordinator_user and person.centre == world["irbid"]
    assert person.area is not None and person.area.code == "JO-IR"
    assert person.disability == {"seeing": 1, "hearing": 3} and person.languages == ["ar", "en"]
    assert set(Consent.objects.values_list("purpose", flat=True)) == {"registration", "contact"}
    assert ProtectedAccess.objects.filter(participant=person, viewer=coordinator_user).count() == 1


def test_bad_answers_are_shown_beside_their_fields_and_nothing_is_saved(desk: Client,
                                                                         world: dict[str, Any]) -> None:
    response = desk.post("/en/participants/register/", form(
        world, phone="12", date_of_birth="2024-01-01", consent_registration=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_phone_errors"' in html and "“12” is not a valid phone number" in html
    assert 'id="id_date_of_birth_errors"' in html and "Participants must be at least 10 years old." in html
    assert "must consent to registration" in html
    assert 'value="Rania"' in html  # what was typed is kept
    assert Participant.objects.count() == 0


def test_age_and_languages_read_naturally_in_russian(desk: Client, world: dict[str, Any]) -> None:
    """Numbers take the noun form they need, and language codes are shown as names in the user's language."""
    today = timezone.localdate()
    one_year_old = today.replace(year=today.year - 1) - timedelta(days=1)
    html = desk.post("/ru/participants/register/", form(world, date_of_birth=one_year_old.isoformat())
                     ).content.decode()
    assert "Участникам должно быть не менее 10 лет." in html and "возраст — 1 год." in html
    response = desk.post("/ru/participants/register/", form(world, languages=["ar", "en"]))
    page = desk.get(response["Location"]).content.decode()
    assert "<bdi>Арабский, Английский</bdi>" in page and "ar, en" not in page
    dashboard = desk.get("/ru/dashboard/").content.decode()
    assert "участник зарегистрирован" in dashboard


def test_a_possible_duplicate_asks_for_confirmation(desk: Client, world: dict[str, Any],
                                                    coordinator: Principal) -> None:
    known = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        centre=world["irbid"], phone="+962795550000"))
    response = desk.post("/en/participants/register/", form(world))
    assert response.status_code == 400
    html = response.content.decode()
    assert known.reference in html and "I have checked: this is a different person" in html
    assert Participant.objects.count() == 1
    response = desk.post("/en/participants/register/", form(world, confirm_duplicate="on"))
    assert response.status_code == 302
    assert Participant.objects.count() == 2


def test_a_coordinator_cannot_pick_another_centre(desk: Client, world: dict[str, Any]) -> None:
    response = desk.post("/en/participants/register/", form(world, centre=world["zaatari"].pk))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Participant.objects.count() == 0


def test_search_the_list(desk: Client, world: dict[str, Any], coordinator: Principal) -> None:
    amal = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        centre=world["irbid"]))
    register_participant(actor=coordinator, partner=world["partner"], data=registration(
        centre=world["irbid"], given_name="Omar", family_name="Khalil", sex="male", phone="+962795550001"))
    html = desk.get("/en/participants/").content.decode()
    assert "2 participants" in html and "Amal Haddad" in html and "Omar Khalil" in html
    html = desk.get("/en/participants/", {"q": "omar"}).content.decode()
    assert "1 participant" in html and "Omar Khalil" in html and "Amal Haddad" not in html
    html = desk.get("/en/participants/", {"sex": "female"}).content.decode()
    assert "Amal Haddad" in html and "Omar Khalil" not in html
    html = desk.get("/en/participants/", {"q": amal.reference}).content.decode()
    assert "Amal Haddad" in html and "Omar Khalil" not in html
    html = desk.get("/en/participants/", {"q": "nobody"}).content.decode()
    assert "No participants match." in html


def test_the_import_page_polls_a_small_fragment_until_done(desk: Client, world: dict[str, Any],
                                                           coordinator: Principal) -> None:
    job = start_import(actor=coordinator, partner=world["partner"], centre=world["irbid"], name="people.csv",
                       content=b"given_name\n")
    full = desk.get(f"/en/participants/import/{job.pk}/")
    assert b"<html" in full.content and b'hx-trigger="every 1s"' in full.content
    fragment = desk.get(f"/en/participants/import/{job.pk}/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content and b'id="progress"' in fragment.content
    assert ImportJob.objects.get().status == ImportJob.Status.QUEUED


def test_a_participant_withdraws_and_gives_back_a_consent_on_their_own_record(
        participant_user: User, client: Client, coordinator: Principal, world: dict[str, Any]) -> None:
    participant = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        centre=world["irbid"], consent_contact=True))
    link_login(actor=coordinator, participant=participant, user=participant_user)
    sign_in(client, participant_user)
    page = client.get(reverse("participants:me"))
    assert page.status_code == 200 and "Withdraw" in page.content.decode()
    contact = Consent.objects.get(participant=participant, purpose="contact", withdrawn_at__isnull=True)
    done = client.post(reverse("participants:my_consent", args=["contact"]), {"action": "withdraw"}, follow=True)
    assert "You have withdrawn your consent: Being contacted about the programme." in done.content.decode()
    contact.refresh_from_db()
    assert contact.withdrawn_at is not None and contact.withdrawn_by_id == participant_user.pk
    assert "Consents you have not given" in done.content.decode()
    again = client.post(reverse("participants:my_consent", args=["contact"]), {"action": "give"}, follow=True)
    assert "your consent is recorded" in again.content.decode()
    assert Consent.objects.filter(participant=participant, purpose="contact", withdrawn_at__isnull=True).count() == 1
    # Registration consent is withdrawn at the centre, not online; nothing changes.
    kept = client.post(reverse("participants:my_consent", args=["registration"]), {"action": "withdraw"},
                       follow=True)
    assert "ask your centre" in kept.content.decode()
    assert Consent.objects.filter(participant=participant, purpose="registration", withdrawn_at__isnull=True).exists()
    assert client.post(reverse("participants:my_consent", args=["nonsense"]), {"action": "give"}).status_code == 404
