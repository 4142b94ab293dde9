"""Every monitoring page, under <lang>/monitoring/ in the "monitoring" namespace."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "monitoring"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("report/", views.report, name="report"),
    path("report.csv", views.report_csv, name="report_csv"),
    path("report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("indicators/<slug:code>.csv", views.indicator_csv, name="indicator_csv"),
]
