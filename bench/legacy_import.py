"""Benchmark the historical-records import: check and save N rows of earnings and of enrolments.

    .venv/bin/python bench/legacy_import.py [--rows 10000 50000] [--people 2000] [--database-url URL]

Without --database-url it migrates a fresh SQLite file in a temporary directory and deletes it afterwards.
--database-url is accepted only for a server on this machine (127.0.0.1, ::1 or localhost), and writes into
that database: use a throwaway one. Row counts are bounded (at most 200,000 per file).

It makes a partner and an M&E officer through the services, registers --people participants through the
registry's own import, links a tenth of them to old ids (an old_ids file), then imports each file size of
earnings and of enrolments (participants named by reference, one row in ten by old id) through the same
services the Historical records page calls (start_import, then process_import in this process, without
Celery), and prints the time of each. It exits non-zero if an import did not go through.
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
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
MAX_ROWS = 200_000
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
SOURCES = ["microwork", "internship", "job", "freelance", "business", "other"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 50_000], help="file sizes to import")
    parser.add_argument("--people", type=int, default=2_000, help="participants the rows are about")
    parser.add_argument("--database-url", default="", help="a throwaway database on this machine")
    args = parser.parse_args()
    if any(not 1 <= n <= MAX_ROWS for n in args.rows):
        parser.error(f"--rows must be between 1 and {MAX_ROWS}")
    if not 10 <= args.people <= 20_000:
        parser.error("--people must be between 10 and 20000")
    if args.database_url and urlparse(args.database_url).hostname not in LOOPBACK:
        parser.error("--database-url must point at a server on this machine")
    return args


def configure(args: argparse.Namespace, data_dir: str) -> None:
    os.environ["KASB_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "kasb.settings"
    os.environ["KASB_INLINE_THREADS"] = "0"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["DEBUG"] = "0"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(REPO))

    import django

    django.setup()


def as_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def setup(run: str, people: int) -> tuple[Any, Any, list[str]]:
    """A partner, its M&E officer, and `people` participants registered through the registry's import."""
    from kasb.accounts.models import User
    from kasb.core.permissions import Role
    from kasb.orgs.models import Area
    from kasb.orgs.queries import principal_for_user
    from kasb.orgs.services import add_member, create_organisation
    from kasb.participants import services as registry
    from kasb.participants.models import Participant

    root = principal_for_user(User.objects.create_superuser(email=f"bench-root-{run}@example.org", password=None,
                                                            full_name="Benchmark administrator"))
    partner = create_organisation(actor=root, kind="partner", name=f"Bench partner {run}", country="JO",
                                  area=Area.objects.get(code="JO-AM"))
    officer = add_member(actor=root, organisation=partner, role=Role.ME_OFFICER, full_name="Bench M&E officer",
                         email=f"bench-me-{run}@example.org").user
    manager = principal_for_user(add_member(actor=root, organisation=partner, role=Role.PROGRAMME_MANAGER,
                                            full_name="Bench manager", email=f"bench-pm-{run}@example.org").user)
    header = ["given_name", "family_name", "sex", "date_of_birth", "nationality", "displacement_status",
              "consent_registration"]
    rows = [[f"Person{i}", f"Bench{run}", "female" if i % 3 else "male", "2001-03-21", "SY", "refugee", "yes"]
            for i in range(people)]
    job = registry.start_import(actor=manager, partner=partner, centre=None, name="people.csv",
                                content=as_csv(header, rows))
    job = registry.process_import(job=job)
    if job.status != "done":
        raise SystemExit(f"registering the participants failed: {job.status} {job.errors[:3]}")
    refs = list(Participant.objects.filter(partner=partner).order_by("pk").values_list("reference", flat=True))
    return partner, principal_for_user(officer), refs


def earnings(rows: int, refs: list[str], offset: int) -> bytes:
    """Every row a different (participant, source, month): the months run back from 2026."""
    lines = []
    for i in range(rows):
        n = i + offset
        person, rest = n % len(refs), n // len(refs)
        month = 2026 * 12 - 2 - rest // len(SOURCES)
        who = f"OLD-{person}" if person % 10 == 0 else refs[person]
        lines.append([who, f"{month // 12}-{month % 12 + 1:02d}", f"{n % 900 + 1}.125", "JOD",
                      SOURCES[rest % len(SOURCES)]])
    return as_csv(["participant", "month", "amount", "currency", "source"], lines)


def enrolments(rows: int, refs: list[str], offset: int) -> bytes:
    lines = []
    for i in range(rows):
        n = i + offset
        person, rest = n % len(refs), n // len(refs)
        who = f"OLD-{person}" if person % 10 == 0 else refs[person]
        year, month = 2025 - rest // 12, rest % 12 + 1
        status = ["completed", "completed", "dropped_out", "enrolled"][n % 4]
        lines.append([who, f"Course {rest % 7}", f"Cohort {rest}", f"{year}-{month:02d}-01",
                      f"{year}-{month:02d}-20" if status != "enrolled" else "", status,
                      "transport" if status == "dropped_out" else ""])
    return as_csv(["participant", "course", "cohort", "started_on", "ended_on", "status", "dropout_reason"], lines)


def run_one(officer: Any, partner: Any, record_type: str, content: bytes) -> dict[str, Any]:
    from kasb.legacy import services

    start, cpu = time.perf_counter(), time.process_time()
    batch = services.start_import(actor=officer, partner=partner, record_type=record_type,
                                  name=f"bench-{record_type}.csv", content=content)
    batch = services.process_import(batch=batch)
    return {"type": record_type, "rows": batch.total_rows, "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu, "status": batch.status, "imported": batch.imported_rows,
            "errors": batch.errors[:3]}


def main() -> int:
    args = parse_args()
    data_dir = tempfile.mkdtemp(prefix="kasb-bench-legacy-")
    try:
        configure(args, data_dir)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        run = str(int(time.time()))[-6:]
        started = time.perf_counter()
        partner, officer, refs = setup(run, args.people)
        links = as_csv(["participant", "old_id"], [[refs[i], f"OLD-{i}"] for i in range(0, len(refs), 10)])
        linked = run_one(officer, partner, "old_ids", links)
        print(f"{connection.vendor}: {args.people} participants registered and {linked['imported']} old ids linked "
              f"in {time.perf_counter() - started:.1f} s")
        offset = 0
        failed = False
        for rows in args.rows:
            for record_type, make in (("earnings", earnings), ("enrolments", enrolments)):
                result = run_one(officer, partner, record_type, make(rows, refs, offset))
                failed |= result["status"] != "done"
                print(f"{record_type:>10} {result['rows']:>7} rows: {result['seconds']:6.1f} s "
                      f"({result['rows'] / result['seconds']:,.0f} rows/s, cpu {result['cpu']:.1f} s) "
                      f"{result['status']} {result['errors'] or ''}")
            offset += rows
        return 1 if failed else 0
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
