"""Payout methods a worker is paid to, their verification, and holds on a worker's payouts."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.accounts.phone import normalise_phone
from kasb.core import audit
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal
from kasb.orgs.models import Organisation
from kasb.participants.models import Participant
from kasb.participants.queries import acts_on

from ..iban import normalise_iban
from ..models import PayoutHold, PayoutMethod
from ..providers import PROVIDERS, get_provider
from .funding import may_act_for_partner

OPEN = (PayoutMethod.Status.PENDING, PayoutMethod.Status.VERIFIED)


def _may_edit_methods(actor: Principal, participant: Participant) -> None:
    """The worker themself, or staff who may verify methods for this participant."""
    if actor.participant_id == participant.pk:
        return
    if actor.can(Cap.VERIFY_PAYOUT_METHODS) and acts_on(actor, Cap.VERIFY_PAYOUT_METHODS, participant):
        return
    raise PermissionDenied(_("You cannot change this person's payout methods."))


def _details(kind: str, participant: Participant, phone: str, iban: str, account_name: str,
             centre: Organisation | None) -> dict[str, object]:
    if kind == PayoutMethod.Kind.WALLET:
        try:
            return {"phone": normalise_phone(phone)}
        except DjangoValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages), field="phone", code="phone_invalid") from None
    if kind == PayoutMethod.Kind.BANK:
        name = account_name.strip()
        if not name:
            raise ValidationFailed(_("Enter the account holder's name as the bank knows it."), field="account_name")
        return {"iban": normalise_iban(iban), "account_name": name[:200]}
    if centre is None or centre.kind != Organisation.Kind.CENTRE or centre.parent_id != participant.partner_id:
        raise ValidationFailed(_("Choose one of your partner's centres to collect cash from."), field="centre")
    return {"centre": centre}


@transaction.atomic
def add_payout_method(*, actor: Principal, participant: Participant, kind: str, provider: str, phone: str = "",
                      iban: str = "", account_name: str = "", centre: Organisation | None = None) -> PayoutMethod:
    """Register a way to be paid; it replaces an older one with the same provider and must be verified."""
    _may_edit_methods(actor, participant)
    if kind not in PayoutMethod.Kind.values:
        raise ValidationFailed(_("Choose a mobile wallet, a bank account or cash pickup."), field="kind")
    adapter = get_provider(provider)
    if adapter.method_kind != kind:
        raise ValidationFailed(_("%(provider)s does not pay to this kind of method.") % {"provider": adapter.name},
                               field="provider")
    details = _details(kind, participant, phone, iban, account_name, centre)
    previous = (PayoutMethod.objects.select_for_update()
                .filter(participant=participant, provider=provider, status__in=OPEN).order_by("-pk").first())
    method = PayoutMethod.objects.create(participant=participant, kind=kind, provider=provider,
                                         replaces=previous, created_by=actor.user, **details)  # type: ignore[arg-type]
    if previous is not None:
        PayoutMethod.objects.filter(pk=previous.pk).update(status=PayoutMethod.Status.RETIRED,
                                                           decided_at=timezone.now(), decided_by=actor.user,
                                                           decision_note=_("Replaced by a new method."))
        audit.record(actor=actor.user, verb="payout_method.changed", obj=method, previous=previous.pk,
                     participant=participant.pk)
    else:
        audit.record(actor=actor.user, verb="payout_method.added", obj=method, participant=participant.pk)
    return method


@transaction.atomic
def decide_payout_method(*, actor: Principal, method: PayoutMethod, verified: bool, note: str = "") -> PayoutMethod:
    """A coordinator checks the method (the wallet or IBAN is the worker's own) and verifies or rejects it."""
    participant = method.participant
    if not (actor.can(Cap.VERIFY_PAYOUT_METHODS) and acts_on(actor, Cap.VERIFY_PAYOUT_METHODS, participant)):
        raise PermissionDenied(_("You cannot verify payout methods for this person."))
    if actor.participant_id == participant.pk:
        raise PermissionDenied(_("Nobody verifies their own payout method."))
    if not verified and not note.strip():
        raise ValidationFailed(_("Say why the method is rejected, so the worker can fix it."), field="note")
    status = PayoutMethod.Status.VERIFIED if verified else PayoutMethod.Status.REJECTED
    moved = PayoutMethod.objects.filter(pk=method.pk, status=PayoutMethod.Status.PENDING).update(
        status=status, decided_at=timezone.now(), decided_by=actor.user, decision_note=note.strip()[:300])
    if not moved:
        raise Conflict(_("This method has already been decided or replaced."), code="already_decided")
    audit.record(actor=actor.user, verb=f"payout_method.{status}", obj=method, note=note.strip())
    method.refresh_from_db()
    return method


@transaction.atomic
def retire_payout_method(*, actor: Principal, method: PayoutMethod) -> None:
    _may_edit_methods(actor, method.participant)
    if not PayoutMethod.objects.filter(pk=method.pk, status__in=OPEN).update(
            status=PayoutMethod.Status.RETIRED, decided_at=timezone.now(), decided_by=actor.user,
            decision_note=_("Removed.")):
        raise Conflict(_("This method is no longer in use."), code="already_retired")
    audit.record(actor=actor.user, verb="payout_method.retired", obj=method)


def verified_method(participant_id: int, provider: str) -> PayoutMethod | None:
    return (PayoutMethod.objects.filter(participant_id=participant_id, provider=provider,
                                        status=PayoutMethod.Status.VERIFIED).order_by("-pk").first())


@transaction.atomic
def place_hold(*, actor: Principal, participant: Participant, reason: str) -> PayoutHold:
    """Stop a worker's payouts (their balance keeps growing) until the hold is lifted."""
    may_act_for_partner(actor, Cap.PREPARE_PAYOUTS, participant.partner_id)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("Say why payouts are held, so it can be resolved."), field="reason")
    hold = PayoutHold.objects.create(participant=participant, reason=reason[:300], placed_by=actor.user)
    audit.record(actor=actor.user, verb="payout_hold.placed", obj=hold, participant=participant.pk, reason=reason)
    return hold


@transaction.atomic
def lift_hold(*, actor: Principal, hold: PayoutHold) -> None:
    may_act_for_partner(actor, Cap.PREPARE_PAYOUTS, hold.participant.partner_id)
    if not PayoutHold.objects.filter(pk=hold.pk, lifted_at__isnull=True).update(lifted_at=timezone.now(),
                                                                               lifted_by=actor.user):
        raise Conflict(_("This hold has already been lifted."))
    audit.record(actor=actor.user, verb="payout_hold.lifted", obj=hold)


def on_hold() -> Q:
    """Participants with a hold in force, as a filter on Participant."""
    return Q(payout_holds__lifted_at__isnull=True, payout_holds__isnull=False)


__all__ = ["PROVIDERS", "add_payout_method", "decide_payout_method", "lift_hold", "place_hold",
           "retire_payout_method", "verified_method"]
