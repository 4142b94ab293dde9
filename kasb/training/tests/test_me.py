"""My learning: a participant (or a trainer being trained) sees their course, next session, attendance,
grades and offers, and answers an offer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kasb.core.permissions import Principal, Role
from kasb.training.models import Enrolment, Module
from kasb.training.services.attendance import record_assessment, save_roster
from kasb.training.services.courses import add_session, create_cohort, generate_schedule

from .fixtures_cohorts import Cohorts

S = Enrolment.Status


@pytest.fixture
def tw(root: Principal, world: dict[str, Any], member: Callable[..., Any]) -> Cohorts:
    return Cohorts.build(root, world, member)


def test_a_participant_sees_course_next_session_attendance_and_grades(tw: Cohorts, login: Any) -> None:
    person = tw.participant(login=True)
    enrolment = tw.enrol(person)
    s1, s2, s3, _s4, today = tw.sessions
    for session in (s1, s2, s3):
        save_roster(actor=tw.trainer, session=session, present_ids={enrolment.pk} if session != s2 else set())
    enrolment.refresh_from_db()
    module = Module.objects.filter(course=tw.course, has_assessment=True).first()
    assert module is not None
    record_assessment(actor=tw.trainer, module=module, enrolment=enrolment, score=45, max_score=50)
    later = today.starts_at + timedelta(days=1)
    add_session(actor=tw.coordinator, cohort=tw.cohort, starts_at=later, ends_at=later + timedelta(hours=3),
                topic="Spreadsheets practice")
    assert person.user is not None
    page = login(person.user).get("/en/training/me/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Basic digital skills" in text and "Irbid Centre" in text
    assert "67%: 2 of 3 sessions" in text and "80% needed to complete" in text
    assert "45/50" in text and "passed" in text
    assert "Take the placement test" in text and 'href="/en/training/test/"' in text
    assert 'href="/en/training/certificates/"' in text
    # Today's session has not ended yet: it is the next one (three hours, from 10:00).
    assert today.starts_at.strftime("%H:%M") in text


def test_an_offer_is_accepted_or_declined_by_its_learner_only(tw: Cohorts, login: Any) -> None:
    person, other = tw.participant(login=True), tw.participant(login=True)
    offer = tw.enrol(person, accept=False)
    theirs = tw.enrol(other, accept=False)
    assert person.user is not None
    browser = login(person.user)
    page = browser.get("/en/training/me/").content.decode()
    assert "Places offered to you" in page and "Accept the place" in page
    assert browser.post(f"/en/training/me/offers/{theirs.pk}/", {"answer": "accept"}).status_code == 404
    response = browser.post(f"/en/training/me/offers/{offer.pk}/", {"answer": "accept"}, follow=True)
    assert "You have accepted your place" in response.content.decode()
    offer.refresh_from_db()
    theirs.refresh_from_db()
    assert offer.status == S.ACCEPTED and theirs.status == S.OFFERED
    # Answering again is refused kindly, not with an error page.
    again = browser.post(f"/en/training/me/offers/{offer.pk}/", {"answer": "decline"}, follow=True)
    assert again.status_code == 200 and "already answered this offer" in again.content.decode()


def test_declining_an_offer_frees_the_place(tw: Cohorts, login: Any) -> None:
    person = tw.participant(login=True)
    offer = tw.enrol(person, accept=False)
    assert person.user is not None
    login(person.user).post(f"/en/training/me/offers/{offer.pk}/", {"answer": "decline"})
    offer.refresh_from_db()
    assert offer.status == S.NO_SHOW
    assert offer.history.filter(to_status=S.NO_SHOW, reason="Declined by the learner").exists()


def test_a_trainer_being_trained_sees_their_own_course(tw: Cohorts, login: Any) -> None:
    trainee = tw.member(Role.TRAINER, "zaatari")
    enrolment = tw.enrol(staff=trainee)
    save_roster(actor=tw.trainer, session=tw.sessions[0], present_ids={enrolment.pk})
    browser = login(trainee)
    text = browser.get("/en/training/me/").content.decode()
    assert "Basic digital skills" in text and "100%: 1 of 1 session" in text
    assert "placement test" not in text           # staff are not placed by test
    nav = browser.get("/en/dashboard/").content.decode()
    assert 'href="/en/training/me/"' in nav


def test_someone_with_nothing_to_learn_here_gets_404(tw: Cohorts, login: Any) -> None:
    client_user = tw.member(Role.CLIENT_MEMBER)
    assert login(client_user).get("/en/training/me/").status_code == 404


def test_my_learning_costs_the_same_with_one_and_three_enrolments(root: Principal, world: dict[str, Any],
                                                                  member: Callable[..., Any], login: Any) -> None:
    tw = Cohorts.build(root, world, member)
    person = tw.participant(login=True)
    assert person.user is not None
    browser = login(person.user)
    enrolment = tw.enrol(person)
    save_roster(actor=tw.trainer, session=tw.sessions[0], present_ids={enrolment.pk})

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get("/en/training/me/").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for name in ("Second", "Third"):
        cohort = create_cohort(actor=tw.coordinator, course=tw.course, programme=tw.programme,
                               centre=tw.world["irbid"], name=name, starts_on=timezone.localdate(),
                               ends_on=timezone.localdate() + timedelta(days=9))
        generate_schedule(actor=tw.coordinator, cohort=cohort, weekdays=range(7), starts_at=time(9),
                          ends_at=time(10), count=3)
        tw.enrol(person, cohort=cohort)
    # One query more at most: the next-session lookup runs only when some enrolment has a session to
    # come, which for the first cohort depends on the time of day. Per-enrolment queries would add two.
    assert count() <= one + 1
