"""Writes to verified skills. Training (certificates), tests and microwork (accuracy) call these."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kasb.core import audit
from kasb.participants.models import Participant

from .models import Skill, VerifiedSkill


@transaction.atomic
def verify_skill(*, actor: object, participant: Participant, skill: Skill, level: int, evidence: str,
                 evidence_type: str, evidence_id: str) -> VerifiedSkill:
    """Record that `participant` has shown `skill`; the same evidence twice records it once."""
    verified, created = VerifiedSkill.objects.get_or_create(
        participant=participant, skill=skill, evidence_type=evidence_type, evidence_id=str(evidence_id),
        defaults={"level": level, "evidence": evidence})
    if created:
        audit.record(actor=actor, verb="skill.verified", obj=verified, skill=skill.code, evidence=evidence_type,
                     evidence_id=str(evidence_id))
    return verified


@transaction.atomic
def revoke_evidence(*, actor: object, evidence_type: str, evidence_id: str, reason: str) -> int:
    """Withdraw every skill that rested on this evidence (a revoked certificate, say)."""
    rows = list(VerifiedSkill.objects.select_for_update().filter(
        evidence_type=evidence_type, evidence_id=str(evidence_id), revoked_at__isnull=True))
    now = timezone.now()
    for row in rows:
        VerifiedSkill.objects.filter(pk=row.pk).update(revoked_at=now, revoked_reason=reason[:300])
        audit.record(actor=actor, verb="skill.revoked", obj=row, reason=reason)
    return len(rows)
