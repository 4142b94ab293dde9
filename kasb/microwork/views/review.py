"""Quality-assurance pages for the partner's QA reviewers and programme managers, and the worker's appeal form.

Thin views over kasb.microwork.services.review: the reviewer's projects with queue sizes; the queue, one
submission at a time (task data escaped, the answer, the gold comparison, other answers to the task,
the worker by name and pseudonym with accuracy); approve or reject with a reason from the published
list and feedback; appeals for a reviewer other than the one who rejected; results waiting for a
reviewer's pick; workers' standing for programme managers. Every page keeps a fixed number of queries.

Everything works without JavaScript (forms post and redirect to the next submission); with htmx the
queue swaps in place. Client-supplied content is never marked safe.
"""

from __future__ import annotations

import json
import mimetypes
import os
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kasb.core.errors import DomainError, PermissionDenied
from kasb.core.permissions import Cap, Principal
from kasb.participants.models import Participant

from ..models import Appeal, Project, ReasonCode, Submission, Task, WorkerProfile
from ..services import review as service
from ..services.results import pseudonym

PAGE = 50
INLINE_MEDIA = {"image/png", "image/jpeg", "image/gif", "image/webp", "audio/mpeg", "audio/ogg", "audio/wav",
                "audio/x-wav", "audio/webm", "audio/mp4", "audio/aac", "audio/flac", "video/mp4", "video/webm",
                "application/pdf", "text/plain"}


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _reviewer(request: HttpRequest) -> Principal:
    principal = _principal(request)
    if not principal.can(Cap.REVIEW_WORK):
        raise PermissionDenied(_("You do not have permission to do this."))
    return principal


def _project(principal: Principal, pk: int) -> Project:
    return get_object_or_404(service.reviewable_projects(principal), pk=pk)


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _index(request: HttpRequest) -> int:
    text = request.GET.get("n", "0")
    return min(int(text), 10**6) if text.isdigit() else 0


# --- forms -----------------------------------------------------------------------------------------

class ApproveForm(forms.Form):
    feedback = forms.CharField(label=gettext_lazy("Feedback for the worker (optional)"), required=False,
                               max_length=service.FEEDBACK_LIMIT, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "approve_%s")  # the reject form on the same page has a feedback field too
        super().__init__(*args, **kwargs)


class RejectForm(forms.Form):
    reason_code = forms.ChoiceField(label=gettext_lazy("Reason"),
                                    choices=[("", "—"), *ReasonCode.choices])
    feedback = forms.CharField(label=gettext_lazy("Feedback for the worker"), max_length=service.FEEDBACK_LIMIT,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=gettext_lazy("Say what was wrong and how to do it right; the worker "
                                                      "reads this and may appeal."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reject_%s")
        super().__init__(*args, **kwargs)


class AppealDecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(label=gettext_lazy("Decision"), widget=forms.RadioSelect,
                                    coerce=lambda v: v == "yes",
                                    choices=[("yes", gettext_lazy("Uphold: approve and pay in full")),
                                             ("no", gettext_lazy("Do not uphold: the rejection stands"))])
    note = forms.CharField(label=gettext_lazy("Why (the worker reads this)"), max_length=service.FEEDBACK_LIMIT,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AppealForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why is the rejection wrong?"), max_length=service.FEEDBACK_LIMIT,
                             widget=forms.Textarea(attrs={"rows": 4}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason (the worker is told)"), max_length=280,
                             widget=forms.Textarea(attrs={"rows": 2}))


class SuspendForm(forms.Form):
    fraud = forms.BooleanField(label=gettext_lazy("Fraud: suspend at once, without the notice period"),
                               required=False)
    reason = forms.CharField(label=gettext_lazy("Evidence of fraud"), max_length=280, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class FindWorkerForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Participant reference"), max_length=20,
                                widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}))


def _show(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- what a reviewer sees of a submission -------------------------------------------------------------

def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return "" if value is None else str(value)


def task_data(project: Project, task: Task) -> list[tuple[str, str]]:
    data = task.data if isinstance(task.data, dict) else {}
    keys = [k for k in (project.input_fields or []) if k in data] or list(data)
    return [(str(k), _text(data[k])) for k in keys]


def answer_rows(project: Project, answers: dict[str, Any], gold: dict[str, Any] | None) -> list[dict[str, Any]]:
    rows = []
    for spec in project.answer_fields or []:
        name = spec.get("name")
        row: dict[str, Any] = {"label": spec.get("label") or name, "value": _text(answers.get(name))}
        if gold is not None and name in gold:
            row["expected"] = _text(gold[name])
            row["match"] = answers.get(name) == gold[name]
        rows.append(row)
    return rows


def _card(project: Project, submission: Submission) -> dict[str, Any]:
    """Everything shown about one submission: two queries (the submission with its task and worker, and
    the other answers to the task)."""
    task, worker = submission.task, submission.worker
    gold = task.gold_answer if task.is_gold and isinstance(task.gold_answer, dict) else None
    others = (Submission.objects.filter(task_id=task.pk).exclude(pk=submission.pk)
              .only("pk", "worker_id", "answers", "status").order_by("submitted_at", "pk"))
    return {
        "s": submission, "task": task, "data": task_data(project, task),
        "answers": answer_rows(project, submission.answers or {}, gold), "gold": gold is not None,
        "worker": service.worker_label(project, worker),
        "why": service.why_reviewed(submission, getattr(worker, "work_profile", None)),
        "others": [{"pseudonym": pseudonym(project, o.worker_id), "status": o.get_status_display(),
                    "answers": answer_rows(project, o.answers or {}, None)} for o in others],
        "auto_at": submission.submitted_at + timedelta(hours=project.review_window_hours),
    }


def _submission(principal: Principal, pk: int) -> Submission:
    submission = get_object_or_404(
        Submission.objects.select_related("project", "project__programme", "task", "worker",
                                          "worker__work_profile"), pk=pk)
    service.may_review(principal, submission.project)
    return submission


# --- projects and the queue ------------------------------------------------------------------------------

@login_required
def projects(request: HttpRequest) -> HttpResponse:
    """The reviewer's projects with how much waits: submissions, appeals, results to pick."""
    principal = _reviewer(request)
    qs = (service.reviewable_projects(principal).exclude(status=Project.Status.DRAFT)
          .only("pk", "name", "status", "overlap", "review_window_hours", "client__name", "programme__name",
                "programme__partner_id").order_by("-published_at", "-pk"))
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    ids = [p.pk for p in page]
    sizes = service.queue_sizes(ids)
    appeals = dict(service.open_appeals(principal).filter(submission__project_id__in=ids)
                   .values("submission__project_id").annotate(n=Count("pk"))
                   .values_list("submission__project_id", "n"))
    picks = dict(Task.objects.filter(project_id__in=ids, project__overlap__gt=1, status=Task.Status.COMPLETE,
                                     is_gold=False, result__isnull=True)
                 .values("project_id").annotate(n=Count("pk")).values_list("project_id", "n"))
    rows = [{"p": p, "queue": sizes.get(p.pk, 0), "appeals": appeals.get(p.pk, 0), "picks": picks.get(p.pk, 0)}
            for p in page]
    return render(request, "microwork/review/projects.html", {
        "page": page, "rows": rows, "may_manage": bool(service.standing_partner_ids(principal))
        or principal.is_superuser})


@login_required
def queue(request: HttpRequest, pk: int) -> HttpResponse:
    """One waiting submission at a time; ?n= skips ahead (the decided one leaves, so n stays put after it)."""
    principal = _reviewer(request)
    project = _project(principal, pk)
    n = _index(request)
    waiting = service.review_queue(project)
    total = waiting.count()
    submission = next(iter(waiting[n:n + 1]), None) if n < total else None
    context: dict[str, Any] = {"project": project, "total": total, "n": n, "next_n": n + 1 if n + 1 < total else 0}
    if submission is not None:
        submission.project = project
        context = {**context, **_card(project, submission), "approve_form": ApproveForm(),
                   "reject_form": RejectForm(), "own": principal.participant_id == submission.worker_id}
    return render(request, "microwork/review/queue.html", context)


@login_required
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One submission (from the history, an appeal, or a link): its card, and the forms if it still waits."""
    principal = _reviewer(request)
    submission = _submission(principal, pk)
    project = submission.project
    context = {"project": project, "total": None, "n": 0, "next_n": 0, **_card(project, submission),
               "approve_form": ApproveForm(), "reject_form": RejectForm(),
               "own": principal.participant_id == submission.worker_id,
               "history": submission.history.select_related("actor").order_by("at", "pk")}
    return render(request, "microwork/review/queue.html", context)


def _posted_index(request: HttpRequest) -> int:
    text = request.POST.get("n", "0")
    return min(int(text), 10**6) if text.isdigit() else 0


def _after_decision(request: HttpRequest, project: Project) -> HttpResponse:
    """Back to the queue at the same place: the decided submission has left it, so the next one is there."""
    url = reverse("microwork:review_queue", args=[project.pk])
    return redirect(f"{url}?n={_posted_index(request)}")


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _reviewer(request)
    submission = _submission(principal, pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            done = service.approve(actor=principal, submission=submission, feedback=form.cleaned_data["feedback"])
        except PermissionDenied:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if done.payment_transaction_id:
                messages.success(request, _("Approved; the worker is paid %(amount)s.") % {"amount": done.project.pay})
            else:
                messages.success(request, _("Approved (surplus work: this project does not pay it)."))
    else:
        messages.error(request, _("Feedback is too long."))
    return _after_decision(request, submission.project)


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _reviewer(request)
    submission = _submission(principal, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            service.reject(actor=principal, submission=submission, reason_code=form.cleaned_data["reason_code"],
                           feedback=form.cleaned_data["feedback"])
        except PermissionDenied:
            raise
        except DomainError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Rejected; the worker can read your feedback and appeal."))
            return _after_decision(request, submission.project)
    project = submission.project
    context = {"project": project, "total": None, "n": _posted_index(request), "next_n": 0,
               **_card(project, submission), "approve_form": ApproveForm(), "reject_form": form, "own": False}
    if _htmx(request):
        # The queue is boosted, and htmx swaps in no 4xx answer: the reviewer would see nothing happen. Answer
        # 200 with the errors, and put the submission's own page (not this POST-only address) in the history.
        response = render(request, "microwork/review/queue.html", context)
        response["HX-Push-Url"] = reverse("microwork:review_submission", args=[submission.pk])
        return response
    return render(request, "microwork/review/queue.html", context, status=400)


@login_required
def media(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A task's file, for reviewers of its project only; shown inline only for harmless types."""
    principal = _reviewer(request)
    task = get_object_or_404(Task.objects.select_related("project__programme"), pk=pk)
    service.may_review(principal, task.project)
    if not task.media:
        raise Http404
    try:
        handle = task.media.open("rb")
    except OSError:
        raise Http404 from None
    name = os.path.basename(task.media.name or "")
    kind = mimetypes.guess_type(name)[0] or ""
    inline = kind in INLINE_MEDIA
    response = FileResponse(handle, as_attachment=not inline, filename=name,
                            content_type=kind if inline else "application/octet-stream")
    response["Cache-Control"] = "private, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    if kind != "application/pdf":
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response


# --- appeals -------------------------------------------------------------------------------------------

@login_required
def appeals(request: HttpRequest, pk: int) -> HttpResponse:
    """Undecided appeals of a project that this reviewer may decide (never on their own rejections)."""
    principal = _reviewer(request)
    project = _project(principal, pk)
    page = Paginator(service.appeals_for(principal, project), PAGE).get_page(request.GET.get("page"))
    return render(request, "microwork/review/appeals.html", {"project": project, "page": page})


@login_required
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _reviewer(request)
    found = get_object_or_404(Appeal.objects.select_related(
        "submission", "submission__project", "submission__project__programme", "submission__task",
        "submission__worker", "submission__worker__work_profile", "submission__reviewed_by", "decided_by"), pk=pk)
    submission = found.submission
    project = submission.project
    service.may_review(principal, project)
    form = AppealDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service.decide_appeal(actor=principal, appeal=found, upheld=form.cleaned_data["upheld"],
                                  note=form.cleaned_data["note"])
        except PermissionDenied as exc:
            if exc.code not in ("same_reviewer", "own_work"):
                raise
            _show(form, exc)
        except DomainError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Appeal decided; the worker is told by SMS."))
            return redirect("microwork:review_appeals", project.pk)
    same = submission.reviewed_by_id is not None and submission.reviewed_by_id == getattr(principal.user, "pk", None)
    return render(request, "microwork/review/appeal.html", {
        "project": project, "appeal": found, "form": form, "same_reviewer": same, **_card(project, submission),
        "reason_label": ReasonCode(submission.reason_code).label if submission.reason_code else "",
    }, status=400 if form.errors else 200)


# --- results waiting for a pick ----------------------------------------------------------------------------

@login_required
def picks(request: HttpRequest, pk: int) -> HttpResponse:
    """Tasks whose answers nobody agreed on; a POST recomputes the project's results first."""
    principal = _reviewer(request)
    project = _project(principal, pk)
    if request.method == "POST":
        written = service.aggregate_project(project)
        messages.success(request, _("Results recomputed: %(n)s written.") % {"n": written})
        return redirect("microwork:review_picks", project.pk)
    page = Paginator(service.tasks_needing_a_pick(project).only("pk", "external_id"), PAGE).get_page(
        request.GET.get("page"))
    return render(request, "microwork/review/picks.html", {"project": project, "page": page})


def _answer_from(project: Project, post: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    for spec in project.answer_fields or []:
        name = spec.get("name")
        if spec.get("type") == "multiple_choice":
            answer[name] = post.getlist(name)
        else:
            answer[name] = post.get(name, "")
    return answer


def _pick_fields(project: Project, values: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    fields = []
    for spec in project.answer_fields or []:
        name = spec.get("name")
        value = values.get(name)
        fields.append({"name": name, "label": spec.get("label") or name, "type": spec.get("type"),
                       "choices": spec.get("choices") or [], "value": "" if value is None else value,
                       "values": value if isinstance(value, list) else [], "error": errors.get(name, "")})
    return fields


@login_required
def pick(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick one worker's answer as the task's result, or edit it first."""
    principal = _reviewer(request)
    task = get_object_or_404(Task.objects.select_related("project", "project__programme"), pk=pk)
    project = task.project
    service.may_review(principal, project)
    answers = list(Submission.objects.filter(task=task).exclude(status__in=[Submission.Status.REJECTED])
                   .only("pk", "worker_id", "answers", "status").order_by("submitted_at", "pk"))
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = _answer_from(project, request.POST)
        try:
            service.choose_result(actor=principal, task=task, answer=values)
        except PermissionDenied:
            raise
        except DomainError as exc:
            errors = exc.details if isinstance(exc.details, dict) else {}
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The result of task %(task)s is saved.") % {"task": task.external_id})
            return redirect("microwork:review_picks", project.pk)
    else:
        start = request.GET.get("from", "")
        chosen = next((s for s in answers if str(s.pk) == start), None)
        values = dict(chosen.answers or {}) if chosen is not None else {}
    return render(request, "microwork/review/pick.html", {
        "project": project, "task": task, "data": task_data(project, task),
        "answers": [{"s": s, "pseudonym": pseudonym(project, s.worker_id),
                     "rows": answer_rows(project, s.answers or {}, None)} for s in answers],
        "fields": _pick_fields(project, values, errors),
    }, status=400 if errors or (request.method == "POST") else 200)


# --- standing (programme managers) --------------------------------------------------------------------------

def _manager(request: HttpRequest) -> Principal:
    principal = _principal(request)
    if not (principal.is_superuser or service.standing_partner_ids(principal)):
        raise PermissionDenied(_("You do not have permission to do this."))
    return principal


@login_required
def standing(request: HttpRequest) -> HttpResponse:
    """Workers in coaching, under notice or suspended; find any worker by reference."""
    principal = _manager(request)
    form = FindWorkerForm(request.GET or None)
    if form.is_valid():
        person = Participant.objects.filter(reference__iexact=form.cleaned_data["reference"].strip()).filter(
            Q(partner_id__in=service.standing_partner_ids(principal)) if not principal.is_superuser else Q()).first()
        if person is not None:
            return redirect("microwork:review_worker", person.pk)
        form.add_error("reference", _("No participant with this reference at your partner."))
    page = Paginator(service.standing_list(principal), PAGE).get_page(request.GET.get("page"))
    rows = [{"profile": p, "due": service.suspension_due(p)} for p in page]
    return render(request, "microwork/review/standing.html", {"page": page, "rows": rows, "form": form,
                                                               "notice_days": service.SUSPENSION_NOTICE_DAYS})


ACTIONS = ("coach", "notice", "suspend", "lift")


@login_required
def worker(request: HttpRequest, pk: int) -> HttpResponse:
    """One worker's standing, accuracy and feedback, and the decisions a programme manager can take."""
    principal = _manager(request)
    person = get_object_or_404(Participant.objects.select_related("partner"), pk=pk)
    service.may_decide_standing(principal, person)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms_by_action: dict[str, forms.Form] = {
        name: (SuspendForm if name == "suspend" else ReasonForm)(request.POST if name == action else None,
                                                                 auto_id=f"id_{name}_%s")
        for name in ACTIONS}
    form = forms_by_action.get(action)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "coach":
                service.start_coaching(actor=principal, worker=person, reason=data["reason"])
            elif action == "notice":
                service.give_suspension_notice(actor=principal, worker=person, reason=data["reason"])
            elif action == "suspend":
                service.suspend_worker(actor=principal, worker=person, fraud=data["fraud"], reason=data["reason"])
            else:
                service.lift_standing(actor=principal, worker=person, note=data["reason"])
        except PermissionDenied:
            raise
        except DomainError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Saved; the worker is told by SMS."))
            return redirect("microwork:review_worker", person.pk)
    profile = WorkerProfile.objects.filter(participant=person).first()
    due = service.suspension_due(profile) if profile else None
    return render(request, "microwork/review/worker.html", {
        "person": person, "profile": profile, "due": due, "may_suspend_now": due is not None and due <= timezone.now(),
        **{f"{name}_form": f for name, f in forms_by_action.items()},
        "feedback": service.feedback_list(person), "notice_days": service.SUSPENSION_NOTICE_DAYS,
    }, status=400 if form is not None and form.errors else 200)


# --- the worker's appeal --------------------------------------------------------------------------------------

def _work_mine() -> str:
    try:
        return reverse("microwork:work_mine")
    except NoReverseMatch:
        return reverse("web:dashboard")


@login_required
def appeal(request: HttpRequest, submission_id: int) -> HttpResponse:
    """A worker appeals one of their rejected submissions."""
    participant_id = _principal(request).participant_id
    if not participant_id:
        raise Http404
    submission = get_object_or_404(Submission.objects.select_related("project", "task", "worker"),
                                   pk=submission_id, worker_id=participant_id)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service.appeal(worker=submission.worker, submission=submission, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Your appeal is sent. Another reviewer will decide, and you will get an SMS."))
            return redirect(_work_mine())
    return render(request, "microwork/review/appeal_form.html", {
        "s": submission, "form": form, "closes": service.appeal_closes(submission),
        "reason_label": ReasonCode(submission.reason_code).label if submission.reason_code else "",
        "back": _work_mine(),
    }, status=400 if form.errors else 200)
