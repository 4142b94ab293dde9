"""`kasb generate_field_key`: print a new key for KASB_FIELD_KEYS."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Print a new Fernet key for KASB_FIELD_KEYS. To rotate, put it first in the list "
            "(KASB_FIELD_KEYS=new,old), run `kasb rotate_keys`, then drop the old key.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(Fernet.generate_key().decode())
