from __future__ import annotations

from celery import shared_task

from .services import produce_batch_file as produce


@shared_task(acks_late=True)
def produce_batch_file(batch_id: int) -> str:
    """Write an approved batch's provider file; running it twice writes the same file."""
    return produce(batch_id=batch_id).file_sha256
