"""Reads of the microwork app."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kasb.participants.models import Participant
from kasb.skills.models import VerifiedSkill

from .models import Project, WorkerProfile


def eligible_projects(worker: Participant, *, only: int | None = None) -> QuerySet[Project]:
    """Published projects of the worker's partner that they may work on: skills verified, languages spoken,
    living where the project needs, not past the deadline, distressing content only if they accept it.
    `only`: just that project, if eligible (checking one project then reads one project, not all of them)."""
    now = timezone.now()
    qs = Project.objects.filter(status=Project.Status.PUBLISHED, programme__partner_id=worker.partner_id).filter(
        Q(deadline__isnull=True) | Q(deadline__gt=now))
    if only is not None:
        qs = qs.filter(pk=only)
    # Every required skill verified (and not revoked): no required skill lacking a verification.
    lacking = Project.required_skills.through.objects.filter(project_id=OuterRef("pk")).exclude(
        skill_id__in=VerifiedSkill.objects.filter(participant=worker, revoked_at__isnull=True).values("skill_id"))
    qs = qs.exclude(Exists(lacking))
    anywhere = Q(areas__isnull=True)
    qs = qs.filter(anywhere | Q(areas=worker.area_id) if worker.area_id else anywhere)
    profile = WorkerProfile.objects.filter(participant=worker).first()
    if profile is not None and profile.avoid_distressing:
        qs = qs.filter(distressing=False)
    spoken = set(worker.languages or [])
    ids = [p.pk for p in qs.distinct().only("pk", "languages") if set(p.languages or []) <= spoken]
    return Project.objects.filter(pk__in=ids).select_related("programme").order_by("-published_at", "pk")


def may_work_on(worker: Participant, project: Project) -> bool:
    return eligible_projects(worker, only=project.pk).exists()
