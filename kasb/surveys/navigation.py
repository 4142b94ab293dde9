"""The surveys entries of the navigation bar (kasb.web.context), for whoever is signed in."""

from __future__ import annotations

from typing import Any

from kasb.core.permissions import Principal


def nav_items(principal: Principal) -> list[tuple[Any, str]]:
    """(label, url) pairs this person may open (labels may be lazy); at most one query."""
    return []
