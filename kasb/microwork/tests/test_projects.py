"""Clients' projects: templates, creating and editing drafts, who may, and the client pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kasb.accounts.models import User
from kasb.core.errors import NotFound, PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.microwork.answers import check_form
from kasb.microwork.models import Project, TaskType, TaskUpload
from kasb.microwork.services.fairpay import publish_project
from kasb.microwork.services.projects import TEMPLATES, create_project, projects_managed_by, update_project
from kasb.microwork.services.uploads import process_upload, start_upload
from kasb.orgs.models import Organisation, Programme
from kasb.orgs.queries import principal_for_api_key, principal_for_user
from kasb.orgs.services import create_organisation, create_programme, issue_api_key
from kasb.payments.services import record_deposit

# --- fixtures shared by test_uploads.py and test_fairpay.py -------------------------------------


def csv_bytes(rows: list[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def label_rows(count: int, start: int = 0, gold: int = 0) -> list[dict[str, Any]]:
    rows = [{"external_id": f"t{n}", "text": f"Review number {n}", "is_gold": "", "gold_answer": ""}
            for n in range(start, start + count)]
    rows += [{"external_id": f"g{n}", "text": f"Check question {n}", "is_gold": "yes",
              "gold_answer": '{"label": "positive"}'} for n in range(gold)]
    return rows


@pytest.fixture
def client_user(member: Callable[..., User]) -> User:
    return member(Role.CLIENT_MEMBER)


@pytest.fixture
def client_actor(client_user: User) -> Principal:
    """A member of the client 'Data Co' (under the partner 'Amal Youth', Jordan)."""
    return principal_for_user(client_user)


@pytest.fixture
def draft(client_actor: Principal, world: dict[str, Any], work_programme: Programme) -> Callable[..., Project]:
    """draft(**overrides): a classification project of Data Co in the JOD programme (10% fee), 0.500 a task."""
    def make(**overrides: Any) -> Project:
        values: dict[str, Any] = {"name": "Review labels", "task_type": TaskType.CLASSIFICATION,
                                  "instructions": "Pick the label that fits.", "pay_per_task": "0.500",
                                  "estimated_seconds": 60}
        values.update(overrides)
        return create_project(actor=values.pop("actor", client_actor), client=values.pop("client", world["client"]),
                              programme=work_programme, **values)
    return make


@pytest.fixture
def add_tasks(client_actor: Principal) -> Callable[..., TaskUpload]:
    """add_tasks(project, content, name='tasks.csv', media=()): upload and check at once, as the task would."""
    def add(project: Project, content: bytes, name: str = "tasks.csv", media: Any = (),
            actor: Principal | None = None) -> TaskUpload:
        upload = start_upload(actor=actor or client_actor, project=project, name=name, content=content, media=media)
        return process_upload(upload=TaskUpload.objects.select_related("created_by").get(pk=upload.pk))
    return add


@pytest.fixture
def fund(root: Principal, world: dict[str, Any]) -> Callable[..., None]:
    """fund('100.000'): a deposit into Data Co's JOD escrow."""
    counter = iter(range(1000))

    def deposit(amount: str, client: Organisation | None = None) -> None:
        record_deposit(actor=root, client=client or world["client"], amount=Money.parse(amount, "JOD"),
                       reference=f"DEP-{next(counter)}", received_on=date.today())
    return deposit


@pytest.fixture
def other_client(root: Principal, world: dict[str, Any]) -> Organisation:
    org = create_organisation(actor=root, kind="client", name="Other Co", country="JO", parent=world["partner"])
    world["other_client"] = org
    return org


# --- templates and creating ----------------------------------------------------------------------

@pytest.mark.parametrize("task_type", TaskType.values)
def test_every_task_type_has_a_valid_template(task_type: str, draft: Any) -> None:
    template = TEMPLATES[task_type]
    assert check_form(template.answer_form())
    project = draft(task_type=task_type)
    assert project.status == Project.Status.DRAFT
    assert project.input_fields == list(template.input_fields)
    assert [f["name"] for f in project.answer_fields] == [f["name"] for f in template.answer_fields]


def test_a_project_is_created_with_everything_the_client_sets(draft: Any, client_user: User) -> None:
    deadline = timezone.now() + timedelta(days=10)
    form = [{"name": "label", "label": "Label", "type": "single_choice", "choices": ["cat", "dog"]}]
    project = draft(name="Pets", pay_per_task="1.25", estimated_seconds=40, overlap=3, gold_percent=10,
                    deadline=deadline, answer_fields=form, input_fields="text, photo_note",
                    required_skill_codes=["labelling"], languages=["ar", "EN"], area_codes=["JO-IR"],
                    examples=[{"input": {"text": "woof"}, "answer": {"label": "dog"}, "why": "It barks."}],
                    content_warning="Some photos show injured animals.", distressing=True, lease_minutes=20,
                    review_window_hours=48, appeal_days=10, pay_surplus=False, auto_reject_gold_missed=True)
    assert (project.pay_per_task, project.currency) == (1250, "JOD")
    assert project.input_fields == ["text", "photo_note"]
    assert project.languages == ["ar", "en"]
    assert [s.code for s in project.required_skills.all()] == ["labelling"]
    assert [a.code for a in project.areas.all()] == ["JO-IR"]
    assert project.answer_fields[0]["required"] is True
    assert project.examples[0]["answer"] == {"label": "dog"}
    assert (project.overlap, project.gold_percent, project.lease_minutes, project.review_window_hours,
            project.appeal_days, project.pay_surplus, project.auto_reject_gold_missed) == (
        3, 10, 20, 48, 10, False, True)
    assert project.created_by == client_user


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"pay_per_task": "0.4505"}, "pay_per_task", "3 decimal places"),
    ({"pay_per_task": "0"}, "pay_per_task", "more than zero"),
    ({"overlap": 11}, "overlap", "1 to 10"),
    ({"gold_percent": 60}, "gold_percent", "0 to 50"),
    ({"answer_fields": [{"name": "Bad Name", "label": "x", "type": "text"}]}, "answer_fields", "Field 1"),
    ({"input_fields": ["Text"]}, "input_fields", "Text"),
    ({"required_skill_codes": ["juggling"]}, "required_skill_codes", "juggling"),
    ({"area_codes": ["TN-11"]}, "area_codes", "TN-11"),
    ({"distressing": True}, "content_warning", "content warning"),
    ({"deadline": timezone.now() - timedelta(hours=1)}, "deadline", "future"),
    ({"examples": [{"answer": {"label": "maybe"}}]}, "examples", "Example 1"),
    ({"name": "  "}, "name", "name"),
])
def test_bad_values_are_refused_naming_the_field(draft: Any, overrides: dict[str, Any], field: str,
                                                  words: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        draft(**overrides)
    assert caught.value.field == field
    assert words in caught.value.message
    assert not Project.objects.exists()


def test_a_client_member_acts_only_for_their_own_client(draft: Any, member: Any, other_client: Organisation,
                                                        root: Principal, world: dict[str, Any]) -> None:
    stranger = principal_for_user(member(Role.CLIENT_MEMBER, "other_client"))
    with pytest.raises(PermissionDenied):
        draft(actor=stranger)
    project = draft()
    assert not projects_managed_by(stranger).filter(pk=project.pk).exists()
    with pytest.raises(NotFound):
        update_project(actor=stranger, project=project, name="Mine now")
    # A programme of another partner cannot host a client's project.
    tunis = create_programme(actor=root, partner=world["other"], name="Tunis", country="TN", currency="TND")
    with pytest.raises(ValidationFailed) as caught:
        create_project(actor=root, client=world["client"], programme=tunis, name="x", task_type="classification",
                       instructions="x", pay_per_task="1", estimated_seconds=60)
    assert caught.value.field == "programme"


def test_a_programme_manager_and_the_clients_api_key_may_post(draft: Any, member: Any, root: Principal,
                                                              world: dict[str, Any]) -> None:
    manager = principal_for_user(member(Role.PROGRAMME_MANAGER))
    assert draft(actor=manager).client == world["client"]
    key, _secret = issue_api_key(actor=root, organisation=world["client"], name="scripts")
    api = principal_for_api_key(key)
    project = draft(actor=api, name="From the API")
    assert project.created_by is None and projects_managed_by(api).filter(pk=project.pk).exists()
    # Other roles hold no such capability.
    coordinator = principal_for_user(member(Role.COORDINATOR))
    with pytest.raises(PermissionDenied):
        draft(actor=coordinator)


def test_a_draft_can_be_edited_and_a_published_project_cannot(draft: Any, client_actor: Principal,
                                                              add_tasks: Any, fund: Any) -> None:
    project = draft()
    project = update_project(actor=client_actor, project=project, name="Renamed", pay_per_task="0.600")
    assert (project.name, project.pay_per_task) == ("Renamed", 600)
    add_tasks(project, csv_bytes(label_rows(2, gold=1)))
    # A form the uploaded check answers no longer fit is refused, naming the task.
    with pytest.raises(ValidationFailed) as caught:
        update_project(actor=client_actor, project=project, answer_fields=[
            {"name": "label", "label": "Label", "type": "single_choice", "choices": ["yes", "no"]}])
    assert "g0" in caught.value.message
    fund("10")
    publish_project(actor=client_actor, project=project)
    with pytest.raises(ValidationFailed) as caught:
        update_project(actor=client_actor, project=project, name="Too late")
    assert caught.value.code == "not_draft"


# --- pages ---------------------------------------------------------------------------------------

@pytest.fixture
def client_page(login: Callable[[User], Client], client_user: User) -> Client:
    return login(client_user)


def test_the_project_list_shows_progress_with_a_constant_number_of_queries(client_page: Client, draft: Any,
                                                                           add_tasks: Any) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client_page.get("/en/microwork/client/")
        assert response.status_code == 200
        return len(queries)

    add_tasks(draft(name="First"), csv_bytes(label_rows(3)))
    small = count()
    for n in range(5):
        add_tasks(draft(name=f"More {n}"), csv_bytes(label_rows(2)))
    assert count() == small
    body = client_page.get("/en/microwork/client/").content.decode()
    assert "First" in body and "More 4" in body and "0 of 3" in body


def test_a_client_creates_a_project_from_a_template_on_the_page(client_page: Client,
                                                                work_programme: Programme) -> None:
    assert b"Audio transcription" in client_page.get("/en/microwork/client/new/").content
    page = client_page.get("/en/microwork/client/new/classification/")
    assert page.status_code == 200 and b"positive" in page.content  # the template's answer form, prefilled
    form = page.context["form"]
    data = {name: "" if form[name].value() is None or form[name].value() is False else form[name].value()
            for name in form.fields}
    data.update({"programme": work_programme.pk, "name": "Tweets", "pay_per_task": "0.050",
                 "estimated_seconds": "20", "answer_fields": "[{bad json"})
    data.pop("required_skills")
    data.pop("languages")
    data.pop("areas")
    bad = client_page.post("/en/microwork/client/new/classification/", data)
    assert bad.status_code == 400 and b"not valid JSON" in bad.content
    data["answer_fields"] = form["answer_fields"].value()
    data["pay_per_task"] = "0,05"
    bad = client_page.post("/en/microwork/client/new/classification/", data)
    assert bad.status_code == 400 and "with a point for decimals" in bad.content.decode()
    data["pay_per_task"] = "0.050"
    done = client_page.post("/en/microwork/client/new/classification/", data)
    project = Project.objects.get(name="Tweets")
    assert done.status_code == 302 and done["Location"] == f"/en/microwork/client/{project.pk}/upload/"
    assert (project.pay_per_task, project.estimated_seconds, project.task_type) == (50, 20, "classification")
    page = client_page.get(f"/en/microwork/client/{project.pk}/edit/")
    assert page.status_code == 200 and b"Tweets" in page.content


def test_a_member_of_another_client_gets_404(draft: Any, member: Any, other_client: Organisation,
                                             login: Callable[[User], Client]) -> None:
    project = draft()
    stranger = login(member(Role.CLIENT_MEMBER, "other_client"))
    for suffix in ("", "edit/", "upload/", "publish/", "reprice/", "cancel/", "upload/template.csv"):
        assert stranger.get(f"/en/microwork/client/{project.pk}/{suffix}").status_code == 404, suffix
    assert stranger.post(f"/en/microwork/client/{project.pk}/pause/").status_code == 404
    assert project.name not in stranger.get("/en/microwork/client/").content.decode()


def test_people_without_the_capability_are_refused(member: Any, login: Callable[[User], Client]) -> None:
    assert login(member(Role.EMPLOYER_MEMBER)).get("/en/microwork/client/").status_code == 403


def test_every_client_page_renders(client_page: Client, draft: Any, add_tasks: Any, fund: Any) -> None:
    project = draft()
    upload = add_tasks(project, csv_bytes(label_rows(3)))
    base = f"/en/microwork/client/{project.pk}/"
    for suffix in ("", "upload/", f"uploads/{upload.pk}/", "publish/", "reprice/", "cancel/"):
        assert client_page.get(base + suffix).status_code == 200, suffix
    template = client_page.get(base + "upload/template.csv")
    assert template.content.decode("utf-8-sig").splitlines()[0] == "external_id,text,is_gold,gold_answer"
    page = client_page.get(base + "publish/").content.decode()
    assert "1.395 JOD" in page and "30.000 JOD" in page and "1.650 JOD" in page  # floor, per hour, needed
    fund("5")
    assert client_page.post(base + "publish/").status_code == 302
    assert client_page.post(base + "pause/", {"reason": "Checking the first answers"}).status_code == 302
    assert "Checking the first answers" in client_page.get(base).content.decode()
    assert client_page.post(base + "resume/").status_code == 302
    assert client_page.post(base + "reprice/", {"pay_per_task": "0.400"}).status_code == 400  # never down
    assert client_page.post(base + "reprice/", {"pay_per_task": "0.600"}).status_code == 302
    assert client_page.post(base + "cancel/", {"reason": ""}).status_code == 302
    assert Project.objects.get(pk=project.pk).status == Project.Status.CANCELLED
