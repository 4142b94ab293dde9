"""The double-entry ledger and what moves money through it: deposits, reservations, exchanges, payouts.

Every amount is integer minor units of the row's ISO 4217 currency. Entries are signed, debit
positive and credit negative, and each transaction's entries sum to zero in every currency. Rows
are never updated or deleted once written, except the cached `Account.balance` (kept in the same
database transaction as the entries) and the status of payout batches and lines (state machines
with history).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kasb.core.crypto import EncryptedField
from kasb.core.money import Money
from kasb.orgs.models import Organisation, Programme
from kasb.participants.models import Participant


class AppendOnlyQuerySet(models.QuerySet):
    """Books are append-only: a correction is a reversing transaction, never an edit or a deletion."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError(f"{self.model.__name__} rows are append-only; post a reversal instead")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self.model.__name__} rows are append-only; post a reversal instead")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only; post a reversal instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{type(self).__name__} rows are append-only; post a reversal instead")


class AccountKind(models.TextChoices):
    WORKER = "worker", _("Worker earnings")
    CLIENT_ESCROW = "client_escrow", _("Client escrow")
    RESERVATION = "reservation", _("Reserved for a project")
    PLATFORM_FEES = "platform_fees", _("Platform fee income")
    STIPEND_FUND = "stipend_fund", _("Programme stipend fund")
    IN_TRANSIT = "in_transit", _("Payouts in transit")
    FUNDS_HELD = "funds_held", _("Funds held by the partner")


# Accounts whose balance is something the partner owes or has earned: credits raise them.
CREDIT_NORMAL = frozenset({AccountKind.WORKER, AccountKind.CLIENT_ESCROW, AccountKind.RESERVATION,
                           AccountKind.PLATFORM_FEES, AccountKind.STIPEND_FUND, AccountKind.IN_TRANSIT})
# Accounts that may not go below zero from their holder's point of view: nobody is paid money that
# is not there, and no client spends more than it deposited.
NEVER_NEGATIVE = CREDIT_NORMAL


class Account(models.Model):
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    currency = models.CharField(_("currency"), max_length=3)
    # Exactly one identifies whose account it is, by kind.
    participant = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="ledger_accounts")
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="ledger_accounts")
    programme = models.ForeignKey(Programme, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="ledger_accounts")
    provider = models.CharField(max_length=40, blank=True)
    # A deterministic name ("worker:12:JOD") so that finding-or-opening an account cannot race.
    key = models.CharField(max_length=120, unique=True)
    # The sum of this account's entries (debit positive), updated in the transaction that adds them.
    balance = models.BigIntegerField(default=0)
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind__in=sorted(NEVER_NEGATIVE)) | models.Q(balance__lte=0),
                name="account_never_overdrawn"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.key}"

    @property
    def sign(self) -> int:
        return -1 if self.kind in CREDIT_NORMAL else 1

    @property
    def available(self) -> Money:
        """The balance as its holder sees it: what a worker may withdraw, what a client has left."""
        return Money(self.balance * self.sign, self.currency)


class TransactionKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    RESERVATION = "reservation", _("Reservation")
    RELEASE = "release", _("Release")
    EARNING = "earning", _("Earning")
    STIPEND = "stipend", _("Stipend")
    REIMBURSEMENT = "reimbursement", _("Reimbursement")
    FUND_PAYMENT = "fund_payment", _("Paid from a programme fund")
    EXCHANGE = "exchange", _("Currency exchange")
    PAYOUT = "payout", _("Payout sent")
    PAYOUT_PAID = "payout_paid", _("Payout confirmed")
    PAYOUT_FAILED = "payout_failed", _("Payout returned")
    TOP_UP = "top_up", _("Fair-pay top-up")
    REVERSAL = "reversal", _("Reversal")


class LedgerTransaction(AppendOnly):
    """One money movement: balanced entries, who made it, why, and the key that makes a retry harmless."""

    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=TransactionKind.choices)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # A hash of the entries, so that a key reused for a different movement is refused.
    fingerprint = models.CharField(max_length=64)
    memo = models.CharField(_("reason"), max_length=300)
    # What the money was for, e.g. ("microwork.submission", "8812") or ("training.session", "31").
    purpose_type = models.CharField(max_length=40, blank=True)
    purpose_id = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(max_length=120, blank=True)
    effective_on = models.DateField(_("date"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")

    class Meta:
        verbose_name = _("transaction")
        indexes = [models.Index(fields=["purpose_type", "purpose_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}: {self.memo}"


class Entry(AppendOnly):
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()  # debit positive, credit negative
    currency = models.CharField(max_length=3)

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        indexes = [models.Index(fields=["account", "-id"], name="entry_account_recent")]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d} {self.currency}"


class Deposit(AppendOnly):
    """Money a client (into its escrow) or a donor (into a programme's stipend fund) handed over."""

    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="deposits")
    programme = models.ForeignKey(Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="deposits")
    amount = models.BigIntegerField()
    currency = models.CharField(_("currency"), max_length=3)
    reference = models.CharField(_("bank or receipt reference"), max_length=100)
    received_on = models.DateField(_("received on"))
    transaction = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, related_name="deposit")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("deposit")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="deposit_positive"),
            models.CheckConstraint(condition=models.Q(client__isnull=True) ^ models.Q(programme__isnull=True),
                                   name="deposit_client_or_programme"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.money}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def receipt_number(self) -> str:
        return f"R-{self.partner_id}-{self.pk:06d}"


class Reservation(models.Model):
    """Client money set aside for one piece of work (a microwork project), so it can only be spent there."""

    client = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="reservations")
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="reservation")
    # What it is for, e.g. "microwork.project:12"; one reservation per thing and currency.
    reference = models.CharField(max_length=80)
    label = models.CharField(_("for"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reservation")
        constraints = [models.UniqueConstraint(fields=["client", "reference", "account"],
                                               name="reservation_unique")]

    def __str__(self) -> str:
        return self.label


class Exchange(AppendOnly):
    """A currency conversion: its own transaction, with the rate, the rate's date and where it came from."""

    transaction = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, related_name="exchange")
    from_currency = models.CharField(max_length=3)
    to_currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=24, decimal_places=10)
    rate_date = models.DateField()
    source = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("exchange")
        constraints = [models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive")]

    def __str__(self) -> str:
        return f"{self.from_currency}→{self.to_currency} @ {self.rate}"


class PayoutMethod(models.Model):
    class Kind(models.TextChoices):
        WALLET = "wallet", _("Mobile wallet")
        BANK = "bank", _("Bank account")
        CASH = "cash", _("Cash pickup at a centre")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        RETIRED = "retired", _("Replaced or removed")

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="payout_methods")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    provider = models.CharField(_("provider"), max_length=40)
    # Personal data: encrypted at rest like the registry's protected attributes.
    phone = EncryptedField(_("wallet phone number"), blank=True)
    iban = EncryptedField(_("IBAN"), blank=True)
    account_name = EncryptedField(_("account holder's name"), blank=True)
    centre = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("pickup centre"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("payout method")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.provider} · {self.masked}"

    @property
    def masked(self) -> str:
        """Enough to recognise the method without showing it: the last four digits."""
        if self.kind == self.Kind.WALLET:
            return "•••" + (self.phone or "")[-4:]
        if self.kind == self.Kind.BANK:
            return "•••" + (self.iban or "")[-4:]
        return self.centre.name if self.centre else ""


class PayoutHold(models.Model):
    """A stop on a worker's payouts (a dispute, a suspected fraud, a method being checked)."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="payout_holds")
    reason = models.CharField(_("reason"), max_length=300)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payout hold")

    def __str__(self) -> str:
        return self.reason


def new_payout_id() -> str:
    return "KP" + secrets.token_hex(8).upper()


class PayoutBatch(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved: money in transit")
        SENT = "sent", _("File produced")
        SETTLED = "settled", _("Settled")
        CANCELLED = "cancelled", _("Cancelled")

    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(_("provider"), max_length=40)
    currency = models.CharField(_("currency"), max_length=3)
    minimum = models.BigIntegerField(_("minimum payout"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="payouts/", blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_produced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        constraints = [models.CheckConstraint(
            condition=models.Q(approved_by__isnull=True) | ~models.Q(approved_by=models.F("created_by")),
            name="batch_maker_is_not_checker")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.provider} {self.currency}"


class PayoutLine(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("In a draft batch")
        IN_TRANSIT = "in_transit", _("In transit")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed: returned to balance")
        DROPPED = "dropped", _("Not sent")

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="lines")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="payout_lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payout_lines")
    method = models.ForeignKey(PayoutMethod, on_delete=models.PROTECT, related_name="payout_lines")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    # Sent to the provider and echoed back in its result file; a resent file carries the same ids.
    payout_id = models.CharField(max_length=24, unique=True, default=new_payout_id)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=300, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)  # the worker was told the outcome (once)

    class Meta:
        verbose_name = _("payout")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_positive"),
            # One open payout per worker account: a balance cannot be sent twice.
            models.UniqueConstraint(fields=["account"], condition=models.Q(status__in=["pending", "in_transit"]),
                                    name="payout_one_open_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.payout_id} {self.money}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class ResultImport(models.Model):
    """A provider's result file read back: what it settled, and what it refused to apply.

    A small file is applied in the request; a large one is checked in the request (a bad row rejects the
    whole file at once) and applied by a background task in chunks, with progress (`applied_rows`).
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Being applied")
        DONE = "done", pgettext_lazy("result file", "Applied")

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="result_imports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    file = models.FileField(upload_to="payments/results/", blank=True)  # kept while it is being applied
    total_rows = models.PositiveIntegerField(default=0)
    applied_rows = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    paid = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    already_applied = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list)  # rows not applied: row, payout id, reason

    class Meta:
        verbose_name = _("result import")

    def __str__(self) -> str:
        return self.file_name


class StatusChange(AppendOnly):
    """History of every batch and payout line move: who, when, from, to, why."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="history")
    line = models.ForeignKey(PayoutLine, null=True, blank=True, on_delete=models.PROTECT, related_name="history")
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.from_status}→{self.to_status}"
