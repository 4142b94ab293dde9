"""The client's results pages, mounted at <lang>/microwork/results/ inside the microwork namespace."""

from django.urls import path

from .views import results

urlpatterns = [
    path("", results.project_list, name="results_list"),
    path("<int:pk>/", results.project, name="results_project"),
    path("<int:pk>/results.<str:fmt>", results.download, name="results_download"),
]
