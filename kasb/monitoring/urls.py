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
    path("report/prepare/", views.prepare_report, name="prepare_report"),
    path("report/runs/<int:pk>/", views.run_detail, name="run"),
    path("report/runs/<int:pk>/download/", views.run_download, name="run_download"),
    path("indicators/<slug:code>.csv", views.indicator_csv, name="indicator_csv"),
]
