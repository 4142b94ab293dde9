"""Public certificate verification: /verify/<code>/ (no sign-in, no private data, rate-limited)."""

from django.urls import URLPattern, URLResolver, path

from .views import verify

app_name = "verify"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", verify.verify_form, name="form"),
    path("<str:code>/", verify.verify_certificate, name="certificate"),
    path("<str:code>/badge.json", verify.badge, name="badge"),
    path("<str:code>/status.json", verify.status_list, name="status"),
]
