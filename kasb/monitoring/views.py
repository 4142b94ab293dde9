"""Monitoring pages: the dashboard and the period report (page, CSV, XLSX, PDF). Read-only.

A bad filter is shown on the form and the page falls back to the default period; a missing capability
is a 403 (DomainErrorMiddleware).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kasb.core.errors import NotFound, ValidationFailed
from kasb.core.pdf import render_pdf
from kasb.core.permissions import Principal

from . import exports, queries, services
from .context import Filters, parse_filters, scope_for
from .indicators import INDICATORS
from .models import ReportRun
from .tables import Table, compute, period_label
from .vocab import DIMENSIONS


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _filters(request: HttpRequest, principal: Principal) -> tuple[Filters, dict[str, str]]:
    """The filters asked for, or the defaults with the problem to show beside the field."""
    data: dict[str, Any] = {k: request.GET.get(k, "") for k in ("start", "end", "programme", "centre", "group")}
    data["by"] = [d.strip() for value in request.GET.getlist("by") for d in value.split(",") if d.strip()][:3]
    # The safe-to-share view is the default; only those who may see small numbers can turn it off.
    data["suppress"] = "0" if request.GET.get("show_small") == "1" and scope_for(principal).unsuppressed else "1"
    try:
        return parse_filters(data), {}
    except ValidationFailed as exc:
        return parse_filters({"suppress": data["suppress"]}), {exc.field or "": exc.message}


def _common(principal: Principal, filters: Filters, errors: dict[str, str]) -> dict[str, Any]:
    return {"filters": filters, "errors": errors, "choices": queries.filter_choices(principal),
            "may_unsuppress": scope_for(principal).unsuppressed, "period": period_label(filters.start, filters.end)}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    scope_for(principal)  # 403 before any work for someone without the capability
    filters, errors = _filters(request, principal)
    indicator = request.GET.get("indicator", queries.DEFAULT_BREAKDOWN)
    if indicator not in INDICATORS or not INDICATORS[indicator].available:
        errors["indicator"] = _("Choose one of the listed indicators.")
        indicator = queries.DEFAULT_BREAKDOWN
    by = filters.dimensions[0] if filters.dimensions else "sex"
    if by not in INDICATORS[indicator].dimensions or DIMENSIONS[by].kind == "time":
        errors["by"] = _("This indicator cannot be broken down that way.")
        by = "sex"
    board = queries.dashboard(principal, filters, breakdown=indicator, by=by, refresh=_refresh(request))
    return render(request, "monitoring/dashboard.html", {**_common(principal, filters, errors), "board": board,
                                                         "indicator": INDICATORS[indicator], "by": by,
                                                         "as_of": board.as_of, "query": _query(request)})


def _refresh(request: HttpRequest) -> bool:
    """Whether the reader asked for the figures to be worked out again now, not taken from the cache."""
    return request.GET.get("refresh") == "1"


def _query(request: HttpRequest) -> str:
    """The page's filters as a query string for its links (without a refresh request)."""
    query = request.GET.copy()
    query.pop("refresh", None)
    return query.urlencode()


def _report(request: HttpRequest) -> tuple[Principal, Filters, dict[str, str], list[Table], Any]:
    principal = _principal(request)
    scope_for(principal)
    filters, errors = _filters(request, principal)
    tables, as_of = queries.report_page(principal, filters, refresh=_refresh(request))
    return principal, filters, errors, tables, as_of


@login_required
def report(request: HttpRequest) -> HttpResponse:
    principal, filters, errors, tables, as_of = _report(request)
    return render(request, "monitoring/report.html", {
        **_common(principal, filters, errors), "themes": exports.grouped(tables), "note": exports.note(tables),
        "query": _query(request), "runs": queries.runs_for(principal)[:5], "as_of": as_of})


def _name(filters: Filters, ext: str) -> str:
    return f"kasb-indicators-{filters.start.isoformat()}-{filters.end.isoformat()}.{ext}"


@login_required
def report_csv(request: HttpRequest) -> HttpResponse:
    _p, filters, _e, tables, _at = _report(request)
    response = HttpResponse(exports.to_csv(tables, filters), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_name(filters, "csv")}"'
    return response


@login_required
def indicator_csv(request: HttpRequest, code: str) -> HttpResponse:
    """One indicator as a wide table (a column per value of the second breakdown), e.g. #reached+f+refugees."""
    principal = _principal(request)
    scope = scope_for(principal)
    ind = INDICATORS.get(code)
    if ind is None:
        raise NotFound(_("No indicator has this code."))
    filters, errors = _filters(request, principal)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field=next(iter(errors)))
    tables = compute(ind, filters, scope)
    text = "".join(exports.to_wide_csv(t) for t in tables)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_name(filters, code + ".csv")}"'
    return response


@login_required
def report_xlsx(request: HttpRequest) -> HttpResponse:
    _p, filters, _e, tables, _at = _report(request)
    response = HttpResponse(exports.to_xlsx(tables, filters),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{_name(filters, "xlsx")}"'
    return response


@login_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    _p, filters, _e, tables, _at = _report(request)
    pdf = render_pdf("monitoring/report_pdf.html", {"themes": exports.grouped(tables), "filters": filters,
                                                    "note": exports.note(tables),
                                                    "period": period_label(filters.start, filters.end)})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_name(filters, "pdf")}"'
    return response


# --- reports prepared in the background -----------------------------------------------------------

@require_POST
@login_required
def prepare_report(request: HttpRequest) -> HttpResponse:
    """Queue the report as a file; the run's page shows progress and then the download."""
    principal = _principal(request)
    parameters: dict[str, Any] = {k: request.POST.get(k, "") for k in ("start", "end", "programme", "centre",
                                                                         "group")}
    parameters["by"] = ",".join(d for value in request.POST.getlist("by") for d in value.split(",") if d.strip())
    parameters["suppress"] = "0" if request.POST.get("show_small") == "1" else "1"
    try:
        run = services.request_report(actor=principal, parameters=parameters,
                                      format=request.POST.get("format", ""), language=get_language() or "en")
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("monitoring:report")
    return redirect("monitoring:run", pk=run.pk)


def _own_run(request: HttpRequest, pk: int) -> ReportRun:
    run = queries.runs_for(_principal(request)).filter(pk=pk).first()
    if run is None:
        raise NotFound(_("This report does not exist or was prepared for someone else."))
    return run


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "monitoring/run.html", {"run": _own_run(request, pk)})


@login_required
def run_download(request: HttpRequest, pk: int) -> FileResponse:
    run = _own_run(request, pk)
    if run.status != ReportRun.Status.DONE or not run.file:
        raise NotFound(_("This report is not ready yet."))
    name = (run.file.name or "report").rsplit("/", 1)[-1]
    return FileResponse(run.file.open("rb"), as_attachment=True, filename=name)
