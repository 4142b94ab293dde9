"""The legacy entries of the navigation bar (kasb.web.context), for whoever is signed in."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kasb.core.permissions import Cap, Principal, Role


def nav_items(principal: Principal) -> list[tuple[Any, str]]:
    """(label, url) pairs this person may open (labels may be lazy); no query."""
    items: list[tuple[Any, str]] = []
    if principal.participant_id and Role.PARTICIPANT in principal.roles:
        items.append((_("My careers"), reverse("careers:me")))
        items.append((_("My CV"), reverse("careers:cv")))
    if principal.can(Cap.MANAGE_CAREER_SERVICES):
        items.append((_("Career events"), reverse("careers:manage_events")))
    if principal.can(Cap.MANAGE_OPPORTUNITIES):
        items.append((_("Opportunities"), reverse("careers:manage_opportunities")))
    return items
