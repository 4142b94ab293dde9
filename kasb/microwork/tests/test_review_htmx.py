"""The review queue is boosted by htmx, which swaps in no 4xx answer: a rejection refused for want of feedback
must come back as 200 with the errors, or the reviewer sees nothing happen. Found by the browser test."""

from __future__ import annotations

from typing import Any

from django.test import Client

from kasb.conftest import sign_in
from kasb.microwork.models import Submission

from . import test_review as shared
from .test_review import do_tasks, url

_mounted, finance, funded = shared._mounted, shared.finance, shared.funded
reviewer, reviewer_user = shared.reviewer, shared.reviewer_user


def test_a_boosted_rejection_without_feedback_shows_the_error_and_keeps_a_reloadable_address(
        funded: Any, make_workers: Any, reviewer_user: Any) -> None:
    project = funded(tasks=1)
    (worker,) = make_workers(1)
    (submission,) = do_tasks(project, worker)
    browser = sign_in(Client(), reviewer_user)
    response = browser.post(url("review_reject", submission.pk), {"reason_code": "wrong", "feedback": "", "n": "0"},
                            HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps it in
    assert 'id="reject_feedback_errors"' in html and 'value="wrong" selected' in html  # the choice is kept
    assert response["HX-Push-Url"] == url("review_submission", submission.pk)  # not the POST-only address
    assert browser.get(response["HX-Push-Url"]).status_code == 200
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.PENDING
    # Without htmx the answer stays a 400 with the same errors.
    plain = browser.post(url("review_reject", submission.pk), {"reason_code": "wrong", "feedback": "", "n": "0"})
    assert plain.status_code == 400 and "HX-Push-Url" not in plain and b"reject_feedback_errors" in plain.content
