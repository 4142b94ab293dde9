"""The money pages as their users meet them: a worker's own money, verifying methods, the finance desk."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pypdf
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import Programme
from kasb.participants.models import Participant
from kasb.participants.services import link_login
from kasb.payments.models import Deposit, LedgerTransaction, PayoutBatch, PayoutHold, PayoutLine, PayoutMethod
from kasb.payments.queries import trial_balance
from kasb.payments.services import (
    add_payout_method,
    approve_batch,
    create_batch,
    pay_from_reservation,
    produce_batch_file,
    record_deposit,
    worker_account,
)

from .conftest import jod

VALID_JO_IBAN = "JO94CBJO0010000000000131000302"


def earn(finance: Principal, funded: Any, worker: Participant, amount: str, key: str, memo: str = "") -> None:
    pay_from_reservation(actor=finance, reservation=funded, worker=worker, amount=jod(amount), fee=None,
                         memo=memo or f"Task {key} approved", purpose=("microwork.submission", key),
                         idempotency_key=key)


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def result_file(rows: list[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payout_id", "status", "amount", "currency", "provider_reference", "reason"])
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def signed_in_worker(coordinator: Principal, make_worker: Callable[..., Participant],
                     login: Callable[[User], Client]) -> Callable[..., tuple[Participant, Client]]:
    """signed_in_worker() -> a worker with a verified wallet, signed in on their own phone."""
    counter = iter(range(100))

    def make(**kwargs: Any) -> tuple[Participant, Client]:
        person = make_worker(**kwargs)
        user = create_user(full_name=person.full_name, phone=f"+96279888{next(counter):04d}", password=PASSWORD)
        link_login(actor=coordinator, participant=person, user=user)
        return person, login(user)
    return make


@pytest.fixture
def finance_client(finance: Principal, login: Callable[[User], Client]) -> Client:
    return login(finance.user)


@pytest.fixture
def checker_client(checker: Principal, login: Callable[[User], Client]) -> Client:
    return login(checker.user)


# --- a worker's own money ------------------------------------------------------------------------

def test_worker_sees_their_balance_reasons_and_masked_method(
        signed_in_worker: Any, finance: Principal, funded: Any) -> None:
    person, client = signed_in_worker()
    other, _other_client = signed_in_worker()
    earn(finance, funded, person, "12.5", "a", "Receipt transcription, task 88")
    earn(finance, funded, person, "3", "b", "Receipt transcription, task 91")
    earn(finance, funded, other, "7.25", "c", "Survey task 5 (someone else)")

    response = client.get("/en/payments/me/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "15.500 JOD" in html  # the balance, with JOD's three decimals
    assert "Receipt transcription, task 88" in html and "Receipt transcription, task 91" in html
    assert "+12.500 JOD" in html and "+3.000 JOD" in html
    assert "Survey task 5" not in html and "7.250" not in html
    method = PayoutMethod.objects.get(participant=person)
    assert "•••" + method.phone[-4:] in html and method.phone not in html
    assert "Verified" in html
    # Nobody else's money, and none of the finance or coordinator pages.
    for url in ("/en/payments/finance/", "/en/payments/methods/verify/",
                f"/en/payments/accounts/{worker_account(other, 'JOD').pk}/"):
        assert client.get(url).status_code == 403, url


def test_a_staff_member_without_a_participant_record_has_no_money_page(
        finance_client: Client) -> None:
    assert finance_client.get("/en/payments/me/").status_code == 404


def test_older_transactions_come_page_by_page(signed_in_worker: Any, finance: Principal, funded: Any) -> None:
    person, client = signed_in_worker()
    for n in range(35):
        earn(finance, funded, person, "1", f"t{n}", f"Task number {n:02d}")
    first = client.get("/en/payments/me/").content.decode()
    assert "Task number 34" in first and "Task number 05" in first and "Task number 04" not in first
    oldest_shown = worker_account(person, "JOD").entries.order_by("-id")[29].pk
    assert f"before={oldest_shown}" in first
    older = client.get(f"/en/payments/me/?currency=JOD&before={oldest_shown}").content.decode()
    assert "Task number 04" in older and "Task number 00" in older and "Task number 05" not in older
    # htmx asks for the list only.
    fragment = client.get(f"/en/payments/me/?currency=JOD&before={oldest_shown}", HTTP_HX_REQUEST="true")
    assert b"Task number 00" in fragment.content and b"<html" not in fragment.content


def test_worker_adds_payout_methods_and_errors_show_beside_the_field(
        signed_in_worker: Any, world: dict[str, Any]) -> None:
    person, client = signed_in_worker(provider="")
    response = client.post("/en/payments/me/", {"add": "wallet", "wallet-provider": "mobile_money",
                                                "wallet-phone": "12"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_wallet-phone_errors"' in html
    assert PayoutMethod.objects.filter(participant=person).count() == 0

    response = client.post("/en/payments/me/", {"add": "bank", "bank-provider": "bank_transfer",
                                                "bank-iban": "JO94CBJO0010000000000131000303",
                                                "bank-account_name": "Amal Haddad"})
    assert response.status_code == 400 and 'id="id_bank-iban_errors"' in response.content.decode()
    assert "check digits" in response.content.decode()

    response = client.post("/en/payments/me/", {"add": "bank", "bank-provider": "bank_transfer",
                                                "bank-iban": "JO94 CBJO 0010 0000 0000 0131 0003 02",
                                                "bank-account_name": "Amal Haddad"})
    assert response.status_code == 302
    method = PayoutMethod.objects.get(participant=person)
    assert (method.kind, method.iban, method.status) == ("bank", VALID_JO_IBAN, "pending")
    page = client.get("/en/payments/me/").content.decode()
    assert "Waiting for verification" in page and "•••0302" in page and VALID_JO_IBAN not in page

    # Cash: only the participant's own partner's centres are offered, and accepted.
    response = client.post("/en/payments/me/", {"add": "cash", "cash-provider": "cash_pickup",
                                                "cash-centre": world["other_centre"].pk})
    assert response.status_code == 400 and 'id="id_cash-centre_errors"' in response.content.decode()
    response = client.post("/en/payments/me/", {"add": "cash", "cash-provider": "cash_pickup",
                                                "cash-centre": world["zaatari"].pk})
    assert response.status_code == 302
    assert PayoutMethod.objects.filter(participant=person, kind="cash", centre=world["zaatari"]).exists()


def test_monthly_statement_pdf_proves_income(signed_in_worker: Any, finance: Principal, funded: Any) -> None:
    person, client = signed_in_worker()
    earn(finance, funded, person, "12.5", "a", "Receipt transcription, task 88")
    earn(finance, funded, person, "0.75", "b", "Bonus for accuracy")
    month = timezone.localdate().strftime("%Y-%m")
    page = client.get("/en/payments/me/").content.decode()
    # The form asks only for the month; with one account, its currency travels hidden.
    assert 'type="hidden" name="currency" value="JOD"' in page and f'value="{month}"' in page
    response = client.get(f"/en/payments/me/statement.pdf?month={month}&currency=JOD")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert person.reference in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert person.full_name in text and person.reference in text
    assert "Receipt transcription, task 88" in text and "Bonus for accuracy" in text
    assert "12.500" in text and "13.250 JOD" in text  # a line, and the closing balance
    assert "Opening balance" in text and "Closing balance" in text

    # In the worker's language.
    arabic = client.get(f"/ar/payments/me/statement.pdf?month={month}&currency=JOD")
    assert arabic.status_code == 200 and arabic["Content-Type"] == "application/pdf"
    assert "13.250" in pdf_text(arabic.content)

    # A month outside the account's life, or another currency, is refused with a message.
    assert client.get("/en/payments/me/statement.pdf?month=1999-01&currency=JOD").status_code == 400
    assert client.get(f"/en/payments/me/statement.pdf?month={month}&currency=USD").status_code == 400


def grow_worker_history(finance: Principal, funded: Any, person: Participant, entries: int) -> None:
    have = worker_account(person, "JOD").entries.count()
    for n in range(have, entries):
        earn(finance, funded, person, "0.5", f"h{person.pk}-{n}")


def test_worker_page_queries_do_not_grow_with_the_data(signed_in_worker: Any, finance: Principal, funded: Any,
                                                       make_worker: Any) -> None:
    person, client = signed_in_worker()
    grow_worker_history(finance, funded, person, 3)
    client.get("/en/payments/me/")  # the session and the translation catalogue are warm
    with CaptureQueriesContext(connection) as small:
        assert client.get("/en/payments/me/").status_code == 200
    grow_worker_history(finance, funded, person, 60)
    for _n in range(3):  # more people in the books too
        grow_worker_history(finance, funded, make_worker(), 5)
    with CaptureQueriesContext(connection) as large:
        response = client.get("/en/payments/me/")
    assert len(large) == len(small), f"{len(small)} queries with 3 entries, {len(large)} with 60"
    assert response.content.decode().count("Task h") == 30


# --- coordinators verify payout methods ----------------------------------------------------------

def test_coordinator_verifies_and_rejects_methods(coordinator_user: User, login: Callable[[User], Client],
                                                  make_worker: Any) -> None:
    first, second = make_worker(verified=False), make_worker(verified=False)
    desk = login(coordinator_user)
    page = desk.get("/en/payments/methods/verify/")
    assert page.status_code == 200
    html = page.content.decode()
    assert first.full_name in html and second.full_name in html
    method_a = PayoutMethod.objects.get(participant=first)
    method_b = PayoutMethod.objects.get(participant=second)
    assert method_a.phone not in html  # masked

    response = desk.post("/en/payments/methods/verify/", {"method": method_b.pk, "decision": "reject", "note": ""})
    assert response.status_code == 400
    assert "Say why the method is rejected" in response.content.decode()
    method_b.refresh_from_db()
    assert method_b.status == "pending"

    desk.post("/en/payments/methods/verify/", {"method": method_a.pk, "decision": "verify", "note": ""})
    desk.post("/en/payments/methods/verify/", {"method": method_b.pk, "decision": "reject",
                                               "note": "The number is registered to someone else"})
    method_a.refresh_from_db()
    method_b.refresh_from_db()
    assert (method_a.status, method_b.status) == ("verified", "rejected")
    assert "Nothing to verify." in desk.get("/en/payments/methods/verify/").content.decode()


def test_methods_page_is_only_for_those_who_verify(member: Callable[..., User],
                                                   login: Callable[[User], Client]) -> None:
    for role in (Role.FINANCE_OFFICER, Role.CLIENT_MEMBER, Role.TRAINER):
        assert login(member(role)).get("/en/payments/methods/verify/").status_code == 403


# --- finance -------------------------------------------------------------------------------------

FINANCE_PAGES = ["/en/payments/finance/", "/en/payments/finance/{p}/", "/en/payments/finance/{p}/deposits/",
                 "/en/payments/finance/{p}/accounts/", "/en/payments/finance/{p}/batches/",
                 "/en/payments/finance/{p}/holds/", "/en/payments/finance/{p}/reconciliation/"]


@pytest.mark.parametrize("role", [Role.CLIENT_MEMBER, Role.COORDINATOR, Role.TRAINER])
def test_finance_pages_are_closed_to_other_roles(role: str, member: Callable[..., User], world: dict[str, Any],
                                                 login: Callable[[User], Client], funded: Any) -> None:
    client = login(member(role))
    deposit = Deposit.objects.get()
    account_id = deposit.transaction.entries.values_list("account_id", flat=True).first()
    urls = [u.format(p=world["partner"].pk) for u in FINANCE_PAGES] + [
        f"/en/payments/deposits/{deposit.pk}/receipt.pdf", f"/en/payments/accounts/{account_id}/",
        f"/en/payments/transactions/{deposit.transaction_id}/reverse/"]
    for url in urls:
        assert client.get(url).status_code == 403, url
    response = client.post(f"/en/payments/finance/{world['partner'].pk}/deposits/", {
        "form": "deposit", "deposit-client": world["client"].pk, "deposit-amount": "5", "deposit-currency": "JOD",
        "deposit-reference": "X", "deposit-received_on": "2026-01-01"})
    assert response.status_code == 403
    assert Deposit.objects.count() == 1


def test_finance_sees_only_their_own_partners_books(finance_client: Client, world: dict[str, Any],
                                                    funded: Any) -> None:
    assert finance_client.get("/en/payments/finance/")["Location"] == f"/en/payments/finance/{world['partner'].pk}/"
    assert finance_client.get(f"/en/payments/finance/{world['other'].pk}/").status_code == 404


def test_trial_balance_is_balanced_and_drift_checked(finance_client: Client, world: dict[str, Any],
                                                     funded: Any) -> None:
    html = finance_client.get(f"/en/payments/finance/{world['partner'].pk}/").content.decode()
    assert 'data-balanced="yes"' in html and "NOT balanced" not in html
    assert "1000.000 JOD" in html  # funds held (debit) and the client's escrow + reservation (credits)
    assert "balance equals the sum of its entries." in html.split('id="drift-check"')[1]
    assert trial_balance(partner_id=world["partner"].pk) == {"JOD": 0}


def deposit_form(world: dict[str, Any], **overrides: str) -> dict[str, Any]:
    data = {"form": "deposit", "deposit-client": world["client"].pk, "deposit-amount": "12.345",
            "deposit-currency": "JOD", "deposit-reference": "TRF-2040", "deposit-received_on": "2026-01-15"}
    data.update(overrides)
    return data


def test_a_deposit_with_too_many_decimals_is_refused_and_records_nothing(
        finance_client: Client, world: dict[str, Any]) -> None:
    url = f"/en/payments/finance/{world['partner'].pk}/deposits/"
    response = finance_client.post(url, deposit_form(world, **{"deposit-amount": "1.2345"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_deposit-amount_errors"' in html
    assert "JOD has 3 decimal places; “1.2345” has more." in html
    assert 'value="1.2345"' in html  # what was typed is kept
    assert Deposit.objects.count() == 0 and LedgerTransaction.objects.count() == 0


def test_finance_records_a_deposit_and_prints_its_receipt(finance_client: Client, finance: Principal,
                                                          world: dict[str, Any]) -> None:
    url = f"/en/payments/finance/{world['partner'].pk}/deposits/"
    response = finance_client.post(url, deposit_form(world))
    assert response.status_code == 302
    deposit = Deposit.objects.get()
    assert (deposit.amount, deposit.currency, deposit.client) == (12345, "JOD", world["client"])
    page = finance_client.get(url).content.decode()
    assert f"Receipt {deposit.receipt_number} is ready to print." in page and "12.345 JOD" in page

    # The same slip again adds nothing; the same reference for another amount is caught.
    finance_client.post(url, deposit_form(world))
    assert Deposit.objects.count() == 1
    again = finance_client.post(url, deposit_form(world, **{"deposit-amount": "20"}))
    assert again.status_code == 400 and 'id="id_deposit-reference_errors"' in again.content.decode()
    assert Deposit.objects.count() == 1

    receipt = finance_client.get(f"/en/payments/deposits/{deposit.pk}/receipt.pdf")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    text = pdf_text(receipt.content)
    assert deposit.receipt_number in text and "12.345 JOD" in text and "TRF-2040" in text
    assert "Data Co" in text and "Amal Youth" in text and finance.user.full_name in text


def test_finance_funds_a_programme(finance_client: Client, world: dict[str, Any], programme: Programme) -> None:
    url = f"/en/payments/finance/{world['partner'].pk}/deposits/"
    data = {"form": "fund", "fund-programme": programme.pk, "fund-amount": "500", "fund-currency": "USD",
            "fund-reference": "GRANT-7", "fund-received_on": "2026-01-10"}
    response = finance_client.post(url, data)
    assert response.status_code == 400 and 'id="id_fund-currency_errors"' in response.content.decode()
    assert Deposit.objects.count() == 0
    response = finance_client.post(url, {**data, "fund-currency": "JOD"})
    assert response.status_code == 302
    assert Deposit.objects.get().programme == programme


def test_accounts_list_filters_and_a_transaction_can_be_reversed(finance_client: Client, world: dict[str, Any],
                                                                 finance: Principal) -> None:
    deposit = record_deposit(actor=finance, client=world["client"], amount=jod("40"), reference="TRF-77",
                             received_on=date(2026, 1, 2))
    html = finance_client.get(f"/en/payments/finance/{world['partner'].pk}/accounts/?kind=client_escrow").content
    assert b"Data Co" in html and b"Funds held by the partner" not in html.split(b"<tbody>")[1]
    escrow = deposit.transaction.entries.get(amount__lt=0).account
    page = finance_client.get(f"/en/payments/accounts/{escrow.pk}/").content.decode()
    assert "Deposit from Data Co, reference TRF-77" in page and "+40.000 JOD" in page
    reverse_url = f"/en/payments/transactions/{deposit.transaction_id}/reverse/?account={escrow.pk}"
    assert reverse_url.replace("&", "&amp;") in page or reverse_url in page

    response = finance_client.post(reverse_url, {"reason": " "})
    assert response.status_code == 400 and 'id="id_reason_errors"' in response.content.decode()
    response = finance_client.post(reverse_url, {"reason": "Recorded against the wrong client"})
    assert response.status_code == 302 and response["Location"] == f"/en/payments/accounts/{escrow.pk}/"
    page = finance_client.get(response["Location"]).content.decode()
    assert "Reversal of #" in page and "Recorded against the wrong client" in page and "reversed" in page
    assert trial_balance(partner_id=world["partner"].pk) == {"JOD": 0}


def test_a_programme_manager_reads_the_books_but_cannot_reverse(member: Callable[..., User], finance: Principal,
                                                                world: dict[str, Any],
                                                                login: Callable[[User], Client]) -> None:
    deposit = record_deposit(actor=finance, client=world["client"], amount=jod("40"), reference="TRF-78",
                             received_on=date(2026, 1, 2))
    manager = login(member(Role.PROGRAMME_MANAGER))
    assert manager.get(f"/en/payments/finance/{world['partner'].pk}/deposits/").status_code == 200
    assert b"Record deposit" not in manager.get(f"/en/payments/finance/{world['partner'].pk}/deposits/").content
    assert manager.get(f"/en/payments/transactions/{deposit.transaction_id}/reverse/").status_code == 403


# --- payout batches ------------------------------------------------------------------------------

@pytest.fixture
def earners(finance: Principal, funded: Any, make_worker: Any) -> list[Participant]:
    rich, poor = make_worker(), make_worker()
    earn(finance, funded, rich, "12.5", "a")
    earn(finance, funded, poor, "6", "b")
    return [rich, poor]


def build_batch(client: Client, world: dict[str, Any], **data: str) -> Any:
    return client.post(f"/en/payments/finance/{world['partner'].pk}/batches/",
                       {"provider": "mobile_money", "currency": "JOD", "minimum": "5", **data})


def test_maker_cannot_approve_their_own_batch_and_a_checker_can(
        finance_client: Client, checker_client: Client, earners: list[Participant], world: dict[str, Any],
        django_capture_on_commit_callbacks: Any) -> None:
    response = build_batch(finance_client, world, minimum="1.2345")
    assert response.status_code == 400 and 'id="id_minimum_errors"' in response.content.decode()
    response = build_batch(finance_client, world)
    batch = PayoutBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/en/payments/batches/{batch.pk}/"
    page = finance_client.get(response["Location"]).content.decode()
    assert "18.500 JOD" in page and 'id="maker-note"' in page

    response = finance_client.post(f"/en/payments/batches/{batch.pk}/approve/", follow=True)
    html = response.content.decode()
    assert "You built this batch, so you cannot approve it." in html
    batch.refresh_from_db()
    assert batch.status == "draft" and batch.approved_by is None

    with django_capture_on_commit_callbacks(execute=True):
        response = checker_client.post(f"/en/payments/batches/{batch.pk}/approve/", follow=True)
    assert "2 payouts are in transit" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "sent" and batch.file
    download = finance_client.get(f"/en/payments/batches/{batch.pk}/file/")
    assert download.status_code == 200 and download["Content-Type"] == "text/csv"
    content = download.getvalue().decode()
    assert all(line.payout_id in content for line in batch.lines.all())


def test_a_draft_is_cancelled_with_a_reason(finance_client: Client, earners: list[Participant],
                                           world: dict[str, Any]) -> None:
    build_batch(finance_client, world)
    batch = PayoutBatch.objects.get()
    response = finance_client.post(f"/en/payments/batches/{batch.pk}/cancel/", {"cancel-reason": ""})
    assert response.status_code == 400 and 'id="id_cancel-reason_errors"' in response.content.decode()
    finance_client.post(f"/en/payments/batches/{batch.pk}/cancel/", {"cancel-reason": "Wrong minimum"})
    batch.refresh_from_db()
    assert batch.status == "cancelled"
    assert "Wrong minimum" in finance_client.get(f"/en/payments/batches/{batch.pk}/").content.decode()


@pytest.fixture
def sent_batch(finance: Principal, checker: Principal, earners: list[Participant], world: dict[str, Any],
               django_capture_on_commit_callbacks: Any) -> PayoutBatch:
    batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD",
                         minimum=jod("5"))
    with django_capture_on_commit_callbacks(execute=True):
        approve_batch(actor=checker, batch=batch)
    batch.refresh_from_db()
    return batch


def upload(client: Client, batch: PayoutBatch, data: bytes, name: str = "results.csv") -> Any:
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(f"/en/payments/batches/{batch.pk}/results/", {"file": handle})


def test_a_result_file_with_a_bad_row_shows_row_and_column_and_applies_nothing(
        finance_client: Client, sent_batch: PayoutBatch) -> None:
    first, second = sent_batch.lines.order_by("pk")
    response = upload(finance_client, sent_batch, result_file([
        (first.payout_id, "paid", "12.500", "JOD", "MM-1", ""),
        (second.payout_id, "paid", "6.0001", "JOD", "MM-2", ""),
    ]))
    assert response.status_code == 400
    html = response.content.decode()
    table = html.split('id="result-errors"')[1].split("</table>")[0]
    assert "<td>3</td>" in table and "amount" in table and "JOD has 3 decimal places" in table
    assert set(PayoutLine.objects.values_list("status", flat=True)) == {"in_transit"}


def test_a_result_file_is_applied_once_and_its_report_shown(finance_client: Client, sent_batch: PayoutBatch,
                                                             world: dict[str, Any]) -> None:
    first, second = sent_batch.lines.order_by("pk")
    data = result_file([(first.payout_id, "paid", "12.500", "JOD", "MM-1", ""),
                        (second.payout_id, "failed", "6.000", "JOD", "", "Wallet closed"),
                        ("KPUNKNOWN0000000", "paid", "1.000", "JOD", "MM-3", "")])
    response = upload(finance_client, sent_batch, data)
    assert response.status_code == 302
    html = finance_client.get(response["Location"]).content.decode()
    counts = html.split('id="import-counts"')[1]
    assert "payout confirmed paid" in counts and "not a payout of this batch" in html and "KPUNKNOWN0000000" in html
    again = finance_client.get(upload(finance_client, sent_batch, data).url).content.decode()
    assert "rows already applied before" in again
    batch_page = finance_client.get(f"/en/payments/batches/{sent_batch.pk}/").content.decode()
    assert "Result files read" in batch_page and "Wallet closed" in batch_page
    rec = finance_client.get(f"/en/payments/finance/{world['partner'].pk}/reconciliation/").content.decode()
    assert 'data-agrees="yes"' in rec and 'data-agrees="no"' not in rec


def test_the_file_can_be_produced_again_when_missing(finance_client: Client, finance: Principal,
                                                     checker: Principal, earners: list[Participant],
                                                     world: dict[str, Any]) -> None:
    batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD")
    approve_batch(actor=checker, batch=batch)  # the after-commit task does not run: no file yet
    page = finance_client.get(f"/en/payments/batches/{batch.pk}/").content.decode()
    assert "Produce file" in page
    finance_client.post(f"/en/payments/batches/{batch.pk}/produce/")
    batch.refresh_from_db()
    assert batch.file and batch.status == "sent"


def test_cash_pickup_list_is_a_pdf_per_centre(finance: Principal, checker: Principal, funded: Any,
                                              make_worker: Any, coordinator: Principal,
                                              world: dict[str, Any], finance_client: Client) -> None:
    from kasb.payments.services import decide_payout_method

    people = []
    for n, centre in enumerate(["irbid", "zaatari", "zaatari"]):
        person = make_worker(provider="")
        method = add_payout_method(actor=coordinator, participant=person, kind="cash", provider="cash_pickup",
                                   centre=world[centre])
        decide_payout_method(actor=coordinator, method=method, verified=True)
        earn(finance, funded, person, f"{n + 7}.125", f"cash{n}")
        people.append(person)
    batch = create_batch(actor=finance, partner=world["partner"], provider="cash_pickup", currency="JOD")
    approve_batch(actor=checker, batch=batch)
    batch = produce_batch_file(batch_id=batch.pk)
    response = finance_client.get(f"/en/payments/batches/{batch.pk}/file/")
    assert response["Content-Type"] == "application/pdf"
    content = response.getvalue()
    reader = pypdf.PdfReader(io.BytesIO(content))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert len(pages) == 2  # a page per centre
    assert "Irbid Centre" in pages[0] and people[0].full_name in pages[0] and "7.125 JOD" in pages[0]
    assert "Zaatari Centre" in pages[1] and people[2].reference in pages[1] and "9.125 JOD" in pages[1]
    assert "Signature" in pages[1] and "Total for 2 people" in pages[1]


def test_batch_list_queries_do_not_grow_with_the_data(finance_client: Client, finance: Principal,
                                                      checker: Principal, funded: Any, make_worker: Any,
                                                      world: dict[str, Any]) -> None:
    def add_batches(count: int) -> None:
        for n in range(count):
            worker = make_worker()
            earn(finance, funded, worker, "5", f"q{PayoutBatch.objects.count()}-{n}")
            batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD")
            if n % 2:
                approve_batch(actor=checker, batch=batch)

    url = f"/en/payments/finance/{world['partner'].pk}/batches/"
    add_batches(2)
    finance_client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert finance_client.get(url).status_code == 200
    add_batches(8)
    with CaptureQueriesContext(connection) as large:
        response = finance_client.get(url)
    assert len(large) == len(small), f"{len(small)} queries for 2 batches, {len(large)} for 10"
    assert response.content.decode().count('href="/en/payments/batches/') == 10


# --- holds ---------------------------------------------------------------------------------------

def test_finance_holds_and_lifts_a_workers_payouts(finance_client: Client, earners: list[Participant],
                                                   world: dict[str, Any]) -> None:
    person = earners[0]
    url = f"/en/payments/finance/{world['partner'].pk}/holds/"
    response = finance_client.post(url, {"participant": "NOPE123", "reason": "Dispute"})
    assert response.status_code == 400 and 'id="id_participant_errors"' in response.content.decode()
    response = finance_client.post(url, {"participant": person.reference.lower(), "reason": "Disputed task 88"})
    assert response.status_code == 302
    hold = PayoutHold.objects.get(participant=person, lifted_at__isnull=True)
    page = finance_client.get(url).content.decode()
    assert person.full_name in page and "Disputed task 88" in page
    # A held worker is left out of the next batch.
    build_batch(finance_client, world)
    assert list(PayoutLine.objects.values_list("participant_id", flat=True)) == [earners[1].pk]
    finance_client.post(f"/en/payments/holds/{hold.pk}/lift/")
    hold.refresh_from_db()
    assert hold.lifted_at is not None
    assert "No payouts are on hold." in finance_client.get(url).content.decode()
