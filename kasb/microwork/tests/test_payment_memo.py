"""The line a worker reads beside each payment for a task is in the worker's language, whatever language the
reviewer who approved it (or the automatic approval) was using. Found by the browser test: an Arabic-speaking
worker read "Task rev-001 approved: ..." in English on her Arabic "My money" page."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD
from kasb.core.permissions import Principal
from kasb.microwork.services import review
from kasb.participants.services import link_login
from kasb.payments.models import LedgerTransaction

from . import test_review as shared
from .test_review import do_tasks

_mounted, finance, funded = shared._mounted, shared.finance, shared.funded
reviewer, reviewer_user, second_reviewer = shared.reviewer, shared.reviewer_user, shared.second_reviewer

MEMO = "Task %(task)s approved: %(project)s"


def memo_in(language: str, task: str, project: str) -> str:
    with translation.override(language):
        return gettext(MEMO) % {"task": task, "project": project}


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_the_payment_memo_is_in_the_workers_language(funded: Any, make_workers: Any, coordinator: Principal,
                                                     reviewer: Principal, language: str) -> None:
    project = funded(tasks=1)
    (worker,) = make_workers(1)
    user = create_user(full_name="Worker", phone="+962795550999", password=PASSWORD, language=language)
    link_login(actor=coordinator, participant=worker, user=user)
    (submission,) = do_tasks(project, worker)
    with translation.override("en"):  # the reviewer works in English
        review.approve(actor=reviewer, submission=submission, feedback="")
    memo = LedgerTransaction.objects.get(idempotency_key=f"submission:{submission.pk}").memo
    assert memo == memo_in(language, "t0", project.name)
    assert memo != memo_in("en", "t0", project.name)  # a translation exists, so this test can tell


def test_an_upheld_appeal_pays_with_the_memo_in_the_workers_language(
        funded: Any, make_workers: Any, coordinator: Principal, reviewer: Principal,
        second_reviewer: Principal) -> None:
    project = funded(tasks=1)
    (worker,) = make_workers(1)
    user = create_user(full_name="Worker", phone="+962795550998", password=PASSWORD, language="ar")
    link_login(actor=coordinator, participant=worker, user=user)
    (submission,) = do_tasks(project, worker)
    with translation.override("en"):
        review.reject(actor=reviewer, submission=submission, reason_code="wrong", feedback="Total is wrong.")
        appeal = review.appeal(worker=worker, submission=submission, reason="It is right.")
        review.decide_appeal(actor=second_reviewer, appeal=appeal, upheld=True, note="It is right.")
    memo = LedgerTransaction.objects.get(idempotency_key=f"submission:{submission.pk}").memo
    assert memo == memo_in("ar", "t0", project.name)
