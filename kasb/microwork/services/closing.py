"""A project ends when its work is done: every task answered, every answer decided, no appeal still possible.

Then it becomes Completed and what is left of its reservation goes back to the client's escrow. A project
past its deadline first withdraws the tasks nobody holds; tasks in a worker's hands may still be finished.
A rejected answer can be appealed for the project's `appeal_days`, and an upheld appeal is paid from the
reservation, so the project waits for those days to pass before it gives the money back. A periodic task
(tasks.complete_finished_projects) runs this for every published project; clients need not press anything.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from kasb.core.permissions import Principal
from kasb.payments.models import Reservation
from kasb.payments.services import release

from ..models import Assignment, Project, Submission, Task
from .fairpay import move_project, reference, remeasure

S = Project.Status
WAITING = (Submission.Status.PENDING, Submission.Status.APPEALED)


def unfinished_reason(project: Project, now: datetime) -> str:
    """Why the project cannot complete yet ("" when it can): a code for logs and tests."""
    if Task.objects.filter(project=project, status=Task.Status.OPEN).exists():
        return "open_tasks"
    if Assignment.objects.filter(project=project, status=Assignment.Status.ACTIVE).exists():
        return "leases"
    if Submission.objects.filter(project=project, status__in=WAITING).exists():
        return "waiting_for_review"
    appealable = Submission.objects.filter(project=project, status=Submission.Status.REJECTED, appeal__isnull=True,
                                           reviewed_at__gt=now - timedelta(days=project.appeal_days))
    if appealable.exists():
        return "appeal_window"
    return ""


@transaction.atomic
def complete_if_finished(*, project_id: int, actor: Principal | None = None, now: datetime | None = None) -> bool:
    """Complete the project if its work is done (see the module docstring). True if it was completed now."""
    actor = actor or Principal()
    moment = now or timezone.now()
    project = Project.objects.select_for_update(of=("self",)).select_related("programme").filter(
        pk=project_id, status=S.PUBLISHED).first()
    if project is None:
        return False
    if project.deadline and project.deadline <= moment:
        Task.objects.filter(project=project, status=Task.Status.OPEN, leased=0).update(status=Task.Status.CANCELLED)
    if unfinished_reason(project, moment):
        return False
    remeasure(project, actor=actor)  # owed top-ups come out of the reservation before it is given back
    move_project(project, S.COMPLETED, actor=actor, verb="microwork.project.completed")
    if project.reservation_id:
        reservation = Reservation.objects.select_related("client", "account").get(pk=project.reservation_id)
        release(actor=actor, reservation=reservation, idempotency_key=f"{reference(project)}:complete")
    return True


def complete_finished_projects(*, limit: int = 500, now: datetime | None = None) -> int:
    """The periodic sweep: every published project with no open task left, or past its deadline."""
    moment = now or timezone.now()
    open_tasks = Task.objects.filter(project_id=OuterRef("pk"), status=Task.Status.OPEN)
    ids = (Project.objects.filter(status=S.PUBLISHED).filter(~Exists(open_tasks) | Q(deadline__lte=moment))
           .order_by("pk").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if complete_if_finished(project_id=pk, now=moment))
