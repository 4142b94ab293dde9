"""Surveys in a real browser: an M&E officer installs the tracer template, opens it and sends it to a cohort
by SMS; a participant opens the link from her SMS on a phone, in Arabic, and answers without signing in;
the officer's results page shows her response."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from kasb.accounts.models import User
from kasb.conftest import registration
from kasb.core.permissions import Principal, Role
from kasb.participants.services import register_participant
from kasb.surveys.models import Answer, Response, Survey
from kasb.training.tests.fixtures_cohorts import Cohorts

from .conftest import sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+/ar/surveys/a/[A-Za-z0-9_-]+/")


def _sms_link() -> str:
    path = Path(settings.SMS_FILE_PATH) / "messages.jsonl"
    messages = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(messages) == 1, messages
    match = LINK.search(messages[0]["text"])
    assert match, messages[0]["text"]
    return match.group(0)


def test_tracer_survey_sent_by_sms_and_answered_in_arabic_on_a_phone(
        desktop_page: Any, phone_page: Any, base_url: str, root: Principal, world: dict[str, Any],
        member: Callable[..., User], shoot: Callable[..., Path]) -> None:
    c = Cohorts.build(root, world, member, fund=None, sessions=1)
    reem = register_participant(actor=c.coordinator, partner=world["partner"], data=registration(
        given_name="ريم", family_name="الخطيب", phone="+962791234567", centre=world["irbid"]))
    c.enrol(reem)
    officer = member(Role.ME_OFFICER)

    # The M&E officer installs the tracer template (6 months), opens it and sends it to the cohort.
    page = desktop_page
    sign_in_staff(page, base_url, officer)
    page.goto(f"{base_url}/en/surveys/")
    page.select_option("select[name=template]", "tracer")
    page.select_option("select[name=programme]", str(c.programme.pk))
    page.select_option("select[name=follow_up_months]", "6")
    page.click("form[action$='/surveys/install/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/en/surveys/\d+/$"))
    assert "Follow-up: your work after the training" in page.inner_text("h1")
    page.click("button[name=to][value=open]")
    page.wait_for_url(re.compile(r"/en/surveys/\d+/send/$"))
    page.check("input[name=audience][value=cohort]")
    page.check("input[name=channel][value=sms]")
    page.select_option("select[name=cohort]", str(c.cohort.pk))
    page.click("main form button[type=submit]:has-text('Send')")
    page.wait_for_load_state()
    assert "1 person invited." in page.inner_text("main")
    survey = Survey.objects.get()
    assert survey.status == "open" and survey.follow_up_months == 6

    # Reem opens the link from her SMS on her phone: the survey is in Arabic, right to left, no sign-in.
    link = _sms_link()
    phone = phone_page
    phone.goto(link)
    assert phone.get_attribute("html", "dir") == "rtl" and phone.get_attribute("html", "lang") == "ar"
    assert "عملك بعد التدريب" in phone.inner_text("h1")
    ids = dict(survey.questions.values_list("code", "pk"))
    phone.check(f"input[name=q{ids['employed']}][value=yes]")
    phone.check(f"input[name=q{ids['work_kind']}][value=freelance]")
    phone.fill(f"#q{ids['monthly_earnings']}", "٣٠٠")
    phone.check(f"input[name=q{ids['earnings_currency']}][value=JOD]")
    phone.fill(f"#q{ids['help_needed']}", "حاسوب محمول للعمل من المنزل")
    # She forgets the question on using her skills: it is marked, and what she gave is kept.
    phone.click("main button[type=submit]")
    phone.wait_for_load_state()
    error = phone.locator(f"#field-q{ids['using_skills']} .errorlist")
    assert error.is_visible()
    assert phone.input_value(f"#q{ids['monthly_earnings']}") == "٣٠٠"
    phone.check(f"input[name=q{ids['using_skills']}][value=often]")
    shoot(phone, "surveys-tracer-answer-ar")
    phone.click("main button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator("main form").count() == 0 and phone.locator("main .notice").is_visible()
    response = Response.objects.get()
    assert response.participant_id == reem.pk and response.language == "ar"
    assert Answer.objects.get(response=response, question_id=ids["monthly_earnings"]).number == 300

    # The officer's results page shows the response.
    page.goto(f"{base_url}/en/surveys/{survey.pk}/results/")
    main = page.inner_text("main")
    assert "1 of 1 invited answered" in main
    assert "Have paid work" in main and "1 / 1" in main
    assert "Median monthly earnings (JOD)" in main and "300.000" in main
    assert "حاسوب محمول للعمل من المنزل" in main
    shoot(page, "surveys-tracer-results")
