"""Reads of the training app, always through the acting principal's scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kasb.core.permissions import Cap, Principal

from .models import Cohort, Course, Enrolment


def cohort_scope(principal: Principal, cap: Cap) -> Q | None:
    """Q over Cohort for `cap`; None means every cohort. A centre grant covers its centre's cohorts;
    a partner grant covers all of that partner's cohorts, online ones included; a trainer also sees
    the cohorts they train."""
    if principal.is_superuser:
        return None
    grants = principal.grants_with(cap)
    centres = {g.organisation_id for g in grants if g.is_centre}
    partners = {g.partner_id for g in grants if not g.is_centre and g.partner_id}
    scope = Q(centre_id__in=centres) | Q(course__partner_id__in=partners)
    if grants and principal.user is not None:
        scope |= Q(trainers=principal.user)
    return scope


def cohorts_for(principal: Principal, cap: Cap = Cap.TAKE_ATTENDANCE) -> QuerySet[Cohort]:
    qs = Cohort.objects.select_related("course", "centre", "programme")
    scope = cohort_scope(principal, cap)
    return qs if scope is None else qs.filter(scope).distinct()


def may_act_on_cohort(principal: Principal, cap: Cap, cohort: Cohort) -> bool:
    return principal.can(cap) and cohorts_for(principal, cap).filter(pk=cohort.pk).exists()


def courses_of_partner(partner_id: int) -> QuerySet[Course]:
    return Course.objects.filter(partner_id=partner_id, is_active=True).order_by("code")


def taking_places(cohort: Cohort) -> int:
    """Places taken: everyone offered, accepted, active or completed."""
    return cohort.enrolments.exclude(status__in=[Enrolment.Status.DROPPED, Enrolment.Status.NO_SHOW]).count()
