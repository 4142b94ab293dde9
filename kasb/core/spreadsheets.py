"""Cells that are safe to open in a spreadsheet.

A cell that begins with = + - @ (or a tab or carriage return before one) is run as a formula by
Excel, LibreOffice and Google Sheets when a CSV file is opened, and openpyxl writes such a string
as a formula. Text that came from clients or workers gets a leading apostrophe instead, so it
shows as the text it is. A plain number (-3, +962791234567) is left as it is: it runs nothing.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
# Control characters that the XLSX format cannot hold (openpyxl raises IllegalCharacterError on them).
_ILLEGAL_IN_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def neutralise(value: str) -> str:
    """The text with a leading apostrophe if a spreadsheet would read it as a formula."""
    if value[:1] in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def xlsx_cell(value: Any) -> Any:
    """A value openpyxl writes as data, never as a formula: text neutralised and cleaned of control
    characters; numbers, dates and empty cells as they are."""
    if isinstance(value, str):
        return neutralise(_ILLEGAL_IN_XLSX.sub("", value))
    return value
