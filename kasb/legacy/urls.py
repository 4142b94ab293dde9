"""Every legacy page, under <lang>/legacy/ in the "legacy" namespace."""

from django.urls import URLPattern, URLResolver

app_name = "legacy"

urlpatterns: list[URLPattern | URLResolver] = []
