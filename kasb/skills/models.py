"""The skill taxonomy (stable codes) and the skills a participant has shown, each with its evidence."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasb.core.translated import pick
from kasb.participants.models import Participant


class Skill(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    category = models.CharField(_("category"), max_length=40)
    names = models.JSONField(_("name"), default=dict)  # {"en": ..., "ar": ..., ...}
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("skill")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.names) or self.code


class Level(models.IntegerChoices):
    BASIC = 1, _("Basic")
    INTERMEDIATE = 2, _("Intermediate")
    ADVANCED = 3, _("Advanced")


class Evidence(models.TextChoices):
    COURSE = "course", _("Course completed")
    TEST = "test", _("Qualification test passed")
    WORK = "work", _("Measured work accuracy")
    HISTORICAL = "historical", _("Historical record verified by the partner")


class VerifiedSkill(models.Model):
    """A skill a participant has shown, and how we know: a certificate, a test, or their work's accuracy."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="verified_skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="verifications")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    evidence = models.CharField(_("evidence"), max_length=10, choices=Evidence.choices)
    # What proves it, e.g. ("training.certificate", "K7Q3-…") or ("microwork.project", "12").
    evidence_type = models.CharField(max_length=40)
    evidence_id = models.CharField(max_length=64)
    verified_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("verified skill")
        constraints = [models.UniqueConstraint(fields=["participant", "skill", "evidence_type", "evidence_id"],
                                               name="verified_skill_once_per_evidence")]
        indexes = [models.Index(fields=["participant", "skill"])]

    def __str__(self) -> str:
        return f"{self.skill} ({self.get_level_display()})"
