"""Money in and through the books: deposits, reservations, earnings, stipends, exchanges, corrections.

`reserve`, `release`, `pay_from_reservation` and `pay_stipend` are building blocks for other apps'
services (microwork publishes and approves work, training pays stipends); those services check who
may act. The finance-facing services here check it themselves.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Cap, Principal, require
from kasb.orgs.models import Organisation, Programme
from kasb.orgs.queries import partner_ids
from kasb.participants.models import Participant

from ..models import Account, Deposit, Exchange, LedgerTransaction, Reservation, TransactionKind
from .ledger import (
    Leg,
    escrow_account,
    fee_account,
    funds_held,
    post,
    posted_now,
    reverse,
    stipend_fund,
    worker_account,
)


def _deposit_post(**kwargs: Any) -> LedgerTransaction:
    """Post a deposit; the same reference with a different amount is a mistake to point at, not a crash."""
    try:
        return post(**kwargs)
    except Conflict as exc:
        if exc.code != "idempotency_key_reused":
            raise
        raise ValidationFailed(_("This reference was already recorded with a different amount. Check the slip, "
                                 "or correct the earlier deposit first."), field="reference",
                               code="reference_reused") from None


def may_act_for_partner(actor: Principal, cap: Cap, partner_id: int | None) -> None:
    require(actor, cap)
    if not actor.is_superuser and partner_id not in partner_ids(actor, cap):
        raise PermissionDenied(_("You can only handle your own organisation's money."))


def _positive(amount: Money, field: str = "amount") -> None:
    if amount.minor <= 0:
        raise ValidationFailed(_("The amount must be more than zero."), code="amount_not_positive", field=field)


def _check_reference(reference: str) -> str:
    reference = reference.strip()
    if not reference:
        raise ValidationFailed(_("Give the bank or receipt reference."), field="reference")
    return reference[:100]


def _check_date(received_on: date) -> date:
    if received_on > timezone.localdate():
        raise ValidationFailed(_("The date cannot be in the future."), field="received_on")
    return received_on


@transaction.atomic
def record_deposit(*, actor: Principal, client: Organisation, amount: Money, reference: str,
                   received_on: date) -> Deposit:
    """A client's money arrives: it goes into the client's escrow, ready to fund its projects."""
    if client.kind != Organisation.Kind.CLIENT:
        raise ValidationFailed(_("Deposits into escrow come from client organisations."), field="client")
    may_act_for_partner(actor, Cap.MANAGE_FUNDS, client.partner_id)
    _positive(amount)
    reference, received_on = _check_reference(reference), _check_date(received_on)
    partner_id = client.parent_id
    assert partner_id is not None
    txn = _deposit_post(partner_id=partner_id, kind=TransactionKind.DEPOSIT,
               idempotency_key=f"deposit:{client.pk}:{amount.currency}:{reference}",
               legs=[Leg.debit(funds_held(partner_id, amount.currency), amount),
                     Leg.credit(escrow_account(client, amount.currency), amount)],
               memo=_("Deposit from %(client)s, reference %(reference)s") % {"client": client.name,
                                                                               "reference": reference},
               actor=actor.user, purpose=("payments.deposit", reference), effective_on=received_on)
    deposit, _created = Deposit.objects.get_or_create(
        transaction=txn, defaults={"partner_id": partner_id, "client": client, "amount": amount.minor,
                                   "currency": amount.currency, "reference": reference,
                                   "received_on": received_on, "recorded_by": actor.user})
    if posted_now(txn):
        audit.record(actor=actor.user, verb="deposit.recorded", obj=deposit, amount=str(amount))
    return deposit


@transaction.atomic
def fund_programme(*, actor: Principal, programme: Programme, amount: Money, reference: str,
                   received_on: date) -> Deposit:
    """A donor's grant for stipends and reimbursements arrives in the programme's fund."""
    may_act_for_partner(actor, Cap.MANAGE_FUNDS, programme.partner_id)
    _positive(amount)
    if amount.currency != programme.currency:
        raise ValidationFailed(
            _("This programme keeps its fund in %(currency)s: record the grant in %(currency)s, as the bank "
              "converted it.")
            % {"currency": programme.currency}, code="currency_mismatch", field="currency")
    reference, received_on = _check_reference(reference), _check_date(received_on)
    txn = _deposit_post(partner_id=programme.partner_id, kind=TransactionKind.DEPOSIT,
               idempotency_key=f"fund:{programme.pk}:{reference}",
               legs=[Leg.debit(funds_held(programme.partner_id, amount.currency), amount),
                     Leg.credit(stipend_fund(programme), amount)],
               memo=_("Funds for %(programme)s, reference %(reference)s") % {"programme": programme.name,
                                                                               "reference": reference},
               actor=actor.user, purpose=("payments.deposit", reference), effective_on=received_on)
    deposit, _created = Deposit.objects.get_or_create(
        transaction=txn, defaults={"partner_id": programme.partner_id, "programme": programme,
                                   "amount": amount.minor, "currency": amount.currency, "reference": reference,
                                   "received_on": received_on, "recorded_by": actor.user})
    if posted_now(txn):
        audit.record(actor=actor.user, verb="programme.funded", obj=deposit, amount=str(amount))
    return deposit


# --- reservations --------------------------------------------------------------------------------

def reservation_for(client: Organisation, reference: str, currency: str, label: str = "") -> Reservation:
    """The reservation account for one piece of work (opened empty on first use)."""
    from .ledger import _open

    account = _open(f"reserved:{client.pk}:{reference}:{currency}", partner_id=client.partner_id,
                    kind="reservation", currency=currency, organisation=client)
    reservation, _created = Reservation.objects.get_or_create(
        client=client, reference=reference, account=account, defaults={"label": (label or reference)[:200]})
    return reservation


@transaction.atomic
def reserve(*, actor: Principal, client: Organisation, amount: Money, reference: str, label: str,
            idempotency_key: str) -> Reservation:
    """Set client money aside for one piece of work. Raises InsufficientFunds if escrow cannot cover it."""
    _positive(amount)
    reservation = reservation_for(client, reference, amount.currency, label)
    post(partner_id=reservation.account.partner_id, kind=TransactionKind.RESERVATION,
         idempotency_key=idempotency_key,
         legs=[Leg.debit(escrow_account(client, amount.currency), amount), Leg.credit(reservation.account, amount)],
         memo=_("Reserved for %(label)s") % {"label": reservation.label}, actor=actor.user,
         purpose=("payments.reservation", reference))
    return reservation


@transaction.atomic
def release(*, actor: Principal, reservation: Reservation, idempotency_key: str,
            amount: Money | None = None) -> LedgerTransaction | None:
    """Give reserved money back to the client's escrow: all that is left, or `amount`."""
    account = Account.objects.get(pk=reservation.account_id)
    amount = amount or account.available
    if amount.minor == 0:
        return None
    _positive(amount)
    return post(partner_id=account.partner_id, kind=TransactionKind.RELEASE, idempotency_key=idempotency_key,
                legs=[Leg.debit(account, amount),
                      Leg.credit(escrow_account(reservation.client, amount.currency), amount)],
                memo=_("Released from %(label)s") % {"label": reservation.label}, actor=actor.user,
                purpose=("payments.reservation", reservation.reference))


@transaction.atomic
def pay_from_reservation(*, actor: Principal, reservation: Reservation, worker: Participant, amount: Money,
                         fee: Money | None, memo: str, purpose: tuple[str, str], idempotency_key: str,
                         kind: str = TransactionKind.EARNING) -> LedgerTransaction:
    """Credit a worker for approved work from the client's reservation; fee in the same transaction."""
    _positive(amount)
    account = reservation.account
    legs = [Leg.credit(worker_account(worker, amount.currency), amount)]
    total = amount
    if fee is not None and fee.minor > 0:
        legs.append(Leg.credit(fee_account(account.partner_id, fee.currency), fee))
        total = total + fee
    legs.append(Leg.debit(account, total))
    return post(partner_id=account.partner_id, kind=kind, idempotency_key=idempotency_key, legs=legs, memo=memo,
                actor=actor.user, purpose=purpose)


@transaction.atomic
def pay_stipend(*, actor: Principal, programme: Programme, participant: Participant, amount: Money, memo: str,
                purpose: tuple[str, str], idempotency_key: str,
                kind: str = TransactionKind.STIPEND) -> LedgerTransaction:
    """Pay a stipend or a reimbursement (a transport day, a session attended) from the programme's fund."""
    if kind not in (TransactionKind.STIPEND, TransactionKind.REIMBURSEMENT):
        raise ValidationFailed(_("Unknown kind of support payment."), field="kind")
    _positive(amount)
    if participant.partner_id != programme.partner_id:
        raise ValidationFailed(_("This participant is not registered with the programme's partner."))
    if amount.currency != programme.currency:
        raise ValidationFailed(_("This programme pays in %(currency)s.") % {"currency": programme.currency},
                               code="currency_mismatch", field="currency")
    return post(partner_id=programme.partner_id, kind=kind, idempotency_key=idempotency_key,
                legs=[Leg.debit(stipend_fund(programme), amount),
                      Leg.credit(worker_account(participant, amount.currency), amount)],
                memo=memo, actor=actor.user, purpose=purpose)


@transaction.atomic
def pay_from_fund(*, actor: Any, programme: Programme, amount: Money, memo: str, purpose: tuple[str, str],
                  idempotency_key: str) -> LedgerTransaction:
    """Pay someone outside the platform (a training provider's fees, say) from the programme's fund.

    A building block: the calling service checks who may spend the fund.
    """
    _positive(amount)
    if amount.currency != programme.currency:
        raise ValidationFailed(_("This programme pays in %(currency)s.") % {"currency": programme.currency},
                               code="currency_mismatch", field="amount")
    return post(partner_id=programme.partner_id, kind=TransactionKind.FUND_PAYMENT, idempotency_key=idempotency_key,
                legs=[Leg.debit(stipend_fund(programme), amount),
                      Leg.credit(funds_held(programme.partner_id, amount.currency), amount)],
                memo=memo, actor=getattr(actor, "user", actor), purpose=purpose)


# --- exchange and corrections -------------------------------------------------------------------

def _rate(text: str | Decimal) -> Decimal:
    try:
        rate = Decimal(str(text).strip())
    except InvalidOperation:
        rate = Decimal(0)
    if not rate.is_finite() or rate <= 0:
        raise ValidationFailed(_("The exchange rate must be a positive number."), field="rate")
    return rate


@transaction.atomic
def exchange(*, actor: Principal, source: Account, target: Account, amount: Money, rate: str | Decimal,
             rate_date: date, rate_source: str) -> Exchange:
    """Convert `amount` from `source` into `target`'s currency at `rate`: its own transaction, rate recorded."""
    may_act_for_partner(actor, Cap.MANAGE_FUNDS, source.partner_id)
    _positive(amount)
    value = _rate(rate)
    if source.currency != amount.currency:
        raise ValidationFailed(_("The amount must be in the currency of the account it leaves."), field="amount")
    if source.currency == target.currency:
        raise ValidationFailed(_("Both accounts are in %(currency)s: there is nothing to exchange.")
                               % {"currency": source.currency}, field="target")
    if source.partner_id != target.partner_id or source.kind != target.kind or (
            source.organisation_id, source.programme_id, source.participant_id) != (
            target.organisation_id, target.programme_id, target.participant_id):
        raise ValidationFailed(_("An exchange converts one holder's money; use two accounts of the same holder."),
                               field="target")
    rate_source = rate_source.strip()
    if not rate_source:
        raise ValidationFailed(_("Say where the rate comes from (the bank, the central bank, the provider)."),
                               field="rate_source")
    converted = amount.convert(value, target.currency)
    _positive(converted, "rate")
    partner_id = source.partner_id
    # The partner converts the money it holds at the same rate, so each currency balances on its own.
    legs = [Leg.debit(source, amount), Leg.credit(funds_held(partner_id, amount.currency), amount),
            Leg.debit(funds_held(partner_id, target.currency), converted), Leg.credit(target, converted)]
    txn = post(partner_id=partner_id, kind=TransactionKind.EXCHANGE,
               idempotency_key=f"exchange:{source.pk}:{target.pk}:{amount.minor}:{value}:{rate_date}",
               legs=legs, actor=actor.user, effective_on=rate_date,
               memo=_("Exchange %(amount)s into %(converted)s at %(rate)s (%(source)s, %(date)s)")
               % {"amount": amount, "converted": converted, "rate": value, "source": rate_source,
                  "date": rate_date.isoformat()})
    exchanged, _created = Exchange.objects.get_or_create(
        transaction=txn, defaults={"from_currency": amount.currency, "to_currency": target.currency, "rate": value,
                                   "rate_date": rate_date, "source": rate_source[:200]})
    if posted_now(txn):
        audit.record(actor=actor.user, verb="exchange.posted", obj=txn, rate=str(value), source=rate_source)
    return exchanged


@transaction.atomic
def correct_transaction(*, actor: Principal, transaction_id: int, reason: str) -> LedgerTransaction:
    """A finance officer reverses a transaction posted in error; the mistake and its reversal both stay."""
    original = LedgerTransaction.objects.filter(pk=transaction_id).first()
    if original is None:
        raise NotFound(_("No such transaction."))
    may_act_for_partner(actor, Cap.MANAGE_FUNDS, original.partner_id)
    reversal = reverse(actor=actor.user, original=original, reason=reason)
    if posted_now(reversal):
        audit.record(actor=actor.user, verb="transaction.reversed", obj=original, reversal=reversal.pk, reason=reason)
    return reversal
