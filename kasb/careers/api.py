"""/api/v1/careers."""

from ninja import Router

router = Router(tags=["careers"])
