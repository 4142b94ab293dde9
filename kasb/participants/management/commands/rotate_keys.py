"""`kasb rotate_keys`: re-encrypt every protected value (registry and sign-in phones) with the newest key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kasb.accounts.services import rotate_keys as rotate_user_keys
from kasb.participants.services import rotate_keys


class Command(BaseCommand):
    help = ("Re-encrypt protected participant fields with the first key in KASB_FIELD_KEYS. Run it after "
            "putting a new key first; remove the old key only when it has finished. Safe to stop and rerun.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Records per transaction (default 500).")

    def handle(self, *args: Any, **options: Any) -> None:
        count = rotate_keys(batch_size=options["batch_size"])
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the protected fields of {count} participant records "
                                             "with the newest key."))
        users = rotate_user_keys(batch_size=options["batch_size"])
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the sign-in phone numbers of {users} user accounts."))
