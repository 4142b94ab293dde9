"""Encryption at rest for protected participant attributes, and blind indexes to find duplicates.

Keys come from the environment (settings.FIELD_ENCRYPTION_KEYS, newest first). The newest key
encrypts; every listed key decrypts, so keys rotate without downtime: add a new key at the front,
run `kasb rotate_keys`, then drop the old one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import date
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _derive(label: str) -> bytes:
    return hashlib.sha256(f"kasb:{label}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...], secret: str) -> MultiFernet:
    if keys:
        try:
            return MultiFernet([Fernet(k.encode()) for k in keys])
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                "KASB_FIELD_KEYS must be a comma-separated list of Fernet keys "
                "(make one with `kasb generate_field_key`)."
            ) from exc
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derive("fields")))])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt_text(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A protected value cannot be decrypted with the configured KASB_FIELD_KEYS; "
            "an old key was removed before `kasb rotate_keys` finished."
        ) from exc


def rotate_token(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


def blind_index(value: str) -> str:
    """A keyed hash of a normalised value: equal inputs match, the value cannot be read back."""
    key = settings.BLIND_INDEX_KEY.encode() if settings.BLIND_INDEX_KEY else _derive("blind-index")
    return hmac.new(key, value.strip().casefold().encode(), hashlib.sha256).hexdigest()


class EncryptedField(models.TextField):
    """Stores a JSON-encodable value (str, number, list, dict, date) as a Fernet token.

    Encrypted values cannot be filtered or sorted in SQL; use a blind index for equality look-ups.
    """

    description = "Encrypted value"

    def __init__(self, *args: Any, value_type: str = "str", **kwargs: Any) -> None:
        self.value_type = value_type
        kwargs.setdefault("blank", True)
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["value_type"] = self.value_type
        return name, path, args, kwargs

    def _encode(self, value: Any) -> str:
        if self.value_type == "date":
            value = value.isoformat() if isinstance(value, date) else str(value)
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def _decode(self, raw: str) -> Any:
        value = json.loads(raw)
        if self.value_type == "date" and value:
            return date.fromisoformat(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "" or value == {} or value == []:
            return None
        return encrypt_text(self._encode(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return self._decode(decrypt_text(value))

    def to_python(self, value: Any) -> Any:
        if value is None or not isinstance(value, str) or self.value_type == "str":
            return value
        if self.value_type == "date":
            return date.fromisoformat(value) if value else None
        return value
