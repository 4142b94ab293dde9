"""/api/v1/surveys."""

from ninja import Router

router = Router(tags=["surveys"])
