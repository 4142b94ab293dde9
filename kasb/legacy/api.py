"""/api/v1/legacy."""

from ninja import Router

router = Router(tags=["legacy"])
