"""Every surveys page, under <lang>/surveys/ in the "surveys" namespace."""

from django.urls import URLPattern, URLResolver, path

from . import public_views, views

app_name = "surveys"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_new, name="new"),
    path("install/", views.install, name="install"),
    path("<int:pk>/", views.builder, name="builder"),
    path("<int:pk>/edit/", views.survey_edit, name="edit"),
    path("<int:pk>/status/", views.survey_move, name="move"),
    path("<int:pk>/questions/<int:qid>/", views.question_edit, name="question"),
    path("<int:pk>/questions/<int:qid>/move/", views.question_action, name="question_action"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/remind/", views.remind, name="remind"),
    path("<int:pk>/results/", views.results_page, name="results"),
    # The public answer page: the single-use link of an invitation (no sign-in).
    path("a/<str:token>/", public_views.answer, name="answer"),
]
