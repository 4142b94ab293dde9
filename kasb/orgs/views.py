from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .queries import organisations_visible_to


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    orgs = organisations_visible_to(request.principal).order_by("kind", "name")  # type: ignore[attr-defined]
    return render(request, "orgs/list.html", {"organisations": orgs})
