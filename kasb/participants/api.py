
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import field_validator

from kasb.core.errors import NotFound, PermissionDenied
from kasb.core.permissions import Cap, Principal, require
from kasb.orgs.models import Organisation
from kasb.orgs.queries import partners_for

from . import services
from .models import Participant
from .queries import can_view_protected, participants_visible_to
from .vocab import Displacement, Sex

router = Router(tags=["participants"])
REFERENCE_PATTERN = r"^[0-9A-Za-z]{1,20}$"


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


class ParticipantOut(Schema):
    reference: str
    given_name: str
    family_name: str
    sex: str
    centre_id: int | None
    partner_id: int
    area: str | None = Field(None, alias="area.code")
    admin2: str
    neet: bool
    education: str
    female_headed_household: bool
    migrant_household: bool
    languages: list[str]
    device_access: str
    connectivity: str
    registered_at: datetime


class ProtectedOut(Schema):
    date_of_birth: date | None
    nationality: str | None
    displacement_status: str | None
    disability: dict[str, int] | None
    phone: str | None
    id_kind: str | None
    id_number: str | None
    gender_identity: str | None


class ParticipantDetailOut(ParticipantOut):
    protected: ProtectedOut | None = None


class ParticipantIn(Schema):
    given_name: str
    family_name: str
    sex: Sex
    date_of_birth: date
    nationality: str = Field(..., description="ISO 3166-1 alpha-2, e.g. SY")
    displacement_status: Displacement
    consent_registration: bool = Field(..., description="Must be true: consent to keep the record")
    centre_id: int | None = None
    partner_id: int | None = Field(None, description="Needed only when registering online with no centre")
    phone: str | None = None
    email: str | None = None
    id_kind: str | None = None
    id_number: str | None = None
    area: str | None = Field(None, description="ISO 3166-2 code, e.g. JO-IR")
    admin2: str = ""
    neet: bool = False
    education: str = ""
    female_headed_household: bool = False
    migrant_household: bool = False
    languages: list[str] = []
    device_access: str = ""
    connectivity: str = ""
    contact_channels: list[str] = []
    gender_identity: str = ""
    disability: dict[str, int] = Field({}, description="Washington Group answers 1-4 by domain")
    consent_contact: bool = False
    consent_monitoring: bool = False
    consent_share_employers: bool = False
    allow_duplicate: bool = False


class ParticipantFilter(Schema):
    centre_id: int | None = None
    sex: Sex | None = None
    area: str | None = None
    neet: bool | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    q: str | None = Field(None, description="Name or reference")

    @field_validator("area", "q")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        # A NUL cannot be in any stored value, and PostgreSQL refuses it in a query.
        return value.replace("\x00", "") if value else value


def _visible(principal: Principal) -> Any:
    require(principal, Cap.VIEW_REGISTRY) if principal.participant_id is None else None
    return participants_visible_to(principal)


@router.get("", response=list[ParticipantOut])
@paginate(LimitOffsetPagination)
def list_participants(request: HttpRequest, filters: Query[ParticipantFilter]):  # type: ignore[no-untyped-def]
    qs = _visible(_principal(request)).order_by("pk")
    f = filters
    if f.centre_id:
        qs = qs.filter(centre_id=f.centre_id)
    if f.sex:
        qs = qs.filter(sex=f.sex)
    if f.area:
        qs = qs.filter(area__code=f.area.upper())
    if f.neet is not None:
        qs = qs.filter(neet=f.neet)
    if f.registered_from:
        qs = qs.filter(registered_at__date__gte=f.registered_from)
    if f.registered_to:
        qs = qs.filter(registered_at__date__lte=f.registered_to)
    if f.q:
        from django.db.models import Q

        qs = qs.filter(Q(reference__iexact=f.q) | Q(given_name__icontains=f.q) | Q(family_name__icontains=f.q))
    return qs


def _detail(principal: Principal, participant: Participant, screen: str) -> Participant:
    """The participant for ParticipantDetailOut, with `protected` filled only for roles allowed (logged).

    The schema reads the model itself, so nested look-ups such as `area.code` resolve."""
    allowed = can_view_protected(principal, participant)
    if allowed:
        services.log_protected_access(actor=principal, participant=participant, screen=screen)
    participant.protected = participant if allowed else None  # type: ignore[attr-defined]
    return participant


@router.get("/{reference}", response=ParticipantDetailOut)
def get_participant(request: HttpRequest,
                    reference: str = Path(..., pattern=REFERENCE_PATTERN, description="e.g. P7K2M9QXA")
                    ) -> Participant:
    principal = _principal(request)
    participant = get_object_or_404(_visible(principal), reference=reference)
    return _detail(principal, participant, "api:participant")


@router.post("", response={201: ParticipantDetailOut})
def create_participant(request: HttpRequest, payload: ParticipantIn) -> Status[Participant]:
    principal = _principal(request)
    require(principal, Cap.REGISTER_PARTICIPANTS)
    data = payload.dict()
    centre = None
    if data.pop("centre_id"):
        centre = Organisation.objects.filter(pk=payload.centre_id or 0, kind=Organisation.Kind.CENTRE).first()
        if centre is None:
            raise NotFound(_("No such centre."), field="centre_id")
        partner = centre.parent
    else:
        partners = partners_for(principal, Cap.REGISTER_PARTICIPANTS)
        partner = partners.filter(pk=payload.partner_id).first() if payload.partner_id else partners.first()
        if partner is None:
            raise PermissionDenied(_("You cannot register participants for this partner."))
    data["centre"] = centre
    for domain, answer in (data.pop("disability") or {}).items():
        data[f"disability_{domain}"] = answer
    participant = services.register_participant(actor=principal, partner=partner, data=data,  # type: ignore[arg-type]
                                                allow_duplicate=data.pop("allow_duplicate"))
    return Status(201, _detail(principal, participant, "api:participant_created"))
