"""Historical records (kasb.legacy) that feed the same indicators as native records, marked origin="imported".

kasb.legacy keeps what happened before Kasb in its own tables (it never posts to the ledger nor creates live
enrolments, projects or submissions): enrolments and completions, microwork engagements, monthly earnings,
referrals and survey responses. Each function here reads one of those tables, in one query with the person
fields needed for breakdowns, under the same scope as native records, and yields Rows shaped like the
native source of the same name (tables.rows_of chains them after the native rows).

Historical records belong to no programme, so a programme filter leaves them out; the "source" breakdown
(native / imported) tells them apart in any table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from kasb.legacy.models import (
    HistoricalEarning,
    HistoricalEngagement,
    HistoricalEnrolment,
    HistoricalStatus,
    HistoricalSurveyResponse,
)

from .sources import APPROVED, Row, Source

IMPORTED = "imported"
STATUS = {HistoricalStatus.ENROLLED: "active", HistoricalStatus.COMPLETED: "completed",
          HistoricalStatus.DROPPED: "dropped"}
ENROLMENT_FIELDS = ["id", "participant_id", "course_id", "started_on", "ended_on", "status", "dropout_reason"]


def _enrolment(src: Source, row: dict[str, Any], on: date, **extra: Any) -> Row:
    return Row(row["participant_id"], src.person(row, "participant__"), on, course=str(row["course_id"] or ""),
               origin=IMPORTED, **extra)


def enrolments_started(src: Source) -> Iterator[Row]:
    qs = HistoricalEnrolment.objects.filter(src.in_period("started_on", is_datetime=False),
                                            src.participants("participant"))
    for row in src.iterate(qs, ENROLMENT_FIELDS + src.person_fields("participant__")):
        yield _enrolment(src, row, row["started_on"], item=STATUS.get(row["status"], row["status"]),
                         dropout_reason=row["dropout_reason"])


def _ended(src: Source, status: str) -> Iterator[dict[str, Any]]:
    qs = HistoricalEnrolment.objects.filter(src.in_period("ended_on", is_datetime=False),
                                            src.participants("participant"), status=status)
    return src.iterate(qs, ENROLMENT_FIELDS + src.person_fields("participant__"))


def completions(src: Source) -> Iterator[Row]:
    for row in _ended(src, HistoricalStatus.COMPLETED):
        yield _enrolment(src, row, row["ended_on"], item=("h", row["id"]))


def dropouts(src: Source) -> Iterator[Row]:
    for row in _ended(src, HistoricalStatus.DROPPED):
        yield _enrolment(src, row, row["ended_on"], dropout_reason=row["dropout_reason"])


def approved_work(src: Source) -> Iterator[Row]:
    """Engagements with work done, started in the period, as approved work; the client stands for the
    opportunity."""
    qs = HistoricalEngagement.objects.filter(src.in_period("started_on", is_datetime=False),
                                             src.participants("participant"), tasks_done__gt=0)
    for row in src.iterate(qs, ["participant_id", "client", "started_on", *src.person_fields("participant__")]):
        yield Row(row["participant_id"], src.person(row, "participant__"), row["started_on"],
                  item=("client", row["client"].strip().casefold()), kind=APPROVED, origin=IMPORTED)


def earnings(src: Source) -> Iterator[Row]:
    """A month's historical earning, counted on the first day of its month."""
    f = src.filters
    qs = HistoricalEarning.objects.filter(src.participants("participant"), month__gte=f.start.replace(day=1),
                                          month__lte=f.end)
    for row in src.iterate(qs, ["participant_id", "month", "amount_minor", "currency",
                                *src.person_fields("participant__")]):
        yield Row(row["participant_id"], src.person(row, "participant__"), row["month"], value=row["amount_minor"],
                  currency=row["currency"], origin=IMPORTED)


def survey_responses(src: Source) -> Iterator[tuple[Row, bool | None, bool | None]]:
    """(row with earnings as value and currency, employed, using the skills) of historical tracer answers."""
    qs = HistoricalSurveyResponse.objects.filter(src.in_period("answered_on", is_datetime=False),
                                                 src.participants("participant"))
    fields = ["id", "participant_id", "answered_on", "employed", "using_skills", "earnings_minor",
              "earnings_currency", *src.person_fields("participant__")]
    for row in src.iterate(qs, fields):
        yield (Row(("historical_response", row["id"]), src.person(row, "participant__"), row["answered_on"],
                   value=row["earnings_minor"] or 0, currency=row["earnings_currency"] or "", origin=IMPORTED),
               row["employed"], row["using_skills"])


HISTORY: dict[str, Callable[[Source], Iterator[Row]]] = {
    "enrolments_started": enrolments_started, "completions": completions, "dropouts": dropouts,
    "work": approved_work, "earnings": earnings,
}
