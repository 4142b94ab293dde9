"""The careers records the indicators count (placements, event check-ins, referrals, mentoring), and the
historical ones a partner imported (kasb.legacy) that stand beside them, read only.

Each function takes a sources.Source and yields Rows, one query per kind of record. Historical records are
read from kasb.legacy's tables with the same scope and person fields as native records (one query that also
brings the person's attributes for breakdowns), and carry origin="imported"; so do careers placements that
an import created (kasb.legacy marks them with an ImportedRecord). A programme filter keeps the records of
participants enrolled in or applying to the programme; historical records belong to no programme, so a
programme filter leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast

from kasb.careers.models import Mentorship, OpportunityKind, Placement, Referral, Registration, ServiceKind
from kasb.legacy.models import HistoricalPlacement, HistoricalReferral, ImportedRecord

from .context import Person
from .sources import Row, Source

IMPORTED, NATIVE = "imported", "native"
LOAN_GRANTED = (Referral.LoanStatus.APPROVED, Referral.LoanStatus.DISBURSED, Referral.LoanStatus.REPAID)


def _imported_mark(model: type) -> Exists:
    kind = ContentType.objects.get_for_model(model)
    return Exists(ImportedRecord.objects.filter(content_type=kind,
                                                object_id=Cast(OuterRef("pk"), CharField())))


def placements(src: Source) -> Iterator[Row]:
    """Placements starting in the period: careers' (imported ones marked) and historical ones."""
    qs = (Placement.objects.filter(src.in_period("starts_on", is_datetime=False), src.participants("participant"),
                                   src.programme_people("participant"))
          .annotate(imported=_imported_mark(Placement)))
    fields = ["id", "participant_id", "kind", "starts_on", "imported", *src.person_fields("participant__")]
    for row in src.iterate(qs, fields):
        yield Row(row["participant_id"], src.person(row, "participant__"), row["starts_on"], item=("p", row["id"]),
                  kind=row["kind"], origin=IMPORTED if row["imported"] else NATIVE)
    if src.filters.programme_id:
        return
    old = HistoricalPlacement.objects.filter(src.in_period("started_on", is_datetime=False),
                                             src.participants("participant"))
    for row in src.iterate(old, ["id", "participant_id", "kind", "started_on", *src.person_fields("participant__")]):
        yield Row(row["participant_id"], src.person(row, "participant__"), row["started_on"],
                  item=("h", row["id"]), kind=row["kind"], origin=IMPORTED)


def internships(src: Source) -> Iterator[Row]:
    kinds = {OpportunityKind.INTERNSHIP, OpportunityKind.APPRENTICESHIP}
    return (row for row in placements(src) if row.kind in kinds)


def completed_placements(src: Source) -> Iterator[Row]:
    """Placements known to have been completed, counted on the day they ended (or, with no end date, the day
    the outcome was recorded)."""
    period = (src.in_period("ends_on", is_datetime=False)
              | Q(ends_on__isnull=True) & src.in_period("completed_recorded_at"))
    qs = (Placement.objects.filter(period, src.participants("participant"), src.programme_people("participant"),
                                   completed=True).annotate(imported=_imported_mark(Placement)))
    fields = ["id", "participant_id", "kind", "ends_on", "completed_recorded_at", "imported",
              *src.person_fields("participant__")]
    for row in src.iterate(qs, fields):
        on = row["ends_on"] or src.day(row["completed_recorded_at"])
        yield Row(row["participant_id"], src.person(row, "participant__"), on, item=("p", row["id"]),
                  kind=row["kind"], origin=IMPORTED if row["imported"] else NATIVE)
    if src.filters.programme_id:
        return
    old = HistoricalPlacement.objects.filter(src.in_period("ended_on", is_datetime=False),
                                             src.participants("participant"), completed=True)
    for row in src.iterate(old, ["id", "participant_id", "kind", "ended_on", *src.person_fields("participant__")]):
        yield Row(row["participant_id"], src.person(row, "participant__"), row["ended_on"], item=("h", row["id"]),
                  kind=row["kind"], origin=IMPORTED)


def checkins(src: Source) -> Iterator[Row]:
    """Attendances checked in at the door during the period, at events that were not cancelled. A walk-in
    (no registry record) counts as one person with only the event's centre known."""
    qs = Registration.objects.filter(src.in_period("checked_in_at"), src.scope.q("event__partner_id",
                                                                                 "event__centre_id"),
                                     event__is_cancelled=False)
    if src.filters.centre_id:
        qs = qs.filter(Q(participant__centre_id=src.filters.centre_id)
                       | Q(participant__isnull=True, event__centre_id=src.filters.centre_id))
    if src.filters.programme_id:
        qs = qs.filter(src.programme_people("participant"))
    fields = ["id", "participant_id", "event__kind", "event__centre_id", "checked_in_at",
              *src.person_fields("participant__")]
    for row in src.iterate(qs, fields):
        on = src.day(row["checked_in_at"])
        if row["participant_id"]:
            yield Row(row["participant_id"], src.person(row, "participant__"), on, kind=row["event__kind"])
        else:
            yield Row(("walk_in", row["id"]), Person(centre_id=row["event__centre_id"]), on, kind=row["event__kind"])


def _referrals(src: Source, service: str) -> Iterator[Row]:
    qs = Referral.objects.filter(src.in_period("created_at"), src.participants("participant"),
                                 src.programme_people("participant"), service=service)
    fields = ["id", "participant_id", "created_at", "status", "loan_minor", "loan_currency", "loan_status",
              *src.person_fields("participant__")]
    for row in src.iterate(qs, fields):
        yield Row(row["participant_id"], src.person(row, "participant__"), src.day(row["created_at"]),
                  item=("r", row["id"]), kind=row["loan_status"] or "", value=row["loan_minor"] or 0,
                  currency=row["loan_currency"] or "")
    if src.filters.programme_id:
        return
    old = HistoricalReferral.objects.filter(src.in_period("referred_on", is_datetime=False),
                                            src.participants("participant"), service=service)
    fields = ["id", "participant_id", "referred_on", "loan_minor", "loan_currency", "loan_status",
              *src.person_fields("participant__")]
    for row in src.iterate(old, fields):
        yield Row(row["participant_id"], src.person(row, "participant__"), row["referred_on"],
                  item=("h", row["id"]), kind=row["loan_status"] or "", value=row["loan_minor"] or 0,
                  currency=row["loan_currency"] or "", origin=IMPORTED)


def business_referrals(src: Source) -> Iterator[Row]:
    return _referrals(src, ServiceKind.BUSINESS)


def microfinance_referrals(src: Source) -> Iterator[Row]:
    return _referrals(src, ServiceKind.MICROFINANCE)


def microfinance_loans(src: Source) -> Iterator[Row]:
    """Loans approved (then disbursed or repaid) whose amount is known, on the referral's day."""
    return (row for row in _referrals(src, ServiceKind.MICROFINANCE)
            if row.kind in LOAN_GRANTED and row.value and row.currency)


def businesses(src: Source) -> Iterator[Row]:
    """Referrals after which the participant started a business, counted on the day it started (historical
    referrals record no start day: they count on the referral's day). `hit`: still running after 6 months."""
    qs = Referral.objects.filter(src.in_period("business_started_on", is_datetime=False),
                                 src.participants("participant"), src.programme_people("participant"),
                                 business_started=True)
    fields = ["id", "participant_id", "business_started_on", "business_running_6_months",
              *src.person_fields("participant__")]
    for row in src.iterate(qs, fields):
        yield Row(row["participant_id"], src.person(row, "participant__"), row["business_started_on"],
                  item=("r", row["id"]), hit=bool(row["business_running_6_months"]))
    if src.filters.programme_id:
        return
    old = HistoricalReferral.objects.filter(src.in_period("referred_on", is_datetime=False),
                                            src.participants("participant"), business_started=True)
    for row in src.iterate(old, ["id", "participant_id", "referred_on", *src.person_fields("participant__")]):
        yield Row(row["participant_id"], src.person(row, "participant__"), row["referred_on"],
                  item=("h", row["id"]), hit=False, origin=IMPORTED)


def businesses_running(src: Source) -> Iterator[Row]:
    return (row for row in businesses(src) if row.hit)


def mentorships(src: Source) -> Iterator[Row]:
    """Mentoring pairs under way at any time in the period (started by its end, not ended before its start),
    counted on the later of the pair's start and the period's; the person is the mentee."""
    f = src.filters
    qs = Mentorship.objects.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=f.start), started_on__lte=f.end)
    qs = qs.filter(src.participants("mentee"), src.programme_people("mentee"))
    for row in src.iterate(qs, ["id", "mentee_id", "started_on", *src.person_fields("mentee__")]):
        on: date = max(row["started_on"], f.start)
        yield Row(row["mentee_id"], src.person(row, "mentee__"), on, item=row["id"])


ROWS = {"placements": placements, "internships": internships, "completed_placements": completed_placements,
        "checkins": checkins, "business_referrals": business_referrals,
        "microfinance_referrals": microfinance_referrals, "microfinance_loans": microfinance_loans,
        "businesses": businesses, "businesses_running": businesses_running, "mentorships": mentorships}
