"""Install a shipped results framework (kasb/monitoring/seeds.py) for a programme:

    kasb install_framework --programme 3 --template bot_digital_skills [--first-year 2022]
    kasb install_framework --list

The targets are the ones the programme's own documents state; edit them afterwards on the framework page.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasb.core.errors import DomainError
from kasb.core.permissions import Principal
from kasb.monitoring.seeds import TEMPLATES
from kasb.monitoring.services import install_framework
from kasb.orgs.models import Programme


class Command(BaseCommand):
    help = "Install a shipped results framework, with its targets, for a programme."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", type=int, help="the programme's id")
        parser.add_argument("--template", choices=sorted(TEMPLATES))
        parser.add_argument("--first-year", type=int, default=None,
                            help="the first year the targets cover (default: the programme's start year)")
        parser.add_argument("--list", action="store_true", help="list the shipped frameworks")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for code, spec in TEMPLATES.items():
                self.stdout.write(f"{code}\t{spec.name}\t{spec.years} year(s)")
            return
        if not options["programme"] or not options["template"]:
            raise CommandError("Give --programme and --template (or --list).")
        programme = Programme.objects.filter(pk=options["programme"]).first()
        if programme is None:
            raise CommandError(f"No programme has the id {options['programme']}.")
        try:
            framework = install_framework(actor=Principal(is_superuser=True), programme=programme,
                                          template=options["template"], first_year=options["first_year"])
        except DomainError as exc:
            raise CommandError(f"{exc.field or 'error'}: {exc.message}") from exc
        self.stdout.write(f"Installed results framework {framework.pk}: {framework.name}")
