"""`kasb deliver_webhooks`: send the webhook deliveries that are due, once or every few seconds."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kasb.microwork.services.webhooks import deliver_due, sweep_events


class Command(BaseCommand):
    help = ("Send webhook deliveries that are due (new events, and retries whose wait is over) and queue "
            "project.completed events that were missed. Run it from cron every minute, or with --every to keep "
            "it running. Safe to run on several machines at once: each delivery is sent by one of them.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=100, help="Deliveries per run (default 100).")
        parser.add_argument("--every", type=float, default=0,
                            help="Keep running, every this many seconds (default: run once).")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            queued = sweep_events()
            sent = deliver_due(limit=max(1, options["limit"]))
            if options["verbosity"] > 0:
                self.stdout.write(f"queued {queued}, delivered {sent.delivered}, to retry {sent.retrying}, "
                                  f"given up {sent.failed}")
            if options["every"] <= 0:
                return
            time.sleep(options["every"])
