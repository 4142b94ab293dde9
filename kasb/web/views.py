from __future__ import annotations

import contextlib

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from kasb.accounts.services import set_language as save_language
from kasb.core.errors import ValidationFailed
from kasb.core.health import database_answers
from kasb.core.permissions import Cap, Role
from kasb.orgs.queries import centres_for, organisations_visible_to
from kasb.participants.queries import imports_visible_to, participants_visible_to


def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:dashboard" if request.user.is_authenticated else "accounts:login")


def health(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 when this process serves and reaches its database, else 503."""
    if not database_answers():
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language for this browser and remember it on the account."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        # An unknown code is ignored here as Django's own view ignores it.
        with contextlib.suppress(ValidationFailed):
            save_language(user=request.user, language=language)  # type: ignore[arg-type]
    return django_set_language(request)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    principal = request.principal  # type: ignore[attr-defined]
    context: dict[str, object] = {"roles": sorted(Role(r).label for r in principal.roles)}
    if principal.can(Cap.VIEW_REGISTRY):
        people = participants_visible_to(principal)
        context["registry"] = people.aggregate(
            total=Count("id"), women=Count("id", filter=Q(sex="female")),
            neet=Count("id", filter=Q(neet=True)))
        context["recent"] = people.order_by("-registered_at")[:5]
        context["centres"] = centres_for(principal).annotate(people=Count("registered_participants"))[:20]
    if principal.can(Cap.IMPORT_PARTICIPANTS):
        context["imports"] = imports_visible_to(principal)[:5]
    if principal.grants and not principal.can(Cap.VIEW_REGISTRY):
        context["organisations"] = organisations_visible_to(principal)[:10]
    return render(request, "web/dashboard.html", context)
