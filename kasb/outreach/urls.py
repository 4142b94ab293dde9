"""Staff pages: calls, applications, selection."""

from django.urls import URLPattern, URLResolver

app_name = "outreach"

urlpatterns: list[URLPattern | URLResolver] = []
