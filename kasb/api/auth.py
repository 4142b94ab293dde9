from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from kasb.core.errors import NotFound
from kasb.orgs.queries import principal_for_api_key, principal_for_user
from kasb.orgs.services import authenticate_api_key


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer kasb_…`: acts as the key's organisation."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not (token.isascii() and token.isprintable()):  # real keys are; a NUL would upset PostgreSQL
            return None
        try:
            key = authenticate_api_key(token)
        except NotFound:
            return None
        request.principal = principal_for_api_key(key)  # type: ignore[attr-defined]
        return key


class SessionAuth(NinjaSessionAuth):
    """A signed-in browser session (CSRF-checked for writes). Staff must have passed two-step sign-in."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        principal = principal_for_user(user)
        if settings.KASB_REQUIRE_STAFF_2FA and principal.is_staff_role and not user.is_verified():
            return None
        request.principal = principal  # type: ignore[attr-defined]
        return user
