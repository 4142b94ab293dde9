"""/api/v1: assembled from each app's api.py. Every error is a JSON body with a code and a message."""

from __future__ import annotations

import math
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from kasb.careers.api import router as careers_router
from kasb.core.errors import DomainError, ValidationFailed
from kasb.core.translated import LANGUAGE_CODES
from kasb.legacy.api import router as legacy_router
from kasb.microwork.api import router as microwork_router
from kasb.monitoring.api import router as monitoring_router
from kasb.orgs.api import router as orgs_router
from kasb.outreach.api import router as outreach_router
from kasb.participants.api import router as participants_router
from kasb.payments.api import router as payments_router
from kasb.surveys.api import router as surveys_router
from kasb.training.api import router as training_router

from .auth import ApiKeyAuth, SessionAuth

api = NinjaAPI(title="Kasb API", version="1", urls_namespace="api-v1",
               description="Organisations, centres, the participant registry, payments, outreach (calls, applications, "
                           "selection) and training (cohorts, enrolments, attendance, certificates). Authenticate "
                           "with `Authorization: Bearer <key>` (an organisation's API key) or a signed-in session; "
                           "the public outreach endpoints need neither and are rate-limited.",
               auth=[ApiKeyAuth(), SessionAuth()], docs_url="/docs")


def _error(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    # Bad field values are 422 whether the schema or the service finds them, so clients handle one status.
    status = 422 if isinstance(exc, ValidationFailed) else exc.status
    return api.create_response(request, exc.as_dict(), status=status)


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    """("body", "payload", "sex") -> "sex"; ("query", "centre_id") -> "centre_id"; ("body", "payload") -> "body"."""
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] == "body" and parts:
        parts = parts[1:]  # the handler's argument name, which clients never see
    return ".".join(parts) or "body"


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = {_field_name(e.get("loc", ())): e.get("msg", "") for e in exc.errors}
    return _error(request, 422, "validation_failed", _("The request has invalid fields."), details=details)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "not_authenticated",
                  _("Sign in or send an API key: Authorization: Bearer <key>."))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    """A public endpoint's rate limit (ninja adds Retry-After), in the language asked for with ?language=."""
    seconds = math.ceil(exc.wait) if exc.wait else 60
    asked = str(request.GET.get("language", ""))[:10].split("-")[0].lower()
    with override(asked if asked in LANGUAGE_CODES else get_language()):
        message = _("Too many requests from your connection. Please wait %(seconds)s seconds and try again.") % {
            "seconds": seconds}
    response = _error(request, 429, "rate_limited", message)
    response["Cache-Control"] = "no-store"
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "error", str(exc))


api.add_router("/", orgs_router)
api.add_router("/participants", participants_router)
api.add_router("/payments", payments_router)
api.add_router("/outreach", outreach_router)
api.add_router("/training", training_router)
api.add_router("/microwork", microwork_router)
api.add_router("/careers", careers_router)
api.add_router("/surveys", surveys_router)
api.add_router("/records", legacy_router)
api.add_router("/monitoring", monitoring_router)
