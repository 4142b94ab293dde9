"""Historical records: every type imports, every bad row is named, nothing half-imported, nothing paid."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType

from kasb.careers.models import FollowUp, Placement
from kasb.core.errors import PermissionDenied
from kasb.core.permissions import Principal
from kasb.legacy.models import (
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
from kasb.legacy.services import start_import
from kasb.participants.models import Participant
from kasb.payments.models import Account, Entry, LedgerTransaction
from kasb.skills.models import VerifiedSkill
from kasb.training.models import Certificate, Course, Enrolment

S = ImportBatch.Status
Run = Callable[..., ImportBatch]


def problems(batch: ImportBatch) -> list[tuple[int, str]]:
    return [(e["row"], e["column"]) for e in batch.errors]


def enrolment(who: str, **overrides: Any) -> dict[str, Any]:
    row = {"participant": who, "course": "Digital skills for work", "cohort": "Irbid spring 2022",
           "centre": "Irbid Centre", "started_on": "2022-03-06", "ended_on": "2022-05-26", "status": "completed",
           "dropout_reason": "", "partner_verified": "no", "skills": ""}
    row.update(overrides)
    return row


def earning(who: str, **overrides: Any) -> dict[str, Any]:
    row = {"participant": who, "month": "2022-07", "amount": "85.250", "currency": "JOD", "source": "microwork"}
    row.update(overrides)
    return row


# --- each type's happy path ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_enrolments_and_completions_are_kept_with_their_dates_and_no_certificate(
        fmt: str, run_import: Run, me_officer: Principal, people: list[Participant], course: Course) -> None:
    amal, rami, noor = people
    batch = run_import(me_officer, RecordType.ENROLMENTS, [
        enrolment(amal.reference),
        enrolment(rami.reference, status="dropped_out", dropout_reason="transport", ended_on="2022-04-01"),
        enrolment(noor.reference, course="Sewing", centre="", status="enrolled", ended_on="", cohort=""),
    ], fmt=fmt)
    assert batch.status == S.DONE, batch.errors
    assert batch.imported_rows == 3
    rows = {r.participant_id: r for r in HistoricalEnrolment.objects.filter(batch=batch)}
    assert rows[amal.pk].status == "completed" and rows[amal.pk].ended_on == date(2022, 5, 26)
    assert rows[amal.pk].course == course  # the course Kasb knows, by its title
    assert rows[rami.pk].dropout_reason == "transport"
    assert rows[noor.pk].course is None and rows[noor.pk].course_name == "Sewing"
    # A historical completion is not a Kasb completion: no live enrolment, no certificate, no verified skill.
    assert not Enrolment.objects.exists() and not Certificate.objects.exists()
    assert not VerifiedSkill.objects.exists()


def test_a_completion_the_partner_verified_verifies_the_course_skills_as_a_historical_record(
        run_import: Run, me_officer: Principal, people: list[Participant], course: Course) -> None:
    amal, rami, _noor = people
    batch = run_import(me_officer, RecordType.ENROLMENTS, [
        enrolment(amal.reference, partner_verified="yes"),
        enrolment(rami.reference, partner_verified="yes", skills="data-entry"),
    ])
    assert batch.status == S.DONE, batch.errors
    skills = VerifiedSkill.objects.filter(evidence_type="legacy.historical_record")
    assert sorted(s.skill.code for s in skills if s.participant_id == amal.pk) == ["computer-basics", "email"]
    assert [s.skill.code for s in skills if s.participant_id == rami.pk] == ["data-entry"]
    assert not Certificate.objects.exists()
    # Each verified skill is marked as imported by this batch.
    marks = ImportedRecord.objects.filter(batch=batch, content_type=ContentType.objects.get_for_model(VerifiedSkill))
    assert sorted(marks.values_list("object_id", flat=True)) == sorted(str(s.pk) for s in skills)
    assert batch.native_records == 3


def test_placements_with_a_known_employer_become_careers_placements_marked_as_imported(
        run_import: Run, manager: Principal, people: list[Participant]) -> None:
    amal, rami, _noor = people
    batch = run_import(manager, RecordType.PLACEMENTS, [
        {"participant": amal.reference, "kind": "internship", "employer": "hire ltd", "title": "Data entry intern",
         "started_on": "2022-07-01", "ended_on": "2022-09-30", "wage": "150.000", "wage_currency": "JOD",
         "wage_period": "month", "completed": "yes"},
        {"participant": rami.reference, "kind": "job", "employer": "Bakery Abu Ali", "title": "Cashier",
         "started_on": "2021-01-10"},
    ])
    assert batch.status == S.DONE, batch.errors
    placement = Placement.objects.get()
    assert (placement.participant, placement.starts_on, placement.wage_minor, placement.completed) == (
        amal, date(2022, 7, 1), 150_000, True)
    assert ImportedRecord.objects.filter(batch=batch, object_id=str(placement.pk)).exists()
    kept = HistoricalPlacement.objects.get(batch=batch)
    assert (kept.participant, kept.employer, kept.title) == (rami, "Bakery Abu Ali", "Cashier")
    # A 2022 placement: its 3-, 6- and 12-month follow-ups are long past, so no reminder is created for them.
    assert FollowUp.objects.filter(placement=placement).count() == 0


def test_an_me_officer_who_cannot_record_placements_keeps_them_as_historical(
        run_import: Run, me_officer: Principal, people: list[Participant]) -> None:
    batch = run_import(me_officer, RecordType.PLACEMENTS, [
        {"participant": people[0].reference, "kind": "internship", "employer": "Hire Ltd", "title": "Intern",
         "started_on": "2022-07-01"}])
    assert batch.status == S.DONE, batch.errors
    assert not Placement.objects.exists()
    assert HistoricalPlacement.objects.filter(batch=batch, employer="Hire Ltd").count() == 1


def test_microwork_referrals_and_surveys(run_import: Run, me_officer: Principal, people: list[Participant]) -> None:
    amal, rami, noor = people
    work = run_import(me_officer, RecordType.MICROWORK, [
        {"participant": amal.reference, "client": "Data Co", "task_type": "image labelling", "tasks_done": "420",
         "hours": "36.5", "started_on": "2022-06-01", "ended_on": "2022-08-31"}])
    referrals = run_import(me_officer, RecordType.REFERRALS, [
        {"participant": rami.reference, "service": "microfinance", "provider": "Tamweelcom",
         "referred_on": "2022-10-12", "status": "completed", "outcome": "Loan for a sewing shop",
         "loan_amount": "500", "loan_currency": "JOD", "loan_status": "disbursed", "business_started": "yes"}])
    surveys = run_import(me_officer, RecordType.SURVEYS, [
        {"participant": noor.reference, "survey": "6-month tracer", "answered_on": "2022-12-01", "employed": "yes",
         "earnings": "220", "earnings_currency": "JOD", "using_skills": "no"}])
    assert [b.status for b in (work, referrals, surveys)] == [S.DONE] * 3
    engagement = HistoricalEngagement.objects.get()
    assert (engagement.tasks_done, str(engagement.hours)) == (420, "36.50")
    referral = HistoricalReferral.objects.get()
    assert (referral.loan_minor, referral.loan_currency, referral.business_started) == (500_000, "JOD", True)
    response = HistoricalSurveyResponse.objects.get()
    assert (response.employed, response.using_skills, response.earnings_minor) == (True, False, 220_000)


def test_earnings_are_kept_in_minor_units_and_never_reach_the_ledger(
        run_import: Run, me_officer: Principal, people: list[Participant]) -> None:
    entries, transactions, accounts = Entry.objects.count(), LedgerTransaction.objects.count(), Account.objects.count()
    batch = run_import(me_officer, RecordType.EARNINGS, [
        earning(people[0].reference), earning(people[0].reference, month="2022-08", amount="12.5", currency="USD"),
        earning(people[1].reference, amount="1,250.000", source="freelance")])
    assert batch.status == S.DONE, batch.errors
    assert sorted(HistoricalEarning.objects.values_list("amount_minor", "currency", "month")) == [
        (1250, "USD", date(2022, 8, 1)), (85_250, "JOD", date(2022, 7, 1)), (1_250_000, "JOD", date(2022, 7, 1))]
    assert (Entry.objects.count(), LedgerTransaction.objects.count(), Account.objects.count()) == (
        entries, transactions, accounts)
    assert not ImportedRecord.objects.filter(batch=batch).exists()


def test_participants_are_found_by_old_id_and_by_unhcr_number(
        run_import: Run, me_officer: Principal, people: list[Participant]) -> None:
    amal, rami, _noor = people
    links = run_import(me_officer, RecordType.OLD_IDS, [{"participant": rami.reference, "old_id": "AY-2019-0042"}])
    assert links.status == S.DONE, links.errors
    assert FormerId.objects.get().participant == rami
    batch = run_import(me_officer, RecordType.EARNINGS, [earning("AY-2019-0042"), earning("945-00123456")])
    assert batch.status == S.DONE, batch.errors
    assert sorted(HistoricalEarning.objects.values_list("participant_id", flat=True)) == sorted([amal.pk, rami.pk])
    again = run_import(me_officer, RecordType.OLD_IDS, [{"participant": amal.reference, "old_id": "AY-2019-0042"}])
    assert again.status == S.FAILED and problems(again) == [(2, "old_id")]
    assert rami.reference in again.errors[0]["reason"]


# --- bad rows --------------------------------------------------------------------------------------

def test_every_bad_row_is_named_by_row_column_and_reason_and_nothing_is_imported(
        run_import: Run, me_officer: Principal, people: list[Participant]) -> None:
    ref = people[0].reference
    batch = run_import(me_officer, RecordType.EARNINGS, [
        earning(ref),                                   # row 2: good
        earning("P0000NOPE"),                           # row 3: unknown participant
        earning(ref, month="July 2022"),                # row 4: bad month
        earning(ref, month="2022-09", amount="85.2501"),  # row 5: too many decimals for JOD
        earning(ref, month="2022-10", currency="JDD"),  # row 6: unknown currency
        earning(ref),                                   # row 7: the same as row 2
    ])
    assert batch.status == S.FAILED
    assert problems(batch) == [(3, "participant"), (4, "month"), (5, "amount"), (6, "currency"), (7, "month")]
    reasons = [e["reason"] for e in batch.errors]
    assert "P0000NOPE" in reasons[0] and "July 2022" in reasons[1] and "3 decimal places" in reasons[2]
    assert "JDD" in reasons[3] and "row 2" in reasons[4]
    assert not HistoricalEarning.objects.exists() and batch.imported_rows == 0


def test_bad_dates_in_the_past_and_the_future(run_import: Run, me_officer: Principal,
                                              people: list[Participant]) -> None:
    ref = people[0].reference
    batch = run_import(me_officer, RecordType.ENROLMENTS, [
        enrolment(ref, started_on="31/02/2022"),
        enrolment(ref, started_on="2022-05-01", ended_on="2022-04-01"),
        enrolment(ref, started_on="2099-01-01", ended_on="", status="enrolled"),
        enrolment(ref, status="completed", ended_on=""),
    ])
    assert problems(batch) == [(2, "started_on"), (3, "ended_on"), (4, "started_on"), (5, "ended_on")]


def test_the_valid_rows_are_imported_when_asked_and_the_others_listed(
        run_import: Run, me_officer: Principal, people: list[Participant]) -> None:
    ref = people[0].reference
    batch = run_import(me_officer, RecordType.EARNINGS, [earning(ref), earning("P0000NOPE"),
                                                         earning(ref, month="2022-08")], valid_rows=True)
    assert batch.status == S.PARTIAL
    assert (batch.imported_rows, problems(batch)) == (2, [(3, "participant")])
    assert HistoricalEarning.objects.count() == 2


def test_a_record_already_imported_is_refused_the_second_time(
        run_import: Run, me_officer: Principal, people: list[Participant]) -> None:
    first = run_import(me_officer, RecordType.EARNINGS, [earning(people[0].reference)])
    second = run_import(me_officer, RecordType.EARNINGS, [earning(people[0].reference)])
    assert first.status == S.DONE and second.status == S.FAILED
    assert f"import {first.pk}" in second.errors[0]["reason"]


def test_another_partners_participant_is_refused(run_import: Run, me_officer: Principal,
                                                 people: list[Participant], stranger: Participant) -> None:
    batch = run_import(me_officer, RecordType.EARNINGS, [earning(stranger.reference)])
    assert batch.status == S.FAILED and problems(batch) == [(2, "participant")]
    assert not HistoricalEarning.objects.exists()


def test_only_monitoring_staff_of_the_partner_may_import(
        me_officer: Principal, coordinator: Principal, world: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        start_import(actor=coordinator, partner=world["partner"], record_type=RecordType.EARNINGS, name="e.csv",
                     content=b"participant\n")
    with pytest.raises(PermissionDenied):
        start_import(actor=me_officer, partner=world["other"], record_type=RecordType.EARNINGS, name="e.csv",
                     content=b"participant\n")


def test_unknown_and_missing_columns_stop_the_file(run_import: Run, me_officer: Principal) -> None:
    batch = run_import(me_officer, RecordType.EARNINGS, [], header=["participant", "amount", "colour"])
    assert batch.status == S.ERROR and "colour" in batch.message
    batch = run_import(me_officer, RecordType.EARNINGS, [], header=["participant", "amount"])
    assert batch.status == S.ERROR and "month" in batch.message and "currency" in batch.message


# --- undo --------------------------------------------------------------------------------------------

def test_undo_removes_the_records_and_revokes_the_skills(
        run_import: Run, me_officer: Principal, people: list[Participant], course: Course) -> None:
    from kasb.legacy.services import undo_batch

    batch = run_import(me_officer, RecordType.ENROLMENTS, [enrolment(people[0].reference, partner_verified="yes")])
    undone = undo_batch(actor=me_officer, batch=batch, reason="wrong file")
    assert undone.status == S.UNDONE
    assert not HistoricalEnrolment.objects.exists() and not ImportedRecord.objects.exists()
    assert all(s.revoked_at for s in VerifiedSkill.objects.all()) and VerifiedSkill.objects.exists()
    assert list(undone.history.values_list("to_status", flat=True)) == ["queued", "running", "done", "undone"]


# --- size ----------------------------------------------------------------------------------------------

def test_a_file_of_ten_thousand_rows_imports(run_import: Run, me_officer: Principal,
                                             people: list[Participant]) -> None:
    sources = ["microwork", "job", "freelance", "business", "other", "internship"]
    # Every row a different (participant, source, month): 3 people x 6 sources x 556 months from 1980.
    rows = [earning(people[i % 3].reference, source=sources[i // 3 % 6],
                    month=f"{1980 + i // 18 // 12}-{i // 18 % 12 + 1:02d}", amount=f"{i % 900 + 1}.125")
            for i in range(10_000)]
    batch = run_import(me_officer, RecordType.EARNINGS, rows)
    assert batch.status == S.DONE, batch.errors[:3]
    assert HistoricalEarning.objects.count() == 10_000


def test_undo_is_refused_once_placements_were_recorded_in_careers(
        run_import: Run, manager: Principal, people: list[Participant]) -> None:
    from kasb.core.errors import Conflict
    from kasb.legacy.services import undo_batch

    batch = run_import(manager, RecordType.PLACEMENTS, [
        {"participant": people[0].reference, "kind": "job", "employer": "Hire Ltd", "title": "Clerk",
         "started_on": "2023-02-01"}])
    with pytest.raises(Conflict) as refused:
        undo_batch(actor=manager, batch=batch)
    assert refused.value.code == "built_upon"
    assert Placement.objects.count() == 1


def test_a_finished_batch_is_not_run_again(run_import: Run, me_officer: Principal,
                                           people: list[Participant]) -> None:
    from kasb.legacy.services import process_import

    batch = run_import(me_officer, RecordType.EARNINGS, [earning(people[0].reference)])
    assert process_import(batch=batch).status == S.DONE
    assert HistoricalEarning.objects.count() == 1


def test_an_id_number_two_people_share_is_refused_as_ambiguous(
        run_import: Run, me_officer: Principal, people: list[Participant], coordinator: Principal,
        world: dict[str, Any]) -> None:
    from kasb.conftest import registration
    from kasb.participants.services import register_participant

    register_participant(actor=coordinator, partner=world["partner"], data=registration(
        given_name="Huda", phone="+962791234570", id_kind="unhcr", id_number="945-00123456",
        centre=world["irbid"]))
    batch = run_import(me_officer, RecordType.EARNINGS, [earning("945-00123456")])
    assert problems(batch) == [(2, "participant")] and "more than one" in batch.errors[0]["reason"]


def test_an_xlsx_file_with_numbers_and_date_cells(run_import: Run, me_officer: Principal,
                                                  people: list[Participant]) -> None:
    run_import(me_officer, RecordType.OLD_IDS, [{"participant": people[2].reference, "old_id": "1042"}])
    batch = run_import(me_officer, RecordType.MICROWORK, [
        {"participant": "1042", "client": "Data Co", "task_type": "transcription", "tasks_done": "12",
         "hours": "3.25", "started_on": "2021-11-02", "ended_on": "2021-11-30"}], fmt="xlsx")
    assert batch.status == S.DONE, batch.errors
    engagement = HistoricalEngagement.objects.get()
    assert (engagement.participant, engagement.started_on) == (people[2], date(2021, 11, 2))


def test_a_verified_completion_of_a_course_kasb_does_not_know_must_name_its_skills(
        run_import: Run, me_officer: Principal, people: list[Participant]) -> None:
    batch = run_import(me_officer, RecordType.ENROLMENTS, [
        enrolment(people[0].reference, course="Sewing", partner_verified="yes"),
        enrolment(people[1].reference, course="Sewing", partner_verified="yes", skills="no-such-skill"),
        enrolment(people[2].reference, status="enrolled", ended_on="", partner_verified="yes")])
    assert problems(batch) == [(2, "skills"), (3, "skills"), (4, "partner_verified")]
    assert "no-such-skill" in batch.errors[1]["reason"]

