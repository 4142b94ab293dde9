"""From CV to placement in a real browser (issue 6), each person on their own device.

A participant whose name is registered in Arabic builds her CV in Arabic on a phone and downloads the PDF (right
to left, her name in Arabic script); registers for a job fair and shows her QR code, which a coordinator opens
at the door to check her in; applies to an internship that matches her verified skills; the employer shortlists,
interviews, offers and places her; the placement appears on her careers record.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from django.utils import timezone

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.careers.models import CV, CareerApplication, Placement, Registration
from kasb.careers.services.events import create_event
from kasb.careers.services.opportunities import post_opportunity
from kasb.conftest import PASSWORD, registration
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import Area
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Participant
from kasb.participants.services import link_login, register_participant
from kasb.skills.models import Evidence, Skill
from kasb.skills.services import verify_skill

from .conftest import DESKTOP, PHONE, TIMEOUT_MS, sign_in_browser, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_NUMBER = "+962 79 555 0101"
NAME = ("ريم", "الخطيب")


@pytest.fixture
def pages(browser: Any, live_server: Any) -> Iterator[Callable[[dict[str, int]], Any]]:
    contexts = []

    def open_page(viewport: dict[str, int]) -> Any:
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()
    yield open_page
    for context in contexts:
        context.close()


def reem(coordinator: Principal, world: dict[str, Any]) -> Participant:
    """Registered at the Irbid centre with her name in Arabic; two skills verified by a course; a sign-in."""
    person = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        given_name=NAME[0], family_name=NAME[1], centre=world["irbid"], phone=PHONE_NUMBER, id_number="945-55550101",
        area=Area.objects.get(code="JO-IR")))
    for code in ("data-entry", "email"):
        verify_skill(actor=None, participant=person, skill=Skill.objects.get(code=code), level=2,
                     evidence=Evidence.COURSE, evidence_type="training.certificate", evidence_id="DEMO-0001")
    user = create_user(full_name=" ".join(NAME), phone=PHONE_NUMBER, password=PASSWORD, language="ar")
    link_login(actor=coordinator, participant=person, user=user)
    return person


def build_cv_in_arabic(phone: Any, base_url: str, shoot: Callable[..., Any], tmp_path: Path) -> bytes:
    sign_in_browser(phone, base_url, PHONE_NUMBER, language="ar")
    phone.goto(f"{base_url}/ar/careers/cv/")
    assert phone.get_attribute("html", "dir") == "rtl"
    assert phone.input_value("input[name=display_name]") == " ".join(NAME)  # from the registry, as typed
    phone.select_option("select[name=language]", "ar")
    phone.fill("input[name=headline]", "مدخلة بيانات دقيقة وسريعة")
    phone.fill("textarea[name=profile]", "أتقن إدخال البيانات والبريد الإلكتروني.")
    with phone.expect_navigation():
        phone.click("#cv-form button[type=submit]")
    phone.click("details summary")
    phone.select_option("select[name=kind]", "education")
    phone.fill("input[name=title]", "الثانوية العامة")
    phone.fill("input[name=organisation]", "مدرسة إربد")
    with phone.expect_navigation():
        phone.click("form[action$='/cv/entries/'] button[type=submit]")
    assert "الثانوية العامة" in phone.inner_text("main")
    shoot(phone, "careers-1-cv-ar-phone")
    with phone.expect_download() as download:
        phone.click("#cv-pdf")
    pdf = tmp_path / "cv.pdf"
    download.value.save_as(pdf)
    return pdf.read_bytes()


def register_and_check_in(phone: Any, desk: Any, base_url: str, fair_pk: int, coordinator_user: User,
                          shoot: Callable[..., Any]) -> None:
    phone.goto(f"{base_url}/ar/careers/events/{fair_pk}/")
    with phone.expect_navigation():
        phone.click("#registration button[type=submit]")
    qr = phone.locator("#checkin-qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    checkin_url = qr.get_attribute("data-url")
    shoot(phone, "careers-2-fair-qr-ar-phone")
    # At the door: the coordinator's phone camera opens the address in the code.
    sign_in_staff(desk, base_url, coordinator_user)
    desk.goto(checkin_url.replace("/ar/", "/en/"))
    assert " ".join(NAME) in desk.inner_text("#checkin")
    with desk.expect_navigation():
        desk.click("#checkin button[type=submit]")
    desk.locator("#checked-in").wait_for()
    desk.goto(checkin_url.replace("/ar/", "/en/"))  # scanned twice: still one attendance
    with desk.expect_navigation():
        desk.click("main a[href*='/careers/manage/events/']")
    assert desk.inner_text("#attended") == "1"
    shoot(desk, "careers-3-attendance-desktop")


def employer_places(boss: Any, base_url: str, employer_user: User, opportunity_pk: int, application_pk: int,
                    shoot: Callable[..., Any]) -> None:
    sign_in_browser(boss, base_url, employer_user.email or "")
    boss.goto(f"{base_url}/en/careers/manage/opportunities/{opportunity_pk}/")
    with boss.expect_navigation():
        boss.click(f"a[href='/en/careers/manage/applications/{application_pk}/']")
    text = boss.inner_text("main")
    assert " ".join(NAME) in text and "refugee" not in text.lower() and "945-" not in text
    for step in ("shortlisted", "interviewed", "offered"):
        with boss.expect_navigation():
            boss.click(f"button[name=to][value={step}]")
    boss.fill("input[name=starts_on]", (timezone.localdate() + timedelta(days=14)).isoformat())
    boss.fill("input[name=wage]", "250.000")
    boss.fill("input[name=wage_currency]", "JOD")
    boss.select_option("select[name=wage_period]", "month")
    with boss.expect_navigation():
        boss.click("button[name=to][value=placed]")
    assert "Placed" in boss.inner_text("#status")
    shoot(boss, "careers-5-employer-placed-desktop")


def test_from_cv_to_placement(pages: Callable[[dict[str, int]], Any], base_url: str, root: Principal,
                              world: dict[str, Any], member: Callable[..., User], coordinator_user: User,
                              shoot: Callable[..., Any], tmp_path: Path) -> None:
    coordinator = principal_for_user(coordinator_user)
    employer_user = member(Role.EMPLOYER_MEMBER)
    person = reem(coordinator, world)
    internship = post_opportunity(actor=principal_for_user(employer_user), employer=world["employer"],
                                  kind="internship", title="Data entry internship", area="JO-IR",
                                  skills=["data-entry", "email"], pay="250.000", pay_currency="JOD", pay_period="month")
    start = timezone.now() + timedelta(days=5)
    fair = create_event(actor=coordinator, partner=world["partner"], centre=world["irbid"], kind="job_fair",
                        title="Irbid job fair", starts_at=start, ends_at=start + timedelta(hours=4), place="Hall 1",
                        capacity=100, employers=[world["employer"].pk])

    # 1. Her CV, in Arabic, on her phone; the PDF is one right-to-left page with her name in Arabic script.
    phone = pages(PHONE)
    pdf = build_cv_in_arabic(phone, base_url, shoot, tmp_path)
    assert pdf.startswith(b"%PDF")
    document = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(document.pages) == 1
    printed = document.pages[0].extract_text()
    assert NAME[0] in printed or NAME[0][::-1] in printed
    assert CV.objects.get(participant=person).language == "ar"

    # 2. She registers for the job fair and is checked in at the door by QR code.
    desk = pages(DESKTOP)
    register_and_check_in(phone, desk, base_url, fair.pk, coordinator_user, shoot)
    assert Registration.objects.filter(event=fair, checked_in_at__isnull=False).count() == 1

    # 3. She sees the internship, with the skills of hers that matched, and applies with her CV.
    phone.goto(f"{base_url}/ar/careers/opportunities/")
    assert "Data entry internship" in phone.inner_text("main")
    assert phone.locator("main .badge.ok").count() >= 2  # her two matching skills
    with phone.expect_navigation():
        phone.click(f"a[href='/ar/careers/opportunities/{internship.pk}/']")
    phone.fill("textarea[name=message]", "أرغب في هذا التدريب.")
    with phone.expect_navigation():
        phone.click("#apply button[type=submit]")
    application = CareerApplication.objects.get(opportunity=internship)
    assert application.cv_snapshot["name"] == " ".join(NAME)

    # 4. The employer shortlists, interviews, offers and places her.
    boss = pages(DESKTOP)
    employer_places(boss, base_url, employer_user, internship.pk, application.pk, shoot)
    placement = Placement.objects.get(participant=person)
    assert (placement.employer, placement.wage_minor, placement.follow_ups.count()) == (world["employer"], 250_000, 3)

    # 5. The placement is on her careers record.
    phone.goto(f"{base_url}/ar/careers/")
    assert "Data entry internship" in phone.inner_text("#placements")
    assert phone.get_attribute("html", "dir") == "rtl"
    shoot(phone, "careers-6-record-ar-phone")
