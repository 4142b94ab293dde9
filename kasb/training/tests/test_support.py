"""Support grants: a device lent by serial number to one person at a time, returned with its condition; tuition
paid once per enrolment from the programme's fund, exactly, and refused clearly when the fund is short."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kasb.accounts.models import User
from kasb.conftest import sign_in
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import Programme
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_programme
from kasb.participants.models import Participant
from kasb.payments.models import Account, AccountKind, LedgerTransaction
from kasb.payments.services import InsufficientFunds, fund_programme
from kasb.training.models import Enrolment, EquipmentLoan, TuitionGrant
from kasb.training.services.support import grant_tuition, lend_equipment, return_equipment

from .fixtures_certificates import *  # noqa: F403  (fixtures)
from .fixtures_certificates import jod, postgres_only, race, today

GOOD = EquipmentLoan.Condition.GOOD


def fund_of(programme: Programme) -> Account:
    return Account.objects.get(kind=AccountKind.STIPEND_FUND, programme=programme)


# --- equipment loans -----------------------------------------------------------------------------

def test_a_serial_number_out_on_loan_cannot_be_lent_again_until_it_is_returned(
        coordinator: Principal, programme: Programme, make_learner: Callable[..., Participant]) -> None:
    first, second = make_learner(), make_learner(given_name="Rana", family_name="Odeh")
    loan = lend_equipment(actor=coordinator, participant=first, programme=programme, device="Lenovo laptop",
                          serial_number=" pf-2x9k  7 ", condition=GOOD)
    assert loan.serial_number == "PF-2X9K 7" and loan.issued_on == today() and loan.issued_by == coordinator.user

    with pytest.raises(Conflict) as refused:  # the same device, typed another way
        lend_equipment(actor=coordinator, participant=second, programme=programme, device="Lenovo laptop",
                       serial_number="PF-2X9K 7", condition=GOOD)
    assert refused.value.code == "device_already_lent" and refused.value.field == "serial_number"
    assert "already lent to Amal Haddad" in refused.value.message
    assert EquipmentLoan.objects.count() == 1

    with pytest.raises(ValidationFailed):
        return_equipment(actor=coordinator, loan=loan, condition=GOOD, returned_on=loan.issued_on - timedelta(days=1))
    returned = return_equipment(actor=coordinator, loan=loan, condition=EquipmentLoan.Condition.WORN)
    assert returned.returned_on == today() and returned.condition_in == "worn"
    with pytest.raises(Conflict) as twice:
        return_equipment(actor=coordinator, loan=loan, condition=GOOD)
    assert twice.value.code == "already_returned"

    again = lend_equipment(actor=coordinator, participant=second, programme=programme, device="Lenovo laptop",
                           serial_number="PF-2X9K 7", condition=EquipmentLoan.Condition.WORN)
    assert again.pk != loan.pk and EquipmentLoan.objects.filter(returned_on__isnull=True).get() == again


def test_lending_checks_who_what_and_when(
        coordinator: Principal, programme: Programme, make_learner: Callable[..., Participant],
        member: Callable[..., User], root: Principal, world: dict[str, Any]) -> None:
    person = make_learner()
    elsewhere = principal_for_user(member(Role.COORDINATOR, "zaatari"))
    with pytest.raises(PermissionDenied):
        lend_equipment(actor=elsewhere, participant=person, programme=programme, device="Phone",
                       serial_number="A1", condition=GOOD)
    trainer = principal_for_user(member(Role.TRAINER))
    with pytest.raises(PermissionDenied):
        lend_equipment(actor=trainer, participant=person, programme=programme, device="Phone",
                       serial_number="A1", condition=GOOD)
    foreign = create_programme(actor=root, partner=world["other"], name="Tunis 2026", country="TN", currency="TND")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"programme": foreign}, "programme"), ({"device": "  "}, "device"), ({"serial_number": ""}, "serial_number"),
        ({"condition": "lost"}, "condition"), ({"issued_on": today() + timedelta(days=1)}, "issued_on"),
    ]
    for change, field in cases:
        args: dict[str, Any] = {"participant": person, "programme": programme, "device": "Phone",
                                "serial_number": "A1", "condition": GOOD, **change}
        with pytest.raises(ValidationFailed) as bad:
            lend_equipment(actor=coordinator, **args)
        assert bad.value.field == field
    assert not EquipmentLoan.objects.exists()


def test_the_loans_page_lends_refuses_a_second_loan_beside_the_field_and_records_returns(
        coordinator_user: User, programme: Programme, make_learner: Callable[..., Participant]) -> None:
    first, second = make_learner(), make_learner(given_name="Rana", family_name="Odeh")
    client = sign_in(Client(), coordinator_user)
    form = {"programme": programme.pk, "device": "Samsung A14 phone", "serial_number": "R58N-1",
            "condition": "new", "issued_on": today().isoformat()}
    lent = client.post("/en/training/support/loans/", {**form, "participant": first.reference})
    assert lent.status_code == 302
    again = client.post("/en/training/support/loans/", {**form, "participant": second.reference})
    html = again.content.decode()
    assert again.status_code == 400 and "is already lent to Amal Haddad" in html
    assert 'id="id_serial_number_errors"' in html
    unknown = client.post("/en/training/support/loans/", {**form, "participant": "NOPE123"})
    assert "No participant with this reference in your centres." in unknown.content.decode()

    page = client.get("/en/training/support/loans/").content.decode()
    assert "R58N-1" in page and "Irbid Centre" in page and "Record return" in page
    loan = EquipmentLoan.objects.get()
    back = client.post(f"/en/training/support/loans/{loan.pk}/return/", {"condition": "damaged"})
    assert back.status_code == 302
    loan.refresh_from_db()
    assert loan.returned_on == today() and loan.condition_in == "damaged"
    assert "Samsung A14 phone (R58N-1) is back." in client.get(back["Location"]).content.decode()
    assert "R58N-1" not in client.get("/en/training/support/loans/").content.decode()  # open loans
    assert "R58N-1" in client.get("/en/training/support/loans/?state=returned").content.decode()


def test_the_loans_page_queries_do_not_grow(
        coordinator: Principal, coordinator_user: User, programme: Programme,
        make_learner: Callable[..., Participant]) -> None:
    client = sign_in(Client(), coordinator_user)

    def lend(n: int) -> None:
        lend_equipment(actor=coordinator, participant=make_learner(given_name=f"L{n}"), programme=programme,
                       device="Laptop", serial_number=f"SN-{n}", condition=GOOD)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/en/training/support/loans/").status_code == 200
        return len(captured)

    lend(0)
    small = count()
    for n in range(1, 6):
        lend(n)
    assert count() == small


# --- tuition -------------------------------------------------------------------------------------

@pytest.fixture
def funded(finance: Principal, programme: Programme) -> Programme:
    fund_programme(actor=finance, programme=programme, amount=jod("100"), reference="GRANT-1", received_on=today())
    return programme


def test_tuition_is_paid_once_from_the_programme_fund_exactly(
        coordinator: Principal, funded: Programme, ready: Enrolment) -> None:
    grant = grant_tuition(actor=coordinator, enrolment=ready, amount="25.125", paid_to="Irbid Vocational Institute")
    assert (grant.amount, grant.currency, grant.paid_to) == (25125, "JOD", "Irbid Vocational Institute")
    assert fund_of(funded).available == jod("74.875")
    txn = LedgerTransaction.objects.get(idempotency_key=f"tuition:{ready.pk}")
    assert grant.transaction_id == txn.pk and txn.purpose_type == "training.tuition"
    assert sorted(e.amount for e in txn.entries.all()) == [-25125, 25125]

    again = grant_tuition(actor=coordinator, enrolment=ready, amount="25.125", paid_to="Irbid  Vocational Institute")
    assert again.pk == grant.pk  # a double tap pays nothing more
    with pytest.raises(Conflict) as different:
        grant_tuition(actor=coordinator, enrolment=ready, amount="30", paid_to="Irbid Vocational Institute")
    assert different.value.code == "tuition_already_paid" and "25.125 JOD" in different.value.message
    assert TuitionGrant.objects.count() == 1
    assert LedgerTransaction.objects.filter(idempotency_key__startswith="tuition:").count() == 1
    assert fund_of(funded).available == jod("74.875")


def test_tuition_refuses_a_short_fund_bad_amounts_and_people_who_may_not_pay(
        coordinator: Principal, funded: Programme, ready: Enrolment, trainer_user: User,
        member: Callable[..., User]) -> None:
    with pytest.raises(InsufficientFunds) as short:
        grant_tuition(actor=coordinator, enrolment=ready, amount="150", paid_to="Institute")
    assert short.value.message == ("The fund of Digital livelihoods 2026 has 100.000 JOD, not enough for tuition of "
                                   "150.000 JOD. Ask a finance officer to add funds, then try again.")
    for amount, code in (("1.2345", "too_many_decimals"), ("ten", "invalid_amount"), ("0", "amount_not_positive")):
        with pytest.raises(ValidationFailed) as bad:
            grant_tuition(actor=coordinator, enrolment=ready, amount=amount, paid_to="Institute")
        assert (bad.value.code, bad.value.field) == (code, "amount")
    with pytest.raises(ValidationFailed):
        grant_tuition(actor=coordinator, enrolment=ready, amount="10", paid_to=" ")
    for actor in (principal_for_user(trainer_user), principal_for_user(member(Role.COORDINATOR, "zaatari"))):
        with pytest.raises(PermissionDenied):
            grant_tuition(actor=actor, enrolment=ready, amount="10", paid_to="Institute")
    assert not TuitionGrant.objects.exists() and fund_of(funded).available == jod("100")


def test_the_tuition_page_pays_once_and_shows_a_short_fund(
        coordinator_user: User, funded: Programme, ready: Enrolment) -> None:
    client = sign_in(Client(), coordinator_user)
    url = f"/en/training/support/enrolments/{ready.pk}/tuition/"
    page = client.get(url).content.decode()
    assert "100.000 JOD" in page and "Pay tuition" in page
    short = client.post(url, {"amount": "500", "paid_to": "Institute"})
    assert short.status_code == 400 and "not enough for tuition of 500.000 JOD" in short.content.decode()
    paid = client.post(url, {"amount": "40.5", "paid_to": "Institute"})
    assert paid.status_code == 302
    after = client.get(url).content.decode()
    assert "40.500 JOD" in after and "Pay tuition" not in after
    listing = client.get("/en/training/support/tuition/").content.decode()
    assert "40.500 JOD" in listing and "Amal Haddad" in listing


# --- under contention (PostgreSQL) ---------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_desks_lending_one_device_at_once_lend_it_once(
        coordinator: Principal, programme: Programme, make_learner: Callable[..., Participant]) -> None:
    postgres_only()
    people = [make_learner(given_name=f"Racer{n}") for n in range(4)]
    outcomes = race([partial(lend_equipment, actor=coordinator, participant=p, programme=programme, device="Laptop",
                             serial_number="RACE-1", condition=GOOD) for p in people])
    loans = [o for o in outcomes if isinstance(o, EquipmentLoan)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(loans) == 1 and len(refused) == 3, outcomes
    assert all(r.code == "device_already_lent" for r in refused)
    assert EquipmentLoan.objects.filter(serial_number="RACE-1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_tuition_submitted_twice_at_once_is_paid_once(
        coordinator: Principal, funded: Programme, ready: Enrolment) -> None:
    postgres_only()
    outcomes = race([lambda: grant_tuition(actor=coordinator, enrolment=ready, amount="30", paid_to="Institute")
                     for _ in range(4)])
    assert all(isinstance(o, TuitionGrant) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert fund_of(funded).available == jod("70")
    assert LedgerTransaction.objects.filter(idempotency_key=f"tuition:{ready.pk}").count() == 1
