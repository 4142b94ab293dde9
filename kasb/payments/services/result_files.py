"""Reading a provider's result file back: paid payouts complete, failed ones return to the worker's balance.

The whole file is checked first, in the request: a row whose amount or currency does not match its
payout rejects the file with every problem listed, and nothing is applied. A file of up to
ROWS_IN_REQUEST rows is then applied in the same request. A larger one is kept and applied by a
background task in chunks of CHUNK rows, each chunk in its own transaction that also moves the
progress counter, so the page can show progress and a task stopped half-way resumes where it left
off. Each payout id is settled once, whatever is re-imported (see payouts._settle).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.background import enqueue
from kasb.core.errors import Conflict
from kasb.core.permissions import Cap, Principal

from ..models import PayoutBatch, PayoutLine, ResultImport
from ..providers import ResultRow, get_provider
from .funding import may_act_for_partner
from .payouts import Batch, Line, _check_rows, _history, _settle

ROWS_IN_REQUEST = 500
CHUNK = 200


@transaction.atomic
def import_results(*, actor: Principal, batch: PayoutBatch, file_name: str, data: bytes,
                   background: bool | None = None) -> ResultImport:
    """Check the provider's result file and apply it: now, or (a large file, or `background`) in the background."""
    may_act_for_partner(actor, Cap.PREPARE_PAYOUTS, batch.partner_id)
    if batch.status not in (Batch.SENT, Batch.APPROVED, Batch.SETTLED):
        raise Conflict(_("Results can only be imported for a batch that has been approved."), code="not_approved")
    rows = get_provider(batch.provider).read_results(data)
    lines, report = _check_rows(batch, rows)
    later = len(rows) > ROWS_IN_REQUEST if background is None else background
    imported = ResultImport.objects.create(
        batch=batch, file_name=file_name[:200], file_sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor.user,
        report=report, total_rows=len(rows), status=ResultImport.Status.RUNNING)
    if later:
        imported.file.save(f"{batch.pk}-{uuid.uuid4().hex}.csv", ContentFile(data), save=True)
        from ..tasks import apply_result_file  # tasks call services; import here, not at the top

        enqueue(apply_result_file, imported.pk)
        return imported
    _apply_rows(imported, _to_apply(rows, report), lines)
    _finish(imported)
    imported.refresh_from_db()
    return imported


def apply_result_import(*, import_id: int) -> ResultImport:
    """The background part: apply what is left of a checked file, CHUNK rows per transaction."""
    imported = ResultImport.objects.select_related("batch", "uploaded_by").get(pk=import_id)
    if imported.status == ResultImport.Status.DONE:
        return imported
    with imported.file.open("rb") as handle:
        rows = get_provider(imported.batch.provider).read_results(handle.read())
    todo = _to_apply(rows, imported.report)
    while imported.applied_rows < len(todo):
        with transaction.atomic():
            imported = _locked(import_id)
            chunk = todo[imported.applied_rows:imported.applied_rows + CHUNK]
            lines, _report = _check_rows(imported.batch, chunk)  # the lines' status as it is now
            _apply_rows(imported, chunk, lines)
            imported.refresh_from_db()
    with transaction.atomic():
        imported = _locked(import_id)
        if imported.status != ResultImport.Status.DONE:
            _finish(imported)
    imported.refresh_from_db()
    return imported


def _locked(import_id: int) -> ResultImport:
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the uploader.
    return ResultImport.objects.select_for_update(of=("self",)).select_related("batch", "uploaded_by").get(
        pk=import_id)


def _to_apply(rows: list[ResultRow], report: list[dict[str, Any]]) -> list[ResultRow]:
    reported = {entry["row"] for entry in report}
    return [row for row in rows if row.row not in reported]


def _apply_rows(imported: ResultImport, rows: list[ResultRow], lines: dict[str, PayoutLine]) -> None:
    """Settle these rows and add them to the import's counts, in the caller's transaction."""
    user = imported.uploaded_by
    outcome: Counter[str] = Counter()
    changes: list[tuple[PayoutLine | None, str, str]] = []
    report = list(imported.report)
    for row in rows:
        line = lines[row.payout_id]
        result = _settle(line, row, user)
        if result in (Line.PAID, Line.FAILED):
            changes.append((line, Line.IN_TRANSIT, result))
            outcome[result] += 1
        elif result == "already":
            outcome["already"] += 1
        else:
            report.append({"row": row.row, "payout_id": row.payout_id, "reason": result})
    _history(imported.batch, changes, user, _("Result file %(name)s") % {"name": imported.file_name})
    ResultImport.objects.filter(pk=imported.pk).update(
        paid=imported.paid + outcome[Line.PAID], failed=imported.failed + outcome[Line.FAILED],
        already_applied=imported.already_applied + outcome["already"], report=report,
        applied_rows=imported.applied_rows + len(rows))
    settled = [line.pk for line, _old, new in changes if line is not None]
    if settled:
        from ..tasks import notify_payouts  # tasks call services; import here, not at the top

        enqueue(notify_payouts, settled)


def _finish(imported: ResultImport) -> None:
    """The batch is settled when no payout is left open; the kept file goes; the import is recorded as done."""
    imported.refresh_from_db()
    batch = imported.batch
    open_lines = PayoutLine.objects.filter(batch=batch, status__in=[Line.PENDING, Line.IN_TRANSIT])
    if not open_lines.exists() and PayoutBatch.objects.filter(pk=batch.pk).exclude(
            status=Batch.SETTLED).update(status=Batch.SETTLED):
        _history(batch, [(None, batch.status, Batch.SETTLED)], imported.uploaded_by,
                 _("Result file %(name)s") % {"name": imported.file_name})
    if imported.file:
        imported.file.delete(save=False)
    ResultImport.objects.filter(pk=imported.pk).update(status=ResultImport.Status.DONE, finished_at=timezone.now(),
                                                       file="")
    audit.record(actor=imported.uploaded_by, verb="payout_results.imported", obj=imported, batch=batch.pk,
                 paid=imported.paid, failed=imported.failed, already=imported.already_applied,
                 not_applied=len(imported.report))
