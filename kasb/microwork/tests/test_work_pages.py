"""The worker's pages on a phone: projects, the task page (claim → submit → next), more time, skip, media,
uploads, my work; one submission per client key, errors beside their fields, small pages, flat query counts."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, registration, sign_in
from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.microwork.models import Appeal, Assignment, Project, Submission, Task, WorkerProfile
from kasb.microwork.services.work import claim_next_task, submit_work
from kasb.orgs.models import Programme
from kasb.orgs.services import create_programme
from kasb.participants.models import Participant
from kasb.participants.services import link_login, register_participant
from kasb.payments.services import pay_from_reservation, record_deposit, reserve
from kasb.web.tests.test_page_weight import BUDGET, weigh

from .conftest import FORM

LATER_TASK_BUDGET = 15 * 1024
ANSWER = {"a-total": "12.5", "a-kind": "receipt"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# --- fixtures ------------------------------------------------------------------------------------

def url(name: str, *args: Any, lang: str = "en") -> str:
    return re.sub(r"^/[a-z-]+/", f"/{lang}/", reverse(f"microwork:{name}", args=args), count=1)


@pytest.fixture
def signed_in(coordinator: Principal, world: dict[str, Any]) -> Callable[..., tuple[Participant, Client]]:
    """signed_in() -> a participant with a sign-in, and their phone's browser (gzip accepted)."""
    counter = iter(range(100))

    def make() -> tuple[Participant, Client]:
        n = next(counter)
        person = register_participant(actor=coordinator, partner=world["partner"], data=registration(
            given_name=f"Amal{n}", phone=f"+9627930{n:05d}", id_number=f"947-{n:08d}", centre=world["irbid"],
            languages=["ar", "en"]))
        user = create_user(full_name=f"Amal Haddad {n}", phone=f"+9627940{n:05d}", password=PASSWORD)
        link_login(actor=coordinator, participant=person, user=user)
        return person, sign_in(Client(HTTP_ACCEPT_ENCODING="gzip"), user)
    return make


@pytest.fixture
def project_with(world: dict[str, Any], work_programme: Programme) -> Callable[..., Project]:
    def make(*, tasks: int = 3, answer_fields: list[dict[str, Any]] | None = None, **fields: Any) -> Project:
        values: dict[str, Any] = {
            "client": world["client"], "programme": work_programme, "name": "Receipts", "task_type": "data_entry",
            "status": Project.Status.PUBLISHED, "instructions": "Type the total.\nThen the kind.",
            "answer_fields": answer_fields or FORM, "pay_per_task": 500, "currency": "JOD",
            "estimated_seconds": 60, "input_fields": ["shop"], **fields}
        project = Project.objects.create(**values)
        Task.objects.bulk_create([Task(project=project, external_id=f"t{n}",
                                       data={"shop": f"Shop {n}", "secret": "not-for-workers"}) for n in range(tasks)])
        return project
    return make


def body(response: Any) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return (gzip.decompress(data) if response.get("Content-Encoding") == "gzip" else data).decode()


def client_key(html: str) -> str:
    match = re.search(r'name="client_key" value="([^"]+)"', html)
    assert match, "the task page carries no client key"
    return match.group(1)


def start(browser: Client, project: Project, **data: str) -> Assignment:
    response = browser.post(url("work_start", project.pk), data)
    assert response.status_code == 302, body(response)[:500]
    assignment = Assignment.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert response["Location"] == url("work_task", assignment.pk)
    return assignment


# --- the flow ------------------------------------------------------------------------------------

def test_a_worker_claims_submits_and_gets_the_next_task_until_none_is_left(
        signed_in: Any, project_with: Any) -> None:
    project = project_with(tasks=2)
    person, browser = signed_in()
    listing = body(browser.get(url("work_projects")))
    assert "Receipts" in listing and "0.500 JOD" in listing and "30.000 JOD" in listing  # pay per hour at 60 s
    assert "Tasks left" in listing and f'action="{url("work_start", project.pk)}"' in listing

    first = start(browser, project)
    page = body(browser.get(url("work_task", first.pk)))
    assert "Shop" in page and "not-for-workers" not in page  # only the project's input fields are shown
    assert "Time left" in page and 'name="a-total"' in page and "<details class=\"card\" open>" in page
    response = browser.post(url("work_task", first.pk), {**ANSWER, "client_key": client_key(page)})
    second = Assignment.objects.exclude(pk=first.pk).get(worker=person)
    assert response.status_code == 302 and response["Location"] == url("work_task", second.pk)
    submission = Submission.objects.get(assignment=first)
    assert submission.answers == {"total": "12.5", "kind": "receipt"}
    assert 0 <= submission.seconds_spent <= project.lease_minutes * 60

    page = body(browser.get(url("work_task", second.pk)))
    assert "your answer is saved" in page
    done = browser.post(url("work_task", second.pk), {**ANSWER, "client_key": client_key(page)})
    assert done.status_code == 302 and done["Location"] == url("work_projects")
    assert "There is no task for you in this project right now" in body(browser.get(done["Location"]))
    assert Submission.objects.filter(worker=person).count() == 2


def test_with_htmx_a_submission_swaps_in_the_next_task(signed_in: Any, project_with: Any) -> None:
    project = project_with(tasks=2)
    person, browser = signed_in()
    first = start(browser, project)
    key = client_key(body(browser.get(url("work_task", first.pk))))
    response = browser.post(url("work_task", first.pk), {**ANSWER, "client_key": key}, HTTP_HX_REQUEST="true")
    second = Assignment.objects.exclude(pk=first.pk).get(worker=person)
    html = body(response)
    assert response.status_code == 200 and response["HX-Push-Url"] == url("work_task", second.pk)
    assert html.lstrip().startswith('<section id="task"') and "<html" not in html
    assert f'hx-post="{url("work_task", second.pk)}"' in html and "your answer is saved" in html
    last = browser.post(url("work_task", second.pk), {**ANSWER, "client_key": client_key(html)},
                        HTTP_HX_REQUEST="true")
    assert "There is no task for you in this project right now" in body(last)


def test_a_double_post_with_the_same_client_key_records_one_submission(signed_in: Any, project_with: Any) -> None:
    project = project_with(tasks=3)
    person, browser = signed_in()
    first = start(browser, project)
    key = client_key(body(browser.get(url("work_task", first.pk))))
    one = browser.post(url("work_task", first.pk), {**ANSWER, "client_key": key})
    two = browser.post(url("work_task", first.pk), {**ANSWER, "client_key": key})  # the retry on a bad line
    assert one.status_code == two.status_code == 302 and one["Location"] == two["Location"]
    assert Submission.objects.filter(worker=person).count() == 1
    assert Assignment.objects.filter(worker=person, status=Assignment.Status.ACTIVE).count() == 1
    assert Task.objects.get(pk=first.task_id).filled == 1


def test_validation_errors_show_beside_each_field_and_keep_the_input(signed_in: Any, project_with: Any) -> None:
    project = project_with(tasks=1)
    person, browser = signed_in()
    lease = start(browser, project)
    key = client_key(body(browser.get(url("work_task", lease.pk))))
    response = browser.post(url("work_task", lease.pk), {"a-total": "twelve", "client_key": key})
    html = body(response)
    assert response.status_code == 400
    assert re.search(r'name="a-total" value="twelve".*?id="a-total-error">Write a number', html, re.S)
    assert 'id="a-kind-error">This answer is required.' in html
    assert client_key(html) == key  # the retry after fixing counts as the same submission
    assert not Submission.objects.exists()
    fixed = browser.post(url("work_task", lease.pk), {**ANSWER, "client_key": key})
    assert fixed.status_code == 302 and Submission.objects.get().client_key == key

    chosen = project_with(tasks=1, name="Kinds", answer_fields=[
        {"name": "tags", "label": "Tags", "type": "multiple_choice", "choices": ["food", "fuel", "rent"]},
        {"name": "ok", "label": "Readable?", "type": "yes_no"},
        {"name": "notes", "label": "Notes", "type": "long_text", "max_length": 5}])
    lease = start(browser, chosen)
    key = client_key(body(browser.get(url("work_task", lease.pk))))
    html = body(browser.post(url("work_task", lease.pk), {"a-tags": ["food", "rent"], "a-ok": "no",
                                                          "a-notes": "far too long", "client_key": key}))
    assert 'value="food" checked' in html and 'value="rent" checked' in html and 'value="fuel">' in html
    assert 'value="no" checked' in html and ">far too long</textarea>" in html
    assert "Keep this under 5 characters." in html


def test_more_time_and_skip(signed_in: Any, project_with: Any) -> None:
    project = project_with(tasks=3)
    person, browser = signed_in()
    lease = start(browser, project)
    before = lease.expires_at
    partial = browser.post(url("work_extend", lease.pk), HTTP_HX_REQUEST="true")
    lease.refresh_from_db()
    assert lease.extensions == 1 and lease.expires_at > before
    assert body(partial).lstrip().startswith('<div id="lease"') and "more minutes" in body(partial)
    # Without JavaScript the whole form is posted to "More time": the page comes back with what was typed.
    page = browser.post(url("work_extend", lease.pk), {"a-total": "7", "client_key": "k-1"})
    assert page.status_code == 200 and 'name="a-total" value="7"' in body(page) and client_key(body(page)) == "k-1"

    skipped = browser.post(url("work_skip", lease.pk))
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.SKIPPED
    after = Assignment.objects.get(worker=person, status=Assignment.Status.ACTIVE)
    assert skipped["Location"] == url("work_task", after.pk) and after.task_id != lease.task_id
    assert "You skipped this task" in body(browser.get(url("work_task", lease.pk)))


def test_task_media_is_served_only_to_the_worker_holding_the_lease(signed_in: Any, project_with: Any) -> None:
    project = project_with(tasks=0)
    Task.objects.create(project=project, external_id="img", data={"shop": "A"},
                        media=SimpleUploadedFile("receipt.png", PNG, content_type="image/png"))
    holder, browser = signed_in()
    _other, stranger = signed_in()
    lease = start(browser, project)
    assert f'<img src="{url("work_media", lease.pk)}"' in body(browser.get(url("work_task", lease.pk)))
    served = browser.get(url("work_media", lease.pk))
    assert served.status_code == 200 and served["Content-Type"] == "image/png" and PNG in body_bytes(served)
    assert stranger.get(url("work_media", lease.pk)).status_code == 404
    Assignment.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert browser.get(url("work_media", lease.pk)).status_code == 404  # the lease is over


def body_bytes(response: Any) -> bytes:
    data = b"".join(response.streaming_content)
    return gzip.decompress(data) if response.get("Content-Encoding") == "gzip" else data


def test_answer_files_are_checked_stored_and_kept_across_errors(signed_in: Any, project_with: Any) -> None:
    project = project_with(tasks=1, name="Photos", answer_fields=[
        {"name": "photo", "label": "Photo of the shop", "type": "file"},
        {"name": "total", "label": "Total", "type": "number"}])
    person, browser = signed_in()
    lease = start(browser, project)
    page = body(browser.get(url("work_task", lease.pk)))
    assert 'enctype="multipart/form-data"' in page and 'accept=".csv,' in page
    key = client_key(page)
    fake = SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script>", content_type="image/png")
    html = body(browser.post(url("work_task", lease.pk), {"a-photo": fake, "a-total": "3", "client_key": key}))
    assert "This is not a real PNG file." in html
    exe = SimpleUploadedFile("photo.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    assert "This kind of file is not accepted here" in body(browser.post(
        url("work_task", lease.pk), {"a-photo": exe, "client_key": key}))

    good = SimpleUploadedFile("shop.png", PNG, content_type="image/png")
    response = browser.post(url("work_task", lease.pk), {"a-photo": good, "a-total": "x", "client_key": key})
    html = body(response)
    assert response.status_code == 400 and "Uploaded:" in html  # the file is kept; only the number is wrong
    stored = re.search(r'name="a-photo-stored" value="([^"]+)"', html)
    assert stored and stored.group(1).startswith(f"microwork/answers/{project.pk}/{lease.pk}/photo-")
    someone_elses = f"microwork/answers/{project.pk}/{lease.pk + 1}/photo-0123456789ab.png"
    forged = browser.post(url("work_task", lease.pk), {"a-photo-stored": someone_elses, "a-total": "3",
                                                       "client_key": key})
    assert forged.status_code == 400 and not Submission.objects.exists()  # only this lease's own files
    browser.post(url("work_task", lease.pk), {"a-photo-stored": stored.group(1), "a-total": "3", "client_key": key})
    assert Submission.objects.get().answers == {"photo": stored.group(1), "total": "3"}


def test_a_content_warning_is_confirmed_before_accepting_and_can_be_opted_out_of(
        signed_in: Any, project_with: Any) -> None:
    calm = project_with(tasks=1, name="Receipts")
    hard = project_with(tasks=1, name="Moderation", distressing=True,
                        content_warning="Images of violence.")
    person, browser = signed_in()
    listing = body(browser.get(url("work_projects")))
    assert "Content warning:" in listing and "Images of violence." in listing
    assert f'href="{url("work_project", hard.pk)}">Read the warning and start' in listing
    refused = browser.post(url("work_start", hard.pk))
    assert refused.status_code == 400 and "Tick the box" in body(refused)
    assert not Assignment.objects.exists()
    start(browser, hard, confirm="yes")

    browser.post(url("work_preferences"), {"avoid_distressing": "on"})
    assert WorkerProfile.objects.get(participant=person).avoid_distressing
    listing = body(browser.get(url("work_projects")))
    assert "Moderation" not in listing and "Receipts" in listing and " checked>" in listing
    assert browser.get(url("work_project", hard.pk)).status_code == 404
    browser.post(url("work_preferences"), {})
    assert not WorkerProfile.objects.get(participant=person).avoid_distressing
    assert calm.pk != hard.pk


def test_only_participants_see_work_and_only_their_eligible_projects(
        signed_in: Any, project_with: Any, member: Any, root: Principal, world: dict[str, Any]) -> None:
    project = project_with(tasks=1)
    staff = sign_in(Client(), member(Role.COORDINATOR))
    assert staff.get(url("work_projects")).status_code == 404
    assert staff.post(url("work_start", project.pk)).status_code == 404
    assert Client().get(url("work_projects")).status_code == 302  # to sign in
    other_programme = create_programme(actor=root, partner=world["other"], name="Tunis work", country="TN",
                                       currency="TND")
    elsewhere = project_with(tasks=1, name="Elsewhere", programme=other_programme, currency="TND")
    person, browser = signed_in()
    assert "Elsewhere" not in body(browser.get(url("work_projects")))
    assert browser.get(url("work_project", elsewhere.pk)).status_code == 404
    assert browser.post(url("work_start", elsewhere.pk)).status_code == 404
    lease = start(browser, project)
    _other, stranger = signed_in()
    assert stranger.get(url("work_task", lease.pk)).status_code == 404
    assert stranger.post(url("work_skip", lease.pk)).status_code == 404
    assert Assignment.objects.get(pk=lease.pk).status == Assignment.Status.ACTIVE
    nav = body(browser.get("/en/dashboard/"))
    assert f'href="{url("work_projects")}"' in nav


def test_a_suspended_worker_sees_the_notice_and_cannot_start(signed_in: Any, project_with: Any) -> None:
    project = project_with(tasks=1)
    person, browser = signed_in()
    WorkerProfile.objects.create(participant=person, standing="suspended", standing_reason="Copied answers",
                                 standing_notice_at=timezone.now())
    listing = body(browser.get(url("work_projects")))
    assert "Suspended" in listing and "Copied answers" in listing
    assert f'action="{url("work_start", project.pk)}"' not in listing
    refused = browser.post(url("work_start", project.pk))
    assert refused["Location"] == url("work_projects") and not Assignment.objects.exists()
    assert "Your work is suspended: Copied answers" in body(browser.get(url("work_projects")))


def test_arabic_task_page_is_right_to_left(signed_in: Any, project_with: Any) -> None:
    project = project_with(tasks=1)
    _person, browser = signed_in()
    lease = start(browser, project)
    html = body(browser.get(url("work_task", lease.pk, lang="ar")))
    assert '<html lang="ar" dir="rtl">' in html and 'name="a-total"' in html


# --- weight and queries --------------------------------------------------------------------------

def test_task_page_weighs_at_most_50_kb_and_a_later_task_at_most_15_kb(signed_in: Any, project_with: Any) -> None:
    project = project_with(tasks=3, examples=[{"input": {"shop": "Bakery"}, "answer": {"total": "3.5"},
                                               "why": "The total is at the bottom."}],
                           instructions="Type the total printed at the bottom of the receipt. " * 20)
    _person, browser = signed_in()
    lease = start(browser, project)
    first = weigh(browser, url("work_task", lease.pk))
    assert first["total_gz"] <= BUDGET, first
    assert first["js_gz"] > 0 and first["css_gz"] > 0  # htmx and the stylesheet are counted
    key = client_key(body(browser.get(url("work_task", lease.pk))))
    later = browser.post(url("work_task", lease.pk), {**ANSWER, "client_key": key}, HTTP_HX_REQUEST="true")
    assert later["Content-Encoding"] == "gzip" and "<link" not in body(later) and "<script" not in body(later)
    print(f"later task (htmx): {len(body(later).encode())} B raw / {len(later.content)} B gzip")
    assert len(later.content) <= LATER_TASK_BUDGET
    assert weigh(browser, url("work_projects"))["total_gz"] <= BUDGET
    assert weigh(browser, url("work_mine"))["total_gz"] <= BUDGET


def test_task_page_and_submitting_cost_the_same_queries_with_10_and_500_tasks(
        signed_in: Any, project_with: Any, make_workers: Any) -> None:
    project = project_with(tasks=10)
    person, browser = signed_in()

    def cycle() -> tuple[int, int]:
        lease = start(browser, project)
        browser.get(url("work_task", lease.pk))  # warm the session and the translations
        with CaptureQueriesContext(connection) as shown:
            page = body(browser.get(url("work_task", lease.pk)))
        with CaptureQueriesContext(connection) as sent:
            response = browser.post(url("work_task", lease.pk), {**ANSWER, "client_key": client_key(page)})
        assert response.status_code == 302
        return len(shown), len(sent)

    small = cycle()
    Task.objects.bulk_create([Task(project=project, external_id=f"more{n}", data={"shop": f"S{n}"})
                              for n in range(490)])
    for worker in make_workers(3):  # others at work on the same project
        for _n in range(2):
            lease = claim_next_task(worker=worker, project=project)
            submit_work(worker=worker, assignment_id=lease.pk, client_key=f"{worker.pk}-{_n}",
                        answers={"total": "1", "kind": "receipt"})
    assert Task.objects.filter(project=project).count() == 500
    large = cycle()
    assert large == small, f"(page, submit) queries: {small} with 10 tasks, {large} with 500"


def test_my_work_shows_status_review_appeal_earnings_accuracy_and_standing(
        signed_in: Any, project_with: Any, member: Any, world: dict[str, Any]) -> None:
    from kasb.orgs.queries import principal_for_user

    project = project_with(tasks=3, appeal_days=7)
    person, browser = signed_in()
    subs = []
    for n in range(3):
        lease = claim_next_task(worker=person, project=project)
        subs.append(submit_work(worker=person, assignment_id=lease.pk, client_key=f"k{n}",
                                answers={"total": "1", "kind": "receipt"}))
    now = timezone.now()
    Submission.objects.filter(pk=subs[0].pk).update(status="approved", reviewed_at=now)
    Submission.objects.filter(pk=subs[1].pk).update(status="rejected", reason_code="wrong", reviewed_at=now,
                                                    feedback="The total is the <b>last</b> line.")
    Submission.objects.filter(pk=subs[2].pk).update(status="appealed", reason_code="incomplete", reviewed_at=now)
    Appeal.objects.create(submission=subs[2], reason="Every field is filled.")
    WorkerProfile.objects.create(participant=person, gold_seen=4, gold_correct=3, reviewed=2, approved=1,
                                 standing="coaching", standing_reason="Accuracy below 80% on checks",
                                 standing_notice_at=now)
    finance = principal_for_user(member(Role.FINANCE_OFFICER))
    record_deposit(actor=finance, client=world["client"], amount=Money.parse("100", "JOD"), reference="T-1",
                   received_on=date(2026, 1, 5))
    funds = reserve(actor=finance, client=world["client"], amount=Money.parse("50", "JOD"),
                    reference=f"microwork.project:{project.pk}", label="Receipts", idempotency_key="r1")
    pay_from_reservation(actor=finance, reservation=funds, worker=person, amount=Money.parse("0.5", "JOD"),
                         fee=None, memo="Receipts: task t0 approved", purpose=("microwork.submission", str(subs[0].pk)),
                         idempotency_key=f"pay:{subs[0].pk}")
    html = body(browser.get(url("work_mine")))
    assert "Approved" in html and "Rejected" in html and "Appealed" in html and "Appeal waiting for a decision" in html
    assert "Answer does not match the task" in html and "the &lt;b&gt;last&lt;/b&gt; line" in html
    appeal = re.search(r'href="([^"]+)">Appeal</a>', html)
    assert appeal and appeal.group(1).endswith(f"/appeal/{subs[1].pk}/")
    assert html.count(">Appeal</a>") == 1  # only the rejection can be appealed
    assert "0.500 JOD" in html and "Receipts: task t0 approved" in html
    assert "75%" in html and "3 right of 4 check questions" in html
    assert "Coaching: supervised queue" in html and "Accuracy below 80% on checks" in html
    rejected_only = body(browser.get(url("work_mine") + "?status=rejected"))
    assert "Rejected" in rejected_only and f'id="s{subs[0].pk}"' not in rejected_only
    Submission.objects.filter(pk=subs[1].pk).update(reviewed_at=now - timedelta(days=8))
    assert ">Appeal</a>" not in body(browser.get(url("work_mine")))  # the appeal period is over


def test_my_work_costs_the_same_queries_with_3_and_40_submissions(signed_in: Any, project_with: Any) -> None:
    project = project_with(tasks=45)
    person, browser = signed_in()

    def add(count: int) -> None:
        for _n in range(count):
            lease = claim_next_task(worker=person, project=project)
            submit_work(worker=person, assignment_id=lease.pk, client_key=f"k{lease.pk}",
                        answers={"total": "1", "kind": "receipt"})

    add(3)
    browser.get(url("work_mine"))
    with CaptureQueriesContext(connection) as small:
        browser.get(url("work_mine"))
    add(37)
    with CaptureQueriesContext(connection) as large:
        html = body(browser.get(url("work_mine")))
    assert len(large) == len(small)
    assert html.count('<tr id="s') == 30 and "Older" in html
