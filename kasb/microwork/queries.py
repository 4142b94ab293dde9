"""Reads of the microwork app."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from kasb.participants.models import Participant
from kasb.skills.models import VerifiedSkill

from .models import Project, WorkerProfile


def _open_to(worker: Participant) -> QuerySet[Project]:
    """Published projects of the worker's partner that they may work on, in one query, languages aside (the
    caller compares those: a JSON list is not portably comparable in SQL): skills verified, living where the
    project needs, not past the deadline, distressing content only if they accept it."""
    qs = Project.objects.filter(status=Project.Status.PUBLISHED, programme__partner_id=worker.partner_id).filter(
        Q(deadline__isnull=True) | Q(deadline__gt=timezone.now()))
    # Every required skill verified (and not revoked): no required skill lacking a verification.
    lacking = Project.required_skills.through.objects.filter(project_id=OuterRef("pk")).exclude(
        skill_id__in=VerifiedSkill.objects.filter(participant=worker, revoked_at__isnull=True).values("skill_id"))
    qs = qs.exclude(Exists(lacking))
    # A project limited to some areas needs the worker to live in one of them.
    limited = Project.areas.through.objects.filter(project_id=OuterRef("pk"))
    qs = qs.exclude(Exists(limited)) if not worker.area_id else qs.filter(
        ~Exists(limited) | Exists(limited.filter(area_id=worker.area_id)))
    avoiding = WorkerProfile.objects.filter(participant=worker, avoid_distressing=True)
    return qs.filter(Q(distressing=False) | ~Exists(avoiding))


def _speaks(worker: Participant, languages: list[str] | None) -> bool:
    return set(languages or []) <= set(worker.languages or [])


def eligible_projects(worker: Participant) -> list[Project]:
    """The projects the worker may work on, newest first, with their programme (one query)."""
    projects = _open_to(worker).select_related("programme").order_by("-published_at", "pk")
    return [p for p in projects if _speaks(worker, p.languages)]


def eligible_project(worker: Participant, pk: int) -> Project | None:
    """That project with its programme if the worker may work on it, else None (one query)."""
    project = _open_to(worker).select_related("programme").filter(pk=pk).first()
    return project if project is not None and _speaks(worker, project.languages) else None


def eligibility(worker: Participant, project: Project) -> tuple[bool, int | None]:
    """(may work on it, the programme's daily cap in minutes or None), in one query of a few columns."""
    row = _open_to(worker).filter(pk=project.pk).values_list("languages", "programme__daily_work_minutes").first()
    if row is None or not _speaks(worker, row[0]):
        return False, None
    return True, row[1]


def may_work_on(worker: Participant, project: Project) -> bool:
    return eligibility(worker, project)[0]


def worker_language(worker_id: int) -> str:
    """The language of the worker's sign-in (where they read their money); without one, the language in use."""
    language = Participant.objects.filter(pk=worker_id).values_list("user__language", flat=True).first()
    return language or get_language() or settings.LANGUAGE_CODE
