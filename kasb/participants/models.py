"""The participant registry: profile, protected attributes (encrypted), consent, access log, imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kasb.core.crypto import EncryptedField
from kasb.orgs.models import Area, Organisation

from .vocab import Channel, Connectivity, ConsentPurpose, DeviceAccess, Education, Sex

# Attributes that could hurt someone if leaked: encrypted at rest, shown only to roles allowed them.
PROTECTED_FIELDS = ("date_of_birth", "nationality", "displacement_status", "disability", "phone",
                    "id_kind", "id_number", "gender_identity")


class Participant(models.Model):
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="participants",
                                limit_choices_to={"kind": "partner"}, verbose_name=_("implementing partner"))
    centre = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="registered_participants", limit_choices_to={"kind": "centre"},
                               verbose_name=_("centre"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="participant")
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT,
                             verbose_name=_("governorate or region"))
    admin2 = models.CharField(_("district or municipality"), max_length=100, blank=True)
    neet = models.BooleanField(_("not in education, employment or training"), default=False)
    education = models.CharField(_("highest education"), max_length=20, choices=Education.choices, blank=True)
    female_headed_household = models.BooleanField(_("female-headed household"), default=False)
    migrant_household = models.BooleanField(_("migrant household"), default=False)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    device_access = models.CharField(_("device"), max_length=20, choices=DeviceAccess.choices, blank=True)
    connectivity = models.CharField(_("internet access"), max_length=20, choices=Connectivity.choices,
                                    blank=True)
    contact_channels = models.JSONField(_("contact channels"), default=list, blank=True,
                                        help_text=str(Channel.choices))
    email = models.EmailField(_("e-mail"), blank=True)

    # Protected, encrypted at rest.
    gender_identity = EncryptedField(_("gender identity (optional)"))
    date_of_birth = EncryptedField(_("date of birth"), value_type="date")
    nationality = EncryptedField(_("nationality"))
    displacement_status = EncryptedField(_("displacement status"))
    disability = EncryptedField(_("disability (Washington Group)"), value_type="json")
    phone = EncryptedField(_("phone"))
    id_kind = EncryptedField(_("ID document"))
    id_number = EncryptedField(_("ID number"))
    # Keyed hashes for finding duplicates without decrypting.
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    name_dob_index = models.CharField(max_length=64, blank=True, db_index=True)

    registered_at = models.DateTimeField(auto_now_add=True, db_index=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    import_job = models.ForeignKey("ImportJob", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="participants")

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("participant")
        indexes = [models.Index(fields=["partner", "centre", "-registered_at"]),
                   models.Index(fields=["family_name", "given_name"])]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Consent(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    text_version = models.CharField(_("text version"), max_length=20)
    given_at = models.DateTimeField(_("given on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    withdrawn_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["purpose", "-given_at"]
        verbose_name = _("consent")
        constraints = [models.UniqueConstraint(fields=["participant", "purpose"],
                                               condition=models.Q(withdrawn_at__isnull=True),
                                               name="one_live_consent_per_purpose")]

    def __str__(self) -> str:
        return f"{self.participant} · {self.get_purpose_display()}"


class ProtectedAccess(models.Model):
    """One row each time someone is shown a participant's protected attributes."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    api_key = models.ForeignKey("orgs.ApiKey", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="protected_accesses")
    screen = models.CharField(max_length=60)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("protected-data access")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.screen}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Checking rows")
        FAILED = "failed", _("Rows have errors; nothing imported")
        DONE = "done", _("Imported")
        PARTIAL = "partial", _("Valid rows imported")
        ERROR = "error", _("Could not read the file")

    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    centre = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=200)
    import_valid_rows = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)
