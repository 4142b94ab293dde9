"""Historical records in a real browser: an M&E officer, on a phone, uploads a small file of past enrolments
with one bad row, reads the row, column and reason, corrects the row, uploads again and sees it imported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kasb.accounts.models import User
from kasb.conftest import registration
from kasb.core.permissions import Principal, Role
from kasb.legacy.models import HistoricalEnrolment, ImportBatch
from kasb.participants.models import Participant
from kasb.participants.services import register_participant

from .conftest import go_to, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "participant,course,cohort,centre,started_on,ended_on,status,dropout_reason"


def enrolment_file(people: list[Participant], bad_start: str) -> dict[str, Any]:
    lines = [HEADER,
             f"{people[0].reference},Digital skills for work,Irbid spring 2022,Irbid Centre,2022-03-06,2022-05-26,"
             "completed,",
             f"{people[1].reference},Digital skills for work,Irbid spring 2022,Irbid Centre,{bad_start},2022-04-02,"
             "dropped_out,transport"]
    return {"name": "enrolments-2022.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode("utf-8")}


def test_an_me_officer_corrects_a_bad_row_and_imports_past_enrolments(
        phone_page: Any, base_url: str, member: Callable[..., User], root: Principal, world: dict[str, Any],
        shoot: Callable[..., Any]) -> None:
    people = [register_participant(actor=root, partner=world["partner"], data=registration(
        given_name=name, phone=phone, centre=world["irbid"]))
        for name, phone in (("Amal", "+962791234567"), ("Rami", "+962791234568"))]
    officer = member(Role.ME_OFFICER)
    page = phone_page
    sign_in_staff(page, base_url, officer)

    go_to(page, "/en/records/")
    page.wait_for_url("**/en/records/")
    shoot(page, "legacy-upload")
    page.select_option("select[name=record_type]", "enrolments")
    page.set_input_files("input[name=file]", enrolment_file(people, bad_start="06/13/2022"))
    page.click("main button[type=submit]")
    page.wait_for_url("**/records/imports/*/")
    assert page.inner_text("#batch-status") == "Rows have errors; nothing imported"
    cells = [c.strip() for c in page.locator("#import-errors tbody tr").first.locator("td").all_inner_texts()]
    assert cells[:2] == ["3", "started_on"] and "06/13/2022" in cells[2] and "YYYY-MM-DD" in cells[2]
    shoot(page, "legacy-enrolments-bad-row")
    assert not HistoricalEnrolment.objects.exists()

    page.click("text=Import another file")
    page.set_input_files("input[name=file]", enrolment_file(people, bad_start="2022-03-06"))
    page.click("main button[type=submit]")
    page.wait_for_url("**/records/imports/*/")
    assert page.inner_text("#batch-status") == "Imported"
    assert page.inner_text("#imported").strip().startswith("2 records imported.")
    assert page.locator("#import-errors").count() == 0
    shoot(page, "legacy-enrolments-imported")
    assert sorted(HistoricalEnrolment.objects.values_list("participant__given_name", "status")) == [
        ("Amal", "completed"), ("Rami", "dropped_out")]
    assert list(ImportBatch.objects.order_by("pk").values_list("status", flat=True)) == ["failed", "done"]

    page.click("text=Import another file")
    assert page.locator("#batches li").count() == 2
