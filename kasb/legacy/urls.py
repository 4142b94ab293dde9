"""Every historical-records page, under <lang>/records/ in the "legacy" namespace."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "legacy"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.upload, name="upload"),
    path("templates/<slug:record_type>.<str:extension>", views.template, name="template"),
    path("imports/<int:pk>/", views.batch_status, name="batch"),
    path("imports/<int:pk>/problems.csv", views.batch_errors, name="batch_errors"),
    path("imports/<int:pk>/undo/", views.batch_undo, name="batch_undo"),
]
