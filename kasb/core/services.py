"""Writes that belong to no single app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction


def reencrypt_fields(*, model: type[models.Model], fields: Iterable[str], batch_size: int = 500) -> int:
    """Rewrite `fields` (EncryptedFields) of every row of `model` under the newest key.

    Reading decrypts with whichever configured key fits; writing always encrypts with the newest, so a
    read and a write per row is the whole rotation. Batches commit one by one: safe to stop and rerun.
    """
    names = tuple(fields)
    count, last = 0, 0
    while True:
        with transaction.atomic():
            batch: list[Any] = list(model._default_manager.filter(pk__gt=last).order_by("pk")
                                    .only("pk", *names)[:batch_size])
            if not batch:
                return count
            for row in batch:
                model._default_manager.filter(pk=row.pk).update(**{name: getattr(row, name) for name in names})
            count += len(batch)
            last = batch[-1].pk


def encrypted_fields() -> list[tuple[type[models.Model], tuple[str, ...]]]:
    """Every concrete model with EncryptedFields, and their names: registry, accounts, payout methods,
    applications, and whatever later apps add."""
    from django.apps import apps

    from .crypto import EncryptedField

    found = []
    for model in apps.get_models():
        names = tuple(f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedField))
        if names and not model._meta.proxy:
            found.append((model, names))
    return sorted(found, key=lambda item: item[0]._meta.label)


def rotate_keys(*, batch_size: int = 500) -> list[tuple[str, int]]:
    """Re-encrypt every protected value in the database with the newest key: (model label, rows) per model."""
    return [(model._meta.label, reencrypt_fields(model=model, fields=names, batch_size=batch_size))
            for model, names in encrypted_fields()]
