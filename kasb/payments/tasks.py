from __future__ import annotations

from celery import shared_task

from .services import produce_batch_file as produce
from .services.payouts import notify_settled_payouts
from .services.result_files import apply_result_import


@shared_task(acks_late=True)
def produce_batch_file(batch_id: int) -> str:
    """Write an approved batch's provider file; running it twice writes the same file."""
    return produce(batch_id=batch_id).file_sha256


@shared_task(acks_late=True)
def notify_payouts(line_ids: list[int]) -> int:
    """SMS each worker the outcome of their payout; a line already told is skipped, so a rerun is harmless."""
    return notify_settled_payouts(line_ids=line_ids)


@shared_task(acks_late=True)
def apply_result_file(import_id: int) -> int:
    """Apply a large, already checked result file in chunks; a rerun resumes where it stopped."""
    return apply_result_import(import_id=import_id).applied_rows
