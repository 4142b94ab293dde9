"""What a table is asked for (filters), over whose records (scope), and the people it counts.

Filters are validated here once, for the pages, the API and `kasb report`: a bad value raises
ValidationFailed naming the field, which the API turns into a 422 and a form shows beside the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core.errors import PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal
from kasb.outreach.models import Group
from kasb.outreach.selection import Facts, groups_of

from .vocab import DIMENSIONS, age_band, disability_code

MAX_DIMENSIONS = 2
MAX_PERIOD_DAYS = 366 * 10


@dataclass(frozen=True)
class Scope:
    """Whose records a principal's tables count: None partners means every partner (a superuser)."""

    partner_ids: frozenset[int] | None
    centre_ids: frozenset[int] = frozenset()
    unsuppressed: bool = False

    def q(self, partner: str, centre: str | None = None) -> Q:
        """A filter over a model whose partner id is at `partner` and centre id at `centre`."""
        if self.partner_ids is None:
            return Q()
        q = Q(**{f"{partner}__in": sorted(self.partner_ids)})
        if centre and self.centre_ids:
            q |= Q(**{f"{centre}__in": sorted(self.centre_ids)})
        return q


def scope_for(principal: Principal) -> Scope:
    """Raise PermissionDenied unless the principal may see indicators; their partners and centres otherwise.

    A grant at a partner, or at a donor organisation of that partner, covers the partner's records; a
    grant at a centre covers that centre's. Unsuppressed figures need VIEW_UNSUPPRESSED, which a donor's
    M&E officer never holds (PROGRAMME_ONLY in core.permissions).
    """
    if not principal.can(Cap.VIEW_INDICATORS):
        raise PermissionDenied(_("You do not have permission to see indicators."))
    unsuppressed = principal.can(Cap.VIEW_UNSUPPRESSED)
    if principal.is_superuser:
        return Scope(None, unsuppressed=True)
    grants = principal.grants_with(Cap.VIEW_INDICATORS)
    partners = frozenset(g.partner_id for g in grants if not g.is_centre and g.partner_id)
    centres = frozenset(g.organisation_id for g in grants if g.is_centre)
    return Scope(partners, centres, unsuppressed)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    programme_id: int | None = None
    centre_id: int | None = None
    group: str = ""
    dimensions: tuple[str, ...] = ()
    # Whether the caller asked for the suppressed version although they may see the figures unsuppressed.
    suppress: bool = True

    @property
    def months(self) -> list[str]:
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last twelve months up to today."""
    today = today or timezone.localdate()
    start = date(today.year - 1, today.month, 1)
    if today.month == 12:
        start = date(today.year, 1, 1)
    return start, today


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(_("Enter a date as YYYY-MM-DD."), field=name) from None


def _id(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isdigit() or int(text) > 2**63 - 1:
        raise ValidationFailed(_("Choose one of the listed values."), field=name)
    return int(text)


def parse_filters(data: Mapping[str, Any], *, today: date | None = None) -> Filters:
    """Filters from a query string, API parameters or command-line options (all strings)."""
    default_start, default_end = default_period(today)
    start = _date(data.get("start"), "start") or default_start
    end = _date(data.get("end"), "end") or default_end
    if end < start:
        raise ValidationFailed(_("The period must end on or after the day it starts."), field="end")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(_("Choose a period of at most ten years."), field="start")
    group = str(data.get("group") or "").strip()
    if group and group not in Group.values:
        raise ValidationFailed(_("Choose one of the listed groups."), field="group")
    raw = data.get("by") or ()
    if isinstance(raw, str):
        raw = [part for part in raw.split(",") if part.strip()]
    dimensions = tuple(str(d).strip() for d in raw if str(d).strip())
    if len(dimensions) > MAX_DIMENSIONS:
        raise ValidationFailed(_("Break a table down by at most two things at once."), field="by")
    unknown = [d for d in dimensions if d not in DIMENSIONS]
    if unknown:
        raise ValidationFailed(_("Unknown breakdown: %(name)s.") % {"name": unknown[0]}, field="by")
    if len(set(dimensions)) != len(dimensions):
        raise ValidationFailed(_("Choose two different breakdowns."), field="by")
    suppress = str(data.get("suppress", "1")).strip().lower() not in ("0", "false", "no", "off")
    return Filters(start=start, end=end, programme_id=_id(data.get("programme"), "programme"),
                   centre_id=_id(data.get("centre"), "centre"), group=group, dimensions=dimensions,
                   suppress=suppress)


# --- the people counted ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    """What a table may group or filter by about one person, decrypted only where asked for."""

    sex: str = ""
    born: date | None = None
    nationality: str = ""
    displacement: str = ""
    disability: dict[str, Any] = field(default_factory=dict)
    area_id: int | None = None
    area_code: str = ""
    centre_id: int | None = None
    female_headed: bool = False
    neet: bool = False
    migrant: bool | None = None      # from a migrant household; None where nobody recorded it

    def value(self, dimension: str, on: date) -> str:
        if dimension == "sex":
            return self.sex or ""
        if dimension == "age_band":
            return age_band(self.born, on)
        if dimension == "displacement":
            return self.displacement or ""
        if dimension == "nationality":
            return (self.nationality or "").upper()
        if dimension == "disability":
            return disability_code(self.disability)
        if dimension == "area":
            return str(self.area_id) if self.area_id else ""
        if dimension == "centre":
            return str(self.centre_id) if self.centre_id else ""
        if dimension == "household":
            return "" if self.migrant is None else ("yes" if self.migrant else "no")
        return ""

    def in_group(self, group: str, on: date) -> bool:
        facts = Facts(sex=self.sex, date_of_birth=self.born, displacement_status=self.displacement,
                      disability=self.disability or {}, area_code=self.area_code or None,
                      female_headed_household=self.female_headed, neet=self.neet)
        return group in groups_of(facts, on)


# Which encrypted registry fields a group filter needs.
GROUP_NEEDS: dict[str, tuple[str, ...]] = {
    "refugees": ("displacement_status",), "displaced": ("displacement_status",),
    "minors": ("date_of_birth",), "disability": ("disability",),
}


def protected_needed(filters: Filters) -> frozenset[str]:
    """The encrypted fields this table must decrypt: none for sex, area, centre, course, cohort, month."""
    needed: set[str] = set(GROUP_NEEDS.get(filters.group, ()))
    for d in filters.dimensions:
        needed.update(DIMENSIONS[d].protected)
    return frozenset(needed)
