"""Completion and certificates: check a course's completion rule, complete an enrolment, issue its certificate
once, verify the course's skills with it as evidence, revoke it, and describe it as an Open Badges 3.0 credential.

Who may do what:
- complete an enrolment (and so issue its certificate): Cap.ISSUE_CERTIFICATES over the cohort (a centre
  coordinator for the cohorts of their centre, a programme manager for all of the partner's cohorts);
- revoke a certificate: Cap.ISSUE_CERTIFICATES held at the implementing partner itself (a programme manager),
  never through a centre grant. Revoking withdraws a credential someone may already have shown an employer,
  so it sits one level above the people who run the cohort.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.pdf import qr_svg_data_uri, render_pdf
from kasb.core.permissions import Cap, Principal
from kasb.core.translated import LANGUAGE_CODES, pick
from kasb.orgs.queries import partner_ids
from kasb.participants.models import Participant
from kasb.skills.models import Evidence
from kasb.skills.services import revoke_evidence, verify_skill

from ..models import Assessment, Attendance, Certificate, Cohort, CourseSkill, Enrolment, Module, Session
from ..queries import cohort_scope, may_act_on_cohort
from .enrolment import move_enrolment

S = Enrolment.Status
EVIDENCE_TYPE = "training.certificate"
CODE_ALPHABET = frozenset("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
OB_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))


# --- the completion rule -------------------------------------------------------------------------

@dataclass(frozen=True)
class ModuleResult:
    name: str
    pass_mark_percent: int
    score: int | None = None
    max_score: int | None = None
    passed: bool = False


@dataclass(frozen=True)
class CompletionStatus:
    """Where one enrolment stands against its course's completion rule, with reasons a person can read."""

    enrolment_id: int
    status: str
    sessions_held: int
    sessions_present: int
    required_percent: int
    requires_assessments: bool
    modules: tuple[ModuleResult, ...]
    reasons: tuple[str, ...]  # empty when the rule is met

    @property
    def attendance_percent(self) -> int | None:
        return None if self.sessions_held == 0 else self.sessions_present * 100 // self.sessions_held

    @property
    def modules_passed(self) -> int:
        return sum(1 for m in self.modules if m.passed)

    @property
    def meets_rule(self) -> bool:
        return not self.reasons

    @property
    def summary(self) -> str:
        attendance = (_("No sessions held yet") if self.sessions_held == 0 else
                      _("Attended %(present)s of %(held)s sessions (%(percent)s%%, %(required)s%% needed)")
                      % {"present": self.sessions_present, "held": self.sessions_held,
                         "percent": self.attendance_percent, "required": self.required_percent})
        if not self.modules:
            return attendance + "."
        return attendance + "; " + _("passed %(passed)s of %(total)s assessed modules.") % {
            "passed": self.modules_passed, "total": len(self.modules)}


def completion_status(enrolment: Enrolment, *, now: datetime | None = None) -> CompletionStatus:
    """The attended share (present / sessions held so far), the assessed modules passed, and whether the
    course's rule (min_attendance_percent, requires_assessments) is met; if not, why."""
    return completion_statuses([enrolment], now=now)[enrolment.pk]


def completion_statuses(enrolments: Iterable[Enrolment], *, now: datetime | None = None) -> dict[int, CompletionStatus]:
    """completion_status for many enrolments in a fixed number of queries (a cohort's completion page)."""
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    now = now or timezone.now()
    ids = [e.pk for e in enrolments]
    cohorts = {c.pk: c for c in Cohort.objects.filter(pk__in={e.cohort_id for e in enrolments})
               .select_related("course")}
    # A session counts as held once its roster was taken: a forgotten roster is nobody's absence,
    # and the learner's own attendance share (My learning) counts the same way.
    held = dict(Session.objects.filter(cohort_id__in=cohorts, starts_at__lte=now, attendance__isnull=False)
                .values("cohort_id").annotate(n=Count("id", distinct=True)).values_list("cohort_id", "n"))
    present = dict(Attendance.objects.filter(enrolment_id__in=ids, present=True, session__starts_at__lte=now)
                   .values("enrolment_id").annotate(n=Count("id")).values_list("enrolment_id", "n"))
    modules: dict[int, list[Module]] = defaultdict(list)
    for module in Module.objects.filter(course_id__in={c.course_id for c in cohorts.values()}, has_assessment=True):
        modules[module.course_id].append(module)
    results: dict[tuple[int, int], Assessment] = {
        (a.enrolment_id, a.module_id): a
        for a in Assessment.objects.filter(enrolment_id__in=ids, module__has_assessment=True)}
    statuses = {}
    for enrolment in enrolments:
        course = cohorts[enrolment.cohort_id].course
        rows = []
        for module in modules[course.pk]:
            result = results.get((enrolment.pk, module.pk))
            rows.append(ModuleResult(name=pick(module.title) or str(module.order),
                                     pass_mark_percent=module.pass_mark_percent,
                                     score=result.score if result else None,
                                     max_score=result.max_score if result else None,
                                     passed=bool(result and result.passed)))
        statuses[enrolment.pk] = _judge(enrolment, course.min_attendance_percent, course.requires_assessments,
                                        held.get(enrolment.cohort_id, 0), present.get(enrolment.pk, 0), rows)
    return statuses


def _judge(enrolment: Enrolment, required: int, requires_assessments: bool, held: int, present: int,
           modules: list[ModuleResult]) -> CompletionStatus:
    reasons = []
    if enrolment.status not in (S.ACTIVE, S.COMPLETED):
        reasons.append(_("Only an active enrolment can be completed; this one is “%(status)s”.")
                       % {"status": S(enrolment.status).label})
    if held == 0:
        if required > 0:
            reasons.append(_("No sessions have been held yet, so attendance cannot be counted."))
    elif present * 100 < required * held:
        reasons.append(_("Attended %(present)s of %(held)s sessions (%(percent)s%%); the course needs %(required)s%%.")
                       % {"present": present, "held": held, "percent": present * 100 // held, "required": required})
    if requires_assessments:
        for module in modules:
            if module.passed:
                continue
            if module.score is None:
                reasons.append(_("“%(module)s” has not been assessed yet.") % {"module": module.name})
            else:
                reasons.append(_("“%(module)s”: %(score)s out of %(max)s, below the pass mark of %(mark)s%%.")
                               % {"module": module.name, "score": module.score, "max": module.max_score,
                                  "mark": module.pass_mark_percent})
    return CompletionStatus(enrolment_id=enrolment.pk, status=enrolment.status, sessions_held=held,
                            sessions_present=present, required_percent=required,
                            requires_assessments=requires_assessments, modules=tuple(modules),
                            reasons=tuple(reasons))


# --- completing and issuing ----------------------------------------------------------------------

@transaction.atomic
def complete_enrolment(*, actor: Principal, enrolment: Enrolment) -> Certificate:
    """Complete an enrolment whose course rule is met and issue its certificate, once: a second call
    returns the same certificate. Refuses with the reasons when the rule is not met."""
    if not may_act_on_cohort(actor, Cap.ISSUE_CERTIFICATES, enrolment.cohort):
        raise PermissionDenied(_("You cannot complete enrolments or issue certificates in this cohort."))
    locked = (Enrolment.objects.select_for_update(of=("self",)).select_related("cohort__course", "participant", "staff")
              .get(pk=enrolment.pk))
    existing = Certificate.objects.filter(enrolment=locked).first()
    if existing is not None:
        return existing
    if locked.status != S.COMPLETED:
        status = completion_status(locked)
        if not status.meets_rule:
            raise Conflict(_("%(name)s cannot complete yet. %(reasons)s")
                           % {"name": locked.learner_name, "reasons": " ".join(status.reasons)},
                           code="completion_rule_not_met", details={"reasons": list(status.reasons)})
        locked = move_enrolment(actor=actor, enrolment=locked, to=S.COMPLETED, completion_checked=True,
                                reason=status.summary)
    return _issue(actor, locked)


def _issue(actor: Principal, enrolment: Enrolment) -> Certificate:
    course = enrolment.cohort.course
    holder = enrolment.participant.full_name if enrolment.participant else enrolment.staff.full_name  # type: ignore[union-attr]
    title = dict(course.title or {}) or {settings.LANGUAGE_CODE: course.code}
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    certificate = None
    for _attempt in range(3):  # a code clash is astronomically rare; try a fresh code rather than fail
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(enrolment=enrolment, holder_name=holder.strip()[:200],
                                                         course_title=title, issued_by=user)
            break
        except IntegrityError:
            certificate = Certificate.objects.filter(enrolment=enrolment).first()
            if certificate is not None:
                return certificate
    if certificate is None:
        raise Conflict(_("The certificate could not be issued just now; try again."), code="certificate_code_clash")
    person = _skills_holder(enrolment)
    verified = 0
    if person is not None:
        for link in CourseSkill.objects.filter(course=course).select_related("skill"):
            verify_skill(actor=user, participant=person, skill=link.skill, level=link.level, evidence=Evidence.COURSE,
                         evidence_type=EVIDENCE_TYPE, evidence_id=certificate.code)
            verified += 1
    audit.record(actor=user, verb="certificate.issued", obj=certificate, enrolment=enrolment.pk,
                 code=certificate.code, skills_verified=verified)
    return certificate


def _skills_holder(enrolment: Enrolment) -> Participant | None:
    """Whose verified skills the certificate adds to: the participant, or a member of staff's own
    participant record when they have one (verified skills belong to participant records)."""
    if enrolment.participant_id:
        return enrolment.participant
    return Participant.objects.filter(user_id=enrolment.staff_id).first() if enrolment.staff_id else None


# --- revoking ------------------------------------------------------------------------------------

def may_revoke(principal: Principal, certificate: Certificate) -> bool:
    if principal.is_superuser:
        return True
    partner = certificate.enrolment.cohort.course.partner_id
    return principal.can(Cap.ISSUE_CERTIFICATES) and partner in partner_ids(principal, Cap.ISSUE_CERTIFICATES)


@transaction.atomic
def revoke_certificate(*, actor: Principal, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a certificate (a programme manager of its partner): the verification page then says so and
    the skills it proved are withdrawn. The reason stays internal. Revoking twice keeps the first revocation."""
    if not may_revoke(actor, certificate):
        raise PermissionDenied(_("Only a programme manager of the organisation that issued it can revoke a "
                                 "certificate."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(_("Say why the certificate is revoked. The reason is kept inside your organisation."),
                               field="reason")
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.revoked_at is not None:
        return locked
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    Certificate.objects.filter(pk=locked.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=user, revoked_reason=reason[:300])
    withdrawn = revoke_evidence(actor=user, evidence_type=EVIDENCE_TYPE, evidence_id=locked.code,
                                reason=_("Certificate %(code)s revoked: %(reason)s") % {"code": locked.code,
                                                                                       "reason": reason})
    audit.record(actor=user, verb="certificate.revoked", obj=locked, reason=reason, skills_withdrawn=withdrawn)
    locked.refresh_from_db()
    return locked


# --- reads: finding and listing certificates -----------------------------------------------------

def normalise_code(text: str) -> str | None:
    """'k7q3 m9px-...' → 'K7Q3-M9PX-...'; None when it cannot be a certificate code."""
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if len(raw) != 16 or not set(raw) <= CODE_ALPHABET:
        return None
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def find_certificate(text: str) -> Certificate | None:
    """The certificate a typed or scanned code names (any case, with or without dashes), or None."""
    code = normalise_code(text)
    if code is None:
        return None
    return (Certificate.objects.select_related("enrolment__cohort__course__partner", "enrolment__cohort__centre")
            .filter(code=code).first())


def certificates_visible_to(principal: Principal) -> QuerySet[Certificate]:
    """A person's own certificates (as a participant, or as staff on a training-of-trainers cohort), and the
    certificates of the cohorts they may issue certificates in."""
    qs = Certificate.objects.select_related("enrolment__cohort__course__partner", "enrolment__cohort__centre")
    if principal.is_superuser:
        return qs
    mine = Q(pk__in=[])
    if principal.participant_id:
        mine |= Q(enrolment__participant_id=principal.participant_id)
    if principal.user is not None and getattr(principal.user, "pk", None):
        mine |= Q(enrolment__staff_id=principal.user.pk)
    if principal.can(Cap.ISSUE_CERTIFICATES):
        scope = cohort_scope(principal, Cap.ISSUE_CERTIFICATES)
        if scope is not None:
            mine |= Q(enrolment__cohort__in=Cohort.objects.filter(scope))
    return qs.filter(mine)


def own_certificates(principal: Principal) -> QuerySet[Certificate]:
    mine = Q(pk__in=[])
    if principal.participant_id:
        mine |= Q(enrolment__participant_id=principal.participant_id)
    if principal.user is not None and getattr(principal.user, "pk", None):
        mine |= Q(enrolment__staff_id=principal.user.pk)
    return (Certificate.objects.select_related("enrolment__cohort__course__partner", "enrolment__cohort__centre")
            .filter(mine).order_by("-issued_at", "-pk"))


def is_holder(principal: Principal, certificate: Certificate) -> bool:
    enrolment = certificate.enrolment
    return bool((enrolment.participant_id and enrolment.participant_id == principal.participant_id) or (
        enrolment.staff_id and principal.user is not None and enrolment.staff_id == principal.user.pk))


# --- presenting a certificate: verification link, PDF, Open Badges 3.0 ---------------------------

def verification_url(code: str, base_url: str, language: str | None = None) -> str:
    """The absolute public verification address of a certificate, in `language` (default: the site's)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        path = reverse("verify:certificate", args=[code])
    return base_url.rstrip("/") + path


def holder_language(certificate: Certificate, fallback: str) -> str:
    """The language the holder reads: their account's, else `fallback` (the request's)."""
    enrolment = certificate.enrolment
    user = enrolment.participant.user if enrolment.participant_id and enrolment.participant else enrolment.staff
    language = (getattr(user, "language", "") or "").split("-")[0]
    return language if language in LANGUAGE_CODES else fallback.split("-")[0]


def is_arabic(text: str) -> bool:
    return any(low <= ord(ch) <= high for ch in text for low, high in ARABIC_RANGES)


def course_hours(certificate: Certificate) -> int:
    course = certificate.enrolment.cohort.course
    if course.duration_hours:
        return int(course.duration_hours)
    return sum(m.hours for m in course.modules.all())


def skill_names(certificate: Certificate, language: str) -> list[str]:
    links = CourseSkill.objects.filter(course_id=certificate.enrolment.cohort.course_id).select_related("skill")
    return [pick(link.skill.names, language) or link.skill.code for link in links.order_by("skill__code")]


def certificate_pdf(certificate: Certificate, *, base_url: str, language: str) -> bytes:
    """The certificate as a landscape A4 PDF in `language`, with a QR code of its verification link."""
    if certificate.revoked_at is not None:
        raise Conflict(_("This certificate was revoked and can no longer be printed."), code="certificate_revoked")
    cohort = certificate.enrolment.cohort
    url = verification_url(certificate.code, base_url, language)
    with translation.override(language):
        issued = date_format(timezone.localtime(certificate.issued_at).date(), "DATE_FORMAT")
    context: dict[str, Any] = {
        "certificate": certificate, "organisation_name": cohort.course.partner.name,
        "holder_name": certificate.holder_name, "holder_is_arabic": is_arabic(certificate.holder_name),
        "course": pick(certificate.course_title, language), "hours": course_hours(certificate),
        "centre": cohort.centre.name if cohort.centre else "", "issued": issued,
        "skills": skill_names(certificate, language), "verification_url": url, "qr": qr_svg_data_uri(url),
    }
    return render_pdf("training/pdf/certificate.html", context, language=language)


def _urn(base_url: str, kind: str, key: Any) -> str:
    """A stable URN for things without a public page of their own (a course, a partner)."""
    name = "{}/{}/{}".format(base_url.rstrip("/"), kind, key)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_list_url(code: str, base_url: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("verify:status", args=[code])
    return base_url.rstrip("/") + path


def issuer_profile(certificate: Certificate, base_url: str) -> dict[str, Any]:
    partner = certificate.enrolment.cohort.course.partner
    return {"id": _urn(base_url, "organisations", partner.pk), "type": ["Profile"], "name": partner.name,
            "url": base_url.rstrip("/") + "/"}


def open_badge(certificate: Certificate, base_url: str) -> dict[str, Any]:
    """The certificate as an Open Badges 3.0 OpenBadgeCredential (JSON-LD), with nothing private in it:
    the holder's name as printed, the course, the issuing partner and the dates. Its `id` is the public
    verification address; `credentialStatus` points to a 1EdTech revocation list for it."""
    course = certificate.enrolment.cohort.course
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    title = pick(certificate.course_title, language) or course.code
    hours = course_hours(certificate)
    rule = _("Attend at least %(percent)s%% of the sessions held") % {"percent": course.min_attendance_percent}
    if course.requires_assessments and course.modules.filter(has_assessment=True).exists():
        rule += _(" and pass every assessed module")
    narrative = rule + "."
    description = pick(course.description, language) or (
        _("Completion of the course %(course)s (%(hours)s hours) run by %(partner)s.")
        % {"course": title, "hours": hours, "partner": course.partner.name})
    achievement: dict[str, Any] = {
        "id": _urn(base_url, "courses", course.pk), "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion", "name": title, "description": description,
        "criteria": {"narrative": narrative}, "inLanguage": language,
    }
    skills = skill_names(certificate, language)
    if skills:
        achievement["tag"] = skills
    badge: dict[str, Any] = {
        "@context": list(OB_CONTEXT),
        "id": verification_url(certificate.code, base_url),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(certificate, base_url),
        "validFrom": _iso(certificate.issued_at),
        "awardedDate": _iso(certificate.issued_at),
        "name": title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": certificate.holder_name}],
            "achievement": achievement,
        },
        "credentialStatus": {"id": status_list_url(certificate.code, base_url), "type": "1EdTechRevocationList"},
    }
    if certificate.revoked_at is not None:
        # Verifiers that ignore the status list still see that it ended; the reason is internal.
        badge["validUntil"] = _iso(certificate.revoked_at)
        badge["description"] = _("Revoked on %(date)s. This certificate is no longer valid.") % {
            "date": timezone.localtime(certificate.revoked_at).date().isoformat()}
    return badge


def revocation_list(certificate: Certificate, base_url: str) -> dict[str, Any]:
    """The 1EdTech revocation list a credential's status points to: this credential, if revoked (no reason)."""
    revoked = [{"id": verification_url(certificate.code, base_url)}] if certificate.revoked_at else []
    return {"id": status_list_url(certificate.code, base_url),
            "issuer": issuer_profile(certificate, base_url)["id"], "revokedCredentials": revoked}
