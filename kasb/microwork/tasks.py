"""Background work of the microwork app. Each task takes ids, loads what it needs and calls a service;
running it twice does no harm. Keep each area's tasks in its own section."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils.translation import override

from .models import Project, TaskUpload
from .services import closing, fairpay, review, uploads
from .services.webhooks import deliver_webhooks_task  # noqa: F401  (registers microwork.deliver_webhooks)
from .services.work import release_expired

# --- task uploads and fair pay (services/uploads.py, services/fairpay.py) -------------------------


@shared_task(name="microwork.process_upload")
def process_upload(upload_id: int) -> str:
    """Check an uploaded file of tasks and add them all, or report every problem."""
    upload = TaskUpload.objects.select_related("project", "created_by").get(pk=upload_id)
    # Row problems are read by the person who uploaded the file: write them in their language.
    language = getattr(upload.created_by, "language", "") or settings.LANGUAGE_CODE
    with override(language):
        return uploads.process_upload(upload=upload).status


@shared_task(name="microwork.remeasure_project")
def remeasure_project(project_id: int) -> bool:
    """Re-measure a project's time per task if enough new submissions came in (call after submissions)."""
    return fairpay.remeasure_if_due(project_id)


@shared_task(name="microwork.remeasure_projects")
def remeasure_projects(limit: int = 1000) -> int:
    """Periodic sweep: re-measure every published or paused project that is due. Returns how many were."""
    ids = Project.objects.filter(status__in=(Project.Status.PUBLISHED, Project.Status.PAUSED)).order_by(
        "pk").values_list("pk", flat=True)[:limit]
    return sum(1 for pk in ids if fairpay.remeasure_if_due(pk))


# --- quality assurance and leases (services/review.py, services/work.py) -------------------------


@shared_task(name="microwork.auto_approve_due")
def auto_approve_due() -> int:
    """Approve and pay work that waited longer than its project's review window; coach low accuracy."""
    return review.auto_approve_due()


@shared_task(name="microwork.aggregate_project")
def aggregate_project(project_id: int) -> int:
    return review.aggregate_project(Project.objects.get(pk=project_id))


@shared_task(name="microwork.complete_finished_projects")
def complete_finished_projects() -> int:
    """Complete projects whose work is done and give what is left of their reservation back to the client."""
    return closing.complete_finished_projects()


@shared_task(name="microwork.release_expired")
def release_expired_leases() -> int:
    """Give back the slots of leases whose time ran out (claims also do this lazily)."""
    return release_expired(limit=5000)
