"""Every surveys page, under <lang>/surveys/ in the "surveys" namespace."""

from django.urls import URLPattern, URLResolver

app_name = "surveys"

urlpatterns: list[URLPattern | URLResolver] = []
