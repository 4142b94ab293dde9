"""The demo database's report reproduces a funnel whose numbers match a direct count of the records."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from kasb.core.permissions import Principal
from kasb.microwork.models import Assignment, Submission
from kasb.monitoring.context import parse_filters
from kasb.monitoring.queries import report
from kasb.outreach.models import Application
from kasb.payments.models import AccountKind, Entry, TransactionKind
from kasb.settings import DEMO_SECRET_KEY
from kasb.training.models import Enrolment


@pytest.fixture
def demo(db: Any, settings: Any) -> None:
    settings.SECRET_KEY = DEMO_SECRET_KEY
    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_demo_report_funnel_matches_a_direct_count(demo: None) -> None:
    today = timezone.localdate()
    # The whole history (ten years back, and the rest of the year for cohorts starting soon).
    filters = parse_filters({"start": f"{today.year - 9}-01-01", "end": f"{today.year}-12-31", "suppress": "0"})
    totals = {t.indicator.code: t.total.value for t in report(Principal(is_superuser=True), filters)
              if not t.currency}
    applications = Application.objects.all()
    direct = {
        "applied": (applications.filter(participant__isnull=False).values("participant_id").distinct().count()
                    + applications.filter(participant__isnull=True).count()),
        "enrolled": (Enrolment.objects.filter(participant__isnull=False, status__in=["active", "completed", "dropped"])
                     .values("participant_id").distinct().count()),
        "completed": (Enrolment.objects.filter(participant__isnull=False, status="completed")
                      .values("participant_id").distinct().count()),
        "onboarded": Assignment.objects.values("worker_id").distinct().count(),
        "found_microwork": Submission.objects.filter(status="approved").values("worker_id").distinct().count(),
        "first_earning": (Entry.objects.filter(account__kind=AccountKind.WORKER)
                          .filter(Q(transaction__kind__in=[TransactionKind.EARNING, TransactionKind.TOP_UP]))
                          .values("account__participant_id").distinct().count()),
    }
    assert {code: totals[code] for code in direct} == direct
    assert all(direct.values()), direct  # every step has people in the demo
