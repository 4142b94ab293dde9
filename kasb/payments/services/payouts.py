"""Payout batches: a finance officer builds one, someone else approves it, the provider's file goes out,
the provider's result file comes back. Each payout id is settled once, whatever is resent or re-imported."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kasb.core import audit
from kasb.core.background import enqueue
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.money import Money, check_currency
from kasb.core.permissions import Cap, Principal
from kasb.orgs.models import Organisation

from ..models import (
    Account,
    AccountKind,
    PayoutBatch,
    PayoutHold,
    PayoutLine,
    PayoutMethod,
    StatusChange,
    TransactionKind,
)
from ..providers import ResultFileError, ResultRow, get_provider
from .funding import may_act_for_partner
from .ledger import Leg, funds_held, in_transit, post, worker_account

Line = PayoutLine.Status
Batch = PayoutBatch.Status


def _history(batch: PayoutBatch, changes: list[tuple[PayoutLine | None, str, str]], actor: Any,
             reason: str = "") -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    StatusChange.objects.bulk_create([StatusChange(batch=batch, line=line, from_status=old, to_status=new,
                                                   actor=user, reason=reason[:300])
                                      for line, old, new in changes], batch_size=1000)


def eligible_accounts(*, partner_id: int, provider: str, currency: str, minimum: int) -> list[tuple[Account, int]]:
    """Worker accounts that can be paid now: at least `minimum`, a verified method with `provider`,
    no hold in force, no payout already open. Returns (account, verified method id)."""
    method = (PayoutMethod.objects.filter(participant_id=OuterRef("participant_id"), provider=provider,
                                          status=PayoutMethod.Status.VERIFIED).order_by("-pk").values("pk")[:1])
    held = PayoutHold.objects.filter(participant_id=OuterRef("participant_id"), lifted_at__isnull=True)
    open_line = PayoutLine.objects.filter(account_id=OuterRef("pk"), status__in=[Line.PENDING, Line.IN_TRANSIT])
    rows = (Account.objects.filter(partner_id=partner_id, kind=AccountKind.WORKER, currency=currency,
                                   balance__lte=-max(minimum, 1))
            .annotate(method_id=Subquery(method), held=Exists(held), open=Exists(open_line))
            .filter(method_id__isnull=False, held=False, open=False).order_by("pk"))
    return [(account, account.method_id) for account in rows]  # type: ignore[attr-defined]


@transaction.atomic
def create_batch(*, actor: Principal, partner: Organisation, provider: str, currency: str,
                 minimum: Money | None = None) -> PayoutBatch:
    """Gather every eligible balance into a draft batch. The amounts are fixed now and shown to the approver."""
    may_act_for_partner(actor, Cap.PREPARE_PAYOUTS, partner.pk)
    adapter = get_provider(provider)
    currency = check_currency(currency)
    if adapter.currencies is not None and currency not in adapter.currencies:
        raise ValidationFailed(_("%(provider)s does not pay in %(currency)s.")
                               % {"provider": adapter.name, "currency": currency}, field="currency")
    floor = minimum or Money.zero(currency)
    if floor.currency != currency or floor.minor < 0:
        raise ValidationFailed(_("The minimum must be a positive amount in the batch's currency."), field="minimum")
    found = eligible_accounts(partner_id=partner.pk, provider=provider, currency=currency, minimum=floor.minor)
    if not found:
        raise ValidationFailed(_("No balance is ready to pay: nobody has at least %(minimum)s, a verified method "
                                 "and no hold.") % {"minimum": floor}, code="nothing_to_pay")
    batch = PayoutBatch.objects.create(partner=partner, provider=provider, currency=currency, minimum=floor.minor,
                                       created_by=actor.user)
    lines = [PayoutLine(batch=batch, participant_id=account.participant_id,  # type: ignore[misc]
                        account=account, method_id=method_id,
                        amount=-account.balance, currency=currency) for account, method_id in found]
    try:
        with transaction.atomic():
            PayoutLine.objects.bulk_create(lines, batch_size=1000)
    except IntegrityError:
        raise Conflict(_("Another batch took some of these balances while this one was being built. "
                         "Try again."), code="batch_overlap") from None
    _history(batch, [(None, "", Batch.DRAFT)], actor.user)
    audit.record(actor=actor.user, verb="payout_batch.created", obj=batch, lines=len(lines),
                 total=sum(line.amount for line in lines))
    return batch


@transaction.atomic
def cancel_batch(*, actor: Principal, batch: PayoutBatch, reason: str) -> None:
    may_act_for_partner(actor, Cap.PREPARE_PAYOUTS, batch.partner_id)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("Say why the batch is cancelled."), field="reason")
    if not PayoutBatch.objects.filter(pk=batch.pk, status=Batch.DRAFT).update(status=Batch.CANCELLED):
        raise Conflict(_("Only a draft batch can be cancelled; this one has been approved."), code="not_draft")
    PayoutLine.objects.filter(batch=batch, status=Line.PENDING).update(status=Line.DROPPED,
                                                                        reason=_("Batch cancelled."))
    _history(batch, [(None, Batch.DRAFT, Batch.CANCELLED)], actor.user, reason)
    audit.record(actor=actor.user, verb="payout_batch.cancelled", obj=batch, reason=reason)


def _droppable(batch: PayoutBatch) -> dict[int, str]:
    """Lines that can no longer be sent: hold placed, method changed, or the balance fell since the draft."""
    dropped: dict[int, str] = {}
    # Plain values: loading each method would decrypt its phone, IBAN and name for nothing.
    lines = PayoutLine.objects.filter(batch=batch, status=Line.PENDING).values_list(
        "pk", "participant_id", "method__status", "account__balance", "amount")
    holds = set(PayoutHold.objects.filter(participant__payout_lines__batch=batch, lifted_at__isnull=True)
                .values_list("participant_id", flat=True))
    for line_id, participant_id, method_status, balance, amount in lines:
        if participant_id in holds:
            dropped[line_id] = _("Payouts are on hold for this worker.")
        elif method_status != PayoutMethod.Status.VERIFIED:
            dropped[line_id] = _("The payout method changed and must be verified again.")
        elif -balance < amount:
            dropped[line_id] = _("The balance fell below this amount after the batch was built.")
    return dropped


@transaction.atomic
def approve_batch(*, actor: Principal, batch: PayoutBatch) -> PayoutBatch:
    """The checker approves: every line's money moves from the worker's balance to 'in transit', in one transaction."""
    may_act_for_partner(actor, Cap.APPROVE_PAYOUTS, batch.partner_id)
    if actor.user is None or actor.user.pk == batch.created_by_id:
        raise PermissionDenied(_("You built this batch, so someone else must approve it."),
                               code="maker_checker")
    now = timezone.now()
    if not PayoutBatch.objects.filter(pk=batch.pk, status=Batch.DRAFT).update(
            status=Batch.APPROVED, approved_by=actor.user, approved_at=now):
        raise Conflict(_("This batch is no longer a draft."), code="not_draft")
    # Lock the worker accounts (in id order, as every posting does) so the checks below hold until commit.
    list(Account.objects.select_for_update().filter(payout_lines__batch=batch).order_by("pk").values_list("pk"))
    dropped = _droppable(batch)
    for line_id, reason in dropped.items():
        PayoutLine.objects.filter(pk=line_id).update(status=Line.DROPPED, reason=reason)
    lines = list(PayoutLine.objects.filter(batch=batch, status=Line.PENDING).select_related("account"))
    if lines:
        total = Money(sum(line.amount for line in lines), batch.currency)
        legs = [Leg(line.account, line.amount) for line in lines]
        legs.append(Leg.credit(in_transit(batch.partner_id, batch.provider, batch.currency), total))
        post(partner_id=batch.partner_id, kind=TransactionKind.PAYOUT, idempotency_key=f"batch:{batch.pk}:approve",
             legs=legs, actor=actor.user, purpose=("payments.batch", str(batch.pk)),
             memo=_("Payout batch #%(id)s sent to %(provider)s") % {"id": batch.pk,
                                                                    "provider": get_provider(batch.provider).name})
        PayoutLine.objects.filter(batch=batch, status=Line.PENDING).update(status=Line.IN_TRANSIT)
    else:
        PayoutBatch.objects.filter(pk=batch.pk).update(status=Batch.SETTLED)
    _history(batch, [(None, Batch.DRAFT, Batch.APPROVED)]
             + [(PayoutLine(pk=pk), Line.PENDING, Line.DROPPED) for pk in dropped], actor.user)
    audit.record(actor=actor.user, verb="payout_batch.approved", obj=batch, lines=len(lines), dropped=len(dropped))
    if lines:
        from ..tasks import produce_batch_file as produce_task  # tasks call services; import here, not at the top

        enqueue(produce_task, batch.pk)
    batch.refresh_from_db()
    return batch


def record_file_download(*, actor: Principal, batch: PayoutBatch) -> None:
    """The provider file holds wallet numbers, IBANs and names: who downloaded it is recorded."""
    may_act_for_partner(actor, Cap.PREPARE_PAYOUTS, batch.partner_id)
    audit.record(actor=actor.user, verb="payout_batch.file_downloaded", obj=batch, sha256=batch.file_sha256)


def file_lines(batch: PayoutBatch) -> list[PayoutLine]:
    return list(PayoutLine.objects.filter(batch=batch).exclude(status__in=[Line.PENDING, Line.DROPPED])
                .select_related("method", "method__centre", "participant").order_by("pk"))


def produce_batch_file(*, batch_id: int) -> PayoutBatch:
    """Write the provider's file for an approved batch. Safe to run again after a crash: same lines, same ids."""
    batch = PayoutBatch.objects.get(pk=batch_id)
    if batch.status not in (Batch.APPROVED, Batch.SENT, Batch.SETTLED):
        raise Conflict(_("Only an approved batch has a payment file."), code="not_approved")
    content = get_provider(batch.provider).write(batch, file_lines(batch))
    digest = hashlib.sha256(content).hexdigest()
    if batch.file and batch.file_sha256 == digest:
        return batch
    name = f"batch-{batch.pk}-{batch.provider}-{digest[:12]}.{get_provider(batch.provider).extension}"
    stored = batch.file.storage.save(f"payouts/{name}", ContentFile(content))
    with transaction.atomic():
        PayoutBatch.objects.filter(pk=batch.pk).update(file=stored, file_sha256=digest,
                                                       file_produced_at=timezone.now())
        if PayoutBatch.objects.filter(pk=batch.pk, status=Batch.APPROVED).update(status=Batch.SENT):
            _history(batch, [(None, Batch.APPROVED, Batch.SENT)], None, _("Provider file produced"))
    batch.refresh_from_db()
    return batch


# --- results -------------------------------------------------------------------------------------

def _check_rows(batch: PayoutBatch, rows: list[ResultRow]) -> tuple[dict[str, PayoutLine], list[dict[str, Any]]]:
    """Match rows to lines. Wrong amounts or currencies reject the file; unknown and duplicate ids are reported."""
    counts = Counter(row.payout_id for row in rows)
    lines = {line.payout_id: line for line in PayoutLine.objects.filter(
        payout_id__in=list(counts)).select_related("account", "batch")}
    errors: list[dict[str, Any]] = []
    report: list[dict[str, Any]] = []
    for row in rows:
        line = lines.get(row.payout_id)
        if counts[row.payout_id] > 1:
            report.append({"row": row.row, "payout_id": row.payout_id, "reason": _("appears more than once in the "
                                                                                   "file; not applied")})
        elif line is None or line.batch_id != batch.pk:
            report.append({"row": row.row, "payout_id": row.payout_id,
                           "reason": _("not a payout of this batch; not applied")})
        elif row.amount.currency != line.currency:
            errors.append({"row": row.row, "column": "currency", "reason": _("%(found)s, but the payout is in "
                           "%(expected)s") % {"found": row.amount.currency, "expected": line.currency}})
        elif row.amount.minor != line.amount:
            errors.append({"row": row.row, "column": "amount", "reason": _("%(found)s, but the payout was %(expected)s")
                           % {"found": row.amount, "expected": line.money}})
    if errors:
        raise ResultFileError(_("%(count)s rows do not match their payouts; nothing was applied.")
                              % {"count": len(errors)}, details=errors)
    return lines, report


def _settle(line: PayoutLine, row: ResultRow, actor: Any) -> str:
    """Apply one row: 'paid', 'failed', 'already' (same outcome before) or a reason it conflicts."""
    target = Line.PAID if row.status == "paid" else Line.FAILED
    if line.status == target:
        return "already"
    if line.status != Line.IN_TRANSIT:
        return _("the payout is already %(status)s; not changed") % {"status": line.get_status_display()}
    batch = line.batch
    transit = in_transit(batch.partner_id, batch.provider, line.currency)
    if target == Line.PAID:
        legs = [Leg.debit(transit, line.money), Leg.credit(funds_held(batch.partner_id, line.currency), line.money)]
        memo = _("Payout %(id)s paid") % {"id": line.payout_id}
        kind = TransactionKind.PAYOUT_PAID
    else:
        legs = [Leg.debit(transit, line.money), Leg.credit(worker_account(line.participant, line.currency), line.money)]
        memo = _("Payout %(id)s failed and returned to your balance: %(reason)s") % {"id": line.payout_id,
                                                                                    "reason": row.reason}
        kind = TransactionKind.PAYOUT_FAILED
    # One key per payout id for either outcome: a payout is settled once.
    post(partner_id=batch.partner_id, kind=kind, idempotency_key=f"payout:{line.payout_id}:settled", legs=legs,
         memo=memo, actor=actor, purpose=("payments.payout", line.payout_id))
    if not PayoutLine.objects.filter(pk=line.pk, status=Line.IN_TRANSIT).update(
            status=target, reason=row.reason, provider_reference=row.provider_reference, settled_at=timezone.now()):
        # A concurrent import of the same file settled it first (`post` returned its transaction): not applied twice.
        return "already"
    return str(target)


# Languages a partner's participants read by default when they have no sign-in with a chosen language.
COUNTRY_LANGUAGE = {"JO": "ar", "TN": "ar", "TJ": "tg", "RU": "ru", "FR": "fr"}


def _message(line: PayoutLine) -> str:
    if line.status == Line.PAID:
        return _("Kasb: %(amount)s has been paid (payout %(id)s, %(method)s %(masked)s).") % {
            "amount": line.money, "id": line.payout_id, "method": line.method.get_kind_display(),
            "masked": line.method.masked}
    return _("Kasb: your payout of %(amount)s could not be paid (%(reason)s). The money is back in your "
             "balance.") % {"amount": line.money, "reason": line.reason}


def notify_settled_payouts(*, line_ids: list[int]) -> int:
    """Tell each worker by SMS that their payout was paid or failed; each line is told once, even if run twice."""
    from kasb.core.sms import send_sms

    sent = 0
    lines = (PayoutLine.objects.filter(pk__in=line_ids, notified_at__isnull=True, status__in=[Line.PAID, Line.FAILED])
             .select_related("participant", "participant__user", "participant__partner", "method", "method__centre"))
    for line in lines:
        if not PayoutLine.objects.filter(pk=line.pk, notified_at__isnull=True).update(notified_at=timezone.now()):
            continue
        person = line.participant
        user = person.user
        language = user.language if user is not None and user.language else COUNTRY_LANGUAGE.get(
            person.partner.country, "en")
        with override(language):
            text = _message(line)
        if person.phone:
            send_sms(person.phone, text)
            sent += 1
    return sent


__all__ = ["ResultFileError", "approve_batch", "cancel_batch", "create_batch",
           "produce_batch_file", "record_file_download"]
