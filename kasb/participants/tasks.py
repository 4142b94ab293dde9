from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils.translation import override

from . import services
from .models import ImportJob


@shared_task(name="participants.process_import")
def process_import(job_id: int) -> str:
    job = ImportJob.objects.select_related("partner", "centre", "created_by").get(pk=job_id)
    # Row errors are read by the person who uploaded the file: write them in their language.
    with override(job.created_by.language if job.created_by else settings.LANGUAGE_CODE):
        return services.process_import(job=job).status

