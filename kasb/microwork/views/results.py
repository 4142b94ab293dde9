"""The client's results pages: each project's progress bars, a preview of its results, and downloads.

Clients see their own projects; the partner's reviewers and project managers see the partner's. Another
client's project is a 404. Workers appear only as pseudonyms (kasb.microwork.services.results).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kasb.core.permissions import Principal

from ..services import results

PAGE = 20
PREVIEW = 20


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    """The projects whose results you may see, newest first, each with a progress bar."""
    qs = results.projects_visible_to(_principal(request)).order_by("-pk")
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    summaries = results.summaries([p.pk for p in page])
    rows = [(project, summaries[project.pk]) for project in page]
    return render(request, "microwork/results/list.html", {"page": page, "rows": rows})


@login_required
@require_GET
def project(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress, downloads and the first results. With htmx, only the progress part (polled until finished)."""
    item = results.project_for(_principal(request), pk)
    state = results.progress(item)
    if request.headers.get("HX-Request"):
        return render(request, "microwork/results/project.html#progress", {"project": item, "progress": state})
    count, preview = results.results_page(item, limit=PREVIEW)
    return render(request, "microwork/results/project.html", {
        "project": item, "progress": state, "preview": preview, "count": count,
        "answer_names": results.answer_names(item)})


@login_required
@require_GET
def download(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """The results as CSV (one row per task, or per answer with ?layout=answers), XLSX or JSON."""
    item = results.project_for(_principal(request), pk)
    layout = request.GET.get("layout", "tasks")
    if layout not in results.LAYOUTS:
        raise Http404
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(results.csv_chunks(item, layout=layout),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{results.file_name(item, "csv", layout)}"'
    elif fmt == "xlsx":
        response = FileResponse(results.xlsx_file(item, layout=layout), as_attachment=True,
                                filename=results.file_name(item, "xlsx", layout),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    elif fmt == "json":
        response = StreamingHttpResponse(results.json_chunks(item), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{results.file_name(item, "json")}"'
    else:
        raise Http404
    response["Cache-Control"] = "no-store"
    return response
