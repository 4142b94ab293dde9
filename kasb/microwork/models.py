"""Microwork: clients' projects of many small tasks, leases to workers, submissions, quality assurance,
appeals, aggregated results, and what keeps pay fair.

Counters on Task (`filled`, `leased`) are moved only by conditional UPDATEs in services, so that a
task is never handed out beyond its overlap, whatever the database.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kasb.core.models import Transition
from kasb.core.money import Money
from kasb.orgs.models import Area, Organisation, Programme
from kasb.participants.models import Participant
from kasb.payments.models import Reservation
from kasb.skills.models import Skill


class TaskType(models.TextChoices):
    DATA_ENTRY = "data_entry", _("Data entry from an image or PDF")
    TRANSCRIPTION = "transcription", _("Audio transcription")
    TRANSLATION = "translation", _("Text translation")
    CLASSIFICATION = "classification", _("Classification or labelling")
    SURVEY = "survey", _("Survey or data collection")
    DATA_CLEANING = "data_cleaning", _("Data cleaning")


class MinimumWage(models.Model):
    """The hourly floor below which no project may pay, per country, from a date."""

    country = models.CharField(_("country"), max_length=2)
    hourly = models.PositiveBigIntegerField(_("per hour (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    effective_from = models.DateField(_("from"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("minimum wage")
        ordering = ["country", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["country", "effective_from"], name="minimum_wage_once")]

    def __str__(self) -> str:
        return f"{self.country} {Money(self.hourly, self.currency)}/h"


class Project(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", pgettext_lazy("project", "Completed")
        CANCELLED = "cancelled", pgettext_lazy("project", "Cancelled")

    client = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="projects")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(_("name"), max_length=200)
    task_type = models.CharField(_("task type"), max_length=20, choices=TaskType.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    instructions = models.TextField(_("instructions"))
    # [{"input": {...}, "answer": {...}, "why": "..."}]
    examples = models.JSONField(_("worked examples"), default=list, blank=True)
    # Which keys of a task's data the worker sees, in order; empty: all of them.
    input_fields = models.JSONField(_("task data shown"), default=list, blank=True)
    # The answer form: [{"name", "label", "type", "required", "choices", "min", "max", "max_length"}]
    answer_fields = models.JSONField(_("answer form"), default=list)
    required_skills = models.ManyToManyField(Skill, related_name="+", blank=True)
    languages = models.JSONField(_("languages needed"), default=list, blank=True)
    areas = models.ManyToManyField(Area, related_name="+", blank=True)
    pay_per_task = models.PositiveBigIntegerField(_("pay per task (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    estimated_seconds = models.PositiveIntegerField(_("client's time estimate (seconds)"))
    measured_median_seconds = models.PositiveIntegerField(null=True, blank=True)
    overlap = models.PositiveSmallIntegerField(_("answers needed per task"), default=1)
    gold_percent = models.PositiveSmallIntegerField(_("gold share (%)"), default=0)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    lease_minutes = models.PositiveSmallIntegerField(_("minutes to do a task"), default=15)
    review_window_hours = models.PositiveSmallIntegerField(_("auto-approve after (hours)"), default=72)
    appeal_days = models.PositiveSmallIntegerField(_("days to appeal"), default=7)
    content_warning = models.CharField(_("content warning"), max_length=300, blank=True)
    distressing = models.BooleanField(_("may be distressing"), default=False)
    pay_surplus = models.BooleanField(_("pay work that arrives after the task is full"), default=True)
    auto_reject_gold_missed = models.BooleanField(_("reject wrongly answered check questions automatically"),
                                                  default=False)
    reservation = models.OneToOneField(Reservation, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="project")
    # Workers are shown to the client only by a pseudonym made with this project's key.
    pseudonym_key = models.CharField(max_length=64, default=secrets.token_hex)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("project")
        indexes = [models.Index(fields=["status", "programme"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(overlap__gte=1, overlap__lte=10), name="project_overlap"),
            models.CheckConstraint(condition=models.Q(gold_percent__lte=50), name="project_gold_at_most_half"),
            models.CheckConstraint(condition=models.Q(pay_per_task__gt=0), name="project_pays"),
            models.CheckConstraint(condition=models.Q(estimated_seconds__gt=0), name="project_estimate"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def pay(self) -> Money:
        return Money(self.pay_per_task, self.currency)

    @property
    def seconds_per_task(self) -> int:
        """The measured median once there is one, otherwise the client's estimate."""
        return self.measured_median_seconds or self.estimated_seconds

    @property
    def hourly(self) -> Money:
        """Effective pay per hour at the current time per task, rounded down to a minor unit."""
        return Money(self.pay_per_task * 3600 // max(self.seconds_per_task, 1), self.currency)


class Task(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETE = "complete", pgettext_lazy("task", "Complete")
        CANCELLED = "cancelled", pgettext_lazy("task", "Cancelled")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    external_id = models.CharField(_("client's id"), max_length=100)
    data = models.JSONField(_("task data"), default=dict)
    media = models.FileField(upload_to="microwork/media/", blank=True)
    is_gold = models.BooleanField(default=False)
    gold_answer = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    upload = models.ForeignKey("TaskUpload", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    filled = models.PositiveSmallIntegerField(default=0)   # submissions that count toward the overlap
    leased = models.PositiveSmallIntegerField(default=0)   # active leases
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("task")
        constraints = [models.UniqueConstraint(fields=["project", "external_id"], name="task_external_id_once")]
        indexes = [models.Index(fields=["project", "status", "is_gold", "-filled", "id"], name="task_claim_order")]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.external_id}"


class Assignment(models.Model):
    """A lease of one task to one worker. A worker never holds the same task twice (skipped included)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        SUBMITTED = "submitted", pgettext_lazy("task", "Submitted")
        EXPIRED = "expired", _("Time ran out")
        SKIPPED = "skipped", _("Skipped")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    worker = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="assignments")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    claimed_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    extensions = models.PositiveSmallIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        constraints = [models.UniqueConstraint(fields=["task", "worker"], name="assignment_once_per_worker")]
        indexes = [models.Index(fields=["project", "status", "expires_at"]),
                   models.Index(fields=["worker", "status"])]

    def __str__(self) -> str:
        return f"{self.task} → {self.worker_id}"


class ReasonCode(models.TextChoices):
    """The published list of reasons a submission can be rejected for."""

    INCOMPLETE = "incomplete", _("Answer incomplete")
    WRONG = "wrong", _("Answer does not match the task")
    INSTRUCTIONS = "instructions", _("Instructions not followed")
    UNREADABLE = "unreadable", _("Unreadable or unusable")
    COPIED = "copied", _("Copied or machine-generated")
    GOLD_MISSED = "gold_missed", _("Check question answered wrongly")


class Submission(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        APPEALED = "appealed", _("Appealed")

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="submissions")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="submissions")
    worker = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="submissions")
    assignment = models.OneToOneField(Assignment, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="submission")
    client_key = models.CharField(max_length=64)  # generated by the worker's page: a retry records one submission
    answers = models.JSONField(default=dict)
    seconds_spent = models.PositiveIntegerField(default=0)
    # The pay per task in force when the work was handed in: a later reprice does not change it.
    pay = models.PositiveBigIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    late = models.BooleanField(default=False)      # arrived after the lease expired
    surplus = models.BooleanField(default=False)   # arrived when the task was already full: kept, shown to QA
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    gold_correct = models.BooleanField(null=True, blank=True)
    reason_code = models.CharField(max_length=20, choices=ReasonCode.choices, blank=True)
    feedback = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    payment_transaction_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("submission")
        constraints = [models.UniqueConstraint(fields=["worker", "client_key"], name="submission_once_per_key")]
        indexes = [models.Index(fields=["project", "status", "submitted_at"]),
                   models.Index(fields=["worker", "-submitted_at"])]

    def __str__(self) -> str:
        return f"{self.task} by {self.worker_id}"


class SubmissionChange(Transition):
    """Every review, automatic approval and appeal decision on a submission."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="history")

    class Meta(Transition.Meta):
        pass


class Appeal(models.Model):
    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="appeal")
    reason = models.TextField(_("why the rejection is wrong"))
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    upheld = models.BooleanField(null=True, blank=True)
    note = models.TextField(_("decision"), blank=True)

    class Meta:
        verbose_name = _("appeal")

    def __str__(self) -> str:
        return f"appeal {self.submission_id}"


class TaskResult(models.Model):
    """The aggregated answer of a task and how sure it is."""

    class Method(models.TextChoices):
        SINGLE = "single", _("One answer")
        MAJORITY = "majority", _("Majority vote")
        DAWID_SKENE = "dawid_skene", _("Dawid–Skene")
        REVIEWER = "reviewer", _("Chosen by a reviewer")

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="result")
    answer = models.JSONField(default=dict)
    confidence = models.FloatField(default=0)  # 0..1; a statistic, not money
    method = models.CharField(max_length=12, choices=Method.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("task result")

    def __str__(self) -> str:
        return f"{self.task}: {self.confidence:.2f}"


class WorkerProfile(models.Model):
    """A worker's standing and preferences in microwork."""

    class Standing(models.TextChoices):
        GOOD = "good", _("Good standing")
        COACHING = "coaching", _("Coaching: supervised queue")
        SUSPENDED = "suspended", _("Suspended")

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="work_profile")
    avoid_distressing = models.BooleanField(_("do not show me distressing content"), default=False)
    gold_seen = models.PositiveIntegerField(default=0)
    gold_correct = models.PositiveIntegerField(default=0)
    reviewed = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    standing = models.CharField(max_length=10, choices=Standing.choices, default=Standing.GOOD)
    standing_reason = models.CharField(max_length=300, blank=True)
    standing_notice_at = models.DateTimeField(null=True, blank=True)
    standing_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("worker profile")

    def __str__(self) -> str:
        return f"{self.participant_id} {self.standing}"

    @property
    def gold_accuracy(self) -> float | None:
        return self.gold_correct / self.gold_seen if self.gold_seen else None


class TopUp(models.Model):
    """Money added to bring a worker's pay on a project up to the hourly floor once time was measured."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="top_ups")
    worker = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="top_ups")
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    transaction_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fair-pay top-up")

    def __str__(self) -> str:
        return f"{Money(self.amount, self.currency)} → {self.worker_id}"


class TaskUpload(models.Model):
    """A file of tasks being checked and loaded in the background, with progress and row errors."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CHECKING = "checking", _("Checking")
        FAILED = "failed", _("Problems found: nothing added")
        DONE = "done", pgettext_lazy("upload", "Added")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="uploads")
    file = models.FileField(upload_to="microwork/uploads/")
    file_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row", "column", "reason"}]
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("task upload")

    def __str__(self) -> str:
        return self.file_name


class Webhook(models.Model):
    client = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("address"))
    secret = models.CharField(max_length=64, default=secrets.token_hex)
    events = models.JSONField(default=list)  # "project.completed", "upload.done", ...
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Gave up")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60)
    event_id = models.CharField(max_length=64, unique=True)  # the receiver de-duplicates with it
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id}"
