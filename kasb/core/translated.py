"""Content written by partners in several languages: {"en": "...", "ar": "...", ...}.

Interface strings go through gettext; content (course titles, test questions, calls) is data, kept
as one JSON object per field, and shown in the reader's language with a sensible fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .errors import ValidationFailed

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


def pick(value: Mapping[str, str] | str | None, language: str | None = None) -> str:
    """The text in `language` (default: the active one), else English, else any language given."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    wanted = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    for code in (wanted, settings.LANGUAGE_CODE, *LANGUAGE_CODES):
        text = value.get(code)
        if text:
            return str(text)
    return next((str(text) for text in value.values() if text), "")


def clean_translations(value: Any, *, field: str, required: bool = True) -> dict[str, str]:
    """Check a {language: text} object: known languages only, text stripped; at least one if required."""
    if isinstance(value, str):
        value = {settings.LANGUAGE_CODE: value}
    if not isinstance(value, Mapping):
        raise ValidationFailed(_("Give the text as an object of language codes."), field=field)
    cleaned = {}
    for code, text in value.items():
        if code not in LANGUAGE_CODES:
            raise ValidationFailed(_("“%(code)s” is not one of Kasb's languages.") % {"code": code}, field=field)
        if text is not None and str(text).strip():
            cleaned[code] = str(text).strip()
    if required and not cleaned:
        raise ValidationFailed(_("Write this in at least one language."), field=field)
    return cleaned
