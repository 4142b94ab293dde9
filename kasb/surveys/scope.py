"""Who sees which surveys: the programmes of the partners a person holds a capability for."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kasb.core.errors import NotFound, PermissionDenied
from kasb.core.permissions import Cap, Principal
from kasb.orgs.models import Programme

from .models import Survey


def partner_ids(principal: Principal, cap: Cap) -> set[int] | None:
    """The partners whose surveys `cap` reaches; None means every partner (a superuser)."""
    if principal.is_superuser:
        return None
    return {g.partner_id for g in principal.grants_with(cap) if g.partner_id}


def surveys_for(principal: Principal, cap: Cap = Cap.MANAGE_MONITORING) -> QuerySet[Survey]:
    qs = Survey.objects.select_related("programme", "programme__partner")
    partners = partner_ids(principal, cap)
    if partners is None:
        return qs
    return qs.filter(programme__partner_id__in=partners) if partners else qs.none()


def programmes_for(principal: Principal) -> QuerySet[Programme]:
    qs = Programme.objects.filter(is_active=True).select_related("partner").order_by("name")
    partners = partner_ids(principal, Cap.MANAGE_MONITORING)
    if partners is None:
        return qs
    return qs.filter(partner_id__in=partners)


def check_manages(principal: Principal, survey: Survey) -> None:
    """Raise unless `principal` may build, send and read the answers of `survey`."""
    if not principal.can(Cap.MANAGE_MONITORING):
        raise PermissionDenied(_("You do not have permission to do this."))
    partners = partner_ids(principal, Cap.MANAGE_MONITORING)
    if partners is not None and survey.programme.partner_id not in partners:
        raise NotFound(_("There is no such survey."))


def check_programme(principal: Principal, programme: Programme) -> None:
    if not principal.can(Cap.MANAGE_MONITORING):
        raise PermissionDenied(_("You do not have permission to do this."))
    partners = partner_ids(principal, Cap.MANAGE_MONITORING)
    if partners is not None and programme.partner_id not in partners:
        raise PermissionDenied(_("You do not have permission to do this."))
