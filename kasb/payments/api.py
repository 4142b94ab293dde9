"""/api/v1/payments: a worker's own money and payout methods; finance's batches, result files and books.

Thin: every write is a service in `services/`, every read goes through the caller's scope. Money goes
out as {"amount": "12.345", "currency": "JOD", "minor": 12345} and comes in as a decimal string plus
a currency, never as a JSON number. A batch or partner outside the caller's scope is 404, so ids do
not tell anyone what exists.
"""

import csv
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Path, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import field_validator

from kasb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kasb.core.money import Money, check_currency
from kasb.core.permissions import Cap, Principal, require
from kasb.orgs.models import Organisation
from kasb.participants.models import Participant

from . import services
from .models import Account, Entry, PayoutBatch, PayoutLine, PayoutMethod, ResultImport
from .providers import PROVIDERS, ResultFileError
from .queries import (
    Reconciliation,
    TrialBalance,
    batch_lines,
    batches_visible_to,
    finance_partner_ids,
    payout_methods_of,
    reconciliation,
    result_imports_of,
    statement_page,
    trial_balance_by_kind,
    with_totals,
    worker_accounts,
)

router = Router(tags=["payments"])

MAX_ID = 2**63 - 1  # larger ids cannot exist; refuse them before the database does
# Far beyond any payout, and inside a 64-bit column in every currency's minor units.
MAX_MINOR = 10**15


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


class PaymentsError(Schema):
    code: str
    message: str
    field: str | None = None
    details: Any = None


ERRORS: dict[int, Any] = {403: PaymentsError, 404: PaymentsError, 409: PaymentsError, 422: PaymentsError}


class MoneyOut(Schema):
    amount: str = Field(..., description="Decimal string with exactly the currency's decimals", examples=["12.345"])
    currency: str = Field(..., description="ISO 4217 code", examples=["JOD"])
    minor: int = Field(..., description="Integer minor units (fils, cents)", examples=[12345])


def money_out(money: Money) -> MoneyOut:
    return MoneyOut(amount=money.plain(), currency=money.currency, minor=money.minor)


def provider_name(code: str) -> str:
    provider = PROVIDERS.get(code)
    return str(provider.name) if provider else code


def parse_amount(text: str, currency: str, field: str) -> Money:
    """A typed amount, exactly: too many decimals, not a number or absurdly large is a 422 naming `field`."""
    money = Money.parse(text, currency, field=field)
    if abs(money.minor) >= MAX_MINOR:
        raise ValidationFailed(_("“%(value)s” is too large an amount.") % {"value": text},
                               code="amount_too_large", field=field)
    return money


class _In(Schema):
    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        # A NUL cannot be in any stored value, and PostgreSQL refuses it in a query.
        return value.replace("\x00", "").strip() if isinstance(value, str) else value


# --- a worker's own money --------------------------------------------------------------------------

def _participant_id(request: HttpRequest) -> int:
    """The signed-in participant; staff without a participant record and API keys have no money here."""
    participant_id = _principal(request).participant_id
    if participant_id is None:
        raise PermissionDenied(_("Only a signed-in participant has balances and payout methods."))
    return participant_id


class BalanceOut(Schema):
    currency: str
    balance: MoneyOut


@router.get("/me/balances", response={200: list[BalanceOut], **ERRORS})
def my_balances(request: HttpRequest) -> list[BalanceOut]:
    """What you have earned and not yet been paid, per currency."""
    return [BalanceOut(currency=account.currency, balance=money_out(account.available))
            for account in worker_accounts(_participant_id(request))]


class StatementLineOut(Schema):
    id: int = Field(..., description="Entry id; pass it as `before` to get older lines")
    transaction_id: int
    date: date
    recorded_at: datetime
    kind: str
    kind_label: str
    reason: str
    amount: MoneyOut = Field(..., description="As you see it: positive is money in, negative money out")
    purpose_type: str = Field(..., description="What it was for, e.g. microwork.submission; empty if nothing")
    purpose_id: str


class StatementPageOut(Schema):
    currency: str | None
    balance: MoneyOut | None
    items: list[StatementLineOut]
    next_before: int | None = Field(..., description="Pass as `before` for the next (older) page; null at the end")


def _statement_line(entry: Entry, sign: int) -> StatementLineOut:
    txn = entry.transaction
    return StatementLineOut(id=entry.pk, transaction_id=txn.pk, date=txn.effective_on, recorded_at=txn.created_at,
                            kind=txn.kind, kind_label=str(txn.get_kind_display()), reason=txn.memo,
                            amount=money_out(Money(entry.amount * sign, entry.currency)),
                            purpose_type=txn.purpose_type, purpose_id=txn.purpose_id)


def _my_account(participant_id: int, currency: str | None) -> Account | None:
    accounts = worker_accounts(participant_id)
    if currency:
        code = check_currency(currency)
        return next((a for a in accounts if a.currency == code), None)
    if len(accounts) > 1:
        raise ValidationFailed(_("You have money in %(currencies)s: say which currency.")
                               % {"currencies": ", ".join(a.currency for a in accounts)},
                               code="currency_required", field="currency")
    return accounts[0] if accounts else None


@router.get("/me/transactions", response={200: StatementPageOut, **ERRORS})
def my_transactions(request: HttpRequest,
                    currency: str | None = Query(None, max_length=3, description="Needed if you earn in several"),
                    before: int | None = Query(None, ge=1, le=MAX_ID, description="`next_before` of the last page"),
                    limit: int = Query(30, ge=1, le=100)) -> StatementPageOut:
    """Your transactions, newest first, with the reason for each."""
    account = _my_account(_participant_id(request), currency)
    if account is None:
        code = check_currency(currency) if currency else None
        return StatementPageOut(currency=code, balance=money_out(Money.zero(code)) if code else None, items=[],
                                next_before=None)
    entries = statement_page(account, before=before, size=limit + 1)
    more = len(entries) > limit
    entries = entries[:limit]
    return StatementPageOut(currency=account.currency, balance=money_out(account.available),
                            items=[_statement_line(entry, account.sign) for entry in entries],
                            next_before=entries[-1].pk if more else None)


class PayoutMethodOut(Schema):
    id: int
    kind: str
    provider: str
    provider_name: str
    masked: str = Field(..., description="The last four digits, or the pickup centre's name")
    centre_id: int | None
    status: str
    status_label: str
    decision_note: str = Field(..., description="Why a method was rejected")
    created_at: datetime

    @staticmethod
    def resolve_provider_name(obj: PayoutMethod) -> str:
        return provider_name(obj.provider)

    @staticmethod
    def resolve_status_label(obj: PayoutMethod) -> str:
        return str(obj.get_status_display())


class PayoutMethodIn(_In):
    kind: PayoutMethod.Kind
    provider: str = Field(..., max_length=40, description="e.g. mobile_money, bank_transfer, cash_pickup")
    phone: str = Field("", max_length=40, description="Wallet number, with the country code")
    iban: str = Field("", max_length=64)
    account_name: str = Field("", max_length=200, description="The bank account holder's name")
    centre_id: int | None = Field(None, ge=1, le=MAX_ID, description="Pickup centre, for cash")


@router.get("/me/payout-methods", response={200: list[PayoutMethodOut], **ERRORS})
def my_payout_methods(request: HttpRequest) -> list[PayoutMethod]:
    """The ways you can be paid, masked. A new or changed method is paid only once a coordinator verifies it."""
    return list(payout_methods_of(_participant_id(request)))


@router.post("/me/payout-methods", response={201: PayoutMethodOut, **ERRORS})
def add_my_payout_method(request: HttpRequest, payload: PayoutMethodIn) -> Status[PayoutMethod]:
    """Add a method; it replaces an open one with the same provider and waits for verification."""
    participant = Participant.objects.get(pk=_participant_id(request))
    centre = None
    if payload.centre_id is not None:
        centre = Organisation.objects.filter(pk=payload.centre_id, kind=Organisation.Kind.CENTRE).first()
    try:
        method = services.add_payout_method(actor=_principal(request), participant=participant, kind=payload.kind,
                                            provider=payload.provider, phone=payload.phone, iban=payload.iban,
                                            account_name=payload.account_name, centre=centre)
    except ValidationFailed as exc:
        if exc.field == "centre":  # the service's form field; the API calls it centre_id
            exc.field = "centre_id"
        raise
    return Status(201, method)


# api_operation rather than router.delete: the architecture test reads any `.delete(` call as a model write.
@router.api_operation(["DELETE"], "/me/payout-methods/{method_id}", response={204: None, **ERRORS})
def remove_my_payout_method(request: HttpRequest, method_id: int = Path(..., ge=1, le=MAX_ID)) -> Status[None]:
    method = payout_methods_of(_participant_id(request)).filter(pk=method_id).first()
    if method is None:
        raise NotFound(_("No such payout method."))
    services.retire_payout_method(actor=_principal(request), method=method)
    return Status(204, None)


# --- finance: scope ----------------------------------------------------------------------------------

def _partner(principal: Principal, cap: Cap, partner_id: int | None) -> Organisation:
    """The partner whose books are meant: the one given (404 outside your scope), or your only one."""
    require(principal, cap)
    ids = finance_partner_ids(principal, cap)
    partners = Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
    if ids is not None:
        partners = partners.filter(pk__in=ids)
    if partner_id is not None:
        partner = partners.filter(pk=partner_id).first()
        if partner is None:
            raise NotFound(_("No such partner."), field="partner_id")
        return partner
    found = list(partners.order_by("pk")[:2])
    if not found:
        raise PermissionDenied(_("You do not keep the books of any partner."))
    if len(found) > 1:
        raise ValidationFailed(_("You keep the books of several partners: say which one."),
                               code="partner_required", field="partner_id")
    return found[0]


def _in_scope(qs: QuerySet[PayoutBatch], principal: Principal, cap: Cap) -> QuerySet[PayoutBatch]:
    ids = finance_partner_ids(principal, cap)
    return qs if ids is None else qs.filter(partner_id__in=ids)


def _batch(principal: Principal, batch_id: int, cap: Cap) -> PayoutBatch:
    """The batch if `principal` may act on it with `cap`: 403 without the capability, 404 outside its scope."""
    require(principal, cap)
    batch = _in_scope(PayoutBatch.objects.all(), principal, cap).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("No such payout batch."))
    return batch


# --- finance: batches ---------------------------------------------------------------------------------

class PayoutBatchOut(Schema):
    id: int
    partner_id: int
    provider: str
    provider_name: str
    currency: str
    minimum: MoneyOut
    status: str
    status_label: str
    line_count: int = Field(..., description="Payouts sent or to be sent (lines not sent are left out)")
    total: MoneyOut
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    file_ready: bool = Field(..., description="The provider's file can be downloaded")
    file_sha256: str

    @staticmethod
    def resolve_provider_name(obj: PayoutBatch) -> str:
        return provider_name(obj.provider)

    @staticmethod
    def resolve_minimum(obj: PayoutBatch) -> MoneyOut:
        return money_out(Money(obj.minimum, obj.currency))

    @staticmethod
    def resolve_status_label(obj: PayoutBatch) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_total(obj: PayoutBatch) -> MoneyOut:
        return money_out(Money(getattr(obj, "total", None) or 0, obj.currency))

    @staticmethod
    def resolve_created_by(obj: PayoutBatch) -> str:
        return obj.created_by.full_name

    @staticmethod
    def resolve_approved_by(obj: PayoutBatch) -> str | None:
        return obj.approved_by.full_name if obj.approved_by else None

    @staticmethod
    def resolve_file_ready(obj: PayoutBatch) -> bool:
        return bool(obj.file)


class PayoutLineOut(Schema):
    payout_id: str = Field(..., description="Sent to the provider and expected back in its result file")
    participant: str = Field(..., description="The worker's participant reference")
    amount: MoneyOut
    method: str = Field(..., description="The payout method, masked")
    status: str
    status_label: str
    reason: str = Field(..., description="Why a payout failed or was not sent")
    provider_reference: str
    settled_at: datetime | None


class ReportRowOut(Schema):
    row: int | None
    payout_id: str
    reason: str


class ResultImportOut(Schema):
    id: int
    batch_id: int
    file_name: str
    uploaded_at: datetime
    status: str = Field(..., description="running (a large file being applied in the background) or done")
    total_rows: int
    applied_rows: int = Field(..., description="Rows applied so far (follow a running import with GET)")
    paid: int
    failed: int
    already_applied: int = Field(..., description="Rows whose outcome was applied before: nothing moved")
    not_applied: int
    report: list[ReportRowOut] = Field(..., description="Rows not applied (unknown or repeated payout ids, ...)")

    @staticmethod
    def resolve_not_applied(obj: ResultImport) -> int:
        return len(obj.report)


class PayoutBatchDetailOut(PayoutBatchOut):
    lines: list[PayoutLineOut] = Field(..., alias="line_page", description="`line_limit` payouts from `line_offset`")
    next_line_offset: int | None = Field(..., description="Pass as `line_offset` for the next payouts")
    result_imports: list[ResultImportOut] = Field(..., alias="import_list")


class PayoutBatchIn(_In):
    partner_id: int | None = Field(None, ge=1, le=MAX_ID, description="Needed if you keep several partners' books")
    provider: str = Field(..., max_length=40, description="mobile_money, bank_transfer, cash_pickup, …")
    currency: str = Field(..., max_length=3, examples=["JOD"])
    minimum: str | None = Field(None, max_length=32, description="Smallest balance to pay, a decimal string",
                                examples=["5.000"])


class CancelIn(_In):
    reason: str = Field(..., min_length=1, max_length=300, description="Why, for the batch's history")


class BatchFilter(Schema):
    partner_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: PayoutBatch.Status | None = None


def _line(line: PayoutLine) -> PayoutLineOut:
    return PayoutLineOut(payout_id=line.payout_id, participant=line.participant.reference,
                         amount=money_out(line.money), method=line.method.masked, status=line.status,
                         status_label=str(line.get_status_display()), reason=line.reason,
                         provider_reference=line.provider_reference, settled_at=line.settled_at)


def _detail(batch_id: int, line_offset: int = 0, line_limit: int = 500) -> PayoutBatch:
    """The batch with its totals, one page of lines and its result imports (scope already checked)."""
    batch = with_totals(PayoutBatch.objects.filter(pk=batch_id)).get()
    lines = list(batch_lines(batch)[line_offset:line_offset + line_limit + 1])
    batch.line_page = [_line(line) for line in lines[:line_limit]]  # type: ignore[attr-defined]
    batch.next_line_offset = line_offset + line_limit if len(lines) > line_limit else None  # type: ignore[attr-defined]
    batch.import_list = list(result_imports_of(batch))  # type: ignore[attr-defined]
    return batch


@router.get("/batches", response={200: list[PayoutBatchOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_batches(request: HttpRequest, filters: Query[BatchFilter]):  # type: ignore[no-untyped-def]
    """Payout batches of the partners whose books you keep, newest first."""
    principal = _principal(request)
    require(principal, Cap.VIEW_LEDGER)
    qs = batches_visible_to(principal)
    if filters.partner_id:
        qs = qs.filter(partner_id=filters.partner_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


@router.post("/batches", response={201: PayoutBatchDetailOut, **ERRORS})
def create_batch(request: HttpRequest, payload: PayoutBatchIn) -> Status[PayoutBatch]:
    """Gather every balance that can be paid (verified method, no hold, at least `minimum`) into a draft."""
    principal = _principal(request)
    partner = _partner(principal, Cap.PREPARE_PAYOUTS, payload.partner_id)
    currency = check_currency(payload.currency)
    minimum = parse_amount(payload.minimum, currency, "minimum") if payload.minimum else None
    batch = services.create_batch(actor=principal, partner=partner, provider=payload.provider, currency=currency,
                                  minimum=minimum)
    return Status(201, _detail(batch.pk))


@router.get("/batches/{batch_id}", response={200: PayoutBatchDetailOut, **ERRORS})
def get_batch(request: HttpRequest, batch_id: int = Path(..., ge=1, le=MAX_ID),
              line_offset: int = Query(0, ge=0, le=10**9), line_limit: int = Query(500, ge=1, le=1000)
              ) -> PayoutBatch:
    """One batch with its payouts, `line_limit` at a time, and the result files imported for it."""
    batch = _batch(_principal(request), batch_id, Cap.VIEW_LEDGER)
    return _detail(batch.pk, line_offset, line_limit)


@router.post("/batches/{batch_id}/approve", response={200: PayoutBatchDetailOut, **ERRORS})
def approve_batch(request: HttpRequest, batch_id: int = Path(..., ge=1, le=MAX_ID)) -> PayoutBatch:
    """A second person approves: the money moves to 'in transit' and the provider's file is written."""
    principal = _principal(request)
    batch = _batch(principal, batch_id, Cap.APPROVE_PAYOUTS)
    services.approve_batch(actor=principal, batch=batch)
    return _detail(batch.pk)


@router.post("/batches/{batch_id}/cancel", response={200: PayoutBatchDetailOut, **ERRORS})
def cancel_batch(request: HttpRequest, payload: CancelIn, batch_id: int = Path(..., ge=1, le=MAX_ID)) -> PayoutBatch:
    """Drop a draft batch; its balances can go into the next one."""
    principal = _principal(request)
    batch = _batch(principal, batch_id, Cap.PREPARE_PAYOUTS)
    services.cancel_batch(actor=principal, batch=batch, reason=payload.reason)
    return _detail(batch.pk)


@router.get("/batches/{batch_id}/file", response={200: None, **ERRORS},
            openapi_extra={"responses": {200: {"description": "The provider's bulk file",
                                               "content": {"text/csv": {}, "application/pdf": {}}}}})
def batch_file(request: HttpRequest, batch_id: int = Path(..., ge=1, le=MAX_ID)) -> HttpResponse:
    """The file to send to the provider (CSV, or a PDF list for cash pickup). It names people: keep it safe."""
    batch = _batch(_principal(request), batch_id, Cap.PREPARE_PAYOUTS)
    if batch.status in (PayoutBatch.Status.DRAFT, PayoutBatch.Status.CANCELLED):
        raise Conflict(_("Only an approved batch has a payment file."), code="not_approved")
    if not batch.file:
        raise Conflict(_("The payment file is still being written. Try again in a minute."),
                       code="file_not_ready")
    provider = PROVIDERS.get(batch.provider)
    extension, content_type = (provider.extension, provider.content_type) if provider else ("csv", "text/csv")
    try:
        with batch.file.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Conflict(_("The stored file is missing. Produce it again from the batch's page: the payout ids "
                         "stay the same."), code="file_missing") from None
    services.record_file_download(actor=_principal(request), batch=batch)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-{batch.provider}.{extension}"'
    response["X-Content-SHA256"] = batch.file_sha256
    return response


@router.post("/batches/{batch_id}/results", response={200: ResultImportOut, 202: ResultImportOut, **ERRORS})
def import_results(request: HttpRequest, file: File[UploadedFile],
                   batch_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """Apply the provider's result file: paid payouts complete, failed ones go back to the worker's balance.

    `file` is the provider's result file (CSV, see docs/payments.md). A file with any malformed row
    changes nothing (422, each problem with row, column and reason). Importing the same file again
    changes nothing either: each payout id is settled once. A file of more than 500 rows is checked
    now and applied in the background: the answer is 202 with `status` "running"; follow it with
    GET /payments/batches/{batch_id}/results/{id}."""
    principal = _principal(request)
    batch = _batch(principal, batch_id, Cap.PREPARE_PAYOUTS)
    if (file.size or 0) > settings.KASB_IMPORT_MAX_BYTES:
        raise ValidationFailed(_("The file is too large for a result file."), code="file_too_large", field="file")
    try:
        imported = services.import_results(actor=principal, batch=batch, file_name=file.name or "results.csv",
                                           data=file.read())
    except csv.Error as exc:
        # The csv module refuses some files outright (a bare carriage return, a huge field); the import rolled back.
        raise ResultFileError(_("The result file is not a CSV file that can be read. Save it as CSV (UTF-8) and "
                                "upload it again."), details=[{"row": None, "column": None, "reason": str(exc)}]
                              ) from None
    return Status(202 if imported.status == ResultImport.Status.RUNNING else 200, imported)


@router.get("/batches/{batch_id}/results/{import_id}", response={200: ResultImportOut, **ERRORS})
def result_import(request: HttpRequest, batch_id: int = Path(..., ge=1, le=MAX_ID),
                  import_id: int = Path(..., ge=1, le=MAX_ID)) -> ResultImport:
    """One result import: its progress while it runs, then what it settled and the rows it did not apply."""
    batch = _batch(_principal(request), batch_id, Cap.PREPARE_PAYOUTS)
    imported = result_imports_of(batch).filter(pk=import_id).first()
    if imported is None:
        raise NotFound(_("No such result import."))
    return imported


# --- finance: the books ---------------------------------------------------------------------------------

class TrialBalanceRowOut(Schema):
    kind: str
    label: str
    normal: str = Field(..., description="debit or credit: the side this kind of account normally sits on")
    accounts: int
    debit: MoneyOut
    credit: MoneyOut


class TrialBalanceBookOut(Schema):
    currency: str
    debits: MoneyOut
    credits: MoneyOut
    balanced: bool
    rows: list[TrialBalanceRowOut]


class TrialBalanceOut(Schema):
    partner_id: int
    books: list[TrialBalanceBookOut] = Field(..., description="One per currency")


def _book(book: TrialBalance) -> TrialBalanceBookOut:
    return TrialBalanceBookOut(
        currency=book.currency, debits=money_out(book.money(book.debits)), credits=money_out(book.money(book.credits)),
        balanced=book.balanced,
        rows=[TrialBalanceRowOut(kind=row["kind"], label=str(row["label"]), normal=row["normal"],
                                 accounts=row["accounts"], debit=money_out(book.money(row["debit"])),
                                 credit=money_out(book.money(row["credit"]))) for row in book.rows])


@router.get("/trial-balance", response={200: TrialBalanceOut, **ERRORS})
def trial_balance(request: HttpRequest,
                  partner_id: int | None = Query(None, ge=1, le=MAX_ID)) -> TrialBalanceOut:
    """Debits and credits per kind of account and currency, summed from the entries: equal, or the books are wrong."""
    partner = _partner(_principal(request), Cap.VIEW_LEDGER, partner_id)
    books = trial_balance_by_kind(partner_id=partner.pk)
    return TrialBalanceOut(partner_id=partner.pk, books=[_book(book) for book in books])


class StatusCountOut(Schema):
    status: str
    count: int
    total: MoneyOut


class ReconciliationRowOut(Schema):
    provider: str
    provider_name: str
    currency: str
    in_transit: MoneyOut = Field(..., description="The ledger's in-transit account for this provider")
    open_lines: MoneyOut = Field(..., description="Payouts sent and not yet reported paid or failed")
    agrees: bool
    by_status: list[StatusCountOut]


class ReconciliationOut(Schema):
    partner_id: int
    providers: list[ReconciliationRowOut]


def _reconciled(rec: Reconciliation) -> ReconciliationRowOut:
    return ReconciliationRowOut(
        provider=rec.provider, provider_name=provider_name(rec.provider), currency=rec.currency,
        in_transit=money_out(rec.in_transit), open_lines=money_out(rec.open_lines), agrees=rec.agrees,
        by_status=[StatusCountOut(status=status, count=count, total=money_out(total))
                   for status, (count, total) in sorted(rec.by_status.items())])


@router.get("/reconciliation", response={200: ReconciliationOut, **ERRORS})
def reconcile(request: HttpRequest, partner_id: int | None = Query(None, ge=1, le=MAX_ID)) -> ReconciliationOut:
    """Per provider and currency: money the books hold in transit against payouts awaiting the provider's result."""
    partner = _partner(_principal(request), Cap.VIEW_LEDGER, partner_id)
    return ReconciliationOut(partner_id=partner.pk,
                             providers=[_reconciled(rec) for rec in reconciliation(partner_id=partner.pk)])
