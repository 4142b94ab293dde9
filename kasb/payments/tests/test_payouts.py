"""Payout batches: maker–checker, money in transit, provider files, result files applied once."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.permissions import Principal
from kasb.participants.models import Participant
from kasb.payments.models import LedgerTransaction, PayoutBatch, PayoutLine, Reservation
from kasb.payments.providers import ResultFileError
from kasb.payments.queries import reconciliation, statement_page, trial_balance
from kasb.payments.services import (
    approve_batch,
    create_batch,
    import_results,
    pay_from_reservation,
    place_hold,
    produce_batch_file,
    worker_account,
)
from kasb.payments.services.ledger import drifted_accounts

from .conftest import jod


def earn(finance: Principal, funded: Reservation, worker: Participant, amount: str, key: str) -> None:
    pay_from_reservation(actor=finance, reservation=funded, worker=worker, amount=jod(amount), fee=None,
                         memo=f"Task {key} approved", purpose=("microwork.submission", key), idempotency_key=key)


def balance(worker: Participant) -> str:
    return worker_account(worker, "JOD").available.plain()


def result_file(rows: list[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payout_id", "status", "amount", "currency", "provider_reference", "reason"])
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def approve(django_capture_on_commit_callbacks: Any) -> Any:
    """Approve as the checker and run what happens after commit (the provider file is written)."""
    def run(checker: Principal, batch: PayoutBatch) -> PayoutBatch:
        with django_capture_on_commit_callbacks(execute=True):
            approve_batch(actor=checker, batch=batch)
        batch.refresh_from_db()
        return batch
    return run


@pytest.fixture
def three(finance: Principal, funded: Reservation, make_worker: Any) -> list[Participant]:
    """Three workers with 12.500, 3.000 (below the 5.000 minimum) and 20.000 JOD (unverified wallet)."""
    rich, poor, unverified = make_worker(), make_worker(), make_worker(verified=False)
    earn(finance, funded, rich, "12.5", "a")
    earn(finance, funded, poor, "3", "b")
    earn(finance, funded, unverified, "20", "c")
    return [rich, poor, unverified]


def test_a_batch_takes_only_balances_that_can_be_paid(finance: Principal, three: list[Participant],
                                                      world: dict[str, Any]) -> None:
    batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD",
                         minimum=jod("5"))
    lines = list(batch.lines.all())
    assert [(line.participant_id, line.money) for line in lines] == [(three[0].pk, jod("12.5"))]
    with pytest.raises(ValidationFailed) as error:  # the balance is already in an open batch
        create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD",
                     minimum=jod("5"))
    assert error.value.code == "nothing_to_pay"


def test_held_workers_are_left_out(finance: Principal, three: list[Participant], world: dict[str, Any]) -> None:
    place_hold(actor=finance, participant=three[0], reason="Dispute over task 88")
    with pytest.raises(ValidationFailed):
        create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD",
                     minimum=jod("5"))


def test_the_maker_cannot_approve_and_approval_moves_money_once(approve: Any, finance: Principal, checker: Principal,
                                                                three: list[Participant],
                                                                world: dict[str, Any]) -> None:
    batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD")
    with pytest.raises(PermissionDenied) as error:
        approve_batch(actor=finance, batch=batch)
    assert error.value.code == "maker_checker"
    approved = approve(checker, batch)
    assert approved.status == PayoutBatch.Status.SENT  # the file is produced after commit
    assert balance(three[0]) == "0.000" and balance(three[1]) == "0.000"
    with pytest.raises(Conflict):
        approve_batch(actor=checker, batch=batch)
    assert LedgerTransaction.objects.filter(kind="payout").count() == 1
    assert trial_balance(partner_id=world["partner"].pk) == {"JOD": 0}
    (rec,) = reconciliation(partner_id=world["partner"].pk)
    assert rec.agrees and rec.in_transit == jod("15.5")


def test_a_balance_that_fell_after_the_draft_is_not_sent(finance: Principal, checker: Principal,
                                                         three: list[Participant], world: dict[str, Any]) -> None:
    from kasb.payments.services import correct_transaction

    batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD",
                         minimum=jod("5"))
    correct_transaction(actor=finance, transaction_id=LedgerTransaction.objects.get(idempotency_key="a").pk,
                        reason="Task was a duplicate")
    approve_batch(actor=checker, batch=batch)
    line = PayoutLine.objects.get(batch=batch)
    assert line.status == PayoutLine.Status.DROPPED and "balance fell" in line.reason
    assert balance(three[0]) == "0.000"
    assert not LedgerTransaction.objects.filter(kind="payout").exists()


def test_the_mobile_money_file_names_every_payout_id(approve: Any, finance: Principal, checker: Principal,
                                                    three: list[Participant], world: dict[str, Any]) -> None:
    batch = approve(checker, create_batch(actor=finance, partner=world["partner"],
                                                            provider="mobile_money", currency="JOD"))
    rows = list(csv.DictReader(io.StringIO(batch.file.read().decode())))
    lines = {line.payout_id: line for line in batch.lines.all()}
    assert {row["payout_id"] for row in rows} == set(lines)
    assert {row["amount"] for row in rows} == {"12.500", "3.000"}
    assert all(row["msisdn"].startswith("+9627950") for row in rows)
    again = produce_batch_file(batch_id=batch.pk)
    assert again.file_sha256 == batch.file_sha256


def test_results_pay_and_return_failed_money_with_the_reason(approve: Any, finance: Principal, checker: Principal,
                                                             three: list[Participant],
                                                             world: dict[str, Any]) -> None:
    batch = approve(checker, create_batch(actor=finance, partner=world["partner"],
                                                            provider="mobile_money", currency="JOD"))
    rich = PayoutLine.objects.get(batch=batch, participant=three[0])
    poor = PayoutLine.objects.get(batch=batch, participant=three[1])
    data = result_file([(rich.payout_id, "paid", "12.500", "JOD", "MM-1", ""),
                        (poor.payout_id, "failed", "3.000", "JOD", "", "Wallet not registered")])
    imported = import_results(actor=finance, batch=batch, file_name="results.csv", data=data)
    assert (imported.paid, imported.failed, imported.report) == (1, 1, [])
    assert balance(three[0]) == "0.000" and balance(three[1]) == "3.000"
    newest = statement_page(worker_account(three[1], "JOD"))[0]
    assert "Wallet not registered" in newest.transaction.memo
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED
    # The same file again: nothing moves.
    before = LedgerTransaction.objects.count()
    again = import_results(actor=finance, batch=batch, file_name="results.csv", data=data)
    assert (again.paid, again.failed, again.already_applied) == (0, 0, 2)
    assert LedgerTransaction.objects.count() == before
    assert trial_balance(partner_id=world["partner"].pk) == {"JOD": 0} and drifted_accounts() == []
    # A later file that contradicts a settled payout is reported, not applied.
    contradict = import_results(actor=finance, batch=batch, file_name="late.csv",
                                data=result_file([(poor.payout_id, "paid", "3.000", "JOD", "MM-2", "")]))
    assert contradict.paid == 0 and "already" in contradict.report[0]["reason"]
    assert balance(three[1]) == "3.000"


def test_unknown_and_duplicate_ids_are_reported_not_applied(approve: Any, finance: Principal, checker: Principal,
                                                            three: list[Participant], world: dict[str, Any]) -> None:
    batch = approve(checker, create_batch(actor=finance, partner=world["partner"],
                                                            provider="mobile_money", currency="JOD"))
    rich = PayoutLine.objects.get(batch=batch, participant=three[0])
    poor = PayoutLine.objects.get(batch=batch, participant=three[1])
    imported = import_results(actor=finance, batch=batch, file_name="r.csv", data=result_file([
        ("KPDOESNOTEXIST", "paid", "1.000", "JOD", "", ""),
        (rich.payout_id, "paid", "12.500", "JOD", "", ""),
        (rich.payout_id, "paid", "12.500", "JOD", "", ""),
        (poor.payout_id, "paid", "3.000", "JOD", "", "")]))
    assert imported.paid == 1
    assert sorted(entry["row"] for entry in imported.report) == [2, 3, 4]
    assert PayoutLine.objects.get(pk=rich.pk).status == PayoutLine.Status.IN_TRANSIT


@pytest.mark.parametrize(("row", "column"), [
    (("{id}", "paid", "12.5000", "JOD", "", ""), "amount"),       # more decimals than JOD has
    (("{id}", "paid", "-12.500", "JOD", "", ""), "amount"),       # negative
    (("{id}", "paid", "12.50", "USD", "", ""), "currency"),       # wrong currency
    (("{id}", "paid", "12.499", "JOD", "", ""), "amount"),        # not the amount sent
    (("{id}", "sent", "12.500", "JOD", "", ""), "status"),        # unknown status
    (("{id}", "failed", "12.500", "JOD", "", ""), "reason"),      # a failure without its reason
    (("", "paid", "12.500", "JOD", "", ""), "payout_id"),
])
def test_a_bad_row_rejects_the_whole_file_with_row_and_column(approve: Any, finance: Principal, checker: Principal,
                                                              three: list[Participant], world: dict[str, Any],
                                                              row: tuple[str, ...], column: str) -> None:
    batch = approve(checker, create_batch(actor=finance, partner=world["partner"],
                                                            provider="mobile_money", currency="JOD"))
    rich = PayoutLine.objects.get(batch=batch, participant=three[0])
    poor = PayoutLine.objects.get(batch=batch, participant=three[1])
    good = (poor.payout_id, "paid", "3.000", "JOD", "", "")
    bad = tuple(cell.format(id=rich.payout_id) for cell in row)
    before = LedgerTransaction.objects.count()
    with pytest.raises(ResultFileError) as error:
        import_results(actor=finance, batch=batch, file_name="bad.csv", data=result_file([good, bad]))
    assert [(d["row"], d["column"]) for d in error.value.details] == [(3, column)]
    assert LedgerTransaction.objects.count() == before
    assert PayoutLine.objects.get(pk=poor.pk).status == PayoutLine.Status.IN_TRANSIT


@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00garbage", b"payout_id,amount\nKP1,1\n",
                                  b"payout_id,status,amount,currency\n"])
def test_malformed_files_are_refused(approve: Any, finance: Principal, checker: Principal, three: list[Participant],
                                     world: dict[str, Any], data: bytes) -> None:
    batch = approve(checker, create_batch(actor=finance, partner=world["partner"],
                                                            provider="mobile_money", currency="JOD"))
    with pytest.raises(ResultFileError) as error:
        import_results(actor=finance, batch=batch, file_name="x.csv", data=data)
    assert error.value.message and error.value.details


def test_the_bank_file_neutralises_spreadsheet_formulas(approve: Any, finance: Principal, checker: Principal,
                                                        funded: Reservation, make_worker: Any, coordinator: Principal,
                                                        world: dict[str, Any]) -> None:
    from kasb.payments.services import add_payout_method, decide_payout_method

    worker = make_worker(provider="")
    method = add_payout_method(actor=coordinator, participant=worker, kind="bank", provider="bank_transfer",
                               iban="JO94CBJO0010000000000131000302", account_name="=HYPERLINK(\"x\")")
    decide_payout_method(actor=coordinator, method=method, verified=True)
    earn(finance, funded, worker, "9", "bank-1")
    batch = approve(checker, create_batch(actor=finance, partner=world["partner"],
                                                            provider="bank_transfer", currency="JOD"))
    (row,) = list(csv.DictReader(io.StringIO(batch.file.read().decode())))
    assert row["account_name"].startswith("'=") and row["iban"] == "JO94CBJO0010000000000131000302"


def test_workers_are_told_the_outcome_once_in_their_language(approve: Any, finance: Principal, checker: Principal,
                                                             three: list[Participant], world: dict[str, Any],
                                                             settings: Any, django_capture_on_commit_callbacks: Any
                                                             ) -> None:
    import json
    from pathlib import Path

    from kasb.payments.services.payouts import notify_settled_payouts

    batch = approve(checker, create_batch(actor=finance, partner=world["partner"], provider="mobile_money",
                                          currency="JOD"))
    rich = PayoutLine.objects.get(batch=batch, participant=three[0])
    poor = PayoutLine.objects.get(batch=batch, participant=three[1])
    with django_capture_on_commit_callbacks(execute=True):
        import_results(actor=finance, batch=batch, file_name="r.csv", data=result_file([
            (rich.payout_id, "paid", "12.500", "JOD", "MM-1", ""),
            (poor.payout_id, "failed", "3.000", "JOD", "", "Wallet not registered")]))
    assert notify_settled_payouts(line_ids=[rich.pk, poor.pk]) == 0  # already told: a rerun sends nothing
    messages = [json.loads(line) for line in
                (Path(settings.SMS_FILE_PATH) / "messages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(messages) == 2
    by_phone = {m["to"]: m["text"] for m in messages}
    assert rich.payout_id in by_phone[three[0].phone] and "12.500 JOD" in by_phone[three[0].phone]
    assert "Wallet not registered" in by_phone[three[1].phone]
    # A Jordanian partner's participants without a sign-in are written to in Arabic.
    assert any("\u0600" <= ch <= "\u06ff" for ch in by_phone[three[0].phone]) or not _arabic_catalogue_has(
        "Kasb: %(amount)s has been paid (payout %(id)s, %(method)s %(masked)s).")


def _arabic_catalogue_has(msgid: str) -> bool:
    from django.utils.translation import gettext, override

    with override("ar"):
        return gettext(msgid) != msgid


@pytest.mark.parametrize("data", [b"payout_id,status,amount,currency\r\nKP1,paid,1\r000,JOD\n",
                                  b"payout_id,status,amount,currency\n\"KP1,paid,1.000,JOD\n"])
def test_broken_csv_is_a_clear_error_not_a_crash(approve: Any, finance: Principal, checker: Principal,
                                                 three: list[Participant], world: dict[str, Any], data: bytes) -> None:
    batch = approve(checker, create_batch(actor=finance, partner=world["partner"], provider="mobile_money",
                                          currency="JOD"))
    with pytest.raises(ResultFileError):
        import_results(actor=finance, batch=batch, file_name="x.csv", data=data)


def test_absurd_amounts_are_refused() -> None:
    from kasb.core.money import Money

    with pytest.raises(ValidationFailed) as error:
        Money.parse("1e30", "JOD")
    assert error.value.code == "amount_too_large"


def test_a_large_result_file_is_checked_now_and_applied_in_chunks_in_the_background(
        approve: Any, finance: Principal, checker: Principal, three: list[Participant], world: dict[str, Any],
        django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from kasb.payments.models import ResultImport
    from kasb.payments.services import apply_result_import, result_files

    batch = approve(checker, create_batch(actor=finance, partner=world["partner"], provider="mobile_money",
                                          currency="JOD"))
    rich = PayoutLine.objects.get(batch=batch, participant=three[0])
    poor = PayoutLine.objects.get(batch=batch, participant=three[1])
    data = result_file([(rich.payout_id, "paid", "12.500", "JOD", "MM-1", ""),
                        ("P-NOT-OURS", "paid", "1.000", "JOD", "", ""),
                        (poor.payout_id, "failed", "3.000", "JOD", "", "Wallet not registered")])
    monkeypatch.setattr(result_files, "CHUNK", 1)
    # The task stops after the first chunk (a worker killed half-way): that chunk stays applied and counted.
    settle = result_files._settle
    calls = iter(range(100))

    def dies_on_the_second(*args: Any) -> str:
        if next(calls) == 1:
            raise RuntimeError("worker killed")
        return settle(*args)

    monkeypatch.setattr(result_files, "_settle", dies_on_the_second)
    with django_capture_on_commit_callbacks(execute=True):  # the task's failure is logged, not raised here
        import_results(actor=finance, batch=batch, file_name="big.csv", data=data, background=True)
    started = ResultImport.objects.get(batch=batch)
    assert started.status == ResultImport.Status.RUNNING and started.total_rows == 3
    assert started.applied_rows == 1 and started.paid == 1 and balance(three[0]) == "0.000"
    assert [r["payout_id"] for r in started.report] == ["P-NOT-OURS"]     # reported when the file was checked
    # Run again: it resumes at the second payout and counts nothing twice.
    monkeypatch.setattr(result_files, "_settle", settle)
    with django_capture_on_commit_callbacks(execute=True):
        done = apply_result_import(import_id=started.pk)
    assert (done.status, done.applied_rows, done.paid, done.failed, done.already_applied) == ("done", 2, 1, 1, 0)
    assert not done.file and balance(three[1]) == "3.000"
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED
    assert apply_result_import(import_id=started.pk).paid == 1            # a third run does nothing
    assert trial_balance(partner_id=world["partner"].pk) == {"JOD": 0} and drifted_accounts() == []


def test_a_bad_row_in_a_large_file_rejects_it_before_anything_is_kept(
        approve: Any, finance: Principal, checker: Principal, three: list[Participant],
        world: dict[str, Any]) -> None:
    from kasb.payments.models import ResultImport

    batch = approve(checker, create_batch(actor=finance, partner=world["partner"], provider="mobile_money",
                                          currency="JOD"))
    rich = PayoutLine.objects.get(batch=batch, participant=three[0])
    with pytest.raises(ResultFileError) as error:
        import_results(actor=finance, batch=batch, file_name="big.csv", background=True,
                       data=result_file([(rich.payout_id, "paid", "99.000", "JOD", "", "")]))
    assert error.value.details[0]["column"] == "amount"
    rich.refresh_from_db()
    assert not ResultImport.objects.filter(batch=batch).exists() and rich.status == PayoutLine.Status.IN_TRANSIT
