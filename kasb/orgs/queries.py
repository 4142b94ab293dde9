"""Reads about organisations, and the acting principal built from a user's memberships."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet

from kasb.core.permissions import Cap, Grant, Principal, Role

from .models import ApiKey, Membership, Organisation, Programme


def principal_for_user(user: Any) -> Principal:
    if user is None or not getattr(user, "is_authenticated", False):
        return Principal()
    grants = tuple(
        Grant(role=m.role, organisation_id=m.organisation_id, partner_id=m.organisation.partner_id,
              is_centre=m.organisation.kind == Organisation.Kind.CENTRE,
              in_programme=m.organisation.kind in (Organisation.Kind.PARTNER, Organisation.Kind.CENTRE))
        for m in Membership.objects.filter(user=user, organisation__is_active=True).select_related("organisation")
    )
    # The reverse side of Participant.user; read by name so orgs does not import participants.
    participant_id = get_user_model().objects.filter(pk=user.pk).values_list("participant__id", flat=True).first()
    roles = {g.role for g in grants}
    if participant_id:
        roles.add(Role.PARTICIPANT)
    return Principal(user=user, grants=grants, is_superuser=user.is_superuser,
                     participant_id=participant_id, roles=frozenset(roles))


def principal_for_api_key(key: ApiKey) -> Principal:
    org = key.organisation
    role = Role.CLIENT_MEMBER if org.kind == Organisation.Kind.CLIENT else Role.EMPLOYER_MEMBER
    grant = Grant(role=role, organisation_id=org.pk, partner_id=org.parent_id, is_centre=False, in_programme=False)
    return Principal(user=None, grants=(grant,), api_key_id=key.pk, roles=frozenset({role}))


def partner_ids(principal: Principal, cap: Cap) -> set[int]:
    return {g.partner_id for g in principal.grants_with(cap) if g.partner_id and not g.is_centre}


def centre_scope(principal: Principal, cap: Cap) -> Q | None:
    """A filter on centre ids the principal may act on with `cap`; None means every centre.

    A grant held at a partner covers all of that partner's centres; one held at a centre covers that
    centre only. Returns Q(pk__in=[]) when the principal holds `cap` nowhere.
    """
    if principal.is_superuser:
        return None
    grants = principal.grants_with(cap)
    centre_ids = {g.organisation_id for g in grants if g.is_centre}
    partners = {g.partner_id for g in grants if not g.is_centre and g.partner_id}
    return Q(pk__in=centre_ids) | Q(parent_id__in=partners, kind=Organisation.Kind.CENTRE)


def centres_for(principal: Principal, cap: Cap = Cap.VIEW_REGISTRY) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(kind=Organisation.Kind.CENTRE, is_active=True).select_related("area")
    scope = centre_scope(principal, cap)
    return qs if scope is None else qs.filter(scope)


def organisations_visible_to(principal: Principal) -> QuerySet[Organisation]:
    """Staff see their partner and everything under it; others see only their own organisations."""
    qs = Organisation.objects.select_related("area", "parent")
    if principal.is_superuser:
        return qs
    own = {g.organisation_id for g in principal.grants}
    partners = partner_ids(principal, Cap.VIEW_ORGANISATIONS)
    partners |= {g.partner_id for g in principal.grants_with(Cap.VIEW_ORGANISATIONS) if g.partner_id}
    return qs.filter(Q(pk__in=own) | Q(pk__in=partners) | Q(parent_id__in=partners))


def partners_for(principal: Principal, cap: Cap) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
    if principal.is_superuser:
        return qs
    return qs.filter(pk__in={g.partner_id for g in principal.grants_with(cap) if g.partner_id})


def memberships_of(organisation: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__full_name")


def can_manage(principal: Principal, organisation: Organisation) -> bool:
    """Whether `principal` may change `organisation`, its members and its API keys (as the services check)."""
    if principal.is_superuser:
        return True
    return principal.can(Cap.MANAGE_ORGANISATION) and \
        organisation.partner_id in partner_ids(principal, Cap.MANAGE_ORGANISATION)


def can_manage_api_keys(principal: Principal, organisation: Organisation) -> bool:
    return (organisation.kind in (Organisation.Kind.CLIENT, Organisation.Kind.EMPLOYER)
            and principal.can(Cap.MANAGE_API_KEYS) and can_manage(principal, organisation))


def organisations_under(partner: Organisation) -> QuerySet[Organisation]:
    """A partner's centres, clients, employers, donors and service providers."""
    return Organisation.objects.filter(parent=partner).select_related("area").order_by("kind", "name")


def api_keys_of(organisation: Organisation) -> QuerySet[ApiKey]:
    """Live keys first, newest first."""
    return ApiKey.objects.filter(organisation=organisation).select_related("created_by").order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at")


def partners_managed_by(principal: Principal) -> QuerySet[Organisation]:
    """Active partners under which `principal` may add centres, partner organisations and staff."""
    qs = Organisation.objects.filter(kind=Organisation.Kind.PARTNER, is_active=True).order_by("name")
    return qs if principal.is_superuser else qs.filter(pk__in=partner_ids(principal, Cap.MANAGE_ORGANISATION))


def programmes_of(partner: Organisation) -> QuerySet[Programme]:
    return Programme.objects.filter(partner=partner).order_by("-is_active", "name")
