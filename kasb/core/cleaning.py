"""Free text from a form or the API, checked the same way everywhere a service takes it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .errors import ValidationFailed


def clean_text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    """`value` as trimmed text without NUL characters (PostgreSQL refuses them); ValidationFailed naming
    `field` when it is required and empty, or longer than `limit` characters."""
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(text) > limit:
        raise ValidationFailed(_("Write at most %(limit)s characters.") % {"limit": limit}, field=field)
    return text
