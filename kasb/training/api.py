"""/api/v1/training: cohorts, enrolments, rosters (attendance and transport stipends), completion and
certificates for staff; a learner's own courses and certificates.

Thin, with the web pages' permissions: every write is a call to training.services, every read goes through
the caller's scope (queries.cohorts_for, certificates_visible_to). A missing capability is 403; a cohort,
session, enrolment or certificate outside the caller's scope is 404, as if it did not exist. Client and
employer API keys hold none of these capabilities and are no learners, so they get 403 or 404 everywhere.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import field_validator

from kasb.accounts.models import User
from kasb.core.errors import NotFound, PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Cap, Principal, require
from kasb.core.translated import pick
from kasb.participants.queries import participants_visible_to
from kasb.payments.api import MoneyOut, money_out

from .models import Assessment, Attendance, Certificate, Cohort, Enrolment, Modality, Session, TestAttempt
from .queries import cohorts_for
from .services import attendance as attendance_services
from .services import certificates as certificate_services
from .services.attendance import ON_ROSTER, RosterResult
from .services.enrolment import move_enrolment, offer_place

router = Router(tags=["training"])

MAX_ID = 2**63 - 1
S = Enrolment.Status
GONE = (S.DROPPED, S.NO_SHOW)
SHOWN_TO_LEARNER = (S.OFFERED, S.ACCEPTED, S.ACTIVE, S.COMPLETED, S.DROPPED)


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


class TrainingError(Schema):
    code: str
    message: str
    field: str | None = None
    details: Any = None


ERRORS: dict[int, Any] = {403: TrainingError, 404: TrainingError, 409: TrainingError, 422: TrainingError}


class _In(Schema):
    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        # A NUL cannot be in any stored value, and PostgreSQL refuses it in a query.
        return value.replace("\x00", "").strip() if isinstance(value, str) else value


# --- scope -----------------------------------------------------------------------------------------------

def _visible_cohorts(principal: Principal) -> QuerySet[Cohort]:
    """Cohorts the caller trains, coordinates or manages (as the web's cohort pages); 403 with neither capability."""
    for cap in (Cap.TAKE_ATTENDANCE, Cap.MANAGE_COHORTS):
        if principal.can(cap):
            return cohorts_for(principal, cap)
    raise PermissionDenied(_("You do not have permission to do this."))


def _mine(principal: Principal) -> Q:
    """A learner's own enrolments: as a participant, and as a member of staff being trained."""
    mine = Q(pk__in=[])
    if principal.participant_id:
        mine |= Q(participant_id=principal.participant_id)
    if principal.user is not None and principal.is_staff_role:
        mine |= Q(staff_id=principal.user.pk)
    return mine


def _is_learner(principal: Principal) -> bool:
    return bool(principal.participant_id) or (principal.user is not None and principal.is_staff_role)


def _count(qs: QuerySet[Any], by: str = "cohort") -> Coalesce:
    """A correlated COUNT(*) (no row multiplication from joining several lists)."""
    return Coalesce(Subquery(qs.filter(**{by: OuterRef("pk")}).order_by().values(by)
                             .annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


def _share(present: int, marked: int) -> int | None:
    return round(100 * present / marked) if marked else None


# --- cohorts ---------------------------------------------------------------------------------------------

class CourseBriefOut(Schema):
    id: int
    code: str
    title: str
    modality: str
    min_attendance_percent: int


class CentreBriefOut(Schema):
    id: int
    name: str


class TrainerOut(Schema):
    id: int
    full_name: str


def _course(cohort: Cohort) -> CourseBriefOut:
    course = cohort.course
    return CourseBriefOut(id=course.pk, code=course.code, title=pick(course.title) or course.code,
                          modality=course.modality, min_attendance_percent=course.min_attendance_percent)


class CohortOut(Schema):
    id: int
    name: str
    programme_id: int
    course: CourseBriefOut
    centre: CentreBriefOut | None = Field(..., description="Null for an online cohort")
    starts_on: date
    ends_on: date
    capacity: int
    taken: int = Field(..., description="Places held: offered, accepted, active or completed")
    at_risk: int = Field(..., alias="at_risk_count", description="Learners flagged at risk of dropping out")
    session_count: int
    transport: MoneyOut | None = Field(..., description="Transport stipend per attended in-person session")
    trainers: list[TrainerOut]
    is_active: bool

    @staticmethod
    def resolve_course(obj: Cohort) -> CourseBriefOut:
        return _course(obj)

    @staticmethod
    def resolve_centre(obj: Cohort) -> CentreBriefOut | None:
        return CentreBriefOut(id=obj.centre.pk, name=obj.centre.name) if obj.centre else None

    @staticmethod
    def resolve_transport(obj: Cohort) -> MoneyOut | None:
        return money_out(obj.transport) if obj.transport_rate else None

    @staticmethod
    def resolve_trainers(obj: Cohort) -> list[TrainerOut]:
        return [TrainerOut(id=u.pk, full_name=u.full_name) for u in obj.trainers.all()]


class CohortFilter(Schema):
    when: Literal["current", "past"] | None = Field(None, description="current: not ended yet; past: ended")
    centre_id: int | None = Field(None, ge=1, le=MAX_ID)
    course_id: int | None = Field(None, ge=1, le=MAX_ID)


def _cohorts(ids: Any) -> QuerySet[Cohort]:
    trainers = Prefetch("trainers", queryset=User.objects.order_by("full_name", "pk"))
    return (Cohort.objects.filter(pk__in=ids).select_related("course", "centre", "programme")
            .prefetch_related(trainers)
            .annotate(taken=_count(Enrolment.objects.exclude(status__in=GONE)),
                      at_risk_count=_count(Enrolment.objects.filter(at_risk=True, status__in=ON_ROSTER)),
                      session_count=_count(Session.objects.all())))


@router.get("/cohorts", response={200: list[CohortOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_cohorts(request: HttpRequest, filters: Query[CohortFilter]):  # type: ignore[no-untyped-def]
    """Cohorts you train, coordinate or manage, newest first (`when=current` soonest first)."""
    cohorts = _cohorts(_visible_cohorts(_principal(request)).values("pk"))
    today = timezone.localdate()
    if filters.centre_id:
        cohorts = cohorts.filter(centre_id=filters.centre_id)
    if filters.course_id:
        cohorts = cohorts.filter(course_id=filters.course_id)
    if filters.when == "current":
        return cohorts.filter(ends_on__gte=today).order_by("starts_on", "name", "pk")
    if filters.when == "past":
        return cohorts.filter(ends_on__lt=today).order_by("-ends_on", "name", "pk")
    return cohorts.order_by("-starts_on", "name", "pk")


class SessionOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    modality: str
    topic: str
    module: str | None
    present: int = Field(..., alias="present_count")
    marked: int = Field(..., description="Learners whose attendance was taken")

    @staticmethod
    def resolve_module(obj: Session) -> str | None:
        return pick(obj.module.title) if obj.module else None


class LearnerOut(Schema):
    kind: Literal["participant", "staff"]
    reference: str | None = Field(..., description="The participant's reference; null for staff")
    name: str


def _learner(enrolment: Enrolment) -> LearnerOut:
    if enrolment.participant_id:
        assert enrolment.participant is not None
        return LearnerOut(kind="participant", reference=enrolment.participant.reference,
                          name=enrolment.participant.full_name)
    return LearnerOut(kind="staff", reference=None, name=enrolment.staff.full_name if enrolment.staff else "")


class EnrolmentOut(Schema):
    id: int
    cohort_id: int
    learner: LearnerOut
    status: str
    status_label: str
    dropout_reason: str
    at_risk: bool
    present: int = Field(..., description="Sessions attended")
    marked: int = Field(..., description="Sessions whose attendance was taken")
    attendance_percent: int | None = Field(..., description="present / marked, in whole percent")


def _enrolment_out(enrolment: Enrolment, present: int | None = None, marked: int | None = None) -> EnrolmentOut:
    if present is None or marked is None:
        counts = Attendance.objects.filter(enrolment=enrolment).aggregate(
            present=Count("pk", filter=Q(present=True)), marked=Count("pk"))
        present, marked = counts["present"], counts["marked"]
    return EnrolmentOut(id=enrolment.pk, cohort_id=enrolment.cohort_id, learner=_learner(enrolment),
                        status=enrolment.status, status_label=str(S(enrolment.status).label),
                        dropout_reason=enrolment.dropout_reason, at_risk=enrolment.at_risk, present=present,
                        marked=marked, attendance_percent=_share(present, marked))


class CohortDetailOut(CohortOut):
    sessions: list[SessionOut] = Field(..., alias="sessions_list")
    enrolments: list[EnrolmentOut] = Field(..., alias="enrolment_list")


def _cohort_in(principal: Principal, cohort_id: int, visible: QuerySet[Cohort] | None = None) -> Cohort:
    ids = (visible if visible is not None else _visible_cohorts(principal)).values("pk")
    cohort = _cohorts(ids).filter(pk=cohort_id).first()
    if cohort is None:
        raise NotFound(_("No such cohort."))
    return cohort


def _detail(cohort: Cohort) -> Cohort:
    present = Count("attendance", filter=Q(attendance__present=True))
    cohort.sessions_list = list(cohort.sessions.select_related("module").annotate(  # type: ignore[attr-defined]
        present_count=present, marked=Count("attendance")).order_by("starts_at", "pk"))
    enrolments = cohort.enrolments.select_related("participant", "staff").annotate(
        present_count=present, marked=Count("attendance"))
    cohort.enrolment_list = [  # type: ignore[attr-defined]
        _enrolment_out(e, e.present_count, e.marked)  # type: ignore[attr-defined]
        for e in sorted(enrolments, key=lambda e: (e.status in GONE, e.learner_name.casefold(), e.pk))]
    return cohort


@router.get("/cohorts/{cohort_id}", response={200: CohortDetailOut, **ERRORS})
def get_cohort(request: HttpRequest, cohort_id: int = Path(..., ge=1, le=MAX_ID)) -> Cohort:
    """One cohort with its sessions (attendance counts) and its learners (status and attendance share)."""
    return _detail(_cohort_in(_principal(request), cohort_id))


class OfferIn(_In):
    participant_id: int | None = Field(None, ge=1, le=MAX_ID, description="The participant's id")
    reference: str | None = Field(None, max_length=20, description="Or their reference, e.g. P7K2M9QXA")
    reason: str = Field("", max_length=300, description="Why, for the enrolment's history")


@router.post("/cohorts/{cohort_id}/enrolments", response={201: EnrolmentOut, **ERRORS})
def offer(request: HttpRequest, payload: OfferIn, cohort_id: int = Path(..., ge=1, le=MAX_ID)
          ) -> Status[EnrolmentOut]:
    """Offer a registered participant a place: 201 and the enrolment (status `offered`); 409 `cohort_full` or
    `already_enrolled`."""
    principal = _principal(request)
    caps = [cap for cap in (Cap.MANAGE_COHORTS, Cap.SELECT_APPLICANTS) if principal.can(cap)]
    if not caps:
        raise PermissionDenied(_("You cannot enrol people in cohorts."))
    ids = Q(pk__in=cohorts_for(principal, caps[0]).values("pk"))
    if len(caps) > 1:
        ids |= Q(pk__in=cohorts_for(principal, caps[1]).values("pk"))
    cohort = Cohort.objects.select_related("course", "programme").filter(ids, pk=cohort_id).first()
    if cohort is None:
        raise NotFound(_("No such cohort."))
    if (payload.participant_id is None) == (not payload.reference):
        raise ValidationFailed(_("Give the participant's id or their reference."), field="participant_id")
    people = participants_visible_to(principal)
    person = (people.filter(pk=payload.participant_id) if payload.participant_id
              else people.filter(reference=(payload.reference or "").upper())).first()
    if person is None:
        raise NotFound(_("No such participant is registered with you."),
                       field="participant_id" if payload.participant_id else "reference")
    enrolment = offer_place(actor=principal, cohort=cohort, participant=person, reason=payload.reason)
    return Status(201, _enrolment_out(enrolment, 0, 0))


# Literals rather than the model's enums: enums become OpenAPI components by class name, and other apps
# have a "Status" too.
EnrolmentStatusValue = Literal["offered", "accepted", "active", "completed", "dropped", "no_show"]
DropoutReasonValue = Literal["transport", "care", "work", "connectivity", "moved", "health", "other"]


class MoveIn(_In):
    to: EnrolmentStatusValue = Field(..., description="accepted, active, dropped or no_show (completing is /complete)")
    reason: str = Field("", max_length=300)
    dropout_reason: DropoutReasonValue | Literal[""] = Field(
        "", description="Needed to drop out: transport, care, work, connectivity, moved, health or other")


@router.post("/enrolments/{enrolment_id}/moves", response={200: EnrolmentOut, **ERRORS})
def move(request: HttpRequest, payload: MoveIn, enrolment_id: int = Path(..., ge=1, le=MAX_ID)) -> EnrolmentOut:
    """Move an enrolment along offered → accepted → active → dropped / did not start, recording who and why.
    Staff move the enrolments of their cohorts; a learner accepts or declines their own offer."""
    principal = _principal(request)
    staff = principal.can(Cap.TAKE_ATTENDANCE) or principal.can(Cap.MANAGE_COHORTS)
    if not staff and not _is_learner(principal):
        raise PermissionDenied(_("You do not have permission to do this."))
    scope = _mine(principal)
    if staff:
        scope |= Q(cohort__in=_visible_cohorts(principal).values("pk"))
    enrolment = (Enrolment.objects.select_related("cohort", "participant", "staff").filter(scope, pk=enrolment_id)
                 .first())
    if enrolment is None:
        raise NotFound(_("No such enrolment."))
    moved = move_enrolment(actor=principal, enrolment=enrolment, to=payload.to, reason=payload.reason,
                           dropout_reason=payload.dropout_reason)
    return _enrolment_out(moved)


# --- attendance ------------------------------------------------------------------------------------------

class SessionBriefOut(Schema):
    id: int
    cohort_id: int
    starts_at: datetime
    ends_at: datetime
    modality: str
    topic: str


class RosterRowOut(Schema):
    enrolment_id: int
    learner: LearnerOut
    status: str
    present: bool = Field(..., description="As marked; before the first save everyone shows present")
    online: bool
    marked: bool = Field(..., description="Attendance was taken for this learner")
    transport: Literal["paid", "unpaid"] | None = Field(..., description="The transport stipend for this session")


class RosterOut(Schema):
    session: SessionBriefOut
    saved: bool = Field(..., description="Attendance has been taken at least once")
    transport: MoneyOut | None = Field(..., description="Stipend per learner present in person")
    rows: list[RosterRowOut]


def _session(principal: Principal, session_id: int) -> Session:
    require(principal, Cap.TAKE_ATTENDANCE)
    session = (Session.objects.select_related("cohort", "cohort__course", "cohort__centre", "cohort__programme")
               .filter(pk=session_id, cohort__in=cohorts_for(principal, Cap.TAKE_ATTENDANCE).values("pk")).first())
    if session is None:
        raise NotFound(_("No such session."))
    return session


def _roster(session: Session) -> RosterOut:
    marks = {a.enrolment_id: a for a in Attendance.objects.filter(session=session)}
    cohort = session.cohort
    rows = []
    for e in attendance_services.roster_of(session):
        mark = marks.get(e.pk)
        present = mark.present if mark else True
        online = mark.online if mark else session.modality == Modality.ONLINE
        transport: Literal["paid", "unpaid"] | None = None
        if mark and present and not online and e.participant_id and session.modality != Modality.ONLINE \
                and cohort.transport_rate:
            transport = "paid" if mark.stipend_transaction_id else "unpaid"
        rows.append(RosterRowOut(enrolment_id=e.pk, learner=_learner(e), status=e.status, present=present,
                                 online=online, marked=mark is not None, transport=transport))
    return RosterOut(session=SessionBriefOut(id=session.pk, cohort_id=session.cohort_id, starts_at=session.starts_at,
                                             ends_at=session.ends_at, modality=session.modality, topic=session.topic),
                     saved=bool(marks), transport=money_out(cohort.transport) if cohort.transport_rate else None,
                     rows=rows)


@router.get("/sessions/{session_id}/attendance", response={200: RosterOut, **ERRORS})
def get_attendance(request: HttpRequest, session_id: int = Path(..., ge=1, le=MAX_ID)) -> RosterOut:
    """A session's roster: everyone accepted or active, present or absent, and their transport stipend."""
    return _roster(_session(_principal(request), session_id))


class RosterIn(Schema):
    present: list[int] = Field(..., max_length=5000, description="Enrolment ids present (in person or online)")
    online: list[int] = Field([], max_length=5000, description="Enrolment ids who joined online (no stipend)")

    @field_validator("present", "online")
    @classmethod
    def _ids(cls, value: list[int]) -> list[int]:
        if any(not 1 <= v <= MAX_ID for v in value):
            raise ValueError("ids are positive whole numbers")
        return value


class LearnerNoteOut(Schema):
    enrolment_id: int
    name: str
    reason: str = ""


class RosterSavedOut(Schema):
    present: int
    absent: int
    paid: list[LearnerNoteOut] = Field(..., description="Stipends paid by this save (none when saved again)")
    paid_total: MoneyOut | None
    unpaid: list[LearnerNoteOut] = Field(..., description="Stipends that could not be paid, and why; saving again "
                                                          "after the fund is topped up pays them")
    reversed: list[LearnerNoteOut] = Field(..., description="Stipends taken back (marked absent or online)")
    not_reversed: list[LearnerNoteOut]
    started: list[LearnerNoteOut] = Field(..., description="Accepted learners who became active")
    flagged: list[LearnerNoteOut] = Field(..., description="Newly at risk of dropping out")
    roster: RosterOut


def _notes(enrolments: list[Enrolment]) -> list[LearnerNoteOut]:
    return [LearnerNoteOut(enrolment_id=e.pk, name=e.learner_name) for e in enrolments]


def _saved(result: RosterResult, session: Session) -> RosterSavedOut:
    total: Money | None = result.paid_total
    return RosterSavedOut(
        present=result.present, absent=result.absent, paid=_notes(result.paid),
        paid_total=money_out(total) if total is not None else None,
        unpaid=[LearnerNoteOut(enrolment_id=e.pk, name=e.learner_name, reason=r) for e, r in result.unpaid],
        reversed=_notes(result.reversed),
        not_reversed=[LearnerNoteOut(enrolment_id=e.pk, name=e.learner_name, reason=r) for e, r in result.not_reversed],
        started=_notes(result.started), flagged=_notes(result.flagged), roster=_roster(session))


@router.put("/sessions/{session_id}/attendance", response={200: RosterSavedOut, **ERRORS})
def save_attendance(request: HttpRequest, payload: RosterIn, session_id: int = Path(..., ge=1, le=MAX_ID)
                    ) -> RosterSavedOut:
    """Save the whole roster: the ids in `present` (or `online`) are present, everyone else on it absent.
    Safe to send again: attendance is marked once and each stipend paid once."""
    principal = _principal(request)
    session = _session(principal, session_id)
    result = attendance_services.save_roster(actor=principal, session=session, present_ids=payload.present,
                                             online_ids=payload.online)
    return _saved(result, session)


# --- completion and certificates -------------------------------------------------------------------------

class CertificateOut(Schema):
    code: str
    holder_name: str
    course: str
    course_code: str
    cohort_id: int
    cohort_name: str
    centre: str | None
    organisation: str = Field(..., description="The implementing partner that issued it")
    issued_at: datetime
    revoked: bool
    revoked_at: datetime | None
    revoked_reason: str | None = Field(..., description="Why; only for staff of the issuing organisation")
    verify_url: str = Field(..., description="The public verification page (also in the QR code)")
    badge_url: str = Field(..., description="This API's Open Badges 3.0 credential of it")

    @staticmethod
    def resolve_course(obj: Certificate) -> str:
        return pick(obj.course_title) or obj.enrolment.cohort.course.code

    @staticmethod
    def resolve_course_code(obj: Certificate) -> str:
        return obj.enrolment.cohort.course.code

    @staticmethod
    def resolve_cohort_id(obj: Certificate) -> int:
        return obj.enrolment.cohort_id

    @staticmethod
    def resolve_cohort_name(obj: Certificate) -> str:
        return obj.enrolment.cohort.name

    @staticmethod
    def resolve_centre(obj: Certificate) -> str | None:
        centre = obj.enrolment.cohort.centre
        return centre.name if centre else None

    @staticmethod
    def resolve_organisation(obj: Certificate) -> str:
        return obj.enrolment.cohort.course.partner.name

    @staticmethod
    def resolve_revoked(obj: Certificate) -> bool:
        return obj.revoked_at is not None

    @staticmethod
    def resolve_revoked_reason(obj: Certificate, context: Any) -> str | None:
        principal = _principal(context["request"])
        staff = principal.can(Cap.ISSUE_CERTIFICATES) and not certificate_services.is_holder(principal, obj)
        return obj.revoked_reason if staff else None

    @staticmethod
    def resolve_verify_url(obj: Certificate, context: Any) -> str:
        return certificate_services.verification_url(obj.code, _base_url(context["request"]), get_language())

    @staticmethod
    def resolve_badge_url(obj: Certificate, context: Any) -> str:
        return f"{_base_url(context['request'])}/api/v1/training/certificates/{obj.code}/badge"


def _loaded(principal: Principal, certificate: Certificate) -> Certificate:
    """The certificate with what CertificateOut reads, in one query."""
    return certificate_services.certificates_visible_to(principal).get(pk=certificate.pk)


@router.post("/enrolments/{enrolment_id}/complete", response={200: CertificateOut, 201: CertificateOut, **ERRORS})
def complete(request: HttpRequest, enrolment_id: int = Path(..., ge=1, le=MAX_ID)) -> Status[Certificate]:
    """Complete an enrolment whose course rule is met and issue its certificate (201); if it was issued before,
    the same certificate (200). 409 `completion_rule_not_met` with `details.reasons` when the rule is not met."""
    principal = _principal(request)
    require(principal, Cap.ISSUE_CERTIFICATES)
    enrolment = (Enrolment.objects.select_related("cohort", "participant", "staff")
                 .filter(pk=enrolment_id, cohort__in=cohorts_for(principal, Cap.ISSUE_CERTIFICATES).values("pk"))
                 .first())
    if enrolment is None:
        raise NotFound(_("No such enrolment."))
    existed = Certificate.objects.filter(enrolment=enrolment).exists()
    certificate = certificate_services.complete_enrolment(actor=principal, enrolment=enrolment)
    return Status(200 if existed else 201, _loaded(principal, certificate))


def _may_see_certificates(principal: Principal) -> None:
    if not (_is_learner(principal) or principal.can(Cap.ISSUE_CERTIFICATES)):
        raise PermissionDenied(_("Only learners and the staff who issue certificates have certificates here."))


class CertificateFilter(Schema):
    mine: bool = Field(False, description="Only your own certificates")
    cohort_id: int | None = Field(None, ge=1, le=MAX_ID)
    state: Literal["valid", "revoked"] | None = None


@router.get("/certificates", response={200: list[CertificateOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_certificates(request: HttpRequest, filters: Query[CertificateFilter]):  # type: ignore[no-untyped-def]
    """Your own certificates, and (for staff who issue them) those of the cohorts in your scope; newest first."""
    principal = _principal(request)
    _may_see_certificates(principal)
    qs = (certificate_services.own_certificates(principal) if filters.mine
          else certificate_services.certificates_visible_to(principal).order_by("-issued_at", "-pk"))
    if filters.cohort_id:
        qs = qs.filter(enrolment__cohort_id=filters.cohort_id)
    if filters.state == "valid":
        qs = qs.filter(revoked_at__isnull=True)
    elif filters.state == "revoked":
        qs = qs.filter(revoked_at__isnull=False)
    return qs


CODE = Path(..., max_length=40, description="e.g. K7Q3-M9PX-2HNA-5TRE (any case, dashes optional)")


def _certificate(principal: Principal, code: str) -> Certificate:
    _may_see_certificates(principal)
    normalised = certificate_services.normalise_code(code)
    found = certificate_services.certificates_visible_to(principal).filter(code=normalised).first() \
        if normalised else None
    if found is None:
        raise NotFound(_("No such certificate."))
    return found


@router.get("/certificates/{code}/badge", response={200: dict[str, Any], **ERRORS})
def certificate_badge(request: HttpRequest, code: str = CODE) -> dict[str, Any]:
    """The certificate as an Open Badges 3.0 OpenBadgeCredential (JSON-LD) to keep in a wallet or show an
    employer. Its `id` is the public verification page; nothing private is in it."""
    certificate = _certificate(_principal(request), code)
    return certificate_services.open_badge(certificate, _base_url(request))


class RevokeIn(_In):
    reason: str = Field(..., min_length=1, max_length=300, description="Kept inside your organisation")


@router.post("/certificates/{code}/revoke", response={200: CertificateOut, **ERRORS})
def revoke(request: HttpRequest, payload: RevokeIn, code: str = CODE) -> Certificate:
    """Revoke a certificate (a programme manager of the issuing partner): its verification page then says so and
    the skills it proved are withdrawn. Revoking again keeps the first revocation."""
    principal = _principal(request)
    require(principal, Cap.ISSUE_CERTIFICATES)
    certificate = _certificate(principal, code)
    certificate_services.revoke_certificate(actor=principal, certificate=certificate, reason=payload.reason)
    return _loaded(principal, certificate)


# --- a learner's own page ----------------------------------------------------------------------------------

class NextSessionOut(Schema):
    starts_at: datetime
    ends_at: datetime
    modality: str
    topic: str
    link: str = Field(..., description="The online link, for online and blended sessions")


class GradeOut(Schema):
    module: str
    score: int
    max_score: int
    passed: bool


class MyEnrolmentOut(Schema):
    id: int
    status: str
    status_label: str
    cohort_id: int
    cohort_name: str
    course: CourseBriefOut
    centre: str | None
    starts_on: date
    ends_on: date
    next_session: NextSessionOut | None
    present: int
    marked: int
    attendance_percent: int | None
    grades: list[GradeOut]


class MyCertificateOut(Schema):
    code: str
    course: str
    issued_at: datetime
    verify_url: str


class TestResultOut(Schema):
    test: str
    attempt: int
    submitted_at: datetime
    percent: int | None
    band: str | None
    meaning: str | None
    recommended_course: str | None


class MeOut(Schema):
    enrolments: list[MyEnrolmentOut] = Field(..., description="Offers, current and finished courses, newest first")
    certificates: list[MyCertificateOut]
    test_results: list[TestResultOut] = Field(..., description="Placement test attempts, newest first")


def _my_enrolments(principal: Principal) -> list[MyEnrolmentOut]:
    upcoming = Session.objects.filter(cohort=OuterRef("cohort"), ends_at__gte=timezone.now()).order_by("starts_at")
    enrolments = list(
        Enrolment.objects.filter(_mine(principal), status__in=SHOWN_TO_LEARNER)
        .select_related("cohort", "cohort__course", "cohort__centre")
        .annotate(next_session_id=Subquery(upcoming.values("pk")[:1]),
                  present_count=Count("attendance", filter=Q(attendance__present=True)), marked=Count("attendance"))
        .order_by("-created_at", "-pk")[:50])
    sessions = Session.objects.in_bulk([e.next_session_id for e in enrolments  # type: ignore[attr-defined]
                                        if e.next_session_id])  # type: ignore[attr-defined]
    grades: dict[int, list[GradeOut]] = {}
    for a in Assessment.objects.filter(enrolment__in=enrolments).select_related("module").order_by("module__order"):
        grades.setdefault(a.enrolment_id, []).append(GradeOut(module=pick(a.module.title), score=a.score,
                                                              max_score=a.max_score, passed=a.passed))
    out = []
    for e in enrolments:
        nxt = sessions.get(e.next_session_id)  # type: ignore[attr-defined]
        cohort = e.cohort
        out.append(MyEnrolmentOut(
            id=e.pk, status=e.status, status_label=str(S(e.status).label), cohort_id=cohort.pk,
            cohort_name=cohort.name, course=_course(cohort), centre=cohort.centre.name if cohort.centre else None,
            starts_on=cohort.starts_on, ends_on=cohort.ends_on,
            next_session=NextSessionOut(starts_at=nxt.starts_at, ends_at=nxt.ends_at, modality=nxt.modality,
                                        topic=nxt.topic, link=nxt.link) if nxt else None,
            present=e.present_count, marked=e.marked,  # type: ignore[attr-defined]
            attendance_percent=_share(e.present_count, e.marked),  # type: ignore[attr-defined]
            grades=grades.get(e.pk, [])))
    return out


def _test_results(principal: Principal) -> list[TestResultOut]:
    if not principal.participant_id:
        return []
    attempts = (TestAttempt.objects.filter(participant_id=principal.participant_id, submitted_at__isnull=False)
                .select_related("test", "band", "band__course").order_by("-submitted_at", "-pk")[:20])
    return [TestResultOut(test=pick(a.test.title), attempt=a.number, submitted_at=a.submitted_at,  # type: ignore[arg-type]
                          percent=a.percent, band=pick(a.band.label) if a.band else None,
                          meaning=pick(a.band.meaning) if a.band else None,
                          recommended_course=pick(a.band.course.title) if a.band and a.band.course else None)
            for a in attempts]


@router.get("/me", response={200: MeOut, **ERRORS})
def my_learning(request: HttpRequest) -> MeOut:
    """Your own courses (offers to answer, next session, attendance, grades), certificates and placement test
    results: for a signed-in participant, or a member of staff on a training-of-trainers cohort."""
    principal = _principal(request)
    if not _is_learner(principal):
        raise PermissionDenied(_("Only a signed-in learner has courses here."))
    base = _base_url(request)
    certificates = [MyCertificateOut(code=c.code, course=pick(c.course_title), issued_at=c.issued_at,
                                     verify_url=certificate_services.verification_url(c.code, base, get_language()))
                    for c in certificate_services.own_certificates(principal).filter(revoked_at__isnull=True)[:50]]
    return MeOut(enrolments=_my_enrolments(principal), certificates=certificates,
                 test_results=_test_results(principal))
