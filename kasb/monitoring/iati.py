"""IATI 2.03 results export of a results framework for one period.

One <iati-activity> carrying the activity's identifiers, the partner as reporting and implementing
organisation, and one <result> per outcome and output, in the element order of the IATI 2.03 activity
schema:

    result[@type, @aggregation-status] → title → description → indicator[@measure, @ascending]
    indicator → title → description → reference[@vocabulary=99, @code] → baseline[@year, @value]
              → period → period-start[@iso-date] → period-end[@iso-date] → target[@value] → actual[@value]
    target/actual → dimension[@name, @value] → comment

A framework indicator kept to one breakdown value (sex = female) carries it as a dimension on its target and
actual; a count indicator that can be broken down by sex also gets one more actual per sex, each with its
dimension (the disaggregated values). The file leaves the organisation, so it is always suppressed: a hidden
figure is an <actual> without @value whose comment says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree as ET

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kasb.core.errors import ValidationFailed
from kasb.core.permissions import Principal

from .context import Filters, Scope, scope_for
from .frameworks import Progress, parse_period, progress
from .models import Framework, Result
from .tables import compute, threshold
from .vocab import DIMENSIONS, labeller

RESULT_TYPE: dict[str, str] = {Result.Level.OUTPUT: "1", Result.Level.OUTCOME: "2"}
MEASURE = {"count": "1", "share": "2", "money": "1", "days": "1", "hours": "1"}
REPORTING_VOCABULARY = "99"  # the reporting organisation's own indicator codes
IMPLEMENTING = "4"
IMPLEMENTATION = "2"
LOCAL_NGO = "22"


def _narrative(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    ET.SubElement(element, "narrative").text = text
    return element


def _value(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def results_xml(principal: Principal, framework: Framework, period: str) -> bytes:
    """The framework's results for the period as IATI 2.03 XML (UTF-8, with a declaration)."""
    if not framework.iati_identifier or not framework.reporting_org_ref:
        raise ValidationFailed(_("Add the IATI activity and organisation identifiers to the framework first."),
                               field="iati_identifier")
    start, end = parse_period(period)
    rows = progress(principal, framework, period, suppress=True)
    now = timezone.now().replace(microsecond=0).isoformat()
    root = ET.Element("iati-activities", {"version": "2.03", "generated-datetime": now})
    activity = ET.SubElement(root, "iati-activity", {
        "last-updated-datetime": now, "{http://www.w3.org/XML/1998/namespace}lang": (get_language() or "en")[:2],
        "default-currency": framework.programme.currency})
    ET.SubElement(activity, "iati-identifier").text = framework.iati_identifier
    partner = framework.programme.partner
    reporting = ET.SubElement(activity, "reporting-org", {"ref": framework.reporting_org_ref, "type": LOCAL_NGO})
    ET.SubElement(reporting, "narrative").text = partner.name
    _narrative(activity, "title", framework.programme.name)
    participating = ET.SubElement(activity, "participating-org", {"ref": framework.reporting_org_ref,
                                                                  "role": IMPLEMENTING, "type": LOCAL_NGO})
    ET.SubElement(participating, "narrative").text = partner.name
    ET.SubElement(activity, "activity-status", {"code": IMPLEMENTATION})
    ET.SubElement(activity, "activity-date", {"type": "2", "iso-date": (framework.programme.starts_on or start)
                                              .isoformat()})
    by_result: dict[int, list[Progress]] = {}
    for row in rows:
        by_result.setdefault(row.result.pk, []).append(row)
    scope = scope_for(principal)
    for result_rows in by_result.values():
        _result(activity, result_rows, start, end, Filters(start, end, framework.programme_id), scope)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _result(activity: ET.Element, rows: list[Progress], start: date, end: date, filters: Filters,
            scope: Scope) -> None:
    result = rows[0].result
    element = ET.SubElement(activity, "result", {"type": RESULT_TYPE[result.level], "aggregation-status": "0"})
    _narrative(element, "title", f"{result.code} {result.title}")
    for row in rows:
        _indicator(element, row, start, end, filters, scope)


def _indicator(parent: ET.Element, row: Progress, start: date, end: date, filters: Filters, scope: Scope) -> None:
    unit = "share" if row.line.as_share else row.indicator.unit
    element = ET.SubElement(parent, "indicator", {"measure": MEASURE.get(unit, "1"), "ascending": "1"})
    _narrative(element, "title", row.label)
    _narrative(element, "description", str(row.indicator.definition))
    ET.SubElement(element, "reference", {"vocabulary": REPORTING_VOCABULARY, "code": row.line.code})
    dimensions = _dimensions(row)
    if row.line.baseline is not None:
        baseline = ET.SubElement(element, "baseline", {
            "year": str(row.line.baseline_year or start.year), "value": _value(row.line.baseline)})
        _add_dimensions(baseline, dimensions)
    period = ET.SubElement(element, "period")
    ET.SubElement(period, "period-start", {"iso-date": start.isoformat()})
    ET.SubElement(period, "period-end", {"iso-date": end.isoformat()})
    if row.target is not None:
        target = ET.SubElement(period, "target", {"value": _value(row.target)})
        _add_dimensions(target, dimensions)
    _actual(period, row.actual, row.hidden, dimensions, row.line.currency)
    if unit == "count" and not row.line.filter_dimension and "sex" in row.indicator.dimensions:
        for sex, value, hidden in _by_sex(row, filters, scope):
            _actual(period, value, hidden, [(str(DIMENSIONS["sex"].label), sex)], "")


def _dimensions(row: Progress) -> list[tuple[str, str]]:
    if not row.line.filter_dimension:
        return []
    dim = DIMENSIONS.get(row.line.filter_dimension)
    name = str(dim.label) if dim else row.line.filter_dimension
    value = labeller(row.line.filter_dimension, [row.line.filter_value])(row.line.filter_value) if dim else (
        row.line.filter_value)
    return [(name, value)]


def _add_dimensions(element: ET.Element, dimensions: Iterable[tuple[str, str]]) -> None:
    for name, value in dimensions:
        ET.SubElement(element, "dimension", {"name": name, "value": value})


def _actual(period: ET.Element, value: Decimal | None, hidden: bool, dimensions: list[tuple[str, str]],
            currency: str) -> None:
    attributes = {} if value is None else {"value": _value(value)}
    actual = ET.SubElement(period, "actual", attributes)
    _add_dimensions(actual, dimensions)
    if hidden:
        _narrative(actual, "comment", _("Hidden: it counts fewer than %(n)s people.") % {"n": threshold()})
    elif currency:
        _narrative(actual, "comment", _("In %(currency)s.") % {"currency": currency})


def _by_sex(row: Progress, filters: Filters, scope: Scope) -> list[tuple[str, Decimal | None, bool]]:
    by_sex = Filters(filters.start, filters.end, filters.programme_id, dimensions=("sex",), suppress=True)
    table = compute(row.indicator, by_sex, scope)[0]
    return [(line.label, None if line.total.value is None else Decimal(line.total.value), line.total.hidden)
            for line in table.lines if line.code]
