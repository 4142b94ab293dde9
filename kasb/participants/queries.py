"""Reads of the registry, always through the acting principal's scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kasb.core.permissions import Cap, Principal
from kasb.orgs.queries import centre_scope

from .models import ImportJob, Participant


def _scope(principal: Principal, cap: Cap) -> Q | None:
    """Q over Participant for `cap`; None means no restriction."""
    if principal.is_superuser:
        return None
    grants = principal.grants_with(cap)
    centre_ids = {g.organisation_id for g in grants if g.is_centre}
    partner_ids = {g.partner_id for g in grants if not g.is_centre and g.partner_id}
    return Q(centre_id__in=centre_ids) | Q(partner_id__in=partner_ids)


def participants_visible_to(principal: Principal) -> QuerySet[Participant]:
    qs = Participant.objects.select_related("centre", "area")
    scope = _scope(principal, Cap.VIEW_REGISTRY)
    if scope is None:
        return qs
    if principal.participant_id:
        scope |= Q(pk=principal.participant_id)
    return qs.filter(scope)


def can_view_protected(principal: Principal, participant: Participant) -> bool:
    if principal.participant_id == participant.pk:
        return True
    scope = _scope(principal, Cap.VIEW_PROTECTED)
    if scope is None:
        return True
    return Participant.objects.filter(scope, pk=participant.pk).exists()


def may_register_at(principal: Principal, partner_id: int, centre_id: int | None) -> bool:
    if principal.is_superuser:
        return True
    grants = principal.grants_with(Cap.REGISTER_PARTICIPANTS)
    if any(not g.is_centre and g.partner_id == partner_id for g in grants):
        return True
    return centre_id is not None and any(g.is_centre and g.organisation_id == centre_id for g in grants)


def registration_centre_ids(principal: Principal) -> set[int] | None:
    """Centres where the principal may register; None means all of the partner's."""
    from kasb.orgs.models import Organisation

    scope = centre_scope(principal, Cap.REGISTER_PARTICIPANTS)
    if scope is None:
        return None
    return set(Organisation.objects.filter(scope).values_list("pk", flat=True))


def imports_visible_to(principal: Principal) -> QuerySet[ImportJob]:
    qs = ImportJob.objects.select_related("created_by", "centre")
    if principal.is_superuser:
        return qs
    partners = {g.partner_id for g in principal.grants_with(Cap.IMPORT_PARTICIPANTS)}
    return qs.filter(partner_id__in=partners, created_by=principal.user) if partners else qs.none()


def participants_in_scope(principal: Principal, cap: Cap) -> QuerySet[Participant]:
    """The participants `principal` may act on with `cap` (a coordinator: those of their centres)."""
    scope = _scope(principal, cap)
    return Participant.objects.all() if scope is None else Participant.objects.filter(scope)


def acts_on(principal: Principal, cap: Cap, participant: Participant) -> bool:
    scope = _scope(principal, cap)
    return scope is None or Participant.objects.filter(scope, pk=participant.pk).exists()
