"""The careers app's tables: CVs, events and check-in, opportunities, applications and placements, mentoring,
referrals to outside services and the information pages staff write for participants.

Privacy lives in the shape of these tables as much as in the code: an application keeps a snapshot of what
the participant chose to send (employers read that, never the registry row); a referral keeps the list of
fields the participant agreed to share with that provider, and every share of them is a row.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kasb.core.crypto import EncryptedField
from kasb.core.models import Transition
from kasb.orgs.models import Area, Organisation
from kasb.participants.models import Participant
from kasb.skills.models import Skill

# --- CV --------------------------------------------------------------------------------------------------

class LanguageLevel(models.TextChoices):
    NATIVE = "native", _("Native")
    FLUENT = "fluent", _("Fluent")
    GOOD = "good", _("Good")
    BASIC = "basic", _("Basic")


class CV(models.Model):
    """A participant's CV: what they write, and which records of the platform they choose to show."""

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="cv")
    # The name as printed, in the participant's own script (the registry holds it as typed at registration).
    display_name = models.CharField(_("name on the CV"), max_length=200, blank=True)
    language = models.CharField(_("language of the CV"), max_length=8, default="en")
    headline = models.CharField(_("headline"), max_length=120, blank=True)
    profile = models.TextField(_("short profile"), max_length=1200, blank=True)
    # [{"code": "ar", "level": "native"}, ...]
    languages = models.JSONField(_("languages"), default=list, blank=True)
    contact = models.CharField(_("contact details to print"), max_length=200, blank=True)
    include_skills = models.BooleanField(_("show my verified skills"), default=True)
    include_certificates = models.BooleanField(_("show my certificates"), default=True)
    # The microwork record (projects, task types, accuracy, hours) is shown only if the participant says so.
    include_microwork = models.BooleanField(_("show my microwork record"), default=False)
    microwork_consent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("CV")

    def __str__(self) -> str:
        return self.display_name or str(self.participant)


class CVEntry(models.Model):
    class Kind(models.TextChoices):
        EDUCATION = "education", _("Education")
        EXPERIENCE = "experience", _("Experience")

    cv = models.ForeignKey(CV, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=150)
    organisation = models.CharField(_("school or employer"), max_length=150, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("to"), null=True, blank=True)
    description = models.TextField(_("what you did or learnt"), max_length=600, blank=True)

    class Meta:
        verbose_name = _("CV entry")
        ordering = ["kind", models.F("ended_on").desc(nulls_first=True), "-started_on", "pk"]
        constraints = [models.CheckConstraint(
            condition=models.Q(ended_on__isnull=True) | models.Q(started_on__isnull=True)
            | models.Q(ended_on__gte=models.F("started_on")), name="cv_entry_ends_after_start")]

    def __str__(self) -> str:
        return self.title


class Preferences(models.Model):
    """What work a participant is looking for: used to match opportunities to them."""

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="career_preferences")
    kinds = models.JSONField(_("kinds of work"), default=list, blank=True)  # Opportunity.Kind values; [] = any
    areas = models.ManyToManyField(Area, blank=True, related_name="+", verbose_name=_("other areas I can work in"))
    remote = models.BooleanField(_("I can work remotely"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("career preferences")

    def __str__(self) -> str:
        return f"{self.participant_id}"


# --- events ----------------------------------------------------------------------------------------------

class TargetGroup(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    WOMEN = "women", _("Young women")
    REFUGEES = "refugees", _("Refugees and asylum seekers")
    HOST = "host_community", _("Host community")
    NEET = "neet", _("Young people not in education, employment or training")
    MIGRANTS = "migrants", _("Migrants and would-be migrants")
    GRADUATES = "graduates", _("Graduates")


class Event(models.Model):
    class Kind(models.TextChoices):
        ORIENTATION = "orientation", _("Career orientation session")
        JOB_FAIR = "job_fair", _("Job fair")
        EMPLOYER_VISIT = "employer_visit", _("Employer visit")
        INTERVIEW_PRACTICE = "interview_practice", _("Interview practice day")

    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="career_events")
    centre = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    link = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(_("places"), default=0, help_text=_("0 means no limit"))
    target_groups = models.JSONField(_("for"), default=list, blank=True)
    employers = models.ManyToManyField(Organisation, blank=True, related_name="fairs_attended",
                                       verbose_name=_("employers attending"))
    is_cancelled = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("career event")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["partner", "starts_at"])]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gte=models.F("starts_at")),
                                              name="career_event_ends_after_start")]

    def __str__(self) -> str:
        return self.title


def registration_token() -> str:
    return secrets.token_urlsafe(9)


class Registration(models.Model):
    """A place at an event: a participant's, or a walk-in's (name and phone only)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", pgettext_lazy("event registration", "Registered")
        WAITLISTED = "waitlisted", pgettext_lazy("event registration", "On the waitlist")
        CANCELLED = "cancelled", pgettext_lazy("event registration", "Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    participant = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="event_registrations")
    walk_in_name = models.CharField(_("name"), max_length=200, blank=True)
    walk_in_phone = EncryptedField(_("phone"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
    # Random, and signed in the QR code (kasb.careers.services.events.checkin_token).
    token = models.CharField(max_length=16, unique=True, default=registration_token)
    registered_at = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")

    class Meta:
        verbose_name = _("event registration")
        ordering = ["registered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "participant"], condition=models.Q(participant__isnull=False),
                                    name="one_registration_per_participant"),
            models.CheckConstraint(condition=models.Q(participant__isnull=False) | ~models.Q(walk_in_name=""),
                                   name="registration_has_a_person"),
        ]
        indexes = [models.Index(fields=["event", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.participant.full_name if self.participant_id and self.participant else self.walk_in_name


# --- opportunities, applications, placements -------------------------------------------------------------

class OpportunityKind(models.TextChoices):
    INTERNSHIP = "internship", _("Internship")
    APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
    JOB = "job", _("Job")
    FREELANCE = "freelance", _("Freelance gig")


class PayPeriod(models.TextChoices):
    HOUR = "hour", _("per hour")
    DAY = "day", _("per day")
    MONTH = "month", _("per month")
    TOTAL = "total", _("in total")


class Opportunity(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    employer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="opportunities")
    kind = models.CharField(_("kind"), max_length=16, choices=OpportunityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="+", verbose_name=_("skills needed"))
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("governorate or region"))
    remote = models.BooleanField(_("remote"), default=False)
    pay_minor = models.PositiveBigIntegerField(_("pay (minor units)"), null=True, blank=True)
    pay_currency = models.CharField(_("currency"), max_length=3, blank=True)
    pay_period = models.CharField(_("pay period"), max_length=8, choices=PayPeriod.choices, blank=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    apply_by = models.DateField(_("apply by"), null=True, blank=True)
    how_to_apply = models.TextField(_("how to apply"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "employer"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(area__isnull=False) | models.Q(remote=True),
                                   name="opportunity_has_a_place"),
            models.CheckConstraint(condition=models.Q(pay_minor__isnull=True) | ~models.Q(pay_currency=""),
                                   name="opportunity_pay_has_currency"),
        ]

    def __str__(self) -> str:
        return self.title


class Recommendation(models.Model):
    """A coordinator suggests an opportunity to a participant (who decides whether to apply)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="recommendations")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="career_recommendations")
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                       related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recommendation")
        constraints = [models.UniqueConstraint(fields=["opportunity", "participant"], name="recommend_once")]

    def __str__(self) -> str:
        return f"{self.participant_id} → {self.opportunity_id}"


class CareerApplication(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", pgettext_lazy("job application", "Applied")
        SHORTLISTED = "shortlisted", pgettext_lazy("job application", "Shortlisted")
        INTERVIEWED = "interviewed", pgettext_lazy("job application", "Interviewed")
        OFFERED = "offered", pgettext_lazy("job application", "Offered")
        PLACED = "placed", pgettext_lazy("job application", "Placed")
        DECLINED = "declined", pgettext_lazy("job application", "Declined")
        WITHDRAWN = "withdrawn", pgettext_lazy("job application", "Withdrawn")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="applications")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="career_applications")
    # Exactly what the participant sent: the employer reads this, never the registry.
    cv_snapshot = models.JSONField(default=dict)
    cv_text = models.TextField(blank=True)
    message = models.TextField(_("message to the employer"), max_length=1500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLIED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("job application")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "participant"], name="apply_once")]
        indexes = [models.Index(fields=["opportunity", "status"])]

    def __str__(self) -> str:
        return f"{self.cv_snapshot.get('name', '')} → {self.opportunity_id}"


class ApplicationChange(Transition):
    application = models.ForeignKey(CareerApplication, on_delete=models.CASCADE, related_name="history")

    class Meta(Transition.Meta):
        verbose_name = _("application status change")


class Placement(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="placements")
    employer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="placements")
    application = models.OneToOneField(CareerApplication, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="placement")
    kind = models.CharField(_("kind"), max_length=16, choices=OpportunityKind.choices)
    title = models.CharField(_("position"), max_length=200)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    wage_minor = models.PositiveBigIntegerField(_("wage (minor units)"), null=True, blank=True)
    wage_currency = models.CharField(_("currency"), max_length=3, blank=True)
    wage_period = models.CharField(_("wage period"), max_length=8, choices=PayPeriod.choices, blank=True)
    # None until known: the placement is still running, or nobody has asked yet.
    completed = models.BooleanField(_("completed"), null=True, blank=True)
    completed_recorded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("placement")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="placement_ends_after_start"),
            models.CheckConstraint(condition=models.Q(wage_minor__isnull=True) | ~models.Q(wage_currency=""),
                                   name="placement_wage_has_currency"),
        ]

    def __str__(self) -> str:
        return self.title


FOLLOW_UP_MONTHS = (3, 6, 12)


class FollowUp(models.Model):
    """A tracer-survey reminder 3, 6 and 12 months after a placement starts (the M&E surveys use them)."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="follow_ups")
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField(db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("placement follow-up")
        ordering = ["due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["placement", "months"], name="follow_up_once")]

    def __str__(self) -> str:
        return f"{self.placement_id} +{self.months}"


# --- mentoring -------------------------------------------------------------------------------------------

class MentorProfile(models.Model):
    """A graduate who works and helps others onto the same path."""

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="mentor_profile")
    occupation = models.CharField(_("what I do now"), max_length=150)
    story = models.TextField(_("my story"), max_length=1500, blank=True)
    helps_with = models.CharField(_("I can help with"), max_length=300, blank=True)
    is_active = models.BooleanField(_("taking mentees"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mentor profile")

    def __str__(self) -> str:
        return str(self.participant)


class Mentorship(models.Model):
    mentor = models.ForeignKey(MentorProfile, on_delete=models.PROTECT, related_name="mentorships")
    mentee = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="mentorships")
    started_on = models.DateField(_("started"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("mentorship")
        ordering = ["-started_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["mentor", "mentee"], condition=models.Q(ended_on__isnull=True),
                                               name="one_live_mentorship_per_pair")]

    def __str__(self) -> str:
        return f"{self.mentor_id} ↔ {self.mentee_id}"


class MentoringSession(models.Model):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("date"))
    # Seen by the mentor, the mentee and career staff only.
    notes = models.TextField(_("notes"), max_length=3000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mentoring session")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.mentorship_id} {self.held_on}"


# --- referrals -------------------------------------------------------------------------------------------

class ServiceKind(models.TextChoices):
    BUSINESS = "business_counselling", _("Business counselling")
    MICROFINANCE = "microfinance", _("Micro-finance")
    LEGAL_AID = "legal_aid", _("Legal aid")
    SAFE_MIGRATION = "safe_migration", _("Safe-migration information")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")


class ShareableField(models.TextChoices):
    """What a participant may agree to share with a provider, one by one."""

    NAME = "name", _("Name")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    DATE_OF_BIRTH = "date_of_birth", _("Date of birth")
    AREA = "area", _("Governorate or region")
    LANGUAGES = "languages", _("Languages")
    EDUCATION = "education", _("Highest education")
    SKILLS = "skills", _("Verified skills")
    CERTIFICATES = "certificates", _("Certificates")
    NATIONALITY = "nationality", _("Nationality")
    DISPLACEMENT = "displacement_status", _("Displacement status")
    ID_DOCUMENT = "id_document", _("ID document")


class Referral(models.Model):
    class Status(models.TextChoices):
        REFERRED = "referred", _("Referred")
        ACCEPTED = "accepted", _("Taken up by the provider")
        COMPLETED = "completed", _("Service completed")
        DECLINED = "declined", _("Declined")
        CLOSED = "closed", _("Closed without service")

    class LoanStatus(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        DISBURSED = "disbursed", _("Disbursed")
        REPAID = "repaid", _("Repaid")
        REJECTED = "rejected", _("Rejected")

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="referrals")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals_received")
    service = models.CharField(_("service"), max_length=24, choices=ServiceKind.choices)
    reason = models.TextField(_("reason"), max_length=1500)
    # The fields the participant agreed to share with this provider (ShareableField values), and when.
    consented_fields = models.JSONField(_("agreed to share"), default=list, blank=True)
    consent_at = models.DateTimeField(_("consent given"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REFERRED)
    outcome = models.TextField(_("outcome"), max_length=1500, blank=True)
    loan_minor = models.PositiveBigIntegerField(_("loan amount (minor units)"), null=True, blank=True)
    loan_currency = models.CharField(_("currency"), max_length=3, blank=True)
    loan_status = models.CharField(_("loan status"), max_length=10, choices=LoanStatus.choices, blank=True)
    business_started = models.BooleanField(_("business started"), null=True, blank=True)
    business_started_on = models.DateField(_("business started on"), null=True, blank=True)
    business_running_6_months = models.BooleanField(_("business still running after 6 months"), null=True,
                                                     blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("referral")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(loan_minor__isnull=True) | ~models.Q(loan_currency=""),
                                              name="referral_loan_has_currency")]

    def __str__(self) -> str:
        return f"{self.participant_id} → {self.provider_id} ({self.service})"


class ReferralChange(Transition):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="history")

    class Meta(Transition.Meta):
        verbose_name = _("referral status change")


class ReferralShare(models.Model):
    """One time the consented fields were handed to the provider: what, by whom, when."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="shares")
    fields = models.JSONField(default=list)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    shared_at = models.DateTimeField(auto_now_add=True)
    channel = models.CharField(_("sent by"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("referral share")
        ordering = ["-shared_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.shared_at:%Y-%m-%d}"


# --- information pages -----------------------------------------------------------------------------------

class InfoPage(models.Model):
    """Know-your-rights, mobile wallets, online job scams...: written by staff, translated, shown in the reader's
    language (kasb.core.translated)."""

    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="info_pages")
    slug = models.SlugField(max_length=80)
    title = models.JSONField(_("title"), default=dict)  # {"en": ..., "ar": ...}
    body = models.JSONField(_("text"), default=dict)
    is_published = models.BooleanField(_("published"), default=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("information page")
        ordering = ["slug"]
        constraints = [models.UniqueConstraint(fields=["partner", "slug"], name="info_page_slug_per_partner")]

    def __str__(self) -> str:
        return self.slug
