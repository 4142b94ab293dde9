"""Benchmark the bulk participant import: validation and saving of N rows, and how it scales.

    .venv/bin/python bench/import_participants.py [--rows 10000] [--database-url URL] [--existing N]

Without --database-url it migrates a fresh SQLite file in a temporary directory and deletes it
afterwards. With --database-url (e.g. postgres://postgres@127.0.0.1:5432/kasb_bench) it migrates
and writes into that database: use a throwaway one. Each run makes its own partner, so runs can be
repeated against the same database without the rows counting as duplicates.

It makes a partner, a centre and a centre coordinator through the services, then imports rows/10
new people and then `rows` more, as that coordinator, through the same services the Import page
uses (start_import, then process_import in this process, without Celery). It prints the time of
each import and their ratio: near 10 means the import time grows linearly with the file.
With --existing N the partner first gets N stand-in registrations, to show whether the duplicate
check slows down as the registry grows. It stops by itself and exits non-zero if an import did not
go through.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

GIVEN_F = ["Amal", "Rania", "Hala", "Noor", "Lina", "Sara", "Huda", "Reem", "Dima", "Yasmin", "Farah", "Layla",
           "Maha", "Rasha", "Salma", "Zeinab", "Aya", "Bushra", "Ghada", "Hiba", "Joud", "Manar", "Nisreen",
           "Raghad", "Shahd"]
GIVEN_M = ["Omar", "Ahmad", "Khaled", "Yousef", "Ali", "Hasan", "Mahmoud", "Samer", "Tariq", "Zaid", "Bilal",
           "Fadi", "Hamza", "Ibrahim", "Jamal", "Karim", "Majd", "Nabil", "Qais", "Rami", "Saleh", "Walid",
           "Yazan", "Anas", "Basel"]
FATHERS = ["Abdullah", "Mohammad", "Hussein", "Saeed", "Nasser", "Adnan", "Fawzi", "Ghassan", "Jamil", "Marwan",
           "Nizar", "Osama", "Riyad", "Suleiman", "Talal", "Wael", "Yahya", "Ziad", "Bassam", "Faisal"]
FAMILIES = ["Haddad", "Khalil", "Nasser", "Saleh", "Hamdan", "Mansour", "Qasem", "Darwish", "Barakat", "Shami",
            "Hourani", "Masri", "Halabi", "Zoubi", "Omari", "Tamimi", "Jaber", "Rifai", "Khatib", "Najjar",
            "Abbadi", "Bashir", "Dabbas", "Fakhoury", "Ghanem", "Hijazi", "Issa", "Kanaan", "Louzi", "Mahasneh"]
AREAS = ["JO-IR", "JO-MA", "JO-AM", "JO-AZ", "Irbid", "Mafraq", "Amman", "Zarqa", "JO-BA", "إربد", ""]
NATIONALITY = [("SY", "refugee"), ("SY", "refugee"), ("JO", "host_community"), ("JO", "host_community"),
               ("IQ", "refugee"), ("YE", "asylum_seeker"), ("SD", "asylum_seeker"), ("JO", "potential_migrant")]
EDUCATION = ["primary", "lower_secondary", "upper_secondary", "upper_secondary", "vocational", "university"]
DEVICE = ["smartphone", "smartphone", "shared_phone", "basic_phone", "computer"]
CONNECTIVITY = ["mobile_data", "mobile_data", "home", "centre", "none"]
YES_WORDS = ["yes", "Yes", "نعم", "y", "1"]
NO_WORDS = ["no", "No", "لا", "n", "0"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the large run (default 10000)")
    parser.add_argument("--database-url", default="", help="DATABASE_URL to use instead of a temporary SQLite file")
    parser.add_argument("--existing", type=int, default=0,
                        help="people already registered with the partner before the imports (default 0)")
    parser.add_argument("--seed", type=int, default=20261, help="random seed for the generated rows")
    args = parser.parse_args()
    if args.rows < 10:
        parser.error("--rows must be at least 10")
    if args.existing < 0:
        parser.error("--existing cannot be negative")
    return args


def configure(args: argparse.Namespace, data_dir: str) -> None:
    """Point Django at a scratch data directory (and database) before it is set up."""
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


def jordan_mobile(rng: random.Random, used: set[str]) -> str:
    """A valid, unused Jordanian mobile number in E.164: +9627[789] and seven digits."""
    import phonenumbers

    while True:
        number = f"+9627{rng.choice('789')}{rng.randrange(10_000_000):07d}"
        if number not in used and phonenumbers.is_valid_number(phonenumbers.parse(number)):
            used.add(number)
            return number


def written_phone(e164: str, rng: random.Random) -> str:
    """The number as coordinators type it: international, spaced, or local (07…)."""
    national = "0" + e164[4:]
    style = rng.randrange(3)
    if style == 0:
        return e164
    if style == 1:
        return f"+962 {e164[4:6]} {e164[6:9]} {e164[9:]}"
    return national


class Population:
    """Names and phone numbers already used in this benchmark, so every generated person is new."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people: set[tuple[str, str]] = set()
        self.phones: set[str] = set()

    def name(self, female: bool, i: int) -> tuple[str, str]:
        rng = self.rng
        for attempt in range(1000):
            given = f"{rng.choice(GIVEN_F if female else GIVEN_M)} {rng.choice(FATHERS)}"
            # Double family names once the single ones run out, so any --rows finishes.
            family = rng.choice(FAMILIES) if attempt < 50 else f"{rng.choice(FAMILIES)} {rng.choice(FAMILIES)}"
            if (given, family) not in self.people:
                break
        else:
            family = f"{family} {i}"
        self.people.add((given, family))
        return given, family

    def phone(self) -> str:
        return jordan_mobile(self.rng, self.phones)


def generate_csv(rows: int, *, centre_name: str, population: Population) -> bytes:
    """A realistic import file: every template column, mixed spellings, unique names and phones."""
    from kasb.participants.registration import COLUMNS

    rng = population.rng
    today = date.today()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for i in range(rows):
        female = rng.random() < 0.7
        given, family = population.name(female, i)
        dob = today - timedelta(days=rng.randrange(16 * 365, 34 * 365))
        nationality, displacement = rng.choice(NATIONALITY)
        row: dict[str, Any] = {
            "given_name": given,
            "family_name": family,
            "sex": "female" if female else rng.choice(["male", "Male"]),
            "date_of_birth": dob.isoformat() if i % 3 else dob.strftime("%d/%m/%Y"),
            "nationality": nationality,
            "displacement_status": displacement,
            "phone": written_phone(population.phone(), rng),
            "email": f"p{i}.{uuid.uuid4().hex[:6]}@example.org" if i % 4 == 0 else "",
            "id_kind": "unhcr" if displacement in ("refugee", "asylum_seeker") else "national_id",
            "id_number": f"{rng.randrange(100, 999)}-{rng.randrange(10**7, 10**8)}",
            "centre": centre_name if i % 2 else "",
            "area": rng.choice(AREAS),
            "admin2": rng.choice(["", "Ramtha", "Zaatari camp", "Sahab", "Russeifa"]),
            "neet": rng.choice(YES_WORDS + NO_WORDS),
            "education": rng.choice(EDUCATION),
            "female_headed_household": rng.choice(NO_WORDS + ["yes"]),
            "migrant_household": rng.choice(NO_WORDS + ["yes"]),
            "languages": rng.choice(["ar", "ar,en", "ar; en", "ar,ku"]),
            "device_access": rng.choice(DEVICE),
            "connectivity": rng.choice(CONNECTIVITY),
            "contact_channels": rng.choice(["whatsapp", "sms", "whatsapp,call", "sms,whatsapp"]),
            "gender_identity": "",
            "consent_registration": rng.choice(["yes", "Yes", "نعم"]),
            "consent_contact": rng.choice(YES_WORDS),
            "consent_monitoring": rng.choice(YES_WORDS + NO_WORDS),
            "consent_share_employers": rng.choice(YES_WORDS + NO_WORDS),
        }
        for domain in ("seeing", "hearing", "walking", "cognition", "self_care", "communication"):
            row[f"disability_{domain}"] = rng.choices([1, 2, 3, 4, ""], weights=[80, 10, 4, 1, 5])[0]
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def setup_partner(run: str) -> tuple[Any, Any, Any]:
    """A partner with one centre and a centre coordinator, made through the services."""
    from kasb.accounts.models import User
    from kasb.core.permissions import Role
    from kasb.orgs.models import Area
    from kasb.orgs.queries import principal_for_user
    from kasb.orgs.services import add_member, create_organisation

    root_user = User.objects.create_superuser(email=f"bench-root-{run}@example.org", password=None,
                                              full_name="Benchmark administrator")
    root = principal_for_user(root_user)
    partner = create_organisation(actor=root, kind="partner", name=f"Bench partner {run}", country="JO",
                                  area=Area.objects.get(code="JO-AM"))
    centre = create_organisation(actor=root, kind="centre", name=f"Irbid Centre {run}", country="JO",
                                 parent=partner, area=Area.objects.get(code="JO-IR"))
    membership = add_member(actor=root, organisation=centre, role=Role.COORDINATOR, full_name="Bench Coordinator",
                            email=f"bench-coordinator-{run}@example.org")
    return partner, centre, principal_for_user(membership.user)


def fill_registry(partner: Any, count: int, run: str, rng: random.Random) -> float:
    """Stand-in registrations so the duplicate check runs against a registry of `count` people.

    Only what the import reads of other people is filled (their duplicate-check indexes); written
    straight to the table because registering a million people through the services would take
    longer than the benchmark is about. The table is then analysed, as autovacuum would do on a live
    database, so the planner uses the indexes."""
    from django.db import connection

    from kasb.participants.models import Participant

    start = time.perf_counter()
    for first in range(0, count, 5000):
        Participant.objects.bulk_create([
            Participant(partner=partner, reference=f"F{run[:6]}{i:08d}", given_name="Filler", family_name=str(i),
                        sex="female", phone_index=f"{rng.getrandbits(256):064x}",
                        name_dob_index=f"{rng.getrandbits(256):064x}")
            for i in range(first, min(first + 5000, count))], batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Participant._meta.db_table}")
    return time.perf_counter() - start


def run_import(rows: int, *, partner: Any, centre: Any, coordinator: Any, population: Population) -> dict[str, Any]:
    from kasb.participants import services
    from kasb.participants.models import ImportJob

    content = generate_csv(rows, centre_name=centre.name, population=population)
    saving = {"seconds": 0.0}
    original_save = services._save

    def timed_save(*args: Any, **kwargs: Any) -> int:
        start = time.perf_counter()
        try:
            return original_save(*args, **kwargs)
        finally:
            saving["seconds"] += time.perf_counter() - start

    services._save = timed_save  # type: ignore[assignment]
    try:
        start, cpu_start = time.perf_counter(), time.process_time()
        job = services.start_import(actor=coordinator, partner=partner, centre=centre, name=f"bench-{rows}.csv",
                                    content=content)
        job = ImportJob.objects.select_related("partner", "centre", "created_by").get(pk=job.pk)
        job = services.process_import(job=job)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    finally:
        services._save = original_save  # type: ignore[assignment]
    return {"rows": rows, "bytes": len(content), "seconds": seconds, "cpu": cpu, "saving": saving["seconds"],
            "status": job.status, "imported": job.imported_rows, "errors": job.errors[:5]}


def main() -> int:
    args = parse_args()
    data_dir = tempfile.mkdtemp(prefix="kasb-bench-")
    try:
        configure(args, data_dir)
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", "--no-input", "-v", "0")
        engine = connection.vendor
        where = settings.DATABASES["default"]["NAME"] if args.database_url else "temporary file"
        print(f"database: {engine} ({where})")
        load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}{load}")
        rng = random.Random(args.seed)
        run = uuid.uuid4().hex[:8]
        partner, centre, coordinator = setup_partner(run)
        if args.existing:
            seconds = fill_registry(partner, args.existing, run, rng)
            print(f"registry: {args.existing:,} people already registered with the partner (filled in {seconds:.0f} s)")
        population = Population(rng)
        place = {"partner": partner, "centre": centre, "coordinator": coordinator, "population": population}
        results = [run_import(args.rows // 10, **place), run_import(args.rows, **place)]
        ok = True
        for r in results:
            rate = r["rows"] / r["seconds"] if r["seconds"] else float("inf")
            print(f"{r['rows']:>8,} rows  {r['bytes'] / 1e6:5.1f} MB  {r['seconds']:7.2f} s  {rate:8,.0f} rows/s  "
                  f"(validation {r['seconds'] - r['saving']:.2f} s, saving {r['saving']:.2f} s; "
                  f"CPU of this process {r['cpu']:.2f} s)  "
                  f"status {r['status']}, imported {r['imported']:,}")
            if r["status"] != "done" or r["imported"] != r["rows"]:
                ok = False
                print(f"  import did not go through; first errors: {r['errors']}", file=sys.stderr)
        small, large = results
        print(f"time ratio {large['rows']:,} / {small['rows']:,} rows: {large['seconds'] / small['seconds']:.1f} "
              f"(linear would be {large['rows'] / small['rows']:.1f})")
        return 0 if ok else 1
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
