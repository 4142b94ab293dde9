"""The public answer page, opened from the link in an SMS or e-mail: no sign-in, no JavaScript needed.

Rate-limited per client address (kasb.core.ratelimit); the link's token is single-use and kept out of
caches and of Referer headers sent to other sites. The page is in the language of the link (the
participant's), right-to-left in Arabic, as the base template sets it.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language

from kasb.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from kasb.core.ratelimit import client_ip, hit, limit_for, rate_limit, too_many_requests
from kasb.core.translated import pick

from .models import Invitation, Question
from .services.answering import is_closed, is_waiting, open_invitation, submit_response

PAGE_LIMIT = 60        # page views per client per minute
SUBMIT_LIMIT = 20      # answers sent per client per 10 minutes (a centre's PC may help several people)
SUBMIT_WINDOW = 600


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _fields(questions: list[Question], posted: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    language = get_language()
    fields = []
    for q in questions:
        value = posted.get(str(q.pk))
        chosen = set(value if isinstance(value, list) else [value] if value else [])
        scale = list(range(q.min_value, q.max_value + 1)) if q.kind == Question.Kind.SCALE and q.min_value is not None \
            and q.max_value is not None else []
        fields.append({
            "q": q, "name": f"q{q.pk}", "text": pick(q.text, language), "help": pick(q.help, language),
            "choices": [(key, label, key in chosen) for key, label in q.choice_texts(language)],
            "scale": [(n, str(n) in chosen) for n in scale], "min_label": pick(q.min_label, language),
            "max_label": pick(q.max_label, language), "value": value if isinstance(value, str) else "",
            "error": errors.get(str(q.pk), ""),
        })
    return fields


def _message(request: HttpRequest, invitation: Invitation | None, kind: str, status: int = 200) -> HttpResponse:
    return _private(render(request, "surveys/public/message.html", {
        "invitation": invitation, "survey": invitation.survey if invitation else None, "kind": kind}, status=status))


@rate_limit("survey", limit=PAGE_LIMIT)
def answer(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        verdict = hit("survey-submit", client_ip(request), limit=limit_for("survey-submit", SUBMIT_LIMIT),
                      window=SUBMIT_WINDOW)
        if not verdict.allowed:
            return too_many_requests(request, verdict)
        return _submit(request, token)
    invitation = open_invitation(token=token)
    if invitation is None:
        return _message(request, None, "invalid", status=404)
    survey, now = invitation.survey, timezone.now()
    if invitation.answered_at is not None:
        return _message(request, invitation, "thanks")
    if is_closed(survey, now):
        return _message(request, invitation, "closed")
    if is_waiting(survey, now):
        return _message(request, invitation, "waiting")
    return _form(request, invitation, {}, {}, secrets.token_urlsafe(16))


def _form(request: HttpRequest, invitation: Invitation, posted: dict[str, Any], errors: dict[str, str],
          client_key: str, status: int = 200) -> HttpResponse:
    survey = invitation.survey
    questions = list(survey.questions.order_by("order", "pk"))
    return _private(render(request, "surveys/public/answer.html", {
        "survey": survey, "partner": survey.programme.partner, "title": pick(survey.title),
        "intro": pick(survey.intro), "fields": _fields(questions, posted, errors), "errors": errors,
        "client_key": client_key}, status=status))


def _submit(request: HttpRequest, token: str) -> HttpResponse:
    invitation = open_invitation(token=token)
    if invitation is None:
        return _message(request, None, "invalid", status=404)
    questions = list(invitation.survey.questions.all())
    posted: dict[str, Any] = {}
    for q in questions:
        name = f"q{q.pk}"
        posted[str(q.pk)] = request.POST.getlist(name) if q.kind == Question.Kind.MULTIPLE else request.POST.get(name)
    client_key = str(request.POST.get("client_key", ""))[:64]
    try:
        submit_response(token=token, answers=posted, client_key=client_key, language=get_language() or "")
    except ValidationFailed as exc:
        if exc.code == "answers_invalid":
            return _form(request, invitation, posted, exc.details or {}, client_key, status=400)
        return _form(request, invitation, posted, {}, secrets.token_urlsafe(16), status=400)
    except NotFound:
        return _message(request, None, "invalid", status=404)
    except Conflict as exc:
        kind = {"survey_closed": "closed", "survey_not_open": "waiting"}.get(exc.code, "already")
        return _message(request, invitation, kind, status=409)
    except DomainError:
        return _message(request, invitation, "invalid", status=400)
    return redirect(request.path)
