"""Indicator tables: the records of an indicator grouped by up to two breakdowns, with totals, and
suppressed for an outside audience.

The query count of a table is fixed: one query per source of records, at most one per breakdown for
labels (areas, centres, courses, cohorts). Everything else happens in Python over streamed rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from kasb.core.errors import ValidationFailed
from kasb.core.money import Money
from kasb.core.suppression import cell, layout, suppress

from .careers_rows import ROWS as CAREERS_ROWS
from .context import Filters, Scope, protected_needed
from .history_rows import HISTORY
from .indicators import HITS, Indicator
from .sources import APPROVED, Row, Source
from .survey_rows import ROWS as SURVEY_ROWS
from .vocab import DIMENSIONS, NOT_RECORDED, ROW_ATTRIBUTE, labeller, order_key

ALL = "__all__"
EXTRA_ROWS: dict[str, Callable[[Source], Iterable[Row]]] = {**CAREERS_ROWS, **SURVEY_ROWS}


def threshold() -> int:
    """Cells counting fewer people than this are hidden in tables for an outside audience (default 5)."""
    return max(int(getattr(settings, "KASB_SUPPRESSION_THRESHOLD", 5)), 1)


@dataclass
class Acc:
    """What one cell has seen."""

    persons: set[Any] = field(default_factory=set)
    hit_persons: set[Any] = field(default_factory=set)
    records: int = 0
    hits: int = 0
    items: set[Any] = field(default_factory=set)
    total: int = 0
    seconds: int = 0
    values: list[int] = field(default_factory=list)
    months: dict[tuple[Any, str], int] = field(default_factory=lambda: defaultdict(int))

    def add(self, row: Row, hit: bool, keeps: int, month: str) -> None:
        """Count the row; `keeps` says which of the costlier tallies this indicator's aggregate reads."""
        self.persons.add(row.person)
        self.records += row.records
        if hit:
            self.hit_persons.add(row.person)
            self.hits += row.records
        self.total += row.value
        if keeps:
            if keeps & KEEP_ITEMS and row.item is not None:
                self.items.add(row.item)
            if keeps & KEEP_SECONDS:
                self.seconds += row.seconds
            if keeps & KEEP_VALUES:
                self.values.append(row.value)
            if keeps & KEEP_MONTHS and row.value:
                self.months[(row.person, month)] += row.value


KEEP_ITEMS, KEEP_SECONDS, KEEP_VALUES, KEEP_MONTHS = 1, 2, 4, 8
KEEPS = {"distinct": KEEP_ITEMS, "hourly": KEEP_SECONDS, "median_days": KEEP_VALUES, "median": KEEP_VALUES,
         "median_monthly": KEEP_MONTHS}


@dataclass
class Cell:
    value: Any            # int, Decimal (shares, days), or None (nothing to show)
    n: int                # people behind it
    hidden: bool = False
    display: str = ""


@dataclass
class Line:
    code: str
    label: str
    cells: list[Cell]
    total: Cell


@dataclass
class Table:
    indicator: Indicator
    filters: Filters
    dimensions: tuple[str, ...]
    currency: str
    columns: list[tuple[str, str]]   # (code, label) of the second breakdown, or [("", total label)]
    lines: list[Line]
    column_totals: list[Cell]
    total: Cell
    suppressed: bool
    threshold: int

    @property
    def row_dimension(self) -> str:
        return self.dimensions[0] if self.dimensions else ""

    @property
    def row_dimension_label(self) -> str:
        return str(DIMENSIONS[self.dimensions[0]].label) if self.dimensions else ""

    @property
    def column_dimension(self) -> str:
        return self.dimensions[1] if len(self.dimensions) > 1 else ""

    @property
    def has_hidden(self) -> bool:
        return self.total.hidden or any(c.hidden for line in self.lines for c in [*line.cells, line.total])


def _median(values: list[int]) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[mid])
    return (Decimal(ordered[mid - 1]) + Decimal(ordered[mid])) / 2


def _value(ind: Indicator, acc: Acc) -> Any:
    kind = ind.aggregate
    if kind == "persons":
        return len(acc.persons)
    if kind == "distinct":
        return len(acc.items)
    if kind == "share":
        return _share(len(acc.hit_persons), len(acc.persons))
    if kind == "share_records":
        return _share(acc.hits, acc.records)
    if kind == "sum_money":
        return acc.total
    if kind == "median_monthly":
        median = _median(list(acc.months.values()))
        return None if median is None else int(median)  # a half minor unit is dropped
    if kind == "median_days":
        return _median(acc.values)
    if kind == "median":
        median = _median(acc.values)
        return None if median is None else int(median)
    if kind == "hourly":
        return acc.total * 3600 // acc.seconds if acc.seconds else None
    raise ValueError(kind)


def _share(num: int, den: int) -> Decimal | None:
    if not den:
        return None
    return (Decimal(100 * num) / Decimal(den)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _display(ind: Indicator, value: Any, currency: str) -> str:
    if value is None:
        return "–"
    if ind.unit == "share":
        return f"{value}%"
    if ind.unit == "money":
        return str(Money(int(value), currency))
    if ind.unit == "days":
        return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP).normalize():f}"
    return str(value)


# --- reading rows --------------------------------------------------------------------------------

# Indicators that read more than one source of records, one after the other: effective hourly earnings
# puts the money earned over the time spent.
PARTS: dict[str, tuple[str, ...]] = {"earnings_and_time": ("earnings", "time_spent")}


def _approved(row: Row) -> bool:
    return row.kind == APPROVED


def _checked(row: Row) -> bool:
    return row.checked


# Sources that are a part of one pass over another: (the source read, the rows kept, or None for all).
VIEWS: dict[str, tuple[str, Callable[[Row], bool] | None]] = {
    "approved_work": ("work", _approved), "gold_answers": ("work", _checked), "time_spent": ("work", None)}


def rows_of(name: str, source: Source) -> Iterator[Row]:
    """The rows of one source of records: a method of sources.Source, a careers or survey reader, or the
    time from first completion to first earning; historical records follow the native ones. A view
    (VIEWS) is its source's rows, filtered."""
    if name in VIEWS:
        underlying, keep = VIEWS[name]
        rows = rows_of(underlying, source)
        yield from (rows if keep is None else filter(keep, rows))
        return
    if name == "first_earnings_after_training":
        completed = source.first_completions()
        for row in source.first_earnings():
            done = completed.get(row.person)
            if done is not None and done <= row.on:
                row.value = (row.on - done).days
                yield row
        return
    if name in EXTRA_ROWS:
        yield from EXTRA_ROWS[name](source)
        return
    yield from getattr(source, name)()
    if name in HISTORY and not source.filters.programme_id:
        yield from HISTORY[name](source)


def _key(row: Row, dimension: str) -> str:
    kind = DIMENSIONS[dimension].kind
    if kind == "time":
        return f"{row.on:%Y-%m}"
    if kind == "record":
        return str(getattr(row, ROW_ATTRIBUTE.get(dimension, dimension)) or NOT_RECORDED)
    return row.who.value(dimension, row.on)


def check_request(ind: Indicator, filters: Filters) -> None:
    if not ind.available:
        raise ValidationFailed(_("This indicator comes with the %(app)s module, which is not installed yet.")
                               % {"app": ind.comes_with}, code="not_available", field="indicator")
    for d in filters.dimensions:
        if d not in ind.dimensions:
            raise ValidationFailed(_("“%(indicator)s” cannot be broken down by %(dimension)s.")
                                   % {"indicator": ind.name, "dimension": DIMENSIONS[d].label}, field="by")


def compute(ind: Indicator, filters: Filters, scope: Scope) -> list[Table]:
    """The indicator's table(s): one, or one per currency for money. Suppressed unless the scope may see
    unsuppressed figures and the filters ask for them."""
    return compute_many([(ind, filters)], scope)[0]


@dataclass
class _Job:
    """One table being filled from a pass over its source's rows."""

    ind: Indicator
    filters: Filters
    cells: dict[tuple[str, str, str], Acc] = field(default_factory=lambda: defaultdict(Acc))
    passes_left: int = 0  # passes over its sources still to come

    def __post_init__(self) -> None:
        self.hit = HITS.get(self.ind.code, _row_hit)
        self.keeps = KEEPS.get(self.ind.aggregate, 0)
        self.money = self.ind.unit == "money"

    def add(self, row: Row) -> None:
        ind, dims, keeps = self.ind, self.filters.dimensions, self.keeps
        if ind.keep is not None and not ind.keep(row):
            return
        r = _key(row, dims[0]) if dims else ""
        c = _key(row, dims[1]) if len(dims) > 1 else ""
        currency = row.currency if self.money else ""
        is_hit = self.hit(row)
        month = f"{row.on:%Y-%m}" if keeps & KEEP_MONTHS else ""
        for key in {(currency, r, c), (currency, r, ALL), (currency, ALL, c), (currency, ALL, ALL)}:
            self.cells[key].add(row, is_hit, keeps, month)

    def tables(self, scope: Scope) -> list[Table]:
        hide = (not scope.unsuppressed) or self.filters.suppress
        currencies = sorted({k[0] for k in self.cells}) or ([] if self.money else [""])
        return [_table(self.ind, self.filters, cur, {k[1:]: v for k, v in self.cells.items() if k[0] == cur}, hide)
                for cur in currencies]


def _row_hit(row: Row) -> bool:
    return row.hit


def compute_many(requests: Sequence[tuple[Indicator, Filters]], scope: Scope,
                 progress: Callable[[int], object] | None = None) -> list[list[Table]]:
    """The tables of several indicators (each as compute gives it), in order. Indicators over the same
    records (the same source, period, programme, centre and group) share one pass over them, whatever
    breakdowns each asks for: a report or a dashboard reads each source once. `progress` is told, as
    passes finish, how many of the requests are done."""
    for ind, filters in requests:
        check_request(ind, filters)
    passes: dict[tuple[Any, ...], list[tuple[_Job, Callable[[Row], bool] | None]]] = defaultdict(list)
    jobs = [_Job(ind, filters) for ind, filters in requests]
    for job in jobs:
        f = job.filters
        assert job.ind.source is not None
        parts = PARTS.get(job.ind.source, (job.ind.source,))
        job.passes_left = len(parts)
        for part in parts:
            name, keep = VIEWS.get(part, (part, None))
            passes[(name, f.start, f.end, f.programme_id, f.centre_id, f.group)].append((job, keep))
    done = 0
    for (name, *_rest), group in passes.items():
        protected = frozenset().union(*(protected_needed(j.filters) | frozenset(j.ind.needs) for j, _k in group))
        first = group[0][0].filters
        source = Source(first, scope, protected)
        for row in rows_of(name, source):
            if first.group and not row.who.in_group(first.group, row.on):
                continue
            for job, keep in group:
                if keep is None or keep(row):
                    job.add(row)
        for job, _keep in group:
            job.passes_left -= 1
            done += job.passes_left == 0
        if progress is not None:
            progress(done)
    return [job.tables(scope) for job in jobs]


def _axis(filters: Filters, dimension: str, present: Iterable[str]) -> list[tuple[str, str]]:
    values = {v for v in present if v != ALL}
    dim = DIMENSIONS[dimension]
    if dim.choices:
        values |= {code for code, _label in dim.choices}
    if dimension == "month":
        values |= set(filters.months)
    label = labeller(dimension, values)
    return [(v, label(v)) for v in sorted(values, key=lambda v: order_key(dimension, v))]


def _table(ind: Indicator, filters: Filters, currency: str, accs: dict[tuple[str, str], Acc], hide: bool) -> Table:
    dims = filters.dimensions
    rows = _axis(filters, dims[0], (k[0] for k in accs)) if dims else [("", _("All"))]
    cols = _axis(filters, dims[1], (k[1] for k in accs)) if len(dims) > 1 else [("", _("Total"))]
    empty = Acc()

    def acc(r: str, c: str) -> Acc:
        return accs.get((r if dims else ALL, c if len(dims) > 1 else ALL), empty)

    def make(a: Acc) -> Cell:
        value = _value(ind, a)
        return Cell(value, len(a.persons), display=_display(ind, value, currency))

    grid = [[make(acc(r, c)) for c, _l in cols] for r, _l in rows]
    row_totals = [make(acc(r, ALL)) for r, _l in rows]
    col_totals = [make(acc(ALL, c)) for c, _l in cols]
    total = make(accs.get((ALL, ALL), empty))
    limit = threshold()
    if hide:
        _hide(ind, grid, row_totals, col_totals, total, accs, rows, cols, dims, limit)
    lines = [Line(r, label, grid[i], row_totals[i]) for i, (r, label) in enumerate(rows)]
    return Table(ind, filters, dims, currency, cols, lines, col_totals, total, hide, limit)


def _hide(ind: Indicator, grid: list[list[Cell]], row_totals: list[Cell], col_totals: list[Cell], total: Cell,
          accs: dict[tuple[str, str], Acc], rows: list[tuple[str, str]], cols: list[tuple[str, str]],
          dims: tuple[str, ...], limit: int) -> None:
    """Primary and complementary suppression on the people behind each cell (and, for a share of people,
    on its numerator too), then the same entries hidden in the published figures."""
    grids = [[[c.n for c in line] for line in grid]]
    if ind.aggregate == "share":
        def hits(r: str, c: str) -> int:
            a = accs.get((r if dims else ALL, c if len(dims) > 1 else ALL))
            return len(a.hit_persons) if a else 0
        grids.append([[hits(r, c) for c, _l in cols] for r, _l in rows])
    hidden: set[Any] = set()
    for counts in grids:
        hidden |= suppress(layout(counts), limit)
    n_rows, n_cols = len(rows), len(cols)
    for r in range(n_rows):
        for c in range(n_cols):
            if cell(r, c) in hidden:
                grid[r][c].hidden = True
    for r in range(n_rows):
        # A one-column table's row totals are its cells.
        if ("row", r) in hidden or (n_cols == 1 and grid[r][0].hidden) or (n_rows == 1 and ("total",) in hidden):
            row_totals[r].hidden = True
    for c in range(n_cols):
        if ("col", c) in hidden or (n_rows == 1 and grid[0][c].hidden) or (n_rows > 1 and n_cols == 1
                                                                          and ("total",) in hidden):
            col_totals[c].hidden = True
    if ("total",) in hidden or (n_rows == 1 and n_cols == 1 and grid[0][0].hidden):
        total.hidden = True
    for a_cell in [*[x for line in grid for x in line], *row_totals, *col_totals, total]:
        if a_cell.hidden:
            a_cell.value, a_cell.display = None, "…"


def period_label(start: date, end: date) -> str:
    return _("%(start)s to %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}
