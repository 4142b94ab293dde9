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


# --- results frameworks ------------------------------------------------------------------------------

class Framework(models.Model):
    """A programme's results framework: outcomes, the outputs under them, and their indicators with
    baselines and targets per period. Actuals are never stored: they are computed from the records."""

    programme = models.ForeignKey("orgs.Programme", on_delete=models.PROTECT, related_name="results_frameworks",
                                  verbose_name=_("programme"))
    name = models.CharField(_("name"), max_length=200)
    # A shipped template it was installed from (kasb.monitoring.seeds), or blank.
    template = models.CharField(max_length=40, blank=True)
    iati_identifier = models.CharField(_("IATI activity identifier"), max_length=150, blank=True,
                                       help_text=_("For the IATI results export, e.g. XM-DAC-41122-JO-2024-01."))
    reporting_org_ref = models.CharField(_("IATI organisation identifier of the partner"), max_length=100,
                                         blank=True, help_text=_("e.g. JO-MOI-1234"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "name", "pk"]
        verbose_name = _("results framework")
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="framework_name_per_programme")]

    def __str__(self) -> str:
        return self.name


class Result(models.Model):
    """An outcome, or an output under an outcome."""

    class Level(models.TextChoices):
        OUTCOME = "outcome", _("Outcome")
        OUTPUT = "output", _("Output")

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="results")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="outputs")
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    code = models.CharField(_("number"), max_length=12)
    title = models.CharField(_("title"), max_length=300)
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["framework", "order", "pk"]
        verbose_name = _("result")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="result_code_per_framework"),
            models.CheckConstraint(condition=models.Q(level="outcome", parent__isnull=True)
                                   | models.Q(level="output", parent__isnull=False), name="output_under_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ResultIndicator(models.Model):
    """One indicator of the registry (by code) measuring a result, optionally kept to one value of a
    breakdown (sex = female), optionally as a share of the whole (70% women)."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("indicator"), max_length=60)
    filter_dimension = models.CharField(_("only for"), max_length=30, blank=True)
    filter_value = models.CharField(_("value"), max_length=60, blank=True)
    as_share = models.BooleanField(_("as a share of all"), default=False,
                                   help_text=_("Report the filtered figure as a percentage of the unfiltered one."))
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    # For money indicators: the currency targets and baseline are in (major units).
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["result", "order", "pk"]
        verbose_name = _("result indicator")
        constraints = [models.CheckConstraint(
            condition=models.Q(filter_dimension="", filter_value="", as_share=False)
            | (~models.Q(filter_dimension="") & ~models.Q(filter_value="")), name="result_indicator_filter_whole")]

    def __str__(self) -> str:
        return self.code


class Target(models.Model):
    """A target for one period: a year ("2025"), a quarter ("2025-Q2") or a span of years ("2022-2024")."""

    indicator = models.ForeignKey(ResultIndicator, on_delete=models.CASCADE, related_name="targets")
    period = models.CharField(_("period"), max_length=9)
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["indicator", "period"]
        verbose_name = _("target")
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="one_target_per_period")]

    def __str__(self) -> str:
        return f"{self.period}: {self.value}"
