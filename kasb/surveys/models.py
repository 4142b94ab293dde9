"""Surveys: a programme's questionnaire, its questions, who was invited, and the answers.

Content written by partners (titles, questions, choices, scale labels) is a {language: text} JSON object,
shown with core.translated.pick, like courses and calls.

Anonymous surveys: a Response carries no participant and no invitation; the Invitation only records that
its link was used (answered_at, kept to the day, as is the response's submitted_at), so nothing stored ties
an answer to a person. Linked surveys keep the participant on the response.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasb.core.models import Transition
from kasb.core.translated import pick
from kasb.orgs.models import Programme
from kasb.participants.models import Participant

FOLLOW_UP_CHOICES = [(3, _("3 months")), (6, _("6 months")), (12, _("12 months"))]


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="surveys",
                                  verbose_name=_("programme"))
    title = models.JSONField(_("title"), default=dict)
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=True,
                                    help_text=_("Answers are kept without any link to the person who gave them."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    # The shipped template it was installed from ("employability", "tracer"), for the indicators that read it.
    template = models.CharField(max_length=30, blank=True, db_index=True)
    # A tracer survey's follow-up point: 3, 6 or 12 months after training.
    follow_up_months = models.PositiveSmallIntegerField(_("months after training"), null=True, blank=True,
                                                        choices=FOLLOW_UP_CHOICES)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__isnull=True) | models.Q(opens_at__isnull=True)
                                   | models.Q(closes_at__gt=models.F("opens_at")), name="survey_closes_after_open"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.title) or str(_("Survey"))


class SurveyChange(Transition):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="history")

    class Meta(Transition.Meta):
        pass


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("One choice")
        MULTIPLE = "multiple", _("Several choices")
        SCALE = "scale", _("Scale")
        NUMBER = "number", _("Number")
        TEXT = "text", _("Text")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # A stable name the indicators read (the tracer's "employed", "monthly_earnings"...); blank for others.
    code = models.SlugField(max_length=40, blank=True)
    text = models.JSONField(_("question"), default=dict)
    help = models.JSONField(_("help"), default=dict, blank=True)
    required = models.BooleanField(_("answer needed"), default=True)
    # [{"key": "yes", "text": {"en": "Yes", "ar": "نعم", ...}}, ...] for choice questions.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    min_value = models.IntegerField(_("lowest"), null=True, blank=True)
    max_value = models.IntegerField(_("highest"), null=True, blank=True)
    min_label = models.JSONField(_("label of the lowest"), default=dict, blank=True)
    max_label = models.JSONField(_("label of the highest"), default=dict, blank=True)

    class Meta:
        verbose_name = _("question")
        ordering = ["survey", "order", "pk"]

    def __str__(self) -> str:
        return pick(self.text)[:60]

    @property
    def is_choice(self) -> bool:
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)

    def choice_texts(self, language: str | None = None) -> list[tuple[str, str]]:
        return [(str(c["key"]), pick(c.get("text"), language) or str(c["key"])) for c in self.choices or []]


class Invitation(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="survey_invitations")
    # sha256 of the single-use token in the link; the token itself is never stored.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # sha256 of token + the answer page's client key: lets a retry of the same answer through, nothing else.
    answer_key_hash = models.CharField(max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    invited_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("invitation")
        constraints = [models.UniqueConstraint(fields=["survey", "participant"], name="survey_invitation_once")]
        indexes = [models.Index(fields=["survey", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.participant_id}"


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    # Null on an anonymous survey: nothing on the response points back to a person.
    participant = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="survey_responses")
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    language = models.CharField(_("language"), max_length=8)
    # Generated by the answer page: a retry of the same submission records one response.
    client_key = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("response")
        ordering = ["-submitted_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["survey", "client_key"], name="survey_response_once_per_key")]

    def __str__(self) -> str:
        return f"{self.survey_id} · {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    """One answer; a multiple-choice question has one row per choice ticked, so counts are one GROUP BY."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choice = models.CharField(max_length=40, blank=True)
    number = models.BigIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer")
        indexes = [models.Index(fields=["question", "choice"])]

    def __str__(self) -> str:
        return self.choice or (str(self.number) if self.number is not None else self.text[:40])
