"""Every write of the monitoring app: report runs (its own table). Nothing here writes to another app.

A report run is a small state machine: queued → running → done, or → failed from either, each move
recorded with who, when and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kasb.core import audit
from kasb.core.background import enqueue
from kasb.core.errors import Conflict, DomainError, ValidationFailed
from kasb.core.pdf import render_pdf
from kasb.core.permissions import Principal
from kasb.orgs.queries import principal_for_user

from . import exports
from .context import Filters, parse_filters, scope_for
from .indicators import INDICATORS
from .models import ReportRun, ReportRunChange
from .tables import Table, compute, period_label

S = ReportRun.Status
MOVES: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.RUNNING, S.FAILED}),
    S.RUNNING: frozenset({S.DONE, S.FAILED}),
}
PARAMETERS = ("start", "end", "programme", "centre", "group", "by", "suppress")


def _move(run: ReportRun, to: str, *, actor: Any = None, reason: str = "", **fields: Any) -> ReportRun:
    if to not in MOVES.get(run.status, frozenset()):
        raise Conflict(_("This report cannot go from “%(old)s” to “%(new)s”.")
                       % {"old": S(run.status).label, "new": S(to).label}, code="invalid_move")
    if not ReportRun.objects.filter(pk=run.pk, status=run.status).update(status=to, **fields):
        raise Conflict(_("Someone else changed this report just now; reload and try again."), code="stale")
    ReportRunChange.objects.create(run=run, from_status=run.status, to_status=to, actor=actor, reason=reason[:300])
    run.refresh_from_db()
    return run


@transaction.atomic
def request_report(*, actor: Principal, parameters: Mapping[str, Any], format: str, language: str) -> ReportRun:
    """Queue a period report as a file. Bad filters are refused now, not when the task runs."""
    scope = scope_for(actor)
    if format not in ReportRun.Format.values:
        raise ValidationFailed(_("Choose CSV, XLSX or PDF."), field="format")
    if actor.user is None:
        raise ValidationFailed(_("Sign in to prepare a report."))
    kept = {k: parameters[k] for k in PARAMETERS if k in parameters}
    if not scope.unsuppressed:
        kept["suppress"] = "1"
    filters = parse_filters(kept)
    run = ReportRun.objects.create(requested_by=actor.user, parameters=kept, format=format, language=language[:8],
                                   suppressed=filters.suppress or not scope.unsuppressed)
    ReportRunChange.objects.create(run=run, from_status="", to_status=S.QUEUED, actor=actor.user)
    audit.record(actor=actor.user, verb="monitoring.report_requested", obj=run, format=format, parameters=kept)
    from .tasks import build_report

    enqueue(build_report, run.pk)
    return run


def build_report(*, run_id: int) -> ReportRun:
    """Compute every indicator of the run, one step each, and store the file. Running it twice is harmless:
    a run that has left the queue is returned as it is."""
    run = ReportRun.objects.select_related("requested_by").get(pk=run_id)
    if run.status != S.QUEUED:
        return run
    indicators = [i for i in INDICATORS.values() if i.available]
    run = _move(run, S.RUNNING, total_steps=len(indicators))
    try:
        with override(run.language):
            principal = principal_for_user(run.requested_by)
            scope = scope_for(principal)  # their permission is checked again: it may have been withdrawn
            filters = parse_filters(run.parameters)
            tables: list[Table] = []
            for done, ind in enumerate(indicators, start=1):
                dims = filters.dimensions if all(d in ind.dimensions for d in filters.dimensions) else ()
                tables.extend(compute(ind, _with(filters, dims), scope))
                ReportRun.objects.filter(pk=run.pk).update(done_steps=done)
            content = _render(run.format, tables, filters)
    except DomainError as exc:
        return _move(run, S.FAILED, reason=exc.message, message=exc.message[:300], finished_at=timezone.now())
    name = f"kasb-indicators-{filters.start.isoformat()}-{filters.end.isoformat()}.{run.format}"
    run.file.save(name, ContentFile(content), save=False)
    return _move(run, S.DONE, file=run.file.name, suppressed=tables[0].suppressed if tables else True,
                 finished_at=timezone.now())


def _with(filters: Filters, dims: tuple[str, ...]) -> Filters:
    return Filters(filters.start, filters.end, filters.programme_id, filters.centre_id, filters.group, dims,
                   filters.suppress)


def _render(format: str, tables: list[Table], filters: Filters) -> bytes:
    if format == ReportRun.Format.CSV:
        return exports.to_csv(tables, filters).encode("utf-8")
    if format == ReportRun.Format.XLSX:
        return exports.to_xlsx(tables, filters)
    return render_pdf("monitoring/report_pdf.html", {
        "themes": exports.grouped(tables), "filters": filters, "note": exports.note(tables),
        "period": period_label(filters.start, filters.end)})
