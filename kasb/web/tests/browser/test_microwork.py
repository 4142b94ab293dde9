"""The microwork marketplace in a real browser, each person on their own device (issue 5, "What must show").

A client member creates a translation project from its template on a desktop, uploads its tasks as a
CSV and watches the check finish; publishing below Jordan's minimum wage is refused with the reason,
and at a fair pay the money already deposited in escrow is reserved and the project opens. A worker
whose language is Arabic takes the tasks on a phone-sized screen (pay, time and hourly rate shown
first, a countdown while she works). A QA reviewer rejects one answer with a reason and feedback and
approves the others; she appeals the rejection, a second reviewer upholds it; "My money" shows one
payment per task with the task it was for, and the balance is their sum. The client downloads the
results and finds only pseudonyms in them: no name, e-mail or phone of the worker.

The set-up that has no screen is made through services: the programme, the client's deposit (a
finance officer's page, tested in test_payments.py), the worker's login and verified skill.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, registration
from kasb.core.money import Money
from kasb.core.permissions import Role
from kasb.microwork.models import Appeal, Assignment, Project, ReasonCode, Submission, Task
from kasb.microwork.services.results import pseudonym
from kasb.microwork.views.work import duration
from kasb.orgs.models import Programme
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_programme
from kasb.participants.models import Participant
from kasb.participants.services import link_login, register_participant
from kasb.payments.models import LedgerTransaction
from kasb.payments.services import record_deposit
from kasb.skills.models import Evidence, Skill
from kasb.skills.services import verify_skill

from .conftest import DESKTOP, PHONE, TIMEOUT_MS, go_to, sign_in_browser, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROJECT = "Shop reviews, March"
WORKER_NAME = ("Rania", "Qasem")
WORKER_LOGIN = "+962795550101"       # her sign-in
WORKER_PHONE = "+962795550202"       # the phone on her record
WORKER_EMAIL = "rania.qasem@example.org"
TASKS = [("rev-001", "التوصيل كان سريعاً والموظفون لطفاء."),
         ("rev-002", "الطعام وصل بارداً."),
         ("rev-003", "سأطلب مرة أخرى بالتأكيد.")]
TRANSLATIONS = ["The delivery was fast and the staff were kind.", "The food arrived cold.",
                "I will certainly order again."]
UNFAIR_PAY, FAIR_PAY = "0.040", "0.100"   # a task of 120 seconds: 1.200 and 3.000 JOD an hour; the floor is 1.395


# --- set-up through services ----------------------------------------------------------------------

def ensure_minimum_wages() -> None:
    """The minimum wages, as their data migration loads them (a transactional test empties the table)."""
    importlib.import_module("kasb.microwork.migrations.0002_minimum_wages").load(apps, None)


@pytest.fixture
def pages(browser: Any, live_server: Any) -> Iterator[Callable[[dict[str, int]], Any]]:
    """open(viewport) -> a page in a browser context of its own: each person has their own device."""
    contexts = []

    def open_page(viewport: dict[str, int]) -> Any:
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()
    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def marketplace(root: Any, world: dict[str, Any], member: Callable[..., User],
                coordinator: Any) -> dict[str, Any]:
    """A Jordanian microwork programme (10% fee), a client member whose organisation has 20 JOD in escrow, two
    QA reviewers, and a worker with an Arabic sign-in who speaks Arabic and English and is verified in
    Arabic–English translation."""
    ensure_minimum_wages()
    programme = create_programme(actor=root, partner=world["partner"], name="Microwork Jordan 2026", country="JO",
                                 currency="JOD", platform_fee_bps=1000)
    finance = principal_for_user(member(Role.FINANCE_OFFICER))
    record_deposit(actor=finance, client=world["client"], amount=Money(20_000, "JOD"), reference="TRF-MW-1",
                   received_on=date(2026, 1, 5))
    person = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        given_name=WORKER_NAME[0], family_name=WORKER_NAME[1], phone=WORKER_PHONE, id_number="945-00777001",
        email=WORKER_EMAIL, centre=world["irbid"], languages=["ar", "en"]))
    user = create_user(full_name=" ".join(WORKER_NAME), phone=WORKER_LOGIN, password=PASSWORD, language="ar")
    link_login(actor=coordinator, participant=person, user=user)
    verify_skill(actor=coordinator.user, participant=person, skill=Skill.objects.get(code="translation-ar-en"),
                 level=2, evidence=Evidence.TEST, evidence_type="qualification_test", evidence_id="mw-1")
    return {"programme": programme, "client_user": member(Role.CLIENT_MEMBER), "worker": person,
            "worker_user": user, "reviewer": member(Role.QA_REVIEWER), "second_reviewer": member(Role.QA_REVIEWER)}


def in_arabic(text: str) -> str:
    with translation.override("ar"):
        return gettext(text)


# --- 1. the client ------------------------------------------------------------------------------------

def create_project_from_template(page: Any, base_url: str, programme: Programme) -> Project:
    go_to(page, "/en/microwork/client/")
    page.wait_for_url("**/en/microwork/client/")
    with page.expect_navigation():
        page.click("main a[href='/en/microwork/client/new/']")
    with page.expect_navigation():
        page.click("main a.button[href='/en/microwork/client/new/translation/']")
    assert page.inner_text("main h1") == "New project: Text translation"
    # The template fills the instructions, the task data shown, the answer form and its skill.
    assert "Translate the meaning" in page.input_value("textarea[name=instructions]")
    assert page.is_checked("input[name=required_skills][value=translation-ar-en]")
    assert page.is_checked("input[name=languages][value=ar]") and page.is_checked("input[name=languages][value=en]")
    assert page.input_value("select[name=programme]") == str(programme.pk)
    page.fill("input[name=name]", PROJECT)
    page.fill("textarea[name=instructions]", "Translate each customer review into plain English.\n"
                                             "Keep names and numbers as they are.")
    # The client adds a field to the template's answer form: the shop named in the review, if any.
    form = json.loads(page.input_value("textarea[name=answer_fields]"))
    assert [field["name"] for field in form] == ["translation", "unsure"]
    form.append({"name": "shop", "label": "Shop named in the review", "type": "text", "required": False,
                 "max_length": 100})
    page.fill("textarea[name=answer_fields]", json.dumps(form))
    page.fill("input[name=pay_per_task]", UNFAIR_PAY)
    page.fill("input[name=estimated_seconds]", "120")
    page.fill("input[name=overlap]", "1")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    project = Project.objects.get(name=PROJECT)
    page.wait_for_url(f"**/en/microwork/client/{project.pk}/upload/")
    assert "The draft is saved. Upload its tasks next." in page.inner_text("ul.messages")
    return project


def upload_tasks(page: Any, project: Project, shoot: Callable[..., Any]) -> None:
    lines = io.StringIO()
    writer = csv.writer(lines)
    writer.writerow(["external_id", "text"])
    writer.writerows(TASKS)
    page.set_input_files("input[name=file]", files=[{"name": "march-reviews.csv", "mimeType": "text/csv",
                                                      "buffer": lines.getvalue().encode()}])
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_url(f"**/en/microwork/client/{project.pk}/uploads/*/")
    # The progress part polls until the check is finished (it may already be when the page first loads).
    page.locator("#progress", has_text="3 tasks added.").wait_for()
    assert page.locator("#progress progress").count() == 0
    assert page.locator("#upload-errors").count() == 0
    shoot(page, "mw-1-upload-done")
    with page.expect_navigation():
        page.click("#progress a.button")  # back to the project
    rows = page.inner_text("#tasks")
    assert all(external_id in rows and text in rows for external_id, text in TASKS)


def publish_refused_then_published(page: Any, base_url: str, project: Project, shoot: Callable[..., Any]) -> None:
    fair = page.inner_text("#fair-pay")
    assert "1.200 JOD" in fair and "below the minimum wage" in fair and "1.395 JOD" in fair
    with page.expect_navigation():
        page.click("main a.button[href$='/publish/']")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    reason = page.inner_text("main p.alert[role=alert]")
    assert ("0.040 JOD a task at 120 seconds a task is 1.200 JOD an hour, below the minimum wage in Jordan of "
            "1.395 JOD an hour. Pay at least 0.047 JOD a task.") in reason
    shoot(page, "mw-2-publish-refused-below-minimum-wage")
    project.refresh_from_db()
    assert project.status == Project.Status.DRAFT and project.reservation_id is None

    # The client raises the pay on the draft, then publishes: the money comes out of escrow.
    page.goto(f"{base_url}/en/microwork/client/{project.pk}/edit/")
    page.fill("input[name=pay_per_task]", FAIR_PAY)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "The project is saved." in page.inner_text("ul.messages")
    fair = page.inner_text("#fair-pay")
    assert "3.000 JOD" in fair and "at or above the minimum wage" in fair
    with page.expect_navigation():
        page.click("main a.button[href$='/publish/']")
    funding = page.inner_text("#funding")
    # 3 tasks × 1 answer × (0.100 pay + 0.010 fee)
    assert "0.330 JOD" in funding and "20.000 JOD" in funding
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "The project is published: workers can start." in page.inner_text("ul.messages")
    assert page.inner_text("main .title-row .badge") == "Published"
    assert "19.670 JOD" in page.inner_text("#funding")  # what is left in escrow
    shoot(page, "mw-3-published")
    project.refresh_from_db()
    assert project.status == Project.Status.PUBLISHED and project.pay == Money(100, "JOD")


# --- 2. the worker --------------------------------------------------------------------------------------

def find_the_project(page: Any, project: Project) -> None:
    go_to(page, "/ar/microwork/work/")
    page.wait_for_url("**/ar/microwork/work/")
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
    card = page.locator(f"article[aria-labelledby=p{project.pk}]")
    facts = card.locator("dl.facts")
    values = [facts.locator("dd").nth(n).inner_text() for n in range(facts.locator("dd").count())]
    assert PROJECT in card.locator("h2").inner_text()
    # Pay per task, the client's time estimate, the hourly rate it makes, and the tasks left.
    with translation.override("ar"):
        two_minutes = duration(120)
    assert values[1] == "0.100 JOD" and values[2] == two_minutes and values[3] == "3.000 JOD" and values[4] == "3"
    labels = facts.inner_text()
    assert in_arabic("Pay per task") in labels and in_arabic("Pay per hour") in labels
    assert in_arabic("Time per task (client's estimate)") in labels


def answer(page: Any, text: str) -> None:
    page.fill("#answer textarea[name=a-translation]", text)
    page.check("#answer input[name=a-unsure][value=no]")


def do_the_tasks(page: Any, project: Project, shoot: Callable[..., Any]) -> list[str]:
    """Start, see the countdown run, answer and submit each task; returns the tasks in the order done."""
    with page.expect_navigation():
        page.click(f"article[aria-labelledby=p{project.pk}] form button[type=submit]")
    page.wait_for_url("**/ar/microwork/work/task/*/")
    countdown = page.locator("#lease time[data-left]")
    first = countdown.inner_text()
    assert re.fullmatch(r"1[45]:\d\d", first), first  # a lease of 15 minutes
    page.wait_for_function("t => document.querySelector('#lease time').textContent !== t", arg=first)
    assert in_arabic("Time left") in page.inner_text("#lease")
    done: list[str] = []
    for n, translation_text in enumerate(TRANSLATIONS):
        task_id = page.locator("#task p.muted bdi").inner_text()
        done.append(task_id)
        assert dict(TASKS)[task_id] in page.inner_text("#task dl.data")  # the client's text, as written
        if n == 0:  # sent without the translation: the problem shows beside the field, the choice is kept
            page.check("#answer input[name=a-unsure][value=yes]")
            page.click("#answer .actions button:not([formaction])")
            page.locator("#answer .field.has-error textarea[name=a-translation]").wait_for()
            assert page.is_checked("#answer input[name=a-unsure][value=yes]")
        answer(page, translation_text)
        if n == 0:
            page.locator("#task h1").scroll_into_view_if_needed()
            shoot(page, "mw-4-task-ar-phone", full_page=False)
            shoot(page, "mw-4-task-ar-phone-full")
        if n == 0:  # the form's default button ("Enter" presses it) is out of sight
            box = page.locator("#answer button[type=submit]").first.bounding_box()
            assert box is not None and (box["x"] + box["width"] <= 0 or box["x"] >= PHONE["width"]), box
        if n == 1:  # the phone keyboard's "Go" in a one-line field sends the answer (it must not ask for more time)
            page.fill("#answer input[name=a-shop]", "مطعم الياسمين")
            page.press("#answer input[name=a-shop]", "Enter")
        else:
            page.click("#answer .actions button:not([formaction])")  # Submit (htmx swaps in the next task)
        if n < len(TRANSLATIONS) - 1:
            page.wait_for_function("t => document.querySelector('#task p.muted bdi').textContent !== t",
                                   arg=task_id)
            assert page.locator("#task p.done[role=status]").count() == 1  # "your answer is saved"
        else:
            page.locator("#task #answer").wait_for(state="detached")
    assert in_arabic("There is no task for you in this project right now. Thank you!") in page.inner_text("#task")
    return done


# --- 3. and 5. the reviewers ---------------------------------------------------------------------------

def review_queue(page: Any, base_url: str, reviewer: User, project: Project, reject: str,
                 shoot: Callable[..., Any]) -> None:
    """Reject the answer to task `reject` with a reason and feedback; approve the others."""
    sign_in_staff(page, base_url, reviewer)
    go_to(page, "/en/microwork/review/")
    page.wait_for_url("**/en/microwork/review/")
    with page.expect_navigation():
        page.click(f"main a[href='/en/microwork/review/projects/{project.pk}/']")
    assert "3 submissions wait for review." in page.inner_text("main")
    for left in (3, 2, 1):
        card = page.locator("#sub-title")
        task_id = re.sub(r"^Task (\S+).*$", r"\1", card.inner_text(), flags=re.S)
        assert f"{left} submission" in page.inner_text("main")
        assert " ".join(WORKER_NAME) in page.inner_text("main article")  # reviewers know who did the work
        if task_id == reject:
            page.select_option("#reject_reason_code", ReasonCode.INSTRUCTIONS.value)
            # Without written feedback the rejection is refused, and the page says so beside the field.
            page.click("main form[action$='/reject/'] button[type=submit]")
            page.locator("#reject_feedback_errors").wait_for()
            assert Submission.objects.filter(status=Submission.Status.REJECTED).count() == 0
            assert page.input_value("#reject_reason_code") == ReasonCode.INSTRUCTIONS.value  # the choice is kept
            page.fill("#reject_feedback", "Translate the whole review: the part about the staff is missing.")
            shoot(page, "mw-5-review-reject")
            with page.expect_navigation():
                page.click("main form[action$='/reject/'] button[type=submit]")
            assert "Rejected; the worker can read your feedback and appeal." in page.inner_text("ul.messages")
        else:
            with page.expect_navigation():
                page.click("main form[action$='/approve/'] button[type=submit]")
            assert "Approved; the worker is paid 0.100 JOD." in page.inner_text("ul.messages")
    assert "Nothing waits for review in this project." in page.inner_text("main")


def uphold_appeal(page: Any, base_url: str, reviewer: User, project: Project, task_id: str,
                  shoot: Callable[..., Any]) -> None:
    sign_in_staff(page, base_url, reviewer)
    page.goto(f"{base_url}/en/microwork/review/projects/{project.pk}/appeals/")
    row = page.locator("main tbody tr", has_text=task_id)
    assert "Instructions not followed" in row.inner_text() and "the staff" in row.inner_text()
    with page.expect_navigation():
        row.locator("a").click()
    details = page.inner_text("main .card dl.kv")
    assert "Translate the whole review" in details and "The staff were kind is there" in details
    page.check("input[name=upheld][value=yes]")
    page.fill("textarea[name=note]", "The translation does include the staff; the rejection was a mistake.")
    shoot(page, "mw-7-appeal-decision")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "Appeal decided; the worker is told by SMS." in page.inner_text("ul.messages")
    assert "No appeals wait for you." in page.inner_text("main table")


# --- 4. the worker appeals ------------------------------------------------------------------------------

def appeal_the_rejection(page: Any, submission: Submission, shoot: Callable[..., Any]) -> None:
    page.goto(page.url.split("/ar/")[0] + "/ar/microwork/work/mine/")
    row = page.locator(f"#s{submission.pk}")
    text = row.inner_text()
    assert in_arabic("Instructions not followed") in text and "the part about the staff is missing" in text
    assert in_arabic("Rejected") in row.locator(".badge.off").inner_text()
    # On a phone each cell is its label then its content: the feedback and the button sit in the content
    # column (left of the label, right to left), not under the label.
    room = page.evaluate("""id => {
        const button = document.querySelector(`#${id} a.button`), cell = button.closest('td');
        const right = cell.getBoundingClientRect().right;
        return [button, cell.querySelector('.muted bdi')].map(e => right - e.getBoundingClientRect().right);
    }""", f"s{submission.pk}")
    assert min(room) >= 90, room  # the label column (at least 6rem) is to their right
    shoot(page, "mw-6-my-work-rejected-ar-phone")
    with page.expect_navigation():
        row.locator("a.button").click()
    assert "the part about the staff is missing" in page.inner_text("main .card")
    page.fill("textarea[name=reason]", "The staff were kind is there: “the staff were kind” ends the sentence.")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_url("**/ar/microwork/work/mine/")
    assert in_arabic("Appeal waiting for a decision") in page.inner_text(f"#s{submission.pk}")


# --- 6. the worker's money -----------------------------------------------------------------------------

def my_money(page: Any, base_url: str, done: list[str], shoot: Callable[..., Any]) -> None:
    page.goto(f"{base_url}/ar/microwork/work/mine/")
    go_to(page, "/ar/payments/me/")
    page.wait_for_url("**/ar/payments/me/")
    assert page.get_attribute("html", "dir") == "rtl"
    rows = page.locator("#transactions tbody tr")
    assert rows.count() == 3
    for task_id in done:  # one payment for each task, naming it in her language, in full
        row = page.locator("#transactions tbody tr", has_text=task_id)
        memo = in_arabic("Task %(task)s approved: %(project)s") % {"task": task_id, "project": PROJECT}
        assert row.count() == 1 and memo in row.inner_text() and "+0.100 JOD" in row.inner_text()
    assert "0.300 JOD" in page.inner_text("#balances")  # 3 × 0.100
    shoot(page, "mw-8-my-money-ar-phone")


# --- 7. the client's results -------------------------------------------------------------------------

def download(page: Any, selector: str, folder: Path) -> tuple[str, bytes]:
    with page.expect_download() as started:
        page.click(selector)
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return started.value.suggested_filename, path.read_bytes()


def results_carry_pseudonyms_only(page: Any, base_url: str, project: Project, person: Participant,
                                  folder: Path, shoot: Callable[..., Any]) -> None:
    page.goto(f"{base_url}/en/microwork/client/{project.pk}/")
    with page.expect_navigation():
        page.click(f"main a[href='/en/microwork/results/{project.pk}/']")
    progress = page.inner_text("#progress")
    assert "3 of 3 tasks have all their answers" in progress and "Finished" in progress
    alias = pseudonym(project, person.pk)
    preview = page.inner_text("#preview")
    assert re.fullmatch(r"W-[A-Z0-9]{10}", alias) and alias in preview
    assert TRANSLATIONS[0] in preview and "No" in preview and "False" not in preview  # "Unsure": no, in words
    shoot(page, "mw-9-results")
    base = f"main a[href^='/en/microwork/results/{project.pk}/results."
    _name, tasks_csv = download(page, base + "csv']", folder)
    _name, answers_csv = download(page, base + "csv?layout=answers']", folder)
    _name, everything = download(page, base + "json']", folder)
    _name, workbook = download(page, base + "xlsx?layout=answers']", folder)
    assert workbook.startswith(b"PK")

    per_task = list(csv.DictReader(io.StringIO(tasks_csv.decode("utf-8"))))
    assert sorted(row["external_id"] for row in per_task) == sorted(t for t, _ in TASKS)
    assert {row["answer.translation"] for row in per_task} == set(TRANSLATIONS)
    per_answer = list(csv.DictReader(io.StringIO(answers_csv.decode("utf-8"))))
    assert [row["worker"] for row in per_answer] == [alias] * 3
    assert sorted(row["review"] for row in per_answer) == ["approved"] * 3
    data = json.loads(everything)
    assert {a["worker"] for task in data["tasks"] for a in task["answers"]} == {alias}

    # Nothing that names the worker reaches the client, in any of the files.
    person.refresh_from_db()
    secrets = [*WORKER_NAME, " ".join(WORKER_NAME), WORKER_EMAIL, WORKER_PHONE, WORKER_LOGIN, WORKER_PHONE[4:],
               person.reference, "945-00777001"]
    texts = {"csv": tasks_csv.decode(), "answers csv": answers_csv.decode(), "json": everything.decode(),
             "json (unescaped)": json.dumps(data, ensure_ascii=False)}
    for label, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} is in the {label} results"
    sheets = _xlsx_text(workbook)
    assert alias in sheets
    for secret in secrets:
        assert secret not in sheets, f"{secret!r} is in the xlsx results"


def _xlsx_text(workbook: bytes) -> str:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(workbook), read_only=True)
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


# --- the whole story -----------------------------------------------------------------------------

def test_a_project_from_template_to_paid_work_and_pseudonymous_results(
        pages: Callable[[dict[str, int]], Any], base_url: str, marketplace: dict[str, Any],
        shoot: Callable[..., Any], tmp_path: Path) -> None:
    # 1. The client creates the project, uploads its tasks; unfair pay is refused; fair pay publishes.
    client = pages(DESKTOP)
    sign_in_browser(client, base_url, marketplace["client_user"].email)
    project = create_project_from_template(client, base_url, marketplace["programme"])
    upload_tasks(client, project, shoot)
    assert Task.objects.filter(project=project).count() == 3
    publish_refused_then_published(client, base_url, project, shoot)

    # 2. The worker, in Arabic on her phone, sees the project and does its three tasks.
    phone = pages(PHONE)
    sign_in_browser(phone, base_url, WORKER_LOGIN, language="ar")
    phone.wait_for_url("**/ar/dashboard/")
    find_the_project(phone, project)
    shoot(phone, "mw-4-projects-ar-phone")
    done = do_the_tasks(phone, project, shoot)
    person = marketplace["worker"]
    submissions = {s.task.external_id: s for s in Submission.objects.filter(worker=person).select_related("task")}
    assert sorted(submissions) == sorted(done) and len(done) == 3
    assert submissions[done[0]].seconds_spent >= 1  # time spent is recorded (she watched the countdown tick)
    assert submissions[done[1]].answers["shop"] == "مطعم الياسمين"  # sent with "Enter"
    assert Assignment.objects.get(pk=submissions[done[1]].assignment_id or 0).extensions == 0  # and not "More time"

    # 3. A reviewer rejects the answer to the first task with a reason and feedback, approves the others.
    rejected_task = done[0]
    first = pages(DESKTOP)
    review_queue(first, base_url, marketplace["reviewer"], project, rejected_task, shoot)
    rejected = Submission.objects.get(pk=submissions[rejected_task].pk)
    assert rejected.status == Submission.Status.REJECTED and rejected.reason_code == ReasonCode.INSTRUCTIONS
    assert rejected.payment_transaction_id is None

    # 4. She reads why on her phone and appeals.
    appeal_the_rejection(phone, rejected, shoot)
    appeal = Appeal.objects.get(submission=rejected)
    assert appeal.upheld is None and "ends the sentence" in appeal.reason

    # 5. The first reviewer may not decide it; a second reviewer upholds it.
    first.goto(f"{base_url}/en/microwork/review/projects/{project.pk}/appeals/")
    assert "No appeals wait for you." in first.inner_text("main table")
    uphold_appeal(pages(DESKTOP), base_url, marketplace["second_reviewer"], project, rejected_task, shoot)
    rejected.refresh_from_db()
    assert rejected.status == Submission.Status.APPROVED and rejected.payment_transaction_id is not None

    # 6. Her money: a payment for each task, the upheld one in full; the balance is their sum.
    my_money(phone, base_url, done, shoot)
    assert LedgerTransaction.objects.filter(purpose_type="microwork.submission").count() == 3

    # 7. The client downloads the results: pseudonyms only.
    results_carry_pseudonyms_only(client, base_url, project, person, tmp_path, shoot)
