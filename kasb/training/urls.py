"""Training pages, one URL module per area so that each can grow on its own."""

from django.urls import include, path

app_name = "training"

urlpatterns = [
    path("test/", include("kasb.training.urls_placement")),
    path("", include("kasb.training.urls_cohorts")),
    path("certificates/", include("kasb.training.urls_certificates")),
    path("support/", include("kasb.training.urls_support")),
]
