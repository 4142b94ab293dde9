"""The worker's pages, mounted at <lang>/microwork/work/ inside the microwork namespace."""

from django.urls import path

from .views import work

urlpatterns = [
    path("", work.projects, name="work_projects"),
    path("preferences/", work.preferences, name="work_preferences"),
    path("projects/<int:pk>/", work.project, name="work_project"),
    path("projects/<int:pk>/start/", work.start, name="work_start"),
    path("task/<int:pk>/", work.task, name="work_task"),
    path("task/<int:pk>/more-time/", work.extend, name="work_extend"),
    path("task/<int:pk>/skip/", work.skip, name="work_skip"),
    path("task/<int:pk>/media/", work.media, name="work_media"),
    path("mine/", work.my_work, name="work_mine"),
]
