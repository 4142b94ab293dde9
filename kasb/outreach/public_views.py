"""Public pages: open calls, the application form, and an applicant's own status. No sign-in.

Every page is rate-limited per client address (kasb.core.ratelimit), sends no private data of anyone
but the holder of a private link, and keeps that link out of caches and of Referer headers sent to other sites.
"""

from __future__ import annotations

import contextlib

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from kasb.core.errors import DomainError
from kasb.core.ratelimit import client_ip, hit, limit_for, rate_limit, too_many_requests
from kasb.participants.vocab import CONSENT_TEXT_VERSION
from kasb.training.models import TestAttempt

from . import queries, services
from .forms import ApplyForm, show_error
from .models import Application, Call

PAGE_LIMIT = 60        # page views per client per minute
SUBMIT_LIMIT = 20      # applications sent per client per 10 minutes (a centre's PC may help many people)
SUBMIT_WINDOW = 600


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on this page's own
    # forms, and the CSRF check refuses them.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@rate_limit("apply", limit=PAGE_LIMIT)
def open_calls(request: HttpRequest) -> HttpResponse:
    calls = queries.open_calls().select_related("programme__partner")
    return render(request, "outreach/public/calls.html", {"calls": calls})


@rate_limit("apply", limit=PAGE_LIMIT)
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    call = get_object_or_404(Call.objects.select_related("programme", "programme__partner"), slug=slug)
    if call.status == Call.Status.DRAFT:
        raise Http404
    taking = queries.is_taking_applications(call)
    form = ApplyForm(request.POST or None, call=call)
    if request.method == "POST" and taking:
        verdict = hit("apply-submit", client_ip(request), limit=limit_for("apply-submit", SUBMIT_LIMIT),
                      window=SUBMIT_WINDOW)
        if not verdict.allowed:
            return too_many_requests(request, verdict)
        if form.is_valid():
            try:
                application = services.submit_application(
                    call=call, data=form.cleaned_data, language=get_language() or "en",
                    base_url=request.build_absolute_uri("/"))
            except DomainError as exc:
                show_error(form, exc)
            else:
                return redirect(reverse("apply:status", args=[application.token]) + "?new=1")
    response = render(request, "outreach/public/apply.html", {
        "call": call, "form": form, "taking": taking, "areas": list(call.areas.all()),
        "courses": list(call.courses.filter(is_active=True)), "consent_version": CONSENT_TEXT_VERSION,
    }, status=400 if form.errors else 200)
    return _private(response) if request.method == "POST" else response


@rate_limit("apply", limit=PAGE_LIMIT)
def status(request: HttpRequest, token: str) -> HttpResponse:
    application = queries.application_by_token(token)
    if application is None:
        raise Http404
    tested = application.call.placement_test_id is not None and TestAttempt.objects.filter(
        applicant_token=application.token, test_id=application.call.placement_test_id,
        submitted_at__isnull=False).exists()
    open_statuses = (Application.Status.SUBMITTED, Application.Status.WAITLISTED, Application.Status.SELECTED)
    return _private(render(request, "outreach/public/status.html", {
        "a": application, "call": application.call, "new": request.GET.get("new") == "1",
        "test_link": services.test_link(application) if application.status in open_statuses else "",
        "tested": tested, "can_withdraw": application.status in open_statuses,
    }))


@require_POST
@rate_limit("apply", limit=PAGE_LIMIT)
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    if queries.application_by_token(token) is None:
        raise Http404
    # Already decided or withdrawn: the status page shows where it stands.
    with contextlib.suppress(DomainError):
        services.withdraw_own_application(token=token, base_url=request.build_absolute_uri("/"))
    return redirect("apply:status", token)
