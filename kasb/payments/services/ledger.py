"""The posting engine: open accounts, post balanced transactions once, reverse them.

Every other money service builds its legs and calls `post`. Balances are cached on the account and
moved by conditional UPDATEs in the same database transaction as the entries, accounts always in
id order (so two postings never wait on each other in a cycle); an UPDATE that would overdraw an
account matches no row and the whole posting rolls back. A posting with very many accounts (a payout
batch) locks them in id order, checks them, then moves them in one batch of statements.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core.errors import Conflict, DomainError, ValidationFailed
from kasb.core.money import Money
from kasb.orgs.models import Organisation, Programme
from kasb.participants.models import Participant

from ..models import NEVER_NEGATIVE, Account, AccountKind, Entry, LedgerTransaction, TransactionKind


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    status = 409


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int  # debit positive, credit negative

    @classmethod
    def debit(cls, account: Account, money: Money) -> Leg:
        return cls(account, money.minor)

    @classmethod
    def credit(cls, account: Account, money: Money) -> Leg:
        return cls(account, -money.minor)


# --- accounts ------------------------------------------------------------------------------------

def _open(key: str, **fields: Any) -> Account:
    """Find or open the account called `key`; safe when two requests open it at once."""
    account = Account.objects.filter(key=key).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(key=key, **fields)
    except IntegrityError:
        return Account.objects.get(key=key)


def worker_account(participant: Participant, currency: str) -> Account:
    return _open(f"worker:{participant.pk}:{currency}", partner_id=participant.partner_id, kind=AccountKind.WORKER,
                 currency=currency, participant=participant)


def escrow_account(client: Organisation, currency: str) -> Account:
    return _open(f"escrow:{client.pk}:{currency}", partner_id=client.partner_id, kind=AccountKind.CLIENT_ESCROW,
                 currency=currency, organisation=client)


def stipend_fund(programme: Programme) -> Account:
    return _open(f"stipends:{programme.pk}:{programme.currency}", partner_id=programme.partner_id,
                 kind=AccountKind.STIPEND_FUND, currency=programme.currency, programme=programme)


def fee_account(partner_id: int, currency: str) -> Account:
    return _open(f"fees:{partner_id}:{currency}", partner_id=partner_id, kind=AccountKind.PLATFORM_FEES,
                 currency=currency)


def funds_held(partner_id: int, currency: str) -> Account:
    return _open(f"held:{partner_id}:{currency}", partner_id=partner_id, kind=AccountKind.FUNDS_HELD,
                 currency=currency)


def in_transit(partner_id: int, provider: str, currency: str) -> Account:
    return _open(f"transit:{partner_id}:{provider}:{currency}", partner_id=partner_id, kind=AccountKind.IN_TRANSIT,
                 currency=currency, provider=provider)


# --- posting -------------------------------------------------------------------------------------

def _fingerprint(legs: Sequence[Leg]) -> str:
    text = ";".join(f"{acc}:{amt}" for acc, amt in sorted((leg.account.pk, leg.amount) for leg in legs))
    return hashlib.sha256(text.encode()).hexdigest()


def _check_legs(legs: Sequence[Leg], partner_id: int) -> dict[int, int]:
    if len(legs) < 2:
        raise ValidationFailed(_("A transaction needs at least two entries."), code="unbalanced")
    per_currency: dict[str, int] = defaultdict(int)
    per_account: dict[int, int] = defaultdict(int)
    for leg in legs:
        if isinstance(leg.amount, bool) or not isinstance(leg.amount, int) or leg.amount == 0:
            raise ValidationFailed(_("Every entry needs a whole, non-zero number of minor units."),
                                   code="invalid_amount")
        if leg.account.partner_id != partner_id:
            raise ValidationFailed(_("A transaction cannot move money between two partners' books."),
                                   code="cross_partner")
        per_currency[leg.account.currency] += leg.amount
        per_account[leg.account.pk] += leg.amount
    unbalanced = sorted(cur for cur, total in per_currency.items() if total != 0)
    if unbalanced:
        raise ValidationFailed(_("The entries do not balance in %(currencies)s.")
                               % {"currencies": ", ".join(unbalanced)}, code="unbalanced")
    return per_account


def _existing(key: str, fingerprint: str) -> LedgerTransaction:
    found = LedgerTransaction.objects.get(idempotency_key=key)
    if found.fingerprint != fingerprint:
        raise Conflict(_("This idempotency key was already used for a different transaction."),
                       code="idempotency_key_reused", details={"transaction": found.pk})
    return found


def _insufficient(account_id: int, delta: int) -> InsufficientFunds:
    account = Account.objects.get(pk=account_id)
    return InsufficientFunds(
        _("Not enough money in %(account)s: %(available)s available, %(needed)s needed.")
        % {"account": account.get_kind_display(), "available": account.available,
           "needed": Money(delta, account.currency)},
        details={"account": account.key})


# A posting that moves more accounts than this (a payout batch: one leg per worker) locks and moves
# them in bulk: one ORM UPDATE per account made 10,000 round trips, most of a batch approval's time.
MANY_ACCOUNTS = 100
_CHUNK = 500  # accounts per locking SELECT, under SQLite's 999 parameters


def _move_balances(per_account: dict[int, int], kinds: dict[int, str]) -> None:
    moves = {account_id: delta for account_id, delta in per_account.items() if delta != 0}
    if len(moves) > MANY_ACCOUNTS:
        _move_many(moves, kinds)
        return
    for account_id in sorted(moves):
        delta = moves[account_id]
        rows = Account.objects.filter(pk=account_id)
        if delta > 0 and kinds[account_id] in NEVER_NEGATIVE:
            # A debit to an account its holder owns: only as far as the balance goes.
            rows = rows.filter(balance__lte=-delta)
        if rows.update(balance=F("balance") + delta) != 1:
            raise _insufficient(account_id, delta)


def _move_many(moves: dict[int, int], kinds: dict[int, str]) -> None:
    """Lock every account in id order (as the one-by-one path does), check none is overdrawn, then move them."""
    chunks = [ids[i:i + _CHUNK] for ids in [sorted(moves)] for i in range(0, len(ids), _CHUNK)]
    balances: dict[int, int] = {}
    for chunk in chunks:
        balances.update(Account.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
                        .values_list("pk", "balance"))
    if len(balances) != len(moves):
        raise Conflict(_("An account of this transaction no longer exists."), code="account_missing")
    for account_id in sorted(moves):
        delta = moves[account_id]
        if delta > 0 and kinds[account_id] in NEVER_NEGATIVE and balances[account_id] + delta > 0:
            raise _insufficient(account_id, delta)
    # One statement, many parameter sets: psycopg pipelines them, SQLite runs them in-process.
    table, pk, balance = (connection.ops.quote_name(name) for name in (Account._meta.db_table, "id", "balance"))
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {balance} = {balance} + %s WHERE {pk} = %s",  # noqa: S608
                           [(moves[account_id], account_id) for account_id in sorted(moves)])


@transaction.atomic
def post(*, partner_id: int, kind: str, idempotency_key: str, legs: Sequence[Leg], memo: str,
         actor: Any = None, actor_label: str = "", purpose: tuple[str, str] = ("", ""),
         effective_on: date | None = None, reverses: LedgerTransaction | None = None) -> LedgerTransaction:
    """Post one balanced transaction, once. The same key again returns the first transaction and moves nothing."""
    key = idempotency_key.strip()
    if not key:
        raise ValidationFailed(_("A transaction needs an idempotency key."), code="missing_idempotency_key")
    per_account = _check_legs(legs, partner_id)
    fingerprint = _fingerprint(legs)
    if LedgerTransaction.objects.filter(idempotency_key=key).exists():
        return _existing(key, fingerprint)
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(
                partner_id=partner_id, kind=kind, idempotency_key=key, fingerprint=fingerprint, memo=memo[:300],
                purpose_type=purpose[0], purpose_id=str(purpose[1]), actor=user, actor_label=actor_label[:120],
                effective_on=effective_on or timezone.localdate(), reverses=reverses)
    except IntegrityError:
        # Another request posted this key first (this one waited for it to commit): return its transaction.
        if not LedgerTransaction.objects.filter(idempotency_key=key).exists():
            raise Conflict(_("This transaction has already been reversed."), code="already_reversed") from None
        return _existing(key, fingerprint)
    _move_balances(per_account, {leg.account.pk: leg.account.kind for leg in legs})
    Entry.objects.bulk_create([Entry(transaction=txn, account=leg.account, amount=leg.amount,
                                     currency=leg.account.currency) for leg in legs])
    txn.posted_now = True  # type: ignore[attr-defined]  # callers audit only what this call moved
    return txn


def posted_now(txn: LedgerTransaction) -> bool:
    """True when `post` wrote this transaction in this call, False when it returned an earlier one."""
    return bool(getattr(txn, "posted_now", False))


@transaction.atomic
def reverse(*, actor: Any, original: LedgerTransaction, reason: str) -> LedgerTransaction:
    """Undo a transaction with its mirror image; the original stays in the books. A second call returns the first."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("Say why this transaction is being reversed."), field="reason")
    if original.kind in (TransactionKind.PAYOUT, TransactionKind.PAYOUT_PAID, TransactionKind.PAYOUT_FAILED):
        raise ValidationFailed(_("A payout is settled by the provider's result file, not reversed by hand: "
                                 "it would no longer match its payout line."), code="payout_not_reversible")
    if original.reverses_id is not None:
        raise ValidationFailed(_("A reversal cannot itself be reversed; post a new transaction instead."),
                               code="reversal_of_reversal")
    legs = [Leg(entry.account, -entry.amount) for entry in original.entries.select_related("account")]
    return post(partner_id=original.partner_id, kind="reversal", idempotency_key=f"reversal:{original.pk}",
                legs=legs, memo=_("Reversal of #%(id)s: %(reason)s") % {"id": original.pk, "reason": reason},
                actor=actor, purpose=(original.purpose_type, original.purpose_id), reverses=original)


# --- checks --------------------------------------------------------------------------------------

def drifted_accounts(partner_id: int | None = None) -> list[tuple[str, int, int]]:
    """Accounts whose cached balance differs from the sum of their entries: (key, cached, derived). Should be []."""
    accounts = Account.objects.all() if partner_id is None else Account.objects.filter(partner_id=partner_id)
    derived = accounts.annotate(derived=Sum("entries__amount", default=0)).exclude(balance=F("derived"))
    return [(a.key, a.balance, a.derived) for a in derived]


def unbalanced_transactions(partner_id: int | None = None) -> list[int]:
    """Transactions whose entries do not sum to zero in some currency. Should be []."""
    rows = Entry.objects.all() if partner_id is None else Entry.objects.filter(transaction__partner_id=partner_id)
    bad = rows.values("transaction_id", "currency").annotate(total=Sum("amount")).exclude(total=0)
    return sorted({row["transaction_id"] for row in bad})
