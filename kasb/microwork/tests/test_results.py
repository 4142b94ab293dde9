"""Clients see results, not people: exports carry pseudonyms only, stable within a project and different
across projects; spreadsheet cells never run as formulas; progress and pages cost the same at any size."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from kasb.core.errors import NotFound
from kasb.core.permissions import Principal, Role
from kasb.core.spreadsheets import neutralise
from kasb.microwork.models import Project, Submission, Task, TaskResult
from kasb.microwork.services import results
from kasb.microwork.services.work import claim_next_task, submit_work
from kasb.orgs.models import Programme
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_organisation
from kasb.participants.models import Participant

PSEUDONYM = re.compile(r"W-[A-Z2-7]{10}")
TEXT_FORM = [{"name": "note", "label": "Note", "type": "text"},
             {"name": "kind", "label": "Kind", "type": "single_choice", "choices": ["receipt", "invoice"]}]


def answer_all(project: Project, workers: list[Participant], answers: Callable[[Participant, Task], dict[str, Any]]
               ) -> None:
    """Each worker claims and answers until the project has nothing more for them."""
    for worker in workers:
        while True:
            try:
                lease = claim_next_task(worker=worker, project=project)
            except Exception:  # noqa: BLE001 - NoTaskAvailable: this worker is done
                break
            submit_work(worker=worker, assignment_id=lease.pk, client_key=f"k{lease.pk}",
                        answers=answers(worker, lease.task), seconds_spent=30)


def aggregate(project: Project) -> None:
    for task in Task.objects.filter(project=project, status=Task.Status.COMPLETE):
        first = task.submissions.order_by("pk").first()
        assert first is not None
        TaskResult.objects.create(task=task, answer=first.answers, confidence=0.75, method="majority")


def csv_rows(project: Project, layout: str = "tasks") -> list[list[str]]:
    text = results.read_all(results.csv_chunks(project, layout=layout)).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def xlsx_sheets(project: Project) -> dict[str, list[tuple[Any, ...]]]:
    """Both workbooks' sheets: "Results" (one row per task) and "Answers" (one row per answer)."""
    sheets = {}
    for layout in results.LAYOUTS:
        book = load_workbook(results.xlsx_file(project, layout=layout))
        sheets.update({sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets})
    return sheets


def every_export(project: Project) -> str:
    """All four exports as one text, to search for what must not be there."""
    parts = [results.read_all(results.csv_chunks(project, layout=layout)).decode() for layout in results.LAYOUTS]
    parts.append(results.read_all(results.json_chunks(project)).decode())
    parts.extend(repr(rows) for rows in xlsx_sheets(project).values())
    return "\n".join(parts)


@pytest.fixture
def answered(make_project: Any, make_workers: Any) -> tuple[Project, list[Participant]]:
    project = make_project(tasks=3, overlap=2)
    workers = make_workers(2)
    answer_all(project, workers, lambda w, t: {"total": "12.5", "kind": "receipt"})
    aggregate(project)
    return project, workers


# --- privacy --------------------------------------------------------------------------------------------

def test_exports_carry_pseudonyms_and_nothing_that_names_a_worker(answered: Any) -> None:
    project, workers = answered
    text = every_export(project)
    for worker in workers:
        for secret in (worker.given_name, worker.family_name, worker.reference, worker.phone, worker.id_number):
            assert secret and secret not in text, secret
        assert results.pseudonym(project, worker.pk) in text
    rows = csv_rows(project, "answers")
    assert rows[0] == ["external_id", "worker", "answer.total", "answer.kind", "submitted_at", "review", "late",
                       "surplus"]
    assert len(rows) == 1 + 6 and all(PSEUDONYM.fullmatch(row[1]) for row in rows[1:])
    data = json.loads(results.read_all(results.json_chunks(project)))
    assert {a["worker"] for t in data["tasks"] for a in t["answers"]} == {
        results.pseudonym(project, w.pk) for w in workers}
    assert "worker_id" not in json.dumps(data)


def test_pseudonyms_are_stable_across_exports_and_differ_across_projects(answered: Any, make_project: Any) -> None:
    project, workers = answered
    first = [row[1] for row in csv_rows(project, "answers")[1:]]
    again = [row[1] for row in csv_rows(project, "answers")[1:]]
    xlsx = [row[1] for row in xlsx_sheets(project)["Answers"][1:]]
    assert first == again == xlsx and len(set(first)) == 2
    other = make_project(tasks=1, overlap=2)
    answer_all(other, workers, lambda w, t: {"total": "1", "kind": "invoice"})
    theirs = {row[1] for row in csv_rows(other, "answers")[1:]}
    assert len(theirs) == 2 and not theirs & set(first)
    assert results.pseudonym(project, workers[0].pk) == results.pseudonym(
        Project.objects.get(pk=project.pk), workers[0].pk)


# --- formulas --------------------------------------------------------------------------------------------

@pytest.fixture
def formulas(world: dict[str, Any], work_programme: Programme, make_workers: Any) -> Project:
    project = Project.objects.create(
        client=world["client"], programme=work_programme, name="=HYPERLINK(\"http://x\")", task_type="data_entry",
        status=Project.Status.PUBLISHED, instructions="Copy the note.", answer_fields=TEXT_FORM, pay_per_task=500,
        currency="JOD", estimated_seconds=60)
    Task.objects.bulk_create([Task(project=project, external_id=e, data={}) for e in
                              ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=A1", "plain", "-42")])
    notes = iter(["=HYPERLINK(\"http://evil.example\",\"x\")", "@SUM(1,2)", "+1", "-1-1", "\r=cmd", "ok", "=x"])
    answer_all(project, make_workers(1), lambda w, t: {"note": next(notes), "kind": "receipt"})
    aggregate(project)
    return project


def _safe(cell: Any) -> bool:
    return not isinstance(cell, str) or cell[:1] not in ("=", "+", "-", "@", "\t", "\r") or \
        re.fullmatch(r"[+-]?\d+(\.\d+)?", cell) is not None


def test_formula_cells_are_neutralised_in_csv_and_xlsx(formulas: Project) -> None:
    for layout in results.LAYOUTS:
        rows = csv_rows(formulas, layout)
        assert all(_safe(cell) for row in rows for cell in row), rows
        ids = [row[0] for row in rows[1:]]
        assert "'=1+1" in ids and "'@SUM(A1)" in ids and "'\t=A1" in ids and "-42" in ids and "plain" in ids
    notes = [row[2] for row in csv_rows(formulas, "answers")[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in notes and "'-1-1" in notes and "+1" in notes
    for layout in results.LAYOUTS:
        book = load_workbook(results.xlsx_file(formulas, layout=layout))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                    assert _safe(cell.value), (sheet.title, cell.coordinate, cell.value)
    book = load_workbook(results.xlsx_file(formulas, layout="answers"))
    answers = [row[2] for row in book["Answers"].iter_rows(min_row=2, values_only=True)]
    assert "'@SUM(1,2)" in answers
    # JSON is data, not a spreadsheet: it keeps the text exactly as written.
    data = json.loads(results.read_all(results.json_chunks(formulas)))
    assert data["project"]["name"] == "=HYPERLINK(\"http://x\")"
    assert {t["external_id"] for t in data["tasks"]} >= {"=1+1", "@SUM(A1)"}


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+962791234567", "+962791234567"), ("-3.5", "-3.5"), ("-3e5", "'-3e5"),
    ("@x", "'@x"), ("\t=x", "'\t=x"), ("\r=x", "'\r=x"), ("a=b", "a=b"), ("", "")])
def test_neutralise(value: str, expected: str) -> None:
    assert neutralise(value) == expected


# --- progress ------------------------------------------------------------------------------------------------

def test_progress_counts_tasks_answers_reviews_and_gold(make_project: Any, make_workers: Any) -> None:
    project = make_project(tasks=3, overlap=2, gold=1)
    a, b = make_workers(2)
    answer_all(project, [a], lambda w, t: {"total": "10", "kind": "receipt"})
    state = results.progress(project)
    assert (state.tasks, state.complete, state.open, state.answers_needed, state.answers_received) == (4, 0, 4, 8, 4)
    assert state.in_review == 4 and state.gold_checked == 1 and state.gold_correct == 1 and not state.finished
    answer_all(project, [b], lambda w, t: {"total": "11", "kind": "receipt"})
    Submission.objects.filter(project=project, worker=a).update(status=Submission.Status.APPROVED)
    Submission.objects.filter(project=project, worker=b, task__is_gold=False).update(status=Submission.Status.REJECTED)
    aggregate(project)
    state = results.progress(project)
    assert (state.complete, state.percent_complete, state.percent_answered) == (4, 100, 100)
    assert (state.approved, state.rejected, state.in_review) == (4, 3, 1)
    assert state.gold_checked == 2 and state.gold_accuracy == 0.5
    assert state.approval_rate == pytest.approx(4 / 7) and state.mean_confidence == 0.75
    assert not state.finished  # one answer still waits for review
    Submission.objects.filter(project=project, status=Submission.Status.PENDING).update(
        status=Submission.Status.APPROVED)
    assert results.progress(project).finished


def _queries(fn: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_progress_and_a_results_page_cost_the_same_at_any_size(make_project: Any, make_workers: Any) -> None:
    small, large = make_project(tasks=2, overlap=1), make_project(tasks=40, overlap=1)
    workers = make_workers(2)
    for project in (small, large):
        answer_all(project, workers, lambda w, t: {"total": "1", "kind": "receipt"})
        aggregate(project)
    assert _queries(lambda: results.progress(small)) == _queries(lambda: results.progress(large)) == 3
    assert _queries(lambda: results.results_page(small, limit=20)) == \
        _queries(lambda: results.results_page(large, limit=20)) == 3
    count, rows = results.results_page(large, offset=35, limit=20)
    assert count == 40 and [r.external_id for r in rows] == [f"t{n}" for n in range(35, 40)]
    assert all(len(r.answers) == 1 and r.confidence == 0.75 for r in rows)
    # A whole export reads the project in chunks: two queries per chunk (and one to find the end).
    assert _queries(lambda: list(results.iter_results(large, chunk=10))) == 2 * 4 + 1
    assert _queries(lambda: list(results.iter_results(large, chunk=15))) == 2 * 3
    assert _queries(lambda: results.summaries([small.pk, large.pk])) == 2


def test_results_rows_hold_the_aggregated_answer_and_every_answer(answered: Any) -> None:
    project, _workers = answered
    header, *rows = csv_rows(project)
    assert header == ["external_id", "status", "gold", "answer.total", "answer.kind", "confidence", "method",
                      "answer_count"]
    assert rows[0] == ["t0", "complete", "false", "12.5", "receipt", "0.75", "majority", "2"]
    sheets = xlsx_sheets(project)
    assert sheets["Results"][1] == ("t0", "complete", False, "12.5", "receipt", 0.75, "majority", 2)
    task = json.loads(results.read_all(results.json_chunks(project)))["tasks"][0]
    assert task["answer"] == {"total": "12.5", "kind": "receipt"} and task["answer_count"] == 2
    assert {a["review"] for a in task["answers"]} == {"pending"}


def test_a_sheet_past_excels_row_limit_continues_in_another(answered: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    project, _workers = answered
    monkeypatch.setattr(results, "EXCEL_ROWS", 3)  # a header and two answers per sheet
    book = load_workbook(results.xlsx_file(project, layout="answers"))
    assert book.sheetnames == ["Answers", "Answers (2)", "Answers (3)"]
    assert all(sheet.max_row == 3 and sheet["B1"].value == "worker" for sheet in book.worksheets)


# --- who sees what -------------------------------------------------------------------------------------------

def test_only_the_client_and_the_partners_reviewers_see_a_projects_results(
        root: Principal, world: dict[str, Any], member: Callable[..., Any], make_project: Any) -> None:
    project = make_project(tasks=1)
    world["other_client"] = create_organisation(actor=root, kind="client", name="Other Co", country="JO",
                                                parent=world["partner"])
    own = principal_for_user(member(Role.CLIENT_MEMBER))
    other = principal_for_user(member(Role.CLIENT_MEMBER, "other_client"))
    reviewer = principal_for_user(member(Role.QA_REVIEWER))
    coordinator = principal_for_user(member(Role.COORDINATOR))
    assert results.project_for(own, project.pk) == project
    assert results.project_for(reviewer, project.pk) == project
    assert list(results.projects_visible_to(other)) == []
    for outsider in (other, coordinator):
        with pytest.raises(NotFound):
            results.project_for(outsider, project.pk)


# --- the client's results pages -------------------------------------------------------------------------------

def test_the_results_page_shows_progress_downloads_and_pseudonyms_only(
        answered: Any, member: Callable[..., Any], login: Callable[..., Any], root: Principal,
        world: dict[str, Any]) -> None:
    project, workers = answered
    Project.objects.filter(pk=project.pk).update(name="<script>alert(1)</script> receipts")
    browser = login(member(Role.CLIENT_MEMBER))
    listing = browser.get("/en/microwork/results/")
    assert listing.status_code == 200
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; receipts" in listing.content and b"<script>alert" not in \
        listing.content
    page = browser.get(f"/en/microwork/results/{project.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="bar-tasks"' in html and 'value="100"' in html  # every task has its two answers
    assert f"/en/microwork/results/{project.pk}/results.xlsx?layout=answers" in html
    for worker in workers:
        assert results.pseudonym(project, worker.pk) in html
        assert worker.given_name not in html and worker.reference not in html
    fragment = browser.get(f"/en/microwork/results/{project.pk}/", HTTP_HX_REQUEST="true")
    assert b'id="progress"' in fragment.content and b"<html" not in fragment.content
    for fmt, kind in (("csv", "text/csv"), ("xlsx", "spreadsheetml"), ("json", "application/json")):
        response = browser.get(f"/en/microwork/results/{project.pk}/results.{fmt}")
        assert response.status_code == 200 and kind in response["Content-Type"], fmt
        assert response["Content-Disposition"].startswith("attachment")
    answers = browser.get(f"/en/microwork/results/{project.pk}/results.csv?layout=answers").getvalue().decode()
    assert results.pseudonym(project, workers[0].pk) in answers
    assert browser.get(f"/en/microwork/results/{project.pk}/results.pdf").status_code == 404

    world["other_client"] = create_organisation(actor=root, kind="client", name="Other Co", country="JO",
                                                parent=world["partner"])
    stranger = login(member(Role.CLIENT_MEMBER, "other_client"))
    assert project.name.encode() not in stranger.get("/en/microwork/results/").content
    for path in ("", "results.csv", "results.xlsx", "results.json"):
        assert stranger.get(f"/en/microwork/results/{project.pk}/{path}").status_code == 404, path


def test_the_results_list_costs_the_same_for_one_or_many_projects(
        make_project: Any, member: Callable[..., Any], login: Callable[..., Any]) -> None:
    make_project(tasks=2)
    browser = login(member(Role.CLIENT_MEMBER))
    one = _queries(lambda: browser.get("/en/microwork/results/"))
    for _ in range(5):
        make_project(tasks=3)
    assert _queries(lambda: browser.get("/en/microwork/results/")) == one


def test_one_answer_per_task_is_shown_as_the_result_until_aggregated(make_project: Any, make_workers: Any) -> None:
    project = make_project(tasks=2, overlap=1)
    answer_all(project, make_workers(1), lambda w, t: {"total": "7", "kind": "invoice"})
    Submission.objects.filter(project=project, task__external_id="t1").update(status=Submission.Status.REJECTED)
    header, first, second = csv_rows(project)
    assert first == ["t0", "complete", "false", "7", "invoice", "", "single", "1"]
    assert second == ["t1", "complete", "false", "", "", "", "", "1"]  # its only answer was rejected
