"""/api/v1/microwork with a client's API key: create a project, add tasks (bad rows → 422 with each row and
field), publish (unfunded → 409 with the shortfall), follow progress, read and download results with
pseudonyms only; webhooks; another client's key sees nothing (404); the OpenAPI spec."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from kasb.accounts.models import User
from kasb.conftest import sign_in
from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.microwork.models import Project, Submission, Task, TaskResult, Webhook
from kasb.microwork.services import results
from kasb.microwork.services.work import claim_next_task, submit_work
from kasb.orgs.models import Organisation, Programme
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_organisation, issue_api_key
from kasb.payments.services import record_deposit

BASE = "/api/v1/microwork"


def key_client(root: Principal, organisation: Organisation) -> Client:
    _key, plaintext = issue_api_key(actor=root, organisation=organisation, name="script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")


@pytest.fixture
def api(root: Principal, world: dict[str, Any], work_programme: Programme) -> Client:
    """The client 'Data Co' through its API key."""
    return key_client(root, world["client"])


@pytest.fixture
def other_api(root: Principal, world: dict[str, Any]) -> Client:
    other = create_organisation(actor=root, kind="client", name="Other Co", country="JO", parent=world["partner"])
    return key_client(root, other)


@pytest.fixture
def finance(member: Callable[..., User]) -> Principal:
    return principal_for_user(member(Role.FINANCE_OFFICER))


def post(client: Client, path: str, data: Any) -> Any:
    return client.post(BASE + path, json.dumps(data), content_type="application/json")


PROJECT = {"name": "Shop reviews", "task_type": "classification", "instructions": "Choose the label that fits.",
           "pay_per_task": "0.500", "estimated_seconds": 60}
TASKS = [{"external_id": "r-1", "text": "Fast delivery"}, {"external_id": "r-2", "data": {"text": "Rude staff"}},
         {"external_id": "g-1", "text": "I loved it", "is_gold": True, "gold_answer": {"label": "positive"}}]


def create(api: Client, **extra: Any) -> dict[str, Any]:
    response = post(api, "/projects", {**PROJECT, **extra})
    assert response.status_code == 201, response.content
    return response.json()  # type: ignore[no-any-return]


def add(api: Client, project_id: int, tasks: list[Any], capture: Any) -> Any:
    with capture(execute=True):  # the batch is checked after commit (inline without a broker)
        return post(api, f"/projects/{project_id}/tasks", tasks)


def work_through(project: Project, workers: list[Any]) -> None:
    for worker in workers:
        while True:
            try:
                lease = claim_next_task(worker=worker, project=project)
            except Exception:  # noqa: BLE001 - NoTaskAvailable
                break
            submit_work(worker=worker, assignment_id=lease.pk, client_key=f"k{lease.pk}",
                        answers={"label": "positive"}, seconds_spent=40)


# --- the client's flow ------------------------------------------------------------------------------------

def test_create_add_tasks_publish_and_read_results(api: Client, world: dict[str, Any], finance: Principal,
                                                   make_workers: Any,
                                                   django_capture_on_commit_callbacks: Any) -> None:
    project = create(api, overlap=2)
    assert project["status"] == "draft" and project["client_id"] == world["client"].pk
    assert project["pay_per_task"] == {"amount": "0.500", "currency": "JOD", "minor": 500}
    assert [f["name"] for f in project["answer_fields"]] == ["label"]  # the template's form
    pk = project["id"]

    # Bad rows: every problem named by row and column, nothing added.
    bad = [{"external_id": "a", "text": "ok"}, {"external_id": "a", "text": "again"}, {"text": "no id"},
           {"external_id": "b"}, {"external_id": "g", "text": "x", "is_gold": True, "gold_answer": {"label": "meh"}},
           "not an object"]
    response = add(api, pk, bad, django_capture_on_commit_callbacks)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid_tasks" and body["message"]
    problems = {(e["row"], e["column"]) for e in body["details"]}
    assert {(2, "external_id"), (3, "external_id"), (4, "text"), (5, "gold_answer.label"), (6, "")} <= problems
    assert not Task.objects.filter(project_id=pk).exists()
    response = post(api, f"/projects/{pk}/tasks", [])
    assert response.status_code == 422 and response.json()["code"] == "invalid_tasks"

    response = add(api, pk, TASKS, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    upload = response.json()
    assert upload["status"] in ("queued", "done")  # without a broker it is added right after commit
    upload = api.get(f"{BASE}/projects/{pk}/uploads/{upload['id']}").json()
    assert (upload["status"], upload["added"], upload["percent"], upload["errors"]) == ("done", 3, 100, [])
    assert Task.objects.get(project_id=pk, external_id="r-2").data == {"text": "Rude staff"}
    # The same ids again are duplicates of tasks already there.
    response = add(api, pk, TASKS[:1], django_capture_on_commit_callbacks)
    assert response.status_code == 422 and response.json()["details"][0]["column"] == "external_id"

    # Unfunded: 409 with what is missing. 3 tasks × 2 answers × (0.500 + 10% fee) = 3.300 JOD.
    response = post(api, f"/projects/{pk}/publish", {})
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "insufficient_funds"
    assert body["details"]["shortfall"] == {"amount": "3.300", "currency": "JOD", "minor": 3300}
    assert body["details"]["available"]["minor"] == 0
    assert api.get(f"{BASE}/projects/{pk}").json()["funding"]["shortfall"]["minor"] == 3300
    assert Project.objects.get(pk=pk).status == "draft"

    record_deposit(actor=finance, client=world["client"], amount=Money.parse("5", "JOD"), reference="TRF-9",
                   received_on=date(2026, 11, 2))
    response = post(api, f"/projects/{pk}/publish", {})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published" and response.json()["funding"]["reserved"]["minor"] == 3300
    assert post(api, f"/projects/{pk}/publish", {}).status_code == 409  # only a draft publishes

    # Workers do the tasks; the client reads progress and results.
    workers = make_workers(2)
    work_through(Project.objects.get(pk=pk), workers)
    progress = api.get(f"{BASE}/projects/{pk}/progress").json()
    assert (progress["tasks"], progress["complete"], progress["answers_received"], progress["in_review"]) == (
        3, 3, 6, 6)
    page = api.get(f"{BASE}/projects/{pk}/results?limit=2").json()
    assert page["count"] == 3 and [t["external_id"] for t in page["items"]] == ["r-1", "r-2"]
    answers = page["items"][0]["answers"]
    assert len(answers) == 2 and all(a["worker"].startswith("W-") for a in answers)
    project_row = Project.objects.get(pk=pk)
    assert {a["worker"] for a in answers} == {results.pseudonym(project_row, w.pk) for w in workers}
    text = api.get(f"{BASE}/projects/{pk}/results?offset=2").content.decode()
    for worker in workers:
        assert worker.reference not in text and worker.given_name not in text and worker.phone not in text


def test_downloads_as_csv_xlsx_and_json(api: Client, world: dict[str, Any], make_project: Any,
                                        make_workers: Any) -> None:
    project = make_project(tasks=2)
    work_through_receipts(project, make_workers(1))
    response = api.get(f"{BASE}/projects/{project.pk}/results.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f'project-{project.pk}-results.csv' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0][:2] == ["external_id", "status"] and len(rows) == 3
    response = api.get(f"{BASE}/projects/{project.pk}/results.csv?layout=answers")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0][1] == "worker" and rows[1][1].startswith("W-")
    assert api.get(f"{BASE}/projects/{project.pk}/results.csv?layout=wide").status_code == 422
    response = api.get(f"{BASE}/projects/{project.pk}/results.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.getvalue())).sheetnames == ["Results"]
    response = api.get(f"{BASE}/projects/{project.pk}/results.xlsx?layout=answers")
    book = load_workbook(io.BytesIO(response.getvalue()))
    assert book.sheetnames == ["Answers"] and book["Answers"]["B2"].value.startswith("W-")
    assert f'project-{project.pk}-results-answers.xlsx' in response["Content-Disposition"]
    response = api.get(f"{BASE}/projects/{project.pk}/results.json?status=complete")
    data = json.loads(response.getvalue())
    assert data["project"]["id"] == project.pk and len(data["tasks"]) == 2


def work_through_receipts(project: Project, workers: list[Any]) -> None:
    for worker in workers:
        for _ in range(project.tasks.count()):
            lease = claim_next_task(worker=worker, project=project)
            submit_work(worker=worker, assignment_id=lease.pk, client_key=f"k{lease.pk}",
                        answers={"total": "3", "kind": "receipt"})
    for task in project.tasks.all():
        TaskResult.objects.create(task=task, answer={"total": "3", "kind": "receipt"}, confidence=1.0, method="single")


def test_below_the_minimum_wage_cannot_publish(api: Client, django_capture_on_commit_callbacks: Any) -> None:
    pk = create(api, pay_per_task="0.010")["id"]
    add(api, pk, TASKS[:1], django_capture_on_commit_callbacks)
    response = post(api, f"/projects/{pk}/publish", {})
    assert response.status_code == 422 and response.json()["code"] == "below_minimum_wage"
    assert response.json()["details"]["lowest_pay_per_task"]


def test_bad_project_fields_are_422_naming_the_field(api: Client) -> None:
    response = post(api, "/projects", {**PROJECT, "pay_per_task": "0.5001"})
    assert response.status_code == 422 and response.json()["field"] == "pay_per_task"
    response = post(api, "/projects", {**PROJECT, "task_type": "poetry", "overlap": "many"})
    assert response.status_code == 422 and {"task_type", "overlap"} <= set(response.json()["details"])
    response = post(api, "/projects", {**PROJECT, "overlap": 11})
    assert response.status_code == 422 and response.json()["field"] == "overlap"
    assert not Project.objects.exists()


# --- scope ------------------------------------------------------------------------------------------------

def test_a_clients_key_sees_only_its_projects(api: Client, other_api: Client, make_project: Any) -> None:
    mine = make_project(tasks=1)
    listed = api.get(f"{BASE}/projects").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == mine.pk
    assert other_api.get(f"{BASE}/projects").json() == {"items": [], "count": 0}
    for path in ("", "/progress", "/results", "/results.csv", "/results.xlsx", "/results.json", "/uploads"):
        response = other_api.get(f"{BASE}/projects/{mine.pk}{path}")
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert post(other_api, f"/projects/{mine.pk}/tasks", TASKS).status_code == 404
    assert post(other_api, f"/projects/{mine.pk}/publish", {}).status_code == 404
    assert api.get(f"{BASE}/projects/{mine.pk}/results").status_code == 200
    assert api.get(f"{BASE}/projects/999999").status_code == 404
    assert Client().get(f"{BASE}/projects").status_code == 401


def test_a_reviewer_reads_results_but_cannot_change_the_project(member: Callable[..., User],
                                                                make_project: Any) -> None:
    project = make_project(tasks=1)
    reviewer = sign_in(Client(), member(Role.QA_REVIEWER))
    assert reviewer.get(f"{BASE}/projects/{project.pk}/results").status_code == 200
    response = reviewer.post(f"{BASE}/projects/{project.pk}/publish", "{}", content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Project.objects.get(pk=project.pk).status == project.status


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_list_endpoints_cost_the_same_at_two_sizes(api: Client, make_project: Any, make_workers: Any) -> None:
    small, large = make_project(tasks=2), make_project(tasks=30)
    workers = make_workers(1)
    work_through_receipts(small, workers)
    work_through_receipts(large, workers)
    assert _count(api, f"{BASE}/projects/{small.pk}/results") == _count(api, f"{BASE}/projects/{large.pk}/results")
    assert _count(api, f"{BASE}/projects/{small.pk}/progress") == _count(api, f"{BASE}/projects/{large.pk}/progress")
    one = _count(api, f"{BASE}/projects")
    for _ in range(4):
        make_project(tasks=1)
    assert _count(api, f"{BASE}/projects") == one


# --- webhooks ---------------------------------------------------------------------------------------------

def test_register_list_and_remove_webhooks(api: Client, other_api: Client) -> None:
    response = post(api, "/webhooks", {"url": "https://example.org/kasb", "events": ["project.completed"]})
    assert response.status_code == 201, response.content
    hook = response.json()
    assert len(hook["secret"]) >= 32 and hook["events"] == ["project.completed"]
    listed = api.get(f"{BASE}/webhooks").json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    assert other_api.get(f"{BASE}/webhooks").json() == []
    assert other_api.delete(f"{BASE}/webhooks/{hook['id']}").status_code == 404
    assert api.get(f"{BASE}/webhooks/{hook['id']}/deliveries").json() == []
    response = post(api, "/webhooks", {"url": "ftp://example.org/", "events": ["project.completed"]})
    assert response.status_code == 422 and response.json()["field"] == "url"
    response = post(api, "/webhooks", {"url": "https://example.org/", "events": ["all"]})
    assert response.status_code == 422 and response.json()["code"] == "invalid_events"
    assert api.delete(f"{BASE}/webhooks/{hook['id']}").status_code == 204
    assert api.delete(f"{BASE}/webhooks/{hook['id']}").status_code == 404
    assert api.get(f"{BASE}/webhooks").json() == []
    assert Webhook.objects.get(pk=hook["id"]).is_active is False


# --- the spec ---------------------------------------------------------------------------------------------

def test_openapi_documents_the_microwork_endpoints(db: Any) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path, methods in {"/projects": {"get", "post"}, "/projects/{project_id}": {"get"},
                          "/projects/{project_id}/tasks": {"post"}, "/projects/{project_id}/publish": {"post"},
                          "/projects/{project_id}/progress": {"get"}, "/projects/{project_id}/results": {"get"},
                          "/projects/{project_id}/results.csv": {"get"},
                          "/projects/{project_id}/results.xlsx": {"get"},
                          "/webhooks": {"get", "post"}, "/webhooks/{webhook_id}": {"delete"}}.items():
        assert methods <= set(paths[BASE + path]), path
    assert "text/csv" in paths[BASE + "/projects/{project_id}/results.csv"]["get"]["responses"]["200"]["content"]
    assert Client().get("/api/v1/docs").status_code == 200


def test_submissions_untouched_by_reads(api: Client, make_project: Any, make_workers: Any) -> None:
    project = make_project(tasks=1)
    work_through_receipts(project, make_workers(1))
    before = list(Submission.objects.values_list("pk", "status"))
    api.get(f"{BASE}/projects/{project.pk}/results.csv")
    assert list(Submission.objects.values_list("pk", "status")) == before


def test_a_file_of_tasks_is_checked_in_the_background(api: Client,
                                                      django_capture_on_commit_callbacks: Any) -> None:
    pk = create(api)["id"]
    good = io.BytesIO(b"external_id,text\nf-1,Great\nf-2,Slow\n")
    good.name = "march.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}/projects/{pk}/uploads", {"file": good})
    assert response.status_code == 202, response.content
    upload = api.get(f"{BASE}/projects/{pk}/uploads/{response.json()['id']}").json()
    assert (upload["file_name"], upload["status"], upload["added"]) == ("march.csv", "done", 2)
    bad = io.BytesIO(b"external_id,text\nf-3,\n")
    bad.name = "april.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}/projects/{pk}/uploads", {"file": bad})
    upload = api.get(f"{BASE}/projects/{pk}/uploads/{response.json()['id']}").json()
    assert upload["status"] == "failed" and upload["errors"][0]["row"] == 2 and upload["errors"][0]["column"] == "text"
    assert [u["file_name"] for u in api.get(f"{BASE}/projects/{pk}/uploads").json()] == ["april.csv", "march.csv"]
