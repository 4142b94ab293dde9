"""/api/v1/monitoring: indicator definitions and indicator tables, results frameworks with progress against
target, and market insight.

Read-only. A table is suppressed (small cells hidden, with complements) unless the caller may see
unsuppressed figures and asks for them with suppress=false; the body says which it is. Bad filters are a
422 naming the field; a caller without VIEW_INDICATORS gets a 403.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from kasb.core.errors import NotFound
from kasb.core.permissions import Principal

from .context import parse_filters, scope_for
from .exports import indicator_dict, table_dict
from .indicators import INDICATORS
from .tables import compute
from .vocab import DIMENSIONS

router = Router(tags=["monitoring"])


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


class IndicatorOut(Schema):
    code: str
    name: str
    definition: str
    numerator: str
    denominator: str
    unit: str
    theme: str
    dimensions: list[str]
    available: bool
    comes_with: str


@router.get("/indicators", response=list[IndicatorOut], summary="Every indicator with its definition")
def indicators(request: HttpRequest) -> list[dict[str, Any]]:
    scope_for(_principal(request))
    return [indicator_dict(i) for i in INDICATORS.values()]


class TableQuery(Schema):
    start: str = ""
    end: str = ""
    programme: str = ""
    centre: str = ""
    group: str = ""
    by: str = ""
    suppress: bool = True


class CellOut(Schema):
    keys: list[str]
    value: Any = None
    suppressed: bool


class TableOut(Schema):
    indicator: IndicatorOut
    currency: str
    dimensions: list[str]
    labels: dict[str, dict[str, str]]
    start: str
    end: str
    suppressed: bool
    threshold: int
    cells: list[CellOut]


@router.get("/indicators/{code}/table", response=list[TableOut],
            summary="An indicator for a period, broken down by up to two of: " + ", ".join(DIMENSIONS))
def indicator_table(request: HttpRequest, code: str, params: Query[TableQuery]) -> list[dict[str, Any]]:
    """One table, or one per currency for money. `by` is one breakdown or two separated by a comma."""
    scope = scope_for(_principal(request))
    ind = INDICATORS.get(code)
    if ind is None:
        raise NotFound(_("No indicator has this code."))
    data = params.dict()
    data["suppress"] = "1" if params.suppress else "0"
    return [table_dict(t) for t in compute(ind, parse_filters(data), scope)]


# --- results frameworks and market insight -------------------------------------------------------------

class FrameworkOut(Schema):
    id: int
    name: str
    programme: int
    periods: list[str]


@router.get("/frameworks", response=list[FrameworkOut], summary="Results frameworks the caller may see")
def frameworks(request: HttpRequest) -> list[dict[str, Any]]:
    from django.db.models import Prefetch

    from .frameworks import frameworks_for
    from .models import Target

    qs = frameworks_for(_principal(request)).prefetch_related(
        Prefetch("results__indicators__targets", Target.objects.only("indicator_id", "period")))
    out = []
    for f in qs.order_by("name", "pk"):
        periods = {t.period for r in f.results.all() for line in r.indicators.all() for t in line.targets.all()}
        out.append({"id": f.pk, "name": f.name, "programme": f.programme_id, "periods": sorted(periods)})
    return out


class ProgressQuery(Schema):
    period: str
    suppress: bool = True


class ProgressOut(Schema):
    result: str
    level: str
    indicator: str
    label: str
    filter: dict[str, str]
    as_share: bool
    baseline: str | None
    target: str | None
    actual: str | None
    suppressed: bool
    percent_of_target: int | None


@router.get("/frameworks/{pk}/progress", response=list[ProgressOut],
            summary="Baseline, target and actual of every indicator of a framework for a period")
def framework_progress(request: HttpRequest, pk: int, params: Query[ProgressQuery]) -> list[dict[str, Any]]:
    """The period is a year (2025), a quarter (2025-Q2) or a span of years (2022-2024)."""
    from .frameworks import framework_for, progress

    principal = _principal(request)
    framework = framework_for(principal, pk)
    rows = progress(principal, framework, params.period.strip().upper(), suppress=params.suppress)
    return [{"result": r.result.code, "level": r.result.level, "indicator": r.line.code, "label": r.label,
             "filter": ({r.line.filter_dimension: r.line.filter_value} if r.line.filter_dimension else {}),
             "as_share": r.line.as_share, "baseline": _text(r.line.baseline), "target": _text(r.target),
             "actual": _text(r.actual), "suppressed": r.hidden, "percent_of_target": r.percent} for r in rows]


def _text(value: Any) -> str | None:
    return None if value is None else f"{value.normalize():f}"


class InsightQuery(Schema):
    start: str = ""
    end: str = ""
    programme: str = ""
    area: int | None = None
    suppress: bool = True


@router.get("/insight", summary="Skills demanded against skills supplied, courses that lead to work, suggestions")
def market_insight(request: HttpRequest, params: Query[InsightQuery]) -> dict[str, Any]:
    from .insight import insight

    data = {"start": params.start, "end": params.end, "programme": params.programme,
            "suppress": "1" if params.suppress else "0"}
    result = insight(_principal(request), parse_filters(data), area_id=params.area)
    return {
        "start": result.filters.start.isoformat(), "end": result.filters.end.isoformat(),
        "suppressed": result.suppressed, "threshold": result.threshold, "suggestions": result.suggestions,
        "gaps": [{"skill": g.label, "key": g.key, "area": result.areas.get(g.area_id or 0), "tasks": g.tasks,
                  "pay": dict(g.pay), "openings": g.openings, "qualified": g.qualified, "active": g.active,
                  "hidden": sorted(g.hidden)} for g in result.gaps],
        "courses": [{"course": c.label, "started": None if c.hidden else c.started,
                     "completion_rate": _text(c.completion_rate), "onboarded_share": _text(c.onboarded_share),
                     "median_accuracy": _text(c.accuracy), "median_earnings": c.earnings, "suppressed": c.hidden}
                    for c in result.courses],
    }
