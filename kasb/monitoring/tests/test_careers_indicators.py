"""Careers indicators and historical records over the `pathway` people (conftest.py), hand-counted.

Careers records: Amal (F) internship, Huda (F) apprenticeship, Omar (M) job (completed, ended this month);
Sami (M) internship created by an import (marked); one historical placement of Dana (F, internship) and one
historical enrolment of Rana (completed). Job fair: Amal, Huda and a walk-in checked in; Omar registered
but not checked in; Sami checked in at an orientation. Referrals: Amal business counselling (business
started, running at 6 months), Huda micro-finance (loan 300.000 JOD approved), Zaid micro-finance (loan
rejected), Layla historical micro-finance referral (loan 150.000 JOD disbursed). Mentoring: Amal mentors
Dana.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from kasb.careers.models import Event, MentorProfile, Mentorship, Placement, Referral, Registration
from kasb.core.permissions import Principal
from kasb.legacy.models import (
    HistoricalEarning,
    HistoricalEngagement,
    HistoricalEnrolment,
    HistoricalPlacement,
    HistoricalReferral,
    ImportBatch,
    ImportedRecord,
)

from .test_indicators import cells, table

pytestmark = pytest.mark.django_db


def _batch(world: dict[str, Any], kind: str) -> ImportBatch:
    batch = ImportBatch(partner=world["partner"], record_type=kind, original_name=f"{kind}.csv", status="done")
    batch.file.save(f"{kind}.csv", ContentFile(b"x"), save=False)
    batch.save()
    return batch


@pytest.fixture
def careers(pathway: dict[str, Any], world: dict[str, Any]) -> dict[str, Any]:
    amal, huda, omar, sami, dana, rana, zaid, layla, _yusuf = pathway["people"]
    today = timezone.localdate()
    now = timezone.now()
    employer = world["employer"]

    def place(who: Any, kind: str, **extra: Any) -> Placement:
        return Placement.objects.create(participant=who, employer=employer, kind=kind, title="Assistant",
                                        starts_on=today.replace(day=1), **extra)

    place(amal, "internship")
    place(huda, "apprenticeship")
    place(omar, "job", ends_on=today, completed=True, completed_recorded_at=now)
    imported = place(sami, "internship")
    placements = _batch(world, "placements")
    ImportedRecord.objects.create(batch=placements, content_type=ContentType.objects.get_for_model(Placement),
                                  object_id=str(imported.pk))
    HistoricalPlacement.objects.create(batch=placements, row=2, participant=dana, kind="internship",
                                       employer="Old Co", title="Clerk", started_on=today.replace(day=1))
    enrolments = _batch(world, "enrolments")
    HistoricalEnrolment.objects.create(batch=enrolments, row=2, participant=rana, course_name="Sewing",
                                       started_on=today.replace(day=1), ended_on=today.replace(day=1),
                                       status="completed")
    fair = Event.objects.create(partner=world["partner"], centre=world["irbid"], kind="job_fair", title="Fair",
                                starts_at=now, ends_at=now + timedelta(hours=3))
    talk = Event.objects.create(partner=world["partner"], kind="orientation", title="Talk", starts_at=now,
                                ends_at=now + timedelta(hours=1))
    for who in (amal, huda):
        Registration.objects.create(event=fair, participant=who, checked_in_at=now)
    Registration.objects.create(event=fair, participant=omar)
    Registration.objects.create(event=fair, walk_in_name="Walk In", checked_in_at=now)
    Registration.objects.create(event=talk, participant=sami, checked_in_at=now)

    def refer(who: Any, service: str, **extra: Any) -> Referral:
        return Referral.objects.create(participant=who, provider=world["client"], service=service, reason="r",
                                       consent_at=now, **extra)

    refer(amal, "business_counselling", business_started=True, business_started_on=today,
          business_running_6_months=True)
    refer(huda, "microfinance", loan_minor=300_000, loan_currency="JOD", loan_status="approved")
    refer(zaid, "microfinance", loan_minor=100_000, loan_currency="JOD", loan_status="rejected")
    HistoricalReferral.objects.create(batch=_batch(world, "referrals"), row=2, participant=layla,
                                      service="microfinance", provider="Old MFI", referred_on=today,
                                      loan_minor=150_000, loan_currency="JOD", loan_status="disbursed")
    mentor = MentorProfile.objects.create(participant=amal, occupation="Data clerk")
    Mentorship.objects.create(mentor=mentor, mentee=dana, started_on=today.replace(day=1))
    return pathway


def test_placements(root: Principal, careers: dict[str, Any]) -> None:
    assert table(root, "placed").total.value == 5
    assert table(root, "internships").total.value == 4
    assert cells(table(root, "placements", by="placement_kind")) == {
        "internship": 3, "apprenticeship": 1, "job": 1, "freelance": 0}
    assert cells(table(root, "placed", by="source")) == {"native": 3, "imported": 2}
    assert table(root, "completed_placements").total.value == 1


def test_the_funnel_ends_with_placed(root: Principal, careers: dict[str, Any]) -> None:
    from kasb.monitoring.indicators import FUNNEL, INDICATORS

    assert FUNNEL[-1] == "placed" and INDICATORS["placed"].available


def test_event_check_ins(root: Principal, careers: dict[str, Any]) -> None:
    assert table(root, "job_fair_participants").total.value == 3  # two participants and a walk-in
    by_kind = cells(table(root, "event_participants", by="event_kind"))
    assert by_kind["job_fair"] == 3 and by_kind["orientation"] == 1
    assert cells(table(root, "job_fair_participants", by="sex"))["female"] == 2


def test_referrals_loans_and_businesses(root: Principal, careers: dict[str, Any]) -> None:
    assert table(root, "business_counselling_referrals").total.value == 1
    assert table(root, "microfinance_referrals").total.value == 3
    assert cells(table(root, "microfinance_referrals", by="source")) == {"native": 2, "imported": 1}
    loans = table(root, "microfinance_loans")
    assert (loans.currency, loans.total.value) == ("JOD", 450_000)  # the rejected loan is not counted
    assert table(root, "businesses_started").total.value == 1
    assert table(root, "businesses_running_6_months").total.value == 1
    assert table(root, "mentoring_pairs").total.value == 1


def test_historical_records_feed_the_native_indicators(root: Principal, careers: dict[str, Any],
                                                       world: dict[str, Any]) -> None:
    assert table(root, "completed").total.value == 6  # five in Kasb, Rana's imported completion
    assert cells(table(root, "completed", by="source")) == {"native": 5, "imported": 1}
    rana = careers["people"][5]
    batch = _batch(world, "earnings")
    HistoricalEarning.objects.create(batch=batch, row=2, participant=rana, month=timezone.localdate().replace(day=1),
                                     amount_minor=20_000, currency="JOD", source="microwork")
    HistoricalEngagement.objects.create(batch=_batch(world, "microwork"), row=2, participant=rana, client="Old Client",
                                        task_type="transcription", tasks_done=40, started_on=timezone.localdate())
    income = table(root, "income_earned", by="source")
    assert cells(income)["imported"] == 20_000
    assert table(root, "found_microwork").total.value == 4
    assert table(root, "microwork_projects").total.value == 2  # the project and the old client


def test_a_programme_filter_leaves_historical_records_out(root: Principal, careers: dict[str, Any]) -> None:
    assert table(root, "completed", programme=str(careers["programme"].pk)).total.value == 5
    # every careers participant here is enrolled in the programme: the native placements stay
    assert table(root, "placed", programme=str(careers["programme"].pk)).total.value == 4


def test_small_careers_cells_are_hidden_for_outsiders(donor_officer_user: Any, careers: dict[str, Any]) -> None:
    from kasb.orgs.queries import principal_for_user

    donor = principal_for_user(donor_officer_user)
    t = table(donor, "placed", by="sex", suppress="1")
    assert t.suppressed and all(line.total.hidden for line in t.lines if line.total.n)
