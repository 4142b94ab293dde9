"""Reports prepared in the background: queued, built with progress, downloaded by whoever asked for them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.permissions import Principal, Role
from kasb.monitoring import services
from kasb.monitoring.models import ReportRun
from kasb.orgs.queries import principal_for_user

from .conftest import this_year

pytestmark = pytest.mark.django_db


def test_a_run_is_built_after_commit_with_progress_and_history(me_officer: Principal, pathway: dict[str, Any],
                                                               django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = services.request_report(actor=me_officer, parameters={**this_year(), "by": "sex"}, format="csv",
                                      language="en")
    run.refresh_from_db()
    assert run.status == ReportRun.Status.DONE and run.percent == 100 and run.suppressed
    assert [(h.from_status, h.to_status) for h in run.history.all()] == [("", "queued"), ("queued", "running"),
                                                                         ("running", "done")]
    rows = list(csv.reader(io.StringIO(run.file.open("rb").read().decode())))
    assert rows[1][0] == "#indicator+code"
    assert [r[5] for r in rows if r[:1] == ["registered"]] == ["", "", "9"]  # 5 and 4 hidden, total shown
    # Running it again changes nothing.
    assert services.build_report(run_id=run.pk).status == ReportRun.Status.DONE
    with pytest.raises(Conflict):
        services._move(run, ReportRun.Status.RUNNING)


def test_unsuppressed_only_for_those_allowed(me_officer: Principal, donor_officer_user: Any, pathway: dict[str, Any],
                                             django_capture_on_commit_callbacks: Any) -> None:
    donor = principal_for_user(donor_officer_user)
    with django_capture_on_commit_callbacks(execute=True):
        mine = services.request_report(actor=me_officer, parameters={**this_year(), "suppress": "0"}, format="xlsx",
                                       language="en")
        theirs = services.request_report(actor=donor, parameters={**this_year(), "suppress": "0"}, format="pdf",
                                         language="ar")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.suppressed, theirs.suppressed) == (False, True)
    assert theirs.file.open("rb").read().startswith(b"%PDF")


def test_bad_requests_are_refused_before_queueing(me_officer: Principal, member: Callable[..., Any]) -> None:
    with pytest.raises(ValidationFailed):
        services.request_report(actor=me_officer, parameters={"start": "nope"}, format="csv", language="en")
    with pytest.raises(ValidationFailed):
        services.request_report(actor=me_officer, parameters={}, format="docx", language="en")
    with pytest.raises(PermissionDenied):
        services.request_report(actor=principal_for_user(member(Role.TRAINER)), parameters={}, format="csv",
                                language="en")
    assert not ReportRun.objects.exists()


def test_a_run_fails_with_a_reason_when_permission_was_withdrawn(me_officer: Principal, me_officer_user: Any,
                                                                   world: dict[str, Any]) -> None:
    run = services.request_report(actor=me_officer, parameters={}, format="csv", language="en")
    me_officer_user.memberships.all().delete()
    run = services.build_report(run_id=run.pk)
    assert run.status == ReportRun.Status.FAILED and "permission" in run.message


def test_pages_prepare_show_progress_and_download(login: Callable[..., Client], me_officer_user: Any,
                                                  member: Callable[..., Any], pathway: dict[str, Any],
                                                  django_capture_on_commit_callbacks: Any) -> None:
    client = login(me_officer_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/monitoring/report/prepare/", {**this_year(), "format": "csv", "by": "sex"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Ready" in page.content.decode() and "Safe to share" in page.content.decode()
    run = ReportRun.objects.get()
    download = client.get(f"/en/monitoring/report/runs/{run.pk}/download/")
    assert download.status_code == 200 and b"#indicator+code" in download.getvalue()
    period = "&".join(f"{k}={v}" for k, v in this_year().items())
    assert "Your recent reports" in client.get(f"/en/monitoring/report/?{period}").content.decode()
    other = login(member(Role.ME_OFFICER))
    assert other.get(f"/en/monitoring/report/runs/{run.pk}/download/").status_code == 404
    bad = client.post("/en/monitoring/report/prepare/", {"start": "2026-02-30", "format": "csv"})
    assert bad.status_code == 302 and bad["Location"].endswith("/monitoring/report/")
