"""The books: every movement balanced, once, never overdrawn, corrected only by reversal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.money import Money, exponent
from kasb.core.permissions import Principal
from kasb.orgs.models import Programme
from kasb.payments.models import Account, Entry, LedgerTransaction, Reservation
from kasb.payments.queries import trial_balance
from kasb.payments.services import (
    InsufficientFunds,
    correct_transaction,
    exchange,
    fund_programme,
    pay_from_reservation,
    pay_stipend,
    record_deposit,
    release,
    reserve,
    worker_account,
)
from kasb.payments.services.ledger import drifted_accounts, escrow_account, unbalanced_transactions

from .conftest import jod


@pytest.mark.parametrize(("currency", "places", "text", "minor"), [
    ("JOD", 3, "12.345", 12345), ("TND", 3, "0.005", 5), ("USD", 2, "12.34", 1234), ("TJS", 2, "7", 700),
    ("JPY", 0, "500", 500),
])
def test_minor_units_follow_iso_4217(currency: str, places: int, text: str, minor: int) -> None:
    assert exponent(currency) == places
    money = Money.parse(text, currency)
    assert money.minor == minor
    assert Money.parse(money.plain(), currency) == money


@pytest.mark.parametrize(("text", "currency"), [("1.2345", "JOD"), ("0.0001", "TND"), ("1.234", "USD"),
                                                ("3.001", "TJS")])
def test_more_decimals_than_the_currency_has_is_refused(text: str, currency: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        Money.parse(text, currency)
    assert error.value.code == "too_many_decimals"


def test_money_refuses_unknown_currencies_and_mixing() -> None:
    with pytest.raises(ValidationFailed):
        Money.parse("1", "XYZ")
    with pytest.raises(ValidationFailed):
        Money(100, "USD") + Money(100, "JOD")
    assert Money(1000, "JOD").share(250) == Money(25, "JOD")
    assert str(Money(12500, "JOD")) == "12.500 JOD"


def test_a_deposit_lands_in_the_clients_escrow_and_balances(finance: Principal, world: dict[str, Any]) -> None:
    deposit = record_deposit(actor=finance, client=world["client"], amount=jod("250.125"), reference="TRF-9",
                             received_on=date(2026, 11, 1))
    assert escrow_account(world["client"], "JOD").available == jod("250.125")
    assert deposit.transaction.entries.count() == 2
    assert trial_balance(partner_id=world["partner"].pk)["JOD"] == 0


def test_the_same_deposit_recorded_twice_moves_money_once(finance: Principal, world: dict[str, Any]) -> None:
    for _attempt in range(2):
        record_deposit(actor=finance, client=world["client"], amount=jod("100"), reference="TRF-7",
                       received_on=date(2026, 11, 1))
    assert escrow_account(world["client"], "JOD").available == jod("100")
    assert LedgerTransaction.objects.filter(kind="deposit").count() == 1


def test_escrow_cannot_reserve_more_than_was_deposited(finance: Principal, funded: Reservation,
                                                       world: dict[str, Any]) -> None:
    with pytest.raises(InsufficientFunds) as error:
        reserve(actor=finance, client=world["client"], amount=jod("400.001"), reference="microwork.project:2",
                label="Second project", idempotency_key="reserve:project:2")
    assert "400.000" in error.value.message  # what is available is said
    assert escrow_account(world["client"], "JOD").available == jod("400")
    assert not LedgerTransaction.objects.filter(idempotency_key="reserve:project:2").exists()


def test_earning_credits_worker_and_fee_in_one_transaction(finance: Principal, funded: Reservation,
                                                           programme: Programme, make_worker: Any) -> None:
    worker = make_worker()
    pay = jod("0.750")
    txn = pay_from_reservation(actor=finance, reservation=funded, worker=worker, amount=pay,
                               fee=pay.share(programme.platform_fee_bps), memo="Task 17 approved",
                               purpose=("microwork.submission", "17"), idempotency_key="submission:17")
    assert worker_account(worker, "JOD").available == jod("0.750")
    assert sorted(txn.entries.values_list("amount", flat=True)) == [-750, -75, 825]
    funded.account.refresh_from_db()
    assert funded.account.available == jod("599.175")


def test_a_repeated_key_returns_the_first_transaction_and_moves_nothing(finance: Principal, funded: Reservation,
                                                                        make_worker: Any) -> None:
    worker = make_worker()
    kwargs = {"actor": finance, "reservation": funded, "worker": worker, "amount": jod("1"), "fee": None,
              "memo": "Task 1", "purpose": ("microwork.submission", "1"), "idempotency_key": "submission:1"}
    first = pay_from_reservation(**kwargs)
    second = pay_from_reservation(**kwargs)
    assert first.pk == second.pk
    assert worker_account(worker, "JOD").available == jod("1")
    with pytest.raises(Conflict) as error:
        pay_from_reservation(**{**kwargs, "amount": jod("2")})
    assert error.value.code == "idempotency_key_reused"


def test_release_returns_what_is_left_to_escrow(finance: Principal, funded: Reservation,
                                                world: dict[str, Any]) -> None:
    release(actor=finance, reservation=funded, idempotency_key="release:project:1")
    assert escrow_account(world["client"], "JOD").available == jod("1000")
    assert release(actor=finance, reservation=funded, idempotency_key="release:project:1:again") is None


def test_stipends_come_from_the_programme_fund(finance: Principal, programme: Programme, make_worker: Any) -> None:
    worker = make_worker()
    with pytest.raises(InsufficientFunds):
        pay_stipend(actor=finance, programme=programme, participant=worker, amount=jod("3.500"),
                    memo="Transport, 3 Nov", purpose=("training.session", "3"), idempotency_key="transport:3")
    fund_programme(actor=finance, programme=programme, amount=jod("500"), reference="GRANT-1",
                   received_on=date(2026, 10, 1))
    pay_stipend(actor=finance, programme=programme, participant=worker, amount=jod("3.500"),
                memo="Transport, 3 Nov", purpose=("training.session", "3"), idempotency_key="transport:3",
                kind="reimbursement")
    assert worker_account(worker, "JOD").available == jod("3.500")
    with pytest.raises(ValidationFailed):
        pay_stipend(actor=finance, programme=programme, participant=worker, amount=Money(100, "USD"),
                    memo="x", purpose=("training.session", "4"), idempotency_key="transport:4")


def test_a_correction_is_a_reversal_and_the_original_stays(finance: Principal, world: dict[str, Any]) -> None:
    deposit = record_deposit(actor=finance, client=world["client"], amount=jod("50"), reference="TRF-ERR",
                             received_on=date(2026, 11, 1))
    reversal = correct_transaction(actor=finance, transaction_id=deposit.transaction_id, reason="typed twice")
    assert escrow_account(world["client"], "JOD").available == jod("0")
    assert LedgerTransaction.objects.filter(pk=deposit.transaction_id).exists()
    assert reversal.reverses_id == deposit.transaction_id
    again = correct_transaction(actor=finance, transaction_id=deposit.transaction_id, reason="again")
    assert again.pk == reversal.pk
    with pytest.raises(ValidationFailed):
        correct_transaction(actor=finance, transaction_id=reversal.pk, reason="undo the undo")


def test_a_reversal_cannot_overdraw_money_already_spent(finance: Principal, funded: Reservation,
                                                        world: dict[str, Any]) -> None:
    deposit = LedgerTransaction.objects.get(kind="deposit")
    with pytest.raises(InsufficientFunds):
        correct_transaction(actor=finance, transaction_id=deposit.pk, reason="wrong client")
    assert escrow_account(world["client"], "JOD").available == jod("400")


def test_exchange_records_rate_date_and_source(finance: Principal, world: dict[str, Any]) -> None:
    record_deposit(actor=finance, client=world["client"], amount=Money.parse("1000", "USD"), reference="USD-1",
                   received_on=date(2026, 11, 1))
    usd, jd = escrow_account(world["client"], "USD"), escrow_account(world["client"], "JOD")
    done = exchange(actor=finance, source=usd, target=jd, amount=Money.parse("100", "USD"), rate="0.709",
                    rate_date=date(2026, 11, 2), rate_source="Central Bank of Jordan")
    assert done.rate == Decimal("0.709") and done.source == "Central Bank of Jordan"
    jd.refresh_from_db()
    usd.refresh_from_db()
    assert jd.available == jod("70.900") and usd.available == Money.parse("900", "USD")
    assert trial_balance(partner_id=world["partner"].pk) == {"JOD": 0, "USD": 0}
    with pytest.raises(ValidationFailed):
        exchange(actor=finance, source=usd, target=jd, amount=Money.parse("1", "USD"), rate="-1",
                 rate_date=date(2026, 11, 2), rate_source="x")


def test_only_finance_of_the_same_partner_records_deposits(coordinator: Principal, world: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        record_deposit(actor=coordinator, client=world["client"], amount=jod("1"), reference="X",
                       received_on=date(2026, 11, 1))


def test_bad_amounts_and_dates_are_refused(finance: Principal, world: dict[str, Any]) -> None:
    for amount in (jod("0"), Money(-5, "JOD")):
        with pytest.raises(ValidationFailed):
            record_deposit(actor=finance, client=world["client"], amount=amount, reference="X",
                           received_on=date(2026, 11, 1))
    with pytest.raises(ValidationFailed):
        record_deposit(actor=finance, client=world["client"], amount=jod("1"), reference="X",
                       received_on=date(2999, 1, 1))
    assert not LedgerTransaction.objects.exists()


def test_cached_balances_equal_the_sum_of_entries(finance: Principal, funded: Reservation, make_worker: Any,
                                                  world: dict[str, Any]) -> None:
    worker = make_worker()
    for n in range(5):
        pay_from_reservation(actor=finance, reservation=funded, worker=worker, amount=jod("1.001"), fee=jod("0.1"),
                             memo=f"Task {n}", purpose=("microwork.submission", str(n)), idempotency_key=f"s:{n}")
    assert drifted_accounts() == []
    assert unbalanced_transactions() == []
    # A drift, if anything ever wrote a balance by hand, is found.
    Account.objects.filter(pk=funded.account_id).update(balance=0)
    assert [key for key, *_ in drifted_accounts()] == [funded.account.key]


def test_entries_are_never_zero_and_accounts_never_overdrawn_in_the_database(world: dict[str, Any],
                                                                               finance: Principal) -> None:
    from django.db import IntegrityError, transaction

    escrow = escrow_account(world["client"], "JOD")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=escrow.pk).update(balance=5)
    assert Entry.objects.count() == 0


def test_the_books_refuse_edits_and_deletions(finance: Principal, world: dict[str, Any]) -> None:
    deposit = record_deposit(actor=finance, client=world["client"], amount=jod("5"), reference="TRF-5",
                             received_on=date(2026, 11, 1))
    txn = deposit.transaction
    for attempt in (lambda: LedgerTransaction.objects.filter(pk=txn.pk).update(memo="edited"),
                    lambda: Entry.objects.filter(transaction=txn).delete(),
                    lambda: txn.delete(),
                    lambda: deposit.save()):
        with pytest.raises(TypeError):
            attempt()
    assert LedgerTransaction.objects.get(pk=txn.pk).memo.startswith("Deposit from Data Co")
    assert Entry.objects.filter(transaction=txn).count() == 2


@pytest.mark.parametrize(("text", "ok"), [("12,500", None), ("12,5", None), ("1,250.500", 1250500),
                                          ("12٫500", 12500), ("1 250.500", 1250500)])
def test_a_comma_that_could_be_decimal_is_refused(text: str, ok: int | None) -> None:
    if ok is None:
        with pytest.raises(ValidationFailed) as error:
            Money.parse(text, "JOD")
        assert error.value.code == "ambiguous_comma"
    else:
        assert Money.parse(text, "JOD").minor == ok


def test_payouts_are_not_reversed_by_hand(finance: Principal, funded: Reservation, make_worker: Any,
                                          checker: Principal, world: dict[str, Any]) -> None:
    from kasb.payments.services import approve_batch, create_batch

    worker = make_worker()
    pay_from_reservation(actor=finance, reservation=funded, worker=worker, amount=jod("9"), fee=None, memo="Task",
                         purpose=("microwork.submission", "9"), idempotency_key="s:9")
    approve_batch(actor=checker, batch=create_batch(actor=finance, partner=world["partner"],
                                                    provider="mobile_money", currency="JOD"))
    payout = LedgerTransaction.objects.get(kind="payout")
    with pytest.raises(ValidationFailed) as error:
        correct_transaction(actor=finance, transaction_id=payout.pk, reason="oops")
    assert error.value.code == "payout_not_reversible"


def test_a_retried_deposit_is_audited_once(finance: Principal, world: dict[str, Any]) -> None:
    from kasb.core.models import AuditEvent

    for _attempt in range(3):
        record_deposit(actor=finance, client=world["client"], amount=jod("5"), reference="TRF-A",
                       received_on=date(2026, 11, 1))
    assert AuditEvent.objects.filter(verb="deposit.recorded").count() == 1
