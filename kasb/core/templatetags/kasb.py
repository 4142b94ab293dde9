from __future__ import annotations

from typing import Any

from django import template

from kasb.core.translated import pick

register = template.Library()


@register.filter(name="tr")
def translated(value: Any, language: str | None = None) -> str:
    """{{ course.title|tr }}: partner content in the reader's language, with fallback."""
    return pick(value, language)
