"""Building a survey: the draft and its questions, opening and closing it, installing a shipped template.

A survey is edited only while it is a draft: once people answer it, its questions stay as they were asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.errors import Conflict, ValidationFailed
from kasb.core.permissions import Principal
from kasb.core.translated import clean_translations
from kasb.orgs.models import Programme

from ..models import Question, Survey, SurveyChange
from ..scope import check_manages, check_programme

S = Survey.Status
MOVES: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.OPEN}),
    S.OPEN: frozenset({S.CLOSED}),
    S.CLOSED: frozenset({S.OPEN}),
}
MAX_QUESTIONS = 60
MAX_CHOICES = 20
MAX_SCALE_STEPS = 11
NUMBER_LIMIT = 10**12


def _dates(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationFailed(_("The survey must close after it opens."), field="closes_at")


def _follow_up(months: int | None) -> int | None:
    if months in (None, "", 0):
        return None
    if months not in (3, 6, 12):
        raise ValidationFailed(_("A tracer survey follows up at 3, 6 or 12 months."), field="follow_up_months")
    return int(months)  # type: ignore[arg-type]


def _editable(survey: Survey) -> None:
    if survey.status != S.DRAFT:
        raise Conflict(_("Only a draft can be changed: people may already have answered this survey."),
                       code="not_draft")


@transaction.atomic
def create_survey(*, actor: Principal, programme: Programme, title: Any, intro: Any = None, anonymous: bool = True,
                  opens_at: datetime | None = None, closes_at: datetime | None = None,
                  follow_up_months: int | None = None, template: str = "") -> Survey:
    """A new draft survey of `programme`, to which questions are then added."""
    check_programme(actor, programme)
    _dates(opens_at, closes_at)
    survey = Survey.objects.create(
        programme=programme, title=clean_translations(title, field="title"),
        intro=clean_translations(intro or {}, field="intro", required=False), anonymous=bool(anonymous),
        opens_at=opens_at, closes_at=closes_at, follow_up_months=_follow_up(follow_up_months), template=template,
        created_by=actor.user)
    SurveyChange.objects.create(survey=survey, from_status="", to_status=S.DRAFT, actor=actor.user)
    audit.record(actor=actor.user, verb="survey.created", obj=survey, programme=programme.pk)
    return survey


@transaction.atomic
def update_survey(*, actor: Principal, survey: Survey, title: Any, intro: Any = None, anonymous: bool = True,
                  opens_at: datetime | None = None, closes_at: datetime | None = None,
                  follow_up_months: int | None = None) -> Survey:
    """Change a draft's texts, dates and whether it is anonymous."""
    check_manages(actor, survey)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _editable(survey)
    _dates(opens_at, closes_at)
    survey.title = clean_translations(title, field="title")
    survey.intro = clean_translations(intro or {}, field="intro", required=False)
    survey.anonymous = bool(anonymous)
    survey.opens_at, survey.closes_at = opens_at, closes_at
    survey.follow_up_months = _follow_up(follow_up_months)
    survey.save()
    audit.record(actor=actor.user, verb="survey.updated", obj=survey)
    return survey


# --- questions -----------------------------------------------------------------------------------

def _choices(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ValidationFailed(_("Give the choices as a list."), field="choices")
    cleaned: list[dict[str, Any]] = []
    for n, item in enumerate(raw, start=1):
        item = item if isinstance(item, Mapping) else {"text": item}
        key = str(item.get("key") or f"c{n}").strip()[:40]
        text = clean_translations(item.get("text") or {}, field="choices", required=False)
        if not text:
            raise ValidationFailed(_("Choice %(n)s has no text.") % {"n": n}, field="choices")
        if any(c["key"] == key for c in cleaned):
            raise ValidationFailed(_("Two choices have the same key “%(key)s”.") % {"key": key}, field="choices")
        cleaned.append({"key": key, "text": text})
    if len(cleaned) < 2:
        raise ValidationFailed(_("A choice question needs at least two choices."), field="choices",
                               code="choices_missing")
    if len(cleaned) > MAX_CHOICES:
        raise ValidationFailed(_("A question may have at most %(n)s choices.") % {"n": MAX_CHOICES}, field="choices")
    return cleaned


def _bound(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Write a whole number."), field=field) from None
    if abs(number) > NUMBER_LIMIT:
        raise ValidationFailed(_("This number is too large."), field=field)
    return number


def clean_question(data: Mapping[str, Any]) -> dict[str, Any]:
    """Check one question's definition; returns the fields to store. Raises ValidationFailed naming the field."""
    kind = data.get("kind")
    if kind not in Question.Kind.values:
        raise ValidationFailed(_("Choose what kind of question this is."), field="kind")
    cleaned: dict[str, Any] = {
        "kind": kind, "text": clean_translations(data.get("text") or {}, field="text"),
        "help": clean_translations(data.get("help") or {}, field="help", required=False),
        "required": bool(data.get("required", True)), "code": str(data.get("code") or "")[:40],
        "choices": [], "min_value": None, "max_value": None, "min_label": {}, "max_label": {},
    }
    low, high = _bound(data.get("min_value"), "min_value"), _bound(data.get("max_value"), "max_value")
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        cleaned["choices"] = _choices(data.get("choices") or [])
    elif kind == Question.Kind.SCALE:
        if low is None or high is None:
            raise ValidationFailed(_("A scale needs its lowest and highest numbers."), field="min_value",
                                   code="scale_bounds")
        if not low < high or high - low + 1 > MAX_SCALE_STEPS:
            raise ValidationFailed(_("A scale goes up from its lowest number, in at most %(n)s steps (e.g. 1 to 5).")
                                   % {"n": MAX_SCALE_STEPS}, field="max_value", code="scale_bounds")
        cleaned.update(min_value=low, max_value=high,
                       min_label=clean_translations(data.get("min_label") or {}, field="min_label", required=False),
                       max_label=clean_translations(data.get("max_label") or {}, field="max_label", required=False))
    elif kind == Question.Kind.NUMBER:
        if low is not None and high is not None and low > high:
            raise ValidationFailed(_("The lowest number allowed is above the highest."), field="max_value",
                                   code="number_bounds")
        cleaned.update(min_value=low, max_value=high)
    return cleaned


@transaction.atomic
def add_question(*, actor: Principal, survey: Survey, data: Mapping[str, Any]) -> Question:
    """Add a question at the end of a draft."""
    check_manages(actor, survey)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _editable(survey)
    cleaned = clean_question(data)
    count = survey.questions.count()
    if count >= MAX_QUESTIONS:
        raise ValidationFailed(_("A survey may have at most %(n)s questions.") % {"n": MAX_QUESTIONS})
    last = survey.questions.aggregate(last=Max("order"))["last"] or 0
    question = Question.objects.create(survey=survey, order=last + 1, **cleaned)
    audit.record(actor=actor.user, verb="survey.question_added", obj=survey, question=question.pk)
    return question


@transaction.atomic
def edit_question(*, actor: Principal, question: Question, data: Mapping[str, Any]) -> Question:
    check_manages(actor, question.survey)
    _editable(Survey.objects.select_for_update().get(pk=question.survey_id))
    cleaned = clean_question(data)
    if not data.get("code"):
        cleaned["code"] = question.code  # a template's question keeps the name the indicators read
    for name, value in cleaned.items():
        setattr(question, name, value)
    question.save()
    audit.record(actor=actor.user, verb="survey.question_edited", obj=question.survey, question=question.pk)
    return question


@transaction.atomic
def remove_question(*, actor: Principal, question: Question) -> None:
    survey = question.survey
    check_manages(actor, survey)
    _editable(Survey.objects.select_for_update().get(pk=survey.pk))
    pk = question.pk
    question.delete()
    _renumber(survey)
    audit.record(actor=actor.user, verb="survey.question_removed", obj=survey, question=pk)


@transaction.atomic
def move_question(*, actor: Principal, question: Question, up: bool) -> None:
    """Swap a question with the one before it (up) or after it."""
    survey = question.survey
    check_manages(actor, survey)
    _editable(Survey.objects.select_for_update().get(pk=survey.pk))
    ordered = list(survey.questions.order_by("order", "pk"))
    at = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    other = at - 1 if up else at + 1
    if 0 <= other < len(ordered):
        ordered[at], ordered[other] = ordered[other], ordered[at]
    _renumber(survey, ordered)


def _renumber(survey: Survey, ordered: list[Question] | None = None) -> None:
    questions = ordered if ordered is not None else list(survey.questions.order_by("order", "pk"))
    for n, q in enumerate(questions, start=1):
        q.order = n
    Question.objects.bulk_update(questions, ["order"])


# --- status --------------------------------------------------------------------------------------

def check_ready(survey: Survey) -> None:
    """A survey can open with at least one question, each of which is still valid."""
    questions = list(survey.questions.all())
    if not questions:
        raise ValidationFailed(_("Add at least one question before opening the survey."), code="no_questions")
    for n, q in enumerate(questions, start=1):
        try:
            clean_question({"kind": q.kind, "text": q.text, "choices": q.choices, "min_value": q.min_value,
                            "max_value": q.max_value})
        except ValidationFailed as exc:
            raise ValidationFailed(_("Question %(n)s: %(problem)s") % {"n": n, "problem": exc.message},
                                   code=exc.code) from None


@transaction.atomic
def move_survey(*, actor: Principal, survey: Survey, to: str, reason: str = "",
                now: datetime | None = None) -> Survey:
    """Open a draft, close an open survey, or reopen a closed one; the move is kept in its history."""
    check_manages(actor, survey)
    survey = Survey.objects.select_for_update().select_related("programme").get(pk=survey.pk)
    if to not in MOVES.get(survey.status, frozenset()):
        raise Conflict(_("A survey that is “%(now)s” cannot become “%(to)s”.")
                       % {"now": survey.get_status_display(), "to": S(to).label if to in S.values else to},
                       code="bad_move")
    moment = now or timezone.now()
    if to == S.OPEN:
        check_ready(survey)
        if survey.status == S.CLOSED and survey.closes_at and survey.closes_at <= moment:
            survey.closes_at = None  # reopening: the date it was closed on no longer holds
        if survey.closes_at and survey.closes_at <= moment:
            raise ValidationFailed(_("Its closing date has passed: change it or clear it first."), field="closes_at")
        if survey.opens_at is None or survey.opens_at > moment:
            survey.opens_at = survey.opens_at or moment
    if to == S.CLOSED and (survey.closes_at is None or survey.closes_at > moment):
        survey.closes_at = moment
    old = survey.status
    survey.status = to
    survey.save(update_fields=["status", "opens_at", "closes_at"])
    SurveyChange.objects.create(survey=survey, from_status=old, to_status=to, actor=actor.user, reason=reason[:300])
    audit.record(actor=actor.user, verb=f"survey.{to}", obj=survey, reason=reason[:300])
    return survey


@transaction.atomic
def install_template(*, actor: Principal, programme: Programme, template: str, follow_up_months: int | None = None,
                     anonymous: bool | None = None) -> Survey:
    """A new draft of `programme` from a shipped template (the employability survey, the tracer), in five
    languages; it can be edited before it opens."""
    from ..library import TEMPLATES

    spec = TEMPLATES.get(template)
    if spec is None:
        raise ValidationFailed(_("There is no such survey template."), field="template")
    if template == "tracer" and follow_up_months is None:
        follow_up_months = 3
    survey = create_survey(actor=actor, programme=programme, title=spec["title"], intro=spec["intro"],
                           anonymous=spec["anonymous"] if anonymous is None else anonymous,
                           follow_up_months=follow_up_months, template=template)
    Question.objects.bulk_create([Question(survey=survey, order=n, **clean_question(q))
                                  for n, q in enumerate(spec["questions"], start=1)])
    return survey
