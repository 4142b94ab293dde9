from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils.translation import override

from . import services
from .models import ImportBatch


@shared_task(name="legacy.process_import")
def process_import(batch_id: int) -> str:
    batch = ImportBatch.objects.select_related("partner", "created_by").get(pk=batch_id)
    # Row errors are read by the person who uploaded the file: write them in their language.
    with override(batch.created_by.language if batch.created_by else settings.LANGUAGE_CODE):
        return services.process_import(batch=batch).status
