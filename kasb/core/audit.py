from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent


def record(*, actor: Any, verb: str, obj: models.Model, **data: Any) -> AuditEvent:
    """Append an audit event. Called by services inside their transaction."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(actor=user, verb=verb, object_type=obj._meta.label_lower,
                                     object_id=str(obj.pk), data=data)
