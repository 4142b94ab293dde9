"""Every careers page, under <lang>/careers/ in the "careers" namespace."""

from django.urls import URLPattern, URLResolver

app_name = "careers"

urlpatterns: list[URLPattern | URLResolver] = []
