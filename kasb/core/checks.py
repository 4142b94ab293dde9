"""Deploy checks: `kasb check --deploy` fails a production set-up that still uses demo secrets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from .crypto import fernet


@register(Tags.security, deploy=True)
def kasb_production_secrets(app_configs: Any, **kwargs: Any) -> list[Error]:
    from kasb.settings import DEMO_SECRET_KEY

    errors = []
    if settings.SECRET_KEY == DEMO_SECRET_KEY:
        errors.append(Error("SECRET_KEY is the demo key.", hint="Set SECRET_KEY in the environment.",
                            id="kasb.E001"))
    if not settings.FIELD_ENCRYPTION_KEYS:
        errors.append(Error("KASB_FIELD_KEYS is not set: protected fields use a key derived from SECRET_KEY.",
                            hint="Run `kasb generate_field_key` and set KASB_FIELD_KEYS.", id="kasb.E002"))
    else:
        try:
            fernet()
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), hint="Each key is 44 characters from `kasb generate_field_key`.",
                                id="kasb.E004"))
    if not settings.BLIND_INDEX_KEY:
        errors.append(Error("KASB_BLIND_INDEX_KEY is not set.",
                            hint="Set it to a long random string; it must never change.", id="kasb.E003"))
    return errors
