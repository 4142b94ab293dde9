"""Answer forms declared as data: the field types a project may use, and checking answers against them.

A form is a list of fields: {"name": "total", "label": "Total on the receipt", "type": "number",
"required": true, "min": 0, "max": 100000}. Types: text, long_text, number, single_choice,
multiple_choice, date, yes_no, file, audio. Choices are a list of strings.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from kasb.core.errors import ValidationFailed

TYPES = ("text", "long_text", "number", "single_choice", "multiple_choice", "date", "yes_no", "file", "audio")
NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
TEXT_LIMIT, LONG_TEXT_LIMIT = 500, 10_000


def check_form(fields: Any) -> list[dict[str, Any]]:
    """Validate a project's answer form; returns it cleaned. Errors name the field by position."""
    if not isinstance(fields, list) or not fields:
        raise ValidationFailed(_("The answer form needs at least one field."), field="answer_fields")
    if len(fields) > 30:
        raise ValidationFailed(_("An answer form has at most 30 fields."), field="answer_fields")
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, spec in enumerate(fields, start=1):
        problem = _spec_problem(spec, seen)
        if problem:
            raise ValidationFailed(_("Field %(n)s: %(problem)s") % {"n": n, "problem": problem},
                                   field="answer_fields", details={"position": n})
        seen.add(spec["name"])
        kept = {key: spec[key] for key in ("name", "label", "type", "required", "choices", "min", "max",
                                           "max_length", "help") if key in spec}
        kept.setdefault("required", True)
        cleaned.append(kept)
    return cleaned


def _spec_problem(spec: Any, seen: set[str]) -> str:
    if not isinstance(spec, dict):
        return _("each field is an object with a name, a label and a type")
    name, kind = spec.get("name"), spec.get("type")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return _("the name must be lower-case letters, digits and _ (e.g. total_amount)")
    if name in seen:
        return _("the name “%(name)s” is used twice") % {"name": name}
    if not isinstance(spec.get("label"), str) or not spec["label"].strip():
        return _("give the field a label the worker will read")
    if kind not in TYPES:
        return _("“%(type)s” is not a field type; use one of %(types)s") % {"type": kind, "types": ", ".join(TYPES)}
    if kind in ("single_choice", "multiple_choice"):
        choices = spec.get("choices")
        if (not isinstance(choices, list) or len(choices) < 2 or len(set(map(str, choices))) != len(choices)
                or not all(isinstance(c, str) and c.strip() for c in choices)):
            return _("a choice field needs at least two different choices")
    for bound in ("min", "max"):
        if bound in spec and not isinstance(spec[bound], (int, float)):
            return _("min and max must be numbers")
    return ""


def check_answers(fields: list[dict[str, Any]], answers: Any) -> dict[str, Any]:
    """Check a worker's answers against the form; returns the cleaned answers.

    Raises ValidationFailed with details {field name: message} so the page can show each error
    beside its field, and the worker loses nothing they typed.
    """
    if not isinstance(answers, dict):
        raise ValidationFailed(_("The answers must be a set of fields."), field="answers")
    cleaned: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for spec in fields:
        name = spec["name"]
        try:
            value = _clean(spec, answers.get(name))
        except ValueError as exc:
            problems[name] = str(exc)
            continue
        if value is not None:
            cleaned[name] = value
    unknown = sorted(set(answers) - {spec["name"] for spec in fields})
    for name in unknown[:5]:
        problems[str(name)[:40]] = _("This form has no such field.")
    if problems:
        raise ValidationFailed(_("Some answers need another look."), field="answers", details=problems)
    return cleaned


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _clean(spec: dict[str, Any], value: Any) -> Any:
    kind = spec["type"]
    if _empty(value):
        if spec.get("required", True):
            raise ValueError(_("This answer is required."))
        return None
    if kind in ("text", "long_text", "file", "audio"):
        text = str(value).replace("\x00", "").strip()
        limit = int(spec.get("max_length") or (LONG_TEXT_LIMIT if kind == "long_text" else TEXT_LIMIT))
        if len(text) > limit:
            raise ValueError(_("Keep this under %(limit)s characters.") % {"limit": limit})
        return text
    if kind == "number":
        try:
            number = Decimal(str(value).strip().replace("\u066b", "."))
        except InvalidOperation:
            raise ValueError(_("Write a number, e.g. 12.5.")) from None
        if not number.is_finite():
            raise ValueError(_("Write a number, e.g. 12.5."))
        if "min" in spec and number < Decimal(str(spec["min"])):
            raise ValueError(_("The smallest allowed is %(min)s.") % {"min": spec["min"]})
        if "max" in spec and number > Decimal(str(spec["max"])):
            raise ValueError(_("The largest allowed is %(max)s.") % {"max": spec["max"]})
        return str(number)
    if kind == "single_choice":
        if str(value) not in spec["choices"]:
            raise ValueError(_("Choose one of the options."))
        return str(value)
    if kind == "multiple_choice":
        chosen = value if isinstance(value, list) else [value]
        if not all(str(item) in spec["choices"] for item in chosen):
            raise ValueError(_("Choose among the options."))
        return sorted({str(item) for item in chosen}, key=spec["choices"].index)
    if kind == "date":
        try:
            return date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError(_("Write the date as YYYY-MM-DD.")) from None
    if kind == "yes_no":
        text = str(value).strip().lower()
        if text in ("yes", "true", "1", "on"):
            return True
        if text in ("no", "false", "0", "off"):
            return False
        raise ValueError(_("Answer yes or no."))
    raise ValueError(_("Unknown field type."))
