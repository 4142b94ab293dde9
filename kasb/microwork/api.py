"""/api/v1/microwork: a client's projects, their tasks, publishing, progress, results and webhooks.

A client's program uses the client organisation's API key (`Authorization: Bearer …`); partner staff
who review work or manage projects use their session. A project of another client is 404, so ids do
not tell anyone what exists. Workers appear only as pseudonyms. Every write is a service call.
"""

import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Body, Field, File, Path, Query, Router, Schema, Status, UploadedFile
from pydantic import field_validator

from kasb.core.errors import NotFound, PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal
from kasb.orgs.models import Organisation, Programme
from kasb.payments.api import MoneyOut, money_out
from kasb.payments.services import InsufficientFunds

from .models import Project, TaskUpload, Webhook, WebhookDelivery
from .services import fairpay, projects, results, uploads, webhooks

router = Router(tags=["microwork"])

MAX_ID = 2**63 - 1


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


class MicroworkError(Schema):
    code: str
    message: str
    field: str | None = None
    details: Any = None


ERRORS: dict[int, Any] = {403: MicroworkError, 404: MicroworkError, 409: MicroworkError, 422: MicroworkError}


def _project(request: HttpRequest, project_id: int) -> Project:
    """A project whose results the caller may see (its client, the partner's reviewers and managers); else 404."""
    return results.project_for(_principal(request), project_id)


def _managed(request: HttpRequest, project_id: int) -> Project:
    """A project the caller may change: 404 if they cannot see it, 403 if they only read it."""
    principal = _principal(request)
    project = _project(request, project_id)
    if not principal.can(Cap.MANAGE_PROJECTS) or not projects.may_manage_client(principal, project.client):
        raise PermissionDenied(_("You may read this project's results but not change it."))
    return project


class _In(Schema):
    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        # A NUL cannot be in any stored value, and PostgreSQL refuses it in a query.
        return value.replace("\x00", "").strip() if isinstance(value, str) else value


# --- projects -------------------------------------------------------------------------------------------

class AnswerFieldOut(Schema):
    name: str
    label: str
    type: str
    required: bool = True
    choices: list[str] | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    help: str | None = None


class ProjectOut(Schema):
    id: int
    name: str
    client_id: int
    programme_id: int
    task_type: str
    status: str
    status_label: str
    pay_per_task: MoneyOut
    hourly: MoneyOut = Field(..., description="Pay per hour at the measured median time, or the estimate before")
    estimated_seconds: int
    measured_median_seconds: int | None
    overlap: int = Field(..., description="Answers collected per task")
    gold_percent: int
    deadline: datetime | None
    created_at: datetime
    published_at: datetime | None

    @staticmethod
    def resolve_status_label(obj: Project) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_pay_per_task(obj: Project) -> MoneyOut:
        return money_out(obj.pay)

    @staticmethod
    def resolve_hourly(obj: Project) -> MoneyOut:
        return money_out(obj.hourly)


class ProjectDetailOut(ProjectOut):
    instructions: str
    examples: list[dict[str, Any]]
    input_fields: list[str]
    answer_fields: list[AnswerFieldOut]
    languages: list[str]
    lease_minutes: int
    review_window_hours: int
    appeal_days: int
    content_warning: str
    distressing: bool
    pay_surplus: bool


class FundingOut(Schema):
    per_answer: MoneyOut = Field(..., description="Pay plus the partner's fee for one answer")
    answers: int = Field(..., description="Answers still to be paid: overlap × tasks, less those already paid")
    needed: MoneyOut = Field(..., description="What those answers cost")
    reserved: MoneyOut = Field(..., description="Already set aside for this project")
    escrow: MoneyOut = Field(..., description="Your money with the partner, not yet set aside")
    to_reserve: MoneyOut = Field(..., description="What publishing (or adding tasks) will set aside")
    shortfall: MoneyOut = Field(..., description="What you must deposit first; zero when the escrow covers it")


class ProjectFundingOut(ProjectDetailOut):
    funding: FundingOut


def _funding(project: Project) -> FundingOut:
    money = fairpay.funding(project)
    return FundingOut(per_answer=money_out(money.pay + money.fee), answers=money.answers,
                      needed=money_out(money.needed), reserved=money_out(money.reserved),
                      escrow=money_out(money.escrow), to_reserve=money_out(money.shortfall),
                      shortfall=money_out(money.missing))


def _detail(project: Project) -> Project:
    project.funding = _funding(project)  # type: ignore[attr-defined]
    return project


class ProjectIn(_In):
    name: str = Field(..., max_length=200)
    task_type: Literal["data_entry", "transcription", "translation", "classification", "survey",
                       "data_cleaning"]
    instructions: str = Field(..., max_length=20_000)
    pay_per_task: str = Field(..., max_length=32, description="A decimal string in the programme's currency",
                              examples=["0.450"])
    estimated_seconds: int = Field(..., ge=1, le=8 * 3600, description="Your estimate of the time one task takes")
    client_id: int | None = Field(None, ge=1, le=MAX_ID, description="Needed only if you act for several clients")
    programme_id: int | None = Field(None, ge=1, le=MAX_ID,
                                     description="Needed only if the partner runs several programmes")
    answer_fields: list[dict[str, Any]] | None = Field(
        None, max_length=30, description="The answer form; leave out for the task type's template")
    input_fields: list[str] | None = Field(None, max_length=20,
                                           description="Task data shown to the worker, in order (\"media\" for the "
                                                       "task's file); leave out for the template's")
    examples: list[dict[str, Any]] | None = Field(None, max_length=10,
                                                  description='Worked examples: {"input", "answer", "why"}')
    required_skill_codes: list[str] = Field(default_factory=list, max_length=20)
    languages: list[str] = Field(default_factory=list, max_length=10, examples=[["ar", "en"]])
    area_codes: list[str] = Field(default_factory=list, max_length=50, examples=[["JO-IR"]])
    overlap: int = Field(1, description="Answers needed per task, 1 to 10")
    gold_percent: int = Field(0, description="Share of check questions, 0 to 50")
    deadline: datetime | None = None
    lease_minutes: int = 15
    review_window_hours: int = 72
    appeal_days: int = 7
    content_warning: str = Field("", max_length=300)
    distressing: bool = False
    pay_surplus: bool = Field(True, description="Pay answers that arrive after their task was full")


def _client_for_project(principal: Principal, client_id: int | None) -> Organisation:
    clients = projects.clients_managed_by(principal)
    if client_id is not None:
        client = clients.filter(pk=client_id).first()
        if client is None:
            raise NotFound(_("No such client."), field="client_id")
        return client
    found = list(clients[:2])
    if not found:
        raise PermissionDenied(_("You do not post projects for any client."))
    if len(found) > 1:
        raise ValidationFailed(_("You act for several clients: say which one."), code="client_required",
                               field="client_id")
    return found[0]


def _programme_for(client: Organisation, programme_id: int | None) -> Programme:
    programmes = projects.programmes_for(client)
    if programme_id is not None:
        programme = programmes.filter(pk=programme_id).first()
        if programme is None:
            raise NotFound(_("No such programme."), field="programme_id")
        return programme
    found = list(programmes[:2])
    if not found:
        raise ValidationFailed(_("The partner has no programme running for projects yet."), code="no_programme",
                               field="programme_id")
    if len(found) > 1:
        raise ValidationFailed(_("The partner runs several programmes: say which one."), code="programme_required",
                               field="programme_id")
    return found[0]


class ProjectFilter(Schema):
    status: Project.Status | None = None
    client_id: int | None = Field(None, ge=1, le=MAX_ID)


class ProjectPage(Schema):
    items: list[ProjectOut]
    count: int = Field(..., description="Projects matching, over all pages")


@router.get("/projects", response={200: ProjectPage, **ERRORS})
def list_projects(request: HttpRequest, filters: Query[ProjectFilter],
                  limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9)) -> dict[str, Any]:
    """Your organisation's projects (a client), or your partner's (reviewers and project managers), newest first."""
    qs = results.projects_visible_to(_principal(request))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.client_id:
        qs = qs.filter(client_id=filters.client_id)
    return {"items": list(qs.order_by("-pk")[offset:offset + limit]), "count": qs.count()}


@router.post("/projects", response={201: ProjectFundingOut, **ERRORS})
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[Project]:
    """A draft project from the task type's template (any part can be given). Add tasks, then publish it."""
    principal = _principal(request)
    client = _client_for_project(principal, payload.client_id)
    values = payload.model_dump(exclude={"client_id", "programme_id"})
    project = projects.create_project(actor=principal, client=client,
                                      programme=_programme_for(client, payload.programme_id), **values)
    return Status(201, _detail(project))


@router.get("/projects/{project_id}", response={200: ProjectFundingOut, **ERRORS})
def get_project(request: HttpRequest, project_id: int = Path(..., ge=1, le=MAX_ID)) -> Project:
    """One project with its instructions, answer form and what its remaining work costs."""
    return _detail(_project(request, project_id))


@router.post("/projects/{project_id}/publish", response={200: ProjectFundingOut, **ERRORS})
def publish_project(request: HttpRequest, project_id: int = Path(..., ge=1, le=MAX_ID)) -> Project:
    """Open the project to workers. It needs tasks, pay at least the country's minimum wage per hour at your
    time estimate (422 `below_minimum_wage` says the lowest pay that passes), and money in escrow for every
    answer (409 `insufficient_funds` says how much is missing: `details.shortfall`)."""
    principal = _principal(request)
    project = _managed(request, project_id)
    try:
        project = fairpay.publish_project(actor=principal, project=project)
    except InsufficientFunds as exc:
        money = fairpay.funding(project)
        raise InsufficientFunds(exc.message, details={
            "needed": money_out(money.shortfall).model_dump(), "available": money_out(money.escrow).model_dump(),
            "shortfall": money_out(money.missing).model_dump()}) from None
    return _detail(project)


# --- tasks ----------------------------------------------------------------------------------------------

MAX_TASKS_PER_CALL = 10_000


class UploadOut(Schema):
    id: int = Field(..., description="The batch: batch.completed webhooks name it as `upload_id`")
    file_name: str
    status: str = Field(..., description="queued, checking, failed (nothing added) or done (all added)")
    total_rows: int
    done_rows: int
    percent: int
    added: int
    duplicates: int
    errors: list[dict[str, Any]] = Field(..., description="[{row, column, reason}]; row 0 is about the whole file")
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_percent(obj: TaskUpload) -> int:
        if obj.status in (TaskUpload.Status.DONE, TaskUpload.Status.FAILED):
            return 100
        return 100 * obj.done_rows // obj.total_rows if obj.total_rows else 0


def _check_rows(project: Project, items: list[Any]) -> None:
    """Check every task before anything is stored, so the answer can list each problem (422, nothing added)."""
    try:
        checker = uploads.Checker(project, uploads.read_source("tasks.json", io.BytesIO(json.dumps(items).encode())))
        for row, raw in checker.source.rows:
            checker.check(row, raw)
        checker.check_against_project()
    except uploads.FileUnreadable as exc:
        raise ValidationFailed(exc.message, code="invalid_tasks", field="body") from None
    if checker.errors:
        errors = sorted(checker.errors, key=lambda e: (e["row"], e["column"]))
        raise ValidationFailed(ngettext("%(n)s problem in the tasks; nothing was added. Fix it and send the tasks "
                                        "again.", "%(n)s problems in the tasks; nothing was added. Fix them and "
                                        "send the tasks again.", len(errors)) % {"n": len(errors)},
                               code="invalid_tasks",
                               details=errors[:uploads.MAX_ERRORS_KEPT])


def _started(upload: TaskUpload) -> Status[TaskUpload]:
    upload.refresh_from_db()  # without a broker it may be checked already
    if upload.status == TaskUpload.Status.FAILED:
        raise ValidationFailed(_("The tasks could not be added: %(reason)s")
                               % {"reason": "; ".join(str(e["reason"]) for e in upload.errors[:3])},
                               code="invalid_tasks", details=upload.errors)
    return Status(202, upload)


TASKS_EXAMPLE = [{"external_id": "r-0001", "text": "The delivery was fast."},
                 {"external_id": "gold-01", "text": "Terrible service.", "is_gold": True,
                  "gold_answer": {"label": "negative"}}]


@router.post("/projects/{project_id}/tasks", response={202: UploadOut, **ERRORS},
             openapi_extra={"requestBody": {"content": {"application/json": {"example": TASKS_EXAMPLE}}}})
def add_tasks(request: HttpRequest, tasks: Body[list[Any]],
              project_id: int = Path(..., ge=1, le=MAX_ID)) -> Status[TaskUpload]:
    """Add up to 10,000 tasks as a JSON array: each an object with `external_id` (your id, unique in the
    project), the task data fields the project shows (at the top level or under `data`), and for check
    questions `is_gold` and `gold_answer`. Every task is checked first: any problem is 422 `invalid_tasks`
    with `details` [{row, column, reason}] (row 1 is the first task) and nothing is added. Otherwise the
    tasks are added as one batch (202): on a published project their cost is reserved with them."""
    principal = _principal(request)
    project = _managed(request, project_id)
    if not tasks:
        raise ValidationFailed(_("Send at least one task."), code="invalid_tasks", field="body")
    if len(tasks) > MAX_TASKS_PER_CALL:
        raise ValidationFailed(_("Send at most %(n)s tasks at a time, or upload a file.") % {"n": MAX_TASKS_PER_CALL},
                               code="too_many_tasks", field="body")
    _check_rows(project, tasks)
    upload = uploads.start_upload(actor=principal, project=project, name="api-tasks.json",
                                  content=json.dumps(tasks, ensure_ascii=False).encode("utf-8"))
    return _started(upload)


@router.post("/projects/{project_id}/uploads", response={202: UploadOut, **ERRORS})
def upload_tasks(request: HttpRequest, file: File[UploadedFile], project_id: int = Path(..., ge=1, le=MAX_ID),
                 media: File[list[UploadedFile]] = None) -> Status[TaskUpload]:  # type: ignore[assignment]
    """Upload a file of tasks (CSV, XLSX or JSON, with media files beside it, or all in one ZIP), for large
    batches (up to 200,000 tasks). It is checked in the background: follow it at …/uploads/{id}."""
    principal = _principal(request)
    project = _managed(request, project_id)
    upload = uploads.start_upload(actor=principal, project=project, name=file.name or "tasks",
                                  content=file, media=[(m.name or "media", m) for m in media or []])
    upload.refresh_from_db()
    return Status(202, upload)


@router.get("/projects/{project_id}/uploads", response={200: list[UploadOut], **ERRORS})
def list_uploads(request: HttpRequest, project_id: int = Path(..., ge=1, le=MAX_ID),
                 limit: int = Query(20, ge=1, le=100)) -> list[TaskUpload]:
    """The project's batches of tasks, newest first."""
    return list(uploads.uploads_of(_project(request, project_id))[:limit])


@router.get("/projects/{project_id}/uploads/{upload_id}", response={200: UploadOut, **ERRORS})
def get_upload(request: HttpRequest, project_id: int = Path(..., ge=1, le=MAX_ID),
               upload_id: int = Path(..., ge=1, le=MAX_ID)) -> TaskUpload:
    """One batch: its progress while it is checked, then what was added or every problem found."""
    upload = uploads.uploads_of(_project(request, project_id)).filter(pk=upload_id).first()
    if upload is None:
        raise NotFound(_("No such upload."))
    return upload


# --- progress and results -------------------------------------------------------------------------------

class ProgressOut(Schema):
    tasks: int
    complete: int = Field(..., description="Tasks with all their answers")
    open: int
    cancelled: int
    in_progress: int = Field(..., description="Tasks a worker is doing right now")
    answers_needed: int = Field(..., description="overlap × tasks not cancelled")
    answers_received: int
    in_review: int = Field(..., description="Answers waiting for a QA decision (appeals included)")
    approved: int
    rejected: int
    surplus: int = Field(..., description="Answers that arrived after their task was full: reviewed, not counted")
    gold_checked: int
    gold_correct: int
    results: int = Field(..., description="Tasks with an aggregated answer")
    mean_confidence: float | None
    percent_complete: int
    percent_answered: int
    approval_rate: float | None = Field(..., description="approved ÷ (approved + rejected); null before any review")
    gold_accuracy: float | None = Field(..., description="Check questions answered right; null before any")
    finished: bool = Field(..., description="Every task has its answers and none waits for review")


@router.get("/projects/{project_id}/progress", response={200: ProgressOut, **ERRORS})
def project_progress(request: HttpRequest, project_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    """How far the project is: tasks done, answers in review, approval rate and accuracy on check questions."""
    return results.progress(_project(request, project_id)).as_dict()


class AnswerOut(Schema):
    worker: str = Field(..., description="The worker's pseudonym in this project (W-…): the same person, the same "
                                         "pseudonym; never a name", examples=["W-K3J9QX2M7A"])
    answers: dict[str, Any]
    submitted_at: datetime
    review: str = Field(..., description="pending, approved, rejected or appealed")
    late: bool = Field(..., description="Arrived after the worker's time on the task ran out")
    surplus: bool = Field(..., description="Arrived after the task was full: kept and reviewed, not counted")


class TaskResultOut(Schema):
    external_id: str
    status: str = Field(..., description="open, complete or cancelled")
    gold: bool = Field(..., description="A check question")
    answer: dict[str, Any] | None = Field(..., description="The aggregated answer; null until there is one")
    confidence: float | None = Field(..., description="0 to 1")
    method: str = Field(..., description="single, majority, dawid_skene or reviewer; empty until aggregated")
    answer_count: int
    answers: list[AnswerOut]


class ResultPage(Schema):
    items: list[TaskResultOut]
    count: int


class ResultFilter(Schema):
    status: Literal["open", "complete", "cancelled"] | None = Field(None, description="Only tasks in this state")


class LayoutFilter(ResultFilter):
    layout: Literal["tasks", "answers"] = Field(
        "tasks", description="tasks: one row per task with the aggregated answer; answers: one row per answer")


@router.get("/projects/{project_id}/results", response={200: ResultPage, **ERRORS})
def project_results(request: HttpRequest, filters: Query[ResultFilter], project_id: int = Path(..., ge=1, le=MAX_ID),
                    limit: int = Query(100, ge=1, le=500),
                    offset: int = Query(0, ge=0, le=10**9)) -> ResultPage:
    """Per task, in the order the tasks were added: the aggregated answer, its confidence, and every answer."""
    project = _project(request, project_id)
    count, rows = results.results_page(project, offset=offset, limit=limit, status=filters.status)
    return ResultPage(items=[TaskResultOut(**row.as_dict()) for row in rows], count=count)


_DOWNLOAD = {"description": "A file to save", "content": {}}


def _download(chunks: Iterator[bytes], content_type: str, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/projects/{project_id}/results.csv", response={200: None, **ERRORS},
            openapi_extra={"responses": {200: {**_DOWNLOAD, "content": {"text/csv": {}}}}})
def project_results_csv(request: HttpRequest, filters: Query[LayoutFilter],
                        project_id: int = Path(..., ge=1, le=MAX_ID)) -> StreamingHttpResponse:
    """The results as CSV (UTF-8). Cells that a spreadsheet would run as a formula start with an apostrophe."""
    project = _project(request, project_id)
    return _download(results.csv_chunks(project, layout=filters.layout, status=filters.status),
                     "text/csv; charset=utf-8", results.file_name(project, "csv", filters.layout))


@router.get("/projects/{project_id}/results.xlsx", response={200: None, **ERRORS},
            openapi_extra={"responses": {200: {**_DOWNLOAD, "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}}})
def project_results_xlsx(request: HttpRequest, filters: Query[LayoutFilter],
                         project_id: int = Path(..., ge=1, le=MAX_ID)) -> FileResponse:
    """The results as an Excel workbook: one row per task (sheet "Results") or per answer (sheet "Answers").
    Text that a spreadsheet would run as a formula starts with an apostrophe."""
    project = _project(request, project_id)
    response = FileResponse(results.xlsx_file(project, layout=filters.layout, status=filters.status),
                            as_attachment=True, filename=results.file_name(project, "xlsx", filters.layout),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Cache-Control"] = "no-store"
    return response


@router.get("/projects/{project_id}/results.json", response={200: None, **ERRORS},
            openapi_extra={"responses": {200: {**_DOWNLOAD, "content": {"application/json": {}}}}})
def project_results_json(request: HttpRequest, filters: Query[ResultFilter],
                         project_id: int = Path(..., ge=1, le=MAX_ID)) -> StreamingHttpResponse:
    """Every task's result in one JSON file: {"project": {…}, "tasks": [items as in …/results]}."""
    project = _project(request, project_id)
    return _download(results.json_chunks(project, status=filters.status), "application/json",
                     results.file_name(project, "json"))


# --- webhooks ---------------------------------------------------------------------------------------------

def _client(principal: Principal, client_id: int | None) -> Organisation:
    """The client meant: the one given (404 if not yours), or the only one you act for."""
    clients = Organisation.objects.filter(kind=Organisation.Kind.CLIENT)
    if not principal.is_superuser:
        partners = results.staff_partner_ids(principal, (Cap.MANAGE_PROJECTS,))
        clients = clients.filter(pk__in=results.client_ids(principal)) | clients.filter(parent_id__in=partners)
    if client_id is not None:
        client = clients.filter(pk=client_id).first()
        if client is None:
            raise NotFound(_("No such client."), field="client_id")
        return client
    found = list(clients.order_by("pk")[:2])
    if not found:
        raise PermissionDenied(_("Webhooks belong to a client organisation; you act for none."))
    if len(found) > 1:
        raise ValidationFailed(_("You act for several clients: say which one."), code="client_required",
                               field="client_id")
    return found[0]


class WebhookOut(Schema):
    id: int
    client_id: int
    url: str
    events: list[str]
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(..., description="Signs every delivery (X-Kasb-Signature). Shown only now: keep it.")


class WebhookIn(Schema):
    url: str = Field(..., max_length=200, examples=["https://example.org/kasb-hooks"])
    events: list[str] = Field(..., max_length=10, examples=[["project.completed", "batch.completed"]],
                              description="Any of " + ", ".join(sorted(webhooks.EVENTS)))
    client_id: int | None = Field(None, ge=1, le=MAX_ID, description="Needed only if you act for several clients")


class DeliveryOut(Schema):
    event: str
    event_id: str
    status: str = Field(..., description="pending, delivered or failed (given up)")
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    created_at: datetime


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS})
def list_webhooks(request: HttpRequest,
                  client_id: int | None = Query(None, ge=1, le=MAX_ID)) -> list[Webhook]:
    """Your client organisation's webhooks."""
    principal = _principal(request)
    return webhooks.webhooks_of(principal, _client(principal, client_id))


@router.post("/webhooks", response={201: WebhookCreatedOut, **ERRORS})
def register_webhook(request: HttpRequest, payload: WebhookIn) -> Status[Webhook]:
    """Be told at an https address when a batch of tasks or a project is finished. The answer holds the secret
    that signs each delivery: it is not shown again."""
    principal = _principal(request)
    webhook = webhooks.register_webhook(actor=principal, client=_client(principal, payload.client_id),
                                        url=payload.url, events=payload.events)
    return Status(201, webhook)


# api_operation rather than router.delete: the architecture test reads any `.delete(` call as a model write.
@router.api_operation(["DELETE"], "/webhooks/{webhook_id}", response={204: None, **ERRORS})
def remove_webhook(request: HttpRequest, webhook_id: int = Path(..., ge=1, le=MAX_ID)) -> Status[None]:
    """Stop sending to this webhook; deliveries still waiting are dropped."""
    principal = _principal(request)
    webhooks.remove_webhook(actor=principal, webhook=webhooks.webhook_for(principal, webhook_id))
    return Status(204, None)


@router.get("/webhooks/{webhook_id}/deliveries", response={200: list[DeliveryOut], **ERRORS})
def webhook_deliveries(request: HttpRequest, webhook_id: int = Path(..., ge=1, le=MAX_ID),
                       limit: int = Query(50, ge=1, le=200)) -> list[WebhookDelivery]:
    """The latest deliveries to this webhook, newest first, with the last error of each."""
    webhook = webhooks.webhook_for(_principal(request), webhook_id)
    return list(WebhookDelivery.objects.filter(webhook=webhook).order_by("-pk")[:limit])

