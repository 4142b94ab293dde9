"""Payout methods: validated, verified by someone else before money goes to them, re-verified after a change."""

from __future__ import annotations

from typing import Any

import pytest

from kasb.core.errors import PermissionDenied, ValidationFailed
from kasb.core.permissions import Principal
from kasb.orgs.queries import principal_for_user
from kasb.payments.iban import normalise_iban
from kasb.payments.models import PayoutMethod
from kasb.payments.services import add_payout_method, decide_payout_method, retire_payout_method


def test_iban_check_digits_and_length() -> None:
    assert normalise_iban("jo94 cbjo 0010 0000 0000 0131 0003 02") == "JO94CBJO0010000000000131000302"
    assert normalise_iban("TN59 1000 6035 1835 9847 8831") == "TN5910006035183598478831"
    for bad in ("JO95CBJO0010000000000131000302", "JO94CBJO001000000000013100030", "ZZ12", "TN59-1000"):
        with pytest.raises(ValidationFailed):
            normalise_iban(bad)


def test_a_wallet_needs_a_valid_phone_and_starts_unverified(coordinator: Principal, make_worker: Any) -> None:
    worker = make_worker(provider="")
    with pytest.raises(ValidationFailed) as error:
        add_payout_method(actor=coordinator, participant=worker, kind="wallet", provider="mobile_money",
                          phone="12345")
    assert error.value.field == "phone"
    method = add_payout_method(actor=coordinator, participant=worker, kind="wallet", provider="mobile_money",
                               phone="+962 79 555 0101")
    assert method.status == PayoutMethod.Status.PENDING and method.phone == "+962795550101"
    assert method.masked == "•••0101"


def test_a_provider_only_pays_its_kind_of_method(coordinator: Principal, make_worker: Any) -> None:
    worker = make_worker(provider="")
    with pytest.raises(ValidationFailed) as error:
        add_payout_method(actor=coordinator, participant=worker, kind="bank", provider="mobile_money",
                          iban="JO94CBJO0010000000000131000302", account_name="Amal")
    assert error.value.field == "provider"


def test_cash_pickup_is_at_one_of_the_partners_centres(coordinator: Principal, make_worker: Any,
                                                       world: dict[str, Any]) -> None:
    worker = make_worker(provider="")
    with pytest.raises(ValidationFailed):
        add_payout_method(actor=coordinator, participant=worker, kind="cash", provider="cash_pickup",
                          centre=world["other_centre"])
    method = add_payout_method(actor=coordinator, participant=worker, kind="cash", provider="cash_pickup",
                               centre=world["zaatari"])
    assert method.masked == "Zaatari Centre"


def test_a_change_retires_the_old_method_and_needs_verifying_again(coordinator: Principal,
                                                                    make_worker: Any) -> None:
    worker = make_worker()
    old = PayoutMethod.objects.get(participant=worker)
    assert old.status == PayoutMethod.Status.VERIFIED
    new = add_payout_method(actor=coordinator, participant=worker, kind="wallet", provider="mobile_money",
                            phone="+962795550999")
    old.refresh_from_db()
    assert old.status == PayoutMethod.Status.RETIRED and new.replaces_id == old.pk
    assert new.status == PayoutMethod.Status.PENDING
    from kasb.core.models import AuditEvent
    assert AuditEvent.objects.filter(verb="payout_method.changed", object_id=str(new.pk)).exists()


def test_the_worker_adds_their_own_method_but_cannot_verify_it(coordinator: Principal, make_worker: Any,
                                                               participant_user: Any) -> None:
    from kasb.participants.services import link_login

    worker = make_worker(provider="")
    link_login(actor=coordinator, participant=worker, user=participant_user)
    me = principal_for_user(participant_user)
    method = add_payout_method(actor=me, participant=worker, kind="wallet", provider="mobile_money",
                               phone="+962795550123")
    with pytest.raises(PermissionDenied):
        decide_payout_method(actor=me, method=method, verified=True)
    with pytest.raises(ValidationFailed):
        decide_payout_method(actor=coordinator, method=method, verified=False, note=" ")
    decided = decide_payout_method(actor=coordinator, method=method, verified=False, note="Name does not match")
    assert decided.status == PayoutMethod.Status.REJECTED
    retire_payout_method(actor=me, method=PayoutMethod.objects.create(
        participant=worker, kind="wallet", provider="mobile_money", phone="+962795550124"))


def test_staff_outside_the_centre_cannot_touch_methods(member: Any, make_worker: Any) -> None:
    from kasb.core.permissions import Role

    worker = make_worker(provider="")
    zaatari_coordinator = principal_for_user(member(Role.COORDINATOR, "zaatari"))
    with pytest.raises(PermissionDenied):
        add_payout_method(actor=zaatari_coordinator, participant=worker, kind="wallet", provider="mobile_money",
                          phone="+962795550123")
    trainer = principal_for_user(member(Role.TRAINER))
    with pytest.raises(PermissionDenied):
        add_payout_method(actor=trainer, participant=worker, kind="wallet", provider="mobile_money",
                          phone="+962795550123")


def test_wallet_numbers_and_ibans_are_encrypted_at_rest(coordinator: Principal, make_worker: Any) -> None:
    from django.db import connection

    worker = make_worker(provider="")
    add_payout_method(actor=coordinator, participant=worker, kind="bank", provider="bank_transfer",
                      iban="JO94CBJO0010000000000131000302", account_name="Amal Haddad")
    with connection.cursor() as cursor:
        cursor.execute("SELECT iban, account_name FROM payments_payoutmethod")
        raw = cursor.fetchone()
    assert "CBJO" not in raw[0] and "Amal" not in raw[1]
