from __future__ import annotations

from celery import shared_task


@shared_task(name="core.ping")
def ping(value: str) -> str:
    """Round-trip check for a worker: returns what it was given."""
    return value
