"""Public pages: the application form and an applicant's own status (no account needed)."""

from django.urls import URLPattern, URLResolver

app_name = "apply"

urlpatterns: list[URLPattern | URLResolver] = []
