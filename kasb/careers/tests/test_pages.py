"""The careers pages as people use them: a participant on their phone, career staff, an employer member."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kasb.accounts.models import User
from kasb.core.permissions import Principal, Role

from ..models import CV, CareerApplication, Opportunity, Referral, Registration
from ..services.cv import start_cv
from ..services.events import checkin_token, register
from ..services.referrals import refer
from .conftest import principal_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def amal(make_person: Any) -> Any:
    return make_person(given_name="Amal", login=True, skills=("data-entry", "email"))


def _participant_client(person: Any, login: Callable[[User], Client]) -> Client:
    return login(person.user)


def test_a_participant_builds_a_cv_in_arabic_and_downloads_it(amal: Any, login: Callable[[User], Client]) -> None:
    client = _participant_client(amal, login)
    page = client.get("/ar/careers/cv/")
    assert page.status_code == 200 and 'dir="rtl"' in page.content.decode()
    response = client.post("/ar/careers/cv/", {
        "display_name": "أمل حداد", "language": "ar", "headline": "مدخلة بيانات دقيقة", "profile": "",
        "contact": "amal@example.org", "include_skills": "on", "include_certificates": "on"})
    assert response.status_code == 302
    cv = CV.objects.get(participant=amal)
    assert (cv.display_name, cv.language, cv.include_microwork) == ("أمل حداد", "ar", False)
    response = client.post("/ar/careers/cv/entries/", {"kind": "education", "title": "Tawjihi",
                                                       "started_on": "2019-09-01", "ended_on": "2018-06-01"})
    assert response.status_code == 400 and "ended_on" in response.content.decode()  # the error shown on the form
    client.post("/ar/careers/cv/entries/", {"kind": "education", "title": "Tawjihi", "started_on": "2018-09-01",
                                            "ended_on": "2021-06-01"})
    client.post("/ar/careers/cv/languages/", {"code": "ar", "level": "native"})
    pdf = client.get("/ar/careers/cv/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = client.get("/ar/careers/cv/text/").content.decode()
    assert "أمل حداد" in text and "Tawjihi" in text and "amal@example.org" in text


def test_the_microwork_record_is_shown_only_with_consent(amal: Any, login: Callable[[User], Client]) -> None:
    from ..documents import assemble_cv
    from ..services.cv import update_cv
    cv = start_cv(actor=principal_of(amal), participant=amal)
    assert assemble_cv(cv)["microwork"] is None
    update_cv(actor=principal_of(amal), cv=cv, include_microwork=True)
    cv.refresh_from_db()
    assert cv.microwork_consent_at is not None
    update_cv(actor=principal_of(amal), cv=cv, include_microwork=False)
    cv.refresh_from_db()
    assert cv.microwork_consent_at is None and not cv.include_microwork


def test_matched_skills_show_and_applying_sends_the_cv(amal: Any, internship: Opportunity,
                                                      login: Callable[[User], Client], employer_user: User) -> None:
    client = _participant_client(amal, login)
    listing = client.get("/en/careers/opportunities/").content.decode()
    assert "Data clerk intern" in listing and "Why it fits" in listing and "Data entry" in listing
    page = client.get(f"/en/careers/opportunities/{internship.pk}/").content.decode()
    assert "Build your CV first" in page
    start_cv(actor=principal_of(amal), participant=amal)
    response = client.post(f"/en/careers/opportunities/{internship.pk}/", {"message": "Hello"})
    assert response.status_code == 302
    application = CareerApplication.objects.get()
    boss = login(employer_user)
    page = boss.get(f"/en/careers/manage/applications/{application.pk}/").content.decode()
    assert "Amal Haddad" in page and "+9627" not in page and "refugee" not in page.lower()
    boss.post(f"/en/careers/manage/applications/{application.pk}/", {"to": "shortlisted"})
    application.refresh_from_db()
    assert application.status == "shortlisted"
    assert "Shortlisted" in client.get("/en/careers/").content.decode()


def test_an_employer_cannot_open_another_employers_application(amal: Any, internship: Opportunity, rival: Principal,
                                                              login: Callable[[User], Client]) -> None:
    start_cv(actor=principal_of(amal), participant=amal)
    from ..services.applications import apply
    application = apply(actor=principal_of(amal), opportunity=internship)
    other = login(rival.user)
    assert other.get(f"/en/careers/manage/applications/{application.pk}/").status_code == 404
    assert other.get(f"/en/careers/manage/opportunities/{internship.pk}/").status_code == 404
    assert "Amal" not in other.get("/en/careers/manage/opportunities/").content.decode()
    # Nor a participant's careers record.
    assert other.get(f"/en/careers/manage/participants/{amal.pk}/").status_code == 404


def test_a_full_event_says_so_and_offers_the_waitlist(make_person: Any, fair: Any,
                                                     login: Callable[[User], Client]) -> None:
    for _ in range(2):
        person = make_person(login=True)
        register(actor=principal_of(person), event=fair)
    late = make_person(login=True)
    client = login(late.user)
    page = client.get(f"/en/careers/events/{fair.pk}/").content.decode()
    assert "This event is full" in page and "Join the waitlist" in page
    client.post(f"/en/careers/events/{fair.pk}/", {"waitlist": "1"})
    assert Registration.objects.get(participant=late).status == Registration.Status.WAITLISTED


def test_qr_check_in_by_staff_counts_once(amal: Any, fair: Any, login: Callable[[User], Client],
                                         coordinator_user: User) -> None:
    client = login(amal.user)
    client.post(f"/en/careers/events/{fair.pk}/", {})
    page = client.get(f"/en/careers/events/{fair.pk}/").content.decode()
    registration = Registration.objects.get(participant=amal)
    token = checkin_token(registration)
    assert "data:image/svg+xml;base64," in page and token in page
    assert client.get(f"/en/careers/check-in/{token}/").status_code == 404  # a participant cannot check in
    staff = login(coordinator_user)
    assert "Amal Haddad" in staff.get(f"/en/careers/check-in/{token}/").content.decode()
    assert "is checked in" in staff.post(f"/en/careers/check-in/{token}/", follow=True).content.decode()
    assert "was already checked in" in staff.post(f"/en/careers/check-in/{token}/", follow=True).content.decode()
    assert Registration.objects.filter(event=fair, checked_in_at__isnull=False).count() == 1
    listing = staff.get(f"/en/careers/manage/events/{fair.pk}/").content.decode()
    assert 'id="attended">1<' in listing
    assert staff.get(f"/en/careers/check-in/{token}x/").status_code == 404


def test_staff_correct_the_attendance_list_after_the_event(amal: Any, fair: Any, login: Callable[[User], Client],
                                                          coordinator_user: User) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from ..models import Event

    registration = register(actor=principal_of(amal), event=fair)
    staff = login(coordinator_user)
    page = f"/en/careers/manage/events/{fair.pk}/"
    assert 'data-testid="mark-present"' not in staff.get(page).content.decode()  # not before it starts
    began = timezone.now() - timedelta(days=3)
    Event.objects.filter(pk=fair.pk).update(starts_at=began, ends_at=began + timedelta(hours=4))
    assert 'data-testid="mark-present"' in staff.get(page).content.decode()
    action = f"/en/careers/manage/registrations/{registration.pk}/attendance/"
    marked = staff.post(action, {"present": "1"}, follow=True).content.decode()
    assert "Amal Haddad is marked present." in marked and 'id="attended">1<' in marked
    refused = staff.post(action, {"present": "0", "reason": ""}, follow=True).content.decode()
    assert "Say why this check-in is being undone." in refused and 'id="attended">1<' in refused
    undone = staff.post(action, {"present": "0", "reason": "Wrong person"}, follow=True).content.decode()
    assert "is no longer checked in" in undone and 'id="attended">0<' in undone


def test_a_mentor_keeps_their_own_profile_up_to_date(make_person: Any, amal: Any, coordinator: Principal,
                                                     login: Callable[[User], Client]) -> None:
    from ..models import MentorProfile
    from ..services.mentoring import save_mentor_profile

    jalal = make_person(given_name="Jalal", login=True)
    save_mentor_profile(actor=coordinator, participant=jalal, occupation="Web developer")
    mentor = login(jalal.user)
    page = mentor.get("/en/careers/mentoring/").content.decode()
    assert "My mentor profile" in page and 'value="Web developer"' in page
    saved = mentor.post("/en/careers/mentoring/", {"profile": "1", "occupation": "Senior web developer",
                                                   "story": "I learned at the Irbid centre.", "helps_with": "CVs"},
                        follow=True)
    assert "Your mentor profile is saved." in saved.content.decode()
    profile = MentorProfile.objects.get(participant=jalal)
    assert (profile.occupation, profile.helps_with, profile.is_active) == ("Senior web developer", "CVs", False)
    refused = mentor.post("/en/careers/mentoring/", {"profile": "1", "occupation": ""})
    assert refused.status_code == 400 and MentorProfile.objects.get(participant=jalal).occupation == (
        "Senior web developer")
    # Someone who is not a mentor has no profile form and cannot make themselves one.
    other = login(amal.user)
    assert "My mentor profile" not in other.get("/en/careers/mentoring/").content.decode()
    assert other.post("/en/careers/mentoring/", {"profile": "1", "occupation": "Me"}).status_code == 404
    assert not MentorProfile.objects.filter(participant=amal).exists()


def test_an_event_for_young_women_is_open_to_them_and_says_so_to_others(
        make_person: Any, coordinator: Principal, world: dict[str, Any], login: Callable[[User], Client]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from ..services.events import create_event

    start = timezone.now() + timedelta(days=5)
    women = create_event(actor=coordinator, partner=world["partner"], centre=world["irbid"], kind="orientation",
                         title="Women in tech", starts_at=start, ends_at=start + timedelta(hours=2), place="Hall",
                         target_groups=["women"])
    huda = make_person(given_name="Huda", login=True)  # make_person registers young women
    omar = make_person(given_name="Omar", sex="male", login=True)
    her = login(huda.user)
    assert her.post(f"/en/careers/events/{women.pk}/", {}).status_code == 302
    assert Registration.objects.filter(event=women, participant=huda, status="registered").exists()
    him = login(omar.user)
    assert "for other groups" in him.get("/en/careers/events/").content.decode()
    page = him.get(f"/en/careers/events/{women.pk}/").content.decode()
    assert "This event is for: Young women." in page and "Register</button>" not in page
    refused = him.post(f"/en/careers/events/{women.pk}/", {}, follow=True).content.decode()
    assert "This event is for: Young women." in refused
    assert not Registration.objects.filter(event=women, participant=omar).exists()
    # Career staff may still register someone they help.
    register(actor=coordinator, event=women, participant=omar)
    assert Registration.objects.filter(event=women, participant=omar, status="registered").exists()


def test_staff_register_a_walk_in_and_check_them_in(fair: Any, login: Callable[[User], Client],
                                                    coordinator_user: User) -> None:
    staff = login(coordinator_user)
    response = staff.post(f"/en/careers/manage/events/{fair.pk}/", {"name": "Walk In", "phone": "079 555 1234",
                                                                     "check_in_now": "on"})
    assert response.status_code == 302
    walk_in = Registration.objects.get(walk_in_name="Walk In")
    assert walk_in.checked_in_at is not None and walk_in.walk_in_phone == "0795551234"
    bad = staff.post(f"/en/careers/manage/events/{fair.pk}/", {"name": "X", "phone": "12"})
    assert "Give a phone number we can call." in bad.content.decode()


def test_a_referral_page_shares_only_the_consented_fields(amal: Any, coordinator: Principal, root: Principal,
                                                         world: dict[str, Any], login: Callable[[User], Client],
                                                         coordinator_user: User) -> None:
    from kasb.orgs.services import create_organisation
    mfi = create_organisation(actor=root, kind="financial", name="Micro Fund", country="JO", parent=world["partner"])
    made = refer(actor=coordinator, participant=amal, provider=mfi, service="microfinance", reason="Sewing shop",
                 consented_fields=["name", "phone"])
    staff = login(coordinator_user)
    page = staff.post(f"/en/careers/manage/referrals/{made.pk}/", {"action": "share", "channel": "e-mail"})
    text = page.content.decode()
    assert "Amal Haddad" in text and "+96279300" in text
    assert "2003" not in text and "947-" not in text and "Syria" not in text
    assert made.shares.count() == 1
    staff.post(f"/en/careers/manage/referrals/{made.pk}/", {"action": "outcome", "loan_amount": "500",
                                                            "loan_currency": "JOD", "loan_status": "disbursed",
                                                            "business_started": "true"})
    made.refresh_from_db()
    assert (made.loan_minor, made.loan_status, made.business_started) == (500_000, "disbursed", True)
    assert Referral.objects.get().participant == amal


def test_info_pages_are_shown_in_the_readers_language(amal: Any, login: Callable[[User], Client],
                                                     coordinator_user: User) -> None:
    staff = login(coordinator_user)
    staff.post("/en/careers/manage/info/new/", {"slug": "mobile-wallets", "title_en": "Mobile wallets",
                                               "body_en": "How to open one.", "title_ar": "المحافظ الإلكترونية",
                                               "body_ar": "كيف تفتح محفظة.", "is_published": "on"})
    reader = login(amal.user)
    assert "المحافظ الإلكترونية" in reader.get("/ar/careers/info/mobile-wallets/").content.decode()
    assert "Mobile wallets" in reader.get("/en/careers/info/mobile-wallets/").content.decode()
    assert reader.get("/en/careers/manage/info/").status_code == 404


def test_navigation_shows_careers_to_each_role(amal: Any, login: Callable[[User], Client], employer_user: User,
                                               member: Callable[..., User]) -> None:
    assert "/en/careers/cv/" in login(amal.user).get("/en/careers/").content.decode()
    boss = login(employer_user).get("/en/careers/manage/opportunities/").content.decode()
    assert "/en/careers/manage/opportunities/" in boss and "/en/careers/manage/events/" not in boss
    trainer = login(member(Role.TRAINER))
    assert trainer.get("/en/careers/manage/events/").status_code == 404


def test_staff_find_participants_and_record_placement_follow_ups(make_person: Any, coordinator: Principal,
                                                                 world: dict[str, Any], coordinator_user: User,
                                                                 login: Callable[[User], Client]) -> None:
    from ..services.applications import record_placement
    person = make_person(given_name="Samira")
    make_person(given_name="Other", centre="zaatari", area="JO-MA")
    placement = record_placement(actor=coordinator, participant=person, employer=world["employer"], kind="job",
                                 title="Clerk", starts_on="2027-01-01")
    staff = login(coordinator_user)
    listing = staff.get("/en/careers/manage/participants/?q=sami").content.decode()
    assert "Samira" in listing and "Other" not in listing
    assert "Other" not in staff.get("/en/careers/manage/participants/").content.decode()  # not their centre
    three = placement.follow_ups.get(months=3)
    staff.post(f"/en/careers/manage/placements/{placement.pk}/", {"follow_up": three.pk})
    staff.post(f"/en/careers/manage/placements/{placement.pk}/", {"completed": "yes"})
    placement.refresh_from_db()
    three.refresh_from_db()
    assert placement.completed is True and three.done_at is not None
    page = staff.get(f"/en/careers/manage/participants/{person.pk}/").content.decode()
    assert "3-month follow-up done" in page


def test_staff_change_the_employers_attending_and_cancel_an_event(fair: Any, coordinator_user: User, root: Principal,
                                                                 world: dict[str, Any],
                                                                 login: Callable[[User], Client]) -> None:
    from kasb.orgs.services import create_organisation
    second = create_organisation(actor=root, kind="employer", name="Second Co", country="JO", parent=world["partner"])
    staff = login(coordinator_user)
    staff.post(f"/en/careers/manage/events/{fair.pk}/update/", {"employers": [world["employer"].pk, second.pk]})
    assert set(fair.employers.values_list("name", flat=True)) == {"Hire Ltd", "Second Co"}
    staff.post(f"/en/careers/manage/events/{fair.pk}/update/", {"cancel": "1"})
    fair.refresh_from_db()
    assert fair.is_cancelled


def test_an_employer_edits_an_opportunity_and_bad_input_shows_on_the_form(internship: Opportunity,
                                                                          employer_user: User,
                                                                          login: Callable[[User], Client],
                                                                          world: dict[str, Any]) -> None:
    boss = login(employer_user)
    form = {"action": "edit", "employer": world["employer"].pk, "kind": "internship", "title": "Data clerk (paid)",
            "area": "JO-IR", "skills": ["data-entry"], "pay": "300", "pay_currency": "JOD", "pay_period": "month"}
    assert boss.post(f"/en/careers/manage/opportunities/{internship.pk}/", form).status_code == 302
    internship.refresh_from_db()
    assert (internship.title, internship.pay_minor) == ("Data clerk (paid)", 300_000)
    assert [s.code for s in internship.required_skills.all()] == ["data-entry"]
    bad = boss.post(f"/en/careers/manage/opportunities/{internship.pk}/", {**form, "pay": "3,5"})
    assert "with a point for decimals" in bad.content.decode()
    internship.refresh_from_db()
    assert internship.pay_minor == 300_000


def test_what_a_participant_writes_is_escaped_for_the_employer(amal: Any, internship: Opportunity,
                                                               employer_user: User,
                                                               login: Callable[[User], Client]) -> None:
    from ..services.applications import apply
    from ..services.cv import update_cv
    cv = start_cv(actor=principal_of(amal), participant=amal)
    update_cv(actor=principal_of(amal), cv=cv, headline="<script>alert(1)</script>", display_name="<b>Amal</b>")
    application = apply(actor=principal_of(amal), opportunity=internship, message="<img src=x onerror=alert(1)>")
    page = login(employer_user).get(f"/en/careers/manage/applications/{application.pk}/").content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>Amal</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_participant_stops_sharing_with_a_provider(amal: Any, coordinator: Principal, root: Principal,
                                                     world: dict[str, Any], login: Callable[[User], Client]) -> None:
    from kasb.orgs.services import create_organisation
    aid = create_organisation(actor=root, kind="financial", name="Legal Aid Fund", country="JO",
                              parent=world["partner"])
    made = refer(actor=coordinator, participant=amal, provider=aid, service="legal_aid", reason="Contract",
                 consented_fields=["name", "phone"])
    client = login(amal.user)
    assert "Legal Aid Fund" in client.get("/en/careers/").content.decode()
    client.post(f"/en/careers/referrals/{made.pk}/stop-sharing/")
    made.refresh_from_db()
    assert made.consented_fields == []


def test_an_employer_sees_the_fairs_it_attends(fair: Any, employer_user: User, rival: Principal,
                                               login: Callable[[User], Client]) -> None:
    assert "Irbid job fair" in login(employer_user).get("/en/careers/manage/opportunities/").content.decode()
    assert "Irbid job fair" not in login(rival.user).get("/en/careers/manage/opportunities/").content.decode()
