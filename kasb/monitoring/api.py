"""/api/v1/monitoring: indicator definitions and indicator tables.

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
