"""Bulk registration from CSV and XLSX: every row checked, clear row/column/reason, nothing half-imported."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from kasb.conftest import registration, sign_in
from kasb.core.permissions import Principal, Role
from kasb.participants.models import Consent, ImportJob, Participant
from kasb.participants.registration import COLUMNS
from kasb.participants.services import process_import, register_participant, start_import

HEADER = ["given_name", "family_name", "sex", "date_of_birth", "nationality", "displacement_status", "phone",
          "centre", "area", "disability_seeing", "consent_registration", "consent_monitoring"]


def good_row(i: int, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "given_name": f"Person{i}", "family_name": "Haddad", "sex": "female" if i % 2 else "male",
        "date_of_birth": "2001-03-21", "nationality": "SY", "displacement_status": "refugee",
        "phone": f"+96279{i:07d}", "centre": "Irbid Centre", "area": "", "disability_seeing": "1",
        "consent_registration": "yes", "consent_monitoring": "no",
    }
    row.update(overrides)
    return row


def three_bad_rows() -> list[dict[str, Any]]:
    """Eight people on spreadsheet rows 2-9: bad sex on row 3, bad date on row 5, no consent on row 7."""
    rows = [good_row(i) for i in range(8)]
    rows[1]["sex"] = "unknown"
    rows[3]["date_of_birth"] = "31/02/2001"
    rows[5]["consent_registration"] = ""
    return rows


def csv_bytes(rows: list[dict[str, Any]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[dict[str, Any]], header: list[str] = HEADER) -> bytes:
    """As a partner's Excel file would be: real date cells and numbers where Excel would make them."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        cells: list[Any] = []
        for column in header:
            value = row.get(column, "")
            if column == "date_of_birth" and value[:4].isdigit():
                value = date.fromisoformat(value)
            elif column.startswith("disability_") and str(value).isdigit():
                value = int(value)
            cells.append(value if value != "" else None)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


MAKERS: dict[str, Callable[..., bytes]] = {"csv": csv_bytes, "xlsx": xlsx_bytes}


def errors_of(job: ImportJob) -> list[tuple[int, str]]:
    return [(e["row"], e["column"]) for e in job.errors]


@pytest.fixture
def browser(coordinator_user: Any) -> Client:
    return sign_in(Client(), coordinator_user)


@pytest.fixture
def upload(browser: Client, world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """upload(name, content, **form) -> (response, job): through the real page, running the task after commit."""

    def do(name: str, content: bytes, **form: Any) -> tuple[Any, ImportJob | None]:
        data = {"file": SimpleUploadedFile(name, content), "centre": world["irbid"].pk, **form}
        with django_capture_on_commit_callbacks(execute=True):
            response = browser.post("/en/participants/import/", data)
        job = ImportJob.objects.order_by("-pk").first() if response.status_code == 302 else None
        return response, job
    return do


def run_import(actor: Principal, world: dict[str, Any], name: str, content: bytes, **kw: Any) -> ImportJob:
    job = start_import(actor=actor, partner=world["partner"], centre=world["irbid"], name=name, content=content,
                       **kw)
    return process_import(job=job)


# --- a file with errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_with_three_bad_rows_imports_nothing_through_the_page(kind: str, upload: Callable[..., Any],
                                                                     browser: Client) -> None:
    response, job = upload(f"people.{kind}", MAKERS[kind](three_bad_rows()))
    assert response.status_code == 302 and job is not None
    assert response["Location"] == f"/en/participants/import/{job.pk}/"
    assert job.status == ImportJob.Status.FAILED
    assert errors_of(job) == [(3, "sex"), (5, "date_of_birth"), (7, "consent_registration")]
    assert Participant.objects.count() == 0
    page = browser.get(response["Location"]).content.decode()
    assert "Rows have errors; nothing imported" in page
    assert "3 problems found" in page
    assert "“unknown” is not one of: female, male" in page
    assert "31/02/2001" in page and "is not a date" in page
    assert "must consent to registration" in page


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_with_three_bad_rows_imports_nothing_through_the_service(kind: str, coordinator: Principal,
                                                                        world: dict[str, Any]) -> None:
    register_participant(actor=coordinator, partner=world["partner"], data=registration(centre=world["irbid"]))
    job = run_import(coordinator, world, f"people.{kind}", MAKERS[kind](three_bad_rows()))
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "sex"), (5, "date_of_birth"),
                                                              (7, "consent_registration")]
    assert all(e["reason"] for e in job.errors)
    assert job.imported_rows == 0 and job.processed_rows == 8 and job.total_rows == 8
    assert Participant.objects.count() == 1


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_import_valid_rows_and_download_the_others(kind: str, upload: Callable[..., Any], browser: Client) -> None:
    response, job = upload(f"people.{kind}", MAKERS[kind](three_bad_rows()), import_valid_rows="on")
    assert job is not None and job.status == ImportJob.Status.PARTIAL
    assert job.imported_rows == 5
    assert sorted(Participant.objects.values_list("given_name", flat=True)) == [
        "Person0", "Person2", "Person4", "Person6", "Person7"]
    assert Consent.objects.filter(purpose="registration").count() == 5
    assert set(Participant.objects.values_list("centre__name", flat=True)) == {"Irbid Centre"}
    assert set(Participant.objects.values_list("import_job", flat=True)) == {job.pk}

    download = browser.get(f"/en/participants/import/{job.pk}/errors.csv")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [(line["row"], line["given_name"]) for line in lines] == [("3", "Person1"), ("5", "Person3"),
                                                                      ("7", "Person5")]
    assert lines[0]["sex"] == "unknown" and lines[0]["problems"].startswith("sex: “unknown” is not one of")
    assert lines[1]["date_of_birth"] == "31/02/2001" and lines[1]["problems"].startswith("date_of_birth:")
    assert lines[2]["problems"].startswith("consent_registration:")


def test_the_error_file_can_be_fixed_and_uploaded_again(upload: Callable[..., Any], browser: Client) -> None:
    _response, job = upload("people.csv", csv_bytes(three_bad_rows()), import_valid_rows="on")
    assert job is not None
    lines = list(csv.DictReader(io.StringIO(
        browser.get(f"/en/participants/import/{job.pk}/errors.csv").content.decode("utf-8-sig"))))
    fixes = {"3": {"sex": "male"}, "5": {"date_of_birth": "2001-02-28"}, "7": {"consent_registration": "yes"}}
    for line in lines:
        line.update(fixes[line["row"]])
    fixed = csv_bytes(lines, header=list(lines[0]))
    _response, again = upload("people-fixed.csv", fixed)
    assert again is not None and again.status == ImportJob.Status.DONE, again.errors
    assert again.imported_rows == 3
    assert Participant.objects.count() == 8
    assert Participant.objects.get(given_name="Person5").phone == "+962790000005"


def test_formulas_in_cells_are_neutralised_in_the_error_file(upload: Callable[..., Any], browser: Client) -> None:
    rows = [good_row(0, given_name='=HYPERLINK("http://evil.example","x")', family_name="@SUM(A1)",
                     sex="+cmd", area="-2+3")]
    _response, job = upload("people.csv", csv_bytes(rows), import_valid_rows="on")
    assert job is not None and job.status == ImportJob.Status.PARTIAL
    content = browser.get(f"/en/participants/import/{job.pk}/errors.csv").content.decode("utf-8-sig")
    cells = [cell for line in csv.reader(io.StringIO(content)) for cell in line]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells and "'@SUM(A1)" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


# --- duplicates ---------------------------------------------------------------------------------------------

def test_duplicates_within_the_file_are_reported_by_row_and_column(coordinator: Principal,
                                                                   world: dict[str, Any]) -> None:
    rows = [good_row(0), good_row(1), good_row(2, phone="+962790000000"),  # row 4: row 2's phone
            good_row(3, given_name="Person1", phone="+962799999999", sex="female")]  # row 5: row 3's name + birth
    job = run_import(coordinator, world, "people.csv", csv_bytes(rows))
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [
        {"row": 4, "column": "phone", "reason": "Same phone number as row 2 of this file."},
        {"row": 5, "column": "date_of_birth", "reason": "Same name and date of birth as row 3 of this file."},
    ]
    assert Participant.objects.count() == 0


def test_duplicates_of_registered_people_name_the_record(coordinator: Principal, world: dict[str, Any]) -> None:
    known = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        centre=world["irbid"], given_name="Person1", family_name="Haddad", date_of_birth=date(2001, 3, 21),
        phone="+962791111111"))
    rows = [good_row(0, phone="+962 79 111 1111"), good_row(1)]
    job = run_import(coordinator, world, "people.csv", csv_bytes(rows), import_valid_rows=True)
    assert job.errors == [
        {"row": 2, "column": "phone", "reason": f"Same phone number as participant {known.reference}."},
        {"row": 3, "column": "date_of_birth",
         "reason": f"Same name and date of birth as participant {known.reference}."},
    ]
    assert job.status == ImportJob.Status.PARTIAL and job.imported_rows == 0
    assert Participant.objects.count() == 1


def test_importing_the_same_file_twice_imports_it_once(coordinator: Principal, world: dict[str, Any]) -> None:
    content = csv_bytes([good_row(i) for i in range(5)])
    assert run_import(coordinator, world, "people.csv", content).status == ImportJob.Status.DONE
    second = run_import(coordinator, world, "people.csv", content)
    assert second.status == ImportJob.Status.FAILED and len(second.errors) == 5
    assert Participant.objects.count() == 5


# --- files that cannot be read --------------------------------------------------------------------------------

def test_unknown_columns_give_a_clear_error(upload: Callable[..., Any], browser: Client) -> None:
    rows = [{**good_row(0), "favourite_colour": "blue"}]
    _response, job = upload("people.csv", csv_bytes(rows, header=[*HEADER, "favourite_colour"]))
    assert job is not None and job.status == ImportJob.Status.ERROR
    assert job.message.startswith("Unknown columns: favourite_colour.")
    assert "Unknown columns: favourite_colour" in browser.get(f"/en/participants/import/{job.pk}/").content.decode()
    assert Participant.objects.count() == 0


@pytest.mark.parametrize(("header", "message"), [
    ([c for c in HEADER if c != "consent_registration"], "Missing columns: consent_registration."),
    ([*HEADER, "phone"], "These columns appear more than once: phone."),
])
def test_missing_or_repeated_columns_give_a_clear_error(coordinator: Principal, world: dict[str, Any],
                                                        header: list[str], message: str) -> None:
    job = run_import(coordinator, world, "people.csv", csv_bytes([good_row(0)], header=header))
    assert job.status == ImportJob.Status.ERROR and job.message == message


@pytest.mark.parametrize(("name", "content", "message"), [
    ("photo.xlsx", b"\x89PNG\r\n\x1a\n not a workbook", "This is not a readable .xlsx file."),
    ("people.csv", "given_name,family_name\nAmal,Haddad\n".encode("utf-16"), "Save the CSV file as UTF-8"),
    # Latin-1 only after the first few kilobytes, as when one person's name is typed on another computer.
    ("people.csv", csv_bytes([good_row(i) for i in range(300)]) + "Zoé,Müller,female\n".encode("latin-1"),
     "Save the CSV file as UTF-8"),
    ("header-only.csv", b"\n\n", "Missing columns: given_name"),
])
def test_unreadable_files_give_a_clear_error(upload: Callable[..., Any], name: str, content: bytes,
                                             message: str) -> None:
    _response, job = upload(name, content)
    assert job is not None and job.status == ImportJob.Status.ERROR
    assert job.message.startswith(message)
    assert Participant.objects.count() == 0


@pytest.mark.parametrize(("name", "content", "message"), [
    ("photo.png", b"\x89PNG\r\n\x1a\n", "Upload a .csv or .xlsx file."),
    ("people.csv", b"", "The submitted file is empty."),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused_on_the_page(upload: Callable[..., Any], name: str,
                                                                 content: bytes, message: str) -> None:
    response, job = upload(name, content)
    assert response.status_code == 400 and job is None
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_someone_elses_import_is_not_visible(upload: Callable[..., Any], member: Any) -> None:
    _response, job = upload("people.csv", csv_bytes(three_bad_rows()))
    assert job is not None
    colleague = sign_in(Client(), member(Role.COORDINATOR))
    assert colleague.get(f"/en/participants/import/{job.pk}/").status_code == 404
    assert colleague.get(f"/en/participants/import/{job.pk}/errors.csv").status_code == 404


# --- the template and a large file ----------------------------------------------------------------------------

def test_the_template_downloads_and_its_example_row_imports_cleanly(browser: Client,
                                                                    upload: Callable[..., Any]) -> None:
    response = browser.get("/en/participants/import/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "kasb-participants-template.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == COLUMNS
    _response, job = upload("kasb-participants-template.xlsx", response.content)
    assert job is not None and job.status == ImportJob.Status.DONE, (job.errors, job.message)
    person = Participant.objects.get()
    assert (person.given_name, person.phone, person.area.code if person.area else None) == (
        "Amal", "+962791234567", "JO-IR")
    assert person.disability == {d: 1 for d in ("seeing", "hearing", "walking", "cognition", "self_care",
                                                "communication")}


def test_a_2000_row_csv_imports(coordinator: Principal, world: dict[str, Any]) -> None:
    rows = [good_row(i) for i in range(2000)]
    job = run_import(coordinator, world, "big.csv", csv_bytes(rows))
    assert job.status == ImportJob.Status.DONE, job.errors[:3]
    assert job.imported_rows == job.total_rows == 2000
    assert Participant.objects.count() == 2000
    assert Consent.objects.filter(purpose="registration").count() == 2000
    assert Participant.objects.values("reference").distinct().count() == 2000
