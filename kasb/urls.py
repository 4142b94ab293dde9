from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from kasb.api.urls import api
from kasb.web import views as web_views

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", web_views.set_language, name="set_language"),
    path("healthz", web_views.health, name="health"),
]
urlpatterns += i18n_patterns(
    path("", include("kasb.web.urls")),
    path("accounts/", include("kasb.accounts.urls")),
    path("organisations/", include("kasb.orgs.urls")),
    path("participants/", include("kasb.participants.urls")),
    path("payments/", include("kasb.payments.urls")),
    path("training/", include("kasb.training.urls")),
    path("outreach/", include("kasb.outreach.urls")),
    path("apply/", include("kasb.outreach.urls_public")),
    path("verify/", include("kasb.training.urls_verify")),
    path("microwork/", include("kasb.microwork.urls")),
    path("careers/", include("kasb.careers.urls")),
    path("surveys/", include("kasb.surveys.urls")),
    path("records/", include("kasb.legacy.urls")),
    path("monitoring/", include("kasb.monitoring.urls")),
    path("admin/", admin.site.urls),
)
