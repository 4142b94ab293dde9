"""The careers entries of the navigation bar (kasb.web.context), for whoever is signed in."""

from __future__ import annotations

from kasb.core.permissions import Principal


def nav_items(principal: Principal) -> list[tuple[str, str]]:
    """(label, url) pairs this person may open; no database query unless one is unavoidable."""
    return []
