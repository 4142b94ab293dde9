"""/api/v1/careers: employers' opportunities and the applications sent to them; the partner's events,
placements and referrals.

Thin: every write is a call to kasb.careers.services, every read goes through kasb.careers.queries. An employer's
API key (or member) sees its own opportunities and the applications sent to them — each as the CV the participant
chose to send, never the registry. Missing capability: 403; something outside the caller's scope: 404.
"""

from datetime import date, datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import field_validator

from kasb.core.errors import NotFound, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Cap, Principal, require
from kasb.orgs.models import Organisation

from . import queries
from .models import CareerApplication, Event, Opportunity, OpportunityKind, PayPeriod, Placement, Referral
from .services import applications as application_services
from .services import events as event_services
from .services import opportunities as opportunity_services
from .services import referrals as referral_services

router = Router(tags=["careers"])
MAX_ID = 2**63 - 1


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


class CareersError(Schema):
    code: str
    message: str
    field: str | None = None
    details: Any = None


ERRORS: dict[int, Any] = {401: CareersError, 403: CareersError, 404: CareersError, 409: CareersError,
                          422: CareersError}


class _In(Schema):
    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        return value.replace("\x00", "").strip() if isinstance(value, str) else value


class MoneyOut(Schema):
    amount: str = Field(..., description="Decimal, with the currency's own decimals, e.g. \"250.000\"")
    currency: str
    minor: int


def _money(minor: int | None, currency: str) -> MoneyOut | None:
    if not minor:
        return None
    money = Money(minor, currency)
    return MoneyOut(amount=money.plain(), currency=money.currency, minor=money.minor)


# --- opportunities -------------------------------------------------------------------------------------------

class OpportunityIn(_In):
    employer_id: int | None = Field(None, ge=1, le=MAX_ID, description="Needed only if you manage several employers")
    kind: OpportunityKind
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=4000)
    skills: list[str] = Field(default_factory=list, max_length=30, description="Skill codes, e.g. data-entry")
    area: str | None = Field(None, max_length=8, description="ISO 3166-2 code, e.g. JO-IR; omit for remote work")
    remote: bool = False
    pay: str | None = Field(None, max_length=20, description="Decimal amount, e.g. \"250.000\"")
    pay_currency: str = Field("", max_length=3)
    pay_period: PayPeriod | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    apply_by: date | None = None
    how_to_apply: str = Field("", max_length=1000)


class OpportunityPatch(_In):
    kind: OpportunityKind | None = None
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=4000)
    skills: list[str] | None = Field(None, max_length=30)
    area: str | None = Field(None, max_length=8)
    remote: bool | None = None
    pay: str | None = Field(None, max_length=20)
    pay_currency: str | None = Field(None, max_length=3)
    pay_period: PayPeriod | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    apply_by: date | None = None
    how_to_apply: str | None = Field(None, max_length=1000)
    status: Opportunity.Status | None = None


class OpportunityOut(Schema):
    id: int
    employer_id: int
    employer: str
    kind: str
    title: str
    description: str
    skills: list[str]
    area: str | None
    remote: bool
    pay: MoneyOut | None
    pay_period: str
    starts_on: date | None
    ends_on: date | None
    apply_by: date | None
    how_to_apply: str
    status: str
    created_at: datetime


def _opportunity_out(o: Opportunity) -> OpportunityOut:
    return OpportunityOut(id=o.pk, employer_id=o.employer_id, employer=o.employer.name, kind=o.kind, title=o.title,
                          description=o.description, skills=sorted(s.code for s in o.required_skills.all()),
                          area=o.area.code if o.area else None, remote=o.remote,
                          pay=_money(o.pay_minor, o.pay_currency), pay_period=o.pay_period,
                          starts_on=o.starts_on, ends_on=o.ends_on, apply_by=o.apply_by,
                          how_to_apply=o.how_to_apply, status=o.status, created_at=o.created_at)


class OpportunityPage(Schema):
    items: list[OpportunityOut]
    count: int


def _employer_for(principal: Principal, employer_id: int | None) -> Organisation:
    employers = queries.employers_managed_by(principal)
    if employer_id is not None:
        found = employers.filter(pk=employer_id).first()
        if found is None:
            raise NotFound(_("No such employer."), field="employer_id")
        return found
    only = list(employers[:2])
    if len(only) != 1:
        raise ValidationFailed(_("Say which employer the opportunity is for."), field="employer_id",
                               code="employer_required")
    return only[0]


@router.get("/opportunities", response={200: OpportunityPage, **ERRORS})
def list_opportunities(request: HttpRequest, status: Opportunity.Status | None = None,
                       limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9)) -> dict[str, Any]:
    """Opportunities of the employers you manage, newest first."""
    principal = _principal(request)
    require(principal, Cap.MANAGE_OPPORTUNITIES)
    qs = queries.opportunities_managed_by(principal)
    if status:
        qs = qs.filter(status=status)
    rows = qs.prefetch_related("required_skills").order_by("-created_at", "-pk")[offset:offset + limit]
    return {"items": [_opportunity_out(o) for o in rows], "count": qs.count()}


@router.post("/opportunities", response={201: OpportunityOut, **ERRORS})
def create_opportunity(request: HttpRequest, payload: OpportunityIn) -> Status[OpportunityOut]:
    principal = _principal(request)
    require(principal, Cap.MANAGE_OPPORTUNITIES)
    employer = _employer_for(principal, payload.employer_id)
    values = payload.model_dump(exclude={"employer_id"})
    values["pay_period"] = values["pay_period"] or ""
    created = opportunity_services.post_opportunity(actor=principal, employer=employer, **values)
    return Status(201, _opportunity_out(created))


@router.patch("/opportunities/{opportunity_id}", response={200: OpportunityOut, **ERRORS})
def update_opportunity(request: HttpRequest, payload: OpportunityPatch,
                       opportunity_id: int = Path(..., ge=1, le=MAX_ID)) -> OpportunityOut:
    """Change the fields given; "status": "closed" stops applications."""
    principal = _principal(request)
    require(principal, Cap.MANAGE_OPPORTUNITIES)
    found = queries.opportunity_for_manager(principal, opportunity_id)
    changes = payload.model_dump(exclude_unset=True)
    status = changes.pop("status", None)
    if changes:
        found = opportunity_services.update_opportunity(actor=principal, opportunity=found, **changes)
    if status:
        found = opportunity_services.set_opportunity_status(actor=principal, opportunity=found, status=status)
    return _opportunity_out(queries.opportunities_managed_by(principal).prefetch_related("required_skills")
                            .get(pk=found.pk))


# --- applications --------------------------------------------------------------------------------------------

class ApplicationOut(Schema):
    id: int
    opportunity_id: int
    status: str
    cv: dict[str, Any] = Field(..., description="The CV exactly as the participant sent it")
    cv_text: str
    message: str
    created_at: datetime
    updated_at: datetime


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    count: int


def _application_out(a: CareerApplication) -> ApplicationOut:
    return ApplicationOut(id=a.pk, opportunity_id=a.opportunity_id, status=a.status, cv=a.cv_snapshot,
                          cv_text=a.cv_text, message=a.message, created_at=a.created_at, updated_at=a.updated_at)


@router.get("/applications", response={200: ApplicationPage, **ERRORS})
def list_applications(request: HttpRequest, opportunity_id: int | None = Query(None, ge=1, le=MAX_ID),
                      status: CareerApplication.Status | None = None, limit: int = Query(50, ge=1, le=500),
                      offset: int = Query(0, ge=0, le=10**9)) -> dict[str, Any]:
    """Applications sent to your opportunities, newest first. Nobody else's, and nothing but what was sent."""
    principal = _principal(request)
    require(principal, Cap.MANAGE_OPPORTUNITIES)
    qs = queries.applications_received_by(principal)
    if opportunity_id:
        qs = qs.filter(opportunity_id=opportunity_id)
    if status:
        qs = qs.filter(status=status)
    rows = qs.order_by("-created_at", "-pk")[offset:offset + limit]
    return {"items": [_application_out(a) for a in rows], "count": qs.count()}


class PlacementDetails(_In):
    starts_on: date | None = None
    ends_on: date | None = None
    wage: str | None = Field(None, max_length=20)
    wage_currency: str | None = Field(None, max_length=3)
    wage_period: PayPeriod | None = None


class MoveIn(_In):
    status: CareerApplication.Status
    reason: str = Field("", max_length=300)
    placement: PlacementDetails | None = Field(None, description="For \"placed\": start, end and wage")


@router.post("/applications/{application_id}/status", response={200: ApplicationOut, **ERRORS})
def move_application(request: HttpRequest, payload: MoveIn,
                     application_id: int = Path(..., ge=1, le=MAX_ID)) -> ApplicationOut:
    """applied → shortlisted → interviewed → offered → placed, or declined; 409 for any other move."""
    principal = _principal(request)
    require(principal, Cap.MANAGE_OPPORTUNITIES)
    found = queries.applications_received_by(principal).filter(pk=application_id).first()
    if found is None:
        raise NotFound(_("No such application."))
    details = payload.placement.model_dump(exclude_none=True) if payload.placement else None
    moved = application_services.move_application(actor=principal, application=found, to=payload.status,
                                                  reason=payload.reason, placement=details)
    return _application_out(moved)


# --- events --------------------------------------------------------------------------------------------------

class EventIn(_In):
    kind: Event.Kind
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=2000)
    starts_at: datetime
    ends_at: datetime
    centre_id: int | None = Field(None, ge=1, le=MAX_ID)
    place: str = Field("", max_length=200)
    link: str = Field("", max_length=200)
    capacity: int = Field(0, ge=0, le=100_000)
    target_groups: list[str] = Field(default_factory=list, max_length=10)
    employer_ids: list[int] = Field(default_factory=list, max_length=200)


class EventOut(Schema):
    id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    centre_id: int | None
    place: str
    link: str
    capacity: int
    target_groups: list[str]
    registered: int
    waitlisted: int
    attended: int
    employer_ids: list[int]
    is_cancelled: bool


def _event_out(e: Event) -> EventOut:
    return EventOut(id=e.pk, kind=e.kind, title=e.title, starts_at=e.starts_at, ends_at=e.ends_at,
                    centre_id=e.centre_id, place=e.place, link=e.link, capacity=e.capacity,
                    target_groups=list(e.target_groups or []), registered=getattr(e, "registered", 0),
                    waitlisted=getattr(e, "waitlisted", 0), attended=getattr(e, "attended", 0),
                    employer_ids=sorted(o.pk for o in e.employers.all()), is_cancelled=e.is_cancelled)


class EventPage(Schema):
    items: list[EventOut]
    count: int


def _partner(principal: Principal) -> Organisation:
    found = list(Organisation.objects.filter(pk__in=queries.career_partner_ids(principal),
                                             kind=Organisation.Kind.PARTNER)[:2])
    if len(found) != 1:
        raise ValidationFailed(_("You work for several partners or none: events are planned on the web pages."),
                               code="partner_unclear")
    return found[0]


@router.get("/events", response={200: EventPage, **ERRORS})
def list_events(request: HttpRequest, limit: int = Query(50, ge=1, le=500),
                offset: int = Query(0, ge=0, le=10**9)) -> dict[str, Any]:
    """Your partner's career events, latest first, with registrations, waitlist and attendance."""
    principal = _principal(request)
    require(principal, Cap.MANAGE_CAREER_SERVICES)
    qs = queries.events_managed_by(principal)
    rows = queries.with_counts(qs).prefetch_related("employers").order_by("-starts_at", "-pk")[offset:offset + limit]
    return {"items": [_event_out(e) for e in rows], "count": qs.count()}


@router.post("/events", response={201: EventOut, **ERRORS})
def create_event(request: HttpRequest, payload: EventIn) -> Status[EventOut]:
    principal = _principal(request)
    require(principal, Cap.MANAGE_CAREER_SERVICES)
    partner = _partner(principal)
    centre = None
    if payload.centre_id:
        centre = Organisation.objects.filter(pk=payload.centre_id, parent=partner,
                                             kind=Organisation.Kind.CENTRE).first()
        if centre is None:
            raise NotFound(_("No such centre."), field="centre_id")
    values = payload.model_dump(exclude={"centre_id", "employer_ids"})
    created = event_services.create_event(actor=principal, partner=partner, centre=centre,
                                          employers=payload.employer_ids, **values)
    return Status(201, _event_out(queries.with_counts(Event.objects.filter(pk=created.pk)).get()))


# --- placements ----------------------------------------------------------------------------------------------

class PlacementIn(_In):
    participant_id: int = Field(..., ge=1, le=MAX_ID)
    employer_id: int = Field(..., ge=1, le=MAX_ID)
    kind: OpportunityKind
    title: str = Field(..., max_length=200)
    starts_on: date
    ends_on: date | None = None
    wage: str | None = Field(None, max_length=20)
    wage_currency: str = Field("", max_length=3)
    wage_period: PayPeriod | None = None


class FollowUpOut(Schema):
    months: int
    due_on: date
    done_at: datetime | None


class PlacementOut(Schema):
    id: int
    participant_id: int
    participant_reference: str
    employer_id: int
    employer: str
    application_id: int | None
    kind: str
    title: str
    starts_on: date
    ends_on: date | None
    wage: MoneyOut | None
    wage_period: str
    completed: bool | None
    follow_ups: list[FollowUpOut]


def _placement_out(p: Placement) -> PlacementOut:
    return PlacementOut(id=p.pk, participant_id=p.participant_id, participant_reference=p.participant.reference,
                        employer_id=p.employer_id, employer=p.employer.name, application_id=p.application_id,
                        kind=p.kind, title=p.title, starts_on=p.starts_on, ends_on=p.ends_on,
                        wage=_money(p.wage_minor, p.wage_currency), wage_period=p.wage_period, completed=p.completed,
                        follow_ups=[FollowUpOut(months=f.months, due_on=f.due_on, done_at=f.done_at)
                                    for f in p.follow_ups.all()])


class PlacementPage(Schema):
    items: list[PlacementOut]
    count: int


@router.get("/placements", response={200: PlacementPage, **ERRORS})
def list_placements(request: HttpRequest, limit: int = Query(50, ge=1, le=500),
                    offset: int = Query(0, ge=0, le=10**9)) -> dict[str, Any]:
    """Placements of the participants you serve, latest start first, with their 3/6/12-month follow-ups."""
    principal = _principal(request)
    require(principal, Cap.MANAGE_CAREER_SERVICES)
    qs: QuerySet[Placement] = queries.placements_visible_to(principal)
    rows = qs.order_by("-starts_on", "-pk")[offset:offset + limit]
    return {"items": [_placement_out(p) for p in rows], "count": qs.count()}


@router.post("/placements", response={201: PlacementOut, **ERRORS})
def create_placement(request: HttpRequest, payload: PlacementIn) -> Status[PlacementOut]:
    """A placement found outside the platform's applications."""
    principal = _principal(request)
    require(principal, Cap.MANAGE_CAREER_SERVICES)
    person = queries.served_participants(principal).filter(pk=payload.participant_id).first()
    if person is None:
        raise NotFound(_("No such participant."), field="participant_id")
    employer = Organisation.objects.filter(pk=payload.employer_id, kind=Organisation.Kind.EMPLOYER).first()
    if employer is None:
        raise NotFound(_("No such employer."), field="employer_id")
    values = payload.model_dump(exclude={"participant_id", "employer_id"})
    values["wage_period"] = values["wage_period"] or ""
    made = application_services.record_placement(actor=principal, participant=person, employer=employer, **values)
    return Status(201, _placement_out(queries.placements_visible_to(principal).get(pk=made.pk)))


# --- referrals -----------------------------------------------------------------------------------------------

class ReferralIn(_In):
    participant_id: int = Field(..., ge=1, le=MAX_ID)
    provider_id: int = Field(..., ge=1, le=MAX_ID)
    service: str = Field(..., max_length=24)
    reason: str = Field(..., max_length=1500)
    consented_fields: list[str] = Field(default_factory=list, max_length=20,
                                        description="What the participant agreed to share with this provider")


class ReferralOut(Schema):
    id: int
    participant_id: int
    participant_reference: str
    provider_id: int
    provider: str
    service: str
    reason: str
    consented_fields: list[str]
    status: str
    outcome: str
    loan: MoneyOut | None
    loan_status: str
    business_started: bool | None
    business_running_6_months: bool | None
    shares: int
    created_at: datetime


def _referral_out(r: Referral) -> ReferralOut:
    return ReferralOut(id=r.pk, participant_id=r.participant_id, participant_reference=r.participant.reference,
                       provider_id=r.provider_id, provider=r.provider.name, service=r.service, reason=r.reason,
                       consented_fields=list(r.consented_fields or []), status=r.status, outcome=r.outcome,
                       loan=_money(r.loan_minor, r.loan_currency), loan_status=r.loan_status,
                       business_started=r.business_started, business_running_6_months=r.business_running_6_months,
                       shares=getattr(r, "share_count", 0), created_at=r.created_at)


class ReferralPage(Schema):
    items: list[ReferralOut]
    count: int


@router.get("/referrals", response={200: ReferralPage, **ERRORS})
def list_referrals(request: HttpRequest, service: str | None = Query(None, max_length=24),
                   limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9)) -> dict[str, Any]:
    principal = _principal(request)
    require(principal, Cap.MANAGE_CAREER_SERVICES)
    qs = queries.referrals_visible_to(principal)
    if service:
        qs = qs.filter(service=service)
    rows = qs.annotate(share_count=Count("shares")).order_by("-created_at", "-pk")[offset:offset + limit]
    return {"items": [_referral_out(r) for r in rows], "count": qs.count()}


@router.post("/referrals", response={201: ReferralOut, **ERRORS})
def create_referral(request: HttpRequest, payload: ReferralIn) -> Status[ReferralOut]:
    principal = _principal(request)
    require(principal, Cap.MANAGE_CAREER_SERVICES)
    person = queries.served_participants(principal).filter(pk=payload.participant_id).first()
    if person is None:
        raise NotFound(_("No such participant."), field="participant_id")
    provider = queries.providers_for(principal).filter(pk=payload.provider_id).first()
    if provider is None:
        raise NotFound(_("No such provider."), field="provider_id")
    made = referral_services.refer(actor=principal, participant=person, provider=provider, service=payload.service,
                                   reason=payload.reason, consented_fields=payload.consented_fields)
    return Status(201, _referral_out(made))
