"""Answering a survey through the single-use link of an invitation, without signing in.

Every answer is checked against its question and all problems come back at once, each under its
question's id. The link works once; a retry of the same submission (same link, same client key from the
answer page) gets the response already recorded rather than an error or a second response.

On an anonymous survey the response keeps no participant and no invitation, and its time and the
invitation's answered_at are kept to the day, so that the order of answers cannot pair them either.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core.errors import Conflict, NotFound, ValidationFailed
from kasb.core.translated import LANGUAGE_CODES

from ..models import Answer, Invitation, Question, Response, Survey
from .sending import token_hash

MAX_TEXT = 2000
# Arabic-Indic and Eastern Arabic-Indic (Persian) digits, as phones in Arabic type them.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_NUMBER = re.compile(r"^-?\d+$")

Cell = tuple[str, int | None, str]  # (choice, number, text) of one Answer row


def _answer_key(token: str, client_key: str) -> str:
    return hashlib.sha256(f"{token}:{client_key}".encode()).hexdigest()


def invitation_for(token: str) -> Invitation | None:
    if not token or len(token) > 64:
        return None
    return (Invitation.objects.select_related("survey", "survey__programme__partner")
            .filter(token_hash=token_hash(token)).first())


def is_closed(survey: Survey, now: datetime) -> bool:
    return survey.status == Survey.Status.CLOSED or bool(survey.closes_at and survey.closes_at <= now)


def is_waiting(survey: Survey, now: datetime) -> bool:
    return survey.status == Survey.Status.DRAFT or bool(survey.opens_at and survey.opens_at > now)


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, list | tuple) and not
                                                                         [v for v in raw if str(v).strip()])


def _whole(raw: Any) -> int | None:
    text = str(raw).translate(_DIGITS).replace(" ", "").replace(",", "").replace("\u066c", "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if _NUMBER.match(text) and len(text) <= 15 else None


def _range_message(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
    if low is not None:
        return _("Give a whole number of at least %(low)s.") % {"low": low}
    if high is not None:
        return _("Give a whole number of at most %(high)s.") % {"high": high}
    return _("Give a whole number.")


def clean_answer(question: Question, raw: Any) -> list[Cell]:
    """The Answer rows for `raw`, or ValidationFailed with a message for this question."""
    if _empty(raw):
        if question.required:
            raise ValidationFailed(_("Please answer this question."), code="required")
        return []
    kind, keys = question.kind, {str(c["key"]) for c in question.choices or []}
    if kind == Question.Kind.SINGLE:
        value = raw[0] if isinstance(raw, list | tuple) and len(raw) == 1 else raw
        if not isinstance(value, str) or value not in keys:
            raise ValidationFailed(_("Choose one of the answers."), code="bad_choice")
        return [(value, None, "")]
    if kind == Question.Kind.MULTIPLE:
        values = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list | tuple) else None
        if values is None or any(not isinstance(v, str) or v not in keys for v in values):
            raise ValidationFailed(_("Choose among the answers given."), code="bad_choice")
        return [(v, None, "") for v in dict.fromkeys(values)]
    if kind in (Question.Kind.SCALE, Question.Kind.NUMBER):
        number = _whole(raw) if not isinstance(raw, bool) else None
        low, high = question.min_value, question.max_value
        if number is None or (low is not None and number < low) or (high is not None and number > high):
            raise ValidationFailed(_range_message(low, high), code="bad_number")
        return [("", number, "")]
    text = str(raw).replace("\x00", "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationFailed(_("Please keep this answer under %(n)s characters.") % {"n": MAX_TEXT},
                               code="too_long")
    return [("", None, text)]


def clean_answers(questions: list[Question], answers: Mapping[str, Any]) -> dict[int, list[Cell]]:
    """Check every answer; raises one ValidationFailed whose details name each question with a problem."""
    cleaned: dict[int, list[Cell]] = {}
    problems: dict[str, str] = {}
    for question in questions:
        try:
            cleaned[question.pk] = clean_answer(question, answers.get(str(question.pk)))
        except ValidationFailed as exc:
            problems[str(question.pk)] = exc.message
    if problems:
        raise ValidationFailed(_("Some answers need correcting: look at the questions marked."),
                               code="answers_invalid", details=problems)
    return cleaned


def _day(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@transaction.atomic
def open_invitation(*, token: str, now: datetime | None = None) -> Invitation | None:
    """The answer page was opened: note when, the first time (to the day on an anonymous survey)."""
    invitation = invitation_for(token)
    if invitation is not None and invitation.opened_at is None:
        moment = now or timezone.now()
        invitation.opened_at = _day(moment) if invitation.survey.anonymous else moment
        Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=invitation.opened_at)
    return invitation


@transaction.atomic
def submit_response(*, token: str, answers: Mapping[str, Any], client_key: str, language: str = "",
                    now: datetime | None = None) -> Response:
    """Record the answers sent through an invitation's link. `answers` maps str(question id) to a choice key,
    a list of keys, a number or a text."""
    key = (client_key or "").strip()[:64]
    if len(key) < 8:
        raise ValidationFailed(_("Reload the survey page and send your answers again."), code="missing_client_key")
    found = invitation_for(token)
    if found is None:
        raise NotFound(_("This survey link is not valid. Check that you opened the whole link from your message."),
                       code="invalid_link")
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    survey = found.survey
    if invitation.answered_at is not None:
        earlier = Response.objects.filter(survey=survey, client_key=key).first()
        if earlier is not None and invitation.answer_key_hash == _answer_key(token, key):
            return earlier  # the same submission sent again (a retry on a slow connection)
        raise Conflict(_("These answers have already been sent. Thank you!"), code="already_answered")
    moment = now or timezone.now()
    if is_closed(survey, moment):
        raise Conflict(_("This survey is closed; answers are no longer taken. Thank you all the same."),
                       code="survey_closed")
    if is_waiting(survey, moment):
        raise Conflict(_("This survey is not open yet. Please try again later."), code="survey_not_open")
    cleaned = clean_answers(list(survey.questions.order_by("order", "pk")), answers)
    when = _day(moment) if survey.anonymous else moment
    lang = language.split("-")[0] if language.split("-")[0] in LANGUAGE_CODES else invitation.language
    if Response.objects.filter(survey=survey, client_key=key).exists():
        raise Conflict(_("Reload the survey page and send your answers again."), code="client_key_used")
    response = Response.objects.create(survey=survey, submitted_at=when, language=lang, client_key=key,
                                       participant_id=None if survey.anonymous else invitation.participant_id)
    Answer.objects.bulk_create([Answer(response=response, question_id=qid, choice=choice, number=number, text=text)
                                for qid, cells in cleaned.items() for choice, number, text in cells])
    Invitation.objects.filter(pk=invitation.pk).update(answered_at=when, answer_key_hash=_answer_key(token, key),
                                                       opened_at=invitation.opened_at or when)
    return response
