"""Staff pages: calls, applications, selection."""

from django.urls import path

from . import views

app_name = "outreach"

urlpatterns = [
    path("", views.call_list, name="calls"),
    path("new/", views.call_create, name="call_new"),
    path("<int:pk>/", views.call_detail, name="call"),
    path("<int:pk>/edit/", views.call_edit, name="call_edit"),
    path("<int:pk>/status/", views.call_status, name="call_status"),
    path("<int:pk>/applications/", views.application_list, name="applications"),
    path("<int:pk>/applications/<str:reference>/", views.application_detail, name="application"),
    path("<int:pk>/selection/", views.selection_screen, name="selection"),
    path("<int:pk>/selection/targets/", views.targets_panel, name="targets"),
    path("<int:pk>/selection/fill/", views.fill, name="fill"),
    path("<int:pk>/selection/waiting-list/", views.fill_waitlist, name="fill_waitlist"),
    path("<int:pk>/selection/scores/", views.rescore, name="rescore"),
    path("<int:pk>/selection/<str:reference>/rate/", views.rate, name="rate"),
    path("<int:pk>/selection/<str:reference>/decide/", views.decide, name="decide"),
    path("<int:pk>/enrol/", views.enrol, name="enrol"),
]
