"""Bulk registration from CSV or XLSX: read, validate every row, then import all or the valid rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.datavalidation import DataValidation

from kasb.core.errors import ValidationFailed

from .models import ImportJob
from .registration import COLUMNS
from .vocab import Displacement, Sex

HEADER_ROW = 1


class FileUnreadable(ValidationFailed):
    code = "file_unreadable"


def read_rows(name: str, stream: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """The header and an iterator of (spreadsheet row number, {column: value})."""
    lower = name.lower()
    if lower.endswith(".xlsx"):
        try:
            sheet = load_workbook(stream, read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise FileUnreadable(_("This is not a readable .xlsx file.")) from exc
        rows = sheet.iter_rows(values_only=True)
        header = [str(h or "").strip().lower() for h in next(rows, ())]
        body = (list(r) for r in rows)
    elif lower.endswith(".csv"):
        try:
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
            reader = csv.reader(text)
            header = [h.strip().lower() for h in next(reader, [])]
        except UnicodeDecodeError as exc:
            raise FileUnreadable(_("Save the CSV file as UTF-8 and upload it again.")) from exc
        body = (list(r) for r in reader)
    else:
        raise FileUnreadable(_("Upload a .csv or .xlsx file."))
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise FileUnreadable(_("Unknown columns: %(cols)s. Download the template to see the columns.")
                             % {"cols": ", ".join(unknown)})
    missing = [c for c in ("given_name", "family_name", "sex", "date_of_birth") if c not in header]
    if missing:
        raise FileUnreadable(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})

    def numbered() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, values in enumerate(body, start=HEADER_ROW + 1):
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            yield number, dict(zip(header, values, strict=False))
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


def error_file(job: ImportJob) -> bytes:
    """A CSV of the rows that were not imported, each with its reasons, ready to fix and re-upload."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "reason"])
    for err in job.errors:
        writer.writerow([err["row"], neutralise(err["column"]), neutralise(err["reason"])])
    return out.getvalue().encode("utf-8-sig")


