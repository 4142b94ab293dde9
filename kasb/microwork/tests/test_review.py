"""Quality assurance: the sampled queue, approval that pays once, rejection with reason and feedback, no
self-review, automatic approval, coaching with notice, aggregated results, and the review pages
(escaped task data, flat query counts)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.conf.urls.i18n import i18n_patterns
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, URLPattern, URLResolver, include, path, reverse
from django.utils import timezone

from kasb.conftest import sign_in
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.models import AuditEvent
from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.microwork.models import Project, ReasonCode, Submission, Task, TaskResult, WorkerProfile
from kasb.microwork.services import review
from kasb.microwork.services.work import claim_next_task, submit_work
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Participant
from kasb.participants.services import link_login
from kasb.payments.models import Account, LedgerTransaction
from kasb.payments.services import record_deposit, reserve, worker_account

ANSWER = {"total": "12.5", "kind": "receipt"}


# --- mounting the pages until kasb/urls.py does ------------------------------------------------------

def _pages() -> list[URLPattern | URLResolver]:
    import kasb.urls

    inner: list[URLPattern | URLResolver] = [path("review/", include("kasb.microwork.urls_review"))]
    try:
        import kasb.microwork.urls_work  # noqa: F401
    except ImportError:
        pass
    else:
        inner.append(path("work/", include("kasb.microwork.urls_work")))
    mounted: Any = include((inner, "microwork"))
    root: list[Any] = kasb.urls.urlpatterns
    return [*root, *i18n_patterns(path("microwork/", mounted))]


def __getattr__(name: str) -> Any:
    if name == "urlpatterns":  # read by Django only when this module is the URLconf
        return _pages()
    raise AttributeError(name)


@pytest.fixture(autouse=True)
def _mounted(settings: Any) -> None:
    try:
        reverse("microwork:review_projects")
    except NoReverseMatch:
        settings.ROOT_URLCONF = __name__


def url(name: str, *args: Any) -> str:
    return reverse(f"microwork:{name}", args=args)


# --- fixtures ----------------------------------------------------------------------------------------

@pytest.fixture
def finance(member: Callable[..., Any]) -> Principal:
    return principal_for_user(member(Role.FINANCE_OFFICER))


@pytest.fixture
def funded(make_project: Callable[..., Project], finance: Principal, world: dict[str, Any]) -> Callable[..., Project]:
    """funded(...) -> a published project (pay 0.500 JOD, 10% fee) with 100 JOD reserved for it."""
    counter = iter(range(100))

    def make(**kwargs: Any) -> Project:
        n = next(counter)
        project = make_project(**kwargs)
        record_deposit(actor=finance, client=world["client"], amount=Money(100_000, "JOD"), reference=f"DEP-{n}",
                       received_on=date(2026, 1, 5))
        reservation = reserve(actor=finance, client=world["client"], amount=Money(100_000, "JOD"),
                              reference=f"microwork.project:{project.pk}", label=project.name,
                              idempotency_key=f"reserve:project:{project.pk}")
        Project.objects.filter(pk=project.pk).update(reservation=reservation)
        project.refresh_from_db()
        return project
    return make


@pytest.fixture
def reviewer_user(member: Callable[..., Any]) -> Any:
    return member(Role.QA_REVIEWER)


@pytest.fixture
def reviewer(reviewer_user: Any) -> Principal:
    return principal_for_user(reviewer_user)


@pytest.fixture
def second_reviewer(member: Callable[..., Any]) -> Principal:
    return principal_for_user(member(Role.QA_REVIEWER))


@pytest.fixture
def manager(member: Callable[..., Any]) -> Principal:
    return principal_for_user(member(Role.PROGRAMME_MANAGER))


def do_tasks(project: Project, worker: Participant, count: int = 1, answers: dict[str, Any] | None = None,
             now: Any = None) -> list[Submission]:
    done = []
    for n in range(count):
        lease = claim_next_task(worker=worker, project=project, now=now)
        done.append(submit_work(worker=worker, assignment_id=lease.pk, client_key=f"{project.pk}-{worker.pk}-{n}",
                                answers=answers or ANSWER, seconds_spent=50, now=now))
    return done


def seasoned(worker: Participant, *, reviewed: int = 30, approved: int = 30, gold_seen: int = 10,
             gold_correct: int = 10) -> None:
    """A worker with a good record: only the random sample of their work is reviewed."""
    WorkerProfile.objects.update_or_create(participant=worker, defaults={
        "reviewed": reviewed, "approved": approved, "gold_seen": gold_seen, "gold_correct": gold_correct})


def balance(worker: Participant) -> int:
    return -Account.objects.get(pk=worker_account(worker, "JOD").pk).balance


def sms(tmp_path: Path) -> list[dict[str, str]]:
    file = Path(django_settings.SMS_FILE_PATH) / "messages.jsonl"
    if not file.exists():
        return []
    return [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]


# --- approval and payment -------------------------------------------------------------------------------

def test_approval_pays_once_even_when_clicked_twice(funded: Any, make_workers: Any, reviewer: Principal) -> None:
    project = funded(tasks=1)
    (worker,) = make_workers(1)
    (submission,) = do_tasks(project, worker)
    first = review.approve(actor=reviewer, submission=submission, feedback="Clear and correct.")
    again = review.approve(actor=reviewer, submission=submission)
    assert first.status == again.status == Submission.Status.APPROVED
    assert first.payment_transaction_id == again.payment_transaction_id is not None
    txn = LedgerTransaction.objects.get(idempotency_key=f"submission:{submission.pk}")
    assert txn.pk == first.payment_transaction_id and txn.purpose_id == str(submission.pk)
    assert txn.memo == f"Task t0 approved: {project.name}"
    assert LedgerTransaction.objects.filter(purpose_type="microwork.submission").count() == 1
    assert balance(worker) == 500
    reservation = Account.objects.get(pk=project.reservation.account_id)  # type: ignore[union-attr]
    assert reservation.balance == -(100_000 - 550)  # pay and the 10% fee, once
    change = submission.history.get()
    assert (change.from_status, change.to_status, change.actor_id) == ("pending", "approved", reviewer.user.pk)
    profile = WorkerProfile.objects.get(participant=worker)
    assert (profile.reviewed, profile.approved) == (1, 1)
    assert AuditEvent.objects.filter(verb="submission.approved", object_id=str(submission.pk)).count() == 1


def test_an_unfunded_project_cannot_approve_without_paying(make_project: Any, make_workers: Any,
                                                          reviewer: Principal) -> None:
    project = make_project(tasks=1)
    (worker,) = make_workers(1)
    (submission,) = do_tasks(project, worker)
    with pytest.raises(Conflict) as error:
        review.approve(actor=reviewer, submission=submission)
    assert error.value.code == "project_not_funded"
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.PENDING


def test_surplus_work_is_paid_by_the_projects_rule(funded: Any, make_workers: Any, reviewer: Principal) -> None:
    project = funded(tasks=1)
    a, b = make_workers(2)
    slow = claim_next_task(worker=a, project=project)
    later = timezone.now() + timedelta(minutes=project.lease_minutes + 1)
    fast = claim_next_task(worker=b, project=project, now=later)
    submit_work(worker=b, assignment_id=fast.pk, client_key="b", answers=ANSWER, now=later)
    surplus = submit_work(worker=a, assignment_id=slow.pk, client_key="a", answers=ANSWER, now=later)
    assert surplus.surplus
    assert surplus in review.review_queue(project)  # always shown, flagged
    Project.objects.filter(pk=project.pk).update(pay_surplus=False)
    surplus.refresh_from_db()
    done = review.approve(actor=reviewer, submission=Submission.objects.get(pk=surplus.pk))
    assert done.status == Submission.Status.APPROVED and done.payment_transaction_id is None
    assert "surplus" in done.history.get().reason


def test_rejection_needs_a_listed_reason_and_written_feedback(funded: Any, make_workers: Any,
                                                              reviewer: Principal) -> None:
    project = funded(tasks=1)
    (worker,) = make_workers(1)
    (submission,) = do_tasks(project, worker)
    with pytest.raises(ValidationFailed) as error:
        review.reject(actor=reviewer, submission=submission, reason_code=ReasonCode.WRONG, feedback="   ")
    assert error.value.field == "feedback"
    with pytest.raises(ValidationFailed) as error:
        review.reject(actor=reviewer, submission=submission, reason_code="because", feedback="Wrong total.")
    assert error.value.field == "reason_code"
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.PENDING
    done = review.reject(actor=reviewer, submission=submission, reason_code=ReasonCode.WRONG,
                         feedback="The total on the receipt is 21.50, not 12.5.")
    assert (done.status, done.reason_code, done.reviewed_by_id) == ("rejected", "wrong", reviewer.user.pk)
    assert done.payment_transaction_id is None
    assert not LedgerTransaction.objects.filter(purpose_type="microwork.submission").exists()
    assert "21.50" in done.history.get().reason
    with pytest.raises(Conflict):
        review.approve(actor=reviewer, submission=done)


def test_nobody_reviews_their_own_work(funded: Any, make_workers: Any, reviewer_user: Any,
                                       coordinator: Principal) -> None:
    project = funded(tasks=2)
    (worker,) = make_workers(1)
    link_login(actor=coordinator, participant=worker, user=reviewer_user)  # a reviewer who also works
    own = principal_for_user(reviewer_user)
    assert own.participant_id == worker.pk
    (submission,) = do_tasks(project, worker)
    with pytest.raises(PermissionDenied) as error:
        review.approve(actor=own, submission=submission)
    assert error.value.code == "own_work"
    with pytest.raises(PermissionDenied):
        review.reject(actor=own, submission=submission, reason_code=ReasonCode.WRONG, feedback="No.")
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.PENDING


def test_only_reviewers_of_the_partner_review(funded: Any, make_workers: Any, member: Any,
                                              world: dict[str, Any]) -> None:
    project = funded(tasks=1)
    (worker,) = make_workers(1)
    (submission,) = do_tasks(project, worker)
    for outsider in (member(Role.CLIENT_MEMBER), member(Role.COORDINATOR), member(Role.QA_REVIEWER, "other")):
        with pytest.raises(PermissionDenied):
            review.approve(actor=principal_for_user(outsider), submission=submission)


# --- the queue and automatic approval ----------------------------------------------------------------------

def test_the_queue_samples_new_and_inaccurate_workers_fully_and_others_in_part(
        funded: Any, make_workers: Any) -> None:
    project = funded(tasks=100)
    new, good, shaky = make_workers(3)
    seasoned(good)
    seasoned(shaky, gold_seen=10, gold_correct=7)  # 70% on check questions
    mine = {who: do_tasks(project, who, 30) for who in (new, good, shaky)}
    waiting = set(review.review_queue(project).values_list("pk", flat=True))
    assert {s.pk for s in mine[new]} <= waiting
    assert {s.pk for s in mine[shaky]} <= waiting
    sampled = [s for s in mine[good] if s.pk in waiting]
    assert 2 <= len(sampled) <= 12  # about 20% of 30
    assert review.queue_sizes([project.pk]) == {project.pk: len(waiting)}
    WorkerProfile.objects.filter(participant=good).update(standing=WorkerProfile.Standing.COACHING)
    assert {s.pk for s in mine[good]} <= set(review.review_queue(project).values_list("pk", flat=True))


def test_auto_approval_after_the_review_window_pays(funded: Any, make_workers: Any,
                                                   django_capture_on_commit_callbacks: Any) -> None:
    project = funded(tasks=2)
    (worker,) = make_workers(1)
    first, second = do_tasks(project, worker, 2)
    assert review.auto_approve_due(timezone.now() + timedelta(hours=71)) == 0
    assert review.auto_approve_due(timezone.now() + timedelta(hours=73)) == 2
    for submission in (first, second):
        submission.refresh_from_db()
        assert submission.status == Submission.Status.APPROVED and submission.reviewed_by_id is None
        assert submission.payment_transaction_id is not None
        change = submission.history.get()
        assert change.actor_id is None and change.reason == "Auto-approved after 72 hours without review"
    assert balance(worker) == 1000
    assert review.auto_approve_due(timezone.now() + timedelta(hours=100)) == 0  # nothing twice
    assert LedgerTransaction.objects.filter(purpose_type="microwork.submission").count() == 2
    profile = WorkerProfile.objects.filter(participant=worker).first()
    assert profile is None or profile.reviewed == 0  # automatic approval is not a review


def test_unsampled_work_that_agrees_with_the_result_is_approved_at_the_next_sweep(
        funded: Any, make_workers: Any) -> None:
    project = funded(tasks=20, overlap=3)
    workers = make_workers(3)
    for who in workers:
        seasoned(who)
    for who in workers[:2]:
        do_tasks(project, who, 20)
    do_tasks(project, workers[2], 20, answers={"total": "99", "kind": "invoice"})
    waiting = set(review.review_queue(project).values_list("pk", flat=True))
    assert review.auto_approve_due() > 0
    results = TaskResult.objects.filter(task__project=project)
    assert results.count() == 20 and {r.answer["kind"] for r in results} == {"receipt"}
    for submission in Submission.objects.filter(project=project):
        if submission.pk in waiting:
            assert submission.status == Submission.Status.PENDING  # a person looks at the sample
        elif submission.worker_id == workers[2].pk:
            assert submission.status == Submission.Status.PENDING  # disagrees: waits for the window
        else:
            assert submission.status == Submission.Status.APPROVED
            assert "Agrees with the aggregated answer" in submission.history.get().reason


def test_gold_missed_goes_to_a_person_unless_the_project_auto_rejects(funded: Any, make_workers: Any) -> None:
    project = funded(tasks=0, gold=2, gold_percent=50)
    a, b = make_workers(2)
    (wrong,) = do_tasks(project, a, 1, answers={"total": "11", "kind": "receipt"})
    (right,) = do_tasks(project, b, 1, answers={"total": "10", "kind": "receipt"})
    assert (wrong.gold_correct, right.gold_correct) == (False, True)
    seasoned(a)
    counts = review.settle_project(project=project)
    assert counts["gold_rejected"] == 0 and counts["gold_approved"] == 1
    assert wrong.pk in set(review.review_queue(project).values_list("pk", flat=True))
    assert Submission.objects.get(pk=right.pk).status == Submission.Status.APPROVED
    project.auto_reject_gold_missed = True  # type: ignore[attr-defined]  # the field the lead adds
    assert review.settle_project(project=project)["gold_rejected"] == 1
    wrong.refresh_from_db()
    assert (wrong.status, wrong.reason_code, wrong.reviewed_by_id) == ("rejected", "gold_missed", None)
    assert wrong.feedback


# --- standing --------------------------------------------------------------------------------------------

def test_low_gold_accuracy_moves_a_worker_to_coaching_with_notice(
        funded: Any, make_workers: Any, reviewer: Principal, django_capture_on_commit_callbacks: Any,
        tmp_path: Path) -> None:
    project = funded(tasks=3, gold=10, gold_percent=50)
    (worker,) = make_workers(1)
    done = do_tasks(project, worker, 13, answers={"total": "3", "kind": "invoice"})  # every check question missed
    profile = WorkerProfile.objects.get(participant=worker)
    assert (profile.gold_seen, profile.gold_correct, profile.standing) == (10, 0, "good")
    with django_capture_on_commit_callbacks(execute=True):
        review.reject(actor=reviewer, submission=done[0], reason_code=ReasonCode.GOLD_MISSED,
                      feedback="The receipt total is 10.")
    profile.refresh_from_db()
    assert profile.standing == WorkerProfile.Standing.COACHING
    assert "0 of 10 check questions" in profile.standing_reason
    messages = sms(tmp_path)
    assert len(messages) == 1 and messages[0]["to"] == worker.phone
    assert "10" in messages[0]["text"]  # in the worker's language: Arabic for a Jordanian partner
    assert list(review.feedback_list(worker)) == [Submission.objects.get(pk=done[0].pk)]
    # In coaching, all their work is reviewed.
    WorkerProfile.objects.filter(pk=profile.pk).update(reviewed=100, approved=100, gold_seen=0, gold_correct=0)
    assert set(review.review_queue(project).values_list("pk", flat=True)) == {s.pk for s in done[1:]}
    assert sum(s.gold_correct is None for s in done) == 3


def test_a_low_approval_rate_moves_a_worker_to_coaching(funded: Any, make_workers: Any,
                                                        reviewer: Principal) -> None:
    project = funded(tasks=20)
    (worker,) = make_workers(1)
    done = do_tasks(project, worker, 20)
    for n, submission in enumerate(done):
        if n < 11:
            review.reject(actor=reviewer, submission=submission, reason_code=ReasonCode.INCOMPLETE,
                          feedback="Both fields are needed.")
        else:
            review.approve(actor=reviewer, submission=submission)
        standing = WorkerProfile.objects.get(participant=worker).standing
        assert standing == ("coaching" if n == 19 else "good")


def test_the_sweep_coaches_a_worker_whose_check_questions_fail_without_any_review(
        funded: Any, make_workers: Any, django_capture_on_commit_callbacks: Any, tmp_path: Path) -> None:
    project = funded(tasks=0, gold=10, gold_percent=50, overlap=2)
    worker, fine = make_workers(2)
    do_tasks(project, worker, 10, answers={"total": "3", "kind": "receipt"})
    do_tasks(project, fine, 10, answers={"total": "10", "kind": "receipt"})
    with django_capture_on_commit_callbacks(execute=True):
        review.auto_approve_due()
    assert WorkerProfile.objects.get(participant=worker).standing == "coaching"
    assert WorkerProfile.objects.get(participant=fine).standing == "good"
    with django_capture_on_commit_callbacks(execute=True):
        assert review.coach_low_accuracy() == 0  # told once
    assert [m["to"] for m in sms(tmp_path)] == [worker.phone]


# --- aggregation and picks --------------------------------------------------------------------------------

def test_aggregate_project_and_a_reviewers_pick(funded: Any, make_workers: Any, reviewer: Principal) -> None:
    project = funded(tasks=2, overlap=3)
    Project.objects.filter(pk=project.pk).update(answer_fields=[
        {"name": "kind", "label": "Kind", "type": "single_choice", "choices": ["receipt", "invoice"]},
        {"name": "shop", "label": "Shop", "type": "text"}])
    project.refresh_from_db()
    a, b, c = make_workers(3)
    do_tasks(project, a, 2, answers={"kind": "receipt", "shop": "Bakery  Amal"})
    do_tasks(project, b, 2, answers={"kind": "receipt", "shop": "bakery amal"})
    do_tasks(project, c, 2, answers={"kind": "invoice", "shop": "Pharmacy"})
    first = Task.objects.get(project=project, external_id="t0")
    Submission.objects.filter(task=first, worker=b).update(answers={"kind": "receipt", "shop": "Grocer"})
    assert review.aggregate_project(project) == 1
    second = TaskResult.objects.get(task__external_id="t1", task__project=project)
    assert second.answer == {"kind": "receipt", "shop": "Bakery  Amal"}
    assert second.method == TaskResult.Method.DAWID_SKENE and 0.5 < second.confidence <= 1
    assert list(review.tasks_needing_a_pick(project)) == [first]
    chosen = review.choose_result(actor=reviewer, task=first, answer={"kind": "receipt", "shop": "Bakery Amal"})
    assert (chosen.method, chosen.confidence) == (TaskResult.Method.REVIEWER, 1.0)
    review.aggregate_project(project)
    assert TaskResult.objects.get(task=first).answer == {"kind": "receipt", "shop": "Bakery Amal"}
    with pytest.raises(ValidationFailed):
        review.choose_result(actor=reviewer, task=first, answer={"kind": "bill", "shop": "x"})


# --- pages ---------------------------------------------------------------------------------------------

XSS = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>']


def test_the_review_page_escapes_task_data_and_answers(funded: Any, make_workers: Any, reviewer_user: Any) -> None:
    project = funded(tasks=1)
    Task.objects.filter(project=project).update(data={"image": XSS[0], "note": XSS[1], XSS[1]: "key"})
    Project.objects.filter(pk=project.pk).update(answer_fields=[
        {"name": "total", "label": XSS[1], "type": "text"},
        {"name": "kind", "label": "Kind", "type": "single_choice", "choices": ["receipt", "invoice"]}])
    (worker,) = make_workers(1)
    do_tasks(Project.objects.get(pk=project.pk), worker, answers={"total": XSS[0], "kind": "receipt"})
    browser = sign_in(Client(), reviewer_user)
    response = browser.get(url("review_queue", project.pk))
    assert response.status_code == 200
    html = response.content.decode()
    for attack in XSS:
        assert attack not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html and "onerror=alert(1)>" not in html
    assert worker.full_name in html and re.search(r"W-[A-Z2-7]{10}", html)


def _queue_queries(browser: Client, project: Project) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url("review_queue", project.pk) + "?n=1")
    assert response.status_code == 200 and b"Approve and pay" in response.content
    return len(queries)


def test_queue_and_project_pages_keep_their_query_counts(funded: Any, make_workers: Any,
                                                         reviewer_user: Any) -> None:
    project = funded(tasks=60, overlap=2)
    workers = make_workers(4)
    do_tasks(project, workers[0], 3)
    do_tasks(project, workers[1], 3)
    browser = sign_in(Client(), reviewer_user)
    browser.get(url("review_queue", project.pk))  # warm the session
    small = _queue_queries(browser, project)
    with CaptureQueriesContext(connection) as queries:
        browser.get(url("review_projects"))
    projects_small = len(queries)
    do_tasks(project, workers[2], 25)
    do_tasks(project, workers[3], 25)
    funded(tasks=5)
    assert _queue_queries(browser, project) == small
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url("review_projects"))
    assert response.status_code == 200 and len(queries) == projects_small


def test_a_reviewer_rejects_through_the_page_and_needs_feedback(funded: Any, make_workers: Any,
                                                               reviewer_user: Any) -> None:
    project = funded(tasks=2)
    (worker,) = make_workers(1)
    first, _second = do_tasks(project, worker, 2)
    browser = sign_in(Client(), reviewer_user)
    response = browser.post(url("review_reject", first.pk), {"reason_code": "wrong", "feedback": "", "n": "0"})
    assert response.status_code == 400 and b"errorlist" in response.content
    assert Submission.objects.get(pk=first.pk).status == Submission.Status.PENDING
    response = browser.post(url("review_reject", first.pk), {"reason_code": "wrong", "feedback": "Total is 3.",
                                                             "n": "0"})
    assert response.status_code == 302 and response["Location"].endswith("?n=0")
    assert Submission.objects.get(pk=first.pk).status == Submission.Status.REJECTED
    response = browser.post(url("review_approve", _second.pk), {"feedback": "", "n": "0"})
    again = browser.post(url("review_approve", _second.pk), {"feedback": "", "n": "0"})  # a double click
    assert response.status_code == again.status_code == 302
    assert LedgerTransaction.objects.filter(purpose_type="microwork.submission").count() == 1
    assert b"Nothing waits for review" in browser.get(url("review_queue", project.pk)).content


def test_a_reviewer_picks_a_result_on_the_page(funded: Any, make_workers: Any, reviewer_user: Any) -> None:
    project = funded(tasks=1, overlap=2)
    Project.objects.filter(pk=project.pk).update(answer_fields=[{"name": "shop", "label": "Shop", "type": "text"}])
    a, b = make_workers(2)
    first = do_tasks(Project.objects.get(pk=project.pk), a, answers={"shop": "Bakery"})[0]
    do_tasks(Project.objects.get(pk=project.pk), b, answers={"shop": "Pharmacy"})
    browser = sign_in(Client(), reviewer_user)
    assert browser.post(url("review_picks", project.pk)).status_code == 302  # recompute: nobody agrees
    listing = browser.get(url("review_picks", project.pk))
    assert url("review_pick", first.task_id).encode() in listing.content
    page = browser.get(url("review_pick", first.task_id) + f"?from={first.pk}")
    assert b'value="Bakery"' in page.content
    assert browser.post(url("review_pick", first.task_id), {"shop": "Bakery Amal"}).status_code == 302
    result = TaskResult.objects.get(task_id=first.task_id)
    assert (result.answer, result.method) == ({"shop": "Bakery Amal"}, "reviewer")


def test_review_pages_are_for_reviewers(funded: Any, make_workers: Any, member: Any) -> None:
    project = funded(tasks=1)
    browser = sign_in(Client(), member(Role.CLIENT_MEMBER))
    assert browser.get(url("review_projects")).status_code == 403
    assert browser.get(url("review_queue", project.pk)).status_code == 403
    other = sign_in(Client(), member(Role.QA_REVIEWER, "other"))
    assert other.get(url("review_queue", project.pk)).status_code == 404
