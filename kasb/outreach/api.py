"""/api/v1/outreach: open calls and applying without an account (public, rate-limited), an applicant's own
status by their private token, and for staff the scored list of a call's applications and the decisions on them.

Thin: every write is a call to outreach.services, every read goes through outreach.queries and the caller's
scope. Public answers are in the applicant's language (`?language=`, else Accept-Language) and count against
the same per-address limits as the public web pages, so a script gains nothing by using the API. A call or
application outside a member of staff's scope is 404; a missing capability is 403.
"""

import threading
from datetime import date, datetime
from typing import Any, Literal

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.throttling import BaseThrottle
from pydantic import field_validator

from kasb.core.errors import NotFound, ValidationFailed
from kasb.core.permissions import Cap, Principal, require
from kasb.core.ratelimit import client_ip, hit, limit_for
from kasb.core.translated import LANGUAGE_CODES, pick
from kasb.orgs.models import Organisation
from kasb.participants.vocab import WG_DOMAINS
from kasb.training.models import Course

from . import queries, services
from .models import Application, Call, Group
from .public_views import PAGE_LIMIT, SUBMIT_LIMIT, SUBMIT_WINDOW
from .queries import Ranked

router = Router(tags=["outreach"])

MAX_ID = 2**63 - 1
REFERENCE = r"^[0-9A-Za-z]{1,20}$"


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


class OutreachError(Schema):
    code: str
    message: str
    field: str | None = None
    details: Any = None


ERRORS: dict[int, Any] = {403: OutreachError, 404: OutreachError, 409: OutreachError, 422: OutreachError}
PUBLIC_ERRORS: dict[int, Any] = {404: OutreachError, 409: OutreachError, 422: OutreachError, 429: OutreachError}


class AddressThrottle(BaseThrottle):
    """kasb.core.ratelimit for ninja: each request to the operation counts against `scope` for the caller's
    address, in the same counters as the public web pages of that scope. Ninja checks throttles before it
    reads the body, so malformed requests count too. Over the limit, ninja raises Throttled, which the API
    answers as 429 `rate_limited` with Retry-After (kasb/api/urls.py)."""

    def __init__(self, scope: str, limit: int, window: int = 60) -> None:
        self.scope, self.limit, self.window = scope, limit, window
        self._last = threading.local()  # one instance serves every request: keep each thread's wait apart

    def allow_request(self, request: HttpRequest) -> bool:
        verdict = hit(self.scope, client_ip(request), limit=limit_for(self.scope, self.limit), window=self.window)
        self._last.retry_after = verdict.retry_after
        return verdict.allowed

    def wait(self) -> float | None:
        return getattr(self._last, "retry_after", None)


PAGES = AddressThrottle("apply", PAGE_LIMIT)
SUBMITS = AddressThrottle("apply-submit", SUBMIT_LIMIT, SUBMIT_WINDOW)


def language_of(asked: str | None) -> str:
    """`?language=` when it is one of Kasb's languages, else the request's (from Accept-Language)."""
    for code in ((asked or "").split("-")[0].lower(), (get_language() or "").split("-")[0]):
        if code in LANGUAGE_CODES:
            return code
    return str(settings.LANGUAGE_CODE)


def _private(response: HttpResponse) -> None:
    """Answers that carry an applicant's private token stay out of shared caches."""
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"


class _In(Schema):
    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        # A NUL cannot be in any stored value, and PostgreSQL refuses it in a query.
        return value.replace("\x00", "").strip() if isinstance(value, str) else value


# --- public: open calls ----------------------------------------------------------------------------

class CallCourseOut(Schema):
    id: int
    code: str
    title: str
    modality: str


class CallCentreOut(Schema):
    id: int
    name: str
    area: str | None = Field(..., description="ISO 3166-2 code of its governorate or region")


class OpenCallOut(Schema):
    slug: str = Field(..., description="Send applications to /outreach/calls/{slug}/applications")
    title: str
    description: str
    opens_on: date
    closes_on: date
    places: int
    min_age: int = Field(..., description="Youngest age accepted, counted on the closing date")
    max_age: int
    areas: list[str] = Field(..., description="Applicants must live in one of these (ISO 3166-2); empty: anywhere")
    courses: list[CallCourseOut]
    centres: list[CallCentreOut]
    test_required: bool = Field(..., description="Applicants take a placement test after applying")
    apply_url: str = Field(..., description="The public application page, for people rather than scripts")


class OpenCallPageOut(Schema):
    count: int
    items: list[OpenCallOut]


def _open_call(call: Call, language: str, base_url: str) -> OpenCallOut:
    return OpenCallOut(
        slug=call.slug, title=pick(call.title, language) or call.slug, description=pick(call.description, language),
        opens_on=call.opens_on, closes_on=call.closes_on, places=call.places, min_age=call.min_age,
        max_age=call.max_age, areas=[a.code for a in call.areas.all()],
        courses=[CallCourseOut(id=c.pk, code=c.code, title=pick(c.title, language) or c.code, modality=c.modality)
                 for c in call.courses.all()],
        centres=[CallCentreOut(id=c.pk, name=c.name, area=c.area.code if c.area else None)
                 for c in call.centres.all()],
        test_required=call.placement_test_id is not None,
        apply_url=f"{base_url.rstrip('/')}/{language}/apply/{call.slug}/")


@router.get("/calls", response={200: OpenCallPageOut, **PUBLIC_ERRORS}, auth=None, throttle=[PAGES])
def open_calls(request: HttpRequest, language: str | None = Query(None, max_length=10, description="e.g. ar"),
               limit: int = Query(50, ge=1, le=100), offset: int = Query(0, ge=0, le=10**9)) -> OpenCallPageOut:
    """Calls taking applications today, closing soonest first. No sign-in; rate-limited per address."""
    lang = language_of(language)
    calls = queries.open_calls().prefetch_related(
        "areas", Prefetch("courses", queryset=Course.objects.filter(is_active=True).order_by("code")),
        Prefetch("centres", queryset=Organisation.objects.filter(is_active=True).select_related("area")
                 .order_by("name")))
    base = request.build_absolute_uri("/")
    return OpenCallPageOut(count=calls.count(),
                           items=[_open_call(c, lang, base) for c in calls[offset:offset + limit]])


# --- public: applying ------------------------------------------------------------------------------

class ApplicationIn(_In):
    """The public form's answers. Every answer is checked by the service, so that each field's problem comes
    back in the applicant's language, all at once; values are therefore typed loosely here."""

    given_name: str | None = None
    family_name: str | None = None
    sex: str | None = Field(None, description="female or male")
    date_of_birth: str | None = Field(None, description="YYYY-MM-DD", examples=["2004-03-21"])
    phone: str | None = Field(None, description="With the country code, e.g. +962 79 123 4567")
    email: str | None = None
    nationality: str | None = Field(None, description="ISO 3166-1 alpha-2, e.g. SY")
    displacement_status: str | None = Field(None, description="refugee, asylum_seeker, host_community, idp, "
                                                              "returnee, migrant_worker or potential_migrant")
    area: str | None = Field(None, description="Where they live: ISO 3166-2 code (e.g. JO-IR) or name")
    education: str | None = None
    neet: bool | None = None
    female_headed_household: bool | None = None
    device_access: str | None = None
    connectivity: str | None = None
    preferred_centre: int | None = Field(None, description="One of the call's centres (id)")
    preferred_course: int | None = Field(None, description="One of the call's courses (id)")
    motivation: str | None = Field(None, description="Why they want to join (up to 2000 characters)")
    heard_via: str | None = Field(None, description="tv, radio, flyer, social_media, whatsapp, friend, centre, "
                                                    "ngo or other")
    disability: dict[str, Any] | None = Field(None, description="Washington Group answers 1-4 by domain: seeing, "
                                                                "hearing, walking, cognition, self_care, "
                                                                "communication")
    consent_registration: bool | None = Field(None, description="Must be true")
    consent_contact: bool | None = None
    consent_monitoring: bool | None = None


class ApplicationSubmittedOut(Schema):
    reference: str
    token: str = Field(..., description="The applicant's private key: keep it secret; it opens their status")
    status_url: str = Field(..., description="The applicant's status page (the link sent to them by SMS)")
    test_url: str | None = Field(..., description="Their placement test, when the call asks for one")


def _answers(payload: ApplicationIn) -> dict[str, Any]:
    data = payload.dict(exclude={"disability"})
    domains = {domain for domain, _label in WG_DOMAINS}
    for domain, answer in (payload.disability or {}).items():
        if domain not in domains:
            raise ValidationFailed(_("Some answers need correcting."), details={
                "disability": _("“%(value)s” is not one of: %(allowed)s.") % {
                    "value": domain, "allowed": ", ".join(sorted(domains))}})
        data[f"disability_{domain}"] = answer
    return data


@router.post("/calls/{call}/applications", response={201: ApplicationSubmittedOut, **PUBLIC_ERRORS}, auth=None,
             throttle=[PAGES, SUBMITS])
def submit_application(request: HttpRequest, response: HttpResponse, payload: ApplicationIn,
                       call: str = Path(..., max_length=80, description="The call's slug"),
                       language: str | None = Query(None, max_length=10)) -> Status[ApplicationSubmittedOut]:
    """Apply to an open call without an account: 201 with the reference and private links, 422 with every
    field's problem in the applicant's language, 409 `already_applied` (with only the earlier reference)."""
    lang = language_of(language)
    with override(lang):
        found = (Call.objects.select_related("programme", "programme__partner")
                 .filter(slug=call).exclude(status=Call.Status.DRAFT).first())
        if found is None:
            raise NotFound(_("No call has this address."))
        base = request.build_absolute_uri("/")
        application = services.submit_application(call=found, data=_answers(payload), language=lang, base_url=base)
    _private(response)
    return Status(201, ApplicationSubmittedOut(
        reference=application.reference, token=application.token,
        status_url=services.status_link(application, base), test_url=services.test_link(application, base) or None))


class CallBriefOut(Schema):
    slug: str
    title: str


class ApplicationStatusOut(Schema):
    reference: str
    call: CallBriefOut
    status: str = Field(..., description="submitted, selected, waitlisted, rejected, withdrawn or enrolled")
    status_label: str


@router.get("/applications/{token}", response={200: ApplicationStatusOut, **PUBLIC_ERRORS}, auth=None,
            throttle=[PAGES])
def application_status(request: HttpRequest, response: HttpResponse,
                       token: str = Path(..., max_length=64, description="The private token from applying"),
                       language: str | None = Query(None, max_length=10)) -> ApplicationStatusOut:
    """The applicant's own application: its reference, call and status, and nothing else."""
    _private(response)
    with override(language_of(language)):
        application = queries.application_by_token(token)
        if application is None:
            raise NotFound(_("This link is not valid. Use the link you were sent when you applied."))
        return ApplicationStatusOut(
            reference=application.reference,
            call=CallBriefOut(slug=application.call.slug, title=pick(application.call.title) or application.call.slug),
            status=application.status, status_label=str(Application.Status(application.status).label))


# --- staff: the scored list ------------------------------------------------------------------------

class MotivationPartOut(Schema):
    rating: int | None
    weight: int
    points: int
    max: int


class TestPartOut(Schema):
    required: bool
    percent: int | None
    attempts: int
    weight: int
    points: int
    max: int


class ProtectedAnswersOut(Schema):
    """Shown only to callers with the view-protected capability over the call; every answer is logged."""

    groups: list[str] = Field(..., description="Inclusion groups: women, refugees, minors, disability, ...")
    vulnerability: dict[str, int] = Field(..., description="Points per group, part of the score")
    problems: str = Field(..., description="Why not eligible (age, area), in words")
    date_of_birth: str | None = None
    phone: str | None = None
    email: str | None = None
    nationality: str | None = None
    displacement_status: str | None = None
    education: str | None = None
    neet: bool = False
    female_headed_household: bool = False
    device_access: str | None = None
    connectivity: str | None = None
    disability: dict[str, int] = {}


class ApplicationRowOut(Schema):
    reference: str
    status: str
    status_label: str
    rank: int | None = Field(..., description="Among eligible applications; null when not eligible")
    score: int | None
    eligible: bool
    motivation: MotivationPartOut
    test: TestPartOut
    given_name: str
    family_name: str
    sex: str
    area: str | None
    heard_via: str
    preferred_centre_id: int | None
    preferred_course_id: int | None
    submitted_at: datetime
    possible_duplicate: bool = Field(..., description="Another application has the same name and date of birth")
    decided_at: datetime | None
    decision_reason: str
    protected: ProtectedAnswersOut | None = None


class TargetOut(Schema):
    group: str
    label: str
    percent: int
    count: int
    needed: int
    share: int
    met: bool


class ApplicationPageOut(Schema):
    call_id: int
    places: int
    taken: int
    free: int
    targets: list[TargetOut]
    count: int
    items: list[ApplicationRowOut]


# Literal rather than Application.Status: enums become OpenAPI components by class name, and other apps
# have a "Status" too.
ApplicationStatusValue = Literal["submitted", "selected", "waitlisted", "rejected", "withdrawn", "enrolled"]


class ApplicationFilter(Schema):
    status: ApplicationStatusValue | None = None
    q: str | None = Field(None, max_length=100, description="Reference or part of a name")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10**9)

    @field_validator("q")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        return value.replace("\x00", "").strip() if value else value


def _staff_call(principal: Principal, key: str | int, cap: Cap) -> Call:
    """A call by id (or slug) that `principal` may act on with `cap`: 403 without it, 404 outside its scope."""
    require(principal, cap)
    calls = queries.calls_for(principal, cap)
    text = str(key)
    found = calls.filter(pk=int(text)).first() if text.isdigit() and len(text) < 19 else \
        calls.filter(slug=text[:80]).first()
    if found is None:
        raise NotFound(_("No such call."))
    return found


def _protected(row: Ranked) -> ProtectedAnswersOut:
    a: dict[str, Any] = row.application.answers or {}  # type: ignore[assignment]
    parts = row.score.parts
    return ProtectedAnswersOut(
        groups=sorted(row.groups), vulnerability=dict(parts["vulnerability"]),
        problems=services.problems_text(parts), date_of_birth=a.get("date_of_birth"), phone=a.get("phone"),
        email=a.get("email"), nationality=a.get("nationality"), displacement_status=a.get("displacement_status"),
        education=a.get("education"), neet=bool(a.get("neet")),
        female_headed_household=bool(a.get("female_headed_household")), device_access=a.get("device_access"),
        connectivity=a.get("connectivity"), disability=dict(a.get("disability") or {}))


def _row(row: Ranked, protected: bool) -> ApplicationRowOut:
    a = row.application
    parts = row.score.parts
    test = parts["test"]
    return ApplicationRowOut(
        reference=a.reference, status=a.status, status_label=str(Application.Status(a.status).label),
        rank=row.rank or None, score=row.score.total, eligible=row.score.eligible,
        motivation=MotivationPartOut(**parts["motivation"]),
        test=TestPartOut(required=test["required"], percent=test["percent"], attempts=test["attempts"],
                         weight=test["weight"], points=test["points"], max=test["max"]),
        given_name=a.given_name, family_name=a.family_name, sex=a.sex,
        area=a.area.code if a.area_id else None,  # type: ignore[union-attr]
        heard_via=a.heard_via, preferred_centre_id=a.preferred_centre_id, preferred_course_id=a.preferred_course_id,
        submitted_at=a.submitted_at, possible_duplicate=row.possible_duplicate, decided_at=a.decided_at,
        decision_reason=a.decision_reason, protected=_protected(row) if protected else None)


def _filtered(rows: list[Ranked], filters: ApplicationFilter) -> list[Ranked]:
    if filters.status:
        rows = [r for r in rows if r.application.status == filters.status]
    if filters.q:
        q = filters.q.casefold()
        rows = [r for r in rows if q == r.application.reference.casefold() or q in r.application.full_name.casefold()]
    return rows


def _targets(call: Call, rows: list[Ranked]) -> list[TargetOut]:
    labels = dict(Group.choices)
    return [TargetOut(group=t.group, label=str(labels.get(t.group, t.group)), percent=t.percent, count=t.count,
                      needed=t.needed, share=t.share, met=t.met) for t in queries.target_rows(call, rows)]


@router.get("/calls/{call}/applications", response={200: ApplicationPageOut, **ERRORS})
def list_applications(request: HttpRequest, filters: Query[ApplicationFilter],
                      call: str = Path(..., max_length=80, description="The call's id")) -> ApplicationPageOut:
    """A call's applications with their live scores, best first (the selection screen's list).

    Protected answers (groups, date of birth, phone, ...) are included only for callers who may see them over
    this call, and each such answer is logged."""
    principal = _principal(request)
    found = _staff_call(principal, call, Cap.SELECT_APPLICANTS)
    protected = queries.may_act_on_call(principal, Cap.VIEW_PROTECTED, found)
    rows = queries.ranked_applications(found)
    shown = _filtered(rows, filters)
    page = shown[filters.offset:filters.offset + filters.limit]
    if protected and page:
        services.log_protected_view(actor=principal, call=found, screen="api:applications")
    taken = sum(1 for r in rows if r.application.status in queries.TAKING_PLACES)
    return ApplicationPageOut(call_id=found.pk, places=found.places, taken=taken, free=max(0, found.places - taken),
                              targets=_targets(found, rows), count=len(shown),
                              items=[_row(r, protected) for r in page])


class DecisionHistoryOut(Schema):
    at: datetime
    actor: str | None = Field(..., description="Who decided; null for the applicant or the system")
    from_status: str
    to_status: str
    reason: str


class ApplicationDetailOut(ApplicationRowOut):
    motivation_text: str = Field(..., description="What the applicant wrote")
    history: list[DecisionHistoryOut]


def _application_row(call: Call, reference: str) -> Ranked:
    application = (Application.objects.select_related("call", "area").filter(call=call, reference=reference.upper())
                   .first())
    if application is None:
        raise NotFound(_("No such application in this call."))
    result = queries.score_application(application)
    twins = Application.objects.filter(call=call, name_dob_index=application.name_dob_index).count()
    # No rank here: ranking scores every application of the call; the list gives it.
    return Ranked(application=application, score=result, groups=frozenset(result.parts["groups"]),
                  possible_duplicate=twins > 1)


@router.get("/calls/{call_id}/applications/{reference}", response={200: ApplicationDetailOut, **ERRORS})
def get_application(request: HttpRequest, call_id: int = Path(..., ge=1, le=MAX_ID),
                    reference: str = Path(..., pattern=REFERENCE)) -> ApplicationDetailOut:
    """One application: its score and why, what the applicant wrote, and every decision on it (`rank` is null
    here; the list gives it)."""
    principal = _principal(request)
    found = _staff_call(principal, call_id, Cap.SELECT_APPLICANTS)
    row = _application_row(found, reference)
    protected = queries.may_act_on_call(principal, Cap.VIEW_PROTECTED, found)
    if protected:
        services.log_protected_view(actor=principal, call=found, application=row.application,
                                    screen="api:application")
    base = _row(row, protected)
    history = [DecisionHistoryOut(at=h.at, actor=h.actor.full_name if h.actor else None, from_status=h.from_status,
                                  to_status=h.to_status, reason=h.reason)
               for h in row.application.history.select_related("actor")]
    return ApplicationDetailOut(**base.dict(), motivation_text=str(row.application.motivation or ""),
                                history=history)


# --- staff: decisions --------------------------------------------------------------------------------

class DecisionIn(_In):
    decision: Literal["select", "waitlist", "reject", "withdraw"]
    reason: str = Field("", max_length=300, description="Why; required to reject or withdraw. Kept on record.")


class RatingIn(Schema):
    rating: int = Field(..., ge=0, le=5, description="The coordinator's rating of the motivation, 0-5")


class DecisionOut(Schema):
    reference: str
    status: str
    status_label: str
    score: int | None
    motivation_rating: int | None
    decided_at: datetime | None
    decision_reason: str
    places: int
    taken: int


def _decision_out(call: Call, application: Application) -> DecisionOut:
    application.refresh_from_db()
    taken = queries.taken_places(call)
    return DecisionOut(reference=application.reference, status=application.status,
                       status_label=str(Application.Status(application.status).label), score=application.score,
                       motivation_rating=application.motivation_rating, decided_at=application.decided_at,
                       decision_reason=application.decision_reason, places=call.places, taken=taken)


def _decidable(principal: Principal, call_id: int, reference: str) -> tuple[Call, Application]:
    found = _staff_call(principal, call_id, Cap.SELECT_APPLICANTS)
    application = Application.objects.select_related("call").filter(call=found, reference=reference.upper()).first()
    if application is None:
        raise NotFound(_("No such application in this call."))
    return found, application


@router.post("/calls/{call_id}/applications/{reference}/decisions", response={200: DecisionOut, **ERRORS})
def decide(request: HttpRequest, payload: DecisionIn, call_id: int = Path(..., ge=1, le=MAX_ID),
           reference: str = Path(..., pattern=REFERENCE)) -> DecisionOut:
    """Select, put on the waiting list, reject (with a reason; the applicant is told kindly) or record a withdrawal.

    409 `call_full` when every place is taken, `invalid_move` for a move the state machine does not allow;
    422 `not_eligible` to select someone outside the call's rules."""
    principal = _principal(request)
    found, application = _decidable(principal, call_id, reference)
    base = request.build_absolute_uri("/")
    if payload.decision == "select":
        services.select_application(actor=principal, application=application, reason=payload.reason)
    elif payload.decision == "waitlist":
        services.waitlist_application(actor=principal, application=application, reason=payload.reason)
    elif payload.decision == "reject":
        services.reject_application(actor=principal, application=application, reason=payload.reason, base_url=base)
    else:
        services.withdraw_application(actor=principal, application=application, reason=payload.reason,
                                      base_url=base)
    return _decision_out(found, application)


@router.post("/calls/{call_id}/applications/{reference}/rating", response={200: DecisionOut, **ERRORS})
def rate(request: HttpRequest, payload: RatingIn, call_id: int = Path(..., ge=1, le=MAX_ID),
         reference: str = Path(..., pattern=REFERENCE)) -> DecisionOut:
    """Rate what the applicant wrote (0-5); the score follows."""
    principal = _principal(request)
    found, application = _decidable(principal, call_id, reference)
    services.rate_motivation(actor=principal, application=application, rating=payload.rating)
    return _decision_out(found, application)

