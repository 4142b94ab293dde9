"""Writing checked rows: historical tables in batches, and native records through their own app's services.

Only kasb.legacy.services calls this module, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from kasb.careers.models import Placement
from kasb.careers.services.applications import record_placement, record_placement_outcome
from kasb.core.permissions import Principal
from kasb.participants.models import Participant
from kasb.skills.models import Evidence, VerifiedSkill
from kasb.skills.services import verify_skill

from .checks import keys_of
from .models import (
    HISTORICAL_MODELS,
    FormerId,
    HistoricalEarning,
    HistoricalEngagement,
    HistoricalEnrolment,
    HistoricalPlacement,
    HistoricalReferral,
    HistoricalSurveyResponse,
    ImportBatch,
    ImportedRecord,
    RecordType,
)

SAVE_CHUNK = 500
LOOKUP_CHUNK = 1000
# The evidence a partner-verified historical completion gives a verified skill.
EVIDENCE_TYPE = "legacy.historical_record"

# The values (after checking) that make two rows the same record, and the stored fields they come from.
KEY_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    RecordType.OLD_IDS: (("old_id", "old_id"),),
    RecordType.ENROLMENTS: (("participant_id", "participant_id"), ("course", "course_name"),
                            ("started_on", "started_on")),
    RecordType.PLACEMENTS: (("participant_id", "participant_id"), ("employer", "employer"), ("title", "title"),
                            ("started_on", "started_on")),
    RecordType.MICROWORK: (("participant_id", "participant_id"), ("client", "client"), ("task_type", "task_type"),
                           ("started_on", "started_on")),
    RecordType.EARNINGS: (("participant_id", "participant_id"), ("month", "month"), ("currency", "currency"),
                          ("source", "source")),
    RecordType.REFERRALS: (("participant_id", "participant_id"), ("service", "service"), ("provider", "provider"),
                           ("referred_on", "referred_on")),
    RecordType.SURVEYS: (("participant_id", "participant_id"), ("survey", "survey"), ("answered_on", "answered_on")),
}


def duplicate_column(record_type: str) -> str:
    """The column a duplicate is reported in: the first one after the participant."""
    columns = [c for c, _f in KEY_COLUMNS[record_type] if c != "participant_id"]
    return columns[0]


def row_key(record_type: str, values: dict[str, Any]) -> tuple[Any, ...]:
    return keys_of(values.get(c) for c, _f in KEY_COLUMNS[record_type])


def existing_keys(record_type: str, participant_ids: Iterable[int]) -> dict[tuple[Any, ...], int]:
    """Keys of records already held for these participants, each with the import batch that brought it (0 for a
    careers placement recorded in Kasb itself)."""
    model = HISTORICAL_MODELS[record_type]
    fields = [f for _c, f in KEY_COLUMNS[record_type]]
    found: dict[tuple[Any, ...], int] = {}
    if record_type == RecordType.OLD_IDS:
        return found  # an old id already taken is checked against the resolver's look-up
    ids = sorted(set(participant_ids))
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start:start + LOOKUP_CHUNK]
        for row in model._default_manager.filter(participant_id__in=chunk).values_list(*fields, "batch_id"):
            found.setdefault(keys_of(row[:-1]), row[-1])
        if record_type == RecordType.PLACEMENTS:
            for row in Placement.objects.filter(participant_id__in=chunk).values_list(
                    "participant_id", "employer__name", "title", "starts_on"):
                found.setdefault(keys_of(row), 0)
    return found


# --- historical rows ---------------------------------------------------------------------------------

def _historical(record_type: str, batch: ImportBatch, number: int, v: dict[str, Any]) -> models.Model:
    base = {"batch": batch, "row": number, "participant_id": v["participant_id"]}
    if record_type == RecordType.ENROLMENTS:
        return HistoricalEnrolment(**base, course_name=v["course"], course=v.get("course_ref"), cohort=v["cohort"],
                                   centre=v.get("centre"), started_on=v["started_on"], ended_on=v.get("ended_on"),
                                   status=v["status"], dropout_reason=v["dropout_reason"],
                                   partner_verified=v["partner_verified"])
    if record_type == RecordType.PLACEMENTS:
        wage = v.get("wage")
        return HistoricalPlacement(**base, kind=v["kind"], employer=v["employer"], title=v["title"],
                                   started_on=v["started_on"], ended_on=v.get("ended_on"),
                                   wage_minor=wage.minor if wage else None, wage_currency=wage.currency if wage else "",
                                   wage_period=v["wage_period"] if wage else "", completed=v.get("completed"))
    if record_type == RecordType.MICROWORK:
        return HistoricalEngagement(**base, client=v["client"], task_type=v["task_type"], tasks_done=v["tasks_done"],
                                    hours=v.get("hours"), started_on=v["started_on"], ended_on=v.get("ended_on"))
    if record_type == RecordType.EARNINGS:
        return HistoricalEarning(**base, month=v["month"], amount_minor=v["money"].minor,
                                 currency=v["money"].currency, source=v["source"])
    if record_type == RecordType.REFERRALS:
        loan = v.get("loan")
        return HistoricalReferral(**base, service=v["service"], provider=v["provider"], referred_on=v["referred_on"],
                                  status=v["status"], outcome=v["outcome"], loan_minor=loan.minor if loan else None,
                                  loan_currency=loan.currency if loan else "", loan_status=v["loan_status"],
                                  business_started=v.get("business_started"))
    if record_type == RecordType.SURVEYS:
        earned = v.get("earned")
        return HistoricalSurveyResponse(**base, survey=v["survey"], answered_on=v["answered_on"],
                                        employed=v.get("employed"), earnings_minor=earned.minor if earned else None,
                                        earnings_currency=earned.currency if earned else "",
                                        using_skills=v.get("using_skills"))
    return FormerId(partner=batch.partner, old_id=v["old_id"], participant_id=v["participant_id"], batch=batch)


def save_rows(*, actor: Principal, batch: ImportBatch, rows: list[tuple[int, dict[str, Any]]],
              progress: Callable[[int], None]) -> int:
    """Save every checked row; return how many became records of another app."""
    native: list[models.Model] = []
    historical: list[tuple[int, dict[str, Any]]] = []
    for number, values in rows:
        if batch.record_type == RecordType.PLACEMENTS and values.get("employer_org") is not None:
            native.append(_placement(actor, values))
        else:
            historical.append((number, values))
    done = len(native)
    progress(done)
    model = HISTORICAL_MODELS[batch.record_type]
    for start in range(0, len(historical), SAVE_CHUNK):
        chunk = historical[start:start + SAVE_CHUNK]
        objs = [_historical(batch.record_type, batch, n, v) for n, v in chunk]
        model._default_manager.bulk_create(objs)
        if batch.record_type == RecordType.ENROLMENTS:
            native += _verify(actor, objs, [v for _n, v in chunk])  # type: ignore[arg-type]
        done += len(chunk)
        progress(done)
    mark_imported(batch, native)
    return len(native)


def _placement(actor: Principal, v: dict[str, Any]) -> Placement:
    wage = v.get("wage")
    participant = Participant.objects.get(pk=v["participant_id"])
    placement = record_placement(actor=actor, participant=participant, employer=v["employer_org"], kind=v["kind"],
                                 title=v["title"], starts_on=v["started_on"], ends_on=v.get("ended_on"),
                                 wage=wage, wage_currency=wage.currency if wage else "",
                                 wage_period=v["wage_period"] if wage else "", historical=True)
    if v.get("completed") is not None:
        placement = record_placement_outcome(actor=actor, placement=placement, completed=v["completed"])
    return placement


def _verify(actor: Principal, enrolments: list[HistoricalEnrolment], values: list[dict[str, Any]]
            ) -> list[VerifiedSkill]:
    """Skills of completions the partner verified, with the historical record as their evidence.

    Nothing else: no certificate is issued for a historical completion."""
    made: list[VerifiedSkill] = []
    people: dict[int, Participant] = {}
    for record, v in zip(enrolments, values, strict=True):
        for skill, level in v.get("verify") or []:
            person = people.get(record.participant_id)
            if person is None:
                person = people[record.participant_id] = Participant.objects.get(pk=record.participant_id)
            made.append(verify_skill(actor=actor.user, participant=person, skill=skill, level=level,
                                     evidence=Evidence.HISTORICAL, evidence_type=EVIDENCE_TYPE,
                                     evidence_id=str(record.pk)))
    return made


def mark_imported(batch: ImportBatch, records: list[models.Model]) -> None:
    types: dict[type[models.Model], ContentType] = {}
    marks = []
    for record in records:
        kind = type(record)
        if kind not in types:
            types[kind] = ContentType.objects.get_for_model(kind)
        marks.append(ImportedRecord(batch=batch, content_type=types[kind], object_id=str(record.pk)))
    ImportedRecord.objects.bulk_create(marks, batch_size=SAVE_CHUNK)
