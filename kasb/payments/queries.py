"""Reads of the books, always through the acting principal's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from kasb.core.money import Money
from kasb.core.permissions import Cap, Principal
from kasb.orgs.queries import partner_ids
from kasb.participants.queries import participants_in_scope

from .models import CREDIT_NORMAL, Account, AccountKind, Entry, PayoutBatch, PayoutLine, PayoutMethod, ResultImport


def finance_partner_ids(principal: Principal, cap: Cap = Cap.VIEW_LEDGER) -> set[int] | None:
    """Partners whose books `principal` may read with `cap`; None means all (a superuser)."""
    return None if principal.is_superuser else partner_ids(principal, cap)


def _in_partners(qs: QuerySet[Any], principal: Principal, cap: Cap, path: str = "partner_id") -> QuerySet[Any]:
    ids = finance_partner_ids(principal, cap)
    return qs if ids is None else qs.filter(**{f"{path}__in": ids})


def trial_balance(*, partner_id: int) -> dict[str, int]:
    """Sum of every entry per currency. Zero in every currency, or the books are wrong."""
    rows = (Entry.objects.filter(account__partner_id=partner_id).values("currency")
            .annotate(total=Sum("amount")).order_by("currency"))
    return {row["currency"]: row["total"] for row in rows}


@dataclass
class TrialBalance:
    currency: str
    rows: list[dict[str, Any]] = field(default_factory=list)  # kind, label, debit, credit, accounts
    debits: int = 0
    credits: int = 0

    @property
    def balanced(self) -> bool:
        return self.debits == self.credits

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)


def trial_balance_by_kind(*, partner_id: int) -> list[TrialBalance]:
    """Debit and credit totals per kind of account and currency, from the entries themselves."""
    rows = (Entry.objects.filter(account__partner_id=partner_id).values("currency", "account__kind")
            .annotate(total=Sum("amount"), accounts=Count("account", distinct=True))
            .order_by("currency", "account__kind"))
    books: dict[str, TrialBalance] = {}
    labels = dict(AccountKind.choices)
    for row in rows:
        book = books.setdefault(row["currency"], TrialBalance(row["currency"]))
        total = row["total"] or 0
        debit, credit = (total, 0) if total >= 0 else (0, -total)
        book.rows.append({"kind": row["account__kind"], "label": labels.get(row["account__kind"], ""),
                          "debit": debit, "credit": credit, "accounts": row["accounts"],
                          "normal": "credit" if row["account__kind"] in CREDIT_NORMAL else "debit"})
        book.debits += debit
        book.credits += credit
    return list(books.values())


# --- a worker's own money ------------------------------------------------------------------------

def worker_accounts(participant_id: int) -> list[Account]:
    return list(Account.objects.filter(participant_id=participant_id, kind=AccountKind.WORKER).order_by("currency"))


def statement_page(account: Account, *, before: int | None = None, size: int = 30) -> list[Entry]:
    """The newest entries of one account, `size` at a time, older than entry id `before`.

    Two queries whatever the number of entries: it walks the (account, -id) index.
    """
    qs = Entry.objects.filter(account=account).select_related("transaction").order_by("-id")
    if before:
        qs = qs.filter(id__lt=before)
    return list(qs[:size])


@dataclass
class MonthlyStatement:
    account: Account
    year: int
    month: int
    opening: Money
    closing: Money
    lines: list[tuple[Entry, Money]]  # entry and the balance after it, as the holder sees it
    money_in: Money
    money_out: Money


def _month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(date(year, month, 1), time.min), tz)
    end_month = date(year + (month == 12), month % 12 + 1, 1)
    return start, timezone.make_aware(datetime.combine(end_month, time.min), tz)


def monthly_statement(account: Account, year: int, month: int) -> MonthlyStatement:
    start, end = _month_bounds(year, month)
    sign = account.sign
    before = Entry.objects.filter(account=account, transaction__created_at__lt=start).aggregate(t=Sum("amount"))["t"]
    opening = Money((before or 0) * sign, account.currency)
    entries = list(Entry.objects.filter(account=account, transaction__created_at__gte=start,
                                        transaction__created_at__lt=end)
                   .select_related("transaction").order_by("id"))
    running, lines, money_in, money_out = opening.minor, [], 0, 0
    for entry in entries:
        change = entry.amount * sign
        running += change
        money_in += max(change, 0)
        money_out += max(-change, 0)
        lines.append((entry, Money(running, account.currency)))
    return MonthlyStatement(account=account, year=year, month=month, opening=opening,
                            closing=Money(running, account.currency), lines=lines,
                            money_in=Money(money_in, account.currency), money_out=Money(money_out, account.currency))


def payout_methods_of(participant_id: int) -> QuerySet[PayoutMethod]:
    return (PayoutMethod.objects.filter(participant_id=participant_id)
            .exclude(status=PayoutMethod.Status.RETIRED).select_related("centre").order_by("-pk"))


def payout_lines_of(participant_id: int, limit: int = 20) -> list[PayoutLine]:
    return list(PayoutLine.objects.filter(participant_id=participant_id).select_related("batch")
                .order_by("-pk")[:limit])


# --- finance -------------------------------------------------------------------------------------

def accounts_visible_to(principal: Principal) -> QuerySet[Account]:
    return _in_partners(Account.objects.select_related("participant", "organisation", "programme"), principal,
                        Cap.VIEW_LEDGER)


def with_totals(qs: QuerySet[PayoutBatch]) -> QuerySet[PayoutBatch]:
    """Each batch with the number and total of its payouts that were or will be sent."""
    return qs.annotate(line_count=Count("lines", filter=~Q(lines__status=PayoutLine.Status.DROPPED)),
                       total=Sum("lines__amount", filter=~Q(lines__status=PayoutLine.Status.DROPPED)))


def batches_in_scope(principal: Principal, cap: Cap) -> QuerySet[PayoutBatch]:
    qs = with_totals(PayoutBatch.objects.select_related("created_by", "approved_by"))
    return _in_partners(qs, principal, cap).order_by("-pk")


def batches_visible_to(principal: Principal) -> QuerySet[PayoutBatch]:
    return batches_in_scope(principal, Cap.VIEW_LEDGER)


def batch_lines(batch: PayoutBatch) -> QuerySet[PayoutLine]:
    return batch.lines.select_related("participant", "method", "method__centre").order_by("pk")


def methods_to_verify(principal: Principal) -> QuerySet[PayoutMethod]:
    people = participants_in_scope(principal, Cap.VERIFY_PAYOUT_METHODS)
    return (PayoutMethod.objects.filter(status=PayoutMethod.Status.PENDING, participant__in=people)
            .select_related("participant", "centre").order_by("created_at"))


@dataclass
class Reconciliation:
    provider: str
    currency: str
    in_transit: Money          # the ledger's in-transit account
    open_lines: Money          # the sum of payouts the provider has not reported on
    by_status: dict[str, tuple[int, Money]]

    @property
    def agrees(self) -> bool:
        return self.in_transit == self.open_lines


def reconciliation(*, partner_id: int) -> list[Reconciliation]:
    """Per provider and currency: what the books say is in transit against the payouts still awaiting a result."""
    transit = {(a.provider, a.currency): a for a in Account.objects.filter(partner_id=partner_id,
                                                                           kind=AccountKind.IN_TRANSIT)}
    stats = (PayoutLine.objects.filter(batch__partner_id=partner_id)
             .values("batch__provider", "currency", "status").annotate(n=Count("id"), total=Sum("amount")))
    result: dict[tuple[str, str], Reconciliation] = {}
    for row in stats:
        key = (row["batch__provider"], row["currency"])
        rec = result.setdefault(key, Reconciliation(key[0], key[1], Money.zero(key[1]), Money.zero(key[1]), {}))
        rec.by_status[row["status"]] = (row["n"], Money(row["total"] or 0, key[1]))
        if row["status"] == PayoutLine.Status.IN_TRANSIT:
            rec.open_lines = Money(row["total"] or 0, key[1])
    for key, account in transit.items():
        rec = result.setdefault(key, Reconciliation(key[0], key[1], Money.zero(key[1]), Money.zero(key[1]), {}))
        rec.in_transit = account.available
    return sorted(result.values(), key=lambda r: (r.provider, r.currency))


def result_imports_of(batch: PayoutBatch) -> QuerySet[ResultImport]:
    return batch.result_imports.select_related("uploaded_by").order_by("-pk")
