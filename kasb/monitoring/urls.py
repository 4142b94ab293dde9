"""Every monitoring page, under <lang>/monitoring/ in the "monitoring" namespace."""

from django.urls import URLPattern, URLResolver, path

from . import framework_views, insight_views, views

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
    path("insight/", insight_views.market_insight, name="insight"),
    path("insight.csv", insight_views.market_insight_csv, name="insight_csv"),
    path("frameworks/", framework_views.framework_list, name="frameworks"),
    path("frameworks/<int:pk>/", framework_views.framework_progress, name="framework"),
    path("frameworks/<int:pk>/edit/", framework_views.framework_edit, name="framework_edit"),
    path("frameworks/<int:pk>/iati.xml", framework_views.framework_iati, name="framework_iati"),
]
