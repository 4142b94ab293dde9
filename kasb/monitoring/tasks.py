from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="monitoring.build_report")
def build_report(run_id: int) -> str:
    return services.build_report(run_id=run_id).status
