"""Print indicator tables for a programme, period and breakdown:

    kasb report --programme 3 --start 2026-01-01 --end 2026-06-30 --by sex,displacement --format csv
    kasb report --indicator completed --indicator income_earned --format json

Tables are suppressed (safe to share) unless --unsuppressed is given. Reads only.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasb.core.errors import DomainError
from kasb.core.permissions import Principal
from kasb.monitoring import exports
from kasb.monitoring.context import parse_filters, scope_for
from kasb.monitoring.indicators import INDICATORS
from kasb.monitoring.queries import report
from kasb.monitoring.tables import compute


class Command(BaseCommand):
    help = "Print indicator tables as JSON or CSV (with an HXL hashtag row)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--indicator", action="append", default=[], metavar="CODE",
                            help="an indicator code (repeat for several; default: every available indicator)")
        for name in ("programme", "centre", "group", "start", "end"):
            parser.add_argument(f"--{name}", default="")
        parser.add_argument("--by", default="", help="one or two breakdowns, e.g. sex,displacement")
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument("--unsuppressed", action="store_true",
                            help="show small numbers (internal use only)")

    def handle(self, *args: Any, **options: Any) -> None:
        # The command line has the database already: it acts with full scope.
        principal = Principal(is_superuser=True)
        try:
            filters = parse_filters({**{k: options[k] for k in ("programme", "centre", "group", "start", "end", "by")},
                                     "suppress": "0" if options["unsuppressed"] else "1"})
            unknown = [c for c in options["indicator"] if c not in INDICATORS]
            if unknown:
                raise CommandError(f"Unknown indicator: {unknown[0]}. Known: {', '.join(INDICATORS)}")
            if options["indicator"]:
                scope = scope_for(principal)
                tables = [t for code in options["indicator"] for t in compute(INDICATORS[code], filters, scope)]
            else:
                tables = report(principal, filters)
        except DomainError as exc:
            raise CommandError(f"{exc.field or 'error'}: {exc.message}") from exc
        if options["format"] == "csv":
            self.stdout.write(exports.to_csv(tables, filters), ending="")
        else:
            self.stdout.write(json.dumps([exports.table_dict(t) for t in tables], ensure_ascii=False, indent=1))
