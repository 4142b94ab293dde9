"""`kasb load_demo`: fill an empty database with the demo and print one sign-in per role."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasb.core.errors import DomainError
from kasb.settings import BASE_DIR, DEMO_SECRET_KEY
from kasb.web import demo


class Command(BaseCommand):
    help = ("Load the demo organisations, staff, participants and their money (once), then print the demo "
            "sign-ins.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true",
                            help="Load even though SECRET_KEY is not the demo key (never on a real deployment: "
                                 "every demo account has the same published password).")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SECRET_KEY != DEMO_SECRET_KEY and not options["force"]:
            raise CommandError("SECRET_KEY is set, so this looks like a real deployment. The demo's accounts all "
                               "share a published password; run with --force only if this database is a demo.")
        if demo.is_loaded():
            self.stdout.write("The demo data is already loaded; nothing was changed.")
        else:
            try:
                s = demo.load()
            except DomainError as exc:
                raise CommandError(f"The demo could not be loaded: {exc.message} The database seems to hold part "
                                   "of an earlier demo; start from an empty one (with the built-in SQLite, "
                                   f"remove {Path(settings.DATA_DIR) / 'kasb.sqlite3'}).") from exc
            self.stdout.write(self.style.SUCCESS(
                f"Demo loaded in {s.seconds:.1f} s: {s.partners} implementing partners with {s.centres} centres "
                f"({s.organisations} organisations in all) and {s.participants} participants "
                f"({round(100 * s.women / s.participants)}% women)."))
            m = s.money
            self.stdout.write(
                f"Money: {m.programmes} programmes, {m.transactions} ledger transactions in "
                f"{', '.join(m.currencies)}; {m.earners} workers paid for approved tasks; a settled mobile-money "
                f"payout batch ({m.paid} paid, {m.failed} failed and returned to the balance) and a draft bank "
                f"batch of {m.draft} waiting for approval; {m.to_verify} payout methods to verify. "
                "The trial balance is zero in every currency.")
            learn = s.learning
            self.stdout.write(
                f"Learning: {learn.calls} calls with {learn.applications} applications and {learn.tests} placement "
                f"tests taken; {learn.cohorts} cohorts with {learn.enrolments} enrolments, {learn.sessions_marked} "
                f"rosters saved and {learn.stipends} transport stipends paid; {learn.certificates} certificates "
                f"({learn.revoked} revoked). The demo trainer has {learn.today_sessions} "
                f"session{'' if learn.today_sessions == 1 else 's'} today.")
            c = s.careers
            self.stdout.write(
                f"Careers: {c.opportunities} opportunities, {c.applications} applications, {c.placements} "
                f"placements; {c.registrations} event registrations ({c.attended} checked in); {c.referrals} "
                f"referrals. Surveys: the employability survey was sent to {c.invited} graduates and {c.answered} "
                "answered.")
        self._print_logins()

    def _print_logins(self) -> None:
        port = os.environ.get("PORT", "8000")
        rows = demo.logins()
        self.stdout.write(f"\nOpen http://127.0.0.1:{port}/ and sign in with password {demo.DEMO_PASSWORD}:\n")
        role_width = max(len(r.role) for r in rows) + 2
        email_width = max(len(r.email) for r in rows) + 2
        self.stdout.write(f"    {'role':<{role_width}}{'e-mail':<{email_width}}where")
        for r in rows:
            mark = "*" if r.two_step else " "
            self.stdout.write(f"  {mark} {r.role:<{role_width}}{r.email:<{email_width}}{r.where}")
        default_dir = BASE_DIR.parent / "var"  # what `make demo` uses, so the hint needs no prefix
        prefix = "" if Path(settings.DATA_DIR) == default_dir else f"KASB_DATA_DIR={settings.DATA_DIR} "
        example = next(r.email for r in rows if r.two_step and r.email.startswith("coordinator"))
        self.stdout.write(
            "\n* Staff roles use two-step sign-in. Their authenticator is already set up with a demo key, so no\n"
            "  phone is needed: after the password, run this in another terminal and type the code it prints\n"
            "  (it changes every 30 seconds):\n"
            f"      {prefix}.venv/bin/kasb demo_code {example}\n"
            "  To use your own authenticator app instead, add the key this prints:\n"
            f"      {prefix}.venv/bin/kasb demo_code --key {example}\n"
            "  Clients, employers and participants sign in with the password alone.\n")
