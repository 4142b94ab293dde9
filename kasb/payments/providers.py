"""Payout providers: each writes its bulk payment file and reads back its result file.

Adding a provider is writing one class here (or in a partner's own module) and registering it:

    @register
    class ZainCash(MobileMoneyCsv):
        code = "zain_cash"
        name = _("Zain Cash (Jordan)")
        currencies = frozenset({"JOD"})

Every file carries each line's payout id; a provider that pays a file twice pays the same ids,
and Kasb settles each id once.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasb.core.errors import ValidationFailed
from kasb.core.money import Money

if TYPE_CHECKING:
    from .models import PayoutBatch, PayoutLine

RESULT_COLUMNS = ("payout_id", "status", "amount", "currency", "provider_reference", "reason")


@dataclass(frozen=True)
class ResultRow:
    row: int
    payout_id: str
    status: str  # "paid" or "failed"
    amount: Money
    provider_reference: str
    reason: str


class ResultFileError(ValidationFailed):
    """A result file that cannot be read as a whole; `details` lists row, column and reason."""

    code = "invalid_result_file"


_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _neutralise(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula; a plain number (+962791234567) stays as it is."""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_neutralise(str(cell)) for cell in row])
    return buffer.getvalue().encode("utf-8")


class Provider:
    code: ClassVar[str]
    name: ClassVar[str | Promise]
    method_kind: ClassVar[str]  # PayoutMethod.Kind value this provider pays to
    currencies: ClassVar[frozenset[str] | None] = None  # None: any currency
    extension: ClassVar[str] = "csv"
    content_type: ClassVar[str] = "text/csv"

    def write(self, batch: PayoutBatch, lines: Sequence[PayoutLine]) -> bytes:
        raise NotImplementedError

    def read_results(self, data: bytes) -> list[ResultRow]:
        """The generic result format every provider's export can be mapped to (see docs/payments.md)."""
        return read_result_csv(data)


def read_result_csv(data: bytes) -> list[ResultRow]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ResultFileError(_("The result file is not UTF-8 text. Save it as CSV (UTF-8) and upload it again."),
                              details=[{"row": None, "column": None, "reason": "encoding"}]) from None
    try:
        return _read_rows(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ResultFileError(_("The result file is not a readable CSV file: %(problem)s") % {"problem": exc},
                              details=[{"row": None, "column": None, "reason": str(exc)}]) from None


def _read_rows(reader: csv.DictReader[str]) -> list[ResultRow]:
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [col for col in RESULT_COLUMNS[:4] if col not in header]
    if missing:
        raise ResultFileError(_("The result file has no column %(columns)s.") % {"columns": ", ".join(missing)},
                              details=[{"row": 1, "column": col, "reason": _("missing column")} for col in missing])
    reader.fieldnames = header
    rows: list[ResultRow] = []
    errors: list[dict[str, Any]] = []
    for number, raw in enumerate(reader, start=2):
        values = {key: (value or "").strip() for key, value in raw.items() if key}
        if not any(values.values()):
            continue
        row_errors = _row_errors(values)
        if row_errors:
            errors += [{"row": number, "column": col, "reason": reason} for col, reason in row_errors]
            continue
        rows.append(ResultRow(number, values["payout_id"], values["status"].lower(),
                              Money.parse(values["amount"], values["currency"]),
                              values.get("provider_reference", "")[:100], values.get("reason", "")[:300]))
    if errors:
        raise ResultFileError(
            _("%(count)s problems in the result file; nothing was applied. Fix them and upload it again.")
            % {"count": len(errors)}, details=errors)
    if not rows:
        raise ResultFileError(_("The result file has no rows."), details=[{"row": 2, "column": None,
                                                                          "reason": _("no rows")}])
    return rows


def _row_errors(values: dict[str, str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not values.get("payout_id"):
        problems.append(("payout_id", _("missing payout id")))
    status = values.get("status", "").lower()
    if status not in ("paid", "failed"):
        problems.append(("status", _("“%(value)s” is not paid or failed") % {"value": values.get("status", "")}))
    elif status == "failed" and not values.get("reason"):
        problems.append(("reason", _("a failed payment needs the provider's reason")))
    try:
        amount = Money.parse(values.get("amount", ""), values.get("currency", ""))
    except ValidationFailed as exc:
        problems.append((exc.field if exc.field in ("amount", "currency") else "amount", exc.message))
    else:
        if amount.minor <= 0:
            problems.append(("amount", _("the amount must be more than zero")))
    return problems


PROVIDERS: dict[str, Provider] = {}


def register(cls: type[Provider]) -> type[Provider]:
    PROVIDERS[cls.code] = cls()
    return cls


def get_provider(code: str) -> Provider:
    try:
        return PROVIDERS[code]
    except KeyError:
        raise ValidationFailed(_("Unknown payout provider “%(code)s”.") % {"code": code}, field="provider") from None


def provider_choices(kind: str | None = None) -> list[tuple[str, str]]:
    return [(code, str(p.name)) for code, p in PROVIDERS.items() if kind is None or p.method_kind == kind]


@register
class MobileMoneyCsv(Provider):
    """The bulk-disbursement CSV most mobile-money operators accept (MSISDN, amount, narration)."""

    code = "mobile_money"
    name = gettext_lazy("Mobile wallet (generic bulk CSV)")
    method_kind = "wallet"

    def write(self, batch: PayoutBatch, lines: Sequence[PayoutLine]) -> bytes:
        return _csv(("payout_id", "msisdn", "amount", "currency", "name", "narration"),
                    ((line.payout_id, line.method.phone, line.money.plain(), line.currency,
                      line.participant.full_name, f"Kasb payout {line.payout_id}") for line in lines))


@register
class BankTransferCsv(Provider):
    """A credit-transfer list for a bank's bulk upload (IBAN, holder, amount, remittance reference)."""

    code = "bank_transfer"
    name = gettext_lazy("Bank transfer (CSV)")
    method_kind = "bank"

    def write(self, batch: PayoutBatch, lines: Sequence[PayoutLine]) -> bytes:
        return _csv(("payout_id", "iban", "account_name", "amount", "currency", "remittance_reference"),
                    ((line.payout_id, line.method.iban, line.method.account_name or line.participant.full_name,
                      line.money.plain(), line.currency, line.payout_id) for line in lines))


@register
class CashPickupList(Provider):
    """A printable list per centre, with a signature line for each person who collects their money."""

    code = "cash_pickup"
    name = gettext_lazy("Cash pickup at a centre (printed list)")
    method_kind = "cash"
    extension = "pdf"
    content_type = "application/pdf"

    def write(self, batch: PayoutBatch, lines: Sequence[PayoutLine]) -> bytes:
        from kasb.core.pdf import render_pdf

        by_centre: dict[str, list[PayoutLine]] = {}
        for line in lines:
            by_centre.setdefault(line.method.centre.name if line.method.centre else "", []).append(line)
        centres = [(name, rows, Money(sum(line.amount for line in rows), batch.currency))
                   for name, rows in sorted(by_centre.items())]
        return render_pdf("payments/pdf/cash_pickup.html", {"batch": batch, "centres": centres})
