"""`kasb demo_code <email>`: the current two-step sign-in code of a demo staff account."""

from __future__ import annotations

import base64
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasb.web import demo


class Command(BaseCommand):
    help = (f"Print the current 6-digit two-step sign-in code of a demo account (…@{demo.DEMO_DOMAIN} only), "
            "so the demo can be tried without a phone.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--key", action="store_true",
                            help="Print the authenticator key (base32) to add to an app, instead of a code.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["key"]:
                device = demo.demo_device(options["email"])
                self.stdout.write(base64.b32encode(device.bin_key).decode())
                return
            code, seconds = demo.current_code(options["email"])
        except demo.NotADemoAccount as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(code)
        self.stderr.write(f"(valid for about {seconds} more seconds)")
