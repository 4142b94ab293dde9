"""The one controlled vocabulary of disaggregation: dimensions, their values and labels.

Values come from the registry's own vocabularies (participants.vocab, training.Modality, Enrolment's
drop-out reasons, orgs.Area), so a page, a CSV file, the API and `kasb report` use the same codes and
the same translated labels. A value the record does not hold is NOT_RECORDED ("").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from kasb.careers.models import Event, OpportunityKind
from kasb.orgs.countries import country_name
from kasb.participants.vocab import Displacement, Sex, has_disability
from kasb.training.models import Enrolment, Modality

NOT_RECORDED = ""
NOT_RECORDED_LABEL = _("Not recorded")

# Age bands as youth programmes report them; "minors" are the first two.
AGE_BANDS: list[tuple[str, Any, int, int]] = [
    ("under_15", _("Under 15"), 0, 14),
    ("15_17", _("15 to 17"), 15, 17),
    ("18_24", _("18 to 24"), 18, 24),
    ("25_29", _("25 to 29"), 25, 29),
    ("30_35", _("30 to 35"), 30, 35),
    ("36_plus", _("36 and over"), 36, 200),
]
MINOR_BANDS = frozenset({"under_15", "15_17"})

DISABILITY_CHOICES: list[tuple[str, Any]] = [
    ("yes", _("With a disability (Washington Group)")),
    ("no", _("Without a disability")),
]


def age_on(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(born: date | None, on: date) -> str:
    age = age_on(born, on)
    if age is None:
        return NOT_RECORDED
    for code, _label, low, high in AGE_BANDS:
        if low <= age <= high:
            return code
    return NOT_RECORDED


def disability_code(answers: dict[str, int] | None) -> str:
    """'yes' at the Washington Group cut-off ('a lot of difficulty' or worse in any domain), 'no' below it."""
    if not answers:
        return NOT_RECORDED
    return "yes" if has_disability(answers) else "no"


@dataclass(frozen=True)
class Dimension:
    code: str
    label: Any
    hxl: str
    # "person": an attribute of the participant; "record": of the counted record (an enrolment's course);
    # "time": the month of the counted event.
    kind: str
    # Encrypted registry fields that must be decrypted to know the value (cost: see docs/indicators.md).
    protected: tuple[str, ...] = ()
    # Fixed choices, or None when labels come from the database (areas, centres, courses, cohorts).
    choices: tuple[tuple[str, Any], ...] | None = None


DIMENSIONS: dict[str, Dimension] = {d.code: d for d in [
    Dimension("sex", _("Sex"), "#group+sex", "person", choices=tuple(Sex.choices)),
    Dimension("age_band", _("Age band"), "#group+age", "person", ("date_of_birth",),
              choices=tuple((code, label) for code, label, _lo, _hi in AGE_BANDS)),
    Dimension("displacement", _("Displacement status"), "#group+displaced", "person", ("displacement_status",),
              choices=tuple(Displacement.choices)),
    Dimension("nationality", _("Nationality"), "#country+code+nationality", "person", ("nationality",)),
    Dimension("disability", _("Disability"), "#group+disability", "person", ("disability",),
              choices=tuple(DISABILITY_CHOICES)),
    Dimension("household", _("Migrant household"), "#group+household+migrant", "person",
              choices=(("yes", _("From a migrant household")), ("no", _("Not from a migrant household")))),
    Dimension("area", _("Governorate or region"), "#adm1+name", "person"),
    Dimension("centre", _("Centre"), "#loc+centre+name", "person"),
    Dimension("course", _("Course"), "#activity+course+name", "record"),
    Dimension("cohort", _("Cohort"), "#activity+cohort+name", "record"),
    Dimension("modality", _("Modality"), "#activity+modality", "record", choices=tuple(Modality.choices)),
    Dimension("dropout_reason", _("Reason for leaving"), "#meta+reason", "record",
              choices=tuple(Enrolment.DropoutReason.choices)),
    Dimension("placement_kind", _("Kind of placement"), "#activity+placement+type", "record",
              choices=tuple(OpportunityKind.choices)),
    Dimension("event_kind", _("Kind of event"), "#event+type", "record", choices=tuple(Event.Kind.choices)),
    Dimension("follow_up", _("Months after training"), "#date+follow_up", "record",
              choices=(("3", _("3 months")), ("6", _("6 months")), ("12", _("12 months")))),
    Dimension("source", _("Records"), "#meta+source", "record",
              choices=(("native", _("Recorded in Kasb")), ("imported", _("Imported historical records")))),
    Dimension("month", _("Month"), "#date+month", "time"),
]}

# The attribute of a sources.Row that holds a "record" dimension, where it is not the dimension's own name.
ROW_ATTRIBUTE = {"placement_kind": "kind", "event_kind": "kind", "follow_up": "kind", "source": "origin"}


def order_key(dimension: str, value: str) -> tuple[int, str]:
    """Fixed choices in their vocabulary's order, others alphabetically; 'not recorded' last."""
    if value == NOT_RECORDED:
        return (10_000, "")
    choices = DIMENSIONS[dimension].choices
    if choices:
        codes = [c for c, _label in choices]
        return (codes.index(value) if value in codes else 9_999, value)
    return (0, value)


def labeller(dimension: str, values: Iterable[str]) -> Callable[[str], str]:
    """A function from value to label for the values present; at most one query (database labels)."""
    labels: dict[str, str] = {NOT_RECORDED: str(NOT_RECORDED_LABEL)}
    dim = DIMENSIONS[dimension]
    present = {v for v in values if v != NOT_RECORDED}
    if dim.choices:
        labels.update({code: str(label) for code, label in dim.choices})
    elif dimension == "nationality":
        labels.update({code: country_name(code) or code for code in present})
    elif dimension == "month":
        labels.update({code: code for code in present})
    elif present:
        labels.update(_database_labels(dimension, present))
    return lambda value: labels.get(value, value)


def _database_labels(dimension: str, present: set[str]) -> dict[str, str]:
    from kasb.orgs.models import Area, Organisation
    from kasb.training.models import Cohort, Course

    ids = [int(v) for v in present if v.isdigit()]
    if dimension == "area":
        return {str(a.pk): str(a) for a in Area.objects.filter(pk__in=ids)}
    if dimension == "centre":
        return {str(pk): name for pk, name in Organisation.objects.filter(pk__in=ids).values_list("pk", "name")}
    if dimension == "course":
        return {str(c.pk): c.name for c in Course.objects.filter(pk__in=ids).only("pk", "title", "code")}
    if dimension == "cohort":
        return {str(pk): name for pk, name in Cohort.objects.filter(pk__in=ids).values_list("pk", "name")}
    return {}
