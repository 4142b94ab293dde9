"""`kasb rotate_keys`: re-encrypt every protected value in the database with the newest key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kasb.core.services import rotate_keys


class Command(BaseCommand):
    help = ("Re-encrypt every protected field (participants, sign-in phones, payout methods, applications...) with "
            "the first key in KASB_FIELD_KEYS. Run it after putting a new key first; remove the old key only when "
            "it has finished. Safe to stop and rerun.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Records per transaction (default 500).")

    def handle(self, *args: Any, **options: Any) -> None:
        for label, count in rotate_keys(batch_size=options["batch_size"]):
            self.stdout.write(self.style.SUCCESS(f"{label}: re-encrypted {count} records with the newest key."))
