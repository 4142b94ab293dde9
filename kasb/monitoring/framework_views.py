"""Results framework pages: the list (and a new framework, or one installed from a template), the page to
build one with plain forms (manage_monitoring), progress against target (view_indicators) and the IATI
results export. Writes go through services; a refused form shows its message beside the field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core.errors import DomainError, PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal
from kasb.orgs.models import Programme

from . import iati, services
from .charts import ProgressBar, progress_bars
from .context import scope_for
from .frameworks import Progress, filter_options, framework_for, frameworks_for, parse_period, periods, progress, tree
from .indicators import INDICATORS
from .models import Framework, Result, ResultIndicator
from .queries import programmes_for
from .seeds import TEMPLATES
from .tables import threshold


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


@login_required
def framework_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    frameworks = list(frameworks_for(principal).order_by("programme__name", "name"))
    errors: dict[str, str] = {}
    may_manage = principal.can(Cap.MANAGE_MONITORING)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(_("You do not have permission to do this."))
        try:
            framework = _create(principal, request.POST)
        except DomainError as exc:
            errors[exc.field or "name"] = exc.message
        else:
            messages.success(request, _("The results framework was created."))
            return redirect("monitoring:framework_edit", pk=framework.pk)
    return render(request, "monitoring/frameworks.html", {
        "frameworks": frameworks, "may_manage": may_manage, "errors": errors, "post": request.POST,
        "programmes": programmes_for(principal) if may_manage else [],
        "templates": [(code, spec.name) for code, spec in TEMPLATES.items()]}, status=400 if errors else 200)


def _programme(principal: Principal, value: str) -> Programme:
    programme = next((p for p in programmes_for(principal) if str(p.pk) == value), None)
    if programme is None:
        raise ValidationFailed(_("Choose one of the listed programmes."), field="programme")
    return programme


def _create(principal: Principal, data: Any) -> Framework:
    programme = _programme(principal, data.get("programme", ""))
    template = data.get("template", "")
    if template:
        year = data.get("first_year", "").strip()
        if year and not (year.isdigit() and 1990 <= int(year) <= 2100):
            raise ValidationFailed(_("Enter a year such as 2024."), field="first_year")
        return services.install_framework(actor=principal, programme=programme, template=template,
                                          first_year=int(year) if year else None)
    return services.create_framework(actor=principal, programme=programme, name=data.get("name", ""),
                                     iati_identifier=data.get("iati_identifier", ""))


ACTIONS = ("outcome", "output", "indicator", "target", "iati", "remove")


@login_required
def framework_edit(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    if not principal.can(Cap.MANAGE_MONITORING):
        raise PermissionDenied(_("You do not have permission to do this."))
    framework = framework_for(principal, pk)
    errors: dict[str, str] = {}
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            _apply(principal, framework, action, request.POST)
        except DomainError as exc:
            errors[f"{action}.{exc.field or ''}"] = exc.message
            errors[action] = exc.message
        else:
            messages.success(request, _("Saved."))
            return redirect("monitoring:framework_edit", pk=framework.pk)
    return render(request, "monitoring/framework_edit.html", {
        "framework": framework, "outcomes": tree(framework), "errors": errors, "action": action,
        "post": request.POST, "indicators": [(i.code, i.name) for i in INDICATORS.values() if i.available],
        "filter_options": filter_options(framework),
        "year": timezone.localdate().year}, status=400 if errors else 200)


def _result(framework: Framework, value: str, field: str) -> Result:
    found = Result.objects.filter(framework=framework, pk=value).first() if value.isdigit() else None
    if found is None:
        raise ValidationFailed(_("Choose one of the listed results."), field=field)
    return found


def _line(framework: Framework, value: str) -> ResultIndicator:
    found = (ResultIndicator.objects.filter(result__framework=framework, pk=value).select_related(
        "result__framework__programme").first() if value.isdigit() else None)
    if found is None:
        raise ValidationFailed(_("Choose one of the listed indicators."), field="indicator")
    return found


def _apply(principal: Principal, framework: Framework, action: str, data: Any) -> None:
    if action == "outcome":
        services.add_result(actor=principal, framework=framework, title=data.get("title", ""))
    elif action == "output":
        parent = _result(framework, data.get("parent", ""), "parent")
        services.add_result(actor=principal, framework=framework, title=data.get("title", ""), parent=parent)
    elif action == "indicator":
        result = _result(framework, data.get("result", ""), "result")
        # The page offers "breakdown:value" pairs by name; the two fields apart are accepted as well.
        dimension, _sep, value = data.get("filter", "").partition(":")
        if not _sep:
            dimension, value = data.get("filter_dimension", ""), data.get("filter_value", "")
        services.add_result_indicator(
            actor=principal, result=result, code=data.get("code", ""),
            filter_dimension=dimension, filter_value=value.strip(),
            as_share=data.get("as_share") == "1", baseline=data.get("baseline"),
            baseline_year=data.get("baseline_year"), currency=data.get("currency", ""))
    elif action == "target":
        services.set_target(actor=principal, indicator=_line(framework, data.get("indicator", "")),
                            period=data.get("period", ""), value=data.get("value"))
    elif action == "iati":
        services.set_iati_identifiers(actor=principal, framework=framework,
                                      iati_identifier=data.get("iati_identifier", ""),
                                      reporting_org_ref=data.get("reporting_org_ref", ""))
    elif action == "remove":
        services.remove_result_indicator(actor=principal, indicator=_line(framework, data.get("indicator", "")))
    else:
        raise ValidationFailed(_("Choose what to add."), field="action")


def _period(request: HttpRequest, framework: Framework) -> tuple[str, list[str], str]:
    known = periods(framework)
    period = (request.GET.get("period") or (known[0] if known else str(timezone.localdate().year))).strip().upper()
    try:
        parse_period(period)
    except ValidationFailed as exc:
        return (known[0] if known else str(timezone.localdate().year)), known, exc.message
    return period, known, ""


def _bars(rows: list[Progress]) -> list[ProgressBar]:
    out = []
    for row in rows:
        if row.hidden:
            display = "…"
        elif row.target is None:
            display = _("%(actual)s (no target)") % {"actual": row.display}
        else:
            display = _("%(actual)s of %(target)s") % {"actual": row.display, "target": row.target_display}
            if row.percent is not None:
                display = _("%(text)s (%(percent)s per cent)") % {"text": display, "percent": row.percent}
        out.append(ProgressBar(f"{row.result.code} {row.label}", row.percent, display))
    return out


@login_required
def framework_progress(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    scope = scope_for(principal)
    framework = framework_for(principal, pk)
    period, known, error = _period(request, framework)
    suppress = not (request.GET.get("show_small") == "1" and scope.unsuppressed)
    rows = progress(principal, framework, period, suppress=suppress)
    return render(request, "monitoring/framework_progress.html", {
        "framework": framework, "rows": rows, "period": period, "periods": known, "error": error,
        "suppressed": suppress, "may_unsuppress": scope.unsuppressed, "threshold": threshold(),
        "may_manage": principal.can(Cap.MANAGE_MONITORING),
        "chart": progress_bars(_bars(rows), title=_("Progress against target"))})


@login_required
def framework_iati(request: HttpRequest, pk: int) -> HttpResponse:
    """The IATI 2.03 results of the framework for one period; always suppressed (it leaves the organisation)."""
    principal = _principal(request)
    framework = framework_for(principal, pk)
    period, _known, error = _period(request, framework)
    if error:
        raise ValidationFailed(error, field="period")
    xml = iati.results_xml(principal, framework, period)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kasb-results-{framework.pk}-{period}.xml"'
    return response
