"""Public certificate verification: /verify/<code>/ (no sign-in, no private data, rate-limited)."""

from django.urls import URLPattern, URLResolver

app_name = "verify"

urlpatterns: list[URLPattern | URLResolver] = []
