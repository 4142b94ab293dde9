"""The monitoring entries of the navigation bar (kasb.web.context), for whoever is signed in."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kasb.core.permissions import Cap, Principal


def nav_items(principal: Principal) -> list[tuple[Any, str]]:
    """(label, url) pairs this person may open (labels may be lazy); no query."""
    if not principal.can(Cap.VIEW_INDICATORS):
        return []
    return [(_("Indicators"), reverse("monitoring:dashboard")), (_("Reports"), reverse("monitoring:report")),
            (_("Results frameworks"), reverse("monitoring:frameworks")),
            (_("Market insight"), reverse("monitoring:insight"))]
