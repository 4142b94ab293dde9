"""Every monitoring page, under <lang>/monitoring/ in the "monitoring" namespace."""

from django.urls import URLPattern, URLResolver

app_name = "monitoring"

urlpatterns: list[URLPattern | URLResolver] = []
