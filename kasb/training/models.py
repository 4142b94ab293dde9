"""Learning: the placement test, courses and modules, cohorts and sessions, enrolment, attendance,
assessments, certificates, and the support (transport, equipment, tuition) that keeps people coming.

Content partners write (titles, questions) is a {language: text} JSON object, shown with core.translated.pick.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kasb.core.models import Transition
from kasb.core.money import Money
from kasb.core.translated import pick
from kasb.orgs.models import Organisation, Programme
from kasb.participants.models import Participant
from kasb.skills.models import Level, Skill


class Modality(models.TextChoices):
    IN_PERSON = "in_person", _("At a centre")
    ONLINE = "online", _("Online")
    BLENDED = "blended", _("Blended")


# --- courses -------------------------------------------------------------------------------------

class Course(models.Model):
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="courses")
    code = models.SlugField(_("code"), max_length=60)
    title = models.JSONField(_("title"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    modality = models.CharField(_("modality"), max_length=10, choices=Modality.choices, default=Modality.IN_PERSON)
    duration_hours = models.PositiveIntegerField(_("duration (hours)"), default=0)
    # Completion rule: at least this share of sessions attended, and every assessed module passed.
    min_attendance_percent = models.PositiveSmallIntegerField(_("attendance needed (%)"), default=80)
    requires_assessments = models.BooleanField(_("assessments must be passed"), default=True)
    skills = models.ManyToManyField(Skill, through="CourseSkill", related_name="courses", blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("course")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "code"], name="course_code_per_partner"),
            models.CheckConstraint(condition=models.Q(min_attendance_percent__lte=100), name="course_attendance_pct"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.title) or self.code


class CourseSkill(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="course_skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.BASIC)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "skill"], name="course_skill_once")]

    def __str__(self) -> str:
        return f"{self.course} · {self.skill}"


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    order = models.PositiveSmallIntegerField(default=1)
    title = models.JSONField(_("title"), default=dict)
    hours = models.PositiveSmallIntegerField(_("hours"), default=0)
    has_assessment = models.BooleanField(_("assessed"), default=False)
    pass_mark_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=50)

    class Meta:
        verbose_name = _("module")
        ordering = ["course", "order"]

    def __str__(self) -> str:
        return pick(self.title)


# --- placement test ------------------------------------------------------------------------------

class PlacementTest(models.Model):
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="placement_tests")
    title = models.JSONField(_("title"), default=dict)
    instructions = models.JSONField(_("instructions"), default=dict, blank=True)
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), default=20)
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=2)
    retake_after_days = models.PositiveSmallIntegerField(_("days before a retake"), default=14)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("placement test")

    def __str__(self) -> str:
        return pick(self.title)


class TestItem(models.Model):
    class Kind(models.TextChoices):
        CHOICE = "choice", _("Multiple choice")
        TYPING = "typing", _("Typing task")

    test = models.ForeignKey(PlacementTest, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHOICE)
    skill = models.ForeignKey(Skill, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("skill area"))
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), choices=Level.choices, default=Level.BASIC)
    prompt = models.JSONField(_("question"), default=dict)
    # {"en": ["choice 1", "choice 2", ...], "ar": [...]} in the same order in every language.
    choices = models.JSONField(_("choices"), default=dict, blank=True)
    correct_choice = models.PositiveSmallIntegerField(null=True, blank=True)  # index into choices
    typing_text = models.CharField(_("text to type"), max_length=300, blank=True)
    points = models.PositiveSmallIntegerField(default=1)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("test item")
        ordering = ["test", "order"]

    def __str__(self) -> str:
        return pick(self.prompt)[:60]


class Band(models.Model):
    """A score range and what it means: the course it recommends."""

    test = models.ForeignKey(PlacementTest, on_delete=models.CASCADE, related_name="bands")
    min_percent = models.PositiveSmallIntegerField()
    label = models.JSONField(_("label"), default=dict)
    meaning = models.JSONField(_("what it means"), default=dict, blank=True)
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("recommended course"))

    class Meta:
        ordering = ["test", "-min_percent"]
        constraints = [models.UniqueConstraint(fields=["test", "min_percent"], name="band_floor_once")]

    def __str__(self) -> str:
        return pick(self.label)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class TestAttempt(models.Model):
    """One sitting of a placement test, by a participant or by an applicant (who has no record yet)."""

    test = models.ForeignKey(PlacementTest, on_delete=models.PROTECT, related_name="attempts")
    participant = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="test_attempts")
    # An applicant's private token (kept on their application) while they are not yet a participant.
    applicant_token = models.CharField(max_length=64, blank=True, db_index=True)
    number = models.PositiveSmallIntegerField(default=1)
    language = models.CharField(max_length=8, default="en")
    started_at = models.DateTimeField(auto_now_add=True)
    deadline_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)  # {item id: choice index or typed text}
    score = models.PositiveIntegerField(null=True, blank=True)
    max_score = models.PositiveIntegerField(default=0)
    percent = models.PositiveSmallIntegerField(null=True, blank=True)
    band = models.ForeignKey(Band, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    late = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("test attempt")
        constraints = [
            models.UniqueConstraint(fields=["test", "participant", "number"],
                                    condition=models.Q(participant__isnull=False),
                                    name="attempt_number_per_participant"),
            models.UniqueConstraint(fields=["test", "applicant_token", "number"],
                                    condition=~models.Q(applicant_token=""), name="attempt_number_per_applicant"),
        ]

    def __str__(self) -> str:
        return f"{self.test} #{self.number}"


# --- cohorts and enrolment -----------------------------------------------------------------------

class Cohort(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="cohorts")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="cohorts")
    centre = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="cohorts",
                               verbose_name=_("centre"), help_text=_("Leave empty for an online cohort."))
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    capacity = models.PositiveIntegerField(_("places"), default=25)
    trainers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="cohorts_trained", blank=True)
    # Transport stipend per attended in-person session, in the programme's currency (minor units).
    transport_rate = models.PositiveBigIntegerField(_("transport stipend per session"), default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cohort")
        ordering = ["-starts_on", "name"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="cohort_ends_after_start")]

    def __str__(self) -> str:
        return self.name

    @property
    def transport(self) -> Money:
        return Money(self.transport_rate, self.programme.currency)


class Session(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    module = models.ForeignKey(Module, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    modality = models.CharField(_("modality"), max_length=10, choices=Modality.choices, default=Modality.IN_PERSON)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    link = models.URLField(_("online link"), blank=True)

    class Meta:
        verbose_name = _("session")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["cohort", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.cohort} · {self.starts_at:%Y-%m-%d %H:%M}"


class Enrolment(models.Model):
    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        DROPPED = "dropped", _("Dropped out")
        NO_SHOW = "no_show", _("Did not start")

    class DropoutReason(models.TextChoices):
        TRANSPORT = "transport", _("Transport")
        CARE = "care", _("Care duties")
        WORK = "work", _("Found work")
        CONNECTIVITY = "connectivity", _("Connectivity")
        MOVED = "moved", _("Moved away")
        HEALTH = "health", _("Health")
        OTHER = "other", _("Other")

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrolments")
    # A participant, or a member of staff on a training-of-trainers cohort.
    participant = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="enrolments")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="enrolments")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OFFERED)
    dropout_reason = models.CharField(_("reason for leaving"), max_length=15, choices=DropoutReason.choices,
                                      blank=True)
    at_risk = models.BooleanField(_("at risk of dropping out"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("enrolment")
        constraints = [
            models.CheckConstraint(condition=models.Q(participant__isnull=True) ^ models.Q(staff__isnull=True),
                                   name="enrolment_participant_or_staff"),
            models.UniqueConstraint(fields=["cohort", "participant"], condition=models.Q(participant__isnull=False),
                                    name="enrolment_once_per_participant"),
            models.UniqueConstraint(fields=["cohort", "staff"], condition=models.Q(staff__isnull=False),
                                    name="enrolment_once_per_staff"),
        ]
        indexes = [models.Index(fields=["cohort", "status"])]

    def __str__(self) -> str:
        return f"{self.learner_name} · {self.cohort}"

    @property
    def learner_name(self) -> str:
        if self.participant_id:
            return self.participant.full_name  # type: ignore[union-attr]
        return self.staff.full_name if self.staff else ""  # type: ignore[union-attr]


class EnrolmentChange(Transition):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="history")

    class Meta(Transition.Meta):
        pass


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(default=False)
    online = models.BooleanField(default=False)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    marked_at = models.DateTimeField(auto_now=True)
    # The ledger transaction that paid this session's transport stipend, once.
    stipend_transaction_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.session_id}: {'present' if self.present else 'absent'}"


class Assessment(models.Model):
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="assessments")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="assessments")
    score = models.PositiveIntegerField(_("score"))
    max_score = models.PositiveIntegerField(_("out of"), default=100)
    passed = models.BooleanField(default=False)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assessed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assessment")
        constraints = [models.UniqueConstraint(fields=["module", "enrolment"], name="assessment_once"),
                       models.CheckConstraint(condition=models.Q(score__lte=models.F("max_score")),
                                              name="assessment_score_within_max")]

    def __str__(self) -> str:
        return f"{self.score}/{self.max_score}"


def certificate_code() -> str:
    """Short enough to type from paper, long enough not to guess: 4 groups of 4 (no 0/O, 1/I)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


class Certificate(models.Model):
    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="certificate")
    code = models.CharField(max_length=19, unique=True, default=certificate_code)
    holder_name = models.CharField(max_length=200)  # as printed, in the holder's script
    course_title = models.JSONField(default=dict)    # as it was when issued
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=300, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("certificate")

    def __str__(self) -> str:
        return self.code


class EquipmentLoan(models.Model):
    class Condition(models.TextChoices):
        NEW = "new", _("New")
        GOOD = "good", _("Good")
        WORN = "worn", _("Worn")
        DAMAGED = "damaged", _("Damaged")
        LOST = "lost", _("Lost")

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="equipment_loans")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    device = models.CharField(_("device"), max_length=100)
    serial_number = models.CharField(_("serial number"), max_length=100)
    issued_on = models.DateField(_("issued"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    condition_out = models.CharField(_("condition when issued"), max_length=10, choices=Condition.choices)
    returned_on = models.DateField(_("returned"), null=True, blank=True)
    condition_in = models.CharField(_("condition when returned"), max_length=10, choices=Condition.choices,
                                    blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("equipment loan")
        constraints = [models.UniqueConstraint(fields=["serial_number"], condition=models.Q(returned_on__isnull=True),
                                               name="device_lent_once_at_a_time")]

    def __str__(self) -> str:
        return f"{self.device} {self.serial_number}"


class TuitionGrant(models.Model):
    """Course fees the programme covers for a participant, paid from its fund to the provider."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="tuition")
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    paid_to = models.CharField(_("paid to"), max_length=200)
    transaction_id = models.BigIntegerField(null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tuition grant")

    def __str__(self) -> str:
        return f"{Money(self.amount, self.currency)} → {self.paid_to}"
