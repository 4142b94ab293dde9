"""A project completes by itself when its work is done, and only then gives the rest of its money back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from kasb.core.permissions import Principal
from kasb.microwork.models import Project, ReasonCode, Task
from kasb.microwork.services import review
from kasb.microwork.services.closing import complete_finished_projects, complete_if_finished, unfinished_reason
from kasb.microwork.services.work import claim_next_task, submit_work
from kasb.payments.models import Account, Reservation
from kasb.payments.services.ledger import drifted_accounts, unbalanced_transactions

from . import test_review as shared
from .test_review import ANSWER, balance, do_tasks

_mounted, finance, funded, manager = shared._mounted, shared.finance, shared.funded, shared.manager
reviewer, reviewer_user, second_reviewer = shared.reviewer, shared.reviewer_user, shared.second_reviewer


def reserved_left(project: Project) -> int:
    reservation = Reservation.objects.get(pk=project.reservation_id or 0)
    return Account.objects.get(pk=reservation.account_id).balance


def escrow(project: Project) -> int:
    return -Account.objects.get(organisation=project.client, kind="client_escrow", currency="JOD").balance


def test_a_finished_project_completes_and_returns_exactly_what_was_not_paid(
        funded: Any, make_workers: Any, reviewer: Principal) -> None:
    project = funded(tasks=2)
    (worker,) = make_workers(1)
    first, second = do_tasks(project, worker, 2)
    assert complete_finished_projects() == 0                      # two answers wait for review
    assert unfinished_reason(project, timezone.now()) == "waiting_for_review"
    review.approve(actor=reviewer, submission=first)
    review.approve(actor=reviewer, submission=second)
    before = escrow(project)
    assert complete_finished_projects() == 1
    project.refresh_from_db()
    assert project.status == Project.Status.COMPLETED
    # 100 JOD reserved; two answers paid at 0.500 + 10% fee: 98.900 JOD back in the client's escrow.
    assert escrow(project) - before == 98_900 and reserved_left(project) == 0
    assert balance(worker) == 1_000
    assert complete_finished_projects() == 0 and not complete_if_finished(project_id=project.pk)
    assert unbalanced_transactions() == [] and drifted_accounts() == []


def test_a_rejection_keeps_the_money_until_the_appeal_window_closes(
        funded: Any, make_workers: Any, reviewer: Principal, second_reviewer: Principal) -> None:
    project = funded(tasks=1)
    (worker,) = make_workers(1)
    (done,) = do_tasks(project, worker, 1)
    review.reject(actor=reviewer, submission=done, reason_code=ReasonCode.WRONG, feedback="Wrong total.")
    assert unfinished_reason(project, timezone.now()) == "appeal_window"
    assert complete_finished_projects() == 0
    # The worker appeals on the last day; the appeal is upheld and paid from the reservation.
    appeal = review.appeal(worker=worker, submission=done, reason="The total is right.")
    assert complete_finished_projects() == 0
    review.decide_appeal(actor=second_reviewer, appeal=appeal, upheld=True, note="Right total.")
    assert balance(worker) == 500
    assert complete_finished_projects() == 1
    assert unbalanced_transactions() == [] and drifted_accounts() == []


def test_an_unappealed_rejection_completes_once_the_window_has_passed(
        funded: Any, make_workers: Any, reviewer: Principal) -> None:
    project = funded(tasks=1)
    (worker,) = make_workers(1)
    (done,) = do_tasks(project, worker, 1)
    review.reject(actor=reviewer, submission=done, reason_code=ReasonCode.WRONG, feedback="Wrong total.")
    later = timezone.now() + timedelta(days=project.appeal_days, minutes=1)
    assert complete_finished_projects(now=later) == 1
    assert reserved_left(project) == 0 and balance(worker) == 0


def test_past_its_deadline_a_project_withdraws_open_tasks_but_lets_a_worker_finish(
        funded: Any, make_workers: Any, reviewer: Principal) -> None:
    project = funded(tasks=3)
    (worker,) = make_workers(1)
    lease = claim_next_task(worker=worker, project=project)
    Project.objects.filter(pk=project.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assert complete_finished_projects() == 0                      # a worker still holds a task
    assert Task.objects.filter(project=project, status=Task.Status.CANCELLED).count() == 2
    assert Task.objects.get(pk=lease.task_id).status == Task.Status.OPEN
    submit_work(worker=worker, assignment_id=lease.pk, client_key="late-but-kept", answers=ANSWER,
                seconds_spent=40)
    review.approve(actor=reviewer, submission=project.submissions.get())
    assert complete_finished_projects() == 1
    assert balance(worker) == 500 and reserved_left(project) == 0
