"""A survey's results as a page and the API show them: response rate, counts per choice, means, written answers.

Who sees what: M&E staff (MANAGE_MONITORING) also read the written answers; anyone without
VIEW_UNSUPPRESSED (a donor's M&E officer, a coordinator) sees counts of 1 to threshold-1 hidden, a hidden
count's smallest neighbour hidden too when it is the only one hidden in its question (so the question's
total does not give it away), and no mean or rate worked out from fewer people than the threshold. This is
the rule monitoring applies (kasb.core.suppression).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from kasb.core.permissions import Cap, Principal
from kasb.core.suppression import cell, layout, suppress
from kasb.core.translated import pick

from . import queries
from .models import Question, Survey


def threshold() -> int:
    return max(int(getattr(settings, "KASB_SUPPRESSION_THRESHOLD", 5)), 1)


@dataclass
class ChoiceRow:
    key: str
    label: str
    count: int | None       # None: hidden
    percent: int | None


@dataclass
class QuestionView:
    question: Question
    text: str
    answered: int | None
    choices: list[ChoiceRow]
    mean: str | None
    low: int | None
    high: int | None
    texts: list[str]


def _hide(counts: dict[str, int], limit: int) -> set[str]:
    """The choices whose counts are hidden: small ones, and what would give them away (the same rule as
    every other table, kasb.core.suppression, on the one row of the question's counts)."""
    keys = list(counts)
    hidden = suppress(layout([[counts[k] for k in keys]]), limit)
    return {k for i, k in enumerate(keys) if cell(0, i) in hidden}


def _question(q: Question, result: queries.QuestionResult | None, suppress: bool, texts: list[str],
              limit: int) -> QuestionView:
    answered = result.answered if result else 0
    too_few = suppress and 0 < answered < limit
    counts = dict(result.choices) if result else {}
    hidden = _hide(counts, limit) if suppress else set()
    rows = []
    for key, label in q.choice_texts():
        n = counts.get(key, 0)
        show = not (too_few or key in hidden)
        rows.append(ChoiceRow(key, label, n if show else None,
                              round(100 * n / answered) if show and answered else None))
    mean = None
    if result and result.mean is not None and not too_few:
        mean = f"{result.mean:.1f}"
    return QuestionView(q, pick(q.text), None if too_few else answered, rows, mean,
                        None if too_few or suppress else (result.low if result else None),
                        None if too_few or suppress else (result.high if result else None), texts)


def visible_rate(rate: queries.Rate, principal: Principal) -> queries.Rate | None:
    """The response rate, or None when it counts fewer people than the threshold for someone who sees
    suppressed figures."""
    limit = threshold()
    if not principal.can(Cap.VIEW_UNSUPPRESSED) and (0 < rate.invited < limit or 0 < rate.answered < limit):
        return None
    return rate


def build(survey: Survey, principal: Principal) -> dict[str, Any]:
    """The results page's context. Five queries or so, whatever the number of responses."""
    suppress = not principal.can(Cap.VIEW_UNSUPPRESSED)
    readers = principal.can(Cap.MANAGE_MONITORING)
    limit = threshold()
    questions = list(survey.questions.order_by("order", "pk"))
    counts = queries.answer_counts(survey_ids=[survey.pk])
    rate = queries.response_rates(survey_ids=[survey.pk]).get(survey.pk) or queries.Rate(survey.pk, 0, 0)
    text_ids = [q.pk for q in questions if q.kind == Question.Kind.TEXT]
    texts = queries.text_answers(survey, text_ids) if readers and text_ids else {}
    responses = survey.responses.count()
    context: dict[str, Any] = {
        "survey": survey, "suppressed": suppress, "threshold": limit, "readers": readers,
        "rate": visible_rate(rate, principal), "responses": None if suppress and 0 < responses < limit else responses,
        "questions": [_question(q, counts.get(q.pk), suppress, texts.get(q.pk, []), limit) for q in questions],
    }
    if survey.template == "tracer":
        tracer = queries.tracer_results(survey_ids=[survey.pk]).get(survey.follow_up_months)
        context["tracer"] = _tracer(tracer, suppress, limit) if tracer else None
    return context


def _share(share: queries.Share, suppress: bool, limit: int) -> queries.Share | None:
    if suppress and (0 < share.denominator < limit or 0 < share.numerator < limit
                     or 0 < share.denominator - share.numerator < limit):
        return None
    return share


def _tracer(result: queries.TracerResult, suppress: bool, limit: int) -> dict[str, Any]:
    earnings = [(currency, money, n) for currency, (money, n) in result.earnings.items()
                if not suppress or n >= limit]
    return {"employed": _share(result.employed, suppress, limit),
            "using_skills": _share(result.using_skills, suppress, limit), "earnings": earnings}
