"""An M&E officer's main flow in a real browser: open the indicators dashboard, filter it by centre,
download the CSV (with its HXL row), and read the dashboard in Arabic, right to left."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kasb.accounts.models import User
from kasb.core.permissions import Principal, Role
from kasb.monitoring.tests.conftest import PEOPLE, _cohort, _enrol, register_people
from kasb.orgs.services import create_programme
from kasb.training.models import Enrolment
from kasb.training.services.enrolment import move_enrolment

from .conftest import go_to, sign_in_staff, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _programme_with_learners(root: Principal, world: dict[str, Any]) -> None:
    programme = create_programme(actor=root, partner=world["partner"], name="Livelihoods", country="JO",
                                 currency="JOD")
    people = register_people(root, world, PEOPLE * 2)
    enrolments = _enrol(root, _cohort(root, world, programme), people)
    for e in enrolments[:12]:
        move_enrolment(actor=root, enrolment=e, to=Enrolment.Status.COMPLETED, completion_checked=True)


def test_me_officer_filters_the_dashboard_downloads_csv_and_reads_it_in_arabic(
        desktop_page: Any, base_url: str, root: Principal, world: dict[str, Any], member: Callable[..., User],
        shoot: Callable[..., Path], tmp_path: Path) -> None:
    _programme_with_learners(root, world)
    officer = member(Role.ME_OFFICER)
    page = desktop_page
    sign_in_staff(page, base_url, officer)

    go_to(page, "/en/monitoring/")
    page.wait_for_url("**/en/monitoring/")
    assert page.locator("svg.chart").count() == 4
    assert "Safe to share" in page.get_by_test_id("suppression-note").inner_text()

    page.select_option("#f-centre", str(world["zaatari"].pk))
    page.fill("#f-start", f"{timezone.localdate().year}-01-01")
    with page.expect_navigation():
        page.click("form.filters >> nth=0 >> button[type=submit]")
    assert f"centre={world['zaatari'].pk}" in page.url
    # Zaatari has 4 learners: fewer than 5, so a donor-safe dashboard hides the figure.
    assert "…" in page.locator("svg.chart").first.inner_html()

    with page.expect_download() as download:
        page.get_by_test_id("csv").click()
    saved = tmp_path / "report.csv"
    download.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows[1][0] == "#indicator+code" and "#date+reported" in rows[1]
    enrolled = next(r for r in rows if r[0] == "enrolled")
    assert enrolled[-4] == "suppressed"

    switch_language(page, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.select_option("#f-centre", "")
    with page.expect_navigation():
        page.click("form.filters >> nth=0 >> button[type=submit]")
    assert "/ar/monitoring/" in page.url
    # Irbid and Zaatari together: 18 enrolled, shown.
    assert "18" in page.locator("svg.chart").first.inner_html()
    shoot(page, "monitoring-dashboard-ar")

    page.click("a[href^='/ar/monitoring/report/']")
    page.wait_for_url("**/ar/monitoring/report/**")
    assert page.locator("table").count() >= 15  # money tables appear once there are earnings
    shoot(page, "monitoring-report-ar", full_page=False)


def test_me_officer_installs_a_results_framework_and_reads_progress_on_a_phone(
        phone_page: Any, base_url: str, root: Principal, world: dict[str, Any], member: Callable[..., User],
        shoot: Callable[..., Path]) -> None:
    _programme_with_learners(root, world)
    officer = member(Role.ME_OFFICER)
    page = phone_page
    sign_in_staff(page, base_url, officer)
    year = timezone.localdate().year

    page.goto(f"{base_url}/en/monitoring/frameworks/")
    page.select_option("#f-template", "bot_digital_skills")
    page.fill("#f-first-year", str(year))
    with page.expect_navigation():
        page.click("form[aria-labelledby=h-new] button[type=submit]")
    assert "/edit/" in page.url
    assert "3190" in page.get_by_test_id("tree").inner_text()

    # Change one target with the plain form beside it.
    line = page.locator("li.line[data-code=staff_trained]")
    line.locator("input[name=period]").fill(str(year))
    line.locator("input[name=value]").fill("20")
    with page.expect_navigation():
        line.locator("button", has_text="Set target").click()
    assert f"{year}: 20" in page.get_by_test_id("tree").inner_text()

    page.click("text=Progress against target")
    page.fill("#f-period", f"{year}-{year + 2}")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    table = page.get_by_test_id("progress")
    completed = table.locator("tr", has_text="Completed training").first.inner_text()
    assert "3190" in completed and "12" in completed  # 12 of the 18 learners completed
    assert page.locator("svg.chart rect").count() > 10
    assert "Safe to share" in page.get_by_test_id("suppression-note").inner_text()
    shoot(page, "monitoring-framework-progress-phone")
