"""Calls for applicants, applications, and the selection that picks who joins, with reasons.

Layering: outreach sits above training (a call offers courses and may ask for the placement test),
so training never imports outreach. An applicant's placement test attempt carries their
application's private token until selection makes them a participant.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kasb.core.crypto import EncryptedField
from kasb.core.models import Transition
from kasb.core.translated import pick
from kasb.orgs.models import Area, Organisation, Programme
from kasb.participants.models import Participant
from kasb.participants.vocab import Sex
from kasb.training.models import Course, PlacementTest, TestAttempt


class HeardVia(models.TextChoices):
    TV = "tv", _("Television")
    RADIO = "radio", _("Radio")
    FLYER = "flyer", _("Flyer or poster")
    SOCIAL = "social_media", _("Social media")
    WHATSAPP = "whatsapp", _("WhatsApp or Telegram group")
    FRIEND = "friend", _("A friend or relative")
    CENTRE = "centre", _("At a centre")
    NGO = "ngo", _("Another organisation")
    OTHER = "other", _("Other")


class Group(models.TextChoices):
    """Groups a call sets inclusion targets for, and the selection screen counts."""

    WOMEN = "women", _("Women and girls")
    REFUGEES = "refugees", _("Refugees and asylum seekers")
    DISPLACED = "displaced", _("Displaced people (refugees, asylum seekers, IDPs, returnees)")
    MINORS = "minors", _("Minors (under 18)")
    DISABILITY = "disability", _("People with a disability")
    OUTSIDE_CAPITAL = "outside_capital", _("Living outside the capital")
    FEMALE_HEADED = "female_headed", _("Female-headed households")
    NEET = "neet", _("Not in education, employment or training")


class Call(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for applications")
        CLOSED = "closed", _("Closed")
        SELECTED = "selected", _("Selection finished")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="calls")
    title = models.JSONField(_("title"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes"))
    places = models.PositiveIntegerField(_("places"))
    courses = models.ManyToManyField(Course, related_name="calls", blank=True)
    centres = models.ManyToManyField(Organisation, related_name="calls", blank=True)
    # Eligibility: age range on the closing date; areas where applicants must live (none = anywhere).
    min_age = models.PositiveSmallIntegerField(_("youngest age"), default=15)
    max_age = models.PositiveSmallIntegerField(_("oldest age"), default=35)
    areas = models.ManyToManyField(Area, related_name="+", blank=True)
    channels = models.JSONField(_("advertised on"), default=list, blank=True)  # HeardVia values
    placement_test = models.ForeignKey(PlacementTest, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="calls")
    # Score weights (points) and vulnerability criteria the partner configures: {"women": 10, "refugees": 15, ...}
    weights = models.JSONField(_("score weights"), default=dict, blank=True)
    vulnerability_points = models.JSONField(_("vulnerability points"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("call")
        ordering = ["-opens_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_on__gte=models.F("opens_on")), name="call_dates"),
            models.CheckConstraint(condition=models.Q(max_age__gte=models.F("min_age")), name="call_ages"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.title) or self.slug


class InclusionTarget(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="targets")
    group = models.CharField(_("group"), max_length=20, choices=Group.choices)
    percent = models.PositiveSmallIntegerField(_("target share of places (%)"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "group"], name="target_once_per_group"),
                       models.CheckConstraint(condition=models.Q(percent__lte=100), name="target_percent")]

    def __str__(self) -> str:
        return f"{self.get_group_display()} {self.percent}%"


def application_token() -> str:
    return secrets.token_urlsafe(24)


class Application(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SELECTED = "selected", _("Selected")
        WAITLISTED = "waitlisted", _("On the waiting list")
        REJECTED = "rejected", _("Not selected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        ENROLLED = "enrolled", _("Enrolled")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    reference = models.CharField(max_length=20, unique=True)
    # The applicant's private key to their application and placement test (sent to them; never listed).
    token = models.CharField(max_length=64, unique=True, default=application_token)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    language = models.CharField(max_length=8, default="en")
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT,
                             verbose_name=_("governorate or region"))
    # Every other answer, validated as a registration is, encrypted at rest (date of birth, nationality,
    # displacement, disability, phone, ID...): it becomes the participant's record if they are selected.
    answers = EncryptedField(_("answers"), value_type="json")
    motivation = EncryptedField(_("why do you want to join?"))
    heard_via = models.CharField(_("how did you hear about us?"), max_length=20, choices=HeardVia.choices)
    preferred_centre = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("preferred centre"))
    preferred_course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("preferred course"))
    consent_version = models.CharField(max_length=20)
    consented_at = models.DateTimeField()
    phone_index = models.CharField(max_length=64, db_index=True)
    name_dob_index = models.CharField(max_length=64, db_index=True)
    submitted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Selection: the coordinator's motivation rating (0–5), the score and its parts, the decision.
    motivation_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.IntegerField(null=True, blank=True)
    score_parts = models.JSONField(default=dict, blank=True)
    test_attempt = models.ForeignKey(TestAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    participant = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="applications")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("application")
        constraints = [models.UniqueConstraint(fields=["call", "phone_index"], name="one_application_per_phone")]
        indexes = [models.Index(fields=["call", "status", "-score"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class ApplicationChange(Transition):
    """Every decision on an application: who, when, from, to, why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="history")

    class Meta(Transition.Meta):
        pass
