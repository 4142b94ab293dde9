from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="new"),
    path("areas/", views.areas, name="areas"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/edit/", views.organisation_edit, name="edit"),
    path("<int:pk>/status/", views.organisation_status, name="status"),
    path("<int:pk>/members/add/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/programmes/new/", views.programme_create, name="programme_new"),
    path("<int:pk>/api-keys/", views.api_keys, name="api_keys"),
    path("<int:pk>/api-keys/<int:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
