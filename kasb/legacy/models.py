"""Historical records a partner brings from before Kasb: the import batches, the mark on every native record
an import created, and the tables for what must not become live money, work or referrals.

Nothing here is posted to the ledger: a historical earning is a fact for the indicators, not a balance.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from kasb.careers.models import OpportunityKind, PayPeriod, Referral, ServiceKind
from kasb.core.models import Transition
from kasb.orgs.models import Organisation
from kasb.participants.models import Participant
from kasb.training.models import Course, Enrolment


class RecordType(models.TextChoices):
    OLD_IDS = "old_ids", _("Old participant ids")
    ENROLMENTS = "enrolments", _("Enrolments and completions")
    PLACEMENTS = "placements", _("Internships and placements")
    MICROWORK = "microwork", _("Microwork engagements")
    EARNINGS = "earnings", _("Earnings")
    REFERRALS = "referrals", _("Referrals")
    SURVEYS = "surveys", _("Survey responses")


class ImportBatch(models.Model):
    """One uploaded file of one record type, checked row by row and imported all or (if asked) in part."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Checking rows")
        FAILED = "failed", _("Rows have errors; nothing imported")
        DONE = "done", _("Imported")
        PARTIAL = "partial", _("Valid rows imported")
        ERROR = "error", _("Could not read the file")
        UNDONE = "undone", _("Undone")

    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(_("records"), max_length=20, choices=RecordType.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="records/%Y/%m/")
    original_name = models.CharField(max_length=200)
    import_valid_rows = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    # Rows that became records of another app (a placement in careers, a verified skill).
    native_records = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("historical records import")
        indexes = [models.Index(fields=["partner", "-created_at"])]

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)


class BatchChange(Transition):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="history")

    class Meta(Transition.Meta):
        verbose_name = _("import status change")


class ImportedRecord(models.Model):
    """Marks a record of another app (a placement, a verified skill) as created by an import batch."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="imported_records")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("imported record")
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"], name="imported_once")]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}"


class FormerId(models.Model):
    """The id a partner gave a participant before Kasb, so historical rows can name them by it."""

    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    old_id = models.CharField(_("old id"), max_length=60)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="former_ids")
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="former_ids")

    class Meta:
        verbose_name = _("old participant id")
        constraints = [models.UniqueConstraint(fields=["partner", "old_id"], name="old_id_once_per_partner")]

    def __str__(self) -> str:
        return self.old_id


class Historical(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    row = models.PositiveIntegerField(_("row in the file"))
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class HistoricalStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped_out", _("Dropped out")


class HistoricalEnrolment(Historical):
    course_name = models.CharField(_("course"), max_length=200)
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cohort = models.CharField(_("cohort"), max_length=120, blank=True)
    centre = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("started"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=HistoricalStatus.choices)
    dropout_reason = models.CharField(_("reason for leaving"), max_length=15,
                                      choices=Enrolment.DropoutReason.choices, blank=True)
    partner_verified = models.BooleanField(_("verified by the partner"), default=False)

    class Meta:
        verbose_name = _("historical enrolment")
        indexes = [models.Index(fields=["participant", "started_on"])]

    def __str__(self) -> str:
        return f"{self.course_name} {self.started_on}"


class HistoricalPlacement(Historical):
    kind = models.CharField(_("kind"), max_length=16, choices=OpportunityKind.choices)
    employer = models.CharField(_("employer"), max_length=200)
    title = models.CharField(_("position"), max_length=200)
    started_on = models.DateField(_("starts"))
    ended_on = models.DateField(_("ends"), null=True, blank=True)
    wage_minor = models.PositiveBigIntegerField(null=True, blank=True)
    wage_currency = models.CharField(max_length=3, blank=True)
    wage_period = models.CharField(max_length=8, choices=PayPeriod.choices, blank=True)
    completed = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = _("historical placement")
        indexes = [models.Index(fields=["participant", "started_on"])]

    def __str__(self) -> str:
        return self.title


class HistoricalEngagement(Historical):
    """Microwork done before Kasb: kept apart from live projects and tasks, and never paid again."""

    client = models.CharField(_("client"), max_length=200)
    task_type = models.CharField(_("task type"), max_length=120)
    tasks_done = models.PositiveIntegerField(_("tasks done"), default=0)
    hours = models.DecimalField(_("hours"), max_digits=9, decimal_places=2, null=True, blank=True)
    started_on = models.DateField(_("started"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("historical microwork engagement")
        indexes = [models.Index(fields=["participant", "started_on"])]

    def __str__(self) -> str:
        return f"{self.client} · {self.task_type}"


class EarningSource(models.TextChoices):
    MICROWORK = "microwork", _("Microwork")
    INTERNSHIP = "internship", _("Internship")
    JOB = "job", _("Job")
    FREELANCE = "freelance", _("Freelance work")
    BUSINESS = "business", _("Own business")
    OTHER = "other", _("Other")


class HistoricalEarning(Historical):
    """Money someone earned in a month before Kasb. Never a ledger entry: it is not owed to anyone."""

    month = models.DateField(_("month"))  # the first day of the month
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    source = models.CharField(_("source"), max_length=12, choices=EarningSource.choices)

    class Meta:
        verbose_name = _("historical earning")
        indexes = [models.Index(fields=["month", "currency"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.amount_minor} {self.currency}"


class HistoricalReferral(Historical):
    service = models.CharField(_("service"), max_length=24, choices=ServiceKind.choices)
    provider = models.CharField(_("provider"), max_length=200)
    referred_on = models.DateField(_("referred on"))
    status = models.CharField(_("status"), max_length=12, choices=Referral.Status.choices,
                              default=Referral.Status.REFERRED)
    outcome = models.TextField(_("outcome"), max_length=1500, blank=True)
    loan_minor = models.PositiveBigIntegerField(null=True, blank=True)
    loan_currency = models.CharField(max_length=3, blank=True)
    loan_status = models.CharField(max_length=10, choices=Referral.LoanStatus.choices, blank=True)
    business_started = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = _("historical referral")

    def __str__(self) -> str:
        return f"{self.service} {self.referred_on}"


class HistoricalSurveyResponse(Historical):
    survey = models.CharField(_("survey"), max_length=120)
    answered_on = models.DateField(_("answered on"))
    employed = models.BooleanField(_("employed"), null=True, blank=True)
    earnings_minor = models.PositiveBigIntegerField(null=True, blank=True)
    earnings_currency = models.CharField(max_length=3, blank=True)
    using_skills = models.BooleanField(_("using the skills"), null=True, blank=True)

    class Meta:
        verbose_name = _("historical survey response")

    def __str__(self) -> str:
        return f"{self.survey} {self.answered_on}"


HISTORICAL_MODELS: dict[str, type[models.Model]] = {
    RecordType.OLD_IDS: FormerId,
    RecordType.ENROLMENTS: HistoricalEnrolment,
    RecordType.PLACEMENTS: HistoricalPlacement,
    RecordType.MICROWORK: HistoricalEngagement,
    RecordType.EARNINGS: HistoricalEarning,
    RecordType.REFERRALS: HistoricalReferral,
    RecordType.SURVEYS: HistoricalSurveyResponse,
}
