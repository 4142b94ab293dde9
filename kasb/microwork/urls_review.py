"""Quality assurance, mounted at <lang>/microwork/review/ inside the microwork namespace."""

from django.urls import URLPattern, URLResolver, path

from .views import review

urlpatterns: list[URLPattern | URLResolver] = [
    path("", review.projects, name="review_projects"),
    path("projects/<int:pk>/", review.queue, name="review_queue"),
    path("projects/<int:pk>/appeals/", review.appeals, name="review_appeals"),
    path("projects/<int:pk>/results/", review.picks, name="review_picks"),
    path("submissions/<int:pk>/", review.submission_detail, name="review_submission"),
    path("submissions/<int:pk>/approve/", review.approve, name="review_approve"),
    path("submissions/<int:pk>/reject/", review.reject, name="review_reject"),
    path("tasks/<int:pk>/media/", review.media, name="review_media"),
    path("tasks/<int:pk>/result/", review.pick, name="review_pick"),
    path("appeals/<int:pk>/", review.appeal_decide, name="review_appeal"),
    path("standing/", review.standing, name="review_standing"),
    path("standing/<int:pk>/", review.worker, name="review_worker"),
    # The worker's side: appeal a rejection (linked from "My work").
    path("appeal/<int:submission_id>/", review.appeal, name="appeal"),
]
