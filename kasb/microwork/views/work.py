"""The worker's side of microwork, made for a cheap phone on a slow connection.

Available projects (with pay, time, hourly rate and any content warning before accepting), the task
page and my work. Thin views over kasb.microwork.services: "Start" and "Next task" claim a lease,
"More time" extends it, "Skip" gives the task back, and the answer form posts to `submit_work`.

- Task data, instructions, examples and form labels are the client's words: always escaped, never
  marked safe. Task media is served only to the worker holding the lease.
- The page carries a client key made when it renders and kept across a re-render after errors, so a
  retry on a bad connection records one submission. Time spent is measured here from the lease.
- Everything works without JavaScript (forms post and redirect); with htmx a submission swaps in the
  next task and "More time" refreshes only the countdown, so nothing typed is lost.
"""

from __future__ import annotations

import json
import mimetypes
import os
import uuid
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kasb.core.errors import Conflict, DomainError, ValidationFailed
from kasb.core.money import Money
from kasb.participants.models import Participant
from kasb.payments.models import Entry
from kasb.payments.queries import worker_accounts

from ..answers import check_answers
from ..models import Assignment, Project, Submission, Task, WorkerProfile
from ..queries import eligible_project, eligible_projects
from ..services.preferences import (
    accepted_extensions,
    is_answer_file_of,
    max_answer_file_bytes,
    set_work_preferences,
    store_answer_file,
)
from ..services.work import MAX_EXTENSIONS, NoTaskAvailable, claim_next_task, extend_lease, skip_task, submit_work

A = Assignment.Status
TASK = "microwork/work/task.html"
MY_WORK_PAGE = 30
PAYMENTS_SHOWN = 10
PAID_FOR = "microwork.submission"
FILE_TYPES = ("file", "audio")
# Media types a browser may show in the page; anything else (HTML, SVG, scripts...) is only downloaded.
INLINE_MEDIA = {"image/png", "image/jpeg", "image/gif", "image/webp", "audio/mpeg", "audio/ogg", "audio/wav",
                "audio/x-wav", "audio/webm", "audio/mp4", "audio/aac", "audio/flac", "video/mp4", "video/webm",
                "application/pdf", "text/plain"}


# --- helpers -------------------------------------------------------------------------------------

def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _worker(request: HttpRequest) -> Participant:
    """The signed-in participant; anyone else gets a 404 (these pages are only about oneself)."""
    participant_id = request.principal.participant_id  # type: ignore[attr-defined]
    if not participant_id:
        raise Http404
    return get_object_or_404(Participant.objects.only("pk", "partner", "area", "languages", "user"),
                             pk=participant_id)


def _eligible(worker: Participant, pk: int) -> Project:
    project = eligible_project(worker, pk)
    if project is None:
        raise Http404
    return project


def _assignment(worker: Participant, pk: int) -> Assignment:
    return get_object_or_404(Assignment.objects.select_related("task", "project"), pk=pk, worker=worker)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def duration(seconds: int) -> str:
    minutes, rest = divmod(max(int(seconds), 0), 60)
    if not minutes:
        return ngettext("%(n)s second", "%(n)s seconds", rest) % {"n": rest}
    if not rest:
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": rest}


def _warning(project: Project) -> str:
    """What the worker must read before accepting; empty if nothing."""
    if project.content_warning:
        return project.content_warning
    return _("This project may contain distressing content.") if project.distressing else ""


def _summary(project: Project) -> dict[str, Any]:
    return {"project": project, "time": duration(project.seconds_per_task),
            "measured": bool(project.measured_median_seconds), "hourly": project.hourly, "pay": project.pay,
            "warning": _warning(project)}


def _shown(value: Any) -> str:
    """A value from the client's data as text (escaped later by the template, like every value)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def _pairs(data: Any, keys: list[str] | None = None) -> list[tuple[str, str]]:
    if not isinstance(data, dict):
        return [("", _shown(data))] if data not in (None, "") else []
    names = [k for k in keys if k in data] if keys else list(data)
    return [(str(k), _shown(data[k])) for k in names]


def _examples(project: Project) -> list[dict[str, Any]]:
    examples = project.examples if isinstance(project.examples, list) else []
    return [{"input": _pairs(e.get("input")), "answer": _pairs(e.get("answer")), "why": _shown(e.get("why"))}
            if isinstance(e, dict) else {"input": [], "answer": [], "why": _shown(e)} for e in examples]


def _media_kind(task: Task) -> str:
    if not task.media:
        return ""
    kind = mimetypes.guess_type(task.media.name or "")[0] or ""
    return "image" if kind.startswith("image/") and kind in INLINE_MEDIA else (
        "audio" if kind.startswith("audio/") else "file")


# --- the answer form -----------------------------------------------------------------------------

def _fields(project: Project, values: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    """The project's answer fields ready to render, with what the worker typed and any error beside each."""
    fields = []
    for spec in project.answer_fields:
        name, kind = spec["name"], spec["type"]
        value = values.get(name, [] if kind == "multiple_choice" else "")
        field: dict[str, Any] = {
            "name": name, "input": f"a-{name}", "type": kind, "label": spec.get("label", name),
            "required": spec.get("required", True), "help": spec.get("help", ""), "error": errors.get(name, ""),
            "value": value, "max_length": spec.get("max_length", ""),
            "group": kind in ("single_choice", "multiple_choice", "yes_no")}
        if kind in ("single_choice", "multiple_choice"):
            chosen = {str(v) for v in value} if isinstance(value, list) else {str(value)}
            field["options"] = [{"value": c, "label": c, "checked": c in chosen} for c in spec.get("choices", [])]
        elif kind == "yes_no":
            field["options"] = [{"value": v, "label": label, "checked": str(value).lower() == v}
                                for v, label in (("yes", _("Yes")), ("no", _("No")))]
        elif kind in FILE_TYPES:
            field["accept"] = ",".join(accepted_extensions(kind))
            field["kept"] = os.path.basename(str(value)) if value else ""
        fields.append(field)
    return fields


def _read_answers(request: HttpRequest, worker: Participant,
                  assignment: Assignment) -> tuple[dict[str, Any], dict[str, str]]:
    """The posted answers, uploads stored (so a re-render keeps them), and upload problems per field."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for spec in assignment.project.answer_fields:
        name, kind, key = spec["name"], spec["type"], f"a-{spec['name']}"
        if kind == "multiple_choice":
            values[name] = request.POST.getlist(key)
        elif kind in FILE_TYPES:
            kept = request.POST.get(f"{key}-stored", "")
            values[name] = kept if is_answer_file_of(kept, assignment) else ""
            upload = request.FILES.get(key)
            if upload is not None:
                try:
                    values[name] = store_answer_file(worker=worker, assignment=assignment, field=name,
                                                     upload=upload)
                except ValidationFailed as exc:
                    problems[name] = exc.message
        else:
            values[name] = request.POST.get(key, "")
    return values, problems


def _seconds_spent(assignment: Assignment) -> int:
    """Time on the task, measured from the claim and capped at the time the lease allowed."""
    elapsed = (timezone.now() - assignment.claimed_at).total_seconds()
    allowed = assignment.project.lease_minutes * 60 * (1 + assignment.extensions)
    return int(max(0, min(elapsed, allowed)))


# --- rendering the task --------------------------------------------------------------------------

def _lease_context(assignment: Assignment, message: str = "") -> dict[str, Any]:
    left = max(0, int((assignment.expires_at - timezone.now()).total_seconds()))
    holding = assignment.status == A.ACTIVE and left > 0
    return {"assignment": assignment, "left": left, "left_text": f"{left // 60}:{left % 60:02d}",
            "holding": holding, "late": assignment.status in (A.ACTIVE, A.EXPIRED) and not holding,
            "extensions_left": MAX_EXTENSIONS - assignment.extensions, "lease_message": message,
            "lease_minutes": assignment.project.lease_minutes}


def _task_context(worker: Participant, assignment: Assignment, *, values: dict[str, Any] | None = None,
                  errors: dict[str, str] | None = None, client_key: str = "", note: str = "",
                  lease_message: str = "") -> dict[str, Any]:
    project, task = assignment.project, assignment.task
    answering = assignment.status in (A.ACTIVE, A.EXPIRED)
    errors = errors or {}
    fields = _fields(project, values or {}, errors) if answering else []
    named = {f["name"] for f in fields}
    context = {
        **_lease_context(assignment, lease_message), **_summary(project), "task": task,
        "answering": answering, "fields": fields, "has_files": any(f["type"] in FILE_TYPES for f in fields),
        "max_file_mb": max_answer_file_bytes() // (1024 * 1024),
        "client_key": (client_key or "").strip()[:64] or uuid.uuid4().hex,
        "data": _pairs(task.data, project.input_fields or None), "examples": _examples(project),
        "media": _media_kind(task), "errors": bool(errors), "note": note,
        "form_errors": [message for name, message in errors.items() if name not in named],
        "first_time": answering and not Submission.objects.filter(worker=worker, project=project).exists(),
    }
    return context


def _task_page(request: HttpRequest, worker: Participant, assignment: Assignment, *, status: int = 200,
               partial: bool = False, **kwargs: Any) -> HttpResponse:
    context = _task_context(worker, assignment, **kwargs)
    if partial:
        return render(request, f"{TASK}#task", context)
    return render(request, TASK, context, status=status)


def _next(request: HttpRequest, worker: Participant, project: Project, *, note: str = "") -> HttpResponse:
    """Claim the next task of the project: its page, the swapped-in task (htmx), or why there is none."""
    try:
        assignment = claim_next_task(worker=worker, project=project)
    except DomainError as exc:  # none left, or the project closed or paused meanwhile: say so, keep the note
        if _htmx(request):
            return render(request, f"{TASK}#finished", {"project": project, "message": exc.message, "note": note,
                                                        "again": isinstance(exc, NoTaskAvailable)})
        if note:
            messages.success(request, note)
        messages.info(request, exc.message)
        return redirect("microwork:work_projects")
    if _htmx(request):
        response = _task_page(request, worker, assignment, partial=True, note=note)
        response["HX-Push-Url"] = reverse("microwork:work_task", args=[assignment.pk])
        return response
    if note:
        messages.success(request, note)
    return redirect("microwork:work_task", assignment.pk)


# --- available projects --------------------------------------------------------------------------

@login_required
@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    worker = _worker(request)
    profile = WorkerProfile.objects.filter(participant=worker).first()
    listed = eligible_projects(worker)
    ids = [p.pk for p in listed]
    open_tasks = dict(Task.objects.filter(project_id__in=ids, status=Task.Status.OPEN).values("project_id")
                      .annotate(n=Count("id")).values_list("project_id", "n")) if ids else {}
    current = dict(Assignment.objects.filter(worker=worker, project_id__in=ids, status=A.ACTIVE,
                                             expires_at__gte=timezone.now()).values_list("project_id", "pk")
                   ) if ids else {}
    rows = [{**_summary(p), "open": open_tasks.get(p.pk, 0), "current": current.get(p.pk)} for p in listed]
    suspended = profile is not None and profile.standing == WorkerProfile.Standing.SUSPENDED
    return render(request, "microwork/work/projects.html", {"rows": rows, "profile": profile, "suspended": suspended})


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    worker = _worker(request)
    avoid = request.POST.get("avoid_distressing") == "on"
    set_work_preferences(worker=worker, avoid_distressing=avoid)
    messages.success(request, _("Saved: projects that may be distressing are hidden from you.") if avoid else
                     _("Saved: projects that may be distressing are shown, each with its warning."))
    return redirect("microwork:work_projects")


@login_required
@require_GET
def project(request: HttpRequest, pk: int) -> HttpResponse:
    """A project before accepting it: instructions, pay, and the content warning to confirm."""
    chosen = _eligible(_worker(request), pk)
    return render(request, "microwork/work/project.html", {**_summary(chosen), "examples": _examples(chosen)})


@login_required
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """"Start" and "Next task": lease a task (or bring back the current one) after any warning was confirmed."""
    worker = _worker(request)
    chosen = _eligible(worker, pk)
    if _warning(chosen) and request.POST.get("confirm") != "yes":
        return render(request, "microwork/work/project.html",
                      {**_summary(chosen), "examples": _examples(chosen),
                       "confirm_error": _("Tick the box to confirm you have read the warning.")}, status=400)
    return _next(request, worker, chosen)


# --- the task page -------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def task(request: HttpRequest, pk: int) -> HttpResponse:
    worker = _worker(request)
    assignment = _assignment(worker, pk)
    if request.method == "POST":
        return _submit(request, worker, assignment)
    return _task_page(request, worker, assignment, partial=_htmx(request))


def _submit(request: HttpRequest, worker: Participant, assignment: Assignment) -> HttpResponse:
    project = assignment.project
    key = (request.POST.get("client_key") or "").strip()[:64]
    saved = _("Thank you: your answer is saved. Here is your next task.")
    # A retry of a form with files: recorded already, so the files are not stored twice. (Without files,
    # submit_work itself answers a retry with the submission it recorded.)
    if key and any(f["type"] in FILE_TYPES for f in project.answer_fields) and Submission.objects.filter(
            worker=worker, client_key=key).exists():
        return _next(request, worker, project, note=saved)
    values, problems = _read_answers(request, worker, assignment)
    try:
        if problems:
            check_answers(project.answer_fields, values)
            raise ValidationFailed(_("Some answers need another look."), details={})
        submit_work(worker=worker, assignment_id=assignment.pk, client_key=key, answers=values,
                    seconds_spent=_seconds_spent(assignment))
    except ValidationFailed as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        errors = {str(k): str(v) for k, v in details.items()} | problems
        return _task_page(request, worker, assignment, values=values, errors=errors or {"": exc.message},
                          client_key=key, status=400, partial=_htmx(request))
    except Conflict as exc:
        if exc.code == "missing_client_key":
            return _task_page(request, worker, assignment, values=values, status=400, partial=_htmx(request),
                              note=_("Your answers are still here: press Submit again."))
        return _next(request, worker, project, note=exc.message)
    return _next(request, worker, project, note=saved)


@login_required
@require_POST
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    """More time. With htmx only the countdown changes; without, the page comes back with what was typed."""
    worker = _worker(request)
    assignment = _assignment(worker, pk)
    message = _("You have %(minutes)s more minutes.") % {"minutes": assignment.project.lease_minutes}
    try:
        assignment = extend_lease(worker=worker, assignment_id=assignment.pk)
    except DomainError as exc:
        message = exc.message
    if _htmx(request):
        return render(request, f"{TASK}#lease", _lease_context(assignment, message))
    values, problems = _read_answers(request, worker, assignment)
    return _task_page(request, worker, assignment, values=values, errors=problems,
                      client_key=request.POST.get("client_key", ""), lease_message=message)


@login_required
@require_POST
def skip(request: HttpRequest, pk: int) -> HttpResponse:
    worker = _worker(request)
    assignment = _assignment(worker, pk)
    skip_task(worker=worker, assignment_id=assignment.pk)
    return _next(request, worker, assignment.project, note=_("Skipped. This task goes to someone else."))


@login_required
@require_GET
def media(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The task's file, only for the worker holding the lease right now."""
    worker = _worker(request)
    assignment = (Assignment.objects.select_related("task")
                  .filter(pk=pk, worker=worker, status=A.ACTIVE, expires_at__gte=timezone.now()).first())
    if assignment is None or not assignment.task.media:
        raise Http404
    try:
        handle = assignment.task.media.open("rb")
    except OSError:
        raise Http404 from None
    name = os.path.basename(assignment.task.media.name or "")
    kind = mimetypes.guess_type(name)[0] or ""
    inline = kind in INLINE_MEDIA
    response = FileResponse(handle, as_attachment=not inline, filename=name,
                            content_type=kind if inline else "application/octet-stream")
    response["Cache-Control"] = "private, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    if kind != "application/pdf":  # a sandbox would stop the browser's PDF viewer
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response


# --- my work -------------------------------------------------------------------------------------

def _earnings(worker: Participant) -> dict[str, Any]:
    """Balances, what microwork paid in total, and the latest payments with the task they were for."""
    accounts = worker_accounts(worker.pk)
    if not accounts:
        return {"accounts": [], "earned": [], "payments": []}
    paid = Entry.objects.filter(account__in=accounts, transaction__purpose_type=PAID_FOR)
    signs = {a.pk: a.sign for a in accounts}
    earned = [Money(row["total"] * signs[row["account_id"]], row["currency"])
              for row in paid.values("account_id", "currency").annotate(total=Sum("amount")).order_by("currency")]
    payments = [{"txn": e.transaction, "amount": Money(e.amount * signs[e.account_id], e.currency),
                 "submission": e.transaction.purpose_id}
                for e in paid.select_related("transaction").order_by("-id")[:PAYMENTS_SHOWN]]
    return {"accounts": accounts, "earned": earned, "payments": payments}


@login_required
@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    worker = _worker(request)
    status = request.GET.get("status", "")
    status = status if status in Submission.Status.values else ""
    before = _int(request.GET.get("before"))
    mine = (Submission.objects.filter(worker=worker).select_related("project", "task", "appeal")
            .only("pk", "status", "submitted_at", "reviewed_at", "reason_code", "feedback", "late", "surplus",
                  "project__name", "project__appeal_days", "task__external_id", "appeal__upheld",
                  "appeal__decided_at", "appeal__note", "appeal__submission_id").order_by("-id"))
    if status:
        mine = mine.filter(status=status)
    if before:
        mine = mine.filter(pk__lt=before)
    page = list(mine[:MY_WORK_PAGE])
    now = timezone.now()
    rows = []
    for s in page:
        appeal = getattr(s, "appeal", None) if _has_appeal(s) else None
        until = s.reviewed_at + timedelta(days=s.project.appeal_days) if s.reviewed_at else None
        may_appeal = (s.status == Submission.Status.REJECTED and appeal is None and until is not None
                      and until >= now)
        rows.append({"s": s, "appeal": appeal, "appeal_until": until if may_appeal else None,
                     "appeal_url": reverse("microwork:appeal", args=[s.pk]) if may_appeal else ""})
    context = {"rows": rows, "status": status, "statuses": Submission.Status.choices, "before": before,
               "older": page[-1].pk if len(page) == MY_WORK_PAGE else None,
               "profile": WorkerProfile.objects.filter(participant=worker).first(), **_earnings(worker)}
    if _htmx(request) and "before" in request.GET:
        return render(request, "microwork/work/mine.html#submissions", context)
    return render(request, "microwork/work/mine.html", context)


def _has_appeal(submission: Submission) -> bool:
    try:
        return submission.appeal is not None
    except Submission.appeal.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False
