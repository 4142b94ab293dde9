"""Every microwork page, under <lang>/microwork/ in the "microwork" namespace. One flat list: each area
adds its own lines."""

from django.urls import URLPattern, URLResolver, include, path

from .views import clients

app_name = "microwork"

urlpatterns: list[URLPattern | URLResolver] = [
    # The client's projects (views/clients.py)
    path("client/", clients.project_list, name="client_projects"),
    path("client/new/", clients.choose_type, name="client_new"),
    path("client/new/<str:task_type>/", clients.create, name="client_create"),
    path("client/<int:pk>/", clients.detail, name="client_project"),
    path("client/<int:pk>/edit/", clients.edit, name="client_edit"),
    path("client/<int:pk>/upload/", clients.upload, name="client_upload"),
    path("client/<int:pk>/upload/template.csv", clients.upload_template, name="client_upload_template"),
    path("client/<int:pk>/uploads/<int:upload_pk>/", clients.upload_status, name="client_upload_status"),
    path("client/<int:pk>/uploads/<int:upload_pk>/problems.csv", clients.upload_problems,
         name="client_upload_problems"),
    path("client/<int:pk>/publish/", clients.publish, name="client_publish"),
    path("client/<int:pk>/pause/", clients.pause, name="client_pause"),
    path("client/<int:pk>/resume/", clients.resume, name="client_resume"),
    path("client/<int:pk>/cancel/", clients.cancel, name="client_cancel"),
    path("client/<int:pk>/reprice/", clients.reprice, name="client_reprice"),
    # The worker's pages, quality assurance and the client's results (their own url modules)
    path("work/", include("kasb.microwork.urls_work")),
    path("review/", include("kasb.microwork.urls_review")),
    path("results/", include("kasb.microwork.urls_results")),
]
