"""Money under contention: real threads, each on its own connection to PostgreSQL.

Each test races services the way several desks, approvers, result uploads and task approvals would
race in production, then checks the books: every distinct credit once, the trial balance zero,
cached balances equal to their entries, nothing overdrawn, nothing paid twice. A deadlock or an
IntegrityError in any thread fails the test (the thread's outcome is the exception).
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count

from kasb.core.errors import Conflict, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.core.testing import race as _race
from kasb.orgs.models import Programme
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Participant
from kasb.payments.models import (
    NEVER_NEGATIVE,
    Account,
    LedgerTransaction,
    PayoutBatch,
    PayoutLine,
    Reservation,
    ResultImport,
    TransactionKind,
)
from kasb.payments.queries import reconciliation, trial_balance
from kasb.payments.services import (
    InsufficientFunds,
    approve_batch,
    cancel_batch,
    create_batch,
    import_results,
    ledger,
    pay_from_reservation,
    produce_batch_file,
    record_deposit,
    reserve,
    worker_account,
)
from kasb.payments.services.ledger import (
    Leg,
    drifted_accounts,
    escrow_account,
    fee_account,
    in_transit,
    post,
    unbalanced_transactions,
)

from .conftest import jod

pytestmark = pytest.mark.django_db(transaction=True)

SQLITE_REASON = ("the in-memory SQLite test database cannot be shared by threads, and SQLite serialises every "
                 "writer anyway; PostgreSQL runs these races in CI")
OPEN = [PayoutLine.Status.PENDING, PayoutLine.Status.IN_TRANSIT]


@pytest.fixture(autouse=True)
def _file_written_in_the_approving_thread(settings: Any) -> None:
    # The provider file is written right after approval, in the approving thread (no broker, no extra thread).
    settings.KASB_INLINE_THREADS = False
    settings.CELERY_BROKER_URL = ""


@pytest.fixture
def threads() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(SQLITE_REASON)


@pytest.fixture(params=["one by one", "in bulk"])
def balance_moves(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with balances moved one UPDATE per account, and again through the bulk path every
    posting with more than MANY_ACCOUNTS accounts (a payout batch) takes."""
    if request.param == "in bulk":
        monkeypatch.setattr(ledger, "MANY_ACCOUNTS", 1)
    return str(request.param)


def _unexpected(outcomes: Sequence[Any], *allowed: type[BaseException]) -> list[BaseException]:
    """Exceptions other than the domain errors a person would be shown (deadlocks, IntegrityErrors, bugs)."""
    return [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, allowed)]


def _books_are_sound(partner_id: int) -> None:
    assert set(trial_balance(partner_id=partner_id).values()) <= {0}, trial_balance(partner_id=partner_id)
    assert drifted_accounts() == []
    assert unbalanced_transactions() == []
    overdrawn = [(a.key, a.balance) for a in Account.objects.filter(kind__in=list(NEVER_NEGATIVE), balance__gt=0)]
    assert overdrawn == []
    twice_open = (PayoutLine.objects.filter(status__in=OPEN).values("account_id").annotate(n=Count("id"))
                  .filter(n__gt=1))
    assert list(twice_open) == []


def _result_file(lines: Sequence[PayoutLine], failed: frozenset[int] = frozenset()) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payout_id", "status", "amount", "currency", "provider_reference", "reason"])
    for line in lines:
        if line.pk in failed:
            writer.writerow([line.payout_id, "failed", line.money.plain(), line.currency, "", "Wallet closed"])
        else:
            writer.writerow([line.payout_id, "paid", line.money.plain(), line.currency, f"MM-{line.pk}", ""])
    return out.getvalue().encode()


def _earn(finance: Principal, funded: Reservation, worker: Participant, amount: Money, key: str,
          fee: Money | None = None) -> LedgerTransaction:
    return pay_from_reservation(actor=finance, reservation=funded, worker=worker, amount=amount, fee=fee,
                                memo=f"Task {key} approved", purpose=("microwork.submission", key),
                                idempotency_key=key)


def _settled_once(lines: Sequence[PayoutLine]) -> None:
    """Each payout id has exactly one settlement posting, whatever the number of imports."""
    settlements = Counter(LedgerTransaction.objects.filter(
        kind__in=[TransactionKind.PAYOUT_PAID, TransactionKind.PAYOUT_FAILED],
        purpose_type="payments.payout").values_list("purpose_id", flat=True))
    assert {line.payout_id: settlements[line.payout_id] for line in lines} == {line.payout_id: 1 for line in lines}


# --- a: credits pour in while a batch is built, approved, sent and settled ------------------------

THREADS, CREDITS = 8, 25


def _credit_amount(i: int) -> Money:
    return Money(100 + 7 * i, "JOD")  # 0.100 … 0.268 JOD: three decimals


def _credit_key(thread: int, i: int) -> str:
    # Every fifth credit is the same submission approved from every thread at once (a retried request).
    return f"submission:shared:{i}" if i % 5 == 0 else f"submission:{thread}:{i}"


def test_credits_racing_a_batch_land_once_and_nothing_is_paid_twice(
        threads: None, balance_moves: str, finance: Principal, checker: Principal, funded: Reservation,
        programme: Programme, make_worker: Any, world: dict[str, Any]) -> None:
    partner_id = world["partner"].pk
    worker = make_worker()
    others = [make_worker() for _ in range(3)]
    seed = jod("2.500")
    _earn(finance, funded, worker, seed, "seed:worker")
    for n, other in enumerate(others):
        _earn(finance, funded, other, jod("1.250"), f"seed:other:{n}")
    fee_bps = programme.platform_fee_bps
    expected_keys = {_credit_key(t, i) for t in range(THREADS) for i in range(CREDITS)}
    amount_of = {_credit_key(t, i): _credit_amount(i) for t in range(THREADS) for i in range(CREDITS)}
    observed: dict[str, int] = {}
    created = threading.Event()

    def credits(thread: int) -> Callable[[], list[tuple[str, int]]]:
        def run() -> list[tuple[str, int]]:
            posted = []
            for i in range(CREDITS):
                if i == CREDITS // 2:
                    # Half-way, wait for the batch to exist, so approval and settlement race the other half.
                    created.wait(timeout=30)
                key, amount = _credit_key(thread, i), _credit_amount(i)
                txn = _earn(finance, funded, worker, amount, key, fee=amount.share(fee_bps))
                posted.append((key, txn.pk))
            return posted
        return run

    def batch_lifecycle() -> int:
        # Start once the credits are well under way, so every step below overlaps with them.
        deadline = time.monotonic() + 30
        while (LedgerTransaction.objects.filter(idempotency_key__startswith="submission:").count() < 40
               and time.monotonic() < deadline):
            time.sleep(0.005)
        observed["before_create"] = LedgerTransaction.objects.filter(kind=TransactionKind.EARNING).count()
        try:
            batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD")
        finally:
            created.set()
        approve_batch(actor=checker, batch=batch)  # the file is written after commit, in this thread
        batch = produce_batch_file(batch_id=batch.pk)
        sent = list(batch.lines.filter(status=PayoutLine.Status.IN_TRANSIT).order_by("pk"))
        import_results(actor=finance, batch=batch, file_name="results.csv", data=_result_file(sent))
        observed["after_import"] = LedgerTransaction.objects.filter(kind=TransactionKind.EARNING).count()
        return batch.pk

    outcomes = _race([credits(t) for t in range(THREADS)] + [batch_lifecycle])

    assert _unexpected(outcomes) == [], outcomes
    *credit_outcomes, batch_id = outcomes
    # Each distinct credit landed exactly once; every thread that sent a key got the same transaction back.
    posted: dict[str, set[int]] = defaultdict(set)
    for thread_posted in credit_outcomes:
        for key, pk in thread_posted:
            posted[key].add(pk)
    assert set(posted) == expected_keys
    assert all(len(pks) == 1 for pks in posted.values()), {k: v for k, v in posted.items() if len(v) > 1}
    landed = Counter(LedgerTransaction.objects.filter(idempotency_key__startswith="submission:")
                     .values_list("idempotency_key", flat=True))
    assert landed == dict.fromkeys(expected_keys, 1)
    assert len(expected_keys) == THREADS * CREDITS - (THREADS - 1) * len(range(0, CREDITS, 5))

    _books_are_sound(partner_id)

    batch = PayoutBatch.objects.get(pk=batch_id)
    assert batch.status == PayoutBatch.Status.SETTLED and batch.file_sha256
    lines = list(batch.lines.all())
    assert {line.participant_id for line in lines} == {worker.pk, *(o.pk for o in others)}
    assert all(line.status == PayoutLine.Status.PAID for line in lines)
    _settled_once(lines)
    assert LedgerTransaction.objects.filter(kind=TransactionKind.PAYOUT).count() == 1
    # What the worker has plus what was paid out is exactly what was earned.
    paid_out = sum(line.amount for line in lines if line.participant_id == worker.pk)
    earned = seed.minor + sum(amount_of[key].minor for key in expected_keys)
    assert worker_account(worker, "JOD").available.minor + paid_out == earned
    for other in others:
        assert worker_account(other, "JOD").available == jod("0")
    assert in_transit(partner_id, "mobile_money", "JOD").balance == 0
    assert all(rec.agrees for rec in reconciliation(partner_id=partner_id))
    # The race was real: credits were still arriving while the batch was built.
    assert observed["before_create"] < len(expected_keys), observed


# --- b: two makers build a batch from the same balances at once ------------------------------------

def test_two_makers_racing_for_the_same_balances_get_one_batch(
        threads: None, finance: Principal, funded: Reservation, make_worker: Any, member: Any,
        world: dict[str, Any]) -> None:
    other_maker = principal_for_user(member(Role.FINANCE_OFFICER))
    workers = [make_worker() for _ in range(12)]
    for round_ in range(4):
        for n, worker in enumerate(workers):
            _earn(finance, funded, worker, jod("1.5"), f"round:{round_}:{n}")

        def build(maker: Principal) -> Callable[[], PayoutBatch]:
            return lambda: create_batch(actor=maker, partner=world["partner"], provider="mobile_money",
                                        currency="JOD")

        outcomes = _race([build(finance), build(other_maker)])

        assert _unexpected(outcomes, Conflict, ValidationFailed) == [], outcomes
        built = [o for o in outcomes if isinstance(o, PayoutBatch)]
        refused = [o for o in outcomes if isinstance(o, (Conflict, ValidationFailed))]
        assert len(built) == 1 and len(refused) == 1, outcomes
        assert refused[0].code in ("batch_overlap", "nothing_to_pay") and refused[0].message
        # The loser left nothing behind: one draft, holding every balance once.
        drafts = PayoutBatch.objects.filter(status=PayoutBatch.Status.DRAFT)
        assert [b.pk for b in drafts] == [built[0].pk]
        assert sorted(built[0].lines.values_list("participant_id", flat=True)) == sorted(w.pk for w in workers)
        _books_are_sound(world["partner"].pk)
        cancel_batch(actor=finance, batch=built[0], reason="next round")
    assert PayoutBatch.objects.count() == 4


# --- c: two approvers approve the same draft at once -----------------------------------------------

def test_two_approvers_racing_move_the_money_once(
        threads: None, finance: Principal, checker: Principal, funded: Reservation, make_worker: Any, member: Any,
        world: dict[str, Any]) -> None:
    second_checker = principal_for_user(member(Role.FINANCE_OFFICER))
    workers = [make_worker() for _ in range(10)]
    for round_ in range(3):
        for n, worker in enumerate(workers):
            _earn(finance, funded, worker, jod(f"{n + 1}.25"), f"round:{round_}:{n}")
        batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD")
        total = sum(batch.lines.values_list("amount", flat=True))

        def approving(approver: Principal, draft: PayoutBatch = batch) -> Callable[[], PayoutBatch]:
            return lambda: approve_batch(actor=approver, batch=draft)

        outcomes = _race([approving(checker), approving(second_checker)])

        assert _unexpected(outcomes, Conflict) == [], outcomes
        assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "PayoutBatch"], outcomes
        assert next(o for o in outcomes if isinstance(o, Conflict)).code == "not_draft"
        payouts = LedgerTransaction.objects.filter(kind=TransactionKind.PAYOUT, purpose_id=str(batch.pk))
        assert payouts.count() == 1
        assert all(worker_account(w, "JOD").available == jod("0") for w in workers)
        assert in_transit(world["partner"].pk, "mobile_money", "JOD").available.minor == total
        batch.refresh_from_db()
        assert batch.status == PayoutBatch.Status.SENT and batch.approved_by_id in (checker.user.pk,
                                                                                    second_checker.user.pk)
        _books_are_sound(world["partner"].pk)
        import_results(actor=finance, batch=batch, file_name=f"round-{round_}.csv",
                       data=_result_file(list(batch.lines.order_by("pk"))))
    assert LedgerTransaction.objects.filter(kind=TransactionKind.PAYOUT).count() == 3


# --- d: the same result file uploaded twice at once ------------------------------------------------

def test_the_same_result_file_imported_twice_at_once_settles_each_payout_once(
        threads: None, finance: Principal, checker: Principal, funded: Reservation, make_worker: Any, member: Any,
        world: dict[str, Any]) -> None:
    other_finance = principal_for_user(member(Role.FINANCE_OFFICER))
    workers = [make_worker() for _ in range(16)]
    for n, worker in enumerate(workers):
        _earn(finance, funded, worker, jod(f"{n + 2}.125"), f"work:{n}")
    batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD")
    approve_batch(actor=checker, batch=batch)
    lines = list(batch.lines.order_by("pk"))
    failed = frozenset(line.pk for line in lines[::4])  # a quarter of the wallets were closed
    data = _result_file(lines, failed)
    before = {w.pk: worker_account(w, "JOD").balance for w in workers}

    outcomes = _race([lambda: import_results(actor=finance, batch=batch, file_name="results.csv", data=data),
                      lambda: import_results(actor=other_finance, batch=batch, file_name="results (1).csv",
                                             data=data)])

    assert _unexpected(outcomes) == [], outcomes
    _settled_once(lines)
    imports = list(ResultImport.objects.filter(batch=batch))
    assert len(imports) == 2
    # Between them the two imports applied each row once; the other saw it already applied.
    assert sum(i.paid for i in imports) == len(lines) - len(failed)
    assert sum(i.failed for i in imports) == len(failed)
    assert sum(i.already_applied for i in imports) == len(lines)
    for line in lines:
        line.refresh_from_db()
        returned = line.amount if line.pk in failed else 0
        assert line.status == (PayoutLine.Status.FAILED if line.pk in failed else PayoutLine.Status.PAID)
        assert worker_account(line.participant, "JOD").balance == before[line.participant_id] - returned
    # One history row per line move, not one per import.
    assert batch.history.filter(line__isnull=False, from_status=PayoutLine.Status.IN_TRANSIT).count() == len(lines)
    assert in_transit(world["partner"].pk, "mobile_money", "JOD").balance == 0
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED
    _books_are_sound(world["partner"].pk)


# --- e: escrow and reservations that cannot cover everyone ------------------------------------------

def test_reservations_racing_for_escrow_never_overdraw_it(threads: None, balance_moves: str, finance: Principal,
                                                          member: Any, world: dict[str, Any]) -> None:
    client = world["client"]
    record_deposit(actor=finance, client=client, amount=jod("100"), reference="TRF-RACE",
                   received_on=date(2026, 11, 2))
    managers = [principal_for_user(member(Role.FINANCE_OFFICER)) for _ in range(3)]
    ask = jod("15")

    def reserving(n: int) -> Callable[[], Reservation]:
        return lambda: reserve(actor=managers[n % 3], client=client, amount=ask, reference=f"microwork.project:{n}",
                               label=f"Project {n}", idempotency_key=f"reserve:project:{n}")

    outcomes = _race([reserving(n) for n in range(12)])

    assert _unexpected(outcomes, InsufficientFunds) == [], outcomes
    won = [o for o in outcomes if isinstance(o, Reservation)]
    lost = [o for o in outcomes if isinstance(o, InsufficientFunds)]
    assert len(won) == 6 and len(lost) == 6  # 6 × 15 = 90 fits in 100; a seventh would not
    assert all(e.code == "insufficient_funds" and "available" in e.message for e in lost)
    escrow = escrow_account(client, "JOD")
    assert escrow.available == jod("10")
    assert sum(Account.objects.get(pk=r.account_id).available.minor for r in won) == 6 * ask.minor <= jod("100").minor
    assert LedgerTransaction.objects.filter(kind=TransactionKind.RESERVATION).count() == 6
    _books_are_sound(world["partner"].pk)


def test_credits_racing_for_a_small_reservation_never_overdraw_it(threads: None, balance_moves: str,
                                                                   finance: Principal, make_worker: Any,
                                                                   world: dict[str, Any]) -> None:
    client = world["client"]
    record_deposit(actor=finance, client=client, amount=jod("50"), reference="TRF-SMALL",
                   received_on=date(2026, 11, 2))
    small = reserve(actor=finance, client=client, amount=jod("10"), reference="microwork.project:small",
                    label="Small project", idempotency_key="reserve:small")
    workers = [make_worker() for _ in range(4)]

    def crediting(n: int) -> Callable[[], list[Any]]:
        def run() -> list[Any]:
            results: list[Any] = []
            for i in range(6):
                try:
                    results.append(_earn(finance, small, workers[n % 4], jod("0.75"), f"small:{n}:{i}",
                                         fee=jod("0.075")))
                except InsufficientFunds as exc:
                    results.append(exc)
            return results
        return run

    outcomes = _race([crediting(n) for n in range(8)])

    assert _unexpected(outcomes) == [], outcomes
    flat = [r for thread in outcomes for r in thread]
    paid = [r for r in flat if isinstance(r, LedgerTransaction)]
    assert len(paid) == 12 and len(flat) - len(paid) == 36  # 12 × 0.825 = 9.900 fits in 10; a 13th would not
    small.account.refresh_from_db()
    assert small.account.available == jod("0.1")
    assert sum(worker_account(w, "JOD").available.minor for w in workers) == 12 * 750
    _books_are_sound(world["partner"].pk)


# --- the bulk path, without threads (runs on SQLite too) -------------------------------------------

def test_a_posting_with_many_accounts_refuses_an_overdraft_and_moves_nothing(
        finance: Principal, funded: Reservation, make_worker: Any, world: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger, "MANY_ACCOUNTS", 2)
    workers = [make_worker() for _ in range(3)]
    reserved = funded.account
    fees = fee_account(world["partner"].pk, "JOD")
    accounts = [worker_account(w, "JOD") for w in workers]

    def legs(each: Money) -> list[Leg]:
        return [*(Leg.credit(a, each) for a in accounts), Leg.credit(fees, jod("1")),
                Leg.debit(reserved, Money(each.minor * 3 + 1000, "JOD"))]

    txn = post(partner_id=world["partner"].pk, kind="earning", idempotency_key="bulk:ok", legs=legs(jod("150")),
               memo="Three tasks")
    assert [worker_account(w, "JOD").available for w in workers] == [jod("150")] * 3
    assert txn.entries.count() == 5
    with pytest.raises(InsufficientFunds) as error:  # 149.000 JOD is left in the reservation; 151.000 needed
        post(partner_id=world["partner"].pk, kind="earning", idempotency_key="bulk:too-much",
             legs=legs(jod("50")), memo="Three more tasks")
    assert error.value.details == {"account": reserved.key} and "149.000" in error.value.message
    assert [worker_account(w, "JOD").available for w in workers] == [jod("150")] * 3
    assert not LedgerTransaction.objects.filter(idempotency_key="bulk:too-much").exists()
    # The same key again returns the first transaction and moves nothing, as on the one-by-one path.
    assert post(partner_id=world["partner"].pk, kind="earning", idempotency_key="bulk:ok", legs=legs(jod("150")),
                memo="Three tasks").pk == txn.pk
    _books_are_sound(world["partner"].pk)
