"""Handing out tasks and taking work back: claim, extend, skip, submit, release expired leases.

The invariant: for every task, active leases + counted submissions never exceed the project's
overlap. Task.leased and Task.filled move only by conditional UPDATEs ("… WHERE filled + leased <
overlap"), which hold on PostgreSQL (row locks, skip_locked for speed) and on SQLite (IMMEDIATE
transactions serialise writers). A worker never holds the same task twice: Assignment is unique per
(task, worker), skipped and expired leases included.

A worker's submitted work is never thrown away: a submission after the lease ran out is counted if
a slot is still open, and otherwise kept as surplus for QA and paid by the project's rule.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core.background import enqueue
from kasb.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kasb.participants.models import Participant

from ..answers import check_answers
from ..models import Assignment, Project, Submission, Task, WorkerProfile
from ..queries import eligibility

A = Assignment.Status
MAX_EXTENSIONS = 3
ONBOARDING_GOLD = 3  # the first tasks a worker does on a project are check questions, when it has them
# One submission in REMEASURE_EVERY (by id) queues the check whether the project's time per task should be
# measured again; the periodic sweep (tasks.remeasure_projects) catches the rest. Checking on every submission
# cost three queries in the worker's request when no broker is set.
REMEASURE_EVERY = 8


class NoTaskAvailable(DomainError):
    code = "no_task_available"
    status = 404


class DailyCapReached(PermissionDenied):
    code = "daily_cap_reached"


def worked_today(worker: Participant, programme_id: int, now: datetime | None = None) -> int:
    """Seconds recorded on the worker's submissions to the programme's projects since local midnight."""
    midnight = timezone.localtime(_now(now)).replace(hour=0, minute=0, second=0, microsecond=0)
    total = Submission.objects.filter(worker=worker, project__programme_id=programme_id,
                                      submitted_at__gte=midnight).aggregate(s=Sum("seconds_spent"))["s"]
    return int(total or 0)


def _check_daily_cap(worker: Participant, project: Project, cap_minutes: int | None, moment: datetime) -> None:
    if cap_minutes and worked_today(worker, project.programme_id, moment) >= cap_minutes * 60:
        hours = f"{cap_minutes / 60:g}"
        raise DailyCapReached(_("You have reached today's limit of %(hours)s hours of work on this programme. "
                                "Rest now: tasks are open to you again tomorrow.") % {"hours": hours})


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def wants_gold(done: int, percent: int) -> bool:
    """Gold first during onboarding, then at a rate that decays as the worker proves themself.

    After onboarding the share of gold falls as percent / (1 + n / 100) for the n-th task: a project
    with a 10% gold share checks a new worker about one task in ten, one in twenty after 100 tasks,
    one in a hundred after 900. Gold is due whenever the expected count, percent × ln(1 + n / 100),
    passes a whole number, so the pattern is deterministic and needs no stored state.
    """
    if percent <= 0:
        return False
    if done < ONBOARDING_GOLD:
        return True
    n = done - ONBOARDING_GOLD

    def expected(k: int) -> float:
        return percent * math.log1p(k / 100)

    return math.floor(expected(n + 1)) > math.floor(expected(n))


def release_expired(*, project: Project | None = None, now: datetime | None = None, limit: int = 500) -> int:
    """End leases whose time ran out and give their slots back. Lazily on claim, and periodically."""
    moment = _now(now)
    expired = Assignment.objects.filter(status=A.ACTIVE, expires_at__lt=moment)
    if project is not None:
        expired = expired.filter(project=project)
    released = 0
    for pk, task_id in expired.values_list("pk", "task_id")[:limit]:
        with transaction.atomic():
            if Assignment.objects.filter(pk=pk, status=A.ACTIVE).update(status=A.EXPIRED, ended_at=moment):
                Task.objects.filter(pk=task_id, leased__gt=0).update(leased=F("leased") - 1)
                released += 1
    return released


def _candidates(project: Project, worker: Participant, gold: bool) -> list[int]:
    # is_gold__in, not is_gold=: SQLite can use the claim-order index only for "is_gold IN (0)", not for
    # "NOT is_gold", and would otherwise sort every open task of the project on each claim.
    qs = (Task.objects.filter(project=project, status=Task.Status.OPEN, is_gold__in=[gold])
          .alias(used=F("filled") + F("leased")).filter(used__lt=project.overlap)
          .exclude(assignments__worker=worker)
          .order_by("-filled", "id"))
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.values_list("pk", flat=True)[:3])


def _lease(project: Project, worker: Participant, gold: bool, moment: datetime) -> Assignment | None:
    for task_id in _candidates(project, worker, gold):
        taken = (Task.objects.filter(pk=task_id, status=Task.Status.OPEN)
                 .alias(used=F("filled") + F("leased")).filter(used__lt=project.overlap)
                 .update(leased=F("leased") + 1))
        if not taken:
            continue
        try:
            with transaction.atomic():
                return Assignment.objects.create(task_id=task_id, worker=worker, project=project,
                                                 expires_at=moment + timedelta(minutes=project.lease_minutes))
        except IntegrityError:  # this worker took it in another tab a moment ago
            Task.objects.filter(pk=task_id, leased__gt=0).update(leased=F("leased") - 1)
    return None


def claim_next_task(*, worker: Participant, project: Project, now: datetime | None = None) -> Assignment:
    """Lease the next task this worker may do, or raise NoTaskAvailable. Their current lease, if any, comes back."""
    moment = _now(now)
    # Run-out leases go back first, each in its own short transaction as the periodic sweep does. Inside the
    # claim's transaction their row locks piled up (a lease, its task, the next lease...) and deadlocked on
    # PostgreSQL with submissions, which lock a lease and then its task.
    release_expired(project=project, now=moment, limit=50)
    return _claim(worker, project, moment)


@transaction.atomic
def _claim(worker: Participant, project: Project, moment: datetime) -> Assignment:
    allowed, cap_minutes = eligibility(worker, project) if project.status == Project.Status.PUBLISHED else (
        False, None)
    if not allowed:
        raise PermissionDenied(_("This project is not open to you."), code="not_eligible")
    suspended = (WorkerProfile.objects.filter(participant=worker, standing=WorkerProfile.Standing.SUSPENDED)
                 .values_list("standing_reason", flat=True).first())
    if suspended is not None:
        raise PermissionDenied(_("Your work is suspended: %(reason)s") % {"reason": suspended}, code="suspended")
    current = (Assignment.objects.filter(worker=worker, project=project, status=A.ACTIVE, expires_at__gte=moment)
               .select_related("task").first())
    if current is not None:
        return current
    _check_daily_cap(worker, project, cap_minutes, moment)
    # Counting the worker's answers on the project only matters when it has check questions.
    done = Submission.objects.filter(worker=worker, project=project).count() if project.gold_percent else 0
    gold_first = wants_gold(done, project.gold_percent)
    assignment = (_lease(project, worker, gold_first, moment) or _lease(project, worker, not gold_first, moment))
    if assignment is None:
        raise NoTaskAvailable(_("There is no task for you in this project right now. Thank you!"))
    return assignment


def _own(worker: Participant, assignment_id: int) -> Assignment:
    assignment = (Assignment.objects.select_for_update(of=("self",)).select_related("task", "project")
                  .filter(pk=assignment_id, worker=worker).first())
    if assignment is None:
        raise NotFound(_("No such task of yours."))
    return assignment


@transaction.atomic
def extend_lease(*, worker: Participant, assignment_id: int, now: datetime | None = None) -> Assignment:
    """More time on the current task (up to three times)."""
    moment = _now(now)
    assignment = _own(worker, assignment_id)
    if assignment.status != A.ACTIVE or assignment.expires_at < moment:
        raise Conflict(_("This task is no longer yours to extend; you can still submit what you did."),
                       code="lease_over")
    if assignment.extensions >= MAX_EXTENSIONS:
        raise Conflict(_("This task cannot be extended again."), code="no_more_extensions")
    Assignment.objects.filter(pk=assignment.pk).update(
        expires_at=moment + timedelta(minutes=assignment.project.lease_minutes), extensions=F("extensions") + 1)
    assignment.refresh_from_db()
    return assignment


@transaction.atomic
def skip_task(*, worker: Participant, assignment_id: int, now: datetime | None = None) -> None:
    """Give the task back for someone else; this worker will not be offered it again."""
    assignment = _own(worker, assignment_id)
    if Assignment.objects.filter(pk=assignment.pk, status=A.ACTIVE).update(status=A.SKIPPED, ended_at=_now(now)):
        Task.objects.filter(pk=assignment.task_id, leased__gt=0).update(leased=F("leased") - 1)


@transaction.atomic
def submit_work(*, worker: Participant, assignment_id: int, client_key: str, answers: object,
                seconds_spent: int = 0, now: datetime | None = None) -> Submission:
    """Record a worker's answers, once per client key. Never discards acknowledged work (see the module docstring)."""
    key = (client_key or "").strip()[:64]
    if not key:
        raise Conflict(_("The page did not send its submission id; reload the task and submit again."),
                       code="missing_client_key")
    existing = Submission.objects.filter(worker=worker, client_key=key).first()
    if existing is not None:
        return existing
    moment = _now(now)
    assignment = _own(worker, assignment_id)
    project = assignment.project
    cleaned = check_answers(project.answer_fields, answers)
    if assignment.status == A.SUBMITTED:
        # A retry sent while the first attempt was still being saved waited above for the lease's lock:
        # the first attempt's submission is the answer, not an error.
        first = Submission.objects.filter(assignment=assignment, client_key=key).first()
        if first is not None:
            return first
        raise Conflict(_("You already submitted this task."), code="already_submitted")
    task = Task.objects.select_for_update(of=("self",)).get(pk=assignment.task_id)
    holding = assignment.status == A.ACTIVE
    late = not holding or assignment.expires_at < moment
    counted = holding or task.filled + task.leased < project.overlap
    if counted:
        # The slot this lease held (if it still did) becomes the submission's, on time or late; the task is
        # complete when this answer is its last. One UPDATE: the right-hand sides read the row before it.
        moves: dict[str, Any] = {"leased": F("leased") - 1} if holding else {}
        Task.objects.filter(pk=task.pk).update(
            **moves, filled=F("filled") + 1,
            status=Case(When(status=Task.Status.OPEN, filled__gte=project.overlap - 1,
                             then=Value(Task.Status.COMPLETE)), default=F("status")))
    Assignment.objects.filter(pk=assignment.pk).update(status=A.SUBMITTED, ended_at=moment)
    gold_correct = None
    if task.is_gold and task.gold_answer is not None:
        gold_correct = all(cleaned.get(name) == value for name, value in task.gold_answer.items())
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                task=task, project=project, worker=worker, assignment=assignment, client_key=key, answers=cleaned,
                seconds_spent=max(0, min(int(seconds_spent or 0), 24 * 3600)), late=late, surplus=not counted,
                gold_correct=gold_correct, pay=project.pay_per_task)
    except IntegrityError:
        raise Conflict(_("This submission is being recorded already."), code="duplicate_submission") from None
    # Measured time per task may show the pay has fallen below the floor: checked after commit, off the request.
    if submission.pk % REMEASURE_EVERY == 0:
        from ..tasks import remeasure_project  # tasks call services; import here, not at the top

        enqueue(remeasure_project, project.pk)
    if gold_correct is not None:
        counted_gold = {"gold_seen": F("gold_seen") + 1, "gold_correct": F("gold_correct") + int(gold_correct)}
        if not WorkerProfile.objects.filter(participant=worker).update(**counted_gold):
            WorkerProfile.objects.get_or_create(participant=worker)  # the first check question they answer
            WorkerProfile.objects.filter(participant=worker).update(**counted_gold)
    return submission
