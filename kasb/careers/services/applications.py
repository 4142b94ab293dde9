"""Applications with the built CV, their status moves (who and when, every one), and placements.

applied → shortlisted → interviewed → offered → placed, and declined from any of them, are the employer's moves;
the participant may withdraw at any time before the end, and may decline an offer. "Placed" records the
Placement (type, dates, wage) with its tracer follow-ups at 3, 6 and 12 months.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Cap, Principal, require
from kasb.orgs.models import Organisation
from kasb.participants.models import Participant

from ..documents import assemble_cv, cv_text
from ..models import (
    CV,
    FOLLOW_UP_MONTHS,
    ApplicationChange,
    CareerApplication,
    FollowUp,
    Opportunity,
    OpportunityKind,
    PayPeriod,
    Placement,
)
from ..queries import applications_received_by, serves

S = CareerApplication.Status
# (from, to) -> who may make the move.
EMPLOYER, PARTICIPANT = "employer", "participant"
MOVES: dict[tuple[str, str], str] = {
    (S.APPLIED, S.SHORTLISTED): EMPLOYER, (S.SHORTLISTED, S.INTERVIEWED): EMPLOYER,
    (S.INTERVIEWED, S.OFFERED): EMPLOYER, (S.OFFERED, S.PLACED): EMPLOYER,
    **{(s, S.DECLINED): EMPLOYER for s in (S.APPLIED, S.SHORTLISTED, S.INTERVIEWED)},
    (S.OFFERED, S.DECLINED): EMPLOYER,  # the employer withdraws the offer, or the participant turns it down
    **{(s, S.WITHDRAWN): PARTICIPANT for s in (S.APPLIED, S.SHORTLISTED, S.INTERVIEWED, S.OFFERED)},
}
FINAL = (S.PLACED, S.DECLINED, S.WITHDRAWN)


def allowed_moves(status: str, *, as_employer: bool) -> list[str]:
    who = EMPLOYER if as_employer else PARTICIPANT
    found = [to for (frm, to), by in MOVES.items() if frm == status and by == who]
    if not as_employer and status == S.OFFERED:
        found.append(S.DECLINED)
    return found


@transaction.atomic
def apply(*, actor: Principal, opportunity: Opportunity, message: str = "") -> CareerApplication:
    """The participant sends their CV, as it is now, to the employer. Once per opportunity."""
    if not actor.participant_id:
        raise PermissionDenied(_("Only a participant can apply, with their own CV."))
    participant = Participant.objects.get(pk=actor.participant_id)
    opportunity = Opportunity.objects.select_related("employer").get(pk=opportunity.pk)
    if opportunity.employer.parent_id != participant.partner_id:
        raise NotFound(_("No such opportunity."))
    if opportunity.status != Opportunity.Status.OPEN or (
            opportunity.apply_by and opportunity.apply_by < timezone.localdate()):
        raise ValidationFailed(_("This opportunity no longer takes applications."), code="opportunity_closed")
    cv = CV.objects.filter(participant=participant).first()
    if cv is None:
        raise ValidationFailed(_("Build your CV first: it is what the employer will see."), code="cv_missing")
    text = str(message or "").replace("\x00", "").strip()
    if len(text) > 1500:
        raise ValidationFailed(_("Write at most %(limit)s characters.") % {"limit": 1500}, field="message")
    content = assemble_cv(cv)
    try:
        with transaction.atomic():
            application = CareerApplication.objects.create(
                opportunity=opportunity, participant=participant, cv_snapshot=content, cv_text=cv_text(content),
                message=text)
    except IntegrityError:
        raise Conflict(_("You have already applied for this opportunity."), code="already_applied") from None
    ApplicationChange.objects.create(application=application, from_status="", to_status=S.APPLIED,
                                     actor=actor.user, reason="")
    audit.record(actor=actor.user, verb="career_application.sent", obj=application, opportunity=opportunity.pk,
                 microwork_shared=cv.include_microwork)
    return application


def _may_act_as_employer(actor: Principal, application: CareerApplication) -> bool:
    return (actor.can(Cap.MANAGE_OPPORTUNITIES)
            and applications_received_by(actor).filter(pk=application.pk).exists())


@transaction.atomic
def move_application(*, actor: Principal, application: CareerApplication, to: str, reason: str = "",
                     placement: dict[str, Any] | None = None) -> CareerApplication:
    """Move an application one step, with a history row; "placed" also records the placement."""
    locked = (CareerApplication.objects.select_for_update(of=("self",))
              .select_related("opportunity", "opportunity__employer", "participant").get(pk=application.pk))
    own = actor.participant_id == locked.participant_id
    as_employer = _may_act_as_employer(actor, locked)
    if not own and not as_employer:
        raise NotFound(_("No such application."))
    if to not in S.values:
        raise ValidationFailed(_("Unknown status."), field="status")
    if to not in allowed_moves(locked.status, as_employer=as_employer) and not (
            own and to in allowed_moves(locked.status, as_employer=False)):
        raise Conflict(_("An application that is %(status)s cannot become %(to)s.")
                       % {"status": S(locked.status).label, "to": S(to).label}, code="invalid_move")
    if to == S.PLACED:
        _place(actor, locked, placement or {})
    before, locked.status = locked.status, to
    locked.save(update_fields=["status", "updated_at"])
    ApplicationChange.objects.create(application=locked, from_status=before, to_status=to, actor=actor.user,
                                     reason=str(reason or "").strip()[:300])
    audit.record(actor=actor.user, verb="career_application.moved", obj=locked, from_status=before, to_status=to,
                 api_key=actor.api_key_id)
    return locked


def _place(actor: Principal, application: CareerApplication, details: dict[str, Any]) -> Placement:
    opportunity = application.opportunity
    values: dict[str, Any] = {"kind": opportunity.kind, "title": opportunity.title, "starts_on": opportunity.starts_on,
              "ends_on": opportunity.ends_on, "wage": None, "wage_currency": opportunity.pay_currency,
              "wage_period": opportunity.pay_period}
    if opportunity.pay_minor:
        values["wage"] = Money(opportunity.pay_minor, opportunity.pay_currency)
    values.update({k: v for k, v in details.items() if v not in (None, "")})
    return _create_placement(actor, participant=application.participant, employer=opportunity.employer,
                             application=application, **values)


def _date(value: Any, field: str, *, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("Give the start date of the placement."), field=field)
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(_("Give the date as year-month-day, e.g. 2027-03-01."), field=field) from None


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _create_placement(actor: Principal, *, participant: Participant, employer: Organisation,
                      application: CareerApplication | None, kind: str, title: str, starts_on: Any,
                      ends_on: Any = None, wage: Money | str | None = None, wage_currency: str = "",
                      wage_period: str = "", historical: bool = False) -> Placement:
    if kind not in OpportunityKind.values:
        raise ValidationFailed(_("Choose internship, apprenticeship, job or freelance gig."), field="kind")
    start, end = _date(starts_on, "starts_on", required=True), _date(ends_on, "ends_on")
    assert start is not None  # required=True raised otherwise
    if start and end and end < start:
        raise ValidationFailed(_("The end date is before the start date."), field="ends_on")
    money: Money | None = None
    if isinstance(wage, Money):
        money = wage
    elif wage not in (None, ""):
        money = Money.parse(str(wage), wage_currency, field="wage")
    if money is not None and money.minor <= 0:
        raise ValidationFailed(_("The wage must be more than zero."), field="wage")
    if money is not None and wage_period not in PayPeriod.values:
        raise ValidationFailed(_("Choose per hour, per day, per month or in total."), field="wage_period")
    title = str(title or "").strip()[:200]
    if not title:
        raise ValidationFailed(_("Give the position's title."), field="title")
    placement = Placement.objects.create(
        participant=participant, employer=employer, application=application, kind=kind, title=title,
        starts_on=start, ends_on=end, wage_minor=money.minor if money else None,
        wage_currency=money.currency if money else "", wage_period=wage_period if money else "",
        created_by=actor.user)
    dues = [(m, add_months(start, m)) for m in FOLLOW_UP_MONTHS]
    if historical:  # a placement from the partner's old records: no reminders for follow-ups long past
        dues = [(m, due) for m, due in dues if due >= timezone.localdate()]
    FollowUp.objects.bulk_create([FollowUp(placement=placement, months=m, due_on=due) for m, due in dues])
    audit.record(actor=actor.user, verb="placement.recorded", obj=placement, participant=participant.pk,
                 employer=employer.pk)
    return placement


@transaction.atomic
def record_placement(*, actor: Principal, participant: Participant, employer: Organisation, kind: str, title: str,
                     starts_on: Any, ends_on: Any = None, wage: Money | str | None = None, wage_currency: str = "",
                     wage_period: str = "", historical: bool = False) -> Placement:
    """A placement found outside the platform's applications (a job fair, the participant's own search), or
    from the partner's records before Kasb (`historical`: follow-ups already past are not created)."""
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if not serves(actor, participant):
        raise NotFound(_("No such participant."))
    if employer.kind != Organisation.Kind.EMPLOYER or employer.parent_id != participant.partner_id:
        raise ValidationFailed(_("Choose an employer that works with the participant's programme."), field="employer")
    return _create_placement(actor, participant=participant, employer=employer, application=None, kind=kind,
                             title=title, starts_on=starts_on, ends_on=ends_on, wage=wage, wage_currency=wage_currency,
                             wage_period=wage_period, historical=historical)


@transaction.atomic
def record_placement_outcome(*, actor: Principal, placement: Placement, completed: bool) -> Placement:
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if not serves(actor, placement.participant):
        raise NotFound(_("No such placement."))
    locked = Placement.objects.select_for_update().get(pk=placement.pk)
    locked.completed, locked.completed_recorded_at = bool(completed), timezone.now()
    locked.save(update_fields=["completed", "completed_recorded_at"])
    audit.record(actor=actor.user, verb="placement.outcome", obj=locked, completed=locked.completed)
    return locked


@transaction.atomic
def mark_follow_up_done(*, actor: Principal, follow_up: FollowUp) -> FollowUp:
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if not serves(actor, follow_up.placement.participant):
        raise NotFound(_("No such placement."))
    FollowUp.objects.filter(pk=follow_up.pk, done_at__isnull=True).update(done_at=timezone.now())
    follow_up.refresh_from_db()
    audit.record(actor=actor.user, verb="placement.follow_up_done", obj=follow_up.placement, months=follow_up.months)
    return follow_up
