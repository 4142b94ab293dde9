"""Bulk registration through the import page: every bad row reported, nothing half-imported."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

from kasb.accounts.models import User
from kasb.core.permissions import Role
from kasb.participants.models import ImportJob, Participant

from .conftest import DESKTOP, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["given_name", "family_name", "sex", "date_of_birth", "nationality", "displacement_status", "phone",
          "consent_registration", "consent_monitoring"]
# Spreadsheet row number (the header is row 1) -> (column, the bad value, words the reason must contain).
BAD_ROWS = {
    4: ("sex", "x", "is not one of"),
    7: ("date_of_birth", "2004-13-45", "is not a date"),
    10: ("phone", "12345", "phone number"),
}
PEOPLE = [("Amal", "Haddad", "female"), ("Huda", "Khalil", "female"), ("Salma", "Nasser", "female"),
          ("Omar", "Saleh", "male"), ("Reem", "Odeh", "female"), ("Dana", "Qasem", "female"),
          ("Lina", "Darwish", "female"), ("Yousef", "Hamdan", "male"), ("Sara", "Mansour", "female"),
          ("Yara", "Azzam", "female")]
ROWS = len(PEOPLE)


def people_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i, (given, family, sex) in enumerate(PEOPLE):
        number = i + 2
        row = {"given_name": given, "family_name": family, "sex": sex,
               "date_of_birth": f"200{i % 6}-0{i % 9 + 1}-15", "nationality": "SY",
               "displacement_status": "refugee", "phone": f"+96279100{number:04d}",
               "consent_registration": "yes", "consent_monitoring": "yes"}
        if number in BAD_ROWS:
            column, value, _reason = BAD_ROWS[number]
            row[column] = value
        writer.writerow([row[c] for c in HEADER])
    return out.getvalue().encode("utf-8")


def upload(page: Any, base_url: str, content: bytes, *, centre_pk: int, import_valid_rows: bool) -> None:
    page.goto(f"{base_url}/en/participants/import/")
    page.set_input_files("input[name=file]", files=[
        {"name": "irbid-intake.csv", "mimeType": "text/csv", "buffer": content}])
    page.select_option("select[name=centre]", str(centre_pk))
    if import_valid_rows:
        page.check("input[name=import_valid_rows]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_url("**/en/participants/import/*/")


def error_rows(page: Any) -> list[list[str]]:
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()]
            for row in page.locator("#import-errors tbody tr").all()]


def assert_reports_bad_rows(page: Any) -> None:
    rows = error_rows(page)
    assert [(int(r[0]), r[1]) for r in rows] == [(n, col) for n, (col, _v, _w) in sorted(BAD_ROWS.items())]
    for (number, (_column, value, words)), (_n, _c, reason) in zip(sorted(BAD_ROWS.items()), rows, strict=True):
        assert words in reason, (number, reason)
        assert value in reason, (number, reason)


def test_import_reports_bad_rows_then_imports_the_valid_ones(
        phone_page: Any, base_url: str, world: dict[str, Any], member: Callable[..., User],
        shoot: Callable[..., Any]) -> None:
    page = phone_page
    coordinator = member(Role.COORDINATOR)
    sign_in_staff(page, base_url, coordinator)
    content = people_csv()
    before = Participant.objects.count()

    upload(page, base_url, content, centre_pk=world["irbid"].pk, import_valid_rows=False)
    assert_reports_bad_rows(page)
    assert "3 problems found." in page.locator("#progress").inner_text()
    assert "Nothing was imported" in page.locator("#progress").inner_text()
    assert "0 participants imported." in page.locator("#progress").inner_text()
    assert Participant.objects.count() == before
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED
    shoot(page, "import-errors")

    upload(page, base_url, content, centre_pk=world["irbid"].pk, import_valid_rows=True)
    assert "7 participants imported." in page.locator("#progress").inner_text()
    assert_reports_bad_rows(page)
    shoot(page, "import-partial")
    imported = Participant.objects.filter(import_job__import_valid_rows=True)
    assert Participant.objects.count() == before + ROWS - len(BAD_ROWS) == imported.count()
    assert set(imported.values_list("given_name", flat=True)) == {
        "Amal", "Huda", "Omar", "Reem", "Lina", "Yousef", "Yara"}
    assert {p.centre_id for p in imported} == {world["irbid"].pk}
    assert sorted(p.phone for p in imported)[0] == "+962791000002"

    # The same registry at desktop width, as the coordinator sees it on the centre's PC.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base_url}/en/participants/")
    assert page.locator("main tbody tr").count() == 7
    shoot(page, "participants-desktop", full_page=False)
    page.goto(f"{base_url}/en/dashboard/")
    assert [s.strip() for s in page.locator(".stat").all_inner_texts()] == ["7", "5", "0"]
    shoot(page, "dashboard-desktop", full_page=False)
