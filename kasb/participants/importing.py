"""Bulk registration from CSV or XLSX: read, validate every row, then import all or the valid rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.datavalidation import DataValidation

from kasb.core.errors import ValidationFailed

from .models import ImportJob
from .registration import COLUMNS, REQUIRED
from .vocab import Displacement, Sex

HEADER_ROW = 1
# Columns error_file adds; read_rows skips them.
ERROR_FILE_COLUMNS = ("row", "problems")


class FileUnreadable(ValidationFailed):
    code = "file_unreadable"


def _xlsx_rows(stream: IO[bytes]) -> Iterator[list[Any]]:
    try:
        sheet = load_workbook(stream, read_only=True, data_only=True).worksheets[0]
        yield from (list(r) for r in sheet.iter_rows(values_only=True))
    except Exception as exc:  # openpyxl raises many kinds for a damaged file, some only while reading rows
        raise FileUnreadable(_("This is not a readable .xlsx file.")) from exc


def _csv_rows(stream: IO[bytes]) -> Iterator[list[Any]]:
    # Decode the whole file first: a wrong encoding further down would otherwise stop the import half-way.
    try:
        text = stream.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileUnreadable(_("Save the CSV file as UTF-8 and upload it again.")) from exc
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise FileUnreadable(_("This is not a readable .csv file: %(reason)s") % {"reason": exc}) from exc


def read_rows(name: str, stream: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """The header and an iterator of (spreadsheet row number, {column: value}) of a registry import file.

    Raises FileUnreadable, at once or while iterating, when the file cannot be read. The `row` and
    `problems` columns of an error file (see error_file) are ignored, so it can be fixed and uploaded again.
    """
    return read_table(name, stream, columns=COLUMNS, required=REQUIRED)


def read_table(name: str, stream: IO[bytes], *, columns: Iterable[str], required: Iterable[str]
               ) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """What read_rows does, for any template: `columns` are the known ones, `required` must be there.
    Other imports (historical records) read their files with it, so every import reads files alike."""
    known = set(columns)
    lower = name.lower()
    if lower.endswith(".xlsx"):
        lines = _xlsx_rows(stream)
    elif lower.endswith(".csv"):
        lines = _csv_rows(stream)
    else:
        raise FileUnreadable(_("Upload a .csv or .xlsx file."))
    header = [str(h if h is not None else "").strip().lower() for h in next(lines, [])]
    header = ["" if h in ERROR_FILE_COLUMNS else h for h in header]
    unknown = [h for h in header if h and h not in known]
    if unknown:
        raise FileUnreadable(_("Unknown columns: %(cols)s. Download the template to see the columns.")
                             % {"cols": ", ".join(unknown)})
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        raise FileUnreadable(_("These columns appear more than once: %(cols)s.") % {"cols": ", ".join(twice)})
    missing = [c for c in required if c not in header]
    if missing:
        raise FileUnreadable(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})

    def numbered() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, values in enumerate(lines, start=HEADER_ROW + 1):
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            yield number, {h: v for h, v in zip(header, values, strict=False) if h}
    return header, numbered()


def template_xlsx() -> bytes:
    """The import template: one header row, one example row, drop-downs for the coded columns."""
    book = Workbook()
    sheet = book.active
    sheet.title = "participants"
    sheet.append(COLUMNS)
    sheet.append(["Amal", "Haddad", "female", "2003-05-14", "SY", "refugee", "+962791234567", "", "unhcr",
                  "945-00123456", "", "JO-IR", "", "yes", "upper_secondary", "no", "no", "ar,en", "smartphone",
                  "mobile_data", "whatsapp", "", 1, 1, 1, 1, 1, 1, "yes", "yes", "yes", "no"])
    for column, choices in (("sex", Sex.values), ("displacement_status", Displacement.values)):
        letter = sheet.cell(row=1, column=COLUMNS.index(column) + 1).column_letter
        rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=False)
        rule.add(f"{letter}2:{letter}100000")
        sheet.add_data_validation(rule)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def neutralise(value: Any) -> Any:
    """Stop a spreadsheet from running a cell as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    """A spreadsheet cell as it reads back from CSV: dates as YYYY-MM-DD, 3.0 as 3."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.date().isoformat() if isinstance(value, datetime) and not value.time() else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def error_file(job: ImportJob) -> bytes:
    """The rows that were not imported, as they were uploaded, with their problems: fix and upload again.

    Cell values come from someone's spreadsheet, so anything a spreadsheet would run as a formula is
    neutralised."""
    problems: dict[int, list[str]] = {}
    for err in job.errors:
        problems.setdefault(err["row"], []).append(f"{err['column']}: {err['reason']}")
    out = io.StringIO()
    writer = csv.writer(out)
    try:
        with job.file.open("rb") as stream:
            header, rows = read_rows(job.original_name, stream)
            columns = [h for h in header if h]
            writer.writerow(["row", *columns, "problems"])
            for number, raw in rows:
                if number in problems:
                    writer.writerow([number, *(neutralise(_cell(raw.get(c))) for c in columns),
                                     neutralise("; ".join(problems[number]))])
    except (OSError, ValidationFailed):  # the upload is gone or unreadable: list the problems alone
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["row", "problems"])
        for number, texts in problems.items():
            writer.writerow([number, neutralise("; ".join(texts))])
    return out.getvalue().encode("utf-8-sig")
