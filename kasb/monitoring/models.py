"""The monitoring app's own tables: report runs built in the background. Monitoring never writes to the
other apps' tables; it only reads them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kasb.core.models import Transition


class ReportRun(models.Model):
    """A period report asked for as a file (CSV, XLSX, PDF), built by a background task with progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Could not be prepared")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        PDF = "pdf", "PDF"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The filters as given (start, end, programme, centre, group, by, suppress): re-checked when it runs.
    parameters = models.JSONField(default=dict)
    format = models.CharField(max_length=4, choices=Format.choices)
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_steps = models.PositiveIntegerField(default=0)
    done_steps = models.PositiveIntegerField(default=0)
    suppressed = models.BooleanField(default=True)
    file = models.FileField(upload_to="monitoring/reports/%Y/%m/", blank=True)
    message = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("report run")
        indexes = [models.Index(fields=["requested_by", "-requested_at"])]

    def __str__(self) -> str:
        return f"{self.format} {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        return int(100 * self.done_steps / self.total_steps) if self.total_steps else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ReportRunChange(Transition):
    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="history")

    class Meta(Transition.Meta):
        pass
