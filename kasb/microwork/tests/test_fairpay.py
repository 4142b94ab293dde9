"""Fair pay and a project's money: the minimum-wage floor, funding on publishing, re-measuring and top-ups."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest

from kasb.core.errors import Conflict, NotFound, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.microwork.models import MinimumWage, Project, Task, TopUp
from kasb.microwork.services import fairpay
from kasb.microwork.services.fairpay import (
    BelowMinimumWage,
    cancel_project,
    minimum_wage,
    pause_project,
    publish_project,
    remeasure,
    remeasure_if_due,
    reprice_project,
    resume_project,
)
from kasb.microwork.services.work import claim_next_task, submit_work
from kasb.microwork.tasks import remeasure_project
from kasb.orgs.queries import principal_for_user
from kasb.payments.models import Account, AccountKind, LedgerTransaction, TransactionKind
from kasb.payments.services import InsufficientFunds
from kasb.payments.services.ledger import drifted_accounts, unbalanced_transactions

from . import test_projects as shared
from .test_projects import csv_bytes, label_rows

# Fixtures shared with test_projects.py (pytest finds them by these names).
add_tasks = shared.add_tasks
client_actor = shared.client_actor
client_user = shared.client_user
draft = shared.draft
fund = shared.fund
other_client = shared.other_client


def balance(kind: str, **filters: Any) -> Money:
    account = Account.objects.filter(kind=kind, **filters).first()
    return account.available if account else Money.zero("JOD")


def reserved(project: Project) -> Money:
    project.refresh_from_db()
    assert project.reservation is not None
    return project.reservation.account.available


def test_the_minimum_wages_are_loaded_with_their_arithmetic(db: Any) -> None:
    jordan, tajikistan, tunisia = (minimum_wage(c, date(2026, 11, 30)) for c in ("JO", "TJ", "TN"))
    assert jordan is not None and tajikistan is not None and tunisia is not None
    assert (jordan.hourly, jordan.currency, str(jordan.effective_from)) == (1395, "JOD", "2025-01-01")
    assert (tajikistan.hourly, tajikistan.currency, str(tajikistan.effective_from)) == (750, "TJS", "2026-09-01")
    assert (tunisia.hourly, tunisia.currency) == (2540, "TND")
    assert "290 / 208 h" in jordan.source and "1300 / 173.33 h" in tajikistan.source
    assert getattr(minimum_wage("TJ", date(2026, 8, 31)), "hourly", None) == 577   # the latest on or before
    assert getattr(minimum_wage("JO", date(2024, 6, 1)), "hourly", None) == 1250
    assert all(len(w.source) <= 200 for w in MinimumWage.objects.all())


def test_a_project_below_the_minimum_wage_cannot_be_published(draft: Any, add_tasks: Any, fund: Any,
                                                              client_actor: Principal) -> None:
    project = draft(pay_per_task="0.020", estimated_seconds=60)   # 1.200 JOD an hour
    add_tasks(project, csv_bytes(label_rows(5)))
    fund("100")
    with pytest.raises(BelowMinimumWage) as caught:
        publish_project(actor=client_actor, project=project)
    message = caught.value.message
    assert "1.200 JOD an hour" in message and "minimum wage in Jordan of 1.395 JOD an hour" in message
    assert "Pay at least 0.024 JOD a task" in message   # 1.395 × 60 / 3600 = 0.02325, rounded up
    project.refresh_from_db()
    assert project.status == Project.Status.DRAFT and project.reservation is None
    project = reprice_project(actor=client_actor, project=project, pay_per_task="0.024")
    assert publish_project(actor=client_actor, project=project).status == Project.Status.PUBLISHED


def test_no_minimum_wage_for_the_country_means_no_publishing(draft: Any, add_tasks: Any, fund: Any,
                                                             client_actor: Principal) -> None:
    project = draft()
    add_tasks(project, csv_bytes(label_rows(2)))
    fund("10")
    MinimumWage.objects.filter(country="JO").delete()
    with pytest.raises(BelowMinimumWage) as caught:
        publish_project(actor=client_actor, project=project)
    assert caught.value.code == "no_minimum_wage"


def test_publishing_reserves_pay_times_overlap_times_tasks_plus_the_fee(draft: Any, add_tasks: Any, fund: Any,
                                                                       client_actor: Principal) -> None:
    project = draft(pay_per_task="0.450", overlap=3)
    add_tasks(project, csv_bytes(label_rows(8, gold=2)))   # gold tasks are paid like any other
    fund("100")
    publish_project(actor=client_actor, project=project)
    # 0.450 + 10% fee (0.045) = 0.495 an answer; 3 answers for each of 10 tasks.
    assert reserved(project) == Money(14_850, "JOD")
    assert balance(AccountKind.CLIENT_ESCROW) == Money(85_150, "JOD")
    assert project.reservation.reference == f"microwork.project:{project.pk}"
    assert project.status == Project.Status.PUBLISHED and project.published_at is not None
    with pytest.raises(Conflict):
        publish_project(actor=client_actor, project=project)
    assert unbalanced_transactions() == [] and drifted_accounts() == []


def test_an_unfunded_client_cannot_publish(draft: Any, add_tasks: Any, fund: Any, client_actor: Principal) -> None:
    project = draft(pay_per_task="0.500", overlap=2)
    add_tasks(project, csv_bytes(label_rows(10)))
    fund("5")
    with pytest.raises(InsufficientFunds) as caught:
        publish_project(actor=client_actor, project=project)
    assert caught.value.message.startswith("Not enough money in Data Co's escrow to publish this project: "
                                           "11.000 JOD is needed, 5.000 JOD is available, 6.000 JOD short.")
    project.refresh_from_db()
    assert project.status == Project.Status.DRAFT and project.reservation is None
    assert balance(AccountKind.CLIENT_ESCROW) == Money(5_000, "JOD")


def test_a_project_without_tasks_cannot_be_published(draft: Any, fund: Any, client_actor: Principal) -> None:
    fund("10")
    with pytest.raises(ValidationFailed) as caught:
        publish_project(actor=client_actor, project=draft())
    assert caught.value.code == "no_tasks"


def test_tasks_added_after_publishing_reserve_the_extra(draft: Any, add_tasks: Any, fund: Any,
                                                        client_actor: Principal) -> None:
    project = draft(pay_per_task="0.500", overlap=2)
    add_tasks(project, csv_bytes(label_rows(4)))
    fund("20")
    publish_project(actor=client_actor, project=project)
    assert reserved(project) == Money(4_400, "JOD")
    upload = add_tasks(project, csv_bytes(label_rows(3, start=10)), name="more.csv")
    assert upload.added == 3
    assert reserved(project) == Money(4_400 + 3 * 2 * 550, "JOD")
    fund_left = balance(AccountKind.CLIENT_ESCROW)
    too_many = add_tasks(project, csv_bytes(label_rows(20, start=100)), name="lots.csv")
    assert too_many.status == "failed" and "escrow to add 20 tasks" in too_many.errors[0]["reason"]
    assert Task.objects.filter(project=project).count() == 7 and balance(AccountKind.CLIENT_ESCROW) == fund_left


def test_pause_resume_and_cancel_give_back_what_is_left(draft: Any, add_tasks: Any, fund: Any,
                                                        client_actor: Principal, make_workers: Any) -> None:
    project = draft(pay_per_task="0.500")
    add_tasks(project, csv_bytes(label_rows(4)))
    fund("10")
    publish_project(actor=client_actor, project=project)
    pause_project(actor=client_actor, project=project, reason="Checking quality")
    assert fairpay.pause_reason(project) == "Checking quality"
    with pytest.raises(Conflict):
        pause_project(actor=client_actor, project=project)
    resume_project(actor=client_actor, project=project)
    (worker,) = make_workers(1)
    lease = claim_next_task(worker=worker, project=Project.objects.get(pk=project.pk))
    cancel_project(actor=client_actor, project=project, reason="Changed our minds")
    # One lease is still running: its pay and fee stay reserved, the rest goes back.
    assert reserved(project) == Money(550, "JOD")
    assert balance(AccountKind.CLIENT_ESCROW) == Money(10_000 - 550, "JOD")
    assert Task.objects.filter(project=project, status=Task.Status.CANCELLED).count() == 3
    submit_work(worker=worker, assignment_id=lease.pk, client_key="k", answers={"label": "neutral"})
    with pytest.raises(Conflict):
        resume_project(actor=client_actor, project=project)


def test_a_member_of_another_client_cannot_touch_the_money(draft: Any, add_tasks: Any, member: Any,
                                                           other_client: Any) -> None:
    project = draft()
    stranger = principal_for_user(member(Role.CLIENT_MEMBER, "other_client"))
    for action in (publish_project, pause_project, resume_project, cancel_project):
        with pytest.raises(NotFound):
            action(actor=stranger, project=project)
    with pytest.raises(NotFound):
        reprice_project(actor=stranger, project=project, pay_per_task="9")


KEYS = itertools.count()


def _work(project: Project, workers: list[Any], per_worker: int, seconds: int) -> None:
    project = Project.objects.get(pk=project.pk)
    for worker in workers:
        for _n in range(per_worker):
            lease = claim_next_task(worker=worker, project=project)
            submit_work(worker=worker, assignment_id=lease.pk, client_key=f"key-{next(KEYS)}",
                        answers={"label": "positive"}, seconds_spent=seconds)


def test_remeasure_pauses_and_tops_up_exactly_to_the_floor(draft: Any, add_tasks: Any, fund: Any,
                                                           client_actor: Principal, make_workers: Any) -> None:
    # 0.030 JOD for an estimated 60 s is 1.800 JOD an hour: fair on the estimate.
    project = draft(pay_per_task="0.030", estimated_seconds=60)
    add_tasks(project, csv_bytes(label_rows(40)))
    fund("10")
    publish_project(actor=client_actor, project=project)
    assert reserved(project) == Money(40 * 33, "JOD")
    a, b = make_workers(2)
    _work(project, [a], 12, 120)
    _work(project, [b], 7, 110)
    assert remeasure(project) is None                        # 19 submissions: not yet
    _work(project, [b], 1, 130)
    result = remeasure(project)
    assert result is not None and result.median_seconds == 120 and result.submissions == 20
    # At 120 s a task the floor (1.395 JOD/h) needs 0.0465 → 0.047 JOD a task: 0.017 more for each task done.
    assert result.paused and str(result.fair.lowest_pay) == "0.047 JOD"
    project.refresh_from_db()
    assert project.status == Project.Status.PAUSED and project.measured_median_seconds == 120
    assert "below the minimum wage of 1.395 JOD" in fairpay.pause_reason(project)
    assert {t.worker_id: t.amount for t in TopUp.objects.all()} == {a.pk: 12 * 17, b.pk: 8 * 17}
    for worker, done in ((a, 12), (b, 8)):
        assert balance(AccountKind.WORKER, participant=worker) == Money(done * 17, "JOD")
        # What the worker gets per task (0.030 + 0.017) over the measured time is at least the floor.
        assert (30 + 17) * 3600 // 120 >= 1395
    top_ups = LedgerTransaction.objects.filter(kind=TransactionKind.TOP_UP)
    assert sorted(top_ups.values_list("idempotency_key", flat=True)) == [
        f"topup:{project.pk}:{a.pk}:1", f"topup:{project.pk}:{b.pk}:1"]
    # Top-ups came from the reservation, first refilled from escrow so that all 40 answers still to be
    # paid for stay covered: 0.374 JOD (0.340 of top-ups and their 10% fee) was reserved and paid out.
    assert reserved(project) == Money(40 * 33, "JOD")
    assert balance(AccountKind.CLIENT_ESCROW) == Money(10_000 - 40 * 33 - 374, "JOD")
    # Running it again pays nothing twice.
    again = remeasure(project)
    assert again is not None and again.top_ups == [] and TopUp.objects.count() == 2
    assert unbalanced_transactions() == [] and drifted_accounts() == []
    # The client reprices: the difference is reserved and the project resumes.
    with pytest.raises(BelowMinimumWage):
        reprice_project(actor=client_actor, project=project, pay_per_task="0.040")
    before = reserved(project)
    escrow_before = balance(AccountKind.CLIENT_ESCROW)
    reprice_project(actor=client_actor, project=project, pay_per_task="0.050")
    project.refresh_from_db()
    assert project.status == Project.Status.PUBLISHED and project.pay_per_task == 50
    needed = 40 * 55   # no answer is paid yet: all 40 at the new pay and fee
    assert reserved(project) == Money(max(needed, before.minor), "JOD")
    assert escrow_before - balance(AccountKind.CLIENT_ESCROW) == Money(max(0, needed - before.minor), "JOD")
    # Work at the new pay is above the floor: a later re-measurement tops nobody up.
    assert fairpay._owed_top_ups(project) == {}


def test_top_ups_are_paid_from_the_reservation_when_escrow_is_empty(draft: Any, add_tasks: Any, fund: Any,
                                                                    client_actor: Principal,
                                                                    make_workers: Any) -> None:
    project = draft(pay_per_task="0.030", estimated_seconds=60)
    add_tasks(project, csv_bytes(label_rows(25)))
    fund(str(Money(25 * 33, "JOD").plain()))      # exactly the budget: nothing left in escrow
    publish_project(actor=client_actor, project=project)
    (worker,) = make_workers(1)
    _work(project, [worker], 20, 300)              # 0.030 for 300 s: the floor needs 0.117 a task
    result = remeasure(project)
    assert result is not None and result.paused
    # 0.825 JOD reserved: 0.750 of top-up and its 0.075 fee; 20 × 0.087 = 1.740 was owed, 0.990 still is.
    assert TopUp.objects.get().amount == 750 and result.unpaid == Money(990, "JOD")
    assert reserved(project) == Money.zero("JOD") and balance(AccountKind.CLIENT_ESCROW) == Money.zero("JOD")
    with pytest.raises(BelowMinimumWage):   # still unfair at the measured time
        resume_project(actor=client_actor, project=project)
    with pytest.raises(InsufficientFunds):  # a fair pay, but nothing to reserve it from
        reprice_project(actor=client_actor, project=project, pay_per_task="0.120")
    fund("10")
    reprice_project(actor=client_actor, project=project, pay_per_task="0.120")
    assert sorted(TopUp.objects.values_list("amount", flat=True)) == [750, 990]
    assert balance(AccountKind.WORKER, participant=worker) == Money(20 * 87, "JOD")
    # 25 answers at 0.120 + 0.012 stay reserved after the rest of the top-up (0.990 + 0.099) was paid.
    assert reserved(project) == Money(25 * 132, "JOD")
    assert Project.objects.get(pk=project.pk).status == Project.Status.PUBLISHED
    assert unbalanced_transactions() == [] and drifted_accounts() == []


def test_remeasure_if_due_runs_at_twenty_then_at_each_doubling(draft: Any, add_tasks: Any, fund: Any,
                                                               client_actor: Principal, make_workers: Any) -> None:
    project = draft(pay_per_task="0.100", estimated_seconds=60)
    add_tasks(project, csv_bytes(label_rows(60)))
    fund("20")
    publish_project(actor=client_actor, project=project)
    workers = make_workers(4)
    _work(project, workers[:1], 19, 50)
    assert remeasure_if_due(project.pk) is False
    _work(project, workers[1:2], 1, 50)
    assert remeasure_project.apply(args=(project.pk,)).get() is True
    assert Project.objects.get(pk=project.pk).measured_median_seconds == 50
    _work(project, workers[1:2], 10, 60)
    assert remeasure_if_due(project.pk) is False            # 30 < 40
    _work(project, workers[2:3], 10, 60)
    assert remeasure_if_due(project.pk) is True
    project.refresh_from_db()
    assert project.status == Project.Status.PUBLISHED      # 0.100 a minute is well above the floor
    assert TopUp.objects.count() == 0
