"""Money pages: a worker's own money, payout methods to verify, and the finance desk.

Thin views: reads come from queries.py (or a small scoped queryset here), every write is a call to
kasb.payments.services, and a DomainError is shown beside the field it names. A principal without
the capability gets a 403 page (kasb.web.middleware); an object outside their scope is a 404.
"""

from __future__ import annotations

import calendar
import os
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kasb.core.errors import DomainError, PermissionDenied, ValidationFailed
from kasb.core.money import Money, currency_choices
from kasb.core.pdf import qr_svg_data_uri, render_pdf
from kasb.core.permissions import Cap, Principal
from kasb.orgs.models import Organisation, Programme
from kasb.orgs.queries import organisations_under, partner_ids, partners_for
from kasb.participants.models import Participant

from . import queries, services
from .forms import (
    AccountFilterForm,
    BankMethodForm,
    BatchForm,
    CashMethodForm,
    DecisionForm,
    DepositForm,
    FundForm,
    HoldForm,
    MethodForm,
    ReasonForm,
    ResultFileForm,
    StatementForm,
    WalletMethodForm,
    show_error,
)
from .models import (
    Account,
    Deposit,
    LedgerTransaction,
    PayoutBatch,
    PayoutHold,
    PayoutLine,
    PayoutMethod,
    ResultImport,
)
from .providers import PROVIDERS, ResultFileError
from .services.ledger import drifted_accounts

PAGE_SIZE = 50
LINES_PAGE = 100
STATEMENT_SIZE = 30
STATEMENT_MONTHS = 24


# --- helpers -------------------------------------------------------------------------------------

def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _need(principal: Principal, cap: Cap) -> None:
    if not principal.can(cap):
        raise PermissionDenied(_("You do not have permission to do this."))


def _allowed(principal: Principal, cap: Cap, partner_id: int | None) -> bool:
    """Whether the services will let `principal` act with `cap` on this partner's money."""
    return principal.is_superuser or (principal.can(cap) and partner_id in partner_ids(principal, cap))


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _provider_name(code: str) -> str:
    provider = PROVIDERS.get(code)
    return str(provider.name) if provider else code


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _rows(account: Account, entries: list[Any]) -> list[dict[str, Any]]:
    """Statement lines as the account's holder sees them: money in positive, money out negative."""
    return [{"entry": e, "txn": e.transaction, "change": Money(e.amount * account.sign, account.currency)}
            for e in entries]


# --- a worker's own money ------------------------------------------------------------------------

def _me(request: HttpRequest) -> Participant:
    participant_id = _principal(request).participant_id
    if not participant_id:
        raise Http404
    return get_object_or_404(Participant.objects.select_related("partner"), pk=participant_id)


def _months(accounts: list[Account]) -> list[tuple[str, str]]:
    """The months a statement can be asked for: from the first account's opening to this month, newest first."""
    if not accounts:
        return []
    first = timezone.localtime(min(a.opened_at for a in accounts)).date()
    today = timezone.localdate()
    year, month = today.year, today.month
    months: list[tuple[str, str]] = []
    while (year, month) >= (first.year, first.month) and len(months) < STATEMENT_MONTHS:
        months.append((f"{year:04d}-{month:02d}", date_format(date(year, month, 1), "YEAR_MONTH_FORMAT")))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def _method_forms(request: HttpRequest, person: Participant) -> list[MethodForm]:
    adding = request.POST.get("add") if request.method == "POST" else None
    centres = organisations_under(person.partner).filter(kind=Organisation.Kind.CENTRE, is_active=True)
    return [WalletMethodForm(request.POST if adding == "wallet" else None),
            BankMethodForm(request.POST if adding == "bank" else None),
            CashMethodForm(request.POST if adding == "cash" else None, centres=centres)]


@login_required
def my_money(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    person = _me(request)
    forms = _method_forms(request, person)
    adding = next((form for form in forms if form.is_bound), None)
    if adding is not None and adding.is_valid():
        try:
            method = services.add_payout_method(actor=principal, participant=person, kind=adding.kind,
                                                **adding.details())
        except DomainError as exc:
            show_error(adding, exc)
        else:
            saved = {PayoutMethod.Kind.WALLET: _("Your mobile wallet is saved. A coordinator checks it before "
                                                 "money is sent to it."),
                     PayoutMethod.Kind.BANK: _("Your bank account is saved. A coordinator checks it before money "
                                               "is sent to it."),
                     PayoutMethod.Kind.CASH: _("Your cash pickup centre is saved. A coordinator checks it before "
                                               "money is sent there.")}
            messages.success(request, saved[PayoutMethod.Kind(method.kind)])
            return redirect("payments:my_money")
    accounts = queries.worker_accounts(person.pk)
    wanted = request.GET.get("currency", "")
    account = next((a for a in accounts if a.currency == wanted), accounts[0] if accounts else None)
    before = _int(request.GET.get("before"))
    entries = queries.statement_page(account, before=before, size=STATEMENT_SIZE) if account else []
    context = {
        "person": person, "accounts": accounts, "account": account, "rows": _rows(account, entries) if account else [],
        "before": before, "older": entries[-1].pk if len(entries) == STATEMENT_SIZE else None,
        "payouts": queries.payout_lines_of(person.pk),
        "methods": [(m, _provider_name(m.provider)) for m in queries.payout_methods_of(person.pk)],
        "method_forms": forms, "adding": adding.kind if adding is not None else "",
        "statement_form": StatementForm(months=_months(accounts), currencies=[a.currency for a in accounts]),
    }
    if _htmx(request) and request.method == "GET" and "before" in request.GET:
        return render(request, "payments/my_money.html#transactions", context)
    return render(request, "payments/my_money.html", context, status=400 if adding is not None else 200)


@login_required
def my_statement(request: HttpRequest) -> HttpResponse:
    """The monthly statement as a PDF, in the worker's language: proof of income."""
    person = _me(request)
    accounts = queries.worker_accounts(person.pk)
    form = StatementForm(request.GET, months=_months(accounts), currencies=[a.currency for a in accounts])
    if not form.is_valid():
        raise ValidationFailed(_("Choose a month and a currency for your statement."))
    account = next(a for a in accounts if a.currency == form.cleaned_data["currency"])
    year, month = form.period()
    statement = queries.monthly_statement(account, year, month)
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    lines = []
    for entry, balance in statement.lines:
        change = entry.amount * account.sign
        lines.append({"txn": entry.transaction, "balance": balance,
                      "money_in": Money(change, account.currency) if change > 0 else None,
                      "money_out": Money(-change, account.currency) if change < 0 else None})
    pdf = render_pdf("payments/pdf/statement.html", {
        "person": person, "statement": statement, "lines": lines, "start": date(year, month, 1), "end": last_day,
        "organisation_name": person.partner.name,
    }, language=request.LANGUAGE_CODE)
    return _pdf(pdf, f"statement-{person.reference}-{year:04d}-{month:02d}-{account.currency}.pdf")


# --- payout methods to verify --------------------------------------------------------------------

@login_required
def methods_to_verify(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.VERIFY_PAYOUT_METHODS)
    pending = queries.methods_to_verify(principal)
    problem: dict[str, Any] = {}
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            method = pending.filter(pk=form.cleaned_data["method"]).first()
            if method is None:
                messages.warning(request, _("This method has already been decided or replaced."))
                return redirect("payments:verify")
            verified = form.cleaned_data["decision"] == "verify"
            try:
                services.decide_payout_method(actor=principal, method=method, verified=verified,
                                              note=form.cleaned_data["note"])
            except DomainError as exc:
                problem = {"method": method.pk, "message": exc.message, "note": form.cleaned_data["note"]}
            else:
                messages.success(request, (_("The payout method of %(name)s is verified.") if verified else
                                           _("The payout method of %(name)s is rejected; they see your note."))
                                 % {"name": method.participant.full_name})
                return redirect("payments:verify")
        else:
            messages.error(request, _("Choose verify or reject."))
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(m, _provider_name(m.provider)) for m in page]
    return render(request, "payments/verify.html", {"page": page, "rows": rows, "problem": problem},
                  status=400 if problem else 200)


# --- finance: choosing the partner, the overview -------------------------------------------------

def _partner(request: HttpRequest, partner_id: int) -> Organisation:
    principal = _principal(request)
    _need(principal, Cap.VIEW_LEDGER)
    return get_object_or_404(partners_for(principal, Cap.VIEW_LEDGER), pk=partner_id)


def _finance(request: HttpRequest, partner: Organisation, **context: Any) -> dict[str, Any]:
    principal = _principal(request)
    return {"partner": partner, "may_manage": _allowed(principal, Cap.MANAGE_FUNDS, partner.pk),
            "may_prepare": _allowed(principal, Cap.PREPARE_PAYOUTS, partner.pk),
            "may_approve": _allowed(principal, Cap.APPROVE_PAYOUTS, partner.pk), **context}


@login_required
def finance_home(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.VIEW_LEDGER)
    partners = list(partners_for(principal, Cap.VIEW_LEDGER).order_by("name"))
    if len(partners) == 1:
        return redirect("payments:overview", partners[0].pk)
    return render(request, "payments/finance_home.html", {"partners": partners})


@login_required
def overview(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = _partner(request, partner_id)
    books = []
    for book in queries.trial_balance_by_kind(partner_id=partner.pk):
        books.append({"currency": book.currency, "balanced": book.balanced,
                      "debits": book.money(book.debits), "credits": book.money(book.credits),
                      "rows": [{**row, "debit": book.money(row["debit"]), "credit": book.money(row["credit"])}
                               for row in book.rows]})
    return render(request, "payments/overview.html", _finance(
        request, partner, books=books, drifted=drifted_accounts(partner.pk)))


# --- finance: deposits ---------------------------------------------------------------------------

def _currencies(partner: Organisation) -> list[str]:
    """Currencies the partner's books and programmes use, most likely first."""
    used = set(Account.objects.filter(partner=partner).values_list("currency", flat=True).distinct())
    used |= set(Programme.objects.filter(partner=partner).values_list("currency", flat=True))
    return sorted(used)


def _currency_options(used: list[str]) -> list[tuple[str, str]]:
    """Every currency, with the ones already in use at the top."""
    everything = currency_choices()
    labels = dict(everything)
    return [(c, labels.get(c, c)) for c in used] + [(c, label) for c, label in everything if c not in used]


def _record_money_in(request: HttpRequest, form: DepositForm | FundForm) -> Deposit | None:
    principal, data = _principal(request), form.cleaned_data
    started = timezone.now()
    try:
        if isinstance(form, DepositForm):
            deposit = services.record_deposit(actor=principal, client=data["client"], amount=data["money"],
                                              reference=data["reference"], received_on=data["received_on"])
        else:
            deposit = services.fund_programme(actor=principal, programme=data["programme"], amount=data["money"],
                                              reference=data["reference"], received_on=data["received_on"])
    except DomainError as exc:
        show_error(form, exc)
        return None
    if deposit.recorded_at < started:
        messages.warning(request, _("This money was already recorded as receipt %(number)s; nothing was added.")
                         % {"number": deposit.receipt_number})
    else:
        messages.success(request, _("%(amount)s recorded. Receipt %(number)s is ready to print.")
                         % {"amount": deposit.money, "number": deposit.receipt_number})
    return deposit


@login_required
def deposits(request: HttpRequest, partner_id: int) -> HttpResponse:
    principal = _principal(request)
    partner = _partner(request, partner_id)
    options = _currency_options(_currencies(partner))
    clients = organisations_under(partner).filter(kind=Organisation.Kind.CLIENT, is_active=True)
    programmes = Programme.objects.filter(partner=partner, is_active=True).order_by("name")
    which = request.POST.get("form") if request.method == "POST" else None
    initial = {"currency": options[0][0]}
    deposit_form = DepositForm(request.POST if which == "deposit" else None, clients=clients, currencies=options,
                               initial=initial)
    fund_form = FundForm(request.POST if which == "fund" else None, programmes=programmes, currencies=options,
                         initial=initial)
    bound = deposit_form if which == "deposit" else fund_form if which == "fund" else None
    if bound is not None:
        if not _allowed(principal, Cap.MANAGE_FUNDS, partner.pk):
            raise PermissionDenied(_("Only a finance officer of %(partner)s can record money received.")
                                   % {"partner": partner.name})
        if bound.is_valid() and _record_money_in(request, bound) is not None:
            return redirect("payments:deposits", partner.pk)
    rows = Deposit.objects.filter(partner=partner).select_related("client", "programme", "recorded_by").order_by("-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "payments/deposits.html", _finance(
        request, partner, page=page, deposit_form=deposit_form, fund_form=fund_form, which=which),
        status=400 if bound is not None else 200)


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.VIEW_LEDGER)
    rows = Deposit.objects.select_related("partner", "client", "programme", "recorded_by")
    ids = queries.finance_partner_ids(principal)
    deposit = get_object_or_404(rows if ids is None else rows.filter(partner_id__in=ids), pk=pk)
    pdf = render_pdf("payments/pdf/receipt.html", {
        "deposit": deposit, "organisation_name": deposit.partner.name,
        "qr": qr_svg_data_uri(deposit.receipt_number)}, language=request.LANGUAGE_CODE)
    return _pdf(pdf, f"receipt-{deposit.receipt_number}.pdf")


# --- finance: accounts, statements, reversals ----------------------------------------------------

@login_required
def accounts(request: HttpRequest, partner_id: int) -> HttpResponse:
    principal = _principal(request)
    partner = _partner(request, partner_id)
    form = AccountFilterForm(request.GET or None, currencies=_currencies(partner))
    rows = queries.accounts_visible_to(principal).filter(partner=partner)
    if form.is_valid():
        if form.cleaned_data["kind"]:
            rows = rows.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["currency"]:
            rows = rows.filter(currency=form.cleaned_data["currency"])
    page = Paginator(rows.order_by("kind", "currency", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "payments/accounts.html", _finance(request, partner, form=form, page=page,
                                                              query=query.urlencode()))


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.VIEW_LEDGER)
    account = get_object_or_404(queries.accounts_visible_to(principal).select_related("partner"), pk=pk)
    before = _int(request.GET.get("before"))
    entries = queries.statement_page(account, before=before, size=PAGE_SIZE)
    reversed_ids = set(LedgerTransaction.objects.filter(reverses_id__in=[e.transaction_id for e in entries])
                       .values_list("reverses_id", flat=True))
    context = _finance(request, account.partner, account=account, rows=_rows(account, entries), before=before,
                       older=entries[-1].pk if len(entries) == PAGE_SIZE else None, reversed_ids=reversed_ids)
    if _htmx(request) and "before" in request.GET:
        return render(request, "payments/account.html#entries", context)
    return render(request, "payments/account.html", context)


def _transactions_in_scope(principal: Principal) -> QuerySet[LedgerTransaction]:
    rows = LedgerTransaction.objects.select_related("actor", "partner")
    ids = queries.finance_partner_ids(principal)
    return rows if ids is None else rows.filter(partner_id__in=ids)


@login_required
def reverse_transaction(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.VIEW_LEDGER)
    txn = get_object_or_404(_transactions_in_scope(principal), pk=pk)
    if not _allowed(principal, Cap.MANAGE_FUNDS, txn.partner_id):
        raise PermissionDenied(_("Only a finance officer who manages funds can reverse a transaction."))
    entries = list(txn.entries.select_related("account", "account__participant", "account__organisation",
                                              "account__programme").order_by("pk"))
    reversal = LedgerTransaction.objects.filter(reverses=txn).first()
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.correct_transaction(actor=principal, transaction_id=txn.pk,
                                                reason=form.cleaned_data["reason"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Transaction #%(id)s is reversed by #%(reversal)s. Both stay in the books.")
                             % {"id": txn.pk, "reversal": made.pk})
            back = _int(request.GET.get("account"))
            target = back if back in {e.account_id for e in entries} else entries[0].account_id
            return redirect("payments:account", target)
    amounts = [(e, Money(e.amount, e.currency) if e.amount > 0 else None,
                Money(-e.amount, e.currency) if e.amount < 0 else None) for e in entries]
    return render(request, "payments/reverse.html", {
        "txn": txn, "amounts": amounts, "reversal": reversal, "form": form, "partner": txn.partner,
        "back": _int(request.GET.get("account"))}, status=400 if form.errors else 200)


# --- finance: payout batches ---------------------------------------------------------------------

@login_required
def batches(request: HttpRequest, partner_id: int) -> HttpResponse:
    principal = _principal(request)
    partner = _partner(request, partner_id)
    used = _currencies(partner)
    form = BatchForm(request.POST or None, currencies=_currency_options(used),
                     initial={"currency": used[0] if used else ""})
    if request.method == "POST":
        if not _allowed(principal, Cap.PREPARE_PAYOUTS, partner.pk):
            raise PermissionDenied(_("Only a finance officer of %(partner)s can build a payout batch.")
                                   % {"partner": partner.name})
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = services.create_batch(actor=principal, partner=partner, provider=data["provider"],
                                              currency=data["currency"], minimum=data["minimum_money"])
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Batch #%(id)s is ready. Someone else must check and approve it "
                                            "before any money moves.") % {"id": batch.pk})
                return redirect("payments:batch", batch.pk)
    rows = queries.batches_visible_to(principal).filter(partner=partner)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    listed = [(b, _provider_name(b.provider), Money(b.total or 0, b.currency))  # type: ignore[attr-defined]
              for b in page]
    return render(request, "payments/batches.html", _finance(request, partner, form=form, page=page, listed=listed),
                  status=400 if form.errors else 200)


def _batch(request: HttpRequest, pk: int) -> PayoutBatch:
    principal = _principal(request)
    _need(principal, Cap.VIEW_LEDGER)
    batch: PayoutBatch = get_object_or_404(queries.batches_visible_to(principal).select_related("partner"), pk=pk)
    return batch


def _batch_page(request: HttpRequest, batch: PayoutBatch, *, cancel_form: ReasonForm | None = None,
                upload_form: ResultFileForm | None = None, file_errors: list[dict[str, Any]] | None = None,
                status: int = 200) -> HttpResponse:
    lines = Paginator(queries.batch_lines(batch), LINES_PAGE).get_page(request.GET.get("page"))
    labels = dict(PayoutBatch.Status.choices)
    history = [(change, labels.get(change.from_status, change.from_status), labels.get(change.to_status, ""))
               for change in batch.history.filter(line__isnull=True).select_related("actor").order_by("pk")]
    context = _finance(
        request, batch.partner, batch=batch, provider=_provider_name(batch.provider),
        total=Money(batch.total or 0, batch.currency),  # type: ignore[attr-defined]
        minimum=Money(batch.minimum, batch.currency), lines=lines, history=history,
        imports=queries.result_imports_of(batch)[:20],
        is_maker=request.user.pk == batch.created_by_id,
        cancel_form=cancel_form or ReasonForm(prefix="cancel"), upload_form=upload_form or ResultFileForm(),
        file_errors=file_errors)
    return render(request, "payments/batch.html", context, status=status)


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _batch_page(request, _batch(request, pk))


@login_required
@require_POST
def batch_approve(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        approved = services.approve_batch(actor=_principal(request), batch=batch)
    except PermissionDenied as exc:
        if exc.code != "maker_checker":
            raise
        messages.error(request, _("You built this batch, so you cannot approve it. Another finance officer or "
                                  "programme manager must check it and approve it."))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        sent = approved.lines.filter(status=PayoutLine.Status.IN_TRANSIT).count()
        messages.success(request, ngettext("Batch #%(id)s is approved: %(count)s payout is in transit.",
                                           "Batch #%(id)s is approved: %(count)s payouts are in transit.", sent)
                         % {"id": batch.pk, "count": sent})
    return redirect("payments:batch", batch.pk)


@login_required
@require_POST
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    batch = _batch(request, pk)
    services.may_act_for_partner(principal, Cap.PREPARE_PAYOUTS, batch.partner_id)
    form = ReasonForm(request.POST, prefix="cancel")
    if not form.is_valid():
        return _batch_page(request, batch, cancel_form=form, status=400)
    try:
        services.cancel_batch(actor=principal, batch=batch, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Batch #%(id)s is cancelled; its balances can go into a new batch.")
                         % {"id": batch.pk})
    return redirect("payments:batch", batch.pk)


@login_required
@require_POST
def batch_produce(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    services.may_act_for_partner(_principal(request), Cap.PREPARE_PAYOUTS, batch.partner_id)
    try:
        services.produce_batch_file(batch_id=batch.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The provider's file is ready to download."))
    return redirect("payments:batch", batch.pk)


@login_required
def batch_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    batch = _batch(request, pk)
    # The file carries full wallet numbers and IBANs: only those who send it to the provider get it.
    services.may_act_for_partner(_principal(request), Cap.PREPARE_PAYOUTS, batch.partner_id)
    if not batch.file:
        messages.warning(request, _("The provider's file has not been produced yet."))
        return redirect("payments:batch", batch.pk)
    try:
        handle = batch.file.open("rb")
    except FileNotFoundError:
        messages.error(request, _("The stored file is missing. Produce it again: the payout ids stay the same."))
        return redirect("payments:batch", batch.pk)
    provider = PROVIDERS.get(batch.provider)
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(batch.file.name or ""),
                        content_type=provider.content_type if provider else "application/octet-stream")


@login_required
@require_POST
def batch_results(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    batch = _batch(request, pk)
    services.may_act_for_partner(principal, Cap.PREPARE_PAYOUTS, batch.partner_id)
    form = ResultFileForm(request.POST, request.FILES)
    file_errors = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imported = services.import_results(actor=principal, batch=batch, file_name=upload.name,
                                               data=upload.read())
        except ResultFileError as exc:
            form.add_error("file", exc.message)
            file_errors = list(exc.details or [])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Result file %(name)s is read.") % {"name": imported.file_name}
                             if imported.status == ResultImport.Status.DONE else
                             _("Result file %(name)s is checked: every row matches its payout. It is being applied "
                               "now; this page shows the progress.") % {"name": imported.file_name})
            return redirect("payments:result_import", batch.pk, imported.pk)
    return _batch_page(request, batch, upload_form=form, file_errors=file_errors, status=400)


@login_required
def result_import(request: HttpRequest, pk: int, import_id: int) -> HttpResponse:
    batch = _batch(request, pk)
    imported: ResultImport = get_object_or_404(queries.result_imports_of(batch), pk=import_id)
    if request.headers.get("HX-Request"):
        if imported.status == ResultImport.Status.RUNNING:
            return render(request, "payments/result_import.html#progress", {"batch": batch, "imported": imported})
        done = HttpResponse(status=204)
        done["HX-Refresh"] = "true"  # applied: the whole page, with its counts and rows not applied
        return done
    return render(request, "payments/result_import.html", _finance(request, batch.partner, batch=batch,
                                                                   imported=imported))


# --- finance: holds ------------------------------------------------------------------------------

def _holds_in_scope(principal: Principal) -> QuerySet[PayoutHold]:
    rows = PayoutHold.objects.filter(lifted_at__isnull=True).select_related("participant", "placed_by")
    ids = queries.finance_partner_ids(principal)
    return rows if ids is None else rows.filter(participant__partner_id__in=ids)


@login_required
def holds(request: HttpRequest, partner_id: int) -> HttpResponse:
    principal = _principal(request)
    partner = _partner(request, partner_id)
    form = HoldForm(request.POST or None)
    if request.method == "POST":
        if not _allowed(principal, Cap.PREPARE_PAYOUTS, partner.pk):
            raise PermissionDenied(_("Only a finance officer of %(partner)s can hold payouts.")
                                   % {"partner": partner.name})
        if form.is_valid():
            reference = form.cleaned_data["participant"].strip().upper()
            person = Participant.objects.filter(partner=partner, reference=reference).first()
            if person is None:
                form.add_error("participant", _("No participant of %(partner)s has the reference “%(ref)s”.")
                               % {"partner": partner.name, "ref": reference})
            else:
                try:
                    services.place_hold(actor=principal, participant=person, reason=form.cleaned_data["reason"])
                except DomainError as exc:
                    show_error(form, exc)
                else:
                    messages.success(request, _("Payouts to %(name)s are on hold until the hold is lifted.")
                                     % {"name": person.full_name})
                    return redirect("payments:holds", partner.pk)
    rows = _holds_in_scope(principal).filter(participant__partner=partner).order_by("-placed_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "payments/holds.html", _finance(request, partner, form=form, page=page),
                  status=400 if form.errors else 200)


@login_required
@require_POST
def lift_hold(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.VIEW_LEDGER)
    hold = get_object_or_404(_holds_in_scope(principal), pk=pk)
    try:
        services.lift_hold(actor=principal, hold=hold)
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The hold on %(name)s's payouts is lifted.") % {"name": hold.participant.full_name})
    return redirect("payments:holds", hold.participant.partner_id)


# --- finance: reconciliation ---------------------------------------------------------------------

@login_required
def reconciliation(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = _partner(request, partner_id)
    labels = PayoutLine.Status.choices
    rows = []
    for rec in queries.reconciliation(partner_id=partner.pk):
        counts = [(label, *rec.by_status[status]) for status, label in labels if status in rec.by_status]
        rows.append({"rec": rec, "provider": _provider_name(rec.provider), "counts": counts,
                     "difference": rec.in_transit - rec.open_lines})
    return render(request, "payments/reconciliation.html", _finance(request, partner, rows=rows))
