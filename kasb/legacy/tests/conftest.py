"""Historical-records fixtures: an M&E officer and a programme manager of 'Amal Youth', three registered
participants (one with a UNHCR number, one with an old id), a course with skills, and helpers that write a
file and run it through the same services the page calls."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook

from kasb.conftest import ensure_skills, registration
from kasb.core.permissions import Principal, Role
from kasb.legacy.columns import SPECS
from kasb.legacy.models import ImportBatch, RecordType
from kasb.legacy.services import process_import, start_import
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Participant
from kasb.participants.services import register_participant
from kasb.training.models import Course
from kasb.training.services.courses import create_course


def csv_bytes(header: list[str], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(header: list[str], rows: list[dict[str, Any]]) -> bytes:
    """As Excel would hold it: date cells where the text is a date, numbers where it is a number."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        cells: list[Any] = []
        for column in header:
            value = row.get(column, "")
            if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[:4].isdigit():
                cells.append(date.fromisoformat(value))
            elif isinstance(value, str) and value.isdigit():
                cells.append(int(value))
            else:
                cells.append(value if value != "" else None)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def header_of(record_type: str) -> list[str]:
    return [c.name for c in SPECS[record_type]]


@pytest.fixture
def me_officer(member: Callable[..., Any]) -> Principal:
    return principal_for_user(member(Role.ME_OFFICER))


@pytest.fixture
def manager(member: Callable[..., Any]) -> Principal:
    return principal_for_user(member(Role.PROGRAMME_MANAGER))


@pytest.fixture
def people(coordinator: Principal, world: dict[str, Any]) -> list[Participant]:
    """Amal (UNHCR 945-00123456), Rami and Noor, registered at the Irbid centre."""
    specs = [("Amal", "+962791234567", "945-00123456"), ("Rami", "+962791234568", ""),
             ("Noor", "+962791234569", "")]
    return [register_participant(actor=coordinator, partner=world["partner"], data=registration(
        given_name=name, phone=phone, id_number=number or None, id_kind="unhcr" if number else None,
        centre=world["irbid"])) for name, phone, number in specs]


@pytest.fixture
def stranger(root: Principal, world: dict[str, Any]) -> Participant:
    """A participant of the other partner (Tunis Hub)."""
    return register_participant(actor=root, partner=world["other"], data=registration(
        given_name="Salma", phone="+21620123456", centre=world["other_centre"]))


@pytest.fixture
def course(root: Principal, world: dict[str, Any]) -> Course:
    ensure_skills()
    return create_course(actor=root, partner=world["partner"], code="digital-skills",
                         title={"en": "Digital skills for work"}, skills=[("computer-basics", 1), ("email", 1)],
                         modules=[{"title": {"en": "Module 1"}, "hours": 20}])


@pytest.fixture
def run_import(world: dict[str, Any]) -> Callable[..., ImportBatch]:
    def run(actor: Principal, record_type: str, rows: list[dict[str, Any]], *, fmt: str = "csv",
            header: list[str] | None = None, valid_rows: bool = False, partner: Any = None) -> ImportBatch:
        columns = header or header_of(record_type)
        content = (csv_bytes if fmt == "csv" else xlsx_bytes)(columns, rows)
        batch = start_import(actor=actor, partner=partner or world["partner"], record_type=record_type,
                             name=f"{record_type}.{fmt}", content=content, import_valid_rows=valid_rows)
        return process_import(batch=batch, progress_every=2)
    return run


RECORDS = RecordType
