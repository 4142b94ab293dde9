from __future__ import annotations

from typing import Any

from django.db import connection

from kasb.accounts.backends import find_user
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD


def test_sign_in_phone_is_encrypted_and_still_finds_the_user(db: Any) -> None:
    user = create_user(full_name="Rahaf", phone="+962 79 555 1234", password=PASSWORD)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_index FROM accounts_user WHERE id = %s", [user.pk])
        raw_phone, index = cursor.fetchone()
    assert "962795551234" not in raw_phone and "962795551234" not in index
    assert find_user("+962795551234") == user
    assert find_user("+962 79 555 1234") == user
    assert find_user("+962795551235") is None


def test_changing_the_phone_moves_the_index(db: Any) -> None:
    user = create_user(full_name="Rahaf", phone="+962795551234", password=PASSWORD)
    user.phone = "+962795559999"
    user.save(update_fields=["phone"])
    assert find_user("+962795559999") == user
    assert find_user("+962795551234") is None
