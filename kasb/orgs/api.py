
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from kasb.core.permissions import Cap, require

from .models import Organisation
from .queries import organisations_visible_to

router = Router(tags=["organisations"])


class AreaOut(Schema):
    code: str
    name: str
    name_local: str


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    country: str
    area: AreaOut | None
    parent_id: int | None
    locality: str
    in_camp: bool


@router.get("/organisations", response=list[OrganisationOut])
@paginate(LimitOffsetPagination)
def list_organisations(request: HttpRequest, kind: str | None = None):  # type: ignore[no-untyped-def]
    qs = organisations_visible_to(request.principal).order_by("pk")  # type: ignore[attr-defined]
    return qs.filter(kind=kind) if kind else qs


@router.get("/organisations/{org_id}", response=OrganisationOut)
def get_organisation(request: HttpRequest, org_id: int) -> Organisation:
    return get_object_or_404(organisations_visible_to(request.principal), pk=org_id)  # type: ignore[attr-defined]


@router.get("/centres", response=list[OrganisationOut])
@paginate(LimitOffsetPagination)
def list_centres(request: HttpRequest):  # type: ignore[no-untyped-def]
    require(request.principal, Cap.VIEW_ORGANISATIONS)  # type: ignore[attr-defined]
    return organisations_visible_to(request.principal).filter(  # type: ignore[attr-defined]
        kind=Organisation.Kind.CENTRE).order_by("pk")
