"""Results frameworks, read side: periods, and progress against target (actual vs target per indicator).

An actual is never stored: it is the registry indicator computed for the framework's programme and the
period, kept to one value of a breakdown if the framework says so (sex = female), and, if asked, as a
share of the unfiltered figure (70% women). It is suppressed like every other table: for someone who may
not see small numbers, an actual resting on fewer people than the threshold is hidden ("…").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from kasb.core.errors import NotFound, ValidationFailed
from kasb.core.money import Money, exponent
from kasb.core.permissions import Cap, Principal

from .context import Filters, scope_for
from .indicators import INDICATORS, Indicator
from .models import Framework, Result, ResultIndicator, Target
from .tables import Table, compute_many
from .vocab import labeller

QUARTER_ENDS = {1: 31, 2: 30, 3: 30, 4: 31}
PERIOD = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4])|-(?P<last>\d{4}))?$")


def parse_period(text: str) -> tuple[date, date]:
    """"2025" → the year; "2025-Q2" → April to June; "2022-2024" → three whole years."""
    match = PERIOD.match((text or "").strip())
    if not match:
        raise ValidationFailed(_("Write the period as a year (2025), a quarter (2025-Q2) or years (2022-2024)."),
                               field="period")
    year = int(match["year"])
    if match["quarter"]:
        q = int(match["quarter"])
        return date(year, 3 * q - 2, 1), date(year, 3 * q, QUARTER_ENDS[q])
    last = int(match["last"]) if match["last"] else year
    if not 1990 <= year <= last <= year + 10:
        raise ValidationFailed(_("Write the period as a year (2025), a quarter (2025-Q2) or years (2022-2024)."),
                               field="period")
    return date(year, 1, 1), date(last, 12, 31)


def managed_programme_partners(principal: Principal) -> set[int] | None:
    """The partners whose frameworks the principal may build; None: every partner (a superuser)."""
    if principal.is_superuser:
        return None
    return {g.partner_id for g in principal.grants_with(Cap.MANAGE_MONITORING) if g.partner_id and not g.is_centre}


def frameworks_for(principal: Principal) -> QuerySet[Framework]:
    """The frameworks of the programmes whose indicators the principal may see (one query)."""
    scope = scope_for(principal)
    qs = Framework.objects.select_related("programme")
    if scope.partner_ids is None:
        return qs
    return qs.filter(programme__partner_id__in=sorted(scope.partner_ids))


def framework_for(principal: Principal, pk: int) -> Framework:
    framework = frameworks_for(principal).filter(pk=pk).first()
    if framework is None:
        raise NotFound(_("There is no such results framework."))
    return framework


def tree(framework: Framework) -> list[Result]:
    """Outcomes with their outputs, indicators and targets prefetched (four queries)."""
    indicators = Prefetch("indicators", ResultIndicator.objects.prefetch_related("targets"))
    outputs = Prefetch("outputs", Result.objects.prefetch_related(indicators))
    return list(framework.results.filter(parent__isnull=True).prefetch_related(indicators, outputs))


def filter_options(framework: Framework) -> list[tuple[str, list[tuple[str, str]]]]:
    """What a framework indicator may be limited to, by name, grouped by breakdown: ("Sex", [("sex:female",
    "Female"), ...]). Areas of the programme's country, the partner's centres and courses, the programme's
    cohorts (four queries); the values are the codes tables use."""
    from kasb.orgs.countries import country_choices
    from kasb.orgs.models import Area, Organisation
    from kasb.training.models import Cohort, Course

    from .vocab import DIMENSIONS

    programme = framework.programme
    named: dict[str, list[tuple[str, str]]] = {
        "nationality": country_choices(),
        "area": [(str(a.pk), str(a)) for a in Area.objects.filter(country=programme.country)],
        "centre": [(str(pk), name) for pk, name in Organisation.objects.filter(
            parent_id=programme.partner_id, kind=Organisation.Kind.CENTRE).order_by("name").values_list("pk", "name")],
        "course": [(str(c.pk), c.name) for c in Course.objects.filter(partner_id=programme.partner_id)
                   .only("pk", "title", "code").order_by("code")],
        "cohort": [(str(pk), name) for pk, name in Cohort.objects.filter(programme=programme).order_by("name")
                   .values_list("pk", "name")],
    }
    options = []
    for dim in DIMENSIONS.values():
        values = [(code, str(label)) for code, label in dim.choices] if dim.choices else named.get(dim.code, [])
        if dim.kind != "time" and values:
            options.append((str(dim.label), [(f"{dim.code}:{code}", label) for code, label in values]))
    return options


@dataclass
class Progress:
    result: Result
    line: ResultIndicator
    indicator: Indicator
    label: str
    target: Decimal | None
    actual: Decimal | None        # None: nothing to show, or hidden
    hidden: bool
    display: str
    target_display: str
    baseline_display: str

    @property
    def percent(self) -> int | None:
        if self.actual is None or not self.target:
            return None
        return int((100 * self.actual / self.target).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _major(minor: int, currency: str) -> Decimal:
    return Decimal(minor) / (10 ** exponent(currency))


def _number(value: Decimal | None, unit: str, currency: str) -> str:
    if value is None:
        return "–"
    if unit == "share":
        return f"{value.normalize():f}%"
    if unit == "money" and currency:
        return str(Money(int(value * 10 ** exponent(currency)), currency))
    return f"{value.normalize():f}"


def describe(line: ResultIndicator, ind: Indicator) -> str:
    """"Completed training: Sex = Female (share)" in the reader's language."""
    name = str(ind.name)
    if not line.filter_dimension:
        return name
    from .vocab import DIMENSIONS

    dim = DIMENSIONS.get(line.filter_dimension)
    value = labeller(line.filter_dimension, [line.filter_value])(line.filter_value) if dim else line.filter_value
    text = _("%(indicator)s: %(breakdown)s %(value)s") % {
        "indicator": name, "breakdown": dim.label if dim else line.filter_dimension, "value": value}
    return _("%(text)s, as a share of all") % {"text": text} if line.as_share else text


def _request(line: ResultIndicator, ind: Indicator, filters: Filters) -> tuple[Indicator, Filters]:
    """The table a framework indicator reads: its indicator over the period and programme, broken down by
    the breakdown it is limited to."""
    by = (line.filter_dimension,) if line.filter_dimension else ()
    return ind, Filters(filters.start, filters.end, filters.programme_id, suppress=filters.suppress, dimensions=by)


def actual(line: ResultIndicator, ind: Indicator, tables: list[Table]) -> tuple[Decimal | None, bool]:
    """(value, hidden) for one framework indicator, from its table(s)."""
    table = _in_currency(tables, line.currency) if ind.unit == "money" else tables[0]
    if table is None:
        return (Decimal(0) if ind.unit == "money" else None), False
    cell = table.total
    if line.filter_dimension:
        found = [ln.total for ln in table.lines if ln.code == line.filter_value]
        if not found:
            return None, False
        cell = found[0]
    if cell.hidden:
        return None, True
    value = cell.value
    if value is None:
        return None, False
    if ind.unit == "money":
        return _major(int(value), table.currency), False
    if line.as_share:
        whole = table.total
        if whole.hidden or not whole.value:
            return None, whole.hidden
        return (Decimal(100) * Decimal(value) / Decimal(whole.value)).quantize(Decimal("0.1"),
                                                                               rounding=ROUND_HALF_UP), False
    return Decimal(value), False


def _in_currency(tables: list[Table], currency: str) -> Table | None:
    return next((t for t in tables if t.currency == currency), None)


def progress(principal: Principal, framework: Framework, period: str, *, suppress: bool = True) -> list[Progress]:
    """Every indicator of the framework for the period: baseline, target, actual. Indicators over the same
    records share one pass (tables.compute_many): the query count depends on which sources the framework's
    indicators read, never on the number of records."""
    scope = scope_for(principal)
    start, end = parse_period(period)
    filters = Filters(start, end, framework.programme_id, suppress=suppress or not scope.unsuppressed)
    lines: list[tuple[Result, ResultIndicator, Indicator]] = []
    for result in tree(framework):
        for item in [result, *result.outputs.all()]:
            for line in item.indicators.all():
                ind = INDICATORS.get(line.code)
                if ind is None or not ind.available:
                    raise ValidationFailed(_("The indicator %(code)s no longer exists.") % {"code": line.code})
                lines.append((item, line, ind))
    tables = compute_many([_request(line, ind, filters) for _item, line, ind in lines], scope)
    return [_row(item, line, ind, period, found) for (item, line, ind), found in zip(lines, tables, strict=True)]


def _row(result: Result, line: ResultIndicator, ind: Indicator, period: str, tables: list[Table]) -> Progress:
    target = next((t.value for t in line.targets.all() if t.period == period), None)
    value, hidden = actual(line, ind, tables)
    unit = "share" if line.as_share else ind.unit
    return Progress(result, line, ind, describe(line, ind), target, value, hidden,
                    "…" if hidden else _number(value, unit, line.currency), _number(target, unit, line.currency),
                    _number(line.baseline, unit, line.currency))


def unit_of(line: ResultIndicator) -> str:
    ind = INDICATORS[line.code]
    return "share" if line.as_share else ind.unit


def periods(framework: Framework) -> list[str]:
    """The periods that have targets, in order (one query)."""
    return sorted(set(Target.objects.filter(indicator__result__framework=framework)
                      .values_list("period", flat=True)))

