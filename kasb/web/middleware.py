from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from kasb.core.errors import DomainError
from kasb.orgs.queries import principal_for_user

# Paths a signed-in staff member may reach before finishing two-factor sign-in.
OPEN_PREFIXES = ("/static/", "/api/", "/i18n/")
OPEN_NAMES = {"two_factor", "logout", "set_language", "health"}


class PrincipalMiddleware:
    """Attach `request.principal`: the signed-in user's roles, built once per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.principal = SimpleLazyObject(lambda: principal_for_user(request.user))  # type: ignore[attr-defined]
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Staff roles must confirm a TOTP code after their password before they see anything."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable[..., HttpResponse], args: object,
                     kwargs: object) -> HttpResponse | None:
        user = request.user
        if not settings.KASB_REQUIRE_STAFF_2FA or not user.is_authenticated or user.is_verified():  # type: ignore[union-attr, attr-defined]
            return None
        if request.path.startswith(OPEN_PREFIXES):
            return None
        match = request.resolver_match
        if match and match.url_name in OPEN_NAMES:
            return None
        if request.principal.is_staff_role:  # type: ignore[attr-defined]
            # Keep where they were going, so a link to a record still lands on it after the code.
            return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': request.get_full_path()})}")
        return None


class DomainErrorMiddleware:
    """A DomainError that escapes a view becomes a 403/404/400 page, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/") or not isinstance(exception, DomainError):
            return None
        return render(request, "web/error.html", {"message": exception.message}, status=exception.status)
