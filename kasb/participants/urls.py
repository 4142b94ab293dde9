from django.urls import path

from . import views

app_name = "participants"

urlpatterns = [
    path("", views.participant_list, name="list"),
    path("register/", views.register, name="register"),
    path("me/", views.my_record, name="me"),
    path("import/", views.import_upload, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_status, name="import_status"),
    path("import/<int:pk>/errors.csv", views.import_errors, name="import_errors"),
    path("<str:reference>/", views.participant_detail, name="detail"),
]
