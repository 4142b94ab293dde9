"""Claiming and submitting touch a fixed number of rows whatever the size of the project.

The same claim and submit, by a worker in the same situation, on a project of 10 tasks and on one of
2,000: the same number of queries, counting what a submission queues to run after commit. Each
project first has some history (answered and leased tasks) so the claim walks past it as it would on
a busy day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kasb.microwork.models import Project
from kasb.microwork.services import work
from kasb.microwork.services.work import claim_next_task, submit_work
from kasb.participants.models import Participant

ANSWER = {"total": "12.5", "kind": "receipt"}
SIZES = (10, 2_000)


class OnCommit(Protocol):
    def __call__(self, *, using: str = ..., execute: bool = ...) -> Any: ...


def _claim_and_submit(project: Project, busy: Sequence[Participant], probe: Participant,
                      on_commit: OnCommit) -> dict[str, Any]:
    def _queries(fn: Callable[[], Any]) -> tuple[int, list[str]]:
        # The test runs in a transaction: run what the call queued for after commit, and count it too.
        with CaptureQueriesContext(connection) as ctx, on_commit(execute=True):
            fn()
        return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]

    # History: one worker answered a task, another holds a lease (warm-up: the first claim of the process).
    done = claim_next_task(worker=busy[0], project=project)
    submit_work(worker=busy[0], assignment_id=done.pk, client_key="history", answers=ANSWER)
    claim_next_task(worker=busy[1], project=project)
    # What is measured: a worker's first claim on the project, the answer, and the next claim.
    claim, claim_sql = _queries(lambda: claim_next_task(worker=probe, project=project))
    lease = claim_next_task(worker=probe, project=project)  # the current lease comes back
    submit, submit_sql = _queries(lambda: submit_work(worker=probe, assignment_id=lease.pk, client_key="probe-1",
                                                      answers=ANSWER, seconds_spent=30))
    again, again_sql = _queries(lambda: claim_next_task(worker=probe, project=project))
    return {"claim": claim, "submit": submit, "next claim": again,
            "sql": {"claim": claim_sql, "submit": submit_sql, "next claim": again_sql}}


@pytest.mark.parametrize(("overlap", "gold_percent"), [(1, 0), (3, 0), (1, 10)],
                         ids=["overlap 1", "overlap 3", "gold 10%"])
def test_claim_and_submit_queries_do_not_grow_with_the_tasks(
        overlap: int, gold_percent: int, make_project: Any, make_workers: Any,
        django_capture_on_commit_callbacks: OnCommit, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every submission queues the re-measuring check here (in production one in REMEASURE_EVERY does), so
    # both sizes count it.
    monkeypatch.setattr(work, "REMEASURE_EVERY", 1)
    workers = make_workers(6)
    counts = {}
    for size, people in zip(SIZES, (workers[:3], workers[3:]), strict=True):
        project = make_project(tasks=size, overlap=overlap, gold=5 if gold_percent else 0,
                               gold_percent=gold_percent)
        counts[size] = _claim_and_submit(project, people[:2], people[2], django_capture_on_commit_callbacks)

    small, large = counts[SIZES[0]], counts[SIZES[1]]
    for step in ("claim", "submit", "next claim"):
        assert small[step] == large[step], (step, small["sql"][step], large["sql"][step])
    # A handful of queries, not one per task or per worker (a worker's first check question also creates their
    # worker profile).
    assert max(small["claim"], small["next claim"]) <= 12, small
    assert small["submit"] <= (19 if gold_percent else 14), small
