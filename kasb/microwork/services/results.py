"""What a client sees of its projects: progress, and per-task results with the aggregated answer, as JSON,
CSV and XLSX. Workers appear only as pseudonyms.

A pseudonym is "W-" and ten base32 characters of HMAC-SHA256(project.pseudonym_key, worker id): the
same worker has the same pseudonym in every export of a project, and a different one in every other
project, so clients can see that two answers came from one person without learning who, and cannot
follow a person across projects. Nothing else about a worker (name, reference, phone, id) is read
here.

Exports read tasks in chunks by id and stream, so their memory does not grow with the project.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from openpyxl import Workbook

from kasb.core.errors import NotFound
from kasb.core.permissions import Cap, Principal, Role
from kasb.core.spreadsheets import neutralise, xlsx_cell

from ..models import Project, Submission, Task, TaskResult

CHUNK = 500  # tasks per query when exporting (keeps SQLite under its 999 parameters)
LAYOUTS = ("tasks", "answers")


# --- pseudonyms ------------------------------------------------------------------------------------

def pseudonym(project: Project, worker_id: int) -> str:
    """The worker as this project's client sees them: stable within the project, unrelated across projects."""
    digest = hmac.new(project.pseudonym_key.encode(), str(worker_id).encode(), hashlib.sha256).digest()
    return "W-" + base64.b32encode(digest).decode("ascii")[:10]


class Pseudonyms:
    """Pseudonyms of one project, each computed once per export."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._known: dict[int, str] = {}

    def __call__(self, worker_id: int) -> str:
        name = self._known.get(worker_id)
        if name is None:
            name = self._known[worker_id] = pseudonym(self.project, worker_id)
        return name


# --- who sees which projects --------------------------------------------------------------------------

STAFF_CAPS = (Cap.REVIEW_WORK, Cap.MANAGE_PROJECTS)


def client_ids(principal: Principal) -> set[int]:
    """The client organisations `principal` acts for (as a member, or with the organisation's API key)."""
    return {g.organisation_id for g in principal.grants if g.role == Role.CLIENT_MEMBER}


def staff_partner_ids(principal: Principal, caps: tuple[Cap, ...] = STAFF_CAPS) -> set[int]:
    """Partners whose projects `principal` reviews or manages as partner staff. A client member holds
    MANAGE_PROJECTS too, but at the client (not in the programme): it never reaches other clients' projects."""
    return {g.partner_id for cap in caps for g in principal.grants_with(cap) if g.partner_id and g.in_programme}


def projects_visible_to(principal: Principal) -> QuerySet[Project]:
    """A client's own projects; every project of a partner for its reviewers and project managers."""
    qs = Project.objects.select_related("client", "programme")
    if principal.is_superuser:
        return qs
    return qs.filter(Q(client_id__in=client_ids(principal)) | Q(programme__partner_id__in=staff_partner_ids(principal)))


def project_for(principal: Principal, project_id: int) -> Project:
    """The project if `principal` may see its results; otherwise NotFound, whether or not it exists."""
    project = projects_visible_to(principal).filter(pk=project_id).first()
    if project is None:
        raise NotFound(_("No such project."))
    return project


# --- progress -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    tasks: int
    complete: int
    open: int
    cancelled: int
    in_progress: int            # tasks a worker is doing right now
    answers_needed: int         # overlap × tasks not cancelled
    answers_received: int       # answers that count toward the overlap
    in_review: int              # answers waiting for a QA decision (appeals included)
    approved: int
    rejected: int
    surplus: int                # answers that arrived after the task was full: kept, reviewed, not counted
    gold_checked: int
    gold_correct: int
    results: int                # tasks with an aggregated answer
    mean_confidence: float | None

    @property
    def percent_complete(self) -> int:
        live = self.tasks - self.cancelled
        return 100 * self.complete // live if live else 0

    @property
    def percent_answered(self) -> int:
        return min(100, 100 * self.answers_received // self.answers_needed) if self.answers_needed else 0

    @property
    def approval_rate(self) -> float | None:
        decided = self.approved + self.rejected
        return self.approved / decided if decided else None

    @property
    def gold_accuracy(self) -> float | None:
        return self.gold_correct / self.gold_checked if self.gold_checked else None

    @staticmethod
    def _percent(share: float | None) -> int | None:
        return None if share is None else round(100 * share)

    @property
    def approval_percent(self) -> int | None:
        return self._percent(self.approval_rate)

    @property
    def gold_percent(self) -> int | None:
        return self._percent(self.gold_accuracy)

    @property
    def confidence_percent(self) -> int | None:
        return self._percent(self.mean_confidence)

    @property
    def finished(self) -> bool:
        """Every task has its answers and no answer waits for review: the results are final (appeals aside)."""
        return self.tasks > 0 and self.open == 0 and self.in_review == 0

    def as_dict(self) -> dict[str, Any]:
        return {"tasks": self.tasks, "complete": self.complete, "open": self.open, "cancelled": self.cancelled,
                "in_progress": self.in_progress, "answers_needed": self.answers_needed,
                "answers_received": self.answers_received, "in_review": self.in_review, "approved": self.approved,
                "rejected": self.rejected, "surplus": self.surplus, "gold_checked": self.gold_checked,
                "gold_correct": self.gold_correct, "results": self.results, "mean_confidence": self.mean_confidence,
                "percent_complete": self.percent_complete, "percent_answered": self.percent_answered,
                "approval_rate": self.approval_rate, "gold_accuracy": self.gold_accuracy, "finished": self.finished}


def progress(project: Project) -> Progress:
    """Counts for the progress bars: three aggregate queries, whatever the size of the project."""
    S, T = Submission.Status, Task.Status
    tasks = Task.objects.filter(project=project).aggregate(
        tasks=Count("pk"), complete=Count("pk", filter=Q(status=T.COMPLETE)),
        open=Count("pk", filter=Q(status=T.OPEN)), cancelled=Count("pk", filter=Q(status=T.CANCELLED)),
        in_progress=Count("pk", filter=Q(status=T.OPEN, leased__gt=0)),
        received=Sum("filled", filter=~Q(status=T.CANCELLED)))
    answers = Submission.objects.filter(project=project).aggregate(
        in_review=Count("pk", filter=Q(status__in=(S.PENDING, S.APPEALED))),
        approved=Count("pk", filter=Q(status=S.APPROVED)), rejected=Count("pk", filter=Q(status=S.REJECTED)),
        surplus=Count("pk", filter=Q(surplus=True)),
        gold_checked=Count("pk", filter=Q(gold_correct__isnull=False)),
        gold_correct=Count("pk", filter=Q(gold_correct=True)))
    results = TaskResult.objects.filter(task__project=project).aggregate(count=Count("pk"), mean=Avg("confidence"))
    live = tasks["tasks"] - tasks["cancelled"]
    mean = results["mean"]
    return Progress(
        tasks=tasks["tasks"], complete=tasks["complete"], open=tasks["open"], cancelled=tasks["cancelled"],
        in_progress=tasks["in_progress"], answers_needed=live * project.overlap,
        answers_received=min(tasks["received"] or 0, live * project.overlap), in_review=answers["in_review"],
        approved=answers["approved"], rejected=answers["rejected"], surplus=answers["surplus"],
        gold_checked=answers["gold_checked"], gold_correct=answers["gold_correct"], results=results["count"],
        mean_confidence=round(mean, 4) if mean is not None else None)


@dataclass(frozen=True)
class Summary:
    """A project's progress in a list: tasks done and answers waiting for review."""

    tasks: int = 0
    complete: int = 0
    cancelled: int = 0
    in_review: int = 0

    @property
    def percent_complete(self) -> int:
        live = self.tasks - self.cancelled
        return 100 * self.complete // live if live else 0


def summaries(project_ids: list[int]) -> dict[int, Summary]:
    """Progress of several projects in two grouped queries (a list page costs the same for 1 or 50 projects)."""
    T, S = Task.Status, Submission.Status
    counts: dict[int, dict[str, Any]] = {
        row["project_id"]: dict(row) for row in Task.objects.filter(project_id__in=project_ids).order_by()
        .values("project_id").annotate(tasks=Count("pk"), complete=Count("pk", filter=Q(status=T.COMPLETE)),
                                       cancelled=Count("pk", filter=Q(status=T.CANCELLED)))}
    review = dict(Submission.objects.filter(project_id__in=project_ids, status__in=(S.PENDING, S.APPEALED))
                  .order_by().values("project_id").annotate(n=Count("pk")).values_list("project_id", "n"))
    empty = {"tasks": 0, "complete": 0, "cancelled": 0}
    return {pk: Summary(tasks=counts.get(pk, empty)["tasks"], complete=counts.get(pk, empty)["complete"],
                        cancelled=counts.get(pk, empty)["cancelled"], in_review=review.get(pk, 0))
            for pk in project_ids}


# --- per-task results -------------------------------------------------------------------------------------

@dataclass
class AnswerRow:
    worker: str                 # the pseudonym, never the person
    answers: dict[str, Any]
    submitted_at: datetime
    review: str                 # pending, approved, rejected, appealed
    late: bool
    surplus: bool

    @property
    def review_label(self) -> str:
        return str(Submission.Status(self.review).label) if self.review in Submission.Status.values else self.review


@dataclass
class TaskRow:
    id: int
    external_id: str
    status: str
    gold: bool
    answer: dict[str, Any] | None
    confidence: float | None
    method: str
    answers: list[AnswerRow] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(Task.Status(self.status).label) if self.status in Task.Status.values else self.status

    @property
    def answer_shown(self) -> list[tuple[str, str]]:
        """The combined answer as a page shows it: yes/no in words, choices joined (the files keep true/false)."""
        return [(str(name), _shown(value)) for name, value in (self.answer or {}).items()]

    def as_dict(self) -> dict[str, Any]:
        return {"external_id": self.external_id, "status": self.status, "gold": self.gold, "answer": self.answer,
                "confidence": self.confidence, "method": self.method, "answer_count": len(self.answers),
                "answers": [{"worker": a.worker, "answers": a.answers, "submitted_at": a.submitted_at.isoformat(),
                             "review": a.review, "late": a.late, "surplus": a.surplus} for a in self.answers]}


def _tasks(project: Project, status: str | None = None) -> QuerySet[Task]:
    qs = Task.objects.filter(project=project)
    return qs.filter(status=status) if status else qs


def _rows(project: Project, task_values: list[dict[str, Any]], names: Pseudonyms) -> list[TaskRow]:
    """TaskRows for one chunk of tasks (ordered by id), with their answers: one more query."""
    if not task_values:
        return []
    rows = {t["pk"]: TaskRow(id=t["pk"], external_id=t["external_id"], status=t["status"], gold=t["is_gold"],
                             answer=t["result__answer"], confidence=t["result__confidence"],
                             method=t["result__method"] or "") for t in task_values}
    # By task id alone, so the database walks the task index (a filter on the project would scan all of its
    # submissions for every chunk). At most CHUNK ids: under SQLite's limit on parameters.
    submissions = (Submission.objects.filter(task_id__in=list(rows))
                   .order_by("task_id", "submitted_at", "pk")
                   .values_list("task_id", "worker_id", "answers", "submitted_at", "status", "late", "surplus"))
    for task_id, worker_id, answers, submitted_at, status, late, surplus in submissions:
        row = rows.get(task_id)
        if row is not None:
            row.answers.append(AnswerRow(worker=names(worker_id), answers=answers or {}, submitted_at=submitted_at,
                                         review=status, late=late, surplus=surplus))
    for row in rows.values():
        _single_answer(row)
    return list(rows.values())


def _single_answer(row: TaskRow) -> None:
    """A complete task with one standing answer and no aggregated result (one answer per task: nothing to
    combine) shows that answer, method "single", with no confidence figure."""
    if row.answer is not None or row.status != Task.Status.COMPLETE or row.gold:
        return
    standing = [a for a in row.answers if a.review in (Submission.Status.PENDING, Submission.Status.APPROVED)
                and not a.surplus]
    if len(standing) == 1:
        row.answer, row.method = standing[0].answers, TaskResult.Method.SINGLE.value


_TASK_FIELDS = ("pk", "external_id", "status", "is_gold", "result__answer", "result__confidence", "result__method")


def results_page(project: Project, *, offset: int = 0, limit: int = 100,
                 status: str | None = None) -> tuple[int, list[TaskRow]]:
    """(tasks matching, one page of them in upload order with their answers): three queries."""
    qs = _tasks(project, status)
    values = list(qs.order_by("pk").values(*_TASK_FIELDS)[offset:offset + limit])
    return qs.count(), _rows(project, values, Pseudonyms(project))


def iter_results(project: Project, *, status: str | None = None, chunk: int = CHUNK) -> Iterator[TaskRow]:
    """Every task of the project in upload order, `chunk` at a time."""
    names = Pseudonyms(project)
    after = 0
    while True:
        values = list(_tasks(project, status).filter(pk__gt=after).order_by("pk").values(*_TASK_FIELDS)[:chunk])
        yield from _rows(project, values, names)
        if len(values) < chunk:
            return
        after = values[-1]["pk"]


# --- files ------------------------------------------------------------------------------------------------

def answer_names(project: Project) -> list[str]:
    return [str(spec["name"]) for spec in project.answer_fields or [] if isinstance(spec, dict) and "name" in spec]


def _text(value: Any) -> str:
    """One answer as a cell: lists joined with "; ", yes/no as true/false, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return _text(value) or "—"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def task_header(names: list[str]) -> list[str]:
    return ["external_id", "status", "gold", *(f"answer.{n}" for n in names), "confidence", "method", "answer_count"]


def answer_header(names: list[str]) -> list[str]:
    return ["external_id", "worker", *(f"answer.{n}" for n in names), "submitted_at", "review", "late", "surplus"]


def task_cells(row: TaskRow, names: list[str]) -> list[Any]:
    answer = row.answer or {}
    return [row.external_id, row.status, row.gold, *(answer.get(n) for n in names),
            None if row.confidence is None else round(row.confidence, 4), row.method, len(row.answers)]


def answer_cells(row: TaskRow, answer: AnswerRow, names: list[str]) -> list[Any]:
    return [row.external_id, answer.worker, *(answer.answers.get(n) for n in names),
            _utc(answer.submitted_at), answer.review, answer.late, answer.surplus]


def _records(project: Project, layout: str, status: str | None) -> Iterator[list[Any]]:
    names = answer_names(project)
    yield task_header(names) if layout == "tasks" else answer_header(names)
    for row in iter_results(project, status=status):
        if layout == "tasks":
            yield task_cells(row, names)
        else:
            for answer in row.answers:
                yield answer_cells(row, answer, names)


def _csv_value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return neutralise(_text(value))


def csv_chunks(project: Project, *, layout: str = "tasks", status: str | None = None) -> Iterator[bytes]:
    """The results as UTF-8 CSV, streamed: one row per task (`tasks`) or one per answer (`answers`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for n, record in enumerate(_records(project, layout, status)):
        writer.writerow([_csv_value(value) for value in record])
        if n % 200 == 0 or buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value).replace(tzinfo=None)  # XLSX has no time zones: the header says UTC
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return xlsx_cell(_text(value))


EXCEL_ROWS = 1_048_576  # rows in a worksheet, header included


def write_xlsx(project: Project, out: IO[bytes], *, layout: str = "tasks", status: str | None = None) -> None:
    """A workbook of one row per task (`tasks`, sheet "Results") or one row per answer (`answers`, sheet
    "Answers"); past Excel's million rows a sheet continues in "Results (2)", and so on."""
    book = Workbook(write_only=True)
    title = _("Results") if layout == "tasks" else _("Answers")
    names = answer_names(project)
    header = [xlsx_cell(h.replace("submitted_at", "submitted_at (UTC)")) for h in
              (task_header(names) if layout == "tasks" else answer_header(names))]
    records = _records(project, layout, status)
    next(records)  # the header, written on every sheet
    sheet, rows, number = None, EXCEL_ROWS, 0
    for record in records:
        if rows >= EXCEL_ROWS:
            number += 1
            sheet = book.create_sheet((title if number == 1 else f"{title} ({number})")[:31])
            sheet.append(header)
            rows = 1
        assert sheet is not None
        sheet.append([_xlsx_value(v) for v in record])
        rows += 1
    if sheet is None:
        book.create_sheet(title[:31]).append(header)
    book.save(out)


def xlsx_file(project: Project, *, layout: str = "tasks", status: str | None = None) -> IO[bytes]:
    """The workbook in a temporary file, rewound; the caller closes it (a FileResponse does)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    write_xlsx(project, out, layout=layout, status=status)
    out.seek(0)
    return out


def json_chunks(project: Project, *, status: str | None = None) -> Iterator[bytes]:
    """{"project": {...}, "tasks": [...]} streamed: each task with its aggregated answer and every answer."""
    head = {"id": project.pk, "name": project.name, "status": project.status, "overlap": project.overlap,
            "answer_fields": answer_names(project), "exported_at": datetime.now(UTC).isoformat()}
    yield (json.dumps({"project": head}, ensure_ascii=False)[:-1] + ', "tasks": [').encode("utf-8")
    for n, row in enumerate(iter_results(project, status=status)):
        yield (("," if n else "") + json.dumps(row.as_dict(), ensure_ascii=False, default=str)).encode("utf-8")
    yield b"]}"


def file_name(project: Project, extension: str, layout: str = "tasks") -> str:
    """project-12-results.csv, project-12-results-answers.xlsx, …"""
    suffix = "" if layout == "tasks" else "-answers"
    return f"project-{project.pk}-results{suffix}.{extension}"


def read_all(chunks: Iterable[bytes]) -> bytes:
    return b"".join(chunks)
