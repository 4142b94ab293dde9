"""/api/v1/monitoring."""

from ninja import Router

router = Router(tags=["monitoring"])
