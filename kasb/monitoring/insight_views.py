"""Market insight: the page and its CSV (with an HXL row). Suppressed for anyone outside the organisation."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kasb.core.errors import ValidationFailed
from kasb.core.spreadsheets import neutralise
from kasb.orgs.models import Area

from .context import scope_for
from .insight import Insight, insight
from .views import _common, _filters, _principal


def _area(request: HttpRequest) -> tuple[int | None, str]:
    value = (request.GET.get("area") or "").strip()
    if not value:
        return None, ""
    if not value.isdigit() or int(value) > 2**31:
        return None, _("Choose one of the listed values.")
    return int(value), ""


def _build(request: HttpRequest) -> tuple[Insight, dict[str, str], int | None]:
    principal = _principal(request)
    scope_for(principal)
    filters, errors = _filters(request, principal)
    area_id, problem = _area(request)
    if problem:
        errors["area"] = problem
    return insight(principal, filters, area_id=area_id), errors, area_id


@login_required
def market_insight(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    result, errors, area_id = _build(request)
    return render(request, "monitoring/insight.html", {
        **_common(principal, result.filters, errors), "insight": result, "area_id": area_id,
        "areas": Area.objects.order_by("country", "name"), "query": request.GET.urlencode()})


HEADERS = ["skill", "area", "tasks_posted", "pay_offered", "openings", "qualified", "active", "tasks_per_qualified"]
HXL = ["#sector+skill+name", "#adm1+name", "#activity+tasks+num", "#value+pay", "#activity+openings+num",
       "#reached+qualified", "#reached+active", "#indicator+ratio"]


def _cell(value: int | None, hidden: bool) -> str:
    return "suppressed" if hidden else ("" if value is None else str(value))


@login_required
def market_insight_csv(request: HttpRequest) -> HttpResponse:
    result, errors, _area_id = _build(request)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field=next(iter(errors)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerow(HXL)
    for gap in result.gaps:
        writer.writerow([neutralise(gap.label), neutralise(result.areas.get(gap.area_id or 0, "")), gap.tasks,
                         gap.pay_display, gap.openings,
                         _cell(gap.qualified, "qualified" in gap.hidden), _cell(gap.active, "active" in gap.hidden),
                         "" if gap.per_worker is None else gap.per_worker])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    f = result.filters
    response["Content-Disposition"] = (f'attachment; filename="kasb-market-insight-{f.start.isoformat()}-'
                                       f'{f.end.isoformat()}.csv"')
    return response
