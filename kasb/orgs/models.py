"""Organisations (partners, centres, clients, employers, donors), their areas and memberships."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kasb.core.permissions import Role


class Area(models.Model):
    """An admin-1 area: a governorate, region or oblast (ISO 3166-2 code)."""

    code = models.CharField(max_length=8, unique=True)
    country = models.CharField(max_length=2, db_index=True)
    name = models.CharField(max_length=100)
    name_local = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=40, default="governorate")

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("area")

    def __str__(self) -> str:
        return f"{self.name} ({self.name_local})" if self.name_local else self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        PARTNER = "partner", _("Implementing partner")
        CENTRE = "centre", _("Centre")
        CLIENT = "client", _("Client")
        EMPLOYER = "employer", _("Employer")
        DONOR = "donor", _("Donor")
        # Code kept from when only micro-finance institutions were referred to; any service provider now.
        FINANCIAL = "financial", _("Service provider")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    # A centre belongs to its partner; clients, employers and donors to the partner they work with.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", verbose_name=_("implementing partner"))
    country = models.CharField(_("country"), max_length=2)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT,
                             verbose_name=_("governorate or region"))
    locality = models.CharField(_("town, village or camp"), max_length=120, blank=True)
    in_camp = models.BooleanField(_("in a refugee camp"), default=False)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        constraints = [
            models.UniqueConstraint(fields=["parent", "kind", "name"], name="org_unique_name_per_partner"),
            models.CheckConstraint(condition=~models.Q(kind="centre") | models.Q(parent__isnull=False),
                                   name="centre_has_partner"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def partner_id(self) -> int | None:
        return self.pk if self.kind == self.Kind.PARTNER else self.parent_id


# Which roles a membership may carry in each kind of organisation.
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    Organisation.Kind.PARTNER: frozenset({Role.COORDINATOR, Role.TRAINER, Role.QA_REVIEWER,
                                          Role.PROGRAMME_MANAGER, Role.FINANCE_OFFICER, Role.ME_OFFICER}),
    Organisation.Kind.CENTRE: frozenset({Role.COORDINATOR, Role.TRAINER}),
    Organisation.Kind.CLIENT: frozenset({Role.CLIENT_MEMBER}),
    Organisation.Kind.EMPLOYER: frozenset({Role.EMPLOYER_MEMBER}),
    Organisation.Kind.DONOR: frozenset({Role.ME_OFFICER}),
    Organisation.Kind.FINANCIAL: frozenset(),
}


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("membership")
        constraints = [models.UniqueConstraint(fields=["user", "organisation", "role"],
                                               name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"


class ApiKey(models.Model):
    """A client or employer organisation's key for /api/v1. Only a hash is stored."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")

    def __str__(self) -> str:
        return f"{self.organisation} · {self.name} ({self.prefix}…)"


class Programme(models.Model):
    """A partner's programme (e.g. "Digital livelihoods, Azraq 2026"): its money rules live here.

    Training cohorts, microwork projects and stipends belong to a programme; its currency is the one
    its stipend fund and workers' earnings are kept in.
    """

    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="programmes",
                                limit_choices_to={"kind": Organisation.Kind.PARTNER})
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2)
    currency = models.CharField(_("currency"), max_length=3)
    # Share of each client payment for work kept as the partner's fee, in basis points (250 = 2.5%).
    platform_fee_bps = models.PositiveIntegerField(_("platform fee (basis points)"), default=0)
    # The smallest balance, in minor units, that goes into a payout batch.
    payout_minimum = models.PositiveBigIntegerField(_("minimum payout (minor units)"), default=0)
    # The most time a worker may spend on this programme's microwork in one day (None: no cap). Measured as
    # the time recorded on their submissions of the day; a task in hand may be finished.
    daily_work_minutes = models.PositiveIntegerField(_("daily work cap (minutes)"), null=True, blank=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("programme")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "name"], name="programme_unique_name_per_partner"),
            models.CheckConstraint(condition=models.Q(platform_fee_bps__lte=5000), name="programme_fee_at_most_half"),
            models.CheckConstraint(condition=models.Q(daily_work_minutes__isnull=True)
                                   | models.Q(daily_work_minutes__gte=30, daily_work_minutes__lte=16 * 60),
                                   name="programme_daily_cap_in_range"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def daily_work_hours(self) -> str:
        """The daily cap in hours as people write it ("6", "7.5"); empty when there is none."""
        return f"{self.daily_work_minutes / 60:g}" if self.daily_work_minutes else ""

    @property
    def fee_percent(self) -> str:
        return f"{self.platform_fee_bps / 100:g}"
