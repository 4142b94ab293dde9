"""A period report as CSV (with an HXL hashtag row under the headers), XLSX and PDF.

One row per table cell (long format): indicator, breakdown values, figure. Every text cell goes through
kasb.core.spreadsheets (centre and area names come from partners). Hidden cells are empty with
"suppressed" in the status column; every file says whether it is suppressed and at what threshold.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from kasb.core.spreadsheets import neutralise, xlsx_cell

from .context import Filters
from .indicators import THEMES, Indicator
from .tables import Cell, Table
from .vocab import DIMENSIONS

GROUP_HXL = {"women": "+f", "refugees": "+refugees", "displaced": "+displaced", "minors": "+minors",
             "disability": "+disabled", "neet": "+neet", "female_headed": "+female_headed",
             "outside_capital": "+outside_capital"}


def headers(filters: Filters) -> list[tuple[str, str]]:
    """(header, HXL hashtag) for each column."""
    cols = [(_("Indicator code"), "#indicator+code"), (_("Indicator"), "#indicator+name"), (_("Unit"), "#meta+unit")]
    for n, d in enumerate(filters.dimensions):
        dim = DIMENSIONS[d]
        cols += [(f"{dim.label} ({_('code')})", f"{dim.hxl}+code+dim{n + 1}".replace("+name+code", "+code")),
                 (str(dim.label), f"{dim.hxl}+dim{n + 1}")]
    value = "#indicator+value+num" + GROUP_HXL.get(filters.group, "")
    cols += [(_("Value"), value), (_("Currency"), "#currency"), (_("Status"), "#status+suppressed"),
             (_("Period start"), "#date+start"), (_("Period end"), "#date+end"), (_("Reported on"), "#date+reported")]
    return cols


def _value(cell: Cell) -> Any:
    if cell.hidden or cell.value is None:
        return ""
    return cell.value


def rows(tables: list[Table], filters: Filters, today: date | None = None) -> Iterator[list[Any]]:
    reported = (today or timezone.localdate()).isoformat()
    dims = filters.dimensions

    def out(table: Table, keys: list[tuple[str, str]], cell: Cell) -> list[Any]:
        parts: list[Any] = [table.indicator.code, str(table.indicator.name), table.indicator.unit]
        padded = keys + [("", "")] * (len(dims) - len(keys))
        for code, label in padded[:len(dims)]:
            parts += [code, label]
        status = "suppressed" if cell.hidden else ""
        return parts + [_value(cell), table.currency, status, filters.start.isoformat(), filters.end.isoformat(),
                        reported]

    total = ("", _("Total"))
    for table in tables:
        table_dims = len(table.dimensions)
        for line in table.lines:
            if table_dims == 2:
                for (code, label), cell in zip(table.columns, line.cells, strict=True):
                    yield out(table, [(line.code, line.label), (code, label)], cell)
                yield out(table, [(line.code, line.label), total], line.total)
            elif table_dims == 1:
                yield out(table, [(line.code, line.label)] + ([total] if len(dims) > 1 else []), line.total)
        if table_dims == 2:
            for (code, label), cell in zip(table.columns, table.column_totals, strict=True):
                yield out(table, [total, (code, label)], cell)
        yield out(table, [total] * table_dims if table_dims else [], table.total)


# HXL attributes for breakdown values, as humanitarian datasets write them (#reached+f+refugees).
VALUE_HXL = {("sex", "female"): "+f", ("sex", "male"): "+m", ("displacement", "refugee"): "+refugees",
             ("displacement", "asylum_seeker"): "+asylum_seekers", ("displacement", "idp"): "+idps",
             ("displacement", "host_community"): "+host", ("displacement", "returnee"): "+returnees",
             ("displacement", "migrant_worker"): "+migrant_workers",
             ("displacement", "potential_migrant"): "+potential_migrants", ("disability", "yes"): "+disabled",
             ("disability", "no"): "+not_disabled"}


def value_hashtag(table: Table, code: str) -> str:
    """The hashtag of one column of a wide table: #reached+f+refugees for people, #indicator+value+num else."""
    base = "#reached" if table.indicator.aggregate == "persons" else "#indicator+value+num"
    attribute = ""
    if table.column_dimension and code:
        attribute = VALUE_HXL.get((table.column_dimension, code), "")
        if not attribute:
            cleaned = "".join(ch if ch.isalnum() else "_" for ch in code.lower())
            attribute = f"+{table.column_dimension}_{cleaned}"
    elif table.column_dimension:
        attribute = "+total"
    return base + attribute + GROUP_HXL.get(table.filters.group, "")


def to_wide_csv(table: Table) -> str:
    """One indicator as its table reads: a row per value of the first breakdown, a column per value of the
    second, totals last; an HXL row under the headers, and the suppression note last."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    row_dim = DIMENSIONS[table.row_dimension] if table.dimensions else None
    columns = table.columns if table.column_dimension else []
    header = [str(row_dim.label) if row_dim else _("Indicator")] + [label for _c, label in columns] + [_("Total")]
    tags = [row_dim.hxl if row_dim else "#indicator+name"] + [value_hashtag(table, c) for c, _l in columns]
    tags.append(value_hashtag(table, ""))
    writer.writerow([neutralise(h) for h in header])
    writer.writerow(tags)

    def figures(cells: list[Cell], total: Cell) -> list[Any]:
        return [_value(c) for c in (cells if columns else [])] + [_value(total)]
    for line in table.lines if table.dimensions else []:
        writer.writerow([neutralise(line.label), *figures(line.cells, line.total)])
    writer.writerow([neutralise(str(_("Total")) if table.dimensions else str(table.indicator.name)),
                     *figures(table.column_totals, table.total)])
    writer.writerow([neutralise("# " + note([table]))])
    return buffer.getvalue()


def grouped(tables: list[Table]) -> list[tuple[str, list[Table]]]:
    """Tables under their theme's heading, in the registry's order."""
    out: dict[str, list[Table]] = {}
    for t in tables:
        out.setdefault(str(THEMES[t.indicator.theme]), []).append(t)
    return list(out.items())


def note(tables: list[Table]) -> str:
    if tables and tables[0].suppressed:
        return _("Safe to share: cells counting fewer than %(n)s people are hidden, with more cells hidden where "
                 "totals would give them away.") % {"n": tables[0].threshold}
    return _("Unsuppressed: small numbers are shown. For internal use only; do not share outside the "
             "organisation.")


def to_csv(tables: list[Table], filters: Filters) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    cols = headers(filters)
    writer.writerow([neutralise(h) for h, _tag in cols])
    writer.writerow([tag for _h, tag in cols])
    for row in rows(tables, filters):
        writer.writerow([neutralise(v) if isinstance(v, str) else v for v in row])
    writer.writerow([neutralise("# " + note(tables))])
    return buffer.getvalue()


def to_xlsx(tables: list[Table], filters: Filters) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Indicators")[:31]
    cols = headers(filters)
    sheet.append([xlsx_cell(h) for h, _tag in cols])
    sheet.append([xlsx_cell(tag) for _h, tag in cols])
    for row in rows(tables, filters):
        sheet.append([xlsx_cell(v) for v in row])
    about = book.create_sheet(_("About")[:31])
    about.append([xlsx_cell(note(tables))])
    about.append([xlsx_cell(_("Period")), xlsx_cell(f"{filters.start.isoformat()} – {filters.end.isoformat()}")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- JSON (the API and `kasb report --format json`) -----------------------------------------------

def indicator_dict(ind: Indicator) -> dict[str, Any]:
    return {"code": ind.code, "name": str(ind.name), "definition": str(ind.definition),
            "numerator": str(ind.numerator), "denominator": str(ind.denominator), "unit": ind.unit,
            "theme": ind.theme, "dimensions": sorted(ind.dimensions), "available": ind.available,
            "comes_with": ind.comes_with}


def _cell(keys: list[str], cell: Cell) -> dict[str, Any]:
    value = cell.value
    if value is not None and not isinstance(value, int):
        value = str(value)  # shares and days as exact decimal strings
    return {"keys": keys, "value": None if cell.hidden else value, "suppressed": cell.hidden}


def table_dict(t: Table) -> dict[str, Any]:
    """Cells keyed by breakdown codes; "" stands for the total along that breakdown."""
    cells = []
    labels: dict[str, dict[str, str]] = {d: {} for d in t.dimensions}
    for line in t.lines:
        if t.dimensions:
            labels[t.dimensions[0]][line.code] = line.label
        if len(t.dimensions) == 2:
            for (code, label), cell in zip(t.columns, line.cells, strict=True):
                labels[t.dimensions[1]][code] = label
                cells.append(_cell([line.code, code], cell))
            cells.append(_cell([line.code, ""], line.total))
        elif t.dimensions:
            cells.append(_cell([line.code], line.total))
    if len(t.dimensions) == 2:
        cells += [_cell(["", code], cell) for (code, _l), cell in zip(t.columns, t.column_totals, strict=True)]
    cells.append(_cell([""] * len(t.dimensions), t.total))
    return {"indicator": indicator_dict(t.indicator), "currency": t.currency, "dimensions": list(t.dimensions),
            "labels": labels, "start": t.filters.start.isoformat(), "end": t.filters.end.isoformat(),
            "suppressed": t.suppressed, "threshold": t.threshold, "cells": cells}
