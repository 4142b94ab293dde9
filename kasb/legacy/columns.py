"""The columns of each record type's template (name, required, example), in template order.

docs/import.md documents each of them; a test checks that it names every column listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import RecordType


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    example: Any


def _c(name: str, example: Any, required: bool = False) -> Column:
    return Column(name, required, example)


PARTICIPANT = _c("participant", "P7K2M9QXA", True)

SPECS: dict[str, list[Column]] = {
    RecordType.OLD_IDS: [PARTICIPANT, _c("old_id", "AY-2019-0042", True)],
    RecordType.ENROLMENTS: [
        PARTICIPANT, _c("course", "Digital skills for work", True), _c("cohort", "Irbid spring 2022"),
        _c("centre", "Irbid Centre"), _c("started_on", "2022-03-06", True), _c("ended_on", "2022-05-26"),
        _c("status", "completed", True), _c("dropout_reason", ""), _c("partner_verified", "no"),
        _c("skills", ""),
    ],
    RecordType.PLACEMENTS: [
        PARTICIPANT, _c("kind", "internship", True), _c("employer", "Hire Ltd", True),
        _c("title", "Data entry intern", True), _c("started_on", "2022-07-01", True), _c("ended_on", "2022-09-30"),
        _c("wage", "150.000"), _c("wage_currency", "JOD"), _c("wage_period", "month"), _c("completed", "yes"),
    ],
    RecordType.MICROWORK: [
        PARTICIPANT, _c("client", "Data Co", True), _c("task_type", "image labelling", True),
        _c("tasks_done", 420), _c("hours", "36.5"), _c("started_on", "2022-06-01", True),
        _c("ended_on", "2022-08-31"),
    ],
    RecordType.EARNINGS: [
        PARTICIPANT, _c("month", "2022-07", True), _c("amount", "85.250", True), _c("currency", "JOD", True),
        _c("source", "microwork", True),
    ],
    RecordType.REFERRALS: [
        PARTICIPANT, _c("service", "microfinance", True), _c("provider", "Tamweelcom", True),
        _c("referred_on", "2022-10-12", True), _c("status", "completed"), _c("outcome", "Loan for a sewing shop"),
        _c("loan_amount", "500.000"), _c("loan_currency", "JOD"), _c("loan_status", "disbursed"),
        _c("business_started", "yes"),
    ],
    RecordType.SURVEYS: [
        PARTICIPANT, _c("survey", "6-month tracer", True), _c("answered_on", "2022-12-01", True),
        _c("employed", "yes"), _c("earnings", "220.000"), _c("earnings_currency", "JOD"),
        _c("using_skills", "yes"),
    ],
}


def required_columns(record_type: str) -> list[str]:
    return [c.name for c in SPECS[record_type] if c.required]
