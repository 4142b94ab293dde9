"""Rosters and transport stipends: attended in-person sessions × rate, exactly, whatever the trainer taps."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from kasb.core.errors import PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.orgs.queries import principal_for_user
from kasb.payments.models import Account
from kasb.payments.services import fund_programme, worker_account
from kasb.payments.services.ledger import drifted_accounts, stipend_fund, unbalanced_transactions
from kasb.training.models import Assessment, Attendance, Enrolment, Module, Session
from kasb.training.services.attendance import (
    MISSED_SESSIONS_AT_RISK,
    record_assessment,
    record_assessments,
    save_roster,
)
from kasb.training.services.courses import add_session

from .fixtures_cohorts import RATE, Cohorts, jod

S = Enrolment.Status


@pytest.fixture
def tw(root: Principal, world: dict[str, Any], member: Callable[..., Any]) -> Cohorts:
    return Cohorts.build(root, world, member)


def _ids(enrolments: list[Enrolment]) -> set[int]:
    return {e.pk for e in enrolments}


def _expected(person_enrolment: Enrolment) -> Money:
    """What the rule says a learner is owed: attended in-person sessions × rate."""
    attended = Attendance.objects.filter(enrolment=person_enrolment, present=True, online=False,
                                         session__modality__in=["in_person", "blended"]).count()
    return RATE.times(attended)


def test_stipends_equal_attended_sessions_times_rate_after_double_saves_and_corrections(tw: Cohorts) -> None:
    a, b, c, d = tw.learners(4)
    s1, s2, s3, s4, _s5 = tw.sessions
    fund_before = stipend_fund(tw.programme).available
    save_roster(actor=tw.trainer, session=s1, present_ids=_ids([a, b, c, d]))
    save_roster(actor=tw.trainer, session=s1, present_ids=_ids([a, b, c, d]))      # a double tap
    save_roster(actor=tw.trainer, session=s2, present_ids=_ids([a, b]))
    save_roster(actor=tw.trainer, session=s2, present_ids=_ids([a, c]))            # b was absent, c was there
    save_roster(actor=tw.trainer, session=s3, present_ids=_ids([a, b, c]))
    save_roster(actor=tw.trainer, session=s3, present_ids=_ids([a]))               # b and c left before the register
    save_roster(actor=tw.trainer, session=s3, present_ids=_ids([a, b]))            # ... b had only stepped out
    save_roster(actor=tw.coordinator, session=s4, present_ids=set())              # nobody came (a holiday)

    expected = {"a": 3, "b": 2, "c": 2, "d": 1}   # s1..s3 for a; s1, s3 for b; s1, s2 for c; s1 for d
    for name, enrolment in zip("abcd", [a, b, c, d], strict=True):
        assert enrolment.participant is not None
        assert tw.balance(enrolment.participant) == RATE.times(expected[name]) == _expected(enrolment), name
    paid = RATE.times(sum(expected.values()))
    assert stipend_fund(tw.programme).available == fund_before - paid
    # b's s3 stipend was paid, reversed and paid again under a new key: the books show each step.
    assert tw.stipend_postings(s3) == 4   # a, b, c, then b again
    assert drifted_accounts() == [] and unbalanced_transactions() == []


def test_a_roster_saved_twice_marks_once_and_pays_once(tw: Cohorts) -> None:
    learners = tw.learners(3)
    session = tw.sessions[-1]
    first = save_roster(actor=tw.trainer, session=session, present_ids=_ids(learners))
    second = save_roster(actor=tw.trainer, session=session, present_ids=_ids(learners))
    assert len(first.paid) == 3 and first.paid_total == RATE.times(3)
    assert second.paid == [] and second.present == 3
    assert Attendance.objects.filter(session=session).count() == 3
    assert tw.stipend_postings(session) == 3
    row = Attendance.objects.get(session=session, enrolment=learners[0])
    assert row.stipend_transaction_id is not None and row.present


def test_first_presence_makes_an_accepted_learner_active(tw: Cohorts) -> None:
    [learner] = tw.learners(1)
    assert learner.status == S.ACCEPTED
    save_roster(actor=tw.trainer, session=tw.sessions[0], present_ids=set())
    learner.refresh_from_db()
    assert learner.status == S.ACCEPTED            # absent: still only accepted
    result = save_roster(actor=tw.trainer, session=tw.sessions[1], present_ids={learner.pk})
    learner.refresh_from_db()
    assert learner.status == S.ACTIVE and result.started == [learner]
    assert learner.history.filter(to_status=S.ACTIVE, actor=tw.trainer_user).exists()


def test_an_empty_fund_still_saves_the_roster_and_says_who_was_not_paid(root: Principal, world: dict[str, Any],
                                                                       member: Callable[..., Any]) -> None:
    tw = Cohorts.build(root, world, member, fund="3")   # enough for two stipends of 1.500
    learners = tw.learners(3)
    session = tw.sessions[-1]
    result = save_roster(actor=tw.trainer, session=session, present_ids=_ids(learners))
    assert result.present == 3 and Attendance.objects.filter(session=session, present=True).count() == 3
    assert len(result.paid) == 2 and len(result.unpaid) == 1
    unpaid = result.unpaid[0][0]
    assert "fund" in result.unpaid[0][1]
    assert unpaid.participant is not None and tw.balance(unpaid.participant) == Money(0, "JOD")
    # Finance tops the fund up; the next save pays the one who was missed, and nobody twice.
    fund_programme(actor=tw.finance, programme=tw.programme, amount=jod("10"), reference="GRANT-2",
                   received_on=timezone.localdate())
    again = save_roster(actor=tw.trainer, session=session, present_ids=_ids(learners))
    assert again.paid == [unpaid] and again.unpaid == []
    assert all(tw.balance(e.participant) == RATE for e in learners if e.participant)


def test_staff_learners_and_online_attendance_get_no_transport(tw: Cohorts) -> None:
    staff = tw.member(Role.TRAINER, "zaatari")
    colleague = tw.enrol(staff=staff)
    [learner] = tw.learners(1)
    today = tw.sessions[-1].starts_at
    online = add_session(actor=tw.coordinator, cohort=tw.cohort, starts_at=today + timedelta(hours=4),
                         ends_at=today + timedelta(hours=6), modality="online", link="https://meet.example/abc")
    blended = add_session(actor=tw.coordinator, cohort=tw.cohort, starts_at=today + timedelta(hours=7),
                          ends_at=today + timedelta(hours=8), modality="blended", link="https://meet.example/abc")
    result = save_roster(actor=tw.trainer, session=tw.sessions[-1], present_ids={colleague.pk, learner.pk})
    assert result.paid == [learner]
    assert save_roster(actor=tw.trainer, session=online, present_ids={learner.pk}).paid == []
    assert Attendance.objects.get(session=online, enrolment=learner).online
    # Blended: joining online pays nothing; switching to in person pays; back to online takes it back.
    assert save_roster(actor=tw.trainer, session=blended, present_ids=set(), online_ids={learner.pk}).paid == []
    assert save_roster(actor=tw.trainer, session=blended, present_ids={learner.pk}).paid == [learner]
    assert save_roster(actor=tw.trainer, session=blended, present_ids=set(),
                       online_ids={learner.pk}).reversed == [learner]
    assert learner.participant is not None
    assert tw.balance(learner.participant) == RATE.times(1) == _expected(learner)
    colleague.refresh_from_db()
    assert colleague.status == S.ACTIVE


def test_a_stipend_already_paid_out_is_not_reversed_but_reported(tw: Cohorts) -> None:
    [learner] = tw.learners(1)
    session = tw.sessions[-1]
    save_roster(actor=tw.trainer, session=session, present_ids={learner.pk})
    assert learner.participant is not None
    account = worker_account(learner.participant, "JOD")
    Account.objects.filter(pk=account.pk).update(balance=0)   # the worker has withdrawn it (simulated payout)
    result = save_roster(actor=tw.trainer, session=session, present_ids=set())
    assert result.reversed == [] and [e for e, _why in result.not_reversed] == [learner]
    row = Attendance.objects.get(session=session, enrolment=learner)
    assert not row.present and row.stipend_transaction_id is not None   # marked absent; the payment is on record
    Account.objects.filter(pk=account.pk).update(balance=-RATE.minor)   # put the books back for the drift check


def test_attendance_is_not_taken_before_the_day(tw: Cohorts) -> None:
    [learner] = tw.learners(1)
    later = tw.sessions[-1].starts_at + timedelta(days=2)
    future = add_session(actor=tw.coordinator, cohort=tw.cohort, starts_at=later, ends_at=later + timedelta(hours=2))
    with pytest.raises(ValidationFailed):
        save_roster(actor=tw.trainer, session=future, present_ids={learner.pk})
    assert not Attendance.objects.filter(session=future).exists()


# --- permissions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["zaatari", "other_centre"])
def test_a_trainer_of_another_centre_cannot_take_this_roster(tw: Cohorts, where: str, login: Any) -> None:
    learners = tw.learners(2)
    session = tw.sessions[-1]
    outsider = tw.member(Role.TRAINER, where)
    with pytest.raises(PermissionDenied):
        save_roster(actor=principal_for_user(outsider), session=session, present_ids=_ids(learners))
    browser = login(outsider)
    url = f"/en/training/sessions/{session.pk}/roster/"
    assert browser.get(url).status_code == 404
    assert browser.post(url, {"present": [str(e.pk) for e in learners]}).status_code == 404
    assert browser.get(f"/en/training/cohorts/{tw.cohort.pk}/").status_code == 404
    assert not Attendance.objects.filter(session=session).exists() and tw.stipend_postings() == 0


def test_people_without_the_capability_get_403(tw: Cohorts, login: Any) -> None:
    browser = login(tw.member(Role.FINANCE_OFFICER))
    assert browser.get(f"/en/training/sessions/{tw.sessions[-1].pk}/roster/").status_code == 403
    assert browser.get("/en/training/cohorts/").status_code == 403


# --- drop-out risk -------------------------------------------------------------------------------

def test_two_missed_sessions_in_a_row_flag_a_learner_and_a_presence_clears_it(tw: Cohorts, login: Any) -> None:
    assert MISSED_SESSIONS_AT_RISK == 2
    keen, wobbly = tw.learners(2)
    s1, s2, s3, s4, _ = tw.sessions
    save_roster(actor=tw.trainer, session=s1, present_ids={keen.pk, wobbly.pk})
    save_roster(actor=tw.trainer, session=s2, present_ids={keen.pk})
    wobbly.refresh_from_db()
    assert not wobbly.at_risk                          # one miss is not yet a pattern
    result = save_roster(actor=tw.trainer, session=s3, present_ids={keen.pk})
    wobbly.refresh_from_db()
    assert wobbly.at_risk and result.flagged == [wobbly]
    page = login(tw.coordinator_user).get("/en/training/cohorts/at-risk/")
    assert page.status_code == 200
    assert wobbly.learner_name in page.content.decode() and keen.learner_name not in page.content.decode()
    save_roster(actor=tw.trainer, session=s4, present_ids={keen.pk, wobbly.pk})
    wobbly.refresh_from_db()
    assert not wobbly.at_risk
    assert wobbly.learner_name not in login(tw.coordinator_user).get("/en/training/cohorts/at-risk/").content.decode()


# --- assessments ---------------------------------------------------------------------------------

def test_assessments_pass_at_the_pass_mark_and_refuse_impossible_scores(tw: Cohorts) -> None:
    [learner] = tw.learners(1)
    save_roster(actor=tw.trainer, session=tw.sessions[0], present_ids={learner.pk})
    learner.refresh_from_db()
    module = Module.objects.filter(course=tw.course, has_assessment=True).first()
    assert module is not None and module.pass_mark_percent == 60
    assert record_assessment(actor=tw.trainer, module=module, enrolment=learner, score=30, max_score=50).passed
    again = record_assessment(actor=tw.trainer, module=module, enrolment=learner, score=29, max_score=50)
    assert not again.passed and Assessment.objects.filter(enrolment=learner).count() == 1
    with pytest.raises(ValidationFailed) as too_high:
        record_assessment(actor=tw.trainer, module=module, enrolment=learner, score=51, max_score=50)
    assert too_high.value.field == "score"
    with pytest.raises(ValidationFailed):
        record_assessment(actor=tw.trainer, module=module, enrolment=learner, score=-1, max_score=50)
    with pytest.raises(ValidationFailed):
        record_assessment(actor=tw.trainer, module=module, enrolment=learner, score=0, max_score=0)
    outsider = principal_for_user(tw.member(Role.TRAINER, "zaatari"))
    with pytest.raises(PermissionDenied):
        record_assessment(actor=outsider, module=module, enrolment=learner, score=40, max_score=50)
    assert Assessment.objects.get(enrolment=learner).score == 29


def test_a_bad_score_in_a_batch_saves_none(tw: Cohorts) -> None:
    a, b = tw.learners(2)
    save_roster(actor=tw.trainer, session=tw.sessions[0], present_ids={a.pk, b.pk})
    module = Module.objects.filter(course=tw.course, has_assessment=True).first()
    assert module is not None
    with pytest.raises(ValidationFailed) as error:
        record_assessments(actor=tw.trainer, module=module, cohort=tw.cohort, scores={a.pk: 80, b.pk: 120})
    assert b.learner_name in error.value.message
    assert not Assessment.objects.exists()
    saved = record_assessments(actor=tw.trainer, module=module, cohort=tw.cohort, scores={a.pk: 80, b.pk: None})
    assert [s.enrolment_id for s in saved] == [a.pk]


# --- concurrency (PostgreSQL) --------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_trainers_saving_the_same_roster_at_once_pay_one_stipend_each(root: Principal, world: dict[str, Any],
                                                                         member: Callable[..., Any],
                                                                         settings: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database cannot be shared by threads, and SQLite serialises "
                    "every writer anyway; PostgreSQL runs this race in CI")
    settings.KASB_INLINE_THREADS = False
    tw = Cohorts.build(root, world, member)
    learners = tw.learners(6)
    session = Session.objects.get(pk=tw.sessions[-1].pk)
    second_trainer = principal_for_user(tw.coordinator_user)
    barrier = threading.Barrier(4)
    outcomes: list[Any] = [None] * 4

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            actor = tw.trainer if i % 2 else second_trainer
            outcomes[i] = save_roster(actor=actor, session=session, present_ids=_ids(learners))
        except BaseException as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a roster save is stuck waiting for a lock"
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert sum(len(o.paid) for o in outcomes) == 6
    assert tw.stipend_postings(session) == 6
    assert Attendance.objects.filter(session=session, present=True).count() == 6
    for enrolment in learners:
        assert enrolment.participant is not None and tw.balance(enrolment.participant) == RATE
    assert drifted_accounts() == [] and unbalanced_transactions() == []
