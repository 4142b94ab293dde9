"""The Historical records page, an import's page, templates, the problems file, the API and the reads
monitoring uses."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from kasb.accounts.models import User
from kasb.core.permissions import Principal, Role
from kasb.legacy import queries
from kasb.legacy.columns import SPECS
from kasb.legacy.models import ImportBatch, RecordType
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Participant

from .conftest import csv_bytes, header_of
from .test_import import earning, enrolment

SIZES = (2, 12)
S = ImportBatch.Status


@pytest.fixture
def me_user(member: Callable[..., User]) -> User:
    return member(Role.ME_OFFICER)


@pytest.fixture
def upload(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Post a file as the page does. The upload queues its checking after commit, and a test runs inside one
    transaction, so the queued work is run here."""
    def post(client: Client, record_type: str, content: bytes, name: str = "file.csv", **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/en/records/", {"record_type": record_type, "file": _file(content, name), **extra})
    return post


def _file(content: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile
    return SimpleUploadedFile(name, content)


def test_an_me_officer_uploads_a_file_and_reads_each_problem(
        upload: Callable[..., Any], login: Callable[[User], Client], me_user: User, world: dict[str, Any],
        people: list[Participant]) -> None:
    client = login(me_user)
    page = client.get("/en/records/")
    assert page.status_code == 200 and "Historical records" in page.content.decode()
    rows = [enrolment(people[0].reference), enrolment("NOBODY-1"), enrolment(people[1].reference, started_on="2022")]
    response = upload(client, RecordType.ENROLMENTS, csv_bytes(header_of(RecordType.ENROLMENTS), rows),
                       partner=world["partner"].pk)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    html = client.get(response["Location"]).content.decode()
    assert "Rows have errors; nothing imported" in html
    assert "<td>3</td><td dir=\"ltr\">participant</td>" in html and "NOBODY-1" in html
    assert "<td>4</td><td dir=\"ltr\">started_on</td>" in html
    problems = list(csv.reader(io.StringIO(client.get(f"/en/records/imports/{batch.pk}/problems.csv")
                                           .content.decode("utf-8-sig"))))
    assert problems[0] == ["row", *header_of(RecordType.ENROLMENTS), "problems"]
    assert [p[0] for p in problems[1:]] == ["3", "4"] and problems[1][1] == "NOBODY-1"
    assert problems[2][-1].startswith("started_on: ")


def test_the_file_is_refused_on_the_page_when_it_is_not_a_spreadsheet(
        upload: Callable[..., Any], login: Callable[[User], Client], me_user: User, world: dict[str, Any]) -> None:
    response = upload(login(me_user), RecordType.EARNINGS, b"hello", name="notes.txt", partner=world["partner"].pk)
    assert response.status_code == 400 and "Upload a .csv or .xlsx file." in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_people_without_monitoring_rights_are_refused(login: Callable[[User], Client],
                                                      coordinator_user: User) -> None:
    assert login(coordinator_user).get("/en/records/").status_code == 403


@pytest.mark.parametrize("record_type", RecordType.values)
def test_each_template_has_its_columns_and_an_example_that_is_only_missing_a_real_participant(
        record_type: str, upload: Callable[..., Any], login: Callable[[User], Client], me_user: User,
        world: dict[str, Any]) -> None:
    client = login(me_user)
    xlsx = client.get(f"/en/records/templates/{record_type}.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == header_of(record_type)
    template = client.get(f"/en/records/templates/{record_type}.csv").content
    upload(client, record_type, template, name="template.csv", partner=world["partner"].pk)
    batch = ImportBatch.objects.get()
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "participant")], batch.errors


def test_every_template_column_is_documented() -> None:
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[3] / "docs" / "import.md").read_text(encoding="utf-8")
    section = doc[doc.index("# Importing historical records"):]
    for record_type, columns in SPECS.items():
        assert f"`{record_type}`" in section, record_type
        for column in columns:
            assert f"`{column.name}`" in section, (record_type, column.name)


def test_the_import_list_and_api_do_not_grow_with_the_imports(
        login: Callable[[User], Client], me_user: User, run_import: Any, people: list[Participant]) -> None:
    actor = principal_for_user(me_user)
    client = login(me_user)
    counts = []
    made = 0
    for size in SIZES:
        while made < size:
            run_import(actor, RecordType.EARNINGS, [earning(people[0].reference, month=f"2020-{made + 1:02d}")])
            made += 1
        counts.append([_queries(client, "/en/records/"), _queries(client, "/api/v1/records/imports"),
                       _queries(client, f"/api/v1/records/imports/{ImportBatch.objects.first().pk}")])  # type: ignore[union-attr]
    assert counts[0] == counts[1], counts
    listed = client.get("/api/v1/records/imports").json()
    assert listed["count"] == SIZES[-1] and listed["items"][0]["status"] == "done"


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    return len(ctx.captured_queries)


def test_the_api_answers_403_json_to_someone_without_monitoring_rights(
        login: Callable[[User], Client], coordinator_user: User) -> None:
    response = login(coordinator_user).get("/api/v1/records/imports")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_navigation_shows_historical_records_to_monitoring_staff(
        login: Callable[[User], Client], me_user: User, coordinator_user: User) -> None:
    assert 'href="/en/records/"' in login(me_user).get("/en/records/").content.decode()
    assert 'href="/en/records/"' not in login(coordinator_user).get("/en/").content.decode()


def test_monitoring_reads_historical_counts_and_amounts_in_scope(
        run_import: Any, me_officer: Principal, people: list[Participant], stranger: Participant, root: Principal,
        member: Callable[..., User], world: dict[str, Any]) -> None:
    amal, rami, noor = people
    run_import(me_officer, RecordType.ENROLMENTS, [
        enrolment(amal.reference), enrolment(rami.reference, status="dropped_out", dropout_reason="care",
                                             ended_on="2022-04-02"),
        enrolment(noor.reference, started_on="2021-01-01", ended_on="2021-03-01")])
    run_import(me_officer, RecordType.EARNINGS, [
        earning(amal.reference), earning(rami.reference, amount="10"),
        earning(rami.reference, month="2022-08", currency="USD", amount="3.5")])
    start, end = date(2022, 1, 1), date(2022, 12, 31)
    assert list(queries.completions(me_officer, start, end)) == [(amal.pk, date(2022, 5, 26))]
    assert list(queries.dropouts(me_officer, start, end)) == [(rami.pk, date(2022, 4, 2), "care")]
    assert sorted(p for p, *_rest in queries.enrolments_started(me_officer, start, end)) == sorted([amal.pk, rami.pk])
    assert queries.earnings_by_month(me_officer, start, end) == {
        "JOD": {date(2022, 7, 1): 95_250}, "USD": {date(2022, 8, 1): 350}}
    # Staff of the other partner see none of it.
    tunis = principal_for_user(member(Role.ME_OFFICER, "other"))
    assert list(queries.completions(tunis, start, end)) == []
    assert queries.earnings_by_month(tunis, start, end) == {}


def test_the_api_takes_a_file_answers_202_and_then_the_problems(
        login: Callable[[User], Client], me_user: User, people: list[Participant],
        django_capture_on_commit_callbacks: Any) -> None:
    client = login(me_user)
    content = csv_bytes(header_of(RecordType.EARNINGS), [earning(people[0].reference), earning("P0000NOPE")])
    from django.core.files.uploadedfile import SimpleUploadedFile
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/records/imports", {"record_type": "earnings",
                                                           "file": SimpleUploadedFile("e.csv", content)})
    assert response.status_code == 202, response.content
    batch = client.get(f"/api/v1/records/imports/{response.json()['id']}").json()
    assert batch["status"] == "failed"
    assert [(e["row"], e["column"]) for e in batch["errors"]] == [(3, "participant")]
    refused = client.post("/api/v1/records/imports", {"record_type": "earnings",
                                                      "file": SimpleUploadedFile("e.txt", b"x")})
    assert refused.status_code == 422 and refused.json()["code"] == "file_unreadable"


def test_another_partners_staff_cannot_open_an_import_and_htmx_gets_only_the_progress(
        login: Callable[[User], Client], me_user: User, member: Callable[..., User], run_import: Any,
        people: list[Participant]) -> None:
    batch = run_import(principal_for_user(me_user), RecordType.EARNINGS, [earning("P0000NOPE")])
    tunis = login(member(Role.ME_OFFICER, "other"))
    assert tunis.get(f"/en/records/imports/{batch.pk}/").status_code == 404
    assert tunis.get(f"/en/records/imports/{batch.pk}/problems.csv").status_code == 404
    assert tunis.post(f"/en/records/imports/{batch.pk}/undo/").status_code == 404
    fragment = login(me_user).get(f"/en/records/imports/{batch.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="progress"') and "<html" not in fragment


def test_undo_from_the_import_page(login: Callable[[User], Client], me_user: User, run_import: Any,
                                   people: list[Participant]) -> None:
    from kasb.legacy.models import HistoricalEarning

    batch = run_import(principal_for_user(me_user), RecordType.EARNINGS, [earning(people[0].reference)])
    client = login(me_user)
    assert "Undo this import" in client.get(f"/en/records/imports/{batch.pk}/").content.decode()
    page = client.post(f"/en/records/imports/{batch.pk}/undo/", {"reason": "wrong month"}, follow=True)
    html = page.content.decode()
    assert "The import is undone" in html and "Undone" in html and "Undo this import" not in html
    assert not HistoricalEarning.objects.exists()
    again = client.post(f"/en/records/imports/{batch.pk}/undo/", follow=True).content.decode()
    assert "Only an import that imported rows can be undone." in again
