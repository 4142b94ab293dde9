"""From call to certificate in a real browser: the whole pathway of issue 4, with each person on their own device.

An applicant applies in Arabic on a phone and takes the placement test from her status page; a
coordinator selects her and offers her a cohort place; she signs in and accepts; a trainer marks her
present on today's roster (her transport stipend is paid) and grades her; the coordinator completes
her enrolment; she downloads the certificate, and the link its QR code holds says it is valid.

The sign-in is made through services: Kasb has no screen yet for a coordinator to give a selected
applicant a login (participants.services.link_login is called by the demo and the tests only).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
import qrcode
from django.utils import timezone, translation
from django.utils.translation import gettext

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD
from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import Area, Organisation
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_programme
from kasb.outreach import services as outreach
from kasb.outreach.models import Application, Call
from kasb.participants.services import link_login
from kasb.payments.services import fund_programme
from kasb.training.models import Attendance, Certificate, Cohort, Enrolment, Session
from kasb.training.models import TestAttempt as Attempt
from kasb.training.models import TestItem as Item
from kasb.training.services import courses, placement

from .conftest import DESKTOP, PHONE, TIMEOUT_MS, go_to, sign_in_browser, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_NUMBER = "+962 79 123 4567"
NAME = ("ريم", "الخطيب")


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


def programme_with_cohort_and_call(root: Principal, world: dict[str, Any], manager: Principal, finance: Principal,
                                   trainer: User) -> tuple[Call, Cohort, Session]:
    """A funded programme at Irbid: a one-module course, the real placement test, a cohort meeting today, a call."""
    partner, irbid = world["partner"], world["irbid"]
    programme = create_programme(actor=root, partner=partner, name="Digital skills 2027", country="JO",
                                 currency="JOD")
    fund_programme(actor=finance, programme=programme, amount=Money.parse("200.000", "JOD"),
                   reference="UNICEF-JOR-TEST-01", received_on=timezone.localdate())
    course = courses.create_course(
        actor=manager, partner=partner, code="digital-first-steps", modality="in_person",
        title={"en": "Digital first steps", "ar": "الخطوات الرقمية الأولى"},
        modules=[{"title": {"en": "Using a phone and a computer", "ar": "استخدام الهاتف والحاسوب"}, "hours": 3,
                  "has_assessment": True, "pass_mark_percent": 60}],
        skills=[("computer-basics", 1), ("phone-basics", 1)], min_attendance_percent=80)
    test = placement.install_digital_literacy_test(partner=partner, courses={"basic": course})
    today = timezone.localdate()
    cohort = courses.create_cohort(actor=manager, course=course, programme=programme, centre=irbid,
                                   name="Digital first steps · Irbid", starts_on=today,
                                   ends_on=today + timedelta(days=30), capacity=12, trainers=[trainer],
                                   transport=Money.parse("1.500", "JOD"))
    # Today's session began half an hour ago (held, so it counts for completion), or at midnight.
    start = max(timezone.now() - timedelta(minutes=30), timezone.make_aware(datetime.combine(today, time(0, 0))))
    session = courses.add_session(actor=manager, cohort=cohort, starts_at=start, ends_at=start + timedelta(hours=3),
                                  module=course.modules.get())
    call = outreach.create_call(actor=manager, spec=outreach.CallSpec(
        programme=programme, slug="irbid-first-steps", title={"en": "Digital first steps in Irbid",
                                                              "ar": "الخطوات الرقمية الأولى في إربد"},
        opens_on=today - timedelta(days=3), closes_on=today + timedelta(days=10), places=10, courses=[course],
        centres=[irbid], min_age=16, max_age=30, placement_test=test, channels=["whatsapp", "flyer"],
        vulnerability_points={"women": 10, "refugees": 10}, targets={"women": 50}))
    outreach.open_call(actor=manager, call=call)
    return call, cohort, session


def apply_in_arabic(page: Any, base_url: str, call: Call, irbid: Organisation, shoot: Callable[..., Any]) -> None:
    page.goto(f"{base_url}/ar/apply/")
    assert page.get_attribute("html", "dir") == "rtl"
    with page.expect_navigation():
        page.click(f"a[href='/ar/apply/{call.slug}/'].button")
    page.fill("input[name=given_name]", NAME[0])
    page.fill("input[name=family_name]", NAME[1])
    page.check("input[name=sex][value=female]")
    page.fill("input[name=date_of_birth]", (timezone.localdate() - timedelta(days=365 * 22)).isoformat())
    page.fill("input[name=phone]", PHONE_NUMBER)
    page.select_option("select[name=nationality]", "SY")
    page.select_option("select[name=displacement_status]", "refugee")
    page.select_option("select[name=area]", str(Area.objects.get(code="JO-IR").pk))
    page.select_option("select[name=preferred_centre]", str(irbid.pk))
    page.fill("textarea[name=motivation]", "أريد أن أتعلم العمل عبر الإنترنت لأساعد عائلتي.")
    page.select_option("select[name=heard_via]", "whatsapp")
    page.check("input[name=consent_registration]")
    page.check("input[name=consent_contact]")
    page.locator("main h1").scroll_into_view_if_needed()
    shoot(page, "c2c-1-application-form-ar-phone", full_page=False)
    shoot(page, "c2c-1-application-form-ar-phone-full")
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def take_the_test(page: Any, application: Application, shoot: Callable[..., Any]) -> Attempt:
    """From the status page: start, answer most questions right (and copy the typing tasks), send."""
    link = page.locator("main a.button[href*='/training/test/a/']")
    assert link.count() == 1
    with page.expect_navigation():
        link.click()
    with page.expect_navigation():
        page.click("main form button[type=submit]")  # start the test: the time begins
    items = placement.active_items(application.call.placement_test)  # type: ignore[arg-type]
    assert page.locator("fieldset.q").count() == len(items) >= 20
    for number, item in enumerate(items):
        if item.kind == Item.Kind.TYPING:
            page.fill(f"textarea[name=item-{item.pk}]", item.typing_text)
        else:
            # Four in five right; the rest a plausible wrong answer.
            right = item.correct_choice or 0
            choice = right if number % 5 else (right + 1) % placement.choice_count(item)
            page.check(f"input[name=item-{item.pk}][value='{choice}']")
    page.locator("main h1").scroll_into_view_if_needed()
    shoot(page, "c2c-2-placement-test-ar-phone", full_page=False)
    typing = next(item for item in items if item.kind == Item.Kind.TYPING)
    page.locator(f"textarea[name=item-{typing.pk}]").scroll_into_view_if_needed()
    shoot(page, "c2c-2-placement-typing-ar-phone", full_page=False)
    with page.expect_navigation():
        page.click("#test-form button[type=submit]")
    attempt = Attempt.objects.select_related("band").get(applicant_token=application.token)
    assert attempt.submitted_at is not None and attempt.percent is not None and 70 <= attempt.percent < 90
    assert f"{attempt.percent}%" in page.inner_text("main")
    shoot(page, "c2c-3-placement-result-ar-phone", full_page=False)
    return attempt


def select_and_enrol(page: Any, base_url: str, coordinator: User, call: Call, cohort: Cohort,
                     application: Application) -> None:
    sign_in_staff(page, base_url, coordinator)
    page.goto(f"{base_url}/en/outreach/{call.pk}/selection/")
    row = page.locator(f"#app-{application.pk}")
    assert "Placement test:" in (row.text_content() or "")  # the score's parts, the test result among them
    row.locator("input[name=reason]").fill("Refugee woman from Irbid; strong test result")
    row.locator("button[value=select]").click()
    page.locator(f"#app-{application.pk} .badge.ok").wait_for()
    page.wait_for_function("document.querySelector('#targets').innerText.includes('1 of 10 places taken')")
    with page.expect_navigation():
        page.click(f"a[href='/en/outreach/{call.pk}/enrol/']")
    page.select_option("select[name=cohort]", str(cohort.pk))
    assert page.is_checked(f"input[name=application][value={application.reference}]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "1 person offered a place." in page.inner_text("main")


def test_from_call_to_certificate(pages: Callable[[dict[str, int]], Any], base_url: str, root: Principal,
                                  world: dict[str, Any], member: Callable[..., User], coordinator_user: User,
                                  shoot: Callable[..., Any], tmp_path: Path) -> None:
    manager = principal_for_user(member(Role.PROGRAMME_MANAGER))
    finance = principal_for_user(member(Role.FINANCE_OFFICER, "partner"))
    trainer = member(Role.TRAINER)
    call, cohort, session = programme_with_cohort_and_call(root, world, manager, finance, trainer)

    # 1. She applies in Arabic on her phone, then takes the placement test from her status page.
    phone = pages(PHONE)
    apply_in_arabic(phone, base_url, call, world["irbid"], shoot)
    application = Application.objects.get(call=call)
    assert phone.url.endswith(f"/ar/apply/status/{application.token}/?new=1")
    assert application.language == "ar" and application.given_name == NAME[0]
    attempt = take_the_test(phone, application, shoot)

    # 2. The coordinator selects her on the selection screen and offers her a place in the cohort.
    desk = pages(DESKTOP)
    select_and_enrol(desk, base_url, coordinator_user, call, cohort, application)
    application.refresh_from_db()
    assert application.status == Application.Status.ENROLLED and application.participant is not None
    enrolment = Enrolment.objects.get(cohort=cohort, participant=application.participant)
    assert enrolment.status == Enrolment.Status.OFFERED
    attempt.refresh_from_db()
    assert attempt.participant_id == application.participant_id  # her test result follows her

    # 3. She gets a sign-in (made through services: there is no screen for it yet) and accepts on her phone.
    user = create_user(full_name=" ".join(NAME), phone=PHONE_NUMBER, password=PASSWORD, language="ar")
    link_login(actor=principal_for_user(coordinator_user), participant=application.participant, user=user)
    mine = pages(PHONE)
    sign_in_browser(mine, base_url, PHONE_NUMBER, language="ar")
    go_to(mine, "/ar/training/me/")
    mine.wait_for_url("**/ar/training/me/")
    assert "الخطوات الرقمية الأولى" in mine.inner_text("main")  # the course title, in her language
    with mine.expect_navigation():
        mine.click("button[name=answer][value=accept]")
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACCEPTED
    shoot(mine, "c2c-4-my-learning-ar-phone")

    # 4. The trainer opens today's roster on a phone: everyone is ticked present; one tap saves it.
    roster = pages(PHONE)
    sign_in_staff(roster, base_url, trainer)
    roster.goto(f"{base_url}/ar/training/roster/")
    roster.wait_for_url(f"**/ar/training/sessions/{session.pk}/roster/")
    assert roster.get_attribute("html", "dir") == "rtl"
    assert roster.is_checked(f"#present-{enrolment.pk}")
    roster.click("#roster button[type=submit]")
    roster.locator(f"label[for=present-{enrolment.pk}] .badge.ok").wait_for()  # transport paid
    shoot(roster, "c2c-5-roster-ar-phone")
    mark = Attendance.objects.get(session=session, enrolment=enrolment)
    assert mark.present and mark.stipend_transaction_id is not None
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE  # her first session attended
    roster.goto(f"{base_url}/ar/training/cohorts/{cohort.pk}/modules/{session.module_id}/grades/")
    roster.fill(f"input[name=score_{enrolment.pk}]", "85")
    with roster.expect_navigation():
        roster.click("main form button[type=submit]")

    # 5. The coordinator completes her enrolment: the certificate is issued.
    desk.goto(f"{base_url}/en/training/certificates/cohorts/{cohort.pk}/")
    desk.locator(f"#enrolment-{enrolment.pk} button[type=submit]").click()
    desk.locator(f"#enrolment-{enrolment.pk} a[href*='/training/certificates/']").wait_for()
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.holder_name == " ".join(NAME)

    # 6. She downloads the PDF on her phone; the link and the QR code in it point to its verification page.
    mine.goto(f"{base_url}/ar/training/certificates/")
    with mine.expect_download() as download:
        mine.click(f"a[href='/ar/training/certificates/{certificate.code}/certificate.pdf']")
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    url = verification_link(pdf.read_bytes(), certificate.code)
    assert url == f"{base_url}/ar/verify/{certificate.code}/"

    # 7. Whoever scans it (no sign-in) is told it is valid.
    checker = pages(PHONE)
    checker.goto(url)
    with translation.override("ar"):
        valid = gettext("Valid certificate")
    verdict = checker.locator("main .verdict")
    assert valid in verdict.locator("h1").inner_text() and verdict.locator(".badge.ok").count() == 1
    assert " ".join(NAME) in verdict.inner_text()
    assert checker.get_attribute("html", "dir") == "rtl"
    shoot(checker, "c2c-6-verification-ar-phone")
    checker.goto(url.replace("/ar/", "/en/"))
    assert "Valid certificate" in checker.inner_text("main h1")


def verification_link(pdf: bytes, code: str) -> str:
    """The certificate's link, checked three ways: the clickable link, the printed address, and the QR code
    (its squares, as WeasyPrint draws the SVG, must be those of a QR code of that link)."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    links = [a.get_object()["/A"]["/URI"] for a in page.get("/Annots", [])]
    assert len(links) == 1 and code in links[0]
    url = str(links[0])
    assert url.split("//", 1)[1].split("/", 1)[1] in page.extract_text()  # printed under the QR code too
    contents = page.get_contents()
    assert contents is not None
    drawing = contents.get_data().decode("latin-1")
    squares = re.findall(r"(?m)^(\d+) (\d+) m\n(\d+) \2 l\n\3 (\d+) l\n\1 \4 l\nh$", drawing)
    drawn = {(int(x), int(y)) for x, y, right, bottom in squares if (int(right), int(bottom)) == (int(x) + 1,
                                                                                                   int(y) + 1)}
    expected = qrcode.QRCode(border=4)
    expected.add_data(url)
    expected.make(fit=True)
    modules = {(col, row) for row, line in enumerate(expected.get_matrix()) for col, dark in enumerate(line) if dark}
    assert drawn == modules, "the QR code on the certificate does not encode its verification link"
    return url
