"""The historical-records pages: upload a file, follow its checking, download problems and templates, undo."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kasb.core.background import enqueue
from kasb.core.errors import DomainError, PermissionDenied
from kasb.core.permissions import Cap, Principal
from kasb.orgs.queries import partners_for

from . import services, tasks
from .columns import SPECS
from .forms import ImportForm
from .importing import error_file, template_csv, template_xlsx
from .models import ImportBatch, RecordType
from .queries import batches_visible_to

RECENT = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _need(principal: Principal) -> None:
    if not principal.can(Cap.MANAGE_MONITORING):
        raise PermissionDenied(_("You do not have permission to do this."))


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    _need(principal)
    partners = partners_for(principal, Cap.MANAGE_MONITORING).filter(is_active=True).order_by("name")
    form = ImportForm(request.POST or None, request.FILES or None, partners=partners,
                      initial={"record_type": request.GET.get("type", RecordType.ENROLMENTS)})
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            batch = services.start_import(actor=principal, partner=form.cleaned_data["partner"],
                                          record_type=form.cleaned_data["record_type"], name=upload_file.name,
                                          content=upload_file.read(),
                                          import_valid_rows=form.cleaned_data["import_valid_rows"])
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            enqueue(tasks.process_import, batch.pk)
            return redirect("legacy:batch", batch.pk)
    batches = batches_visible_to(principal)[:RECENT]
    return render(request, "legacy/upload.html", {
        "form": form, "batches": batches, "types": RecordType.choices},
        status=400 if form.errors else 200)


@login_required
def batch_status(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(batches_visible_to(_principal(request)), pk=pk)
    template = "legacy/batch.html#progress" if request.headers.get("HX-Request") else "legacy/batch.html"
    return render(request, template, {"batch": batch, "errors": batch.errors[:200]})


@login_required
def batch_errors(request: HttpRequest, pk: int) -> HttpResponse:
    batch: ImportBatch = get_object_or_404(batches_visible_to(_principal(request)), pk=pk)
    response = HttpResponse(error_file(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="records-{batch.pk}-problems.csv"'
    return response


@login_required
@require_POST
def batch_undo(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    batch = get_object_or_404(batches_visible_to(principal), pk=pk)
    try:
        services.undo_batch(actor=principal, batch=batch, reason=request.POST.get("reason", "")[:300])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The import is undone: its records were removed."))
    return redirect("legacy:batch", batch.pk)


@login_required
def template(request: HttpRequest, record_type: str, extension: str) -> HttpResponse:
    _need(_principal(request))
    if record_type not in SPECS or extension not in ("xlsx", "csv"):
        raise Http404
    if extension == "xlsx":
        response = HttpResponse(template_xlsx(record_type), content_type=XLSX)
    else:
        response = HttpResponse(template_csv(record_type), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kasb-{record_type}-template.{extension}"'
    return response
