"""Opportunities from employers, and coordinators' recommendations of participants to them.

An employer member posts for their own employer organisation only; a programme manager or coordinator for
any employer of their partner (kasb.careers.queries.employer_scope).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.cleaning import clean_text
from kasb.core.errors import NotFound, PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Cap, Principal, require
from kasb.orgs.models import Area, Organisation
from kasb.participants.models import Participant
from kasb.skills.models import Skill

from ..models import Opportunity, OpportunityKind, PayPeriod, Recommendation
from ..queries import employer_scope, serves

FIELDS = ("kind", "title", "description", "area", "remote", "pay", "pay_currency", "pay_period", "starts_on",
          "ends_on", "apply_by", "how_to_apply", "skills")


def may_manage_employer(actor: Principal, employer: Organisation) -> bool:
    if employer.kind != Organisation.Kind.EMPLOYER:
        return False
    if actor.is_superuser:
        return True
    own, partners = employer_scope(actor)
    return employer.pk in own or (employer.parent_id is not None and employer.parent_id in partners)


def _require_employer(actor: Principal, employer: Organisation) -> None:
    require(actor, Cap.MANAGE_OPPORTUNITIES)
    if not may_manage_employer(actor, employer):
        raise PermissionDenied(_("You can only post opportunities for your own employer organisation."))


def _date(values: dict[str, Any], name: str) -> date | None:
    value = values.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(_("Give the date as year-month-day, e.g. 2027-03-01."), field=name) from None


def _skills(codes: Any) -> list[Skill]:
    wanted = [str(c).strip() for c in (codes or []) if str(c).strip()]
    found = {s.code: s for s in Skill.objects.filter(code__in=wanted, is_active=True)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise ValidationFailed(_("Unknown skill codes: %(codes)s.") % {"codes": ", ".join(unknown[:10])},
                               field="skills", code="unknown_skill")
    return list(found.values())


def _area(value: Any, country: str) -> Area | None:
    if value in (None, ""):
        return None
    if isinstance(value, Area):
        return value
    area = Area.objects.filter(code=str(value).strip().upper()).first() or (
        Area.objects.filter(pk=value).first() if str(value).isdigit() else None)
    if area is None or area.country != country:
        raise ValidationFailed(_("Choose a governorate or region of the employer's country."), field="area")
    return area


def clean(values: dict[str, Any], employer: Organisation) -> dict[str, Any]:
    """Check every field; raises ValidationFailed naming the first bad one."""
    kind = values.get("kind")
    if kind not in OpportunityKind.values:
        raise ValidationFailed(_("Choose internship, apprenticeship, job or freelance gig."), field="kind")
    cleaned: dict[str, Any] = {
        "kind": kind, "title": clean_text(values.get("title"), "title", 200, required=True),
        "description": clean_text(values.get("description"), "description", 4000),
        "how_to_apply": clean_text(values.get("how_to_apply"), "how_to_apply", 1000),
        "remote": bool(values.get("remote")), "area": _area(values.get("area"), employer.country),
        "starts_on": _date(values, "starts_on"), "ends_on": _date(values, "ends_on"),
        "apply_by": _date(values, "apply_by"), "pay_minor": None, "pay_currency": "", "pay_period": "",
    }
    if not cleaned["remote"] and cleaned["area"] is None:
        raise ValidationFailed(_("Say where the work is, or that it is remote."), field="area")
    if cleaned["starts_on"] and cleaned["ends_on"] and cleaned["ends_on"] < cleaned["starts_on"]:
        raise ValidationFailed(_("The end date is before the start date."), field="ends_on")
    pay = values.get("pay")
    if pay not in (None, ""):
        money = pay if isinstance(pay, Money) else Money.parse(str(pay), str(values.get("pay_currency") or ""),
                                                               field="pay")
        if money.minor <= 0:
            raise ValidationFailed(_("The pay must be more than zero."), field="pay")
        period = values.get("pay_period") or PayPeriod.MONTH
        if period not in PayPeriod.values:
            raise ValidationFailed(_("Choose per hour, per day, per month or in total."), field="pay_period")
        cleaned.update(pay_minor=money.minor, pay_currency=money.currency, pay_period=period)
    cleaned["skills"] = _skills(values.get("skills"))
    return cleaned


@transaction.atomic
def post_opportunity(*, actor: Principal, employer: Organisation, **values: Any) -> Opportunity:
    _require_employer(actor, employer)
    if not employer.is_active:
        raise ValidationFailed(_("This employer organisation is no longer active."), field="employer")
    cleaned = clean(values, employer)
    skills = cleaned.pop("skills")
    opportunity = Opportunity.objects.create(employer=employer, created_by=actor.user, **cleaned)
    opportunity.required_skills.set(skills)
    audit.record(actor=actor.user, verb="opportunity.posted", obj=opportunity, employer=employer.pk,
                 api_key=actor.api_key_id)
    return opportunity


def current_values(opportunity: Opportunity) -> dict[str, Any]:
    pay = Money(opportunity.pay_minor, opportunity.pay_currency).plain() if opportunity.pay_minor else ""
    return {"kind": opportunity.kind, "title": opportunity.title, "description": opportunity.description,
            "area": opportunity.area, "remote": opportunity.remote, "pay": pay,
            "pay_currency": opportunity.pay_currency, "pay_period": opportunity.pay_period,
            "starts_on": opportunity.starts_on, "ends_on": opportunity.ends_on, "apply_by": opportunity.apply_by,
            "how_to_apply": opportunity.how_to_apply,
            "skills": [s.code for s in opportunity.required_skills.all()]}


@transaction.atomic
def update_opportunity(*, actor: Principal, opportunity: Opportunity, **changes: Any) -> Opportunity:
    """Change some fields; the rest keep their values. Status moves go through set_opportunity_status."""
    locked = Opportunity.objects.select_for_update().select_related("employer").get(pk=opportunity.pk)
    _require_employer(actor, locked.employer)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationFailed(_("These fields cannot be changed: %(fields)s.")
                               % {"fields": ", ".join(sorted(unknown))})
    values = {**current_values(locked), **changes}
    if "pay" in changes and changes["pay"] in (None, ""):
        values["pay"] = None
    cleaned = clean(values, locked.employer)
    skills = cleaned.pop("skills")
    for name, value in cleaned.items():
        setattr(locked, name, value)
    locked.save()
    locked.required_skills.set(skills)
    audit.record(actor=actor.user, verb="opportunity.updated", obj=locked, fields=sorted(changes))
    return locked


@transaction.atomic
def set_opportunity_status(*, actor: Principal, opportunity: Opportunity, status: str) -> Opportunity:
    """Open or close an opportunity (a closed one takes no applications and is matched to nobody)."""
    locked = Opportunity.objects.select_for_update().select_related("employer").get(pk=opportunity.pk)
    _require_employer(actor, locked.employer)
    if status not in Opportunity.Status.values:
        raise ValidationFailed(_("Choose open or closed."), field="status")
    if locked.status != status:
        before, locked.status = locked.status, status
        locked.save(update_fields=["status"])
        audit.record(actor=actor.user, verb="opportunity.status", obj=locked, from_status=before, to_status=status)
    return locked


@transaction.atomic
def recommend(*, actor: Principal, opportunity: Opportunity, participant: Participant,
              note: str = "") -> Recommendation:
    """Career staff suggest an opportunity to a participant in their scope; once per pair."""
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if not serves(actor, participant) or opportunity.employer.parent_id != participant.partner_id:
        raise NotFound(_("No such participant."))
    if opportunity.status != Opportunity.Status.OPEN:
        raise ValidationFailed(_("This opportunity is closed."), code="opportunity_closed")
    found, created = Recommendation.objects.get_or_create(
        opportunity=opportunity, participant=participant,
        defaults={"recommended_by": actor.user, "note": str(note or "").strip()[:300]})
    if created:
        audit.record(actor=actor.user, verb="opportunity.recommended", obj=found, participant=participant.pk)
    return found
