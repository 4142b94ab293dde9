"""/api/v1/payments: a worker's own money, finance's batches and result files, the same rules as the services."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kasb.accounts.models import User
from kasb.core.permissions import Principal, Role
from kasb.orgs.services import issue_api_key
from kasb.participants.models import Participant
from kasb.participants.services import link_login
from kasb.payments.models import LedgerTransaction, PayoutBatch, PayoutLine, PayoutMethod, Reservation, ResultImport
from kasb.payments.queries import trial_balance
from kasb.payments.services import add_payout_method, create_batch, pay_from_reservation, worker_account

from .conftest import jod

API = "/api/v1/payments"


def earn(finance: Principal, funded: Reservation, worker: Participant, amount: str, key: str) -> None:
    pay_from_reservation(actor=finance, reservation=funded, worker=worker, amount=jod(amount), fee=None,
                         memo=f"Task {key} approved", purpose=("microwork.submission", key), idempotency_key=key)


def balance(worker: Participant) -> str:
    return worker_account(worker, "JOD").available.plain()


def result_file(rows: Sequence[Sequence[str]], header: Sequence[str] = (
        "payout_id", "status", "amount", "currency", "provider_reference", "reason")) -> io.BytesIO:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    upload = io.BytesIO(out.getvalue().encode())
    upload.name = "results.csv"
    return upload


def post_json(client: Client, path: str, data: Any = None) -> Any:
    return client.post(API + path, json.dumps(data if data is not None else {}), content_type="application/json")


def error(response: Any, status: int) -> dict[str, Any]:
    """The JSON error body, after checking the status; every error names a code and a message."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body: dict[str, Any] = response.json()
    assert body["code"] and body["message"]
    return body


@pytest.fixture
def signed_in(coordinator: Principal, login: Callable[[User], Client],
              participant_user: User) -> Callable[[Participant], Client]:
    """signed_in(worker) -> a browser session of that worker (a participant with a login)."""
    def make(worker: Participant) -> Client:
        link_login(actor=coordinator, participant=worker, user=participant_user)
        return login(participant_user)
    return make


@pytest.fixture
def worker_api(make_worker: Any, signed_in: Callable[[Participant], Client]) -> Client:
    return signed_in(make_worker())


@pytest.fixture
def finance_api(finance: Principal, login: Callable[[User], Client]) -> Client:
    return login(finance.user)


@pytest.fixture
def checker_api(checker: Principal, login: Callable[[User], Client]) -> Client:
    return login(checker.user)


@pytest.fixture
def two(finance: Principal, funded: Reservation, make_worker: Any) -> list[Participant]:
    """Two workers with verified wallets: 12.500 and 7.250 JOD earned."""
    first, second = make_worker(), make_worker()
    earn(finance, funded, first, "12.5", "a")
    earn(finance, funded, second, "7.25", "b")
    return [first, second]


@pytest.fixture
def approved(two: list[Participant], finance_api: Client, checker_api: Client,
             django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """A batch built by `finance` and approved by `checker`, its provider file written (as after commit)."""
    batch = post_json(finance_api, "/batches", {"provider": "mobile_money", "currency": "JOD", "minimum": "5"}).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(checker_api, f"/batches/{batch['id']}/approve")
    assert response.status_code == 200, response.content
    return finance_api.get(f"{API}/batches/{batch['id']}").json()  # type: ignore[no-any-return]


# --- the spec ----------------------------------------------------------------------------------------------

def test_openapi_spec_builds_with_the_payments_paths(db: Any) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.content)
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths[API + "/me/payout-methods"])
    assert "delete" in paths[API + "/me/payout-methods/{method_id}"]
    assert {"get", "post"} <= set(paths[API + "/batches"])
    for path in ("/me/balances", "/me/transactions", "/batches/{batch_id}", "/batches/{batch_id}/file",
                 "/trial-balance", "/reconciliation"):
        assert "get" in paths[API + path], path
    for path in ("/approve", "/cancel", "/results"):
        assert "post" in paths[API + "/batches/{batch_id}" + path], path
    money = spec["components"]["schemas"]["MoneyOut"]["properties"]
    assert money["amount"]["type"] == "string" and money["minor"]["type"] == "integer"
    # Amounts come in as strings, never JSON numbers.
    assert spec["components"]["schemas"]["PayoutBatchIn"]["properties"]["minimum"]["anyOf"][0]["type"] == "string"
    assert "multipart/form-data" in paths[API + "/batches/{batch_id}/results"]["post"]["requestBody"]["content"]


# --- a worker's own money ------------------------------------------------------------------------------------

def test_a_worker_sees_only_their_own_balance_and_transactions(two: list[Participant],
                                                               signed_in: Callable[[Participant], Client]) -> None:
    me, other = two
    client = signed_in(me)
    response = client.get(API + "/me/balances")
    assert response.status_code == 200, response.content
    assert response.json() == [{"currency": "JOD", "balance": {"amount": "12.500", "currency": "JOD",
                                                               "minor": 12500}}]
    page = client.get(API + "/me/transactions", {"currency": "JOD"}).json()
    assert page["balance"]["amount"] == "12.500" and page["next_before"] is None
    (line,) = page["items"]
    assert line["reason"] == "Task a approved" and line["kind"] == "earning"
    assert line["amount"] == {"amount": "12.500", "currency": "JOD", "minor": 12500}  # money in is positive
    assert (line["purpose_type"], line["purpose_id"]) == ("microwork.submission", "a")
    # The currency may be left out when there is only one.
    assert client.get(API + "/me/transactions").json()["items"] == page["items"]
    assert "Task b" not in client.get(API + "/me/transactions").content.decode()
    # A currency they have no money in is an empty statement, not someone else's.
    empty = client.get(API + "/me/transactions", {"currency": "USD"}).json()
    assert empty["items"] == [] and empty["balance"]["amount"] == "0.00"
    assert other.pk != me.pk


def test_transactions_page_by_entry_id(finance: Principal, funded: Reservation, make_worker: Any,
                                       signed_in: Callable[[Participant], Client]) -> None:
    worker = make_worker()
    for n in range(5):
        earn(finance, funded, worker, "1.001", f"t{n}")
    client = signed_in(worker)
    seen: list[str] = []
    before = None
    for _page in range(5):
        params: dict[str, Any] = {"limit": 2, **({"before": before} if before else {})}
        page = client.get(API + "/me/transactions", params).json()
        seen += [item["reason"] for item in page["items"]]
        before = page["next_before"]
        if before is None:
            break
    assert seen == [f"Task t{n} approved" for n in (4, 3, 2, 1, 0)]  # newest first, each once
    for params in ({"limit": 0}, {"limit": 101}, {"before": "x"}, {"currency": "XYZ"}):
        body = error(client.get(API + "/me/transactions", params), 422)
        assert set(params) <= set(body.get("details") or {}) | {body.get("field")}


def test_transactions_cost_the_same_queries_whatever_the_history(finance: Principal, funded: Reservation,
                                                                 make_worker: Any,
                                                                 signed_in: Callable[[Participant], Client]) -> None:
    worker = make_worker()
    client = signed_in(worker)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(API + "/me/transactions", {"currency": "JOD", "limit": "20"})
        assert response.status_code == 200
        return len(captured)

    for n in range(3):
        earn(finance, funded, worker, "0.5", f"small{n}")
    small = queries()
    for n in range(60):
        earn(finance, funded, worker, "0.5", f"large{n}")
    assert queries() == small
    assert len(client.get(API + "/me/transactions", {"limit": 20}).json()["items"]) == 20


def test_staff_without_a_participant_record_have_no_worker_money(finance_api: Client) -> None:
    body = error(finance_api.get(API + "/me/balances"), 403)
    assert body["code"] == "permission_denied"


def test_a_worker_manages_their_payout_methods(make_worker: Any, world: dict[str, Any],
                                               signed_in: Callable[[Participant], Client]) -> None:
    me, other = make_worker(), make_worker()
    client = signed_in(me)
    (wallet,) = client.get(API + "/me/payout-methods").json()
    assert wallet["status"] == "verified" and wallet["masked"].startswith("•••")
    full_number = PayoutMethod.objects.get(pk=wallet["id"]).phone
    assert full_number[-4:] == wallet["masked"][-4:]
    assert full_number not in client.get(API + "/me/payout-methods").content.decode()

    response = post_json(client, "/me/payout-methods", {
        "kind": "bank", "provider": "bank_transfer", "iban": "jo94 cbjo 0010 0000 0000 0131 0003 02",
        "account_name": "Amal Haddad"})
    assert response.status_code == 201, response.content
    bank = response.json()
    assert bank["status"] == "pending" and bank["masked"] == "•••0302"
    assert "JO94" not in response.content.decode()

    cash = post_json(client, "/me/payout-methods", {"kind": "cash", "provider": "cash_pickup",
                                                    "centre_id": world["zaatari"].pk})
    assert cash.status_code == 201 and cash.json()["masked"] == "Zaatari Centre"

    for data, field in (({"kind": "wallet", "provider": "mobile_money", "phone": "12"}, "phone"),
                        ({"kind": "wallet", "provider": "nowhere_pay", "phone": "+962795550000"}, "provider"),
                        ({"kind": "bank", "provider": "bank_transfer", "iban": "JO00 0000", "account_name": "A"},
                         "iban"),
                        ({"kind": "cash", "provider": "cash_pickup", "centre_id": world["other_centre"].pk},
                         "centre_id")):
        assert error(post_json(client, "/me/payout-methods", data), 422)["field"] == field
    body = error(post_json(client, "/me/payout-methods", {"kind": "cheque", "provider": "x"}), 422)
    assert set(body["details"]) == {"kind"}

    # Someone else's method is not there to remove.
    theirs = PayoutMethod.objects.get(participant=other)
    error(client.delete(f"{API}/me/payout-methods/{theirs.pk}"), 404)
    assert PayoutMethod.objects.get(pk=theirs.pk).status == PayoutMethod.Status.VERIFIED

    assert client.delete(f"{API}/me/payout-methods/{bank['id']}").status_code == 204
    assert {m["id"] for m in client.get(API + "/me/payout-methods").json()} == {wallet["id"], cash.json()["id"]}
    error(client.delete(f"{API}/me/payout-methods/{bank['id']}"), 404)
    assert PayoutMethod.objects.get(pk=bank["id"]).status == PayoutMethod.Status.RETIRED


# --- batches -------------------------------------------------------------------------------------------------

def test_finance_builds_a_batch(two: list[Participant], finance_api: Client, world: dict[str, Any]) -> None:
    response = post_json(finance_api, "/batches", {"partner_id": world["partner"].pk, "provider": "mobile_money",
                                                   "currency": "JOD", "minimum": "7.25"})
    assert response.status_code == 201, response.content
    batch = response.json()
    assert batch["status"] == "draft" and batch["minimum"] == {"amount": "7.250", "currency": "JOD", "minor": 7250}
    assert batch["total"]["amount"] == "19.750" and batch["line_count"] == 2
    assert {(line["participant"], line["amount"]["amount"], line["status"]) for line in batch["lines"]} == {
        (two[0].reference, "12.500", "pending"), (two[1].reference, "7.250", "pending")}
    assert all(line["payout_id"].startswith("KP") for line in batch["lines"])
    listed = finance_api.get(API + "/batches").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == batch["id"]
    assert finance_api.get(API + "/batches", {"status": "approved"}).json()["count"] == 0
    detail = finance_api.get(f"{API}/batches/{batch['id']}", {"line_limit": 1}).json()
    assert len(detail["lines"]) == 1 and detail["next_line_offset"] == 1
    rest = finance_api.get(f"{API}/batches/{batch['id']}", {"line_limit": 1, "line_offset": 1}).json()
    assert len(rest["lines"]) == 1 and rest["next_line_offset"] is None
    assert rest["lines"] != detail["lines"]


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"minimum": "1.2345"}, "minimum", "too_many_decimals"),
    ({"minimum": "-1"}, "minimum", None),
    ({"minimum": "five"}, "minimum", "invalid_amount"),
    ({"minimum": "1e30"}, "minimum", "amount_too_large"),
    ({"currency": "XYZ"}, "currency", "unknown_currency"),
    ({"currency": "TND"}, None, "nothing_to_pay"),
    ({"provider": "nowhere_pay"}, "provider", None),
])
def test_bad_amounts_are_422_naming_the_field(two: list[Participant], finance_api: Client, changes: dict[str, Any],
                                              field: str | None, code: str | None) -> None:
    data = {"provider": "mobile_money", "currency": "JOD", "minimum": "5", **changes}
    body = error(post_json(finance_api, "/batches", data), 422)
    assert body.get("field") == field
    if code:
        assert body["code"] == code
    assert not PayoutBatch.objects.exists()
    assert balance(two[0]) == "12.500"


def test_amounts_must_be_strings_never_json_numbers(two: list[Participant], finance_api: Client) -> None:
    body = error(post_json(finance_api, "/batches", {"provider": "mobile_money", "currency": "JOD", "minimum": 5.5}),
                 422)
    assert set(body["details"]) == {"minimum"}
    assert not PayoutBatch.objects.exists()


def test_maker_checker_is_a_403_and_moves_nothing(two: list[Participant], finance_api: Client, checker: Principal,
                                                  checker_api: Client, world: dict[str, Any]) -> None:
    batch = post_json(finance_api, "/batches", {"provider": "mobile_money", "currency": "JOD"}).json()
    body = error(post_json(finance_api, f"/batches/{batch['id']}/approve"), 403)
    assert body["code"] == "maker_checker"
    assert PayoutBatch.objects.get(pk=batch["id"]).status == PayoutBatch.Status.DRAFT
    assert balance(two[0]) == "12.500"
    assert error(finance_api.get(f"{API}/batches/{batch['id']}/file"), 409)["code"] == "not_approved"

    response = post_json(checker_api, f"/batches/{batch['id']}/approve")
    assert response.status_code == 200, response.content
    approved = response.json()
    assert approved["status"] == "approved" and approved["approved_by"] == checker.user.full_name
    assert {line["status"] for line in approved["lines"]} == {"in_transit"}
    assert balance(two[0]) == "0.000" and balance(two[1]) == "0.000"
    # The file is written after commit, in the background: until then it is a 409 saying so.
    assert error(finance_api.get(f"{API}/batches/{batch['id']}/file"), 409)["code"] == "file_not_ready"
    assert error(post_json(checker_api, f"/batches/{batch['id']}/approve"), 409)["code"] == "not_draft"
    assert trial_balance(partner_id=world["partner"].pk) == {"JOD": 0}


def test_cancel_a_draft(two: list[Participant], finance_api: Client) -> None:
    batch = post_json(finance_api, "/batches", {"provider": "mobile_money", "currency": "JOD"}).json()
    assert set(error(post_json(finance_api, f"/batches/{batch['id']}/cancel", {"reason": " "}), 422)["details"]) == {
        "reason"}  # the batch's history says why
    response = post_json(finance_api, f"/batches/{batch['id']}/cancel", {"reason": "Wrong provider"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled" and response.json()["line_count"] == 0
    assert {line["status"] for line in response.json()["lines"]} == {"dropped"}
    assert error(post_json(finance_api, f"/batches/{batch['id']}/cancel", {"reason": "again"}), 409)["code"] == \
        "not_draft"
    # The balances can go into the next batch.
    assert post_json(finance_api, "/batches", {"provider": "mobile_money", "currency": "JOD"}).status_code == 201


def test_the_provider_file_downloads_once_approved(approved: dict[str, Any], finance_api: Client) -> None:
    assert approved["status"] == "sent" and approved["file_ready"]
    response = finance_api.get(f"{API}/batches/{approved['id']}/file")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert {line["payout_id"] for line in approved["lines"]} <= set(text.split())
    assert text.splitlines()[0].startswith("payout_id,msisdn,amount")
    # A file lost from storage is a 409 saying what to do, not a crash.
    stored = PayoutBatch.objects.get(pk=approved["id"]).file
    os.remove(stored.path)
    assert error(finance_api.get(f"{API}/batches/{approved['id']}/file"), 409)["code"] == "file_missing"


# --- result files --------------------------------------------------------------------------------------------

def test_a_malformed_result_file_is_422_with_rows_and_columns_and_changes_nothing(
        approved: dict[str, Any], finance_api: Client, two: list[Participant], world: dict[str, Any]) -> None:
    first, second = approved["lines"]
    moved = LedgerTransaction.objects.count()
    upload = result_file([(first["payout_id"], "paid", "12.5000", "JOD", "R1", ""),
                          (second["payout_id"], "maybe", "7.250", "JOD", "R2", "")])
    body = error(finance_api.post(f"{API}/batches/{approved['id']}/results", {"file": upload}), 422)
    assert body["code"] == "invalid_result_file"
    assert {(d["row"], d["column"]) for d in body["details"]} == {(2, "amount"), (3, "status")}
    assert all(d["reason"] for d in body["details"])
    missing = error(finance_api.post(f"{API}/batches/{approved['id']}/results",
                                     {"file": result_file([("x", "paid")], header=("payout_id", "status"))}), 422)
    assert {(d["row"], d["column"]) for d in missing["details"]} == {(1, "amount"), (1, "currency")}
    assert error(finance_api.post(f"{API}/batches/{approved['id']}/results", {}), 422)["code"] == "validation_failed"
    assert LedgerTransaction.objects.count() == moved
    assert set(PayoutLine.objects.values_list("status", flat=True)) == {"in_transit"}
    assert not ResultImport.objects.exists()
    assert trial_balance(partner_id=world["partner"].pk) == {"JOD": 0}


def test_a_result_file_applies_once(approved: dict[str, Any], finance_api: Client, two: list[Participant],
                                    world: dict[str, Any]) -> None:
    paid, failed = sorted(approved["lines"], key=lambda line: line["amount"]["minor"], reverse=True)
    rows = [(paid["payout_id"], "paid", "12.500", "JOD", "MM-1", ""),
            (failed["payout_id"], "failed", "7.250", "JOD", "MM-2", "Wallet closed"),
            ("KPUNKNOWN0000000", "paid", "1.000", "JOD", "MM-3", "")]
    response = finance_api.post(f"{API}/batches/{approved['id']}/results", {"file": result_file(rows)})
    assert response.status_code == 200, response.content
    first = response.json()
    assert (first["paid"], first["failed"], first["already_applied"], first["not_applied"]) == (1, 1, 0, 1)
    assert first["report"][0]["payout_id"] == "KPUNKNOWN0000000" and first["report"][0]["row"] == 4
    assert balance(two[0]) == "0.000" and balance(two[1]) == "7.250"  # the failed payout came back
    books = finance_api.get(API + "/trial-balance").json()
    moved = LedgerTransaction.objects.count()

    again = finance_api.post(f"{API}/batches/{approved['id']}/results", {"file": result_file(rows)})
    assert again.status_code == 200, again.content
    second = again.json()
    assert (second["paid"], second["failed"], second["already_applied"]) == (0, 0, 2)
    assert LedgerTransaction.objects.count() == moved
    assert balance(two[0]) == "0.000" and balance(two[1]) == "7.250"
    assert finance_api.get(API + "/trial-balance").json() == books
    detail = finance_api.get(f"{API}/batches/{approved['id']}").json()
    assert detail["status"] == "settled" and len(detail["result_imports"]) == 2
    line = next(line for line in detail["lines"] if line["payout_id"] == failed["payout_id"])
    assert line["status"] == "failed" and line["reason"] == "Wallet closed"
    (rec,) = finance_api.get(API + "/reconciliation").json()["providers"]
    assert rec["agrees"] and rec["in_transit"]["amount"] == "0.000"


# --- the books -----------------------------------------------------------------------------------------------

def test_trial_balance_and_reconciliation(approved: dict[str, Any], finance_api: Client,
                                          world: dict[str, Any]) -> None:
    response = finance_api.get(API + "/trial-balance", {"partner_id": world["partner"].pk})
    assert response.status_code == 200, response.content
    (book,) = response.json()["books"]
    assert book["currency"] == "JOD" and book["balanced"] and book["debits"] == book["credits"]
    assert book["debits"]["amount"] == "1000.000"  # the client's deposit, held by the partner
    kinds = {row["kind"]: row for row in book["rows"]}
    assert kinds["in_transit"]["credit"]["amount"] == "19.750"
    (rec,) = finance_api.get(API + "/reconciliation").json()["providers"]
    assert rec["provider"] == "mobile_money" and rec["agrees"]
    assert rec["in_transit"] == rec["open_lines"] == {"amount": "19.750", "currency": "JOD", "minor": 19750}
    assert {row["status"]: row["count"] for row in rec["by_status"]} == {"in_transit": 2}


def test_another_partners_finance_gets_404s(approved: dict[str, Any], member: Callable[..., User],
                                            login: Callable[[User], Client], world: dict[str, Any]) -> None:
    outsider = login(member(Role.FINANCE_OFFICER, "other"))
    assert outsider.get(API + "/batches").json()["count"] == 0
    batch = approved["id"]
    for response in (outsider.get(f"{API}/batches/{batch}"), outsider.get(f"{API}/batches/{batch}/file"),
                     post_json(outsider, f"/batches/{batch}/approve"),
                     post_json(outsider, f"/batches/{batch}/cancel", {"reason": "x"}),
                     outsider.post(f"{API}/batches/{batch}/results", {"file": result_file([])}),
                     outsider.get(API + "/trial-balance", {"partner_id": world["partner"].pk}),
                     outsider.get(API + "/reconciliation", {"partner_id": world["partner"].pk}),
                     post_json(outsider, "/batches", {"partner_id": world["partner"].pk, "provider": "mobile_money",
                                                      "currency": "JOD"})):
        assert error(response, 404)["code"] == "not_found"
    # Their own (empty) books answer.
    assert outsider.get(API + "/trial-balance").json() == {"partner_id": world["other"].pk, "books": []}


def test_roles_without_the_capability_get_403(approved: dict[str, Any], coordinator_user: User,
                                              member: Callable[..., User], login: Callable[[User], Client]) -> None:
    coordinator = login(coordinator_user)
    for response in (coordinator.get(API + "/batches"), coordinator.get(API + "/trial-balance"),
                     post_json(coordinator, "/batches", {"provider": "mobile_money", "currency": "JOD"})):
        assert error(response, 403)["code"] == "permission_denied"
    # A programme manager reads the books and approves, but does not build batches or handle the files.
    manager = login(member(Role.PROGRAMME_MANAGER))
    assert manager.get(API + "/batches").status_code == 200
    error(post_json(manager, "/batches", {"provider": "mobile_money", "currency": "JOD"}), 403)
    error(manager.get(f"{API}/batches/{approved['id']}/file"), 403)


def test_batches_list_costs_the_same_queries_with_more_batches(two: list[Participant], finance: Principal,
                                                               finance_api: Client, world: dict[str, Any]) -> None:
    from kasb.payments.services import cancel_batch

    def build() -> None:
        batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD")
        cancel_batch(actor=finance, batch=batch, reason="again")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = finance_api.get(API + "/batches")
        assert response.status_code == 200
        return len(captured)

    build()
    small = queries()
    for _n in range(6):
        build()
    assert queries() == small
    assert finance_api.get(API + "/batches").json()["count"] == 7


# --- API keys and anonymous callers ----------------------------------------------------------------------------

ROUTES = [
    ("get", "/me/balances"), ("get", "/me/transactions"), ("get", "/me/payout-methods"),
    ("post", "/me/payout-methods"), ("delete", "/me/payout-methods/{method}"),
    ("get", "/batches"), ("post", "/batches"), ("get", "/batches/{batch}"), ("post", "/batches/{batch}/approve"),
    ("post", "/batches/{batch}/cancel"), ("get", "/batches/{batch}/file"), ("post", "/batches/{batch}/results"),
    ("get", "/trial-balance"), ("get", "/reconciliation"),
]


def call(client: Client, method: str, path: str) -> Any:
    if path.endswith("/results"):
        return client.post(API + path, {"file": result_file([])})
    if method == "post":
        return post_json(client, path, {"kind": "wallet", "provider": "mobile_money", "phone": "+962795550000",
                                        "currency": "JOD", "reason": "x"})
    return getattr(client, method)(API + path)


@pytest.mark.parametrize("org", ["client", "employer"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_client_and_employer_api_keys_get_nothing(org: str, method: str, path: str, approved: dict[str, Any],
                                                  root: Principal, world: dict[str, Any]) -> None:
    _key, token = issue_api_key(actor=root, organisation=world[org], name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    method_id = PayoutMethod.objects.order_by("pk").values_list("pk", flat=True).first()
    before = (LedgerTransaction.objects.count(), PayoutMethod.objects.count(), ResultImport.objects.count())
    response = call(client, method, path.format(batch=approved["id"], method=method_id))
    assert response.status_code in (403, 404), (response.status_code, response.content[:300])
    assert response.json()["code"] in ("permission_denied", "not_found")
    assert (LedgerTransaction.objects.count(), PayoutMethod.objects.count(), ResultImport.objects.count()) == before


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_callers_are_401(method: str, path: str, db: Any) -> None:
    response = call(Client(), method, path.format(batch=1, method=1))
    assert error(response, 401)["code"] == "not_authenticated"


def test_a_worker_cannot_use_finance_endpoints(two: list[Participant], signed_in: Callable[[Participant], Client],
                                               coordinator: Principal) -> None:
    client = signed_in(two[0])
    add_payout_method(actor=coordinator, participant=two[0], kind="wallet", provider="mobile_money",
                      phone="+962795551234")
    for response in (client.get(API + "/batches"), client.get(API + "/trial-balance"),
                     post_json(client, "/batches", {"provider": "mobile_money", "currency": "JOD"})):
        assert error(response, 403)["code"] == "permission_denied"
    assert not PayoutBatch.objects.exists()


# --- fuzz: any body or file is a 4xx with a code, never a 500 ---------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
amounts = st.one_of(st.text(alphabet="0123456789.-+eE, ", max_size=12), json_values)
batch_bodies = st.fixed_dictionaries({}, optional={
    "partner_id": json_values, "provider": st.sampled_from(["mobile_money", "bank_transfer", "x"]) | json_values,
    "currency": st.sampled_from(["JOD", "TND", "USD", "jod", "XXX"]) | json_values, "minimum": amounts})
method_bodies = st.fixed_dictionaries({}, optional={
    "kind": st.sampled_from(["wallet", "bank", "cash"]) | json_values,
    "provider": st.sampled_from(["mobile_money", "bank_transfer", "cash_pickup"]) | json_values,
    "phone": json_values, "iban": json_values, "account_name": json_values, "centre_id": json_values})
FUZZ = hypothesis_settings(max_examples=40, deadline=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def assert_answered(response: Any, sent: Any) -> None:
    assert response.status_code < 500, (sent, response.content[:300])
    if response.status_code >= 400:
        assert response.json()["code"], sent


@pytest.mark.django_db
@FUZZ
@given(payload=st.one_of(batch_bodies.map(json.dumps), json_values.map(json.dumps), st.text(max_size=40)))
def test_random_batch_bodies_never_cause_a_500(two: list[Participant], finance_api: Client, payload: str) -> None:
    assert_answered(finance_api.post(API + "/batches", payload, content_type="application/json"), payload)


@pytest.mark.django_db
@FUZZ
@given(payload=st.one_of(method_bodies.map(json.dumps), json_values.map(json.dumps)))
def test_random_payout_method_bodies_never_cause_a_500(worker_api: Client, payload: str) -> None:
    assert_answered(worker_api.post(API + "/me/payout-methods", payload, content_type="application/json"), payload)


@pytest.mark.django_db
@FUZZ
@given(content=st.one_of(st.binary(max_size=200), st.lists(st.lists(st.text(max_size=12), max_size=6), max_size=5)
                         .map(lambda rows: "payout_id,status,amount,currency\n" + "\n".join(",".join(r) for r in rows))
                         .map(str.encode)))
def test_random_result_files_never_cause_a_500(approved: dict[str, Any], finance_api: Client, content: bytes) -> None:
    upload = io.BytesIO(content)
    upload.name = "results.csv"
    response = finance_api.post(f"{API}/batches/{approved['id']}/results", {"file": upload})
    assert_answered(response, content)
    assert set(PayoutLine.objects.values_list("status", flat=True)) == {"in_transit"}
