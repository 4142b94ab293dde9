"""Navigation shown to each role: only the places that role may go."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from kasb.careers.navigation import nav_items as careers_nav
from kasb.core.permissions import Cap, Role
from kasb.legacy.navigation import nav_items as legacy_nav
from kasb.microwork.models import Project
from kasb.monitoring.navigation import nav_items as monitoring_nav
from kasb.participants.models import Participant
from kasb.surveys.navigation import nav_items as surveys_nav


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    principal = request.principal  # type: ignore[attr-defined]
    items: list[tuple[Any, str]] = [(_("Home"), reverse("web:dashboard"))]
    if principal.can(Cap.VIEW_REGISTRY):
        items.append((_("Participants"), reverse("participants:list")))
    if principal.can(Cap.REGISTER_PARTICIPANTS):
        items.append((_("Register"), reverse("participants:register")))
    if principal.can(Cap.IMPORT_PARTICIPANTS):
        items.append((_("Import"), reverse("participants:import")))
    if principal.can(Cap.VIEW_ORGANISATIONS) or principal.is_superuser:
        items.append((_("Organisations"), reverse("orgs:list")))
    elif len(principal.grants) == 1:
        # Client and employer members see only their own organisation.
        items.append((_("My organisation"), reverse("orgs:detail", args=[principal.grants[0].organisation_id])))
    elif principal.grants:
        items.append((_("My organisations"), reverse("orgs:list")))
    if principal.can(Cap.VERIFY_PAYOUT_METHODS):
        items.append((_("Payout methods"), reverse("payments:verify")))
    if principal.can(Cap.VIEW_LEDGER):
        items.append((_("Finance"), reverse("payments:finance")))
    if principal.can(Cap.MANAGE_CALLS) or principal.can(Cap.SELECT_APPLICANTS):
        items.append((_("Calls"), reverse("outreach:calls")))
    trains = principal.can(Cap.TAKE_ATTENDANCE) or principal.can(Cap.MANAGE_COHORTS)
    if trains:
        items.append((_("Cohorts"), reverse("training:cohorts")))
    if principal.can(Cap.ISSUE_CERTIFICATES):
        items.append((_("Certificates"), reverse("training:completion_cohorts")))
    if principal.can(Cap.MANAGE_COHORTS):
        items.append((_("Equipment"), reverse("training:loans")))
    if principal.can(Cap.MANAGE_COURSES):
        items.append((_("Placement tests"), reverse("training:test_manage")))
    if principal.can(Cap.MANAGE_PROJECTS):
        items.append((_("Projects"), reverse("microwork:client_projects")))
    if principal.can(Cap.REVIEW_WORK):
        items.append((_("Review"), reverse("microwork:review_projects")))
    if principal.can(Cap.MANAGE_PROJECTS) or principal.can(Cap.REVIEW_WORK):
        items.append((_("Results"), reverse("microwork:results_list")))
    if principal.participant_id and Role.PARTICIPANT in principal.roles:
        items.append((_("My record"), reverse("participants:me")))
        items.append((_("My money"), reverse("payments:my_money")))
        items.append((_("My learning"), reverse("training:me")))
        items.append((_("My certificates"), reverse("training:certificates")))
        work = _work_url(principal.participant_id)
        if work:
            items.append((_("Work"), work))
    elif trains:
        # Trainers and coordinators are trained too (training of trainers), and hold certificates.
        items.append((_("My learning"), reverse("training:me")))
        items.append((_("My certificates"), reverse("training:certificates")))
    items += careers_nav(principal)
    items += surveys_nav(principal)
    items += legacy_nav(principal)
    items += monitoring_nav(principal)
    return {"nav": items}


def _work_url(participant_id: int) -> str:
    """The worker's pages, for someone with a worker profile or a published project at their partner.

    One query. Eligibility proper (skills, languages, area) is worked out on the page itself.
    """
    try:
        url = reverse("microwork:work_projects")
    except NoReverseMatch:  # the microwork pages are not mounted
        return ""
    published = Project.objects.filter(status=Project.Status.PUBLISHED, programme__partner_id=OuterRef("partner_id"))
    works = Participant.objects.filter(Q(work_profile__isnull=False) | Exists(published), pk=participant_id).exists()
    return url if works else ""
