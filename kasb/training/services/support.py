"""Support that keeps people in training: a borrowed laptop or phone, and course fees the programme covers.

Transport stipends per attended session are paid with attendance (services/attendance.py). Here:
- equipment loans: a device lent by serial number (never to two people at once: a database constraint),
  returned with its condition; Cap.MANAGE_COHORTS over the participant's centre;
- tuition: paid once per enrolment from the programme's fund to the training provider, through the
  ledger with the idempotency key "tuition:<enrolment id>"; Cap.MANAGE_COHORTS and Cap.PAY_STIPENDS
  over the cohort (money leaves a fund, so the person must also be one who may pay from it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Cap, Principal
from kasb.orgs.models import Programme
from kasb.participants.models import Participant
from kasb.participants.queries import acts_on
from kasb.payments.models import LedgerTransaction
from kasb.payments.services import InsufficientFunds, pay_from_fund
from kasb.payments.services.ledger import stipend_fund

from ..models import Cohort, Enrolment, EquipmentLoan, TuitionGrant
from ..queries import cohort_scope, may_act_on_cohort

Condition = EquipmentLoan.Condition
LENDABLE = (Condition.NEW, Condition.GOOD, Condition.WORN, Condition.DAMAGED)


def _user(actor: Principal) -> Any:
    return actor.user if getattr(actor.user, "is_authenticated", False) else None


def normalise_serial(text: str) -> str:
    """Serial numbers as printed on the device, compared without case or stray spaces."""
    return " ".join((text or "").split()).upper()


def _check_day(day: date | None, field: str) -> date:
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationFailed(_("The date cannot be in the future."), field=field)
    return day


# --- equipment loans -----------------------------------------------------------------------------

def may_lend_to(actor: Principal, participant: Participant) -> bool:
    return actor.can(Cap.MANAGE_COHORTS) and acts_on(actor, Cap.MANAGE_COHORTS, participant)


@transaction.atomic
def lend_equipment(*, actor: Principal, participant: Participant, programme: Programme, device: str,
                   serial_number: str, condition: str, issued_on: date | None = None) -> EquipmentLoan:
    """Lend a device to a participant. A serial number that is out on loan is refused until it is returned."""
    if not may_lend_to(actor, participant):
        raise PermissionDenied(_("You cannot lend equipment to this participant."))
    if programme.partner_id != participant.partner_id:
        raise ValidationFailed(_("Choose one of the programmes of the participant's organisation."),
                               field="programme")
    device = " ".join((device or "").split())
    if not device:
        raise ValidationFailed(_("Say what the device is, e.g. “Lenovo laptop”."), field="device")
    serial = normalise_serial(serial_number)
    if not serial:
        raise ValidationFailed(_("Type the serial number printed on the device."), field="serial_number")
    if len(device) > 100 or len(serial) > 100:
        raise ValidationFailed(_("Keep this under 100 characters."),
                               field="device" if len(device) > 100 else "serial_number")
    if condition not in LENDABLE:
        raise ValidationFailed(_("Choose the condition the device is in when it is handed over."), field="condition")
    issued_on = _check_day(issued_on, "issued_on")
    _refuse_if_out(serial, participant)
    try:
        with transaction.atomic():
            loan = EquipmentLoan.objects.create(participant=participant, programme=programme, device=device,
                                                serial_number=serial, issued_on=issued_on, issued_by=_user(actor),
                                                condition_out=condition)
    except IntegrityError:  # lent by someone else a moment ago
        _refuse_if_out(serial, participant)
        raise
    audit.record(actor=_user(actor), verb="equipment.lent", obj=loan, participant=participant.pk, serial=serial)
    return loan


def _refuse_if_out(serial: str, participant: Participant) -> None:
    current = (EquipmentLoan.objects.filter(serial_number=serial, returned_on__isnull=True)
               .select_related("participant").first())
    if current is None:
        return
    if current.participant.partner_id == participant.partner_id:
        message = _("The device with serial number %(serial)s is already lent to %(name)s (since %(date)s). "
                    "Record its return before lending it again.") % {
            "serial": serial, "name": current.participant.full_name, "date": current.issued_on.isoformat()}
    else:
        message = _("The device with serial number %(serial)s is recorded as lent by another organisation.") % {
            "serial": serial}
    raise Conflict(message, code="device_already_lent", field="serial_number")


@transaction.atomic
def return_equipment(*, actor: Principal, loan: EquipmentLoan, condition: str,
                     returned_on: date | None = None) -> EquipmentLoan:
    """Record that a lent device came back, and in what condition (lost counts as the end of the loan)."""
    if not may_lend_to(actor, loan.participant):
        raise PermissionDenied(_("You cannot record returns for this participant."))
    if condition not in Condition.values:
        raise ValidationFailed(_("Choose the condition the device came back in."), field="condition")
    returned_on = _check_day(returned_on, "returned_on")
    if returned_on < loan.issued_on:
        raise ValidationFailed(_("A device cannot come back before it was lent (%(date)s).")
                               % {"date": loan.issued_on.isoformat()}, field="returned_on")
    updated = EquipmentLoan.objects.filter(pk=loan.pk, returned_on__isnull=True).update(
        returned_on=returned_on, condition_in=condition, received_by=_user(actor))
    if not updated:
        loan.refresh_from_db()
        raise Conflict(_("This device was already returned on %(date)s.")
                       % {"date": loan.returned_on.isoformat() if loan.returned_on else ""}, code="already_returned")
    loan.refresh_from_db()
    audit.record(actor=_user(actor), verb="equipment.returned", obj=loan, condition=condition)
    return loan


def loans_visible_to(actor: Principal) -> QuerySet[EquipmentLoan]:
    """Loans of the participants `actor` may manage with Cap.MANAGE_COHORTS, open ones first."""
    qs = EquipmentLoan.objects.select_related("participant__centre", "programme")
    if actor.is_superuser:
        return qs
    grants = actor.grants_with(Cap.MANAGE_COHORTS)
    centres = {g.organisation_id for g in grants if g.is_centre}
    partners = {g.partner_id for g in grants if not g.is_centre and g.partner_id}
    return qs.filter(Q(participant__centre_id__in=centres) | Q(participant__partner_id__in=partners))


# --- tuition -------------------------------------------------------------------------------------

def may_grant_tuition(actor: Principal, cohort: Cohort) -> bool:
    return may_act_on_cohort(actor, Cap.MANAGE_COHORTS, cohort) and may_act_on_cohort(actor, Cap.PAY_STIPENDS, cohort)


@transaction.atomic
def grant_tuition(*, actor: Principal, enrolment: Enrolment, amount: str | Money, paid_to: str) -> TuitionGrant:
    """Pay an enrolment's course fees from the programme's fund, once. The same payment again (a double
    tap) returns the first; a different one for the same enrolment is refused."""
    if not may_grant_tuition(actor, enrolment.cohort):
        raise PermissionDenied(_("You cannot pay tuition for this cohort."))
    locked = Enrolment.objects.select_for_update(of=("self",)).select_related("cohort__programme").get(pk=enrolment.pk)
    programme = locked.cohort.programme
    money = amount if isinstance(amount, Money) else Money.parse(amount, programme.currency, field="amount")
    if money.currency != programme.currency:
        raise ValidationFailed(_("This programme pays in %(currency)s.") % {"currency": programme.currency},
                               code="currency_mismatch", field="amount")
    if money.minor <= 0:
        raise ValidationFailed(_("The amount must be more than zero."), code="amount_not_positive", field="amount")
    paid_to = " ".join((paid_to or "").split())
    if not paid_to:
        raise ValidationFailed(_("Say who receives the fees (the training provider)."), field="paid_to")
    if len(paid_to) > 200:
        raise ValidationFailed(_("Keep this under 200 characters."), field="paid_to")
    existing = TuitionGrant.objects.filter(enrolment=locked).first()
    if existing is not None:
        if (existing.amount, existing.currency, existing.paid_to) == (money.minor, money.currency, paid_to):
            return existing
        raise Conflict(_("Tuition for this enrolment was already paid: %(amount)s to %(to)s on %(date)s.")
                       % {"amount": Money(existing.amount, existing.currency), "to": existing.paid_to,
                          "date": timezone.localtime(existing.granted_at).date().isoformat()},
                       code="tuition_already_paid")
    if locked.status in (Enrolment.Status.OFFERED, Enrolment.Status.NO_SHOW):
        raise Conflict(_("Pay tuition once the place has been accepted."), code="enrolment_not_started")
    txn = _pay_tuition(actor, locked, programme, money, paid_to)
    grant = TuitionGrant.objects.create(enrolment=locked, amount=money.minor, currency=money.currency,
                                        paid_to=paid_to, transaction_id=txn.pk, granted_by=_user(actor))
    audit.record(actor=_user(actor), verb="tuition.paid", obj=grant, enrolment=locked.pk, amount=str(money),
                 transaction=txn.pk)
    return grant


def _pay_tuition(actor: Principal, enrolment: Enrolment, programme: Programme, money: Money,
                 paid_to: str) -> LedgerTransaction:
    fund = stipend_fund(programme)
    try:
        return pay_from_fund(actor=_user(actor), programme=programme, amount=money,
                             idempotency_key=f"tuition:{enrolment.pk}",
                             memo=_("Tuition for %(name)s (%(cohort)s), paid to %(to)s")
                             % {"name": enrolment.learner_name, "cohort": enrolment.cohort.name, "to": paid_to},
                             purpose=("training.tuition", str(enrolment.pk)))
    except InsufficientFunds:
        fund.refresh_from_db()
        raise InsufficientFunds(
            _("The fund of %(programme)s has %(available)s, not enough for tuition of %(amount)s. "
              "Ask a finance officer to add funds, then try again.")
            % {"programme": programme.name, "available": fund.available, "amount": money},
            field="amount") from None


def tuition_visible_to(actor: Principal) -> QuerySet[TuitionGrant]:
    qs = TuitionGrant.objects.select_related("enrolment__cohort", "enrolment__participant", "enrolment__staff")
    scope = cohort_scope(actor, Cap.MANAGE_COHORTS)
    if scope is None:
        return qs
    if not actor.can(Cap.MANAGE_COHORTS):
        return qs.none()
    return qs.filter(enrolment__cohort__in=Cohort.objects.filter(scope))
