"""Reads of historical records, always through the acting principal's scope.

The functions below the imports are for kasb.monitoring, which counts historical records beside native
ones: each yields the same shapes its native counterpart does (a participant id with the day it counts
on; amounts in minor units per currency and month). docs/import.md lists them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet, Sum

from kasb.core.permissions import Cap, Principal

from .models import (
    HistoricalEarning,
    HistoricalEngagement,
    HistoricalEnrolment,
    HistoricalPlacement,
    HistoricalReferral,
    HistoricalStatus,
    HistoricalSurveyResponse,
    ImportBatch,
    ImportedRecord,
)

CHUNK = 2000


def batches_visible_to(principal: Principal) -> QuerySet[ImportBatch]:
    """Imports of the partners where the principal manages monitoring, newest first."""
    qs = ImportBatch.objects.select_related("created_by", "partner")
    if principal.is_superuser:
        return qs
    partners = {g.partner_id for g in principal.grants_with(Cap.MANAGE_MONITORING) if g.partner_id and not g.is_centre}
    return qs.filter(partner_id__in=partners) if partners else qs.none()


def participant_scope(principal: Principal, cap: Cap = Cap.VIEW_INDICATORS, path: str = "participant") -> Q | None:
    """Q over a model reaching a participant at `path`; None means every participant. A centre grant covers
    the participants registered at that centre, a partner grant all of the partner's."""
    if principal.is_superuser:
        return None
    grants = principal.grants_with(cap)
    centres = {g.organisation_id for g in grants if g.is_centre}
    partners = {g.partner_id for g in grants if not g.is_centre and g.partner_id}
    return Q(**{f"{path}__centre_id__in": centres}) | Q(**{f"{path}__partner_id__in": partners})


def _scoped(principal: Principal, model: type[models.Model], cap: Cap) -> QuerySet[Any]:
    scope = participant_scope(principal, cap)
    qs = model._default_manager.all()
    return qs if scope is None else qs.filter(scope)


def _between(path: str, start: date, end: date) -> Q:
    return Q(**{f"{path}__gte": start, f"{path}__lte": end})


# --- for monitoring ------------------------------------------------------------------------------------

def enrolments_started(principal: Principal, start: date, end: date, *, cap: Cap = Cap.VIEW_INDICATORS
                       ) -> Iterator[tuple[int, date, str, str]]:
    """(participant id, started on, status, dropout reason) of historical enrolments started in the period.
    Status is "enrolled", "completed" or "dropped_out"."""
    qs = _scoped(principal, HistoricalEnrolment, cap).filter(_between("started_on", start, end))
    yield from qs.values_list("participant_id", "started_on", "status", "dropout_reason").iterator(chunk_size=CHUNK)


def completions(principal: Principal, start: date, end: date, *, cap: Cap = Cap.VIEW_INDICATORS
                ) -> Iterator[tuple[int, date]]:
    """(participant id, completed on) of historical completions in the period."""
    qs = _scoped(principal, HistoricalEnrolment, cap).filter(_between("ended_on", start, end),
                                                             status=HistoricalStatus.COMPLETED)
    yield from qs.values_list("participant_id", "ended_on").iterator(chunk_size=CHUNK)


def dropouts(principal: Principal, start: date, end: date, *, cap: Cap = Cap.VIEW_INDICATORS
             ) -> Iterator[tuple[int, date, str]]:
    """(participant id, left on, dropout reason) of historical drop-outs in the period."""
    qs = _scoped(principal, HistoricalEnrolment, cap).filter(_between("ended_on", start, end),
                                                             status=HistoricalStatus.DROPPED)
    yield from qs.values_list("participant_id", "ended_on", "dropout_reason").iterator(chunk_size=CHUNK)


def placements(principal: Principal, start: date, end: date, *, cap: Cap = Cap.VIEW_INDICATORS
               ) -> Iterator[tuple[int, date, str]]:
    """(participant id, starts on, kind) of historical placements kept here (those recorded in careers are
    careers placements, counted with them)."""
    qs = _scoped(principal, HistoricalPlacement, cap).filter(_between("started_on", start, end))
    yield from qs.values_list("participant_id", "started_on", "kind").iterator(chunk_size=CHUNK)


def engagements(principal: Principal, start: date, end: date, *, cap: Cap = Cap.VIEW_INDICATORS
                ) -> Iterator[tuple[int, date, str, int]]:
    """(participant id, started on, client, tasks done) of historical microwork engagements started in the
    period; the client name stands for the "opportunity" of the distinct-opportunities indicator."""
    qs = _scoped(principal, HistoricalEngagement, cap).filter(_between("started_on", start, end))
    yield from qs.values_list("participant_id", "started_on", "client", "tasks_done").iterator(chunk_size=CHUNK)


def earnings(principal: Principal, start: date, end: date, *, cap: Cap = Cap.VIEW_INDICATORS
             ) -> Iterator[tuple[int, date, int, str]]:
    """(participant id, month (its first day), amount in minor units, currency) of historical earnings whose
    month falls in the period."""
    qs = _scoped(principal, HistoricalEarning, cap).filter(_between("month", start.replace(day=1), end))
    yield from qs.values_list("participant_id", "month", "amount_minor", "currency").iterator(chunk_size=CHUNK)


def earnings_by_month(principal: Principal, start: date, end: date, *, cap: Cap = Cap.VIEW_INDICATORS
                      ) -> dict[str, dict[date, int]]:
    """{currency: {month: total minor units}} of historical earnings in the period (one query)."""
    qs = (_scoped(principal, HistoricalEarning, cap).filter(_between("month", start.replace(day=1), end))
          .values("currency", "month").annotate(total=Sum("amount_minor")).order_by("currency", "month"))
    totals: dict[str, dict[date, int]] = defaultdict(dict)
    for row in qs:
        totals[row["currency"]][row["month"]] = row["total"]
    return dict(totals)


def referrals(principal: Principal, start: date, end: date, *, cap: Cap = Cap.VIEW_INDICATORS
              ) -> Iterator[tuple[int, date, str, str]]:
    """(participant id, referred on, service, status) of historical referrals in the period."""
    qs = _scoped(principal, HistoricalReferral, cap).filter(_between("referred_on", start, end))
    yield from qs.values_list("participant_id", "referred_on", "service", "status").iterator(chunk_size=CHUNK)


def survey_responses(principal: Principal, start: date, end: date, *, cap: Cap = Cap.VIEW_INDICATORS
                     ) -> Iterator[tuple[int, date, str, bool | None, bool | None, int | None, str]]:
    """(participant id, answered on, survey, employed, using skills, earnings minor, earnings currency)."""
    qs = _scoped(principal, HistoricalSurveyResponse, cap).filter(_between("answered_on", start, end))
    yield from qs.values_list("participant_id", "answered_on", "survey", "employed", "using_skills",
                              "earnings_minor", "earnings_currency").iterator(chunk_size=CHUNK)


def imported_ids(model: type[models.Model]) -> QuerySet[ImportedRecord, str]:
    """The ids (as text) of `model`'s records that an import created."""
    return ImportedRecord.objects.filter(content_type=ContentType.objects.get_for_model(model)).values_list(
        "object_id", flat=True)


def is_imported(record: models.Model) -> bool:
    return ImportedRecord.objects.filter(content_type=ContentType.objects.get_for_model(type(record)),
                                         object_id=str(record.pk)).exists()
