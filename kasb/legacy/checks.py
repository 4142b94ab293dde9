"""Checking one row of a historical-records file: clean values, or {column: reason} a person can act on.

The cell readers (text, dates, yes/no, codes from a list) are the registry import's, so a date or a yes/no
is written the same way in every file a partner brings. Look-ups (participants, courses, centres,
employers, skills) are loaded once per file by Context, so a 10,000-row file costs a handful of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kasb.careers.models import OpportunityKind, PayPeriod, Referral, ServiceKind
from kasb.core.errors import ValidationFailed
from kasb.core.money import Money, check_currency
from kasb.orgs.models import Organisation
from kasb.participants.registration import _bool, _choice, _date, _text
from kasb.skills.models import Level, Skill
from kasb.training.models import Course, CourseSkill, Enrolment

from .columns import required_columns
from .models import EarningSource, HistoricalStatus, RecordType
from .resolve import ParticipantResolver


@dataclass
class Checked:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class Context:
    """What checking a file of one partner needs, loaded once."""

    def __init__(self, *, partner: Organisation, resolver: ParticipantResolver, today: date,
                 may_record_placements: bool) -> None:
        self.partner = partner
        self.resolver = resolver
        self.today = today
        self.may_record_placements = may_record_placements
        self._courses: dict[str, Course] | None = None
        self._centres: dict[str, Organisation] | None = None
        self._employers: dict[str, Organisation] | None = None
        self._skills: dict[str, Skill] | None = None
        self._course_skills: dict[int, list[tuple[Skill, int]]] | None = None

    @property
    def courses(self) -> dict[str, Course]:
        if self._courses is None:
            self._courses = {}
            for course in Course.objects.filter(partner=self.partner):
                self._courses[course.code.casefold()] = course
                for title in (course.title or {}).values():
                    self._courses.setdefault(str(title).strip().casefold(), course)
        return self._courses

    def _orgs(self, kind: str) -> dict[str, Organisation]:
        return {o.name.casefold(): o for o in Organisation.objects.filter(parent=self.partner, kind=kind)}

    @property
    def centres(self) -> dict[str, Organisation]:
        if self._centres is None:
            self._centres = self._orgs(Organisation.Kind.CENTRE)
        return self._centres

    @property
    def employers(self) -> dict[str, Organisation]:
        if self._employers is None:
            self._employers = self._orgs(Organisation.Kind.EMPLOYER)
        return self._employers

    @property
    def skills(self) -> dict[str, Skill]:
        if self._skills is None:
            self._skills = {s.code: s for s in Skill.objects.filter(is_active=True)}
        return self._skills

    def course_skills(self, course: Course) -> list[tuple[Skill, int]]:
        if self._course_skills is None:
            self._course_skills = {}
            for cs in CourseSkill.objects.filter(course__partner=self.partner).select_related("skill"):
                self._course_skills.setdefault(cs.course_id, []).append((cs.skill, cs.level))
        return self._course_skills.get(course.pk, [])


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return str(exc.messages[0])
    return str(getattr(exc, "message", exc))


class Row:
    """Collects the clean values and the first problem of each column of one row."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.out = Checked()

    def given(self, column: str) -> bool:
        value = self.raw.get(column)
        return isinstance(value, date | datetime | int | float) or bool(_text(value))

    def take(self, column: str, parse: Callable[[Any], Any], *, required: bool = False, default: Any = None) -> Any:
        if not self.given(column):
            if required:
                self.out.errors[column] = _("This is required.")
            self.out.values[column] = default
            return default
        try:
            value = parse(self.raw.get(column))
        except (ValidationError, ValidationFailed) as exc:
            self.out.errors[column] = _message(exc)
            return None
        self.out.values[column] = value
        return value

    def fail(self, column: str, reason: str) -> None:
        self.out.errors.setdefault(column, reason)

    def ok(self, *columns: str) -> bool:
        return not any(c in self.out.errors for c in columns)


# --- cell readers --------------------------------------------------------------------------------------

def text(limit: int) -> Callable[[Any], str]:
    return lambda raw: _text(raw)[:limit]


def past_date(today: date) -> Callable[[Any], date]:
    def parse(raw: Any) -> date:
        day = _date(raw)
        if day > today:
            raise ValidationError(_("“%(value)s” is in the future; historical records happened in the past.")
                                  % {"value": day.isoformat()})
        return day
    return parse


def month(today: date) -> Callable[[Any], date]:
    def parse(raw: Any) -> date:
        if isinstance(raw, datetime | date):
            day = raw.date() if isinstance(raw, datetime) else raw
        else:
            value = _text(raw)
            try:
                day = datetime.strptime(value, "%Y-%m").date()
            except ValueError:
                try:
                    day = _date(value)
                except ValidationError:
                    raise ValidationError(_("“%(value)s” is not a month. Write it as YYYY-MM, e.g. 2022-07.")
                                          % {"value": value}) from None
        day = day.replace(day=1)
        if day > today:
            raise ValidationError(_("“%(value)s” is in the future; historical records happened in the past.")
                                  % {"value": day.strftime("%Y-%m")})
        return day
    return parse


def yes_no(raw: Any) -> bool:
    return _bool(raw)


def count(raw: Any) -> int:
    value = _text(raw)
    if not value.isdigit():
        raise ValidationError(_("“%(value)s” is not a whole number of zero or more.") % {"value": value})
    return int(value)


def hours(raw: Any) -> Decimal:
    value = _text(raw)
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    exponent = number.as_tuple().exponent
    if not number.is_finite() or number < 0 or number >= 10**7 or (isinstance(exponent, int) and exponent < -2):
        raise ValidationError(_("“%(value)s” is not a number of hours such as 36.5 (at most two decimals).")
                              % {"value": value})
    return number


def choice(choices: Any, column: str) -> Callable[[Any], str]:
    return lambda raw: _choice(raw, choices, column)


def money(row: Row, amount_column: str, currency_column: str, *, required: bool = False) -> Money | None:
    """An amount in its currency's minor units: the currency must be ISO 4217 and the decimals must fit it."""
    if not row.given(amount_column):
        if required:
            row.fail(amount_column, _("This is required."))
        if required and not row.given(currency_column):
            row.fail(currency_column, _("This is required."))
        return None
    currency = row.take(currency_column, lambda raw: check_currency(_text(raw)), required=True)
    if currency is None:
        return None
    value = row.take(amount_column, lambda raw: Money.parse(raw if isinstance(raw, int) else _text(raw), currency,
                                                            field=amount_column))
    if value is not None and value.minor < 0:
        row.fail(amount_column, _("The amount cannot be below zero."))
        return None
    return value  # type: ignore[no-any-return]


def dates(row: Row, ctx: Context, start: str, end: str, *, end_required: bool = False) -> None:
    started = row.take(start, past_date(ctx.today), required=True)
    ended = row.take(end, past_date(ctx.today), required=end_required)
    if started and ended and ended < started:
        row.fail(end, _("The end date is before the start date."))


# --- one checker per record type ----------------------------------------------------------------------

def check_old_ids(row: Row, ctx: Context) -> None:
    row.take("old_id", text(60), required=True)


def check_enrolment(row: Row, ctx: Context) -> None:
    name = row.take("course", text(200), required=True)
    row.out.values["course_ref"] = ctx.courses.get(name.casefold()) if name else None
    row.take("cohort", text(120), default="")
    centre_name = row.take("centre", text(200))
    if centre_name:
        row.out.values["centre"] = ctx.centres.get(centre_name.casefold())
        if row.out.values["centre"] is None:
            row.fail("centre", _("“%(value)s” is not one of your centres.") % {"value": centre_name})
    status = row.take("status", choice(HistoricalStatus, "status"), required=True)
    dates(row, ctx, "started_on", "ended_on", end_required=status in (HistoricalStatus.COMPLETED,
                                                                      HistoricalStatus.DROPPED))
    reason = row.take("dropout_reason", choice(Enrolment.DropoutReason, "dropout_reason"), default="")
    if reason and status != HistoricalStatus.DROPPED:
        row.fail("dropout_reason", _("Give a reason for leaving only for someone who dropped out."))
    verified = row.take("partner_verified", yes_no, default=False)
    codes = row.take("skills", lambda raw: [c.strip() for c in _text(raw).replace(";", ",").split(",") if c.strip()],
                     default=[])
    _verified_skills(row, ctx, status, bool(verified), codes or [])


def _verified_skills(row: Row, ctx: Context, status: str | None, verified: bool, codes: list[str]) -> None:
    row.out.values["verify"] = []
    if codes and not verified:
        row.fail("skills", _("Skills are verified only when partner_verified is yes; leave this empty otherwise."))
    if not verified:
        return
    if status != HistoricalStatus.COMPLETED:
        row.fail("partner_verified", _("Only a completion can be verified; this row is not completed."))
        return
    unknown = [c for c in codes if c not in ctx.skills]
    if unknown:
        row.fail("skills", _("Unknown skill codes: %(codes)s.") % {"codes": ", ".join(unknown)})
        return
    if codes:
        row.out.values["verify"] = [(ctx.skills[c], Level.BASIC) for c in codes]
    elif row.out.values.get("course_ref") is not None:
        row.out.values["verify"] = ctx.course_skills(row.out.values["course_ref"])
    elif row.ok("course"):
        row.fail("skills", _("Name the skills to verify (skill codes): this course is not one of your Kasb "
                             "courses."))


def check_placement(row: Row, ctx: Context) -> None:
    row.take("kind", choice(OpportunityKind, "kind"), required=True)
    employer = row.take("employer", text(200), required=True)
    row.take("title", text(200), required=True)
    dates(row, ctx, "started_on", "ended_on")
    wage = money(row, "wage", "wage_currency")
    period = row.take("wage_period", choice(PayPeriod, "wage_period"), default="")
    if wage is not None and not period:
        row.fail("wage_period", _("Say what the wage was for: hour, day, month or total."))
    if wage is not None and wage.minor == 0:
        row.fail("wage", _("The wage must be more than zero; leave it empty if it was unpaid."))
    row.take("completed", yes_no)
    org = ctx.employers.get(employer.casefold()) if employer else None
    # A placement with an employer Kasb knows becomes a careers placement, if the importer may record one.
    row.out.values["employer_org"] = org if ctx.may_record_placements else None


def check_engagement(row: Row, ctx: Context) -> None:
    row.take("client", text(200), required=True)
    row.take("task_type", text(120), required=True)
    row.take("tasks_done", count, default=0)
    row.take("hours", hours)
    dates(row, ctx, "started_on", "ended_on")


def check_earning(row: Row, ctx: Context) -> None:
    row.take("month", month(ctx.today), required=True)
    row.out.values["money"] = money(row, "amount", "currency", required=True)
    if row.out.values["money"] is not None and row.out.values["money"].minor == 0:
        row.fail("amount", _("Leave out months with no earnings."))
    row.take("source", choice(EarningSource, "source"), required=True)


def check_referral(row: Row, ctx: Context) -> None:
    row.take("service", choice(ServiceKind, "service"), required=True)
    row.take("provider", text(200), required=True)
    row.take("referred_on", past_date(ctx.today), required=True)
    row.take("status", choice(Referral.Status, "status"), default=Referral.Status.REFERRED)
    row.take("outcome", text(1500), default="")
    row.out.values["loan"] = money(row, "loan_amount", "loan_currency")
    row.take("loan_status", choice(Referral.LoanStatus, "loan_status"), default="")
    row.take("business_started", yes_no)


def check_survey(row: Row, ctx: Context) -> None:
    row.take("survey", text(120), required=True)
    row.take("answered_on", past_date(ctx.today), required=True)
    row.take("employed", yes_no)
    row.out.values["earned"] = money(row, "earnings", "earnings_currency")
    row.take("using_skills", yes_no)


CHECKERS: dict[str, Callable[[Row, Context], None]] = {
    RecordType.OLD_IDS: check_old_ids,
    RecordType.ENROLMENTS: check_enrolment,
    RecordType.PLACEMENTS: check_placement,
    RecordType.MICROWORK: check_engagement,
    RecordType.EARNINGS: check_earning,
    RecordType.REFERRALS: check_referral,
    RecordType.SURVEYS: check_survey,
}


def check_row(record_type: str, raw: Mapping[str, Any], ctx: Context) -> Checked:
    row = Row(raw)
    for column in required_columns(record_type):
        if column != "participant" and not row.given(column):
            row.fail(column, _("This is required."))
    if not row.given("participant"):
        row.fail("participant", _("This is required."))
    else:
        person, reason = ctx.resolver.find(_text(raw.get("participant")))
        if person is None:
            row.fail("participant", reason)
        row.out.values["participant_id"] = person
    CHECKERS[record_type](row, ctx)
    if record_type == RecordType.OLD_IDS and row.ok("old_id"):
        old = row.out.values["old_id"]
        owner = ctx.resolver.old_ids.get(old)
        if owner is not None:
            row.fail("old_id", _("“%(value)s” is already the old id of participant %(ref)s.")
                     % {"value": old, "ref": ctx.resolver.reference_of(owner)})
    return row.out


def keys_of(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(v.casefold() if isinstance(v, str) else v for v in values)
