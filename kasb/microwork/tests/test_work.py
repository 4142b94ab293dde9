"""Claiming and submitting: never beyond the overlap, never the same task twice, never losing work."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kasb.core.errors import Conflict, ValidationFailed
from kasb.microwork.models import Assignment, Submission, Task
from kasb.microwork.services.work import (
    DailyCapReached,
    NoTaskAvailable,
    claim_next_task,
    extend_lease,
    release_expired,
    skip_task,
    submit_work,
    wants_gold,
    worked_today,
)
from kasb.orgs.models import Programme

ANSWER = {"total": "12.5", "kind": "receipt"}


def test_overlap_one_hands_each_task_to_one_worker(make_project: Any, make_workers: Any) -> None:
    project = make_project(tasks=2, overlap=1)
    a, b, c = make_workers(3)
    first, second = claim_next_task(worker=a, project=project), claim_next_task(worker=b, project=project)
    assert first.task_id != second.task_id
    with pytest.raises(NoTaskAvailable):
        claim_next_task(worker=c, project=project)
    assert claim_next_task(worker=a, project=project).pk == first.pk  # the current lease comes back


def test_partly_answered_tasks_are_finished_first_and_never_twice_for_a_worker(make_project: Any,
                                                                               make_workers: Any) -> None:
    project = make_project(tasks=3, overlap=2)
    a, b = make_workers(2)
    lease = claim_next_task(worker=a, project=project)
    submit_work(worker=a, assignment_id=lease.pk, client_key="k1", answers=ANSWER)
    assert claim_next_task(worker=b, project=project).task_id == lease.task_id
    assert claim_next_task(worker=a, project=project).task_id != lease.task_id


def test_a_retry_records_one_submission(make_project: Any, make_workers: Any) -> None:
    project = make_project(tasks=1)
    (a,) = make_workers(1)
    lease = claim_next_task(worker=a, project=project)
    one = submit_work(worker=a, assignment_id=lease.pk, client_key="same", answers=ANSWER, seconds_spent=40)
    two = submit_work(worker=a, assignment_id=lease.pk, client_key="same", answers=ANSWER, seconds_spent=40)
    assert one.pk == two.pk and Submission.objects.count() == 1
    task = Task.objects.get()
    assert (task.filled, task.leased, task.status) == (1, 0, Task.Status.COMPLETE)


def test_bad_answers_are_refused_per_field_and_the_lease_stays(make_project: Any, make_workers: Any) -> None:
    project = make_project(tasks=1)
    (a,) = make_workers(1)
    lease = claim_next_task(worker=a, project=project)
    with pytest.raises(ValidationFailed) as error:
        submit_work(worker=a, assignment_id=lease.pk, client_key="x", answers={"total": "-3", "kind": "bill"})
    assert set(error.value.details) == {"total", "kind"}
    assert Assignment.objects.get(pk=lease.pk).status == Assignment.Status.ACTIVE
    assert not Submission.objects.exists()


def test_late_work_is_kept_counted_if_a_slot_is_open_else_surplus(make_project: Any, make_workers: Any) -> None:
    project = make_project(tasks=1, overlap=1)
    a, b = make_workers(2)
    slow = claim_next_task(worker=a, project=project)
    later = timezone.now() + timedelta(minutes=project.lease_minutes + 1)
    assert release_expired(project=project, now=later) == 1
    fast = claim_next_task(worker=b, project=project, now=later)
    assert fast.task_id == slow.task_id
    submit_work(worker=b, assignment_id=fast.pk, client_key="b", answers=ANSWER, now=later)
    kept = submit_work(worker=a, assignment_id=slow.pk, client_key="a", answers=ANSWER, now=later)
    assert kept.late and kept.surplus and Submission.objects.count() == 2
    assert Task.objects.get().filled == 1


def test_late_work_counts_when_the_slot_is_still_free(make_project: Any, make_workers: Any) -> None:
    project = make_project(tasks=1, overlap=1)
    (a,) = make_workers(1)
    slow = claim_next_task(worker=a, project=project)
    later = timezone.now() + timedelta(minutes=project.lease_minutes + 1)
    release_expired(project=project, now=later)
    kept = submit_work(worker=a, assignment_id=slow.pk, client_key="a", answers=ANSWER, now=later)
    assert kept.late and not kept.surplus and Task.objects.get().filled == 1


def test_skip_gives_the_task_to_someone_else_and_extend_is_limited(make_project: Any, make_workers: Any) -> None:
    project = make_project(tasks=1)
    a, b = make_workers(2)
    lease = claim_next_task(worker=a, project=project)
    for _ in range(3):
        extend_lease(worker=a, assignment_id=lease.pk)
    with pytest.raises(Conflict):
        extend_lease(worker=a, assignment_id=lease.pk)
    skip_task(worker=a, assignment_id=lease.pk)
    assert claim_next_task(worker=b, project=project).task_id == lease.task_id
    with pytest.raises(NoTaskAvailable):
        claim_next_task(worker=a, project=project)


def test_gold_first_then_at_a_decaying_rate(make_project: Any, make_workers: Any) -> None:
    assert [wants_gold(n, 10) for n in range(3)] == [True, True, True]
    early = sum(wants_gold(n, 10) for n in range(3, 103)) / 100
    late = sum(wants_gold(n, 10) for n in range(2000, 12000)) / 10000
    assert 0.05 < early < 0.12 and 0 < late < early / 2
    project = make_project(tasks=2, gold=2, gold_percent=10)
    (a,) = make_workers(1)
    lease = claim_next_task(worker=a, project=project)
    assert lease.task.is_gold
    done = submit_work(worker=a, assignment_id=lease.pk, client_key="g", answers={"total": "10", "kind": "receipt"})
    assert done.gold_correct is True


def test_a_programmes_daily_cap_stops_new_tasks_but_not_the_one_in_hand(make_project: Any,
                                                                         make_workers: Any) -> None:
    project = make_project(tasks=5)
    Programme.objects.filter(pk=project.programme_id).update(daily_work_minutes=30)
    (worker,) = make_workers(1)
    for n in range(2):  # 2 × 16 minutes: 32 minutes of the 30 allowed
        lease = claim_next_task(worker=worker, project=project)
        submit_work(worker=worker, assignment_id=lease.pk, client_key=f"cap-{n}", answers=ANSWER,
                    seconds_spent=16 * 60)
    assert worked_today(worker, project.programme_id) == 32 * 60
    with pytest.raises(DailyCapReached) as refused:
        claim_next_task(worker=worker, project=project)
    assert refused.value.code == "daily_cap_reached" and "0.5 hours" in refused.value.message
    assert Assignment.objects.filter(worker=worker, status=Assignment.Status.ACTIVE).count() == 0
    # Yesterday's work does not count toward today.
    Submission.objects.filter(worker=worker).update(submitted_at=timezone.now() - timedelta(days=1))
    assert claim_next_task(worker=worker, project=project).status == Assignment.Status.ACTIVE


def test_a_worker_over_the_cap_keeps_the_task_they_already_hold(make_project: Any, make_workers: Any) -> None:
    project = make_project(tasks=5)
    (worker,) = make_workers(1)
    held = claim_next_task(worker=worker, project=project)
    first = claim_next_task(worker=worker, project=make_project(tasks=1))
    submit_work(worker=worker, assignment_id=first.pk, client_key="other", answers=ANSWER, seconds_spent=3600)
    Programme.objects.filter(pk=project.programme_id).update(daily_work_minutes=30)
    assert claim_next_task(worker=worker, project=project) == held
