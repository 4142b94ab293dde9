"""Load the digital-literacy placement test for an implementing partner:

    kasb install_placement_test "Amal Youth" --basic basic-digital-skills --microwork microwork \\
        --advanced web-development

Each band recommends the partner's course with the code given (left out: no course for that band).
Running it again changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasb.core.errors import DomainError
from kasb.orgs.models import Organisation
from kasb.training.models import Course
from kasb.training.services.placement import install_digital_literacy_test

BANDS = ("basic", "microwork", "advanced")


class Command(BaseCommand):
    help = "Load the demo digital-literacy placement test (33 items in five languages) for a partner."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("partner", help="the implementing partner's name or id")
        for band in BANDS:
            parser.add_argument(f"--{band}", default="", metavar="CODE",
                                help=f"code of the course the {band} band recommends")

    def handle(self, *args: Any, **options: Any) -> None:
        partner = self._partner(options["partner"])
        courses: dict[str, Course] = {}
        for band in BANDS:
            code = options[band]
            if not code:
                continue
            course = Course.objects.filter(partner=partner, code=code).first()
            if course is None:
                raise CommandError(f"{partner.name} has no course with the code {code!r}.")
            courses[band] = course
        try:
            test = install_digital_literacy_test(partner=partner, courses=courses)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Placement test {test.pk} for {partner.name}: {test.items.count()} items, "
                          f"{test.bands.count()} bands.")

    def _partner(self, value: str) -> Organisation:
        partners = Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
        partner = partners.filter(pk=int(value)).first() if value.isdigit() else partners.filter(name=value).first()
        if partner is None:
            raise CommandError(f"No implementing partner is called {value!r}.")
        return partner
