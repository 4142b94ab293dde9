"""Courses, cohorts, schedules and the staff pages: what a coordinator and a trainer see and do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.orgs.queries import principal_for_user
from kasb.training.data.courses import COURSES
from kasb.training.models import Attendance, Cohort, Course, CourseSkill, Enrolment, Session
from kasb.training.services.attendance import save_roster
from kasb.training.services.courses import (
    create_cohort,
    create_course,
    generate_schedule,
    install_course_catalogue,
    update_course,
)

from .fixtures_cohorts import RATE, Cohorts

S = Enrolment.Status
LANGUAGES = {"en", "ar", "ru", "tg", "fr"}


@pytest.fixture
def tw(root: Principal, world: dict[str, Any], member: Callable[..., Any]) -> Cohorts:
    return Cohorts.build(root, world, member)


def _queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:400]
    return len(ctx.captured_queries), response.content.decode()


# --- the catalogue and courses -------------------------------------------------------------------

def test_the_catalogue_has_the_seed_courses_in_five_languages_with_skills(tw: Cohorts) -> None:
    courses = {c.code: c for c in Course.objects.filter(partner=tw.world["partner"])}
    assert set(courses) == {spec["code"] for spec in COURSES}
    assert {"basic-digital-skills", "microwork", "web-development", "full-stack-development",
            "graphic-design-social-media", "digital-accounting", "call-centre-telemarketing", "mobile-apps",
            "beekeeping", "construction", "welding", "siyb-women"} == set(courses)
    for course in courses.values():
        assert set(course.title) == LANGUAGES and all(course.title.values()), course.code
        modules = list(course.modules.all())
        assert modules and all(set(m.title) == LANGUAGES for m in modules), course.code
        assert course.duration_hours == sum(m.hours for m in modules) > 0
        assert CourseSkill.objects.filter(course=course).exists(), course.code
    basic = courses["basic-digital-skills"]
    assert {cs.skill.code: cs.level for cs in basic.course_skills.select_related("skill")}["e-wallet"] == 1
    microwork = {cs.skill.code for cs in courses["microwork"].course_skills.select_related("skill")}
    assert {"work-ethics", "e-wallet", "data-entry"} <= microwork
    # Installing again adds nothing and keeps what the partner changed.
    update_course(actor=tw.manager, course=basic, min_attendance_percent=70)
    assert install_course_catalogue(partner=tw.world["partner"], actor=tw.manager) == []
    basic.refresh_from_db()
    assert basic.min_attendance_percent == 70


def test_courses_are_managed_by_the_partner_with_clear_errors(tw: Cohorts) -> None:
    partner = tw.world["partner"]
    with pytest.raises(PermissionDenied):
        create_course(actor=tw.coordinator, partner=partner, code="x", title="X")
    with pytest.raises(ValidationFailed) as bad_skill:
        create_course(actor=tw.manager, partner=partner, code="typing-club", title={"en": "Typing club"},
                      skills=[("typing", 1), ("juggling", 2)])
    assert "juggling" in bad_skill.value.message
    with pytest.raises(ValidationFailed):
        create_course(actor=tw.manager, partner=partner, code="Bad Code!", title="X")
    with pytest.raises(Conflict):
        create_course(actor=tw.manager, partner=partner, code="microwork", title="Again")
    course = create_course(actor=tw.manager, partner=partner, code="typing-club", title={"en": "Typing club"},
                           modules=[{"title": {"en": "Home row"}, "hours": 4, "has_assessment": True},
                                    {"title": {"en": "Speed"}, "hours": 6}], skills=[("typing", 2)])
    assert course.duration_hours == 10 and list(course.modules.values_list("order", flat=True)) == [1, 2]
    updated = update_course(actor=tw.manager, course=course, modules=[{"title": {"en": "Home row keys"}, "hours": 5}])
    assert updated.duration_hours == 5 and updated.modules.get().title == {"en": "Home row keys"}


# --- cohorts and their schedule ------------------------------------------------------------------

def test_a_cohort_runs_at_the_coordinators_own_centre_only(tw: Cohorts) -> None:
    today = timezone.localdate()
    args: dict[str, Any] = {"course": tw.course, "programme": tw.programme, "name": "Another", "starts_on": today,
            "ends_on": today + timedelta(days=20)}
    with pytest.raises(PermissionDenied):
        create_cohort(actor=tw.coordinator, centre=tw.world["zaatari"], **args)
    with pytest.raises(PermissionDenied):
        create_cohort(actor=tw.coordinator, centre=None, **args)          # online: the partner's team
    with pytest.raises(PermissionDenied):
        create_cohort(actor=tw.trainer, centre=tw.world["irbid"], **args)
    with pytest.raises(ValidationFailed) as currency:
        create_cohort(actor=tw.coordinator, centre=tw.world["irbid"], transport=Money(100, "USD"), **args)
    assert currency.value.field == "transport"
    with pytest.raises(ValidationFailed) as outsider:
        create_cohort(actor=tw.coordinator, centre=tw.world["irbid"], trainers=[tw.member(Role.TRAINER,
                                                                                           "other_centre")], **args)
    assert outsider.value.field == "trainers"
    online = create_cohort(actor=tw.manager, centre=None, **args)
    assert online.centre is None and online.transport_rate == 0


def test_a_schedule_spreads_the_modules_and_is_not_added_twice(tw: Cohorts) -> None:
    today = timezone.localdate()
    cohort = create_cohort(actor=tw.coordinator, course=tw.course, programme=tw.programme, centre=tw.world["irbid"],
                           name="Evening group", starts_on=today, ends_on=today + timedelta(days=60),
                           transport=RATE)
    sessions = generate_schedule(actor=tw.coordinator, cohort=cohort, weekdays=[0, 2], starts_at=time(17),
                                 ends_at=time(19), count=16)
    assert len(sessions) == 16 and {s.starts_at.weekday() for s in sessions} <= {0, 2}
    orders = [s.module.order for s in sessions if s.module]
    assert orders == sorted(orders) and set(orders) == set(tw.course.modules.values_list("order", flat=True))
    again = generate_schedule(actor=tw.coordinator, cohort=cohort, weekdays=[0, 2], starts_at=time(17),
                              ends_at=time(19), count=16)
    assert [s.pk for s in again] == [s.pk for s in sessions] and cohort.sessions.count() == 16
    with pytest.raises(ValidationFailed) as too_many:
        generate_schedule(actor=tw.coordinator, cohort=cohort, weekdays=[0], starts_at=time(9), ends_at=time(11),
                          count=40)
    assert too_many.value.field == "count"


def test_a_coordinator_creates_a_cohort_and_plans_it_from_the_pages(tw: Cohorts, login: Any) -> None:
    browser = login(tw.coordinator_user)
    today = timezone.localdate()
    response = browser.post("/en/training/cohorts/new/", {
        "course": tw.course.pk, "programme": tw.programme.pk, "centre": tw.world["irbid"].pk,
        "name": "Women's morning group", "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=40)).isoformat(), "capacity": 20, "transport": "1.2345",
        "trainers": [tw.trainer_user.pk]})
    assert response.status_code == 400 and "JOD has 3 decimal places" in response.content.decode()
    response = browser.post("/en/training/cohorts/new/", {
        "course": tw.course.pk, "programme": tw.programme.pk, "centre": tw.world["irbid"].pk,
        "name": "Women's morning group", "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=40)).isoformat(), "capacity": 20, "transport": "1.250",
        "trainers": [tw.trainer_user.pk]})
    cohort = Cohort.objects.get(name="Women's morning group")
    assert response.status_code == 302 and cohort.transport_rate == 1250
    assert list(cohort.trainers.all()) == [tw.trainer_user]
    response = browser.post(f"/en/training/cohorts/{cohort.pk}/schedule/", {
        "schedule-weekdays": ["6", "1", "3"], "schedule-starts_at": "09:00", "schedule-ends_at": "12:00",
        "schedule-count": "12"})
    assert response.status_code == 302 and cohort.sessions.count() == 12
    page = browser.get(f"/en/training/cohorts/{cohort.pk}/").content.decode()
    assert "1.250 JOD" in page and "Take attendance" in page


def test_enrolment_from_the_cohort_page_participant_and_staff(tw: Cohorts, login: Any) -> None:
    browser = login(tw.coordinator_user)
    person = tw.participant()
    url = f"/en/training/cohorts/{tw.cohort.pk}/enrol/"
    response = browser.post(url, {"enrol-reference": "PNOSUCH"})
    assert response.status_code == 400 and "No participant with the reference PNOSUCH" in response.content.decode()
    assert browser.post(url, {"enrol-reference": person.reference.lower()}).status_code == 302
    response = browser.post(url, {"enrol-reference": person.reference})
    assert response.status_code == 400 and "already has a place" in response.content.decode()
    colleague = tw.member(Role.COORDINATOR, "zaatari")
    assert browser.post(url, {"enrol-staff": colleague.pk, "enrol-reason": "Training of trainers"}).status_code == 302
    enrolments = {e.learner_name: e for e in Enrolment.objects.filter(cohort=tw.cohort)}
    assert enrolments[person.full_name].status == S.OFFERED
    assert enrolments[colleague.full_name].staff == colleague
    # A trainer sees the cohort but does not enrol people.
    assert login(tw.trainer_user).post(url, {"enrol-reference": tw.participant().reference}).status_code == 403


def test_moving_an_enrolment_asks_why_someone_left(tw: Cohorts, login: Any) -> None:
    [learner] = tw.learners(1)
    save_roster(actor=tw.trainer, session=tw.sessions[0], present_ids={learner.pk})
    browser = login(tw.coordinator_user)
    url = f"/en/training/enrolments/{learner.pk}/"
    page = browser.get(url).content.decode()
    assert "Dropped out" in page and "Care duties" in page and "Completed" not in page.split("History")[0]
    response = browser.post(url, {"to": "dropped", "reason": "", "dropout_reason": ""})
    assert response.status_code == 400 and "Choose why they left" in response.content.decode()
    assert browser.post(url, {"to": "dropped", "dropout_reason": "transport", "reason": "Bus fare"}).status_code == 302
    learner.refresh_from_db()
    assert learner.status == S.DROPPED and learner.dropout_reason == "transport"
    history = browser.get(url).content.decode()
    assert "Active → <strong>Dropped out</strong>" in history and "Bus fare" in history


# --- the roster page -----------------------------------------------------------------------------

def test_the_roster_page_ticks_everyone_and_saving_untick_marks_absent(tw: Cohorts, login: Any) -> None:
    here, away = tw.learners(2)
    session = tw.sessions[-1]
    browser = login(tw.trainer_user)
    assert browser.get("/en/training/roster/").url == f"/en/training/sessions/{session.pk}/roster/"
    page = browser.get(f"/en/training/sessions/{session.pk}/roster/").content.decode()
    assert page.count('name="present"') == 2 and page.count(" checked") == 2
    assert "Everyone is ticked as present" in page
    response = browser.post(f"/en/training/sessions/{session.pk}/roster/", {"present": [str(here.pk)]}, follow=True)
    text = response.content.decode()
    assert "Attendance saved: 1 present, 1 absent." in text
    assert "Transport paid to 1 person: 1.500 JOD." in text
    assert "transport paid" in text and text.count(" checked") == 1
    assert not Attendance.objects.get(session=session, enrolment=away).present
    # The same tap again (a retry on a bad connection) pays nothing more.
    browser.post(f"/en/training/sessions/{session.pk}/roster/", {"present": [str(here.pk)]})
    assert tw.stipend_postings(session) == 1


def test_the_roster_answers_htmx_with_the_form_only(tw: Cohorts, login: Any) -> None:
    [learner] = tw.learners(1)
    session = tw.sessions[-1]
    response = login(tw.trainer_user).post(f"/en/training/sessions/{session.pk}/roster/",
                                           {"present": [str(learner.pk)]}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200 and text.lstrip().startswith('<form id="roster"')
    assert "<html" not in text and "Attendance saved: 1 present, 0 absent." in text


def test_the_roster_page_says_which_stipends_could_not_be_paid(root: Principal, world: dict[str, Any],
                                                               member: Callable[..., Any], login: Any) -> None:
    tw = Cohorts.build(root, world, member, fund=None)
    learners = tw.learners(2)
    session = tw.sessions[-1]
    response = login(tw.trainer_user).post(f"/en/training/sessions/{session.pk}/roster/",
                                           {"present": [str(e.pk) for e in learners]}, follow=True)
    text = response.content.decode()
    assert "Attendance saved: 2 present, 0 absent." in text
    assert "Transport could not be paid to" in text and all(e.learner_name in text for e in learners)
    assert "transport not paid" in text
    assert Attendance.objects.filter(session=session, present=True).count() == 2


def test_the_roster_page_in_arabic_is_right_to_left(tw: Cohorts, login: Any) -> None:
    tw.learners(1)
    session = tw.sessions[-1]
    response = login(tw.trainer_user).get(f"/ar/training/sessions/{session.pk}/roster/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'lang="ar" dir="rtl"' in text and 'name="present"' in text
    assert session.module is not None and session.module.title["ar"] in text


# --- query counts --------------------------------------------------------------------------------

def _grow(tw: Cohorts, n: int) -> None:
    have = Enrolment.objects.filter(cohort=tw.cohort).count()
    for enrolment in tw.learners(n - have):
        save_roster(actor=tw.trainer, session=tw.sessions[0], present_ids={enrolment.pk})


@pytest.mark.parametrize("page", ["roster", "cohort", "at_risk", "marked_roster"])
def test_staff_pages_cost_the_same_with_3_and_12_learners(tw: Cohorts, login: Any, page: str) -> None:
    browser = login(tw.coordinator_user)
    urls = {"roster": f"/en/training/sessions/{tw.sessions[-1].pk}/roster/",
            "cohort": f"/en/training/cohorts/{tw.cohort.pk}/",
            "at_risk": "/en/training/cohorts/at-risk/",
            "marked_roster": f"/en/training/sessions/{tw.sessions[0].pk}/roster/"}
    _grow(tw, 3)
    small, first = _queries(browser, urls[page])
    _grow(tw, 12)
    large, second = _queries(browser, urls[page])
    assert large == small, f"{page}: {small} queries with 3 learners, {large} with 12"
    if page in ("roster", "cohort"):
        assert second.count("Learner") > first.count("Learner")


def test_the_cohort_list_costs_the_same_with_2_and_6_cohorts(tw: Cohorts, login: Any) -> None:
    browser = login(tw.coordinator_user)
    today = timezone.localdate()

    def grow(n: int) -> None:
        for i in range(Cohort.objects.count(), n):
            cohort = create_cohort(actor=tw.coordinator, course=tw.course, programme=tw.programme,
                                   centre=tw.world["irbid"], name=f"Group {i}", starts_on=today,
                                   ends_on=today + timedelta(days=30), trainers=[tw.trainer_user], transport=RATE)
            generate_schedule(actor=tw.coordinator, cohort=cohort, weekdays=range(7), starts_at=time(9),
                              ends_at=time(10), count=3)
            tw.enrol(tw.participant(), cohort=cohort)

    grow(2)
    small, first = _queries(browser, "/en/training/cohorts/")
    grow(6)
    large, second = _queries(browser, "/en/training/cohorts/")
    assert large == small, f"{small} queries for 2 cohorts, {large} for 6"
    assert second.count("/en/training/cohorts/") > first.count("/en/training/cohorts/")


def test_the_cohort_list_is_scoped(tw: Cohorts, login: Any) -> None:
    today = timezone.localdate()
    at_zaatari = create_cohort(actor=tw.manager, course=tw.course, programme=tw.programme,
                               centre=tw.world["zaatari"], name="Zaatari camp group", starts_on=today,
                               ends_on=today + timedelta(days=30))
    irbid_page = login(tw.coordinator_user).get("/en/training/cohorts/").content.decode()
    assert tw.cohort.name in irbid_page and at_zaatari.name not in irbid_page
    manager_user = tw.manager.user
    assert at_zaatari.name in login(manager_user).get("/en/training/cohorts/").content.decode()
    zaatari_trainer = tw.member(Role.TRAINER, "zaatari")
    page = login(zaatari_trainer).get("/en/training/cohorts/").content.decode()
    assert at_zaatari.name in page and tw.cohort.name not in page


def test_navigation_shows_cohorts_to_trainers(tw: Cohorts, login: Any) -> None:
    page = login(tw.trainer_user).get("/en/dashboard/").content.decode()
    assert 'href="/en/training/cohorts/"' in page and 'href="/en/training/me/"' in page
    assert Session.objects.filter(cohort=tw.cohort).count() == 5
    finance = login(principal_for_user(tw.member(Role.FINANCE_OFFICER)).user).get("/en/dashboard/").content.decode()
    assert 'href="/en/training/cohorts/"' not in finance
