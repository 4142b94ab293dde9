"""Benchmark the monitoring dashboard, the full indicator report and a crossed table as the records grow.

    .venv/bin/python bench/monitoring_dashboard.py [--sizes 10000 100000] [--submissions 3] [--earnings 3]
        [--repeat 3] [--database-url postgres://postgres@127.0.0.1:5432/postgres]

The issue's scale (100,000 participants, 1,000,000 submissions, 1,000,000 ledger entries):

    .venv/bin/python bench/monitoring_dashboard.py --sizes 10000 100000 --submissions 30 --earnings 15 --repeat 1

Without --database-url it migrates a fresh SQLite file in a temporary directory and deletes it afterwards.
With --database-url (a PostgreSQL server on this machine only: 127.0.0.1, ::1 or localhost) it creates its
own database on that server (kasb_bench_monitoring_<random>), migrates it, and drops it at the end; the
database named in the URL is only used to create and drop it.

It makes a partner, two centres, a programme, four cohorts and a microwork project through the services,
then bulk-inserts the records the indicators read (a benchmark may; the app never does): for each
participant an enrolment (60% completed, 15% dropped out, with their history rows), for a third of them
(the workers) --submissions approved submissions (ten a working day, spread over the last three months; a
quarter of them on gold tasks) and --earnings earning transactions in the ledger (two entries each: the
client's reservation and the worker's account), dated over the same three months. Participants carry sex,
nationality and displacement status (encrypted, as the registry keeps them).

At each size (the first, then grown to the next) it times, as a superuser, the dashboard (the funnel, a
trend by month, a breakdown by sex and by area: queries.dashboard), the full indicator report (every
indicator for the quarter: queries.report, what a report run computes), the same report by sex, a crossed
table (completed by sex × displacement status, which decrypts every completer's displacement status) and
income by month; and the dashboard again as a second reader gets it from the cache (the figures kept for
KASB_MONITORING_CACHE_SECONDS: here Django's local-memory cache). It prints the median and best of --repeat
runs, the query counts, and the ratio between sizes. The query counts must not grow with the data; it exits
non-zero if they do. Sizes are bounded (at most 200,000 participants).
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
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

REPO = Path(__file__).resolve().parent.parent
MAX_PEOPLE = 200_000
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
NATIONS = [("SY", "refugee"), ("SY", "refugee"), ("JO", "host_community"), ("JO", "host_community"),
           ("IQ", "refugee"), ("YE", "asylum_seeker")]
CHUNK = 5_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="participants, growing")
    parser.add_argument("--submissions", type=int, default=3, help="approved submissions per worker (1-30)")
    parser.add_argument("--earnings", type=int, default=3, help="earning transactions per worker (1-30)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (1-10)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server on this machine")
    args = parser.parse_args()
    if any(not 100 <= n <= MAX_PEOPLE for n in args.sizes) or args.sizes != sorted(set(args.sizes)):
        parser.error(f"--sizes must grow, each between 100 and {MAX_PEOPLE}")
    if not 1 <= args.submissions <= 30 or not 1 <= args.earnings <= 30 or not 1 <= args.repeat <= 10:
        parser.error("--submissions and --earnings must be 1-30 and --repeat 1-10")
    if args.database_url:
        url = urlparse(args.database_url)
        if url.scheme not in ("postgres", "postgresql") or url.hostname not in LOOPBACK:
            parser.error("--database-url must be a PostgreSQL server on this machine")
    return args


# --- the database ---------------------------------------------------------------------------------------

def create_database(server_url: str) -> tuple[str, str]:
    """(the URL of a new database on the server, its name)."""
    import psycopg

    name = f"kasb_bench_monitoring_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlparse(server_url)
    return urlunparse(url._replace(path=f"/{name}")), name


def drop_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def configure(database_url: str, data_dir: str) -> None:
    os.environ.update({
        "KASB_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "kasb.settings", "DEBUG": "0",
        "KASB_INLINE_THREADS": "0", "KASB_FAST_HASHER": "1", "LOG_LEVEL": "ERROR",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "KASB_MONITORING_CACHE_SECONDS": "0",  # every timed run works its figures out; the cache is timed apart
    })
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


# --- the records ----------------------------------------------------------------------------------------

def setup(run: str) -> dict[str, Any]:
    """Partner, centres, programme, cohorts, project, and the accounts money moves between (services)."""
    from django.utils import timezone

    from kasb.accounts.models import User
    from kasb.microwork.models import Project, Task
    from kasb.orgs.models import Area
    from kasb.orgs.queries import principal_for_user
    from kasb.orgs.services import create_organisation, create_programme
    from kasb.payments.services.funding import reservation_for
    from kasb.training.models import Course
    from kasb.training.services.courses import create_cohort

    root = principal_for_user(User.objects.create_superuser(email=f"bench-{run}@example.org", password=None,
                                                            full_name="Benchmark administrator"))
    partner = create_organisation(actor=root, kind="partner", name=f"Bench partner {run}", country="JO",
                                  area=Area.objects.get(code="JO-AM"))
    centres = [create_organisation(actor=root, kind="centre", name=f"{place} {run}", country="JO", parent=partner,
                                   area=Area.objects.get(code=code))
               for place, code in (("Irbid", "JO-IR"), ("Mafraq", "JO-MA"))]
    client = create_organisation(actor=root, kind="client", name=f"Data Co {run}", country="JO", parent=partner)
    programme = create_programme(actor=root, partner=partner, name=f"Bench {run}", country="JO", currency="JOD")
    today = timezone.localdate()
    cohorts = []
    for n in range(4):
        course = Course.objects.create(partner=partner, code=f"c{n}-{run}", title={"en": f"Course {n}"})
        cohorts.append(create_cohort(actor=root, course=course, programme=programme, centre=centres[n % 2],
                                     name=f"Cohort {n}", starts_on=today.replace(day=1),
                                     ends_on=today + timedelta(days=30), capacity=1000))
    project = Project.objects.create(client=client, programme=programme, name="Receipts", task_type="data_entry",
                                     status=Project.Status.PUBLISHED, instructions="Type the total.",
                                     answer_fields=[{"name": "total", "label": "Total", "type": "number"}],
                                     pay_per_task=500, currency="JOD", estimated_seconds=60)
    tasks = Task.objects.bulk_create([Task(project=project, external_id=f"t{n}", data={}) for n in range(500)])
    reserved = reservation_for(client, f"bench:{run}", "JOD", "Benchmark project").account
    return {"root": root, "partner": partner, "centres": centres, "cohorts": cohorts, "project": project,
            "tasks": [t.pk for t in tasks], "reserved": reserved, "areas": [c.area_id for c in centres]}


def grow(world: dict[str, Any], start: int, stop: int, submissions: int, earnings: int, run: str) -> None:
    """Participants start … stop-1 with their enrolments, work and earnings, in chunks."""
    from kasb.microwork.models import Submission

    # The benchmark dates submissions itself (the app stamps the moment of hand-in).
    Submission._meta.get_field("submitted_at").auto_now_add = False  # type: ignore[attr-defined]
    for low in range(start, stop, CHUNK):
        _chunk(world, low, min(low + CHUNK, stop), submissions, earnings, run)


def _chunk(world: dict[str, Any], low: int, high: int, submissions: int, earnings: int, run: str) -> None:
    from django.db import transaction
    from django.utils import timezone

    from kasb.microwork.models import Submission
    from kasb.participants.models import Participant
    from kasb.payments.models import Account, AccountKind, Entry, LedgerTransaction
    from kasb.training.models import Enrolment, EnrolmentChange

    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        people = Participant.objects.bulk_create([
            Participant(partner=world["partner"], centre=world["centres"][k % 2], area_id=world["areas"][k % 2],
                        reference=f"M{run[:6]}{k:07d}", given_name="Bench", family_name=str(k),
                        sex="female" if k % 10 < 6 else "male", nationality=NATIONS[k % 6][0],
                        displacement_status=NATIONS[k % 6][1], date_of_birth=date(2000 + k % 8, 1 + k % 12, 1))
            for k in range(low, high)], batch_size=1000)
        enrolments = Enrolment.objects.bulk_create([
            Enrolment(cohort=world["cohorts"][p.pk % 4], participant=p, status=_status(k))
            for k, p in zip(range(low, high), people, strict=True)], batch_size=2000)
        EnrolmentChange.objects.bulk_create([
            EnrolmentChange(enrolment=e, from_status="active", to_status=e.status, actor=None)
            for e in enrolments if e.status in ("completed", "dropped")], batch_size=2000)
        workers = [p for k, p in zip(range(low, high), people, strict=True) if k % 3 == 0]
        tasks, project = world["tasks"], world["project"]
        Submission.objects.bulk_create([
            Submission(task_id=tasks[(w.pk + s) % len(tasks)], project=project, worker=w, client_key=f"b{s}",
                       answers={"total": 1}, seconds_spent=55, pay=500, status="approved",
                       submitted_at=now - timedelta(days=(w.pk + s // 10 * 7) % 90, minutes=s),
                       gold_correct=(s % 8 != 0) if s % 4 == 0 else None)
            for w in workers for s in range(submissions)], batch_size=2000)
        accounts = Account.objects.bulk_create([
            Account(partner=world["partner"], kind=AccountKind.WORKER, currency="JOD", participant=w,
                    key=f"worker:{w.pk}:JOD") for w in workers], batch_size=2000)
        txns = LedgerTransaction.objects.bulk_create([
            LedgerTransaction(partner=world["partner"], kind="earning", idempotency_key=f"bm:{run}:{a.pk}:{m}",
                              fingerprint="0" * 64, memo="Work approved", purpose_type="microwork.project",
                              purpose_id=str(project.pk), actor_label="benchmark",
                              effective_on=today - timedelta(days=(a.pk + m * 6) % 90))
            for a in accounts for m in range(earnings)], batch_size=2000)
        entries = []
        for n, txn in enumerate(txns):
            account = accounts[n // earnings]
            amount = 450 + n % 7 * 50
            entries += [Entry(transaction=txn, account=world["reserved"], amount=amount, currency="JOD"),
                        Entry(transaction=txn, account=account, amount=-amount, currency="JOD")]
        Entry.objects.bulk_create(entries, batch_size=4000)


def _status(k: int) -> str:
    band = k % 20
    return "completed" if band < 12 else ("dropped" if band < 15 else "active")


def _month_back(today: date, months: int) -> date:
    year, month = today.year, today.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, min(today.day, 28))


# --- measuring ------------------------------------------------------------------------------------------

def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, int]:
    """(median seconds, best seconds, queries of one run), after one untimed run that fills the caches a
    long-running process keeps warm (content types, labels)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()
    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        queries = len(captured)
    return statistics.median(times), min(times), queries


def measure(world: dict[str, Any], repeat: int) -> dict[str, tuple[float, float, int]]:
    from django.test import override_settings
    from django.utils import timezone

    from kasb.monitoring import queries
    from kasb.monitoring.context import parse_filters, scope_for
    from kasb.monitoring.indicators import INDICATORS
    from kasb.monitoring.tables import compute

    root = world["root"]
    today = timezone.localdate()
    period = {"start": _month_back(today, 3).replace(day=1).isoformat(), "end": today.isoformat()}
    plain = parse_filters({**period, "suppress": "0"})
    crossed = parse_filters({**period, "by": "sex,displacement", "suppress": "0"})
    scope = scope_for(root)

    def kept_dashboard() -> Any:
        with override_settings(KASB_MONITORING_CACHE_SECONDS=300):
            return queries.dashboard(root, plain)
    return {
        "dashboard": timed(lambda: queries.dashboard(root, plain), repeat),
        "dashboard kept in the cache": timed(kept_dashboard, repeat),
        "full report (every indicator)": timed(lambda: queries.report(root, plain), repeat),
        "full report by sex": timed(lambda: queries.report(root, parse_filters({**period, "by": "sex",
                                                                                "suppress": "0"})), repeat),
        "completed by sex x displacement": timed(lambda: compute(INDICATORS["completed"], crossed, scope), repeat),
        "income earned (money, by month)": timed(
            lambda: compute(INDICATORS["income_earned"], parse_filters({**period, "by": "month"}), scope), repeat),
    }


def report(results: dict[int, dict[str, tuple[float, float, int]]]) -> bool:
    sizes = sorted(results)
    print()
    print("median (best) of the runs in seconds; ratio = median at the largest size / median at the smallest")
    head = f"{'what':<34}" + "".join(f"{f'{n:,} participants':>30}" for n in sizes) + f"{'ratio':>8}"
    print(head)
    print("-" * len(head))
    grew = False
    for name in results[sizes[0]]:
        cells = ""
        for n in sizes:
            median, best, count = results[n][name]
            cells += f"{count:>6} queries {median:7.3f} s ({best:6.3f})"
        first, last = results[sizes[0]][name], results[sizes[-1]][name]
        flag = "" if first[2] == last[2] else "  QUERY COUNT GREW"
        grew = grew or bool(flag)
        print(f"{name:<34}{cells}{last[0] / first[0] if first[0] else 0:>7.2f}x{flag}")
    print(f"size ratio {sizes[-1] / sizes[0]:.1f}x; "
          + ("query counts are the same at every size" if not grew else "a query count grew with the data"))
    return grew


def main() -> int:
    args = parse_args()
    data_dir = tempfile.mkdtemp(prefix="kasb-bench-")
    database_url, created = "", ""
    try:
        if args.database_url:
            database_url, created = create_database(args.database_url)
        configure(database_url, data_dir)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", "--no-input", "-v", "0")
        print(f"database: {connection.vendor} ({created or 'temporary file'})")
        load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}{load}")
        run = uuid.uuid4().hex[:8]
        world = setup(run)
        results: dict[int, dict[str, tuple[float, float, int]]] = {}
        made = 0
        for size in args.sizes:
            start = time.perf_counter()
            grow(world, made, size, args.submissions, args.earnings, run)
            made = size
            if connection.vendor == "postgresql":
                connection.cursor().execute("ANALYZE")
            workers = (size + 2) // 3
            print(f"{size:,} participants, {workers * args.submissions:,} submissions, "
                  f"{workers * args.earnings * 2:,} ledger entries written in {time.perf_counter() - start:.0f} s")
            results[size] = measure(world, args.repeat)
        return 1 if report(results) else 0
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not have been set up
            pass
        if created:
            drop_database(args.database_url, created)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
