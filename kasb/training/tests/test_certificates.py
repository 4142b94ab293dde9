"""Completion and certificates: the rule refuses with reasons, then completes once; the certificate proves
the course's skills until it is revoked; the PDF and the Open Badges credential; the staff pages."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from functools import partial
from typing import Any

import pypdf
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kasb.accounts.models import User
from kasb.conftest import sign_in
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.permissions import Principal, Role
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Participant
from kasb.skills.models import VerifiedSkill
from kasb.training.models import Certificate, Cohort, Enrolment, EnrolmentChange
from kasb.training.services.certificates import (
    EVIDENCE_TYPE,
    certificate_pdf,
    complete_enrolment,
    completion_status,
    open_badge,
    revoke_certificate,
)

from .fixtures_certificates import *  # noqa: F403  (fixtures)
from .fixtures_certificates import S, attend, grade, postgres_only, race

BASE = "https://kasb.example.org"


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def skills_of(person: Participant) -> dict[str, VerifiedSkill]:
    return {v.skill.code: v for v in VerifiedSkill.objects.filter(participant=person).select_related("skill")}


# --- the completion rule -------------------------------------------------------------------------

def test_completion_is_refused_with_reasons_then_accepted(
        coordinator: Principal, make_learner: Callable[..., Participant], enrol: Callable[..., Enrolment]) -> None:
    person = make_learner()
    enrolment = enrol(participant=person)
    attend(enrolment, 2)      # 2 of 4 held sessions: 50%, the course needs 75%
    grade(enrolment, 1, 40)   # below the pass mark of 50%; module 2 not assessed yet

    status = completion_status(enrolment)
    assert (status.sessions_held, status.sessions_present, status.attendance_percent) == (4, 2, 50)
    assert status.modules_passed == 0 and len(status.modules) == 2 and not status.meets_rule
    assert status.reasons == (
        "Attended 2 of 4 sessions (50%); the course needs 75%.",
        "“Computer basics”: 40 out of 100, below the pass mark of 50%.",
        "“Spreadsheets” has not been assessed yet.",
    )
    with pytest.raises(Conflict) as refused:
        complete_enrolment(actor=coordinator, enrolment=enrolment)
    assert refused.value.code == "completion_rule_not_met"
    assert refused.value.details == {"reasons": list(status.reasons)}
    assert "Attended 2 of 4 sessions" in refused.value.message
    enrolment.refresh_from_db()
    assert enrolment.status == S.ACTIVE and not Certificate.objects.exists() and not skills_of(person)

    attend(enrolment, 3)
    grade(enrolment, 1, 50)
    grade(enrolment, 2, 80)
    status = completion_status(enrolment)
    assert status.meets_rule and status.attendance_percent == 75 and status.modules_passed == 2
    certificate = complete_enrolment(actor=coordinator, enrolment=enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == S.COMPLETED
    assert certificate.holder_name == "Amal Haddad"
    assert certificate.course_title["en"] == "Basic digital skills"
    assert certificate.issued_by == coordinator.user
    change = EnrolmentChange.objects.filter(enrolment=enrolment, to_status=S.COMPLETED).get()
    assert change.reason == "Attended 3 of 4 sessions (75%, 75% needed); passed 2 of 2 assessed modules."


def test_sessions_yet_to_come_do_not_count_and_an_offer_cannot_complete(
        make_learner: Callable[..., Participant], coordinator: Principal, cohort: Cohort) -> None:
    from kasb.training.services.enrolment import offer_place

    offered = offer_place(actor=coordinator, cohort=cohort, participant=make_learner())
    assert completion_status(offered).sessions_held == 0  # no roster taken yet: nobody's absence
    classmate = offer_place(actor=coordinator, cohort=cohort, participant=make_learner(given_name="Noor"))
    attend(classmate, 4)  # rosters of the four past sessions
    status = completion_status(offered)
    assert status.sessions_held == 4  # the fifth session is next week
    assert status.reasons[0] == "Only an active enrolment can be completed; this one is “Offered”."


def test_a_course_without_assessments_needed_completes_on_attendance(
        coordinator: Principal, make_learner: Callable[..., Participant], enrol: Callable[..., Enrolment],
        cohort: Cohort) -> None:
    cohort.course.requires_assessments = False
    cohort.course.save()
    enrolment = enrol(participant=make_learner())
    attend(enrolment, 4)
    assert completion_status(enrolment).meets_rule
    assert complete_enrolment(actor=coordinator, enrolment=enrolment).code


def test_the_certificate_is_issued_once_and_proves_the_course_skills(
        coordinator: Principal, ready: Enrolment) -> None:
    first = complete_enrolment(actor=coordinator, enrolment=ready)
    again = complete_enrolment(actor=coordinator, enrolment=ready)  # a double tap, a retry
    assert again.pk == first.pk and Certificate.objects.count() == 1
    assert EnrolmentChange.objects.filter(enrolment=ready, to_status=S.COMPLETED).count() == 1

    assert ready.participant is not None
    skills = skills_of(ready.participant)
    assert set(skills) == {"computer-basics", "spreadsheets"}
    assert skills["spreadsheets"].level == 2 and skills["computer-basics"].level == 1
    for verified in skills.values():
        assert (verified.evidence, verified.evidence_type, verified.evidence_id) == ("course", EVIDENCE_TYPE,
                                                                                     first.code)
        assert verified.revoked_at is None
    assert VerifiedSkill.objects.count() == 2  # the retry verified nothing twice


def test_only_people_who_issue_certificates_in_the_cohort_may_complete(
        ready: Enrolment, trainer_user: User, member: Callable[..., User]) -> None:
    trainer = principal_for_user(trainer_user)  # takes attendance, does not issue certificates
    with pytest.raises(PermissionDenied):
        complete_enrolment(actor=trainer, enrolment=ready)
    elsewhere = principal_for_user(member(Role.COORDINATOR, "zaatari"))  # another centre's coordinator
    with pytest.raises(PermissionDenied):
        complete_enrolment(actor=elsewhere, enrolment=ready)
    assert not Certificate.objects.exists()


# --- revocation ----------------------------------------------------------------------------------

def test_revocation_needs_a_programme_manager_and_a_reason_and_withdraws_the_skills(
        coordinator: Principal, manager: Principal, ready: Enrolment) -> None:
    certificate = complete_enrolment(actor=coordinator, enrolment=ready)
    with pytest.raises(PermissionDenied):  # a centre coordinator issues, but does not revoke
        revoke_certificate(actor=coordinator, certificate=certificate, reason="Attendance sheets were forged")
    with pytest.raises(ValidationFailed) as no_reason:
        revoke_certificate(actor=manager, certificate=certificate, reason="   ")
    assert no_reason.value.field == "reason"

    revoked = revoke_certificate(actor=manager, certificate=certificate, reason="Attendance sheets were forged")
    assert revoked.revoked_at is not None and revoked.revoked_by == manager.user
    assert revoked.revoked_reason == "Attendance sheets were forged"
    assert ready.participant is not None
    assert all(v.revoked_at is not None for v in skills_of(ready.participant).values())
    assert "Attendance sheets were forged" in skills_of(ready.participant)["spreadsheets"].revoked_reason

    again = revoke_certificate(actor=manager, certificate=certificate, reason="Another reason")
    assert again.revoked_at == revoked.revoked_at and again.revoked_reason == "Attendance sheets were forged"
    # Completing again does not issue a fresh certificate over the revoked one.
    assert complete_enrolment(actor=coordinator, enrolment=ready).pk == certificate.pk


# --- the Open Badges 3.0 credential --------------------------------------------------------------

def test_the_badge_is_an_open_badges_3_credential_without_private_data(
        coordinator: Principal, manager: Principal, ready: Enrolment) -> None:
    certificate = complete_enrolment(actor=coordinator, enrolment=ready)
    badge = open_badge(certificate, BASE)
    assert badge["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["id"] == f"{BASE}/en/verify/{certificate.code}/"
    assert badge["issuer"]["type"] == ["Profile"] and badge["issuer"]["name"] == "Amal Youth"
    assert badge["issuer"]["id"].startswith("urn:uuid:") and badge["issuer"]["url"] == f"{BASE}/"
    assert badge["validFrom"].endswith("Z") and badge["name"] == "Basic digital skills"
    subject = badge["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                                      "identityHash": "Amal Haddad"}]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["name"] == "Basic digital skills"
    assert achievement["id"].startswith("urn:uuid:") and achievement["description"]
    assert achievement["criteria"]["narrative"] == (
        "Attend at least 75% of the sessions held and pass every assessed module.")
    assert set(achievement["tag"]) == {"Using a computer", "Spreadsheets"}
    assert badge["credentialStatus"] == {"id": f"{BASE}/en/verify/{certificate.code}/status.json",
                                         "type": "1EdTechRevocationList"}
    assert "validUntil" not in badge

    text = json.dumps(badge, ensure_ascii=False)
    person = ready.participant
    assert person is not None
    for private in (person.phone, person.reference, "2003-05-14", "Irbid", "refugee"):
        assert private not in text

    revoke_certificate(actor=manager, certificate=certificate, reason="Forged attendance")
    certificate.refresh_from_db()
    revoked = open_badge(certificate, BASE)
    assert revoked["validUntil"].endswith("Z") and "no longer valid" in revoked["description"]
    assert "Forged" not in json.dumps(revoked)


# --- the PDF -------------------------------------------------------------------------------------

def test_the_pdf_names_the_holder_course_hours_centre_skills_and_code(
        coordinator: Principal, ready: Enrolment) -> None:
    certificate = complete_enrolment(actor=coordinator, enrolment=ready)
    pdf = certificate_pdf(certificate, base_url=BASE, language="en")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape A4
    text = " ".join(pdf_text(pdf).split())
    assert "This certifies that" in text and "Amal Haddad" in text
    assert "Basic digital skills (40 hours) at Irbid Centre on" in text
    assert "Using a computer" in text and "Spreadsheets" in text
    assert certificate.code in text and "Amal Youth" in text
    assert len(reader.pages) == 1


def test_an_arabic_name_survives_in_an_arabic_right_to_left_pdf(
        coordinator: Principal, make_learner: Callable[..., Participant], enrol: Callable[..., Enrolment]) -> None:
    person = make_learner(given_name="أميرة", family_name="حداد", login_language="ar")
    enrolment = enrol(participant=person)
    attend(enrolment, 4)
    grade(enrolment, 1, 90)
    grade(enrolment, 2, 90)
    certificate = complete_enrolment(actor=coordinator, enrolment=enrolment)
    assert certificate.holder_name == "أميرة حداد"

    client = sign_in(Client(), person.user)  # type: ignore[arg-type]
    response = client.get(f"/en/training/certificates/{certificate.code}/certificate.pdf")  # asked in English…
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    # …printed in her account's language: her name in Arabic script, the Arabic course title, an Arabic date.
    assert "أميرة حداد" in text and "المهارات الرقمية الأساسية" in text
    assert any(month in text for month in ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس",
                                           "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"))
    assert certificate.code in text and f"/ar/verify/{certificate.code}/" in text
    english = client.get(f"/en/training/certificates/{certificate.code}/certificate.pdf?language=en")
    assert "This certifies that" in " ".join(pdf_text(english.content).split())


def test_a_revoked_certificate_is_not_printed(coordinator: Principal, manager: Principal, ready: Enrolment) -> None:
    certificate = complete_enrolment(actor=coordinator, enrolment=ready)
    revoke_certificate(actor=manager, certificate=certificate, reason="Issued in error")
    certificate.refresh_from_db()
    with pytest.raises(Conflict):
        certificate_pdf(certificate, base_url=BASE, language="en")


# --- pages ---------------------------------------------------------------------------------------

def test_my_certificates_lists_pdf_and_badge_downloads_for_the_holder_only(
        coordinator: Principal, make_learner: Callable[..., Participant], enrol: Callable[..., Enrolment]) -> None:
    holder = make_learner(login_language="en")
    other = make_learner(given_name="Rana", family_name="Odeh", login_language="en")
    enrolment = enrol(participant=holder)
    attend(enrolment, 4)
    grade(enrolment, 1, 90)
    grade(enrolment, 2, 90)
    certificate = complete_enrolment(actor=coordinator, enrolment=enrolment)

    client = sign_in(Client(), holder.user)  # type: ignore[arg-type]
    page = client.get("/en/training/certificates/")
    html = page.content.decode()
    assert page.status_code == 200 and "Basic digital skills" in html and certificate.code in html
    assert f"/en/training/certificates/{certificate.code}/certificate.pdf" in html
    badge = client.get(f"/en/training/certificates/{certificate.code}/badge.json")
    assert badge.status_code == 200 and "attachment" in badge["Content-Disposition"]
    assert json.loads(badge.content)["credentialSubject"]["identifier"][0]["identityHash"] == "Amal Haddad"

    stranger = sign_in(Client(), other.user)  # type: ignore[arg-type]
    assert certificate.code not in stranger.get("/en/training/certificates/").content.decode()
    assert stranger.get(f"/en/training/certificates/{certificate.code}/certificate.pdf").status_code == 404
    assert stranger.get(f"/en/training/certificates/{certificate.code}/badge.json").status_code == 404


def test_training_of_trainers_certificates_show_on_the_staff_members_page(
        coordinator: Principal, enrol: Callable[..., Enrolment], trainer_user: User) -> None:
    enrolment = enrol(staff=trainer_user)
    attend(enrolment, 4)
    grade(enrolment, 1, 90)
    grade(enrolment, 2, 90)
    certificate = complete_enrolment(actor=coordinator, enrolment=enrolment)
    assert certificate.holder_name == trainer_user.full_name
    assert not VerifiedSkill.objects.exists()  # no participant record to hold verified skills

    client = sign_in(Client(), trainer_user)
    html = client.get("/en/training/certificates/").content.decode()
    assert certificate.code in html and "Basic digital skills" in html
    assert client.get(f"/en/training/certificates/{certificate.code}/certificate.pdf").status_code == 200


def test_the_completion_page_shows_reasons_and_completes_with_and_without_htmx(
        coordinator_user: User, cohort: Cohort, ready: Enrolment, make_learner: Callable[..., Participant],
        enrol: Callable[..., Enrolment]) -> None:
    behind = enrol(participant=make_learner(given_name="Huda", family_name="Nasser"))
    attend(behind, 1)
    client = sign_in(Client(), coordinator_user)
    page = client.get(f"/en/training/certificates/cohorts/{cohort.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Attended 1 of 4 sessions (25%); the course needs 75%." in html
    assert f"/en/training/certificates/enrolments/{ready.pk}/complete/" in html
    assert f"/en/training/certificates/enrolments/{behind.pk}/complete/" not in html  # no button: rule not met

    done = client.post(f"/en/training/certificates/enrolments/{ready.pk}/complete/")
    assert done.status_code == 302
    certificate = Certificate.objects.get(enrolment=ready)
    assert certificate.code in client.get(done["Location"]).content.decode()

    refused = client.post(f"/en/training/certificates/enrolments/{behind.pk}/complete/", HTTP_HX_REQUEST="true")
    row = refused.content.decode()
    assert refused.status_code == 200 and row.lstrip().startswith(f'<tr id="enrolment-{behind.pk}"')
    assert "cannot complete yet" in row and "<html" not in row
    assert not Certificate.objects.filter(enrolment=behind).exists()


def test_a_programme_manager_revokes_from_the_certificate_page(
        coordinator: Principal, ready: Enrolment, member: Callable[..., User], coordinator_user: User) -> None:
    certificate = complete_enrolment(actor=coordinator, enrolment=ready)
    url = f"/en/training/certificates/{certificate.code}/"
    coordinator_client = sign_in(Client(), coordinator_user)
    assert "Revoke this certificate" not in coordinator_client.get(url).content.decode()
    assert coordinator_client.post(url + "revoke/", {"reason": "x"}).status_code == 403

    client = sign_in(Client(), member(Role.PROGRAMME_MANAGER))
    assert "Revoke this certificate" in client.get(url).content.decode()
    empty = client.post(url + "revoke/", {"reason": ""})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    done = client.post(url + "revoke/", {"reason": "Attendance sheets were forged"})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert "Attendance sheets were forged" in page and "Revoked" in page


def _issue_many(numbers: range, make_learner: Callable[..., Participant], enrol: Callable[..., Enrolment],
                coordinator: Principal) -> None:
    for i in numbers:
        enrolment = enrol(participant=make_learner(given_name=f"Learner{i}"))
        attend(enrolment, 4)
        grade(enrolment, 1, 90)
        grade(enrolment, 2, 90)
        complete_enrolment(actor=coordinator, enrolment=enrolment)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_pages_do_not_grow_queries_with_certificates(
        coordinator: Principal, coordinator_user: User, make_learner: Callable[..., Participant],
        enrol: Callable[..., Enrolment], cohort: Cohort) -> None:
    client = sign_in(Client(), coordinator_user)
    _issue_many(range(1), make_learner, enrol, coordinator)
    small = {url: _queries(client, url) for url in ("/en/training/certificates/issued/",
                                                    f"/en/training/certificates/cohorts/{cohort.pk}/",
                                                    "/en/training/certificates/cohorts/")}
    _issue_many(range(1, 5), make_learner, enrol, coordinator)
    large = {url: _queries(client, url) for url in small}
    assert large == small


def test_my_certificates_page_queries_do_not_grow(
        coordinator: Principal, make_learner: Callable[..., Participant], enrol: Callable[..., Enrolment],
        cohort: Cohort, course: Any, programme: Any, world: dict[str, Any]) -> None:
    from kasb.training.models import Cohort as CohortModel

    person = make_learner(login_language="en")
    client = sign_in(Client(), person.user)  # type: ignore[arg-type]

    def finish(into: Cohort) -> None:
        enrolment = enrol(participant=person, into=into)
        attend(enrolment, 4)
        grade(enrolment, 1, 90)
        grade(enrolment, 2, 90)
        complete_enrolment(actor=coordinator, enrolment=enrolment)

    finish(cohort)
    one = _queries(client, "/en/training/certificates/")
    for n in range(3):
        other = CohortModel.objects.create(course=course, programme=programme, centre=world["irbid"],
                                           name=f"Irbid {n}", starts_on=cohort.starts_on, ends_on=cohort.ends_on)
        for session in cohort.sessions.all():
            other.sessions.create(starts_at=session.starts_at, ends_at=session.ends_at)
        finish(other)
    assert _queries(client, "/en/training/certificates/") == one


@pytest.mark.django_db(transaction=True)
def test_two_people_completing_the_same_enrolment_at_once_issue_one_certificate(
        coordinator: Principal, manager: Principal, ready: Enrolment) -> None:
    postgres_only()
    outcomes = race([partial(complete_enrolment, actor=actor, enrolment=ready)
                     for actor in (coordinator, manager, coordinator, manager)])
    assert all(isinstance(o, Certificate) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1 and Certificate.objects.count() == 1
    assert EnrolmentChange.objects.filter(enrolment=ready, to_status=S.COMPLETED).count() == 1
    assert VerifiedSkill.objects.count() == 2
