"""Reading a historical-records file, its template, and the file of rows that were not imported.

The file formats, the header rules and the error format are the registry import's (kasb.participants.importing):
the same readers are called here, so a partner meets one set of rules for every file they bring.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from openpyxl import Workbook

from kasb.core.errors import ValidationFailed
from kasb.core.spreadsheets import neutralise, xlsx_cell
from kasb.participants.importing import _cell, read_table

from .columns import SPECS, required_columns
from .models import ImportBatch


def read_rows(record_type: str, name: str, stream: IO[bytes]
              ) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """The header and (spreadsheet row number, {column: value}) for each non-empty row; FileUnreadable for a
    file that is not .csv/.xlsx, cannot be read, or has unknown, repeated or missing columns."""
    return read_table(name, stream, columns=[c.name for c in SPECS[record_type]],
                      required=required_columns(record_type))


def template_xlsx(record_type: str) -> bytes:
    """One header row and one example row."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = record_type
    sheet.append([c.name for c in SPECS[record_type]])
    sheet.append([xlsx_cell(c.example) for c in SPECS[record_type]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(record_type: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.name for c in SPECS[record_type]])
    writer.writerow([c.example for c in SPECS[record_type]])
    return out.getvalue().encode("utf-8-sig")


def _safe(value: Any) -> Any:
    value = _cell(value)
    return neutralise(value) if isinstance(value, str) else value


def error_file(batch: ImportBatch) -> bytes:
    """The rows that were not imported, as uploaded, with a `row` and a `problems` column: fix and upload again."""
    problems: dict[int, list[str]] = {}
    for err in batch.errors:
        problems.setdefault(err["row"], []).append(f"{err['column']}: {err['reason']}")
    out = io.StringIO()
    writer = csv.writer(out)
    try:
        with batch.file.open("rb") as stream:
            header, rows = read_rows(batch.record_type, batch.original_name, stream)
            columns = [h for h in header if h]
            writer.writerow(["row", *columns, "problems"])
            for number, raw in rows:
                if number in problems:
                    writer.writerow([number, *(_safe(raw.get(c)) for c in columns),
                                     neutralise("; ".join(problems[number]))])
    except (OSError, ValidationFailed):  # the upload is gone or unreadable: list the problems alone
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["row", "problems"])
        for number, texts in problems.items():
            writer.writerow([number, neutralise("; ".join(texts))])
    return out.getvalue().encode("utf-8-sig")
