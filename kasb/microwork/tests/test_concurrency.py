"""Handing out tasks under contention: real threads, each on its own database connection.

32 workers claim and submit until nothing is left, on projects with overlap 1 and 3; then 16 threads
pay every submission, each one twice at once. Afterwards: no task over its overlap, `filled` equal to
the counted submissions and `leased` to the active leases, no worker twice on a task, every submission
a worker was told about stored, a retried submission recorded once, every approval paid once, the
books balanced. Leases that run out while others claim, submit and sweep never over-fill a task, and
a claim giving them back never deadlocks with a late submission.

On PostgreSQL this is row locks and `skip_locked`; on SQLite it is IMMEDIATE transactions in WAL
mode. The in-memory SQLite test database is not what production runs, so on SQLite each test copies
it into a WAL file that every thread opens (the `shared_file` fixture).
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import OperationalError, connection, connections
from django.db.models import Count, Q
from django.utils import timezone

from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.core.testing import race as _race
from kasb.microwork.models import Assignment, Project, Submission, Task
from kasb.microwork.services import work
from kasb.microwork.services.work import NoTaskAvailable, claim_next_task, release_expired, submit_work
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Participant
from kasb.payments.models import LedgerTransaction, Reservation
from kasb.payments.queries import trial_balance
from kasb.payments.services import pay_from_reservation, record_deposit, reserve, worker_account
from kasb.payments.services.ledger import drifted_accounts, unbalanced_transactions

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 32
PAYERS = 16
TASKS = {1: 200, 3: 100}  # per overlap: 200 and 300 answers to race for
ANSWER = {"total": "12.5", "kind": "receipt"}
T = TypeVar("T")


@pytest.fixture(autouse=True)
def shared_file(tmp_path: Path) -> Iterator[None]:
    """On SQLite, move the test into a WAL database file that every thread opens, as production does.

    The in-memory test database lives as long as one connection holds it: a plain sqlite3 connection
    keeps it while the test runs on the file, and the test database comes back afterwards (empty, as a
    transactional test leaves it). On PostgreSQL there is nothing to do.
    """
    memory = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or "mode=memory" not in memory:  # Django's shared in-memory test database
        yield
        return
    keeper = sqlite3.connect(memory, uri=True)
    target = sqlite3.connect(tmp_path / "threads.sqlite3")
    keeper.backup(target)
    target.close()
    connection.settings_dict["NAME"] = str(tmp_path / "threads.sqlite3")  # shared by every thread's connection
    connection.close()  # really closes now that the name is a file; the keeper holds the test database
    try:
        yield
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = memory
        connection.ensure_connection()  # back on the test database before the keeper lets go of it
        keeper.close()


def _failures(outcomes: Sequence[Any]) -> list[BaseException]:
    return [o for o in outcomes if isinstance(o, BaseException)]


def _nothing_left_for(worker: Participant, project: Project) -> bool:
    """No open task this worker has not held: a NoTaskAvailable is final, not a row locked for a moment."""
    return not (Task.objects.filter(project=project, status=Task.Status.OPEN)
                .exclude(assignments__worker=worker).exists())


def _as_a_phone_would(call: Callable[[], T], refused: list[str]) -> T:
    """Make the request; if SQLite gave up waiting for its write lock, make it again, as a phone does.

    SQLite's lock is not first come, first served: behind 31 other writers on a busy machine, a
    transaction can wait past the 20 s busy timeout, and the request fails ("database is locked") with
    nothing written. PostgreSQL queues lock waits, and any error there fails the test.
    """
    for _attempt in range(10):
        try:
            return call()
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            refused.append(str(exc))
    return call()


def _taken_back(lease: Assignment, timeout: float = 5.0) -> bool:
    """Wait (typing slowly) until the lease has been taken back by the sweeper or another worker's claim."""
    deadline = time.monotonic() + timeout
    while Assignment.objects.filter(pk=lease.pk, status=Assignment.Status.ACTIVE).exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _work_until_done(worker: Participant, project: Project, *, slow: bool = False, retry_every: int = 0,
                     late: list[int] | None = None) -> list[int]:
    """Claim and submit until nothing is left for this worker; return the submissions it was told about.

    With `retry_every`, every n-th submission is sent again with the same client key, as a phone does
    when the answer to the first attempt was lost. A `slow` worker submits only once its lease has been
    taken back (the lease's `pk` goes into `late`); the others after a moment's typing.
    """
    acknowledged: list[int] = []
    refused: list[str] = []
    waits = 0
    rng = random.Random(worker.pk)
    while True:
        try:
            lease = _as_a_phone_would(lambda: claim_next_task(worker=worker, project=project), refused)
        except NoTaskAvailable:
            if _nothing_left_for(worker, project):
                return acknowledged
            # Rows other transactions hold at this instant are skipped (skip_locked), or every open slot is
            # leased: the tasks still open finish or come free in a moment.
            waits += 1
            assert waits < 2000, f"worker {worker.pk} kept being told there is no task while some are open"
            time.sleep(0.005)
            continue
        if slow and _taken_back(lease) and late is not None:
            late.append(lease.pk)
        elif late is not None:
            time.sleep(rng.uniform(0, 0.003))
        key, seconds = f"w{worker.pk}-a{lease.pk}", rng.randint(20, 90)

        def submit(pk: int = lease.pk, key: str = key, seconds: int = seconds) -> Submission:
            return submit_work(worker=worker, assignment_id=pk, client_key=key, answers=ANSWER, seconds_spent=seconds)

        submission = _as_a_phone_would(submit, refused)
        if retry_every and len(acknowledged) % retry_every == 0:
            again = _as_a_phone_would(submit, refused)
            assert again.pk == submission.pk, (again.pk, submission.pk)
        acknowledged.append(submission.pk)


def _check_tasks(project: Project) -> dict[str, int]:
    """The invariants of handing out tasks, from the rows themselves. Returns a few counts for the caller."""
    tasks = list(Task.objects.filter(project=project).annotate(
        counted=Count("submissions", filter=Q(submissions__surplus=False), distinct=True),
        surplus=Count("submissions", filter=Q(submissions__surplus=True), distinct=True),
        active=Count("assignments", filter=Q(assignments__status=Assignment.Status.ACTIVE), distinct=True)))
    over = [(t.pk, t.filled) for t in tasks if t.filled > project.overlap]
    assert over == [], f"tasks over their overlap of {project.overlap}: {over[:10]}"
    miscounted = [(t.pk, t.filled, t.counted) for t in tasks if t.filled != t.counted]
    assert miscounted == [], f"Task.filled differs from the counted submissions: {miscounted[:10]}"
    leases = [(t.pk, t.leased, t.active) for t in tasks if t.leased != t.active]
    assert leases == [], f"Task.leased differs from the active leases: {leases[:10]}"
    # A surplus answer arrived when the task was already full, and a task never empties again.
    early = [t.pk for t in tasks if t.surplus and t.filled != project.overlap]
    assert early == [], f"surplus answers on tasks that are not full: {early[:10]}"
    status = [t.pk for t in tasks if (t.status == Task.Status.COMPLETE) != (t.filled >= project.overlap)]
    assert status == [], f"task status disagrees with its answers: {status[:10]}"
    twice = (Assignment.objects.filter(project=project).values("task_id", "worker_id").annotate(n=Count("id"))
             .filter(n__gt=1))
    assert list(twice) == [], "a worker held the same task twice"
    answered_twice = (Submission.objects.filter(project=project).values("task_id", "worker_id")
                      .annotate(n=Count("id")).filter(n__gt=1))
    assert list(answered_twice) == [], "a worker answered the same task twice"
    return {"tasks": len(tasks), "complete": sum(t.status == Task.Status.COMPLETE for t in tasks),
            "counted": sum(t.counted for t in tasks), "surplus": sum(t.surplus for t in tasks)}


def _acknowledged_are_stored(outcomes: Sequence[Any], workers: Sequence[Participant]) -> list[int]:
    told = [pk for outcome in outcomes for pk in outcome]
    assert len(told) == len(set(told)), "two submit_work calls with different client keys returned one row"
    stored = dict(Submission.objects.filter(pk__in=told).values_list("pk", "worker_id"))
    assert sorted(stored) == sorted(told), f"acknowledged but not stored: {sorted(set(told) - set(stored))[:10]}"
    for worker, outcome in zip(workers, outcomes, strict=True):
        assert {stored[pk] for pk in outcome} <= {worker.pk}
    return told


# --- money ----------------------------------------------------------------------------------------

@pytest.fixture
def finance(member: Callable[..., Any]) -> Principal:
    return principal_for_user(member(Role.FINANCE_OFFICER))


def _fund(finance: Principal, project: Project) -> Reservation:
    """The client deposits and reserves enough for every answer the project can get, and some."""
    client = project.client
    need = Money(project.pay_per_task * TASKS[project.overlap] * project.overlap * 2, project.currency)
    record_deposit(actor=finance, client=client, amount=need, reference=f"TRF-{project.pk}",
                   received_on=date(2026, 11, 2))
    return reserve(actor=finance, client=client, amount=need, reference=f"microwork.project:{project.pk}",
                   label=project.name, idempotency_key=f"reserve:project:{project.pk}")


def _pay_every_submission_twice_at_once(finance: Principal, project: Project, funded: Reservation) -> None:
    """Approval pays through the ledger with the key `submission:<pk>`. Threads t and t + 8 walk the same
    submissions in the same order, so every payment is asked for twice at the same moment."""
    submissions = list(Submission.objects.filter(project=project).select_related("worker").order_by("pk"))
    pay = project.pay
    fee = pay.share(project.programme.platform_fee_bps)
    half = PAYERS // 2

    def payer(t: int) -> Callable[[], list[tuple[int, int]]]:
        mine = [s for i, s in enumerate(submissions) if i % half == t % half]

        def run() -> list[tuple[int, int]]:
            paid = []
            for submission in mine:
                txn = pay_from_reservation(actor=finance, reservation=funded, worker=submission.worker, amount=pay,
                                           fee=fee, memo=f"Task {submission.task_id} approved",
                                           purpose=("microwork.submission", str(submission.pk)),
                                           idempotency_key=f"submission:{submission.pk}")
                paid.append((submission.pk, txn.pk))
            return paid
        return run

    outcomes = _race([payer(t) for t in range(PAYERS)])

    assert _failures(outcomes) == [], _failures(outcomes)[:3]
    answers: dict[int, set[int]] = defaultdict(set)
    calls: Counter[int] = Counter()
    for paid in outcomes:
        for submission_pk, txn_pk in paid:
            answers[submission_pk].add(txn_pk)
            calls[submission_pk] += 1
    assert set(calls.values()) == {2}, "each submission was to be paid twice"
    assert [pk for pk, txns in answers.items() if len(txns) != 1] == [], "two payments for one approval"
    keys = Counter(LedgerTransaction.objects.filter(idempotency_key__startswith="submission:")
                   .values_list("idempotency_key", flat=True))
    assert keys == {f"submission:{s.pk}": 1 for s in submissions}
    per_worker = Counter(s.worker_id for s in submissions)
    for worker in {s.worker for s in submissions}:
        assert worker_account(worker, pay.currency).available.minor == pay.minor * per_worker[worker.pk]
    partner_id = project.programme.partner_id
    assert set(trial_balance(partner_id=partner_id).values()) <= {0}, trial_balance(partner_id=partner_id)
    assert drifted_accounts() == []
    assert unbalanced_transactions() == []


# --- the races ------------------------------------------------------------------------------------

@pytest.mark.parametrize("overlap", [1, 3])
def test_32_workers_claim_and_submit_until_done_and_every_approval_is_paid_once(
        overlap: int, make_project: Any, make_workers: Any, finance: Principal) -> None:
    tasks = TASKS[overlap]
    project = make_project(tasks=tasks, overlap=overlap)
    workers = make_workers(THREADS)
    funded = _fund(finance, project)

    def worker_job(w: Participant) -> Callable[[], list[int]]:
        return lambda: _work_until_done(w, project, retry_every=7)

    outcomes = _race([worker_job(w) for w in workers])

    assert _failures(outcomes) == [], _failures(outcomes)[:3]
    told = _acknowledged_are_stored(outcomes, workers)
    counts = _check_tasks(project)
    # Nobody's lease ran out, so every answer counted and every task got exactly its overlap.
    assert counts == {"tasks": tasks, "complete": tasks, "counted": tasks * overlap, "surplus": 0}, counts
    assert len(told) == Submission.objects.filter(project=project).count() == tasks * overlap
    assert not Assignment.objects.filter(project=project, status=Assignment.Status.ACTIVE).exists()
    # The race was real: several workers got tasks. (How evenly is up to the database: SQLite's busy
    # handler lets the thread that holds the write lock take it again while the others back off.)
    assert sum(1 for outcome in outcomes if outcome) > 1, [len(o) for o in outcomes]

    _pay_every_submission_twice_at_once(finance, project, funded)


@pytest.mark.parametrize("overlap", [1, 3])
def test_leases_running_out_mid_run_never_over_fill_a_task(overlap: int, make_project: Any,
                                                           make_workers: Any) -> None:
    """Every lease runs out the moment it is made (0 minutes): claims release other workers' leases lazily
    and a sweeper releases them too, so tasks are handed out again while their first worker is still
    typing. Late answers count while a slot is open and are kept as surplus once the task is full."""
    tasks = TASKS[overlap] // 2
    project = make_project(tasks=tasks, overlap=overlap)
    Project.objects.filter(pk=project.pk).update(lease_minutes=0)
    project.refresh_from_db()
    workers = make_workers(THREADS)
    done = threading.Event()
    swept: list[int] = []

    def sweeper() -> int:
        while not done.is_set():
            swept.append(release_expired(project=project))
            time.sleep(0.002)
        return sum(swept)

    taken_back: list[int] = []

    def worker_job(n: int, w: Participant) -> Callable[[], list[int]]:
        # One worker in four types slowly: their lease is taken back, and the task may go to someone else.
        return lambda: _work_until_done(w, project, slow=n % 4 == 0, late=taken_back)

    def all_workers() -> list[Any]:
        try:
            return _race([worker_job(n, w) for n, w in enumerate(workers)])
        finally:
            done.set()

    race = _race([all_workers, sweeper])

    assert _failures(race) == [], race
    outcomes, _released = race
    assert _failures(outcomes) == [], _failures(outcomes)[:3]
    told = _acknowledged_are_stored(outcomes, workers)
    release_expired(project=project)
    counts = _check_tasks(project)
    assert counts["complete"] == counts["tasks"] == tasks and counts["counted"] == tasks * overlap, counts
    # Every answer was kept, late ones included: none was refused because its lease had run out.
    assert len(told) == counts["counted"] + counts["surplus"] == Submission.objects.filter(project=project).count()
    assert Submission.objects.filter(project=project, late=False).count() == 0
    assert not Task.objects.filter(project=project, leased__gt=0).exists()
    # The race was real: leases were taken back (by the sweeper, or lazily by other workers' claims) before
    # their worker submitted, and those answers were kept too, counted or surplus.
    assert taken_back, "no lease was taken back before its worker submitted"
    assert Submission.objects.filter(assignment_id__in=taken_back).count() == len(taken_back)


def _blocked_on_a_lock(timeout: float = 20) -> None:
    """Wait until another connection waits for a row lock (PostgreSQL), or give it a moment (SQLite)."""
    if connection.vendor != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the claim never waited for the submission's lock")


def test_a_claim_giving_back_run_out_leases_does_not_deadlock_with_a_late_submission(
        make_project: Any, make_workers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two leases of one task have run out. Their second worker submits late (the lease locked, then the
    task) while a third worker's claim gives the leases back (each lease, then its task). The claim must
    not hold the task while it waits for the submitter's lease: that is a deadlock on PostgreSQL."""
    project = make_project(tasks=1, overlap=3)
    first, second, third = make_workers(3)
    early, late = (claim_next_task(worker=w, project=project) for w in (first, second))
    Assignment.objects.filter(pk=early.pk).update(expires_at=early.expires_at - timedelta(seconds=30))
    later = timezone.now() + timedelta(minutes=project.lease_minutes + 1)
    answering, go_on = threading.Event(), threading.Event()
    checked = work.check_answers

    def slow_check(fields: Any, answers: Any) -> Any:  # between locking the lease and locking its task
        answering.set()
        go_on.wait(timeout=30)
        return checked(fields, answers)

    monkeypatch.setattr(work, "check_answers", slow_check)

    def submitting() -> Submission:
        return submit_work(worker=second, assignment_id=late.pk, client_key="late", answers=ANSWER, now=later)

    def claiming() -> Assignment:
        assert answering.wait(timeout=30)
        return claim_next_task(worker=third, project=project, now=later)

    def releasing() -> None:
        assert answering.wait(timeout=30)
        _blocked_on_a_lock()  # the claim has given back the first lease and waits for the second
        go_on.set()

    submitted, claimed, _ = _race([submitting, claiming, releasing], timeout=90)

    assert isinstance(submitted, Submission) and not submitted.surplus, submitted
    assert isinstance(claimed, Assignment) and claimed.task_id == late.task_id, claimed
    assert Assignment.objects.get(pk=early.pk).status == Assignment.Status.EXPIRED
    task = Task.objects.get(pk=late.task_id)
    assert (task.filled, task.leased) == (1, 1)
    _check_tasks(project)


def test_a_retry_racing_the_first_attempt_records_one_submission(make_project: Any, make_workers: Any) -> None:
    """A phone on a bad connection sends the same answer again before the first attempt has returned: two
    requests with one client key at the same moment. Both get the same submission back."""
    workers = make_workers(THREADS // 2)
    project = make_project(tasks=len(workers) * 4, overlap=1)
    for round_ in range(4):
        leases = [claim_next_task(worker=w, project=project) for w in workers]

        def submit(w: Participant, lease: Assignment, r: int = round_) -> Callable[[], Submission]:
            return lambda: submit_work(worker=w, assignment_id=lease.pk, client_key=f"retry-{r}-{w.pk}",
                                       answers=ANSWER, seconds_spent=30)

        jobs = [submit(w, lease) for w, lease in zip(workers, leases, strict=True)]
        outcomes = _race([job for job in jobs for _twice in range(2)])

        assert _failures(outcomes) == [], _failures(outcomes)[:3]
        firsts, seconds = outcomes[::2], outcomes[1::2]
        assert [a.pk for a in firsts] == [b.pk for b in seconds]
        assert Submission.objects.filter(project=project).count() == len(workers) * (round_ + 1)
    counts = _check_tasks(project)
    assert counts["counted"] == counts["complete"] == len(workers) * 4
