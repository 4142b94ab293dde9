"""Reads of the surveys app: counts that pages, the API and monitoring's indicators share.

Every function returns plain counts, numerator and denominator side by side, never a percentage alone, so
that monitoring can suppress small cells before a figure leaves the organisation (docs/surveys.md lists
what it reads). None of them returns who answered what. Each takes optional filters: `programme_id`,
`survey_ids`, and a period [`start`, `end`] of dates (inclusive) — invitations by the day they were
made, responses by the day they were submitted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, Max, Min, Q, QuerySet
from django.utils import timezone

from kasb.core.money import Money, exponent
from kasb.core.permissions import Cap, Principal

from .models import Answer, Invitation, Question, Response, Survey
from .scope import surveys_for

# The tracer template's questions and answers that the tracer results count (kasb/surveys/library.py).
EMPLOYED, WORK_KIND, EARNINGS, CURRENCY, USING_SKILLS = (
    "employed", "work_kind", "monthly_earnings", "earnings_currency", "using_skills")
YES = "yes"
USING = frozenset({"often", "sometimes"})
# The employability template's shares (the seeds' "89% believed their employability improved"...).
AGREE = frozenset({"strongly_agree", "agree"})
EMPLOYABILITY_SHARES = {"more_employable": AGREE, "skills_improve_life": AGREE, "career_improved": frozenset({YES})}


@dataclass(frozen=True)
class Share:
    numerator: int
    denominator: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.numerator / self.denominator) if self.denominator else None


@dataclass(frozen=True)
class Rate:
    survey_id: int
    invited: int
    answered: int

    @property
    def share(self) -> Share:
        return Share(self.answered, self.invited)


@dataclass
class QuestionResult:
    question_id: int
    code: str
    kind: str
    answered: int = 0                                          # responses that answered it
    choices: dict[str, int] = field(default_factory=dict)     # choice key -> responses that chose it
    mean: float | None = None                                 # scale and number questions
    low: int | None = None
    high: int | None = None


@dataclass
class TracerResult:
    follow_up_months: int | None
    responses: int
    employed: Share
    using_skills: Share
    # currency -> (median monthly earnings of those employed who said, how many said)
    earnings: dict[str, tuple[Money, int]]
    # currency -> every amount said, in minor units, smallest first (no link to who said it): for medians
    # over several follow-up points or surveys
    amounts: dict[str, list[int]] = field(default_factory=dict)


def _window(qs: QuerySet[Any], path: str, start: date | None, end: date | None) -> QuerySet[Any]:
    tz = timezone.get_current_timezone()
    if start:
        qs = qs.filter(**{f"{path}__gte": datetime.combine(start, time.min, tzinfo=tz)})
    if end:
        qs = qs.filter(**{f"{path}__lt": datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)})
    return qs


def _surveys(survey_ids: Iterable[int] | None, programme_id: int | None, prefix: str) -> Q:
    q = Q()
    if survey_ids is not None:
        q &= Q(**{f"{prefix}survey_id__in": list(survey_ids)})
    if programme_id is not None:
        q &= Q(**{f"{prefix}survey__programme_id": programme_id})
    return q


def response_rates(*, survey_ids: Iterable[int] | None = None, programme_id: int | None = None,
                   start: date | None = None, end: date | None = None) -> dict[int, Rate]:
    """Per survey: people invited (in the period) and how many of them answered. One query."""
    qs = _window(Invitation.objects.filter(_surveys(survey_ids, programme_id, "")), "created_at", start, end)
    rows = qs.values("survey_id").annotate(invited=Count("id"), answered=Count("id", filter=Q(
        answered_at__isnull=False))).order_by()
    return {r["survey_id"]: Rate(r["survey_id"], r["invited"], r["answered"]) for r in rows}


def _responses(survey_ids: Iterable[int] | None, programme_id: int | None, start: date | None,
               end: date | None) -> QuerySet[Response]:
    return _window(Response.objects.filter(_surveys(survey_ids, programme_id, "")), "submitted_at", start, end)


def answer_counts(*, survey_ids: Iterable[int] | None = None, programme_id: int | None = None,
                  start: date | None = None, end: date | None = None) -> dict[int, QuestionResult]:
    """Per question: responses that answered it, responses per choice, and for scale and number questions
    the mean, lowest and highest. Three queries, whatever the number of responses."""
    responses = _responses(survey_ids, programme_id, start, end)
    questions = Question.objects.filter(survey_id__in=responses.values("survey_id").distinct()) if (
        survey_ids is None) else Question.objects.filter(survey_id__in=list(survey_ids))
    results = {q["pk"]: QuestionResult(q["pk"], q["code"], q["kind"])
               for q in questions.values("pk", "code", "kind")}
    answers = Answer.objects.filter(response__in=responses, question_id__in=list(results))
    for row in answers.values("question_id").annotate(
            n=Count("response_id", distinct=True), mean=Avg("number"), low=Min("number"),
            high=Max("number")).order_by():
        result = results[row["question_id"]]
        result.answered, result.low, result.high = row["n"], row["low"], row["high"]
        result.mean = float(row["mean"]) if row["mean"] is not None else None
    for qid, choice, n in answers.exclude(choice="").values("question_id", "choice").annotate(
            n=Count("id")).order_by().values_list("question_id", "choice", "n"):
        results[qid].choices[choice] = n
    return results


def _by_response(answers: QuerySet[Answer]) -> dict[int, dict[str, list[Any]]]:
    held: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for rid, code, choice, number in answers.values_list("response_id", "question__code", "choice", "number"):
        held[rid][code].append(number if number is not None else choice)
    return held


def _median_minor(values: list[int], currency: str) -> Money:
    ordered, scale = sorted(values), 10 ** exponent(currency)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Money(ordered[mid] * scale, currency)
    return Money((ordered[mid - 1] + ordered[mid]) * scale // 2, currency)


def tracer_results(*, survey_ids: Iterable[int] | None = None, programme_id: int | None = None,
                   start: date | None = None, end: date | None = None) -> dict[int | None, TracerResult]:
    """The tracer surveys' results by follow-up point (3, 6, 12 months): the share employed, the share using
    the skills learned, and median monthly earnings per currency of those employed who said what they earn
    (a whole amount in that currency, shown in minor units). Two queries."""
    responses = _responses(survey_ids, programme_id, start, end).filter(survey__template="tracer")
    months = dict(responses.values_list("pk", "survey__follow_up_months"))
    codes = (EMPLOYED, CURRENCY, EARNINGS, USING_SKILLS)
    held = _by_response(Answer.objects.filter(response_id__in=list(months), question__code__in=codes))
    groups: dict[int | None, list[dict[str, list[Any]]]] = defaultdict(list)
    for rid, point in months.items():
        groups[point].append(held.get(rid, {}))
    return {point: _tracer(point, rows) for point, rows in sorted(groups.items(), key=lambda g: g[0] or 0)}


def _tracer(point: int | None, rows: list[dict[str, list[Any]]]) -> TracerResult:
    employed_n = employed_d = using_n = using_d = 0
    earnings: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.get(EMPLOYED):
            employed_d += 1
            employed = row[EMPLOYED][0] == YES
            employed_n += employed
            currency, amount = row.get(CURRENCY), row.get(EARNINGS)
            if employed and currency and amount and isinstance(amount[0], int) and len(str(currency[0])) == 3:
                earnings[str(currency[0])].append(amount[0])
        if row.get(USING_SKILLS):
            using_d += 1
            using_n += row[USING_SKILLS][0] in USING
    return TracerResult(point, len(rows), Share(employed_n, employed_d), Share(using_n, using_d),
                        {c: (_median_minor(v, c), len(v)) for c, v in sorted(earnings.items())},
                        {c: sorted(a * 10 ** exponent(c) for a in v) for c, v in sorted(earnings.items())})


def employability_shares(*, survey_ids: Iterable[int] | None = None, programme_id: int | None = None,
                         start: date | None = None, end: date | None = None) -> dict[str, Share]:
    """The employability template's shares: felt more employable, believe the skills can improve their lives
    and communities (agree or strongly agree), and working life improved (yes), of those who answered each."""
    responses = _responses(survey_ids, programme_id, start, end).filter(survey__template="employability")
    counts = (Answer.objects.filter(response__in=responses, question__code__in=list(EMPLOYABILITY_SHARES))
              .values("question__code", "choice").annotate(n=Count("id")).order_by())
    hits: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for row in counts:
        totals[row["question__code"]] += row["n"]
        if row["choice"] in EMPLOYABILITY_SHARES[row["question__code"]]:
            hits[row["question__code"]] += row["n"]
    return {code: Share(hits[code], totals[code]) for code in EMPLOYABILITY_SHARES}


# --- for pages and the API -----------------------------------------------------------------------

def listed_surveys(principal: Principal) -> QuerySet[Survey]:
    """The surveys a person may see aggregates of (M&E staff: also build and send), with question counts."""
    cap = Cap.MANAGE_MONITORING if principal.can(Cap.MANAGE_MONITORING) else Cap.VIEW_INDICATORS
    return surveys_for(principal, cap).annotate(question_count=Count("questions", distinct=True))


def text_answers(survey: Survey, question_ids: Iterable[int], limit: int = 50) -> dict[int, list[str]]:
    """The latest written answers per text question (M&E staff only: the caller checks)."""
    held: dict[int, list[str]] = defaultdict(list)
    rows = (Answer.objects.filter(question_id__in=list(question_ids), response__survey=survey).exclude(text="")
            .order_by("question_id", "-response__submitted_at", "-pk").values_list("question_id", "text"))
    for qid, text in rows[: limit * 20]:
        if len(held[qid]) < limit:
            held[qid].append(text)
    return held
