"""Benchmark a worker's balance and statement as the ledger grows from 10,000 to 1,000,000 entries.

    .venv/bin/python bench/payments_statement.py [--entries 1000000] [--small 10000] [--database-url URL]

Without --database-url it migrates a fresh SQLite file in a temporary directory and deletes it
afterwards. With --database-url (e.g. postgres://postgres@127.0.0.1:5432/kasb_bench) it migrates and
writes into that database: use a throwaway one. Each run makes its own partner, so runs can be
repeated against the same database.

Setup is not what is measured: a partner, a client, the worker (with a sign-in) are made through the
services, then the ledger is written straight into the Account, LedgerTransaction and Entry tables
with bulk inserts, balanced (every transaction's entries sum to zero) and with the cached balances
set to the sum of each account's entries. The worker has 2,000 entries (earnings and payouts),
spread evenly through the whole ledger: the same 2,000 at both sizes, so only the table grows.
The entry ids are planned up front; the small ledger takes a slice of them and the large one fills
the gaps, so at 1,000,000 entries the worker's rows sit among everybody else's.

At each size (after ANALYZE, as autovacuum would) it measures, with a query count and the median of
many runs: the worker's balance (queries.worker_accounts), the statement's first page
(queries.statement_page) and a later page (the keyset `before`, 20 pages back), and the worker's
"My money" page through Django's test client when that page exists. It prints the ratio of the
times at the two sizes, checks the books (trial balance zero, no drifted balance), and exits non-zero
if any query count grows with the ledger or the books do not balance. Nothing leaves the process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
WORKER_ENTRIES = 2_000
FILLER_WORKERS = 1_000
PAGE = 30
PASSWORD = "bench-password-not-secret"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000, help="ledger entries in the large run")
    parser.add_argument("--small", type=int, default=10_000, help="ledger entries in the small run")
    parser.add_argument("--repeat", type=int, default=200, help="runs per measurement of a query (median)")
    parser.add_argument("--page-repeat", type=int, default=30, help="runs per measurement of the web page")
    parser.add_argument("--database-url", default="", help="DATABASE_URL to use instead of a temporary SQLite file")
    args = parser.parse_args()
    if args.small < 4 * WORKER_ENTRIES or args.entries < 2 * args.small:
        parser.error(f"--small must be at least {4 * WORKER_ENTRIES} and --entries at least twice --small")
    return args


def configure(args: argparse.Namespace, data_dir: str) -> None:
    os.environ.update({
        "KASB_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "kasb.settings", "DEBUG": "0",
        "KASB_INLINE_THREADS": "0", "KASB_FAST_HASHER": "1", "LOG_LEVEL": "ERROR",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    })
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "STATIC_ROOT", "MEDIA_ROOT"):
        os.environ.pop(name, None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(REPO))
    import django
    from django.conf import settings

    django.setup()
    # Pages link static files by name; without `collectstatic` (a minute, and beside the point here)
    # the manifest storage would refuse to name them.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


# --- the ledger's shape --------------------------------------------------------------------------

class Plan:
    """Which transaction numbers exist at which size, and who they pay.

    Transaction k (1 … entries/2) has entries 2k-1 and 2k (offset by what the tables already hold).
    Every `stride`-th transaction is the worker's; the small ledger holds those and an even sprinkle
    of the others, the large one all of them.
    """

    def __init__(self, entries: int, small: int) -> None:
        self.count = entries // 2
        self.stride = self.count // WORKER_ENTRIES
        others_small = small // 2 - WORKER_ENTRIES
        self.small_every = max(1, (self.count - WORKER_ENTRIES) // others_small)

    def is_worker(self, k: int) -> bool:
        return k % self.stride == 0 and k // self.stride <= WORKER_ENTRIES

    def in_small(self, k: int) -> bool:
        return self.is_worker(k) or (k % self.small_every == 1)

    @staticmethod
    def amount(k: int) -> int:
        return 250 + (k % 7) * 125  # 0.250 … 1.000 JOD, in fils

    def is_payout(self, k: int) -> bool:
        # One worker transaction in twenty is money going out to a wallet (a payout), the rest earnings.
        return self.is_worker(k) and (k // self.stride) % 20 == 0


def setup_people(run: str) -> dict[str, Any]:
    from kasb.accounts.models import User
    from kasb.accounts.services import create_user
    from kasb.orgs.models import Area
    from kasb.orgs.queries import principal_for_user
    from kasb.orgs.services import create_organisation
    from kasb.participants.models import Participant
    from kasb.participants.services import link_login, register_participant
    from kasb.payments.models import Account, AccountKind
    from kasb.payments.services.funding import reservation_for
    from kasb.payments.services.ledger import escrow_account, funds_held, in_transit, worker_account

    root = principal_for_user(User.objects.create_superuser(email=f"bench-root-{run}@example.org",
                                                            password=None, full_name="Benchmark administrator"))
    partner = create_organisation(actor=root, kind="partner", name=f"Bench partner {run}", country="JO",
                                  area=Area.objects.get(code="JO-AM"))
    centre = create_organisation(actor=root, kind="centre", name=f"Irbid Centre {run}", country="JO", parent=partner,
                                 area=Area.objects.get(code="JO-IR"))
    client = create_organisation(actor=root, kind="client", name=f"Data Co {run}", country="JO", parent=partner)
    phone = f"+96279{int(run[:6], 16) % 10_000_000:07d}"
    person = register_participant(actor=root, partner=partner, data={
        "given_name": "Amal", "family_name": f"Haddad {run}", "sex": "female", "date_of_birth": date(2003, 5, 14),
        "nationality": "SY", "displacement_status": "refugee", "phone": phone, "centre": centre,
        "id_kind": "unhcr", "id_number": f"945-{run}", "consent_registration": True})
    user = create_user(full_name="Amal Haddad", phone=phone, password=PASSWORD)
    link_login(actor=root, participant=person, user=user)
    fillers = Participant.objects.bulk_create([
        Participant(partner=partner, reference=f"B{run[:6]}{i:06d}", given_name="Filler", family_name=str(i),
                    sex="female") for i in range(FILLER_WORKERS)], batch_size=1000)
    filler_accounts = Account.objects.bulk_create([
        Account(partner=partner, kind=AccountKind.WORKER, currency="JOD", participant=p,
                key=f"worker:{p.pk}:JOD") for p in fillers], batch_size=1000)
    return {
        "partner": partner, "client": client, "person": person, "user": user,
        "held": funds_held(partner.pk, "JOD"), "escrow": escrow_account(client, "JOD"),
        "reserved": reservation_for(client, f"bench:{run}", "JOD", "Benchmark project").account,
        "transit": in_transit(partner.pk, "mobile_money", "JOD"),
        "worker": worker_account(person, "JOD"), "fillers": [a.pk for a in filler_accounts],
    }


def _bases() -> tuple[int, int]:
    from django.db.models import Max

    from kasb.payments.models import Entry, LedgerTransaction

    return ((LedgerTransaction.objects.aggregate(m=Max("id"))["m"] or 0) + 10,
            (Entry.objects.aggregate(m=Max("id"))["m"] or 0) + 10)


def write_ledger(plan: Plan, people: dict[str, Any], numbers: Iterable[int], bases: tuple[int, int],
                 run: str, chunk: int = 20_000) -> int:
    """Insert transactions `numbers` (two entries each); return how many entries were written."""
    from django.db import transaction
    from django.utils import timezone

    from kasb.payments.models import Entry, LedgerTransaction

    txn_base, entry_base = bases
    partner_id = people["partner"].pk
    worker, reserved, transit = people["worker"].pk, people["reserved"].pk, people["transit"].pk
    fillers = people["fillers"]
    today = timezone.localdate()
    written = 0

    def chunks(items: Iterable[int]) -> Iterator[list[int]]:
        batch: list[int] = []
        for item in items:
            batch.append(item)
            if len(batch) == chunk:
                yield batch
                batch = []
        if batch:
            yield batch

    for ks in chunks(numbers):
        txns, entries = [], []
        for k in ks:
            amount = plan.amount(k)
            if plan.is_payout(k):
                kind, memo, debit, credit = "payout", f"Payout batch #{k} sent to Mobile wallet", worker, transit
                amount *= 8
            else:
                kind, memo = "earning", f"Task {k} approved"
                debit, credit = reserved, worker if plan.is_worker(k) else fillers[k % len(fillers)]
            txns.append(LedgerTransaction(id=txn_base + k, partner_id=partner_id, kind=kind,
                                          idempotency_key=f"bench:{run}:{k}", fingerprint="0" * 64, memo=memo,
                                          purpose_type="microwork.submission", purpose_id=str(k),
                                          actor_label="benchmark", effective_on=today))
            entries.append(Entry(id=entry_base + 2 * k - 1, transaction_id=txn_base + k, account_id=debit,
                                 amount=amount, currency="JOD"))
            entries.append(Entry(id=entry_base + 2 * k, transaction_id=txn_base + k, account_id=credit,
                                 amount=-amount, currency="JOD"))
        with transaction.atomic():
            LedgerTransaction.objects.bulk_create(txns, batch_size=2000)
            Entry.objects.bulk_create(entries, batch_size=4000)
        written += len(entries)
    return written


def write_funding(plan: Plan, people: dict[str, Any], run: str, bases: tuple[int, int]) -> None:
    """A client deposit and a reservation for the project that cover every earning in the large ledger."""
    from django.db import transaction
    from django.utils import timezone

    from kasb.payments.models import Entry, LedgerTransaction

    txn_base, entry_base = bases
    total = sum(plan.amount(k) for k in range(1, plan.count + 1) if not plan.is_payout(k))
    legs = [("deposit", people["held"].pk, people["escrow"].pk),
            ("reservation", people["escrow"].pk, people["reserved"].pk)]
    with transaction.atomic():
        for n, (kind, debit, credit) in enumerate(legs):
            k = plan.count + 1 + n
            LedgerTransaction.objects.create(id=txn_base + k, partner_id=people["partner"].pk, kind=kind,
                                             idempotency_key=f"bench:{run}:{kind}", fingerprint="0" * 64,
                                             memo=f"Benchmark {kind}", actor_label="benchmark",
                                             effective_on=timezone.localdate())
            Entry.objects.bulk_create([
                Entry(id=entry_base + 2 * k - 1, transaction_id=txn_base + k, account_id=debit, amount=total,
                      currency="JOD"),
                Entry(id=entry_base + 2 * k, transaction_id=txn_base + k, account_id=credit, amount=-total,
                      currency="JOD")])


def settle_balances(people: dict[str, Any]) -> None:
    """Every cached balance = the sum of its account's entries; sequences past the ids written by hand."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Sum

    from kasb.payments.models import Account, Entry, LedgerTransaction

    partner_id = people["partner"].pk
    sums: dict[int, int] = defaultdict(int)
    sums.update(Entry.objects.filter(account__partner_id=partner_id).values_list("account_id")
                .annotate(s=Sum("amount")).values_list("account_id", "s"))
    with transaction.atomic():
        for account_id in Account.objects.filter(partner_id=partner_id).values_list("pk", flat=True):
            Account.objects.filter(pk=account_id).update(balance=sums[account_id])
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [LedgerTransaction, Entry]):
            cursor.execute(sql)


def analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- measuring -----------------------------------------------------------------------------------

Timing = tuple[float, float, int]  # median seconds, best seconds, queries


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Timing, list[int]]:
    """Median and best seconds over `repeat` runs (after a warm-up) with the query count; the counts seen."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()
    times, counts = [], set()
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        counts.add(len(ctx.captured_queries))
    return (statistics.median(times), min(times), max(counts)), sorted(counts)


def my_money_url() -> str | None:
    from django.urls import NoReverseMatch, reverse
    from django.utils import translation

    try:
        with translation.override("en"):
            return reverse("payments:my_money")
    except NoReverseMatch:
        print("  the My money page is not built yet: not measured")
        return None
    except Exception as exc:  # noqa: BLE001 - some other app's URLs do not import; the queries above still count
        print(f"  the site's URLs do not load ({type(exc).__name__}: {exc}): the My money page is not measured")
        return None


def measure(people: dict[str, Any], args: argparse.Namespace) -> dict[str, Timing]:
    from django.test import Client

    from kasb.payments import queries
    from kasb.payments.models import Entry

    person = people["person"]
    worker = people["worker"]
    older = list(Entry.objects.filter(account=worker).order_by("-id").values_list("id", flat=True)[:20 * PAGE + 1])
    later_before = older[-1]

    def balance() -> Any:
        return [a.available for a in queries.worker_accounts(person.pk)]

    def first_page() -> Any:
        (account,) = queries.worker_accounts(person.pk)
        return [(e.transaction.memo, e.amount) for e in queries.statement_page(account, size=PAGE)]

    def later_page() -> Any:
        (account,) = queries.worker_accounts(person.pk)
        return [(e.transaction.memo, e.amount) for e in queries.statement_page(account, before=later_before,
                                                                                 size=PAGE)]

    results: dict[str, Timing] = {}
    for name, fn in [("balance", balance), ("balance + first page", first_page),
                     ("balance + page 21 (before=)", later_page)]:
        results[name], counts = timed(fn, args.repeat)
        if len(counts) > 1:
            print(f"  note: {name} ran {counts} queries on different runs")
    assert len(first_page()) == PAGE and len(later_page()) == PAGE
    statement = Entry.objects.filter(account=worker).select_related("transaction").order_by("-id")
    print(f"  plan of the statement page: {' | '.join(statement[:PAGE].explain().splitlines())}")
    url = my_money_url()
    if url:
        client = Client()
        client.force_login(people["user"])
        for name, path in [("My money page", url), ("My money page, older (before=)", f"{url}?before={later_before}")]:
            response = client.get(path)
            if response.status_code != 200:
                print(f"  {path} answered {response.status_code}: not measured")
                continue
            results[name], _counts = timed(lambda p=path: client.get(p), args.page_repeat)
    return results


def check_books(partner_id: int) -> list[str]:
    from kasb.payments.queries import trial_balance
    from kasb.payments.services.ledger import drifted_accounts, unbalanced_transactions

    problems = []
    balance = trial_balance(partner_id=partner_id)
    if any(balance.values()):
        problems.append(f"trial balance not zero: {balance}")
    drifted = drifted_accounts(partner_id)
    if drifted:
        problems.append(f"{len(drifted)} cached balances differ from their entries, e.g. {drifted[:3]}")
    if unbalanced_transactions(partner_id):
        problems.append("some transactions do not balance")
    return problems


def main() -> int:
    args = parse_args()
    data_dir = tempfile.mkdtemp(prefix="kasb-bench-")
    try:
        configure(args, data_dir)
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from kasb.payments.models import Entry

        call_command("migrate", "--no-input", "-v", "0")
        where = settings.DATABASES["default"]["NAME"] if args.database_url else "temporary file"
        print(f"database: {connection.vendor} ({where})")
        load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}{load}")
        run = uuid.uuid4().hex[:8]
        people = setup_people(run)
        plan = Plan(args.entries, args.small)
        bases = _bases()
        sizes: dict[str, dict[str, tuple[float, int]]] = {}
        problems: list[str] = []

        start = time.perf_counter()
        small = [k for k in range(1, plan.count + 1) if plan.in_small(k)]
        write_ledger(plan, people, small, bases, run)
        write_funding(plan, people, run, bases)
        settle_balances(people)
        analyse()
        n_small = Entry.objects.filter(account__partner=people["partner"]).count()
        n_worker = Entry.objects.filter(account=people["worker"]).count()
        print(f"ledger: {n_small:,} entries, the worker's {n_worker:,} among them "
              f"(written in {time.perf_counter() - start:.0f} s)")
        problems += check_books(people["partner"].pk)
        sizes["small"] = measure(people, args)

        start = time.perf_counter()
        chosen = set(small)
        write_ledger(plan, people, (k for k in range(1, plan.count + 1) if k not in chosen), bases, run)
        settle_balances(people)
        analyse()
        n_large = Entry.objects.filter(account__partner=people["partner"]).count()
        n_worker = Entry.objects.filter(account=people["worker"]).count()
        print(f"ledger: {n_large:,} entries, the worker's still {n_worker:,} among them "
              f"(written in {time.perf_counter() - start:.0f} s)")
        problems += check_books(people["partner"].pk)
        sizes["large"] = measure(people, args)

        grew = report(sizes, n_small, n_large)
        for problem in problems:
            print(f"BOOKS: {problem}")
        return 1 if grew or problems else 0
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not have been set up
            pass
        shutil.rmtree(data_dir, ignore_errors=True)


def report(sizes: dict[str, dict[str, Timing]], n_small: int, n_large: int) -> bool:
    print()
    print("median (best) of the runs; ratio = median at the large size / median at the small size")
    head = (f"{'what':<32}{f'{n_small:,} entries':>30}{f'{n_large:,} entries':>30}{'ratio':>8}")
    print(head)
    print("-" * len(head))
    grew = False
    for name, (small_s, small_best, small_q) in sizes["small"].items():
        if name not in sizes["large"]:
            continue
        large_s, large_best, large_q = sizes["large"][name]
        flag = "" if large_q == small_q else "  QUERY COUNT GREW"
        grew = grew or large_q != small_q
        print(f"{name:<32}{small_q:>4} queries {small_s * 1000:6.2f} ms ({small_best * 1000:6.2f})"
              f"{large_q:>4} queries {large_s * 1000:6.2f} ms ({large_best * 1000:6.2f})"
              f"{large_s / small_s:>7.2f}x{flag}")
    if "My money page" not in sizes["small"]:
        print("(the worker's My money page is not there yet: not measured)")
    print()
    print("query counts are the same at both sizes" if not grew else "a query count grew with the ledger")
    return grew


if __name__ == "__main__":
    sys.exit(main())
