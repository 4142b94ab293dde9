"""A small fixed-window rate limiter for public pages (certificate verification, applications).

Counts live in Django's cache: local memory on one machine, Redis (REDIS_URL) when there are several,
so the same limit holds across app servers. A window is `window` seconds long; the first request of
a window opens its counter, every request adds one, and once a client has used `limit` the rest of
the window gets 429 Too Many Requests with a page in the reader's language and a Retry-After header.

The client is the connecting address. Behind load balancers set KASB_TRUSTED_PROXIES to how many
proxies append to X-Forwarded-For, so that the address they saw is used (never a header a client
could write itself). Limits can be tuned per scope with KASB_RATE_LIMITS = {"verify": 60}.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.utils.translation import gettext as _

View = TypeVar("View", bound=Callable[..., HttpResponse])


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window resets


def client_ip(request: HttpRequest) -> str:
    """The address the request came from, trusting only the configured number of proxies."""
    trusted = int(getattr(settings, "KASB_TRUSTED_PROXIES", 0) or 0)
    remote = str(request.META.get("REMOTE_ADDR") or "unknown")
    if trusted <= 0:
        return remote
    hops = [h.strip() for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    # Each trusted proxy appends the address it saw; the one the outermost proxy saw is `trusted` from the end.
    return hops[-trusted] if len(hops) >= trusted else remote


def limit_for(scope: str, default: int) -> int:
    configured = getattr(settings, "KASB_RATE_LIMITS", {}) or {}
    return int(configured.get(scope, default))


def hit(scope: str, identity: str, *, limit: int, window: int = 60, now: float | None = None) -> Verdict:
    """Count one request by `identity` in `scope`; allowed while the window's count stays within `limit`."""
    now = time.time() if now is None else now
    start = int(now // window) * window
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]  # no raw addresses as cache keys
    key = f"ratelimit:{scope}:{digest}:{start}"
    retry_after = max(1, int(start + window - now))
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr: this request opens the window
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return Verdict(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)


_PAGE = """{% load i18n %}{% get_current_language as LANG %}{% get_current_language_bidi as RTL %}<!doctype html>
<html lang="{{ LANG }}" dir="{% if RTL %}rtl{% else %}ltr{% endif %}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>{{ title }}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem">
<h1>{{ title }}</h1><p>{{ message }}</p></body></html>"""


def too_many_requests(request: HttpRequest, verdict: Verdict) -> HttpResponse:
    """429, as JSON for .json URLs and API-style clients, else a small page in the active language."""
    message = _("Too many requests from your connection. Please wait %(seconds)s seconds and try again.") % {
        "seconds": verdict.retry_after}
    wants_json = request.path.endswith(".json") or "application/json" in request.headers.get("Accept", "")
    response: HttpResponse
    if wants_json:
        response = JsonResponse({"code": "rate_limited", "message": message}, status=429)
    else:
        html = engines["django"].from_string(_PAGE).render({"title": _("Please slow down"), "message": message})
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def rate_limit(scope: str, *, limit: int, window: int = 60) -> Callable[[View], View]:
    """Decorate a view so that each client may call it `limit` times per `window` seconds (per scope)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            verdict = hit(scope, client_ip(request), limit=limit_for(scope, limit), window=window)
            if not verdict.allowed:
                return too_many_requests(request, verdict)
            return view(request, *args, **kwargs)
        return cast(View, wrapped)
    return decorate
