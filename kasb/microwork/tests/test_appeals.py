"""Appeals and standing: a worker appeals a rejection once and in time, a different reviewer decides, an upheld
appeal pays in full, the worker is told; suspension only after notice (or for fraud), lifting restores."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, registration, sign_in
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.permissions import Principal
from kasb.microwork.models import Appeal, Project, ReasonCode, Submission, WorkerProfile
from kasb.microwork.services import review
from kasb.participants.models import Participant
from kasb.participants.services import link_login, register_participant
from kasb.payments.models import LedgerTransaction

from . import test_review as shared
from .test_review import balance, do_tasks, sms, url

# The review tests' fixtures, shared by name.
_mounted, finance, funded, manager = shared._mounted, shared.finance, shared.funded, shared.manager
reviewer, reviewer_user, second_reviewer = shared.reviewer, shared.reviewer_user, shared.second_reviewer


@pytest.fixture
def rejected(funded: Any, make_workers: Any, reviewer: Principal) -> tuple[Project, Participant, Submission]:
    project = funded(tasks=2)
    (worker,) = make_workers(1)
    first, _second = do_tasks(project, worker, 2)
    done = review.reject(actor=reviewer, submission=first, reason_code=ReasonCode.WRONG,
                         feedback="The total is 21.50.")
    return project, worker, done


def test_an_appeal_upheld_by_another_reviewer_pays_in_full_and_tells_the_worker(
        rejected: Any, reviewer: Principal, second_reviewer: Principal, django_capture_on_commit_callbacks: Any,
        tmp_path: Path) -> None:
    project, worker, submission = rejected
    made = review.appeal(worker=worker, submission=submission, reason="The receipt says 12.5; look at line 3.")
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.APPEALED
    assert list(review.appeals_for(reviewer, project)) == []  # not for the reviewer who rejected
    assert list(review.appeals_for(second_reviewer, project)) == [made]
    with pytest.raises(PermissionDenied) as error:
        review.decide_appeal(actor=reviewer, appeal=made, upheld=True, note="I was wrong.")
    assert error.value.code == "same_reviewer"
    with django_capture_on_commit_callbacks(execute=True):
        decided = review.decide_appeal(actor=second_reviewer, appeal=made, upheld=True,
                                       note="The receipt does say 12.5.")
    assert decided.upheld is True and decided.decided_by_id == second_reviewer.user.pk
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED and submission.reason_code == ""
    txn = LedgerTransaction.objects.get(idempotency_key=f"submission:{submission.pk}")
    assert submission.payment_transaction_id == txn.pk
    assert balance(worker) == 500  # in full
    assert [(h.from_status, h.to_status) for h in submission.history.all()] == [
        ("pending", "rejected"), ("rejected", "appealed"), ("appealed", "approved")]
    profile = WorkerProfile.objects.get(participant=worker)
    assert (profile.reviewed, profile.approved) == (1, 1)
    messages = sms(tmp_path)
    assert len(messages) == 1 and messages[0]["to"] == worker.phone and "12.5" in messages[0]["text"]
    # Deciding again (a double click) changes nothing and pays nothing more.
    review.decide_appeal(actor=second_reviewer, appeal=made, upheld=True, note="Again.")
    assert LedgerTransaction.objects.filter(purpose_type="microwork.submission").count() == 1


def test_an_appeal_not_upheld_stays_rejected_with_the_note(rejected: Any, second_reviewer: Principal) -> None:
    _project, worker, submission = rejected
    made = review.appeal(worker=worker, submission=submission, reason="I think it is right.")
    with pytest.raises(ValidationFailed):
        review.decide_appeal(actor=second_reviewer, appeal=made, upheld=False, note=" ")
    review.decide_appeal(actor=second_reviewer, appeal=made, upheld=False, note="Line 3 shows 21.50.")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REJECTED and submission.payment_transaction_id is None
    assert Appeal.objects.get(pk=made.pk).note == "Line 3 shows 21.50."
    assert not LedgerTransaction.objects.filter(purpose_type="microwork.submission").exists()
    with pytest.raises(Conflict) as error:
        review.appeal(worker=worker, submission=submission, reason="Please look again.")
    assert error.value.code == "already_appealed"


def test_an_appeal_outside_the_period_is_refused(rejected: Any) -> None:
    project, worker, submission = rejected
    late = submission.reviewed_at + timedelta(days=project.appeal_days, minutes=1)
    with pytest.raises(Conflict) as error:
        review.appeal(worker=worker, submission=submission, reason="I was away.", now=late)
    assert error.value.code == "appeal_window_closed"
    in_time = submission.reviewed_at + timedelta(days=project.appeal_days - 1)
    assert review.appeal(worker=worker, submission=submission, reason="Please look.", now=in_time).pk


def test_only_the_worker_appeals_their_own_rejected_work(rejected: Any, make_workers: Any) -> None:
    project, worker, submission = rejected
    (someone,) = make_workers(1)
    with pytest.raises(Exception) as error:
        review.appeal(worker=someone, submission=submission, reason="Mine?")
    assert getattr(error.value, "code", "") == "not_found"
    pending = Submission.objects.filter(project=project, status=Submission.Status.PENDING).get()
    with pytest.raises(Conflict):
        review.appeal(worker=worker, submission=pending, reason="Not rejected yet.")


def test_the_worker_appeals_on_the_page_and_a_second_reviewer_upholds_on_the_page(
        funded: Any, coordinator: Principal, world: dict[str, Any], reviewer: Principal, member: Any) -> None:
    project = funded(tasks=1)
    person = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        given_name="Huda", phone="+962793000001", id_number="948-00000001", centre=world["irbid"]))
    user = create_user(full_name="Huda", phone="+962794000001", password=PASSWORD)
    link_login(actor=coordinator, participant=person, user=user)
    (submission,) = do_tasks(project, person)
    review.reject(actor=reviewer, submission=submission, reason_code=ReasonCode.INCOMPLETE, feedback="Kind missing.")
    phone = sign_in(Client(), user)
    page = phone.get(url("appeal", submission.pk))
    assert page.status_code == 200 and b"Kind missing." in page.content
    assert phone.post(url("appeal", submission.pk), {"reason": ""}).status_code == 400
    assert phone.post(url("appeal", submission.pk), {"reason": "Both are filled in."}).status_code == 302
    made = Appeal.objects.get(submission=submission)
    second = sign_in(Client(), member("qa_reviewer"))
    listing = second.get(url("review_appeals", project.pk))
    assert url("review_appeal", made.pk).encode() in listing.content
    response = second.post(url("review_appeal", made.pk), {"upheld": "yes", "note": "Both are there."})
    assert response.status_code == 302
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.APPROVED
    assert balance(person) == 500
    # Someone else's rejected work is not theirs to appeal.
    assert sign_in(Client(), member("qa_reviewer")).get(url("appeal", submission.pk)).status_code == 404


# --- standing --------------------------------------------------------------------------------------------

def test_suspension_needs_notice_first_unless_fraud_and_lifting_restores(
        make_workers: Any, manager: Principal, reviewer: Principal, django_capture_on_commit_callbacks: Any,
        tmp_path: Path) -> None:
    worker, cheat = make_workers(2)
    with pytest.raises(PermissionDenied):
        review.give_suspension_notice(actor=reviewer, worker=worker, reason="Copied answers.")  # reviewers coach
    with pytest.raises(Conflict) as error:
        review.suspend_worker(actor=manager, worker=worker)
    assert error.value.code == "notice_required"
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        review.give_suspension_notice(actor=manager, worker=worker, reason="Answers copied from another worker.",
                                      now=now)
    with pytest.raises(Conflict) as error:
        review.suspend_worker(actor=manager, worker=worker, now=now + timedelta(days=6))
    assert error.value.code == "notice_running"
    with django_capture_on_commit_callbacks(execute=True):
        profile = review.suspend_worker(actor=manager, worker=worker, now=now + timedelta(days=7, minutes=1))
    assert profile.standing == WorkerProfile.Standing.SUSPENDED
    assert profile.standing_reason == "Answers copied from another worker."
    assert profile.standing_notice_at == now
    with pytest.raises(ValidationFailed):
        review.suspend_worker(actor=manager, worker=cheat, fraud=True, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        fraud = review.suspend_worker(actor=manager, worker=cheat, fraud=True, reason="Two accounts, one person.")
    assert fraud.standing == "suspended" and "Two accounts" in fraud.standing_reason
    with django_capture_on_commit_callbacks(execute=True):
        lifted = review.lift_standing(actor=manager, worker=worker, note="Talked it through at the centre.")
    assert (lifted.standing, lifted.standing_notice_at) == ("good", None)
    texts = [m["text"] for m in sms(tmp_path)]
    assert len(texts) == 4 and all(t.startswith("Kasb:") for t in texts)
    assert [m["to"] for m in sms(tmp_path)] == [worker.phone, worker.phone, cheat.phone, worker.phone]


def test_the_standing_pages_for_a_programme_manager(make_workers: Any, member: Any,
                                                    login: Callable[..., Client]) -> None:
    (worker,) = make_workers(1)
    boss = member("programme_manager")
    browser = login(boss)
    found = browser.get(url("review_standing") + f"?reference={worker.reference}")
    assert found.status_code == 302 and found["Location"] == url("review_worker", worker.pk)
    response = browser.post(url("review_worker", worker.pk), {"action": "coach", "reason": ""})
    assert response.status_code == 400
    response = browser.post(url("review_worker", worker.pk), {"action": "coach", "reason": "Accuracy fell."})
    assert response.status_code == 302
    assert WorkerProfile.objects.get(participant=worker).standing == "coaching"
    listing = browser.get(url("review_standing"))
    assert worker.full_name.encode() in listing.content
    response = browser.post(url("review_worker", worker.pk), {"action": "suspend", "fraud": "", "reason": ""})
    assert response.status_code == 400 and b"notice" in response.content
    assert login(member("qa_reviewer")).get(url("review_standing")).status_code == 403
