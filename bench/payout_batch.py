"""Benchmark a payout batch of 10,000 workers: build it, approve it, write the mobile-money file, settle it.

    .venv/bin/python bench/payout_batch.py [--workers 10000] [--database-url URL] [--no-results]

Without --database-url it migrates a fresh SQLite file in a temporary directory and deletes it
afterwards. With --database-url (e.g. postgres://postgres@127.0.0.1:5432/kasb_bench) it migrates and
writes into that database: use a throwaway one. Each run makes its own partner.

Setup is not what is measured: a partner, a client and two finance officers are made through the
services; the workers, their verified mobile wallets, their accounts and the ledger that gave them
their balances (a client deposit, a reservation, one earning each) are bulk-inserted, balanced, with
cached balances equal to the entries. Then, as the finance officers would, through the services:
create_batch (the maker), approve_batch (the checker: the money moves to "in transit"), and
produce_batch_file for the generic mobile-money CSV, each timed on its own (the file task that
approval queues is held back and run separately), and, unless --no-results, import_results with
the provider's answer for every line (1 % failed). It prints each step's time, queries and time per
line, checks the books afterwards (trial balance zero, no drifted balance, nothing left in transit)
and exits non-zero if a step did not do what it should.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=10_000, help="workers with a balance (default 10000)")
    parser.add_argument("--database-url", default="", help="DATABASE_URL to use instead of a temporary SQLite file")
    parser.add_argument("--no-results", action="store_true", help="skip importing the provider's result file")
    parser.add_argument("--profile", choices=["approve", "results"], default=None,
                        help="print the top of a cProfile of approve_batch or import_results")
    args = parser.parse_args()
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


def configure(args: argparse.Namespace, data_dir: str) -> None:
    os.environ.update({
        "KASB_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "kasb.settings", "DEBUG": "0",
        "KASB_INLINE_THREADS": "0", "KASB_FAST_HASHER": "1", "LOG_LEVEL": "ERROR",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    })
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "MEDIA_ROOT"):
        os.environ.pop(name, None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def setup(run: str, workers: int) -> dict[str, Any]:
    """Two finance officers, and `workers` people each with a verified wallet and a balance of 5–17 JOD."""
    from django.db import transaction
    from django.utils import timezone

    from kasb.accounts.models import User
    from kasb.core.permissions import Role
    from kasb.orgs.models import Area
    from kasb.orgs.queries import principal_for_user
    from kasb.orgs.services import add_member, create_organisation
    from kasb.participants.models import Participant
    from kasb.payments.models import Account, AccountKind, Entry, LedgerTransaction, PayoutMethod
    from kasb.payments.services.funding import reservation_for
    from kasb.payments.services.ledger import escrow_account, funds_held

    root = principal_for_user(User.objects.create_superuser(email=f"bench-root-{run}@example.org",
                                                            password=None, full_name="Benchmark administrator"))
    partner = create_organisation(actor=root, kind="partner", name=f"Bench partner {run}", country="JO",
                                  area=Area.objects.get(code="JO-AM"))
    centre = create_organisation(actor=root, kind="centre", name=f"Irbid Centre {run}", country="JO", parent=partner,
                                 area=Area.objects.get(code="JO-IR"))
    client = create_organisation(actor=root, kind="client", name=f"Data Co {run}", country="JO", parent=partner)
    maker, checker = (principal_for_user(add_member(
        actor=root, organisation=partner, role=Role.FINANCE_OFFICER, full_name=f"Finance officer {n}",
        email=f"bench-finance-{n}-{run}@example.org").user) for n in (1, 2))
    now = timezone.now()
    with transaction.atomic():
        people = Participant.objects.bulk_create([
            Participant(partner=partner, centre=centre, reference=f"P{run[:6]}{i:06d}", given_name=f"Worker{i}",
                        family_name="Haddad", sex="female") for i in range(workers)], batch_size=1000)
        PayoutMethod.objects.bulk_create([
            PayoutMethod(participant=p, kind="wallet", provider="mobile_money", phone=f"+9627{9_000_000_0 + i:08d}",
                         status=PayoutMethod.Status.VERIFIED, created_by=root.user, decided_by=root.user,
                         decided_at=now) for i, p in enumerate(people)], batch_size=1000)
        accounts = Account.objects.bulk_create([
            Account(partner=partner, kind=AccountKind.WORKER, currency="JOD", participant=p, key=f"worker:{p.pk}:JOD")
            for p in people], batch_size=1000)
        amounts = [5_000 + (i % 97) * 125 for i in range(workers)]  # 5.000 … 17.000 JOD
        total = sum(amounts)
        held, escrow = funds_held(partner.pk, "JOD"), escrow_account(client, "JOD")
        reserved = reservation_for(client, f"bench:{run}", "JOD", "Benchmark project").account
        legs: list[tuple[str, str, int, int, int]] = [
            ("deposit", "Benchmark deposit", held.pk, escrow.pk, total),
            ("reservation", "Benchmark reservation", escrow.pk, reserved.pk, total)]
        legs += [("earning", f"Task {i} approved", reserved.pk, account.pk, amount)
                 for i, (account, amount) in enumerate(zip(accounts, amounts, strict=True))]
        txns = LedgerTransaction.objects.bulk_create([
            LedgerTransaction(partner=partner, kind=kind, idempotency_key=f"bench:{run}:{n}", fingerprint="0" * 64,
                              memo=memo, actor_label="benchmark", effective_on=now.date())
            for n, (kind, memo, *_rest) in enumerate(legs)], batch_size=2000)
        Entry.objects.bulk_create([
            entry for txn, (_k, _m, debit, credit, amount) in zip(txns, legs, strict=True)
            for entry in (Entry(transaction=txn, account_id=debit, amount=amount, currency="JOD"),
                          Entry(transaction=txn, account_id=credit, amount=-amount, currency="JOD"))],
            batch_size=4000)
        for account_id, balance in [(held.pk, total), (escrow.pk, 0), (reserved.pk, 0)]:
            Account.objects.filter(pk=account_id).update(balance=balance)
        Account.objects.bulk_update([Account(pk=a.pk, balance=-amount) for a, amount in zip(accounts, amounts,
                                                                                             strict=True)],
                                    ["balance"], batch_size=1000)
    return {"partner": partner, "maker": maker, "checker": checker, "total": total}


@contextmanager
def counting() -> Iterator[dict[str, float]]:
    """Time a block and count its queries (without keeping their SQL)."""
    from django.db import connection

    seen = {"queries": 0, "seconds": 0.0}

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        seen["queries"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        start = time.perf_counter()
        yield seen
        seen["seconds"] = time.perf_counter() - start


@contextmanager
def profiling(wanted: bool) -> Iterator[None]:
    if not wanted:
        yield
        return
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def result_file(lines: list[Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payout_id", "status", "amount", "currency", "provider_reference", "reason"])
    for n, line in enumerate(lines):
        if n % 100 == 99:
            writer.writerow([line.payout_id, "failed", line.money.plain(), line.currency, "", "Wallet closed"])
        else:
            writer.writerow([line.payout_id, "paid", line.money.plain(), line.currency, f"MM{n:07d}", ""])
    return out.getvalue().encode()


def run_batch(ctx: dict[str, Any], args: argparse.Namespace) -> tuple[list[tuple[str, dict[str, float], int]],
                                                                     list[str]]:
    from kasb.payments.models import PayoutBatch, PayoutLine
    from kasb.payments.services import approve_batch, create_batch, import_results, produce_batch_file
    from kasb.payments.services import payouts as payout_services
    from kasb.payments.services.ledger import in_transit as in_transit_account

    steps: list[tuple[str, dict[str, float], int]] = []
    problems: list[str] = []
    with counting() as created:
        batch = create_batch(actor=ctx["maker"], partner=ctx["partner"], provider="mobile_money", currency="JOD")
    lines = batch.lines.count()
    steps.append(("create_batch", created, lines))
    if lines != args.workers:
        problems.append(f"the batch has {lines} lines, not {args.workers}")

    queued: list[tuple[Any, ...]] = []
    original_enqueue = payout_services.enqueue
    payout_services.enqueue = lambda task, *task_args: queued.append(task_args)  # type: ignore[assignment]
    try:
        with counting() as approved, profiling(args.profile == "approve"):
            batch = approve_batch(actor=ctx["checker"], batch=batch)
    finally:
        payout_services.enqueue = original_enqueue  # type: ignore[assignment]
    steps.append(("approve_batch", approved, lines))
    in_transit = batch.lines.filter(status=PayoutLine.Status.IN_TRANSIT).count()
    if batch.status != PayoutBatch.Status.APPROVED or in_transit != lines or queued != [(batch.pk,)]:
        problems.append(f"approval: status {batch.status}, {in_transit} lines in transit, queued {queued}")

    with counting() as produced:
        batch = produce_batch_file(batch_id=batch.pk)
    steps.append(("produce_batch_file (mobile-money CSV)", produced, lines))
    content = batch.file.read()
    batch.file.close()
    rows = content.count(b"\r\n") - 1
    if batch.status != PayoutBatch.Status.SENT or rows != lines:
        problems.append(f"file: status {batch.status}, {rows} rows")
    print(f"file: {len(content) / 1e6:.1f} MB, sha256 {batch.file_sha256[:16]}…")

    if not args.no_results:
        data = result_file(list(batch.lines.order_by("pk")))
        with counting() as imported_time, profiling(args.profile == "results"):
            imported = import_results(actor=ctx["maker"], batch=batch, file_name="results.csv", data=data)
        steps.append(("import_results (1 % failed)", imported_time, lines))
        failed = len(range(99, lines, 100))
        if (imported.paid, imported.failed, imported.report) != (lines - failed, failed, []):
            problems.append(f"results: paid {imported.paid}, failed {imported.failed}, report {imported.report[:3]}")
        transit = in_transit_account(ctx["partner"].pk, "mobile_money", "JOD")
        if transit.balance != 0:
            problems.append(f"{transit.available} left in transit after every line was settled")
    return steps, problems


def check_books(partner_id: int) -> list[str]:
    from kasb.payments.models import Account, AccountKind
    from kasb.payments.queries import trial_balance
    from kasb.payments.services.ledger import drifted_accounts, unbalanced_transactions

    problems = []
    balance = trial_balance(partner_id=partner_id)
    if any(balance.values()):
        problems.append(f"trial balance not zero: {balance}")
    if drifted_accounts(partner_id):
        problems.append("cached balances differ from their entries")
    if unbalanced_transactions(partner_id):
        problems.append("some transactions do not balance")
    return problems + [f"overdrawn: {a.key}" for a in Account.objects.filter(
        partner_id=partner_id, balance__gt=0).exclude(kind=AccountKind.FUNDS_HELD)]


def main() -> int:
    args = parse_args()
    data_dir = tempfile.mkdtemp(prefix="kasb-bench-")
    try:
        configure(args, data_dir)
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", "--no-input", "-v", "0")
        where = settings.DATABASES["default"]["NAME"] if args.database_url else "temporary file"
        print(f"database: {connection.vendor} ({where})")
        load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}{load}")
        start = time.perf_counter()
        ctx = setup(uuid.uuid4().hex[:8], args.workers)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"setup: {args.workers:,} workers with verified wallets and balances "
              f"({time.perf_counter() - start:.0f} s, not measured)")
        problems = check_books(ctx["partner"].pk)
        steps, failures = run_batch(ctx, args)
        print()
        head = f"{'step':<40}{'lines':>8}{'seconds':>10}{'ms/line':>9}{'lines/s':>9}{'queries':>9}"
        print(head)
        print("-" * len(head))
        for name, seen, lines in steps:
            print(f"{name:<40}{lines:>8,}{seen['seconds']:>10.2f}{seen['seconds'] * 1000 / lines:>9.3f}"
                  f"{lines / seen['seconds']:>9,.0f}{int(seen['queries']):>9,}")
        problems += failures + check_books(ctx["partner"].pk)
        for problem in problems:
            print(f"PROBLEM: {problem}")
        if not problems:
            print("books balance; every line went from draft to paid or returned, once")
        return 1 if problems else 0
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not have been set up
            pass
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
