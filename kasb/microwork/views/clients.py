"""The client's pages: projects with their progress, a new project from a template, uploading tasks,
publishing (with the hourly rate against the minimum wage, and the money needed against what is in
escrow), pausing, resuming, cancelling and repricing.

A client member sees their own organisation's projects, a programme manager every client of their
partner; any other project is a 404. Task content comes from the client and is always escaped.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kasb.core.errors import DomainError, NotFound, PermissionDenied
from kasb.core.permissions import Cap, Principal

from ..forms import ProjectForm, ReasonForm, RepriceForm, UploadForm, initial_json
from ..models import MinimumWage, Project, Task, TaskType, TaskUpload
from ..services import fairpay, projects, uploads

PAGE = 25
SAMPLE_TASKS = 20
ERRORS_SHOWN = 500


def _principal(request: HttpRequest) -> Principal:
    principal: Principal = request.principal  # type: ignore[attr-defined]
    if not principal.can(Cap.MANAGE_PROJECTS):
        raise PermissionDenied(_("You do not have permission to do this."))
    return principal


def _project(request: HttpRequest, pk: int) -> tuple[Principal, Project]:
    principal = _principal(request)
    return principal, projects.project_for(principal, pk)


def _to_project(project: Project) -> HttpResponse:
    return redirect("microwork:client_project", project.pk)


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    qs = projects.with_progress(projects.projects_managed_by(principal)).order_by("-created_at", "-pk")
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    floors: dict[str, MinimumWage | None] = {}
    rows = []
    for item in page:
        country = item.programme.country
        if country not in floors:
            floors[country] = fairpay.minimum_wage(country)
        wage = floors[country]
        below = wage is not None and wage.currency == item.currency and item.hourly.minor < wage.hourly
        percent = int(100 * item.complete_count / item.task_count) if item.task_count else 0  # type: ignore[attr-defined]
        rows.append((item, percent, below))
    return render(request, "microwork/client/list.html", {"page": page, "rows": rows})


@login_required
def choose_type(request: HttpRequest) -> HttpResponse:
    _principal(request)
    return render(request, "microwork/client/new.html", {"templates": list(projects.TEMPLATES.values())})


def _save_form(request: HttpRequest, form: ProjectForm, save: Any) -> Project | None:
    if not form.is_valid():
        return None
    try:
        return save(form.service_values())  # type: ignore[no-any-return]
    except DomainError as exc:
        form.add_service_error(exc.field, exc.message)
        return None


@login_required
def create(request: HttpRequest, task_type: str) -> HttpResponse:
    principal = _principal(request)
    if task_type not in TaskType.values:
        raise Http404
    template = projects.TEMPLATES[task_type]
    clients = projects.clients_managed_by(principal)
    if not clients.exists():
        raise PermissionDenied(_("You are not a member of an active client organisation."))
    initial = {"instructions": str(template.instructions), "estimated_seconds": template.estimated_seconds,
               "input_fields": ", ".join(template.input_fields), "answer_fields": initial_json(template.answer_form()),
               "required_skills": list(template.skill_codes), "languages": list(template.languages),
               "examples": "", "name": template.label}
    form = ProjectForm(request.POST or None, initial=initial, clients=clients)
    if request.method == "POST":
        def save(values: dict[str, Any]) -> Project:
            return projects.create_project(actor=principal, client=form.cleaned_data["client"],
                                           programme=form.cleaned_data["programme"], task_type=task_type, **values)
        project = _save_form(request, form, save)
        if project is not None:
            messages.success(request, _("The draft is saved. Upload its tasks next."))
            return redirect("microwork:client_upload", project.pk)
    return render(request, "microwork/client/form.html", {"form": form, "template": template},
                  status=400 if form.errors else 200)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    principal, project = _project(request, pk)
    if project.status != Project.Status.DRAFT:
        messages.error(request, _("Only a draft can be edited."))
        return _to_project(project)
    values = projects.current_values(project)
    initial = {**values, "answer_fields": initial_json(values["answer_fields"]),
               "examples": initial_json(values["examples"]) if values["examples"] else "",
               "input_fields": ", ".join(values["input_fields"]),
               "required_skills": values["required_skill_codes"], "areas": values["area_codes"]}
    form = ProjectForm(request.POST or None, initial=initial, clients=projects.clients_managed_by(principal),
                       editing=True)
    if request.method == "POST":
        def save(values: dict[str, Any]) -> Project:
            return projects.update_project(actor=principal, project=project, **values)
        if _save_form(request, form, save) is not None:
            messages.success(request, _("The project is saved."))
            return _to_project(project)
    return render(request, "microwork/client/form.html",
                  {"form": form, "template": projects.TEMPLATES[project.task_type], "project": project},
                  status=400 if form.errors else 200)


def _money_context(project: Project) -> dict[str, Any]:
    return {"fair": fairpay.fair_pay(project), "money": fairpay.funding(project),
            "pause_reason": fairpay.pause_reason(project) if project.status == Project.Status.PAUSED else ""}


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    _principal_, project = _project(request, pk)
    progress = projects.with_progress(Project.objects.filter(pk=project.pk)).get()
    tasks = Task.objects.filter(project=project).order_by("pk")[:SAMPLE_TASKS]
    return render(request, "microwork/client/project.html", {
        "project": project, "progress": progress, "tasks": tasks, "uploads": uploads.uploads_of(project)[:5],
        "shown_fields": project.input_fields, "reason_form": ReasonForm(), **_money_context(project)})


@login_required
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    principal, project = _project(request, pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        media = [(f.name, f) for f in form.cleaned_data["media_files"]]
        try:
            job = uploads.start_upload(actor=principal, project=project, name=file.name, content=file, media=media)
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("microwork:client_upload_status", project.pk, job.pk)
    return render(request, "microwork/client/upload.html",
                  {"form": form, "project": project, "uploads": uploads.uploads_of(project)[:10]},
                  status=400 if form.errors else 200)


def _upload(project: Project, upload_pk: int) -> TaskUpload:
    job = uploads.uploads_of(project).filter(pk=upload_pk).first()
    if job is None:
        raise NotFound(_("No such upload."))
    return job


@login_required
def upload_status(request: HttpRequest, pk: int, upload_pk: int) -> HttpResponse:
    _principal_, project = _project(request, pk)
    job = _upload(project, upload_pk)
    template = "microwork/client/upload_status.html"
    if request.headers.get("HX-Request"):
        template += "#progress"
    percent = int(100 * job.done_rows / job.total_rows) if job.total_rows else 0
    finished = job.status in (TaskUpload.Status.DONE, TaskUpload.Status.FAILED)
    return render(request, template, {"project": project, "job": job, "percent": percent, "finished": finished,
                                      "errors": job.errors[:ERRORS_SHOWN]})


@login_required
def upload_problems(request: HttpRequest, pk: int, upload_pk: int) -> HttpResponse:
    _principal_, project = _project(request, pk)
    job = _upload(project, upload_pk)
    response = HttpResponse(uploads.problems_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="upload-{job.pk}-problems.csv"'
    return response


@login_required
def upload_template(request: HttpRequest, pk: int) -> HttpResponse:
    _principal_, project = _project(request, pk)
    response = HttpResponse(uploads.template_csv(project), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tasks-{project.pk}.csv"'
    return response


@login_required
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    principal, project = _project(request, pk)
    error = ""
    if request.method == "POST":
        try:
            fairpay.publish_project(actor=principal, project=project)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("The project is published: workers can start."))
            return _to_project(project)
    return render(request, "microwork/client/publish.html",
                  {"project": project, "tasks": fairpay.live_tasks(project), "error": error,
                   **_money_context(project)}, status=400 if error else 200)


def _act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    principal, project = _project(request, pk)
    try:
        action(principal, project)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _to_project(project)


@login_required
@require_POST
def pause(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(request, pk, lambda actor, p: fairpay.pause_project(actor=actor, project=p, reason=reason),
                _("The project is paused: no new tasks are handed out. Work already started can be finished."))


@login_required
@require_POST
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda actor, p: fairpay.resume_project(actor=actor, project=p),
                _("The project is open to workers again."))


@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _principal_, project = _project(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        return _act(request, pk, lambda actor, p: fairpay.cancel_project(actor=actor, project=p, reason=reason),
                    _("The project is cancelled. Money not needed for work already done went back to escrow."))
    return render(request, "microwork/client/cancel.html", {"project": project, "form": form,
                                                            **_money_context(project)})


@login_required
def reprice(request: HttpRequest, pk: int) -> HttpResponse:
    principal, project = _project(request, pk)
    fair = fairpay.fair_pay(project)
    initial = {"pay_per_task": (fair.lowest_pay if fair.lowest_pay and fair.lowest_pay > project.pay
                                else project.pay).plain()}
    form = RepriceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            project = fairpay.reprice_project(actor=principal, project=project,
                                              pay_per_task=form.cleaned_data["pay_per_task"])
        except DomainError as exc:
            form.add_error("pay_per_task", exc.message)
        else:
            messages.success(request, _("The pay is now %(pay)s a task.") % {"pay": project.pay})
            return _to_project(project)
    return render(request, "microwork/client/reprice.html",
                  {"project": project, "form": form, **_money_context(project)},
                  status=400 if form.errors else 200)
