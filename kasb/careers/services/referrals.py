"""Referrals to services outside the platform: business counselling, micro-finance, legal aid, safe-migration
information, psychosocial support.

The participant says, field by field, what may go to the provider; a share hands over those fields and nothing
else, and every share is logged (who, when, which fields). The participant may narrow or withdraw their consent
at any time; later shares follow it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.errors import Conflict, NotFound, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Cap, Principal, require
from kasb.orgs.models import Organisation
from kasb.participants.languages import language_names
from kasb.participants.models import Participant
from kasb.participants.services import log_protected_access
from kasb.skills.queries import skills_of
from kasb.training.models import Certificate

from ..models import Referral, ReferralChange, ReferralShare, ServiceKind, ShareableField
from ..queries import providers_for, serves

S = Referral.Status
MOVES: dict[str, tuple[str, ...]] = {
    S.REFERRED: (S.ACCEPTED, S.DECLINED, S.CLOSED),
    S.ACCEPTED: (S.COMPLETED, S.CLOSED),
    S.COMPLETED: (), S.DECLINED: (), S.CLOSED: (),
}
PROTECTED_SHARES = {ShareableField.PHONE, ShareableField.DATE_OF_BIRTH, ShareableField.NATIONALITY,
                    ShareableField.DISPLACEMENT, ShareableField.ID_DOCUMENT}


def _fields(value: Any) -> list[str]:
    chosen = [str(f) for f in (value or [])]
    unknown = [f for f in chosen if f not in ShareableField.values]
    if unknown:
        raise ValidationFailed(_("These cannot be shared: %(fields)s.") % {"fields": ", ".join(unknown[:5])},
                               field="consented_fields")
    return [f for f in ShareableField.values if f in chosen]  # in a stable order, without repeats


def _require_staff_for(actor: Principal, participant: Participant) -> None:
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if not serves(actor, participant):
        raise NotFound(_("No such participant."))


@transaction.atomic
def refer(*, actor: Principal, participant: Participant, provider: Organisation, service: str, reason: str,
          consented_fields: Any) -> Referral:
    """Refer a participant (who is present and agrees) to a provider, with the fields they agree to share."""
    _require_staff_for(actor, participant)
    if not providers_for(actor).filter(pk=provider.pk).exists() or provider.parent_id != participant.partner_id:
        raise ValidationFailed(_("Choose a provider that works with the participant's programme."), field="provider")
    if service not in ServiceKind.values:
        raise ValidationFailed(_("Choose the service."), field="service")
    text = str(reason or "").replace("\x00", "").strip()
    if not text:
        raise ValidationFailed(_("Say why the participant is referred."), field="reason")
    referral = Referral.objects.create(participant=participant, provider=provider, service=service,
                                       reason=text[:1500], consented_fields=_fields(consented_fields),
                                       consent_at=timezone.now(), created_by=actor.user)
    ReferralChange.objects.create(referral=referral, from_status="", to_status=S.REFERRED, actor=actor.user)
    audit.record(actor=actor.user, verb="referral.created", obj=referral, provider=provider.pk, service=service,
                 consented_fields=referral.consented_fields)
    return referral


@transaction.atomic
def change_consent(*, actor: Principal, referral: Referral, consented_fields: Any) -> Referral:
    """The participant (or staff with them) changes what may be shared; an empty list withdraws consent."""
    if actor.participant_id != referral.participant_id:
        _require_staff_for(actor, referral.participant)
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    locked.consented_fields, locked.consent_at = _fields(consented_fields), timezone.now()
    locked.save(update_fields=["consented_fields", "consent_at", "updated_at"])
    audit.record(actor=actor.user, verb="referral.consent", obj=locked, consented_fields=locked.consented_fields)
    return locked


def _value(participant: Participant, name: str) -> Any:
    if name == ShareableField.NAME:
        return participant.full_name
    if name == ShareableField.AREA:
        return str(participant.area) if participant.area_id else ""
    if name == ShareableField.LANGUAGES:
        return language_names(participant.languages or [])
    if name == ShareableField.EDUCATION:
        return participant.get_education_display() if participant.education else ""
    if name == ShareableField.SKILLS:
        return sorted({v.skill.name for v in skills_of(participant.pk)})
    if name == ShareableField.CERTIFICATES:
        return [c.code for c in Certificate.objects.filter(enrolment__participant=participant, revoked_at__isnull=True)]
    if name == ShareableField.ID_DOCUMENT:
        return f"{participant.id_kind or ''} {participant.id_number or ''}".strip()
    value = getattr(participant, name)
    return value.isoformat() if isinstance(value, date) else (value or "")


@transaction.atomic
def share_referral(*, actor: Principal, referral: Referral, channel: str = "") -> dict[str, Any]:
    """The consented fields, to hand to the provider, and a log row of this share. Nothing else is read."""
    _require_staff_for(actor, referral.participant)
    locked = Referral.objects.select_for_update(of=("self",)).select_related("participant", "participant__area") \
        .get(pk=referral.pk)
    fields = list(locked.consented_fields or [])
    if not fields:
        raise Conflict(_("The participant has not agreed to share anything with this provider."), code="no_consent")
    if locked.status in (S.DECLINED, S.CLOSED):
        raise Conflict(_("This referral is closed: nothing more is shared."), code="referral_closed")
    shared = {name: _value(locked.participant, name) for name in fields}
    ReferralShare.objects.create(referral=locked, fields=fields, shared_by=actor.user,
                                 channel=str(channel or "").strip()[:60])
    if PROTECTED_SHARES & set(fields):
        log_protected_access(actor=actor, participant=locked.participant, screen="careers.referral_share")
    audit.record(actor=actor.user, verb="referral.shared", obj=locked, fields=fields, provider=locked.provider_id)
    return shared


@transaction.atomic
def move_referral(*, actor: Principal, referral: Referral, to: str, reason: str = "") -> Referral:
    _require_staff_for(actor, referral.participant)
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if to not in S.values:
        raise ValidationFailed(_("Unknown status."), field="status")
    if to not in MOVES[locked.status]:
        raise Conflict(_("A referral that is %(status)s cannot become %(to)s.")
                       % {"status": S(locked.status).label, "to": S(to).label}, code="invalid_move")
    before, locked.status = locked.status, to
    locked.save(update_fields=["status", "updated_at"])
    ReferralChange.objects.create(referral=locked, from_status=before, to_status=to, actor=actor.user,
                                  reason=str(reason or "").strip()[:300])
    audit.record(actor=actor.user, verb="referral.moved", obj=locked, from_status=before, to_status=to)
    return locked


def _flag(value: Any) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes", "on")


@transaction.atomic
def record_outcome(*, actor: Principal, referral: Referral, **values: Any) -> Referral:
    """Outcome text, loan amount and status, business started / still running after six months: what is known."""
    _require_staff_for(actor, referral.participant)
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if "outcome" in values:
        locked.outcome = str(values["outcome"] or "").strip()[:1500]
    if values.get("loan_amount") not in (None, ""):
        if locked.service != ServiceKind.MICROFINANCE:
            raise ValidationFailed(_("Only a micro-finance referral has a loan."), field="loan_amount")
        money = Money.parse(str(values["loan_amount"]), str(values.get("loan_currency") or ""), field="loan_amount")
        if money.minor <= 0:
            raise ValidationFailed(_("The loan must be more than zero."), field="loan_amount")
        locked.loan_minor, locked.loan_currency = money.minor, money.currency
    if values.get("loan_status"):
        if values["loan_status"] not in Referral.LoanStatus.values:
            raise ValidationFailed(_("Choose the loan's status."), field="loan_status")
        locked.loan_status = values["loan_status"]
    for name in ("business_started", "business_running_6_months"):
        if name in values:
            setattr(locked, name, _flag(values[name]))
    if values.get("business_started_on"):
        try:
            locked.business_started_on = date.fromisoformat(str(values["business_started_on"]))
        except ValueError:
            raise ValidationFailed(_("Give the date as year-month-day, e.g. 2027-03-01."),
                                   field="business_started_on") from None
    if locked.business_running_6_months and not locked.business_started:
        raise ValidationFailed(_("A business that did not start cannot be running."),
                               field="business_running_6_months")
    locked.save()
    audit.record(actor=actor.user, verb="referral.outcome", obj=locked, fields=sorted(values))
    return locked

