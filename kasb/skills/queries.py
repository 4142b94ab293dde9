from __future__ import annotations

from django.db.models import QuerySet

from .models import Skill, VerifiedSkill


def active_skills() -> QuerySet[Skill]:
    return Skill.objects.filter(is_active=True)


def skills_of(participant_id: int) -> QuerySet[VerifiedSkill]:
    """A participant's skills in force, strongest evidence first."""
    return (VerifiedSkill.objects.filter(participant_id=participant_id, revoked_at__isnull=True)
            .select_related("skill").order_by("skill__category", "skill__code", "-level"))
