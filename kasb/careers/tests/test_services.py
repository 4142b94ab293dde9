"""Events, referrals, mentoring, information pages and CVs: permission, scope, bad input and the privacy rules."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from kasb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kasb.core.models import AuditEvent
from kasb.core.permissions import Principal
from kasb.orgs.services import create_organisation
from kasb.participants.models import ProtectedAccess

from ..models import Event, ReferralShare, Registration
from ..queries import info_pages_for, mentorships_visible_to
from ..services import events, mentoring, pages, referrals
from ..services.cv import add_cv_entry, start_cv, update_cv
from .conftest import principal_of

R = Registration.Status
pytestmark = pytest.mark.django_db


# --- events ----------------------------------------------------------------------------------------------

def test_a_full_event_refuses_then_waitlists_and_a_freed_place_goes_to_the_waitlist(
        make_person: Any, fair: Event, django_capture_on_commit_callbacks: Any) -> None:
    first, second, third = (make_person(login=True) for _ in range(3))
    events.register(actor=principal_of(first), event=fair)
    events.register(actor=principal_of(second), event=fair)
    with pytest.raises(events.EventFull) as error:
        events.register(actor=principal_of(third), event=fair)
    assert error.value.code == "event_full" and "waitlist" in error.value.message
    waiting = events.register(actor=principal_of(third), event=fair, waitlist=True)
    assert waiting.status == R.WAITLISTED
    assert events.register(actor=principal_of(first), event=fair).status == R.REGISTERED  # again: the same place
    with django_capture_on_commit_callbacks(execute=True):
        events.cancel_registration(actor=principal_of(first), registration=Registration.objects.get(participant=first))
    waiting.refresh_from_db()
    assert waiting.status == R.REGISTERED
    # The person promoted is told by SMS, in their language, that the place is theirs.
    sent = [json.loads(line) for line in (Path(settings.SMS_FILE_PATH) / "messages.jsonl").read_text(
        encoding="utf-8").splitlines()]
    assert [m["to"] for m in sent] == [third.phone] and fair.title in sent[0]["text"]
    assert "a place has opened for you" in sent[0]["text"]


def test_double_qr_check_in_counts_one_attendance(make_person: Any, fair: Event, coordinator: Principal) -> None:
    person = make_person(login=True)
    registration = events.register(actor=principal_of(person), event=fair)
    token = events.checkin_token(registration)
    _done, first = events.check_in(actor=coordinator, token=token)
    again, second = events.check_in(actor=coordinator, token=token)
    assert (first, second) == (True, False)
    assert Registration.objects.filter(event=fair, checked_in_at__isnull=False).count() == 1
    assert AuditEvent.objects.filter(verb="event.checked_in").count() == 1
    assert again.checked_in_by == coordinator.user


def test_a_forged_or_foreign_code_is_refused(make_person: Any, fair: Event, coordinator: Principal, root: Principal,
                                             world: dict[str, Any], member: Any) -> None:
    from kasb.core.permissions import Role
    from kasb.orgs.queries import principal_for_user
    person = make_person(login=True)
    registration = events.register(actor=principal_of(person), event=fair)
    with pytest.raises(ValidationFailed):
        events.check_in(actor=coordinator, token=registration.token)  # the raw token, unsigned
    with pytest.raises(PermissionDenied):
        events.check_in(actor=principal_of(person), token=events.checkin_token(registration))
    tunis = principal_for_user(member(Role.COORDINATOR, "other_centre"))
    with pytest.raises(NotFound):
        events.check_in(actor=tunis, token=events.checkin_token(registration))


def test_a_waitlisted_person_cannot_be_checked_in(coordinator: Principal, world: dict[str, Any]) -> None:
    start = timezone.now() + timedelta(days=1)
    tiny = events.create_event(actor=coordinator, partner=world["partner"], kind="orientation", title="Tiny",
                               starts_at=start, ends_at=start + timedelta(hours=1), place="Room", capacity=1)
    events.register_walk_in(actor=coordinator, event=tiny, name="First", phone="0790000001")
    waiting = events.register_walk_in(actor=coordinator, event=tiny, name="Second", phone="0790000002",
                                      waitlist=True)
    with pytest.raises(Conflict):
        events.check_in(actor=coordinator, token=events.checkin_token(waiting))


def test_attendance_is_corrected_by_hand_during_and_after_the_event(make_person: Any, fair: Event,
                                                                    coordinator: Principal, member: Any) -> None:
    from kasb.core.permissions import Role
    from kasb.orgs.queries import principal_for_user

    came, forgot = (events.register(actor=principal_of(make_person(login=True)), event=fair) for _n in range(2))
    with pytest.raises(Conflict):  # not before it starts
        events.mark_attendance(actor=coordinator, registration=came, present=True, now=fair.starts_at - timedelta(1))
    during = fair.starts_at + timedelta(hours=1)
    marked = events.mark_attendance(actor=coordinator, registration=came, present=True, now=during)
    assert marked.checked_in_at == during and marked.checked_in_by == coordinator.user
    # A paper sign-in sheet typed in ten days later: dated when the event started, for the month's figures.
    later = fair.starts_at + timedelta(days=10)
    sheet = events.mark_attendance(actor=coordinator, registration=forgot, present=True, now=later)
    assert sheet.checked_in_at == fair.starts_at
    with pytest.raises(ValidationFailed) as no_reason:
        events.mark_attendance(actor=coordinator, registration=sheet, present=False, reason=" ", now=later)
    assert no_reason.value.field == "reason"
    undone = events.mark_attendance(actor=coordinator, registration=sheet, present=False,
                                    reason="Signed the sheet for her sister", now=later)
    assert undone.checked_in_at is None and undone.checked_in_by is None
    assert AuditEvent.objects.filter(verb="event.check_in_undone").get().data["reason"].startswith("Signed")
    assert Registration.objects.filter(event=fair, checked_in_at__isnull=False).count() == 1
    tunis = principal_for_user(member(Role.COORDINATOR, "other_centre"))
    with pytest.raises(NotFound):
        events.mark_attendance(actor=tunis, registration=came, present=False, reason="x", now=later)


def test_a_cancelled_registration_cannot_be_marked_present(make_person: Any, fair: Event,
                                                           coordinator: Principal) -> None:
    person = make_person(login=True)
    gone = events.cancel_registration(actor=principal_of(person),
                                      registration=events.register(actor=principal_of(person), event=fair))
    with pytest.raises(Conflict):
        events.mark_attendance(actor=coordinator, registration=gone, present=True,
                               now=fair.starts_at + timedelta(hours=1))
    assert not Registration.objects.filter(event=fair, checked_in_at__isnull=False).exists()


@pytest.mark.parametrize(("values", "field"), [
    ({"kind": "party"}, "kind"),
    ({"title": ""}, "title"),
    ({"ends_at": "2020-01-01T00:00"}, "ends_at"),
    ({"place": "", "link": ""}, "place"),
    ({"link": "javascript:alert(1)"}, "link"),
    ({"capacity": -1}, "capacity"),
    ({"target_groups": ["aliens"]}, "target_groups"),
])
def test_bad_event_input_names_the_field(coordinator: Principal, world: dict[str, Any], values: dict[str, Any],
                                         field: str) -> None:
    base = {"kind": "job_fair", "title": "Fair", "starts_at": "2030-01-01T10:00", "ends_at": "2030-01-01T12:00",
            "place": "Hall"}
    with pytest.raises(ValidationFailed) as error:
        events.create_event(actor=coordinator, partner=world["partner"], **{**base, **values})
    assert error.value.field == field
    assert not Event.objects.exists()


def test_only_career_staff_of_the_partner_plan_events(employer: Principal, world: dict[str, Any],
                                                      coordinator: Principal) -> None:
    base: dict[str, Any] = {"kind": "job_fair", "title": "Fair", "starts_at": "2030-01-01T10:00",
                            "ends_at": "2030-01-01T12:00", "place": "Hall"}
    with pytest.raises(PermissionDenied):
        events.create_event(actor=employer, partner=world["partner"], **base)
    with pytest.raises(PermissionDenied):
        events.create_event(actor=coordinator, partner=world["other"], **base)


# --- referrals -------------------------------------------------------------------------------------------

@pytest.fixture
def mfi(root: Principal, world: dict[str, Any]) -> Any:
    return create_organisation(actor=root, kind="financial", name="Micro Fund", country="JO", parent=world["partner"])


def test_a_referral_shares_only_consented_fields_and_logs_each_share(make_person: Any, coordinator: Principal,
                                                                    mfi: Any) -> None:
    person = make_person(skills=("data-entry",), nationality="SY", displacement_status="refugee")
    made = referrals.refer(actor=coordinator, participant=person, provider=mfi, service="microfinance",
                           reason="Wants to open a tailoring shop", consented_fields=["skills", "name", "name"])
    assert made.consented_fields == ["name", "skills"]
    shared = referrals.share_referral(actor=coordinator, referral=made, channel="e-mail")
    assert set(shared) == {"name", "skills"} and shared["name"] == person.full_name and shared["skills"]
    assert "SY" not in str(shared) and "refugee" not in str(shared)
    log = ReferralShare.objects.get()
    assert (log.fields, log.shared_by, log.channel) == (["name", "skills"], coordinator.user, "e-mail")
    assert not ProtectedAccess.objects.filter(participant=person).exists()  # nothing protected was read
    referrals.change_consent(actor=coordinator, referral=made, consented_fields=["name", "phone"])
    assert set(referrals.share_referral(actor=coordinator, referral=made)) == {"name", "phone"}
    assert ProtectedAccess.objects.filter(participant=person, screen="careers.referral_share").count() == 1
    assert ReferralShare.objects.count() == 2
    referrals.change_consent(actor=coordinator, referral=made, consented_fields=[])
    with pytest.raises(Conflict):
        referrals.share_referral(actor=coordinator, referral=made)
    assert ReferralShare.objects.count() == 2


def test_referral_scope_and_bad_input(make_person: Any, coordinator: Principal, employer: Principal, mfi: Any,
                                      root: Principal, world: dict[str, Any]) -> None:
    person = make_person()
    with pytest.raises(PermissionDenied):
        referrals.refer(actor=employer, participant=person, provider=mfi, service="legal_aid", reason="x",
                        consented_fields=[])
    elsewhere = make_person(centre="zaatari", area="JO-MA")
    with pytest.raises(NotFound):
        referrals.refer(actor=coordinator, participant=elsewhere, provider=mfi, service="legal_aid", reason="x",
                        consented_fields=[])
    with pytest.raises(ValidationFailed):
        referrals.refer(actor=coordinator, participant=person, provider=mfi, service="legal_aid", reason="x",
                        consented_fields=["everything"])
    foreign = create_organisation(actor=root, kind="financial", name="Tunis Fund", country="TN", parent=world["other"])
    with pytest.raises(ValidationFailed) as error:
        referrals.refer(actor=coordinator, participant=person, provider=foreign, service="legal_aid", reason="x",
                        consented_fields=[])
    assert error.value.field == "provider"


def test_referral_moves_and_business_outcomes(make_person: Any, coordinator: Principal, mfi: Any) -> None:
    made = referrals.refer(actor=coordinator, participant=make_person(), provider=mfi, service="microfinance",
                           reason="Shop", consented_fields=["name"])
    with pytest.raises(Conflict):
        referrals.move_referral(actor=coordinator, referral=made, to="completed")
    referrals.move_referral(actor=coordinator, referral=made, to="accepted")
    referrals.move_referral(actor=coordinator, referral=made, to="completed")
    assert [h.to_status for h in made.history.all()] == ["referred", "accepted", "completed"]
    with pytest.raises(ValidationFailed):
        referrals.record_outcome(actor=coordinator, referral=made, business_started=False,
                                 business_running_6_months=True)
    done = referrals.record_outcome(actor=coordinator, referral=made, loan_amount="750.5", loan_currency="JOD",
                                    loan_status="repaid", business_started=True, business_started_on="2027-02-01",
                                    business_running_6_months=True)
    assert (done.loan_minor, done.loan_status, done.business_running_6_months) == (750_500, "repaid", True)


# --- mentoring -------------------------------------------------------------------------------------------

def test_session_notes_are_seen_by_the_pair_and_staff_only(make_person: Any, coordinator: Principal,
                                                           employer: Principal) -> None:
    jalal, mentee, stranger = make_person(given_name="Jalal", login=True), make_person(login=True), \
        make_person(login=True)
    profile = mentoring.save_mentor_profile(actor=coordinator, participant=jalal, occupation="Web developer")
    with pytest.raises(PermissionDenied):
        mentoring.save_mentor_profile(actor=principal_of(stranger), participant=stranger, occupation="Me")
    pair = mentoring.pair(actor=coordinator, mentor=profile, mentee=mentee)
    with pytest.raises(Conflict):
        mentoring.pair(actor=coordinator, mentor=profile, mentee=mentee)
    mentoring.record_session(actor=principal_of(jalal), mentorship=pair, held_on=timezone.localdate(),
                             notes="Practised an interview")
    for viewer in (principal_of(jalal), principal_of(mentee), coordinator):
        assert mentorships_visible_to(viewer).filter(pk=pair.pk).exists()
    for outsider in (principal_of(stranger), employer):
        assert not mentorships_visible_to(outsider).exists()
        with pytest.raises(NotFound):
            mentoring.record_session(actor=outsider, mentorship=pair, held_on=timezone.localdate())
    with pytest.raises(ValidationFailed):
        mentoring.record_session(actor=principal_of(mentee), mentorship=pair,
                                 held_on=timezone.localdate() + timedelta(days=2))
    # The mentor edits their own profile once it exists.
    mentoring.save_mentor_profile(actor=principal_of(jalal), participant=jalal, occupation="Senior web developer")


# --- information pages and CVs ---------------------------------------------------------------------------

def test_info_pages_are_written_by_staff_and_shown_when_published(make_person: Any, coordinator: Principal,
                                                                  employer: Principal, world: dict[str, Any]) -> None:
    reader = principal_of(make_person(login=True))
    with pytest.raises(PermissionDenied):
        pages.save_info_page(actor=employer, partner=world["partner"], slug="scams", title="Scams", body="Beware")
    with pytest.raises(ValidationFailed):
        pages.save_info_page(actor=coordinator, partner=world["partner"], slug="scams", title={"xx": "?"}, body="B")
    page = pages.save_info_page(actor=coordinator, partner=world["partner"], slug="Online job scams",
                                title={"en": "Online job scams", "ar": "الاحتيال في الوظائف"}, body={"en": "Never pay"})
    assert page.slug == "online-job-scams"
    assert not info_pages_for(reader).exists()
    pages.save_info_page(actor=coordinator, partner=world["partner"], slug="online-job-scams", title=page.title,
                         body=page.body, is_published=True)
    assert list(info_pages_for(reader).values_list("slug", flat=True)) == ["online-job-scams"]


def test_a_cv_is_changed_only_by_its_owner_or_staff_who_serve_them(make_person: Any, coordinator: Principal,
                                                                    employer: Principal) -> None:
    owner, other = make_person(login=True), make_person(login=True)
    cv = start_cv(actor=principal_of(owner), participant=owner)
    assert cv.display_name == owner.full_name
    for outsider in (principal_of(other), employer):
        with pytest.raises(PermissionDenied):
            update_cv(actor=outsider, cv=cv, headline="Hacked")
    update_cv(actor=coordinator, cv=cv, headline="Helped at the centre")
    with pytest.raises(ValidationFailed) as error:
        update_cv(actor=principal_of(owner), cv=cv, languages=[{"code": "xx", "level": "good"}])
    assert error.value.field == "languages"
    with pytest.raises(ValidationFailed):
        update_cv(actor=principal_of(owner), cv=cv, language="de")
    with pytest.raises(ValidationFailed):
        add_cv_entry(actor=principal_of(owner), cv=cv, kind="hobby", title="Chess")
    with pytest.raises(ValidationFailed):
        add_cv_entry(actor=principal_of(owner), cv=cv, kind="education", title="School", started_on="2099-01-01")
