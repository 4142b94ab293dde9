"""Reads shared by the pages, the API and `kasb report`: filter choices, the dashboard, the period report.

Every read takes the acting principal; scope_for refuses whoever may not see indicators.

The dashboard and the report page are kept in Django's cache (Redis when there are several app servers)
for KASB_MONITORING_CACHE_SECONDS (default 300) under the scope, the filters and the language: at
100,000 participants a dashboard takes seconds to work out, and everyone with the same view shares it.
The page says when its figures were worked out and offers to work them out again now.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kasb.core.permissions import Cap, Principal
from kasb.orgs.models import Organisation, Programme
from kasb.orgs.queries import centres_for
from kasb.outreach.models import Group

from .charts import Bar, bars, columns
from .context import Filters, Scope, scope_for
from .indicators import FUNNEL, INDICATORS, Indicator
from .models import ReportRun
from .tables import Table, compute_many
from .vocab import DIMENSIONS

DEFAULT_TREND = "enrolled"
DEFAULT_BREAKDOWN = "completed"
T = TypeVar("T")


def cache_seconds() -> int:
    """How long a worked-out dashboard or report page is reused (0: never)."""
    return max(int(getattr(settings, "KASB_MONITORING_CACHE_SECONDS", 300)), 0)


def _cached(name: str, scope: Scope, parts: tuple[Any, ...], make: Callable[[], T], *,
            refresh: bool = False) -> tuple[T, datetime]:
    """(what make() returns, when it was worked out): from the cache unless `refresh` or none is kept."""
    seconds = cache_seconds()
    if seconds <= 0:
        return make(), timezone.now()
    who = (None if scope.partner_ids is None else sorted(scope.partner_ids), sorted(scope.centre_ids),
           scope.unsuppressed)
    digest = hashlib.sha256(repr((who, parts, get_language())).encode()).hexdigest()
    key = f"kasb:monitoring:{name}:v1:{digest}"
    if not refresh:
        kept = cache.get(key)
        if kept is not None:
            return kept  # type: ignore[no-any-return]
    made = (make(), timezone.now())
    cache.set(key, made, seconds)
    return made


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
    as_of: datetime | None = None


def _number(cell_value: Any) -> float | None:
    return None if cell_value is None else float(cell_value)


def _bars(table: Table) -> list[Bar]:
    return [Bar(line.label, _number(line.total.value), line.total.display) for line in table.lines]


def dashboard(principal: Principal, filters: Filters, *, trend: str = DEFAULT_TREND,
              breakdown: str = DEFAULT_BREAKDOWN, by: str = "sex", refresh: bool = False) -> Dashboard:
    """The funnel, one indicator by month, one by a group and the same by location (cached: see above)."""
    scope = scope_for(principal)
    board, as_of = _cached("dashboard", scope, (filters, trend, breakdown, by),
                           lambda: _dashboard(scope, filters, trend, breakdown, by), refresh=refresh)
    board.as_of = as_of
    return board


def _dashboard(scope: Scope, filters: Filters, trend: str, breakdown: str, by: str) -> Dashboard:
    plain = _with(filters, ())
    available = [INDICATORS[code] for code in FUNNEL if INDICATORS[code].available]
    breakdown_ind = INDICATORS[breakdown]
    # One pass over each source of records serves every table of the page.
    *funnel_tables, trend_tables, by_tables, location_tables = compute_many(
        [*((ind, plain) for ind in available), (INDICATORS[trend], _with(plain, ("month",))),
         (breakdown_ind, _with(plain, (by,))), (breakdown_ind, _with(plain, ("area",)))], scope)
    tables = {ind.code: t[0] for ind, t in zip(available, funnel_tables, strict=True)}
    funnel = [(INDICATORS[code], tables.get(code)) for code in FUNNEL]
    funnel_bars = [Bar(str(ind.name), _number(t.total.value) if t else None,
                       t.total.display if t else _("comes with careers")) for ind, t in funnel]
    trend_table, by_table, location_table = trend_tables[0], by_tables[0], location_tables[0]
    return Dashboard(
        funnel=funnel, funnel_chart=bars(funnel_bars, title=_("The pathway")),
        trend=trend_table, trend_chart=columns(_bars(trend_table), title=str(INDICATORS[trend].name)),
        breakdown=by_table, breakdown_chart=bars(_bars(by_table), title=str(breakdown_ind.name)),
        location=location_table, location_chart=bars(_bars(location_table), title=str(breakdown_ind.name)),
        suppressed=trend_table.suppressed)


def _with(filters: Filters, dimensions: tuple[str, ...]) -> Filters:
    return Filters(filters.start, filters.end, filters.programme_id, filters.centre_id, filters.group, dimensions,
                   filters.suppress)


def report_size() -> int:
    """How many indicators a report computes (its progress steps)."""
    return sum(1 for ind in INDICATORS.values() if ind.available)


def report_page(principal: Principal, filters: Filters, *, refresh: bool = False) -> tuple[list[Table], datetime]:
    """The report as the page and its downloads show it, and when it was worked out (cached: see above)."""
    return _cached("report", scope_for(principal), (filters,), lambda: report(principal, filters), refresh=refresh)


def report(principal: Principal, filters: Filters, progress: Callable[[int], object] | None = None) -> list[Table]:
    """Every available indicator for the period, broken down as asked where the breakdown applies to it
    (an indicator it does not apply to shows its total only). Money indicators give a table per currency.
    `progress` is told how many indicators are done as the sources are read."""
    scope = scope_for(principal)
    requests = []
    for ind in INDICATORS.values():
        if not ind.available:
            continue
        dims = filters.dimensions if all(d in ind.dimensions for d in filters.dimensions) else ()
        requests.append((ind, _with(filters, dims)))
    return [table for tables in compute_many(requests, scope, progress) for table in tables]


def runs_for(principal: Principal) -> QuerySet[ReportRun]:
    """The report runs this person asked for, newest first (one query)."""
    if principal.user is None:
        return ReportRun.objects.none()
    return ReportRun.objects.filter(requested_by=principal.user)
