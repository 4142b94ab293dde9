"""Every write of the monitoring app: report runs (its own table). Nothing here writes to another app.

A report run is a small state machine: queued → running → done, or → failed from either, each move
recorded with who, when and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kasb.core import audit
from kasb.core.background import enqueue
from kasb.core.cleaning import clean_text
from kasb.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from kasb.core.money import check_currency
from kasb.core.pdf import render_pdf
from kasb.core.permissions import Cap, Principal, require
from kasb.orgs.models import Programme
from kasb.orgs.queries import principal_for_user

from . import exports
from .context import Filters, parse_filters, scope_for
from .frameworks import managed_programme_partners, parse_period
from .indicators import INDICATORS
from .models import Framework, ReportRun, ReportRunChange, Result, ResultIndicator, Target
from .queries import report, report_size
from .tables import Table, period_label
from .vocab import DIMENSIONS

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
    run = _move(run, S.RUNNING, total_steps=report_size())
    try:
        with override(run.language):
            principal = principal_for_user(run.requested_by)
            filters = parse_filters(run.parameters)
            # Their permission is checked again (it may have been withdrawn); progress is stored per pass.
            tables = report(principal, filters, lambda done: ReportRun.objects.filter(pk=run.pk)
                            .update(done_steps=done))
            content = _render(run.format, tables, filters)
    except DomainError as exc:
        return _move(run, S.FAILED, reason=exc.message, message=exc.message[:300], finished_at=timezone.now())
    name = f"kasb-indicators-{filters.start.isoformat()}-{filters.end.isoformat()}.{run.format}"
    run.file.save(name, ContentFile(content), save=False)
    return _move(run, S.DONE, file=run.file.name, suppressed=tables[0].suppressed if tables else True,
                 finished_at=timezone.now())


def _render(format: str, tables: list[Table], filters: Filters) -> bytes:
    if format == ReportRun.Format.CSV:
        return exports.to_csv(tables, filters).encode("utf-8")
    if format == ReportRun.Format.XLSX:
        return exports.to_xlsx(tables, filters)
    return render_pdf("monitoring/report_pdf.html", {
        "themes": exports.grouped(tables), "filters": filters, "note": exports.note(tables),
        "period": period_label(filters.start, filters.end)})


# --- results frameworks -------------------------------------------------------------------------------
# Building a framework is plain data entry by M&E staff of the programme's partner (manage_monitoring).

def _check_programme(actor: Principal, programme: Programme) -> None:
    require(actor, Cap.MANAGE_MONITORING)
    partners = managed_programme_partners(actor)
    if partners is not None and programme.partner_id not in partners:
        raise PermissionDenied(_("You do not manage monitoring for this programme's partner."))


@transaction.atomic
def create_framework(*, actor: Principal, programme: Programme, name: str, iati_identifier: str = "",
                     template: str = "") -> Framework:
    _check_programme(actor, programme)
    name = clean_text(name, "name", 200, required=True)
    if Framework.objects.filter(programme=programme, name=name).exists():
        raise Conflict(_("This programme already has a results framework with this name."), code="duplicate",
                       field="name")
    framework = Framework.objects.create(programme=programme, name=name, iati_identifier=iati_identifier.strip()[:150],
                                         template=template, created_by=actor.user)
    audit.record(actor=actor.user, verb="monitoring.framework_created", obj=framework, programme=programme.pk)
    return framework


@transaction.atomic
def set_iati_identifiers(*, actor: Principal, framework: Framework, iati_identifier: str,
                         reporting_org_ref: str) -> Framework:
    """The identifiers the IATI results export needs: the activity's and the reporting organisation's."""
    _check_programme(actor, framework.programme)
    activity = clean_text(iati_identifier, "iati_identifier", 150, required=True)
    org = clean_text(reporting_org_ref, "reporting_org_ref", 100, required=True)
    if not activity.startswith(org + "-"):
        raise ValidationFailed(_("An IATI activity identifier starts with the organisation identifier and a "
                                 "hyphen (JO-MOI-1234-PROJECT-1)."), field="iati_identifier")
    if any(c.isspace() or c in "/&|?" for c in activity):
        raise ValidationFailed(_("An IATI identifier has no spaces or the characters / & | ?."),
                               field="iati_identifier")
    Framework.objects.filter(pk=framework.pk).update(iati_identifier=activity, reporting_org_ref=org)
    audit.record(actor=actor.user, verb="monitoring.framework_iati_set", obj=framework, iati_identifier=activity)
    framework.refresh_from_db()
    return framework


@transaction.atomic
def add_result(*, actor: Principal, framework: Framework, title: str, parent: Result | None = None) -> Result:
    """An outcome (no parent) or an output under an outcome, numbered 1, 2 … and 1.1, 1.2 …"""
    _check_programme(actor, framework.programme)
    title = clean_text(title, "title", 300, required=True)
    if parent is not None and (parent.framework_id != framework.pk or parent.level != Result.Level.OUTCOME):
        raise ValidationFailed(_("An output goes under an outcome of the same framework."), field="parent")
    siblings = Result.objects.filter(framework=framework, parent=parent).count()
    code = f"{parent.code}.{siblings + 1}" if parent else str(siblings + 1)
    level = Result.Level.OUTPUT if parent else Result.Level.OUTCOME
    result = Result.objects.create(framework=framework, parent=parent, level=level, code=code, title=title,
                                   order=siblings + 1)
    audit.record(actor=actor.user, verb="monitoring.result_added", obj=result, framework=framework.pk)
    return result


def _decimal(value: Any, field: str, *, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("Enter a number."), field=field)
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationFailed(_("Enter a number."), field=field) from None
    if not number.is_finite() or number < 0 or number >= Decimal("1e12"):
        raise ValidationFailed(_("Enter a number of zero or more."), field=field)
    return number.quantize(Decimal("0.01"))


def _check_indicator(code: str, dimension: str, value: str, as_share: bool, currency: str) -> str:
    ind = INDICATORS.get(code)
    if ind is None or not ind.available:
        raise ValidationFailed(_("Choose one of the listed indicators."), field="code")
    if dimension or value or as_share:
        if dimension not in ind.dimensions or DIMENSIONS[dimension].kind == "time":
            raise ValidationFailed(_("This indicator cannot be kept to that breakdown."), field="filter_dimension")
        choices = DIMENSIONS[dimension].choices
        if not value or (choices and value not in {c for c, _l in choices}):
            raise ValidationFailed(_("Choose one of the listed values."), field="filter_value")
    if as_share and ind.unit != "count":
        raise ValidationFailed(_("Only a count can be shown as a share of all."), field="as_share")
    if ind.unit == "money":
        if not currency:
            raise ValidationFailed(_("Give the currency of the targets (e.g. USD)."), field="currency")
        return check_currency(currency)
    return ""


@transaction.atomic
def add_result_indicator(*, actor: Principal, result: Result, code: str, filter_dimension: str = "",
                         filter_value: str = "", as_share: bool = False, baseline: Any = None,
                         baseline_year: Any = None, currency: str = "") -> ResultIndicator:
    _check_programme(actor, result.framework.programme)
    currency = _check_indicator(code, filter_dimension, filter_value, as_share, (currency or "").strip().upper())
    year = None
    if baseline_year not in (None, ""):
        text = str(baseline_year).strip()
        if not text.isdigit() or not 1990 <= int(text) <= 2100:
            raise ValidationFailed(_("Enter a year such as 2024."), field="baseline_year")
        year = int(text)
    order = ResultIndicator.objects.filter(result=result).count() + 1
    line = ResultIndicator.objects.create(result=result, code=code, filter_dimension=filter_dimension,
                                          filter_value=filter_value, as_share=as_share,
                                          baseline=_decimal(baseline, "baseline"), baseline_year=year,
                                          currency=currency, order=order)
    audit.record(actor=actor.user, verb="monitoring.result_indicator_added", obj=line, code=code)
    return line


@transaction.atomic
def set_target(*, actor: Principal, indicator: ResultIndicator, period: str, value: Any) -> Target:
    """Set (or change) the target of one indicator for one period."""
    _check_programme(actor, indicator.result.framework.programme)
    period = str(period or "").strip().upper()
    parse_period(period)
    number = _decimal(value, "value", required=True)
    assert number is not None
    target, created = Target.objects.update_or_create(indicator=indicator, period=period,
                                                      defaults={"value": number})
    audit.record(actor=actor.user, verb="monitoring.target_set", obj=target, period=period, value=str(number),
                 created=created)
    return target


@transaction.atomic
def remove_result_indicator(*, actor: Principal, indicator: ResultIndicator) -> None:
    _check_programme(actor, indicator.result.framework.programme)
    audit.record(actor=actor.user, verb="monitoring.result_indicator_removed", obj=indicator, code=indicator.code)
    indicator.delete()


@transaction.atomic
def install_framework(*, actor: Principal, programme: Programme, template: str, first_year: int | None = None,
                      ) -> Framework:
    """A results framework from a shipped template (kasb/monitoring/seeds.py): the targets the programme's
    own documents state, for the span of years they cover, starting at `first_year` (default: the
    programme's start year, or this year)."""
    from .seeds import TEMPLATES

    spec = TEMPLATES.get(template)
    if spec is None:
        raise ValidationFailed(_("There is no such results framework template."), field="template")
    start = first_year or (programme.starts_on.year if programme.starts_on else timezone.localdate().year)
    period = f"{start}-{start + spec.years - 1}" if spec.years > 1 else str(start)
    framework = create_framework(actor=actor, programme=programme, name=str(spec.name), template=template)
    for outcome in spec.outcomes:
        parent = add_result(actor=actor, framework=framework, title=str(outcome.title))
        _install_lines(actor, parent, outcome.lines, period)
        for output in outcome.outputs:
            child = add_result(actor=actor, framework=framework, title=str(output.title), parent=parent)
            _install_lines(actor, child, output.lines, period)
    return framework


def _install_lines(actor: Principal, result: Result, lines: Any, period: str) -> None:
    for spec in lines:
        line = add_result_indicator(actor=actor, result=result, code=spec.code, filter_dimension=spec.dimension,
                                    filter_value=spec.value, as_share=spec.as_share, currency=spec.currency,
                                    baseline=0 if not spec.as_share else None)
        set_target(actor=actor, indicator=line, period=period, value=spec.target)
