"""Field keys rotate without downtime: add a key in front, run `kasb rotate_keys`, drop the old key."""

from __future__ import annotations

import io
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from kasb.conftest import registration
from kasb.core.errors import Conflict
from kasb.core.permissions import Principal
from kasb.participants.models import PROTECTED_FIELDS, Participant
from kasb.participants.services import register_participant

K1, K2, K3 = (Fernet.generate_key().decode() for _ in range(3))


def raw_columns(pk: int) -> dict[str, str | None]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(PROTECTED_FIELDS)} FROM participants_participant WHERE id = %s", [pk])
        row = cur.fetchone()
    return dict(zip(PROTECTED_FIELDS, row, strict=True))


def read(pk: int) -> dict[str, Any]:
    person = Participant.objects.get(pk=pk)
    return {name: getattr(person, name) for name in PROTECTED_FIELDS}


def test_rotate_keys(settings: Any, coordinator: Principal, world: dict[str, Any]) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [K1]
    person = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        centre=world["irbid"], gender_identity="non-binary"))
    online = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        centre=world["irbid"], given_name="Noor", phone="", id_kind="", id_number="", disability_seeing="",
        disability_walking=""))
    expected = read(person.pk)
    assert expected["phone"] == "+962791234567" and expected["disability"] == {"seeing": 1, "walking": 3}
    before = raw_columns(person.pk)
    assert Fernet(K1.encode()).decrypt(before["phone"].encode()) == b'"+962791234567"'  # type: ignore[union-attr]

    # A new key in front: everything stays readable, nothing needs rewriting yet.
    settings.FIELD_ENCRYPTION_KEYS = [K2, K1]
    assert read(person.pk) == expected

    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "participants.Participant: re-encrypted 2 records" in out.getvalue()
    assert "payments.PayoutMethod" in out.getvalue() and "outreach.Application" in out.getvalue()

    # The old key removed: still readable, and every stored value has changed and needs K2.
    settings.FIELD_ENCRYPTION_KEYS = [K2]
    assert read(person.pk) == expected
    after = raw_columns(person.pk)
    for name in PROTECTED_FIELDS:
        assert after[name] and after[name] != before[name], name
        Fernet(K2.encode()).decrypt(after[name].encode())  # type: ignore[union-attr]
        with pytest.raises(InvalidToken):
            Fernet(K1.encode()).decrypt(after[name].encode())  # type: ignore[union-attr]
    # Empty values stay empty rather than becoming encrypted blanks.
    assert raw_columns(online.pk)["phone"] is None and read(online.pk)["phone"] is None
    assert read(online.pk)["disability"] is None

    # Finding duplicates does not depend on the field keys.
    with pytest.raises(Conflict):
        register_participant(actor=coordinator, partner=world["partner"], data=registration(centre=world["irbid"]))

    # Running it again is harmless.
    call_command("rotate_keys", "--batch-size", "1", stdout=io.StringIO())
    assert read(person.pk) == expected

    # A key that never encrypted anything: reading fails loudly, with a hint at what went wrong.
    settings.FIELD_ENCRYPTION_KEYS = [K3]
    with pytest.raises(ImproperlyConfigured) as err:
        read(person.pk)
    assert "cannot be decrypted with the configured KASB_FIELD_KEYS" in str(err.value)
    assert "rotate_keys" in str(err.value)


def test_a_malformed_key_is_a_configuration_error(settings: Any, db: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured) as err:
        from kasb.core.crypto import encrypt_text

        encrypt_text("x")
    assert "generate_field_key" in str(err.value)


def test_generate_field_key_prints_a_new_working_key() -> None:
    keys = []
    for _run in range(2):
        out = io.StringIO()
        call_command("generate_field_key", stdout=out)
        keys.append(out.getvalue().strip())
    assert keys[0] != keys[1]
    fernet = Fernet(keys[0].encode())
    assert fernet.decrypt(fernet.encrypt(b"secret")) == b"secret"
