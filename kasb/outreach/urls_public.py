"""Public pages: the application form and an applicant's own status (no account needed)."""

from django.urls import path

from . import public_views

app_name = "apply"

urlpatterns = [
    path("", public_views.open_calls, name="calls"),
    path("status/<str:token>/", public_views.status, name="status"),
    path("status/<str:token>/withdraw/", public_views.withdraw, name="withdraw"),
    path("<slug:slug>/", public_views.apply, name="form"),
]
