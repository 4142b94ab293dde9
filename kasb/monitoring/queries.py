"""Reads shared by the pages, the API and `kasb report`: filter choices, the dashboard, the period report.

Every read takes the acting principal; scope_for refuses whoever may not see indicators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kasb.core.permissions import Cap, Principal
from kasb.orgs.models import Organisation, Programme
from kasb.orgs.queries import centres_for
from kasb.outreach.models import Group

from .charts import Bar, bars, columns
from .context import Filters, scope_for
from .indicators import FUNNEL, INDICATORS, Indicator
from .models import ReportRun
from .tables import Table, compute
from .vocab import DIMENSIONS

DEFAULT_TREND = "enrolled"
DEFAULT_BREAKDOWN = "completed"


def programmes_for(principal: Principal) -> list[Programme]:
    scope = scope_for(principal)
    qs = Programme.objects.order_by("name")
    if scope.partner_ids is not None:
        partners = set(scope.partner_ids)
        centres = Organisation.objects.filter(pk__in=sorted(scope.centre_ids))
        partners |= set(centres.values_list("parent_id", flat=True))
        qs = qs.filter(partner_id__in=sorted(p for p in partners if p))
    return list(qs)


def filter_choices(principal: Principal) -> dict[str, Any]:
    """What the filter form offers: programmes, centres, groups and breakdowns (three queries)."""
    return {"programmes": programmes_for(principal),
            "centres": list(centres_for(principal, Cap.VIEW_INDICATORS).order_by("name")),
            "groups": list(Group.choices),
            "dimensions": [(d.code, d.label) for d in DIMENSIONS.values()],
            "indicators": [(i.code, i.name) for i in INDICATORS.values() if i.available]}


@dataclass
class Dashboard:
    funnel: list[tuple[Indicator, Table | None]]
    funnel_chart: Any
    trend: Table
    trend_chart: Any
    breakdown: Table
    breakdown_chart: Any
    location: Table
    location_chart: Any
    suppressed: bool


def _number(cell_value: Any) -> float | None:
    return None if cell_value is None else float(cell_value)


def _bars(table: Table) -> list[Bar]:
    return [Bar(line.label, _number(line.total.value), line.total.display) for line in table.lines]


def dashboard(principal: Principal, filters: Filters, *, trend: str = DEFAULT_TREND,
              breakdown: str = DEFAULT_BREAKDOWN, by: str = "sex") -> Dashboard:
    """The funnel, one indicator by month, one by a group and the same by location."""
    scope = scope_for(principal)
    plain = Filters(filters.start, filters.end, filters.programme_id, filters.centre_id, filters.group, (),
                    filters.suppress)
    funnel = []
    for code in FUNNEL:
        ind = INDICATORS[code]
        funnel.append((ind, compute(ind, plain, scope)[0] if ind.available else None))
    funnel_bars = [Bar(str(ind.name), _number(t.total.value) if t else None,
                       t.total.display if t else _("comes with careers")) for ind, t in funnel]
    trend_table = compute(INDICATORS[trend], _with(plain, ("month",)), scope)[0]
    breakdown_ind = INDICATORS[breakdown]
    by_table = compute(breakdown_ind, _with(plain, (by,)), scope)[0]
    location_table = compute(breakdown_ind, _with(plain, ("area",)), scope)[0]
    return Dashboard(
        funnel=funnel, funnel_chart=bars(funnel_bars, title=_("The pathway")),
        trend=trend_table, trend_chart=columns(_bars(trend_table), title=str(INDICATORS[trend].name)),
        breakdown=by_table, breakdown_chart=bars(_bars(by_table), title=str(breakdown_ind.name)),
        location=location_table, location_chart=bars(_bars(location_table), title=str(breakdown_ind.name)),
        suppressed=trend_table.suppressed)


def _with(filters: Filters, dimensions: tuple[str, ...]) -> Filters:
    return Filters(filters.start, filters.end, filters.programme_id, filters.centre_id, filters.group, dimensions,
                   filters.suppress)


def report(principal: Principal, filters: Filters) -> list[Table]:
    """Every available indicator for the period, broken down as asked where the breakdown applies to it
    (an indicator it does not apply to shows its total only). Money indicators give a table per currency."""
    scope = scope_for(principal)
    tables: list[Table] = []
    for ind in INDICATORS.values():
        if not ind.available:
            continue
        dims = filters.dimensions if all(d in ind.dimensions for d in filters.dimensions) else ()
        tables.extend(compute(ind, _with(filters, dims), scope))
    return tables


def runs_for(principal: Principal) -> QuerySet[ReportRun]:
    """The report runs this person asked for, newest first (one query)."""
    if principal.user is None:
        return ReportRun.objects.none()
    return ReportRun.objects.filter(requested_by=principal.user)
