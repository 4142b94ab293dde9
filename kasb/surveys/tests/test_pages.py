"""The pages: the public answer page on a phone, the builder and sending, results and who may see what,
and the query counts of the list and results pages at two sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kasb.core.permissions import Principal
from kasb.surveys.models import Invitation, Response, Survey
from kasb.surveys.services.answering import submit_response
from kasb.surveys.services.building import install_template
from kasb.surveys.services.sending import send_to_cohort

from .conftest import answers_for, enrol_all, links, open_template, person

pytestmark = pytest.mark.django_db

TRACER_OK = {"employed": "yes", "work_kind": "freelance", "monthly_earnings": "250", "earnings_currency": "JOD",
             "using_skills": "often"}


def _sent(officer: Principal, world_c: Any, committed: Any, n: int = 1, template: str = "tracer",
          ) -> tuple[Survey, list[str]]:
    people = [person(world_c, i) for i in range(1, n + 1)]
    enrol_all(world_c, people)
    survey = open_template(officer, world_c, template)
    with committed():
        send_to_cohort(actor=officer, survey=survey, cohort=world_c.cohort, channel="sms")
    sent = links()
    return survey, [sent[str(p.phone)][1] for p in people]


def test_the_answer_page_in_arabic_without_signing_in(client: Any, officer: Principal, world_c: Any,
                                                      committed: Any) -> None:
    survey, (token,) = _sent(officer, world_c, committed)
    page = client.get(f"/ar/surveys/a/{token}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'dir="rtl"' in html and 'lang="ar"' in html
    assert "استبيان المتابعة" in html and "هل لديك عمل مدفوع الأجر الآن" in html
    assert page["Cache-Control"] == "private, no-store" and page["Referrer-Policy"] == "same-origin"
    assert Invitation.objects.get().opened_at is not None
    ids = dict(survey.questions.values_list("code", "pk"))
    key = html.split('name="client_key" value="')[1].split('"')[0]
    bad = client.post(f"/ar/surveys/a/{token}/", {"client_key": key, f"q{ids['employed']}": "yes",
                                                  f"q{ids['monthly_earnings']}": "lots"})
    assert bad.status_code == 400
    assert bad.content.decode().count('class="errorlist"') == 2  # earnings not a number, using_skills missing
    assert 'value="yes" checked' in bad.content.decode()  # what was chosen stays chosen
    good = client.post(f"/ar/surveys/a/{token}/", {"client_key": key, f"q{ids['employed']}": "yes",
                                                   f"q{ids['monthly_earnings']}": "٢٥٠",
                                                   f"q{ids['earnings_currency']}": "JOD",
                                                   f"q{ids['using_skills']}": "sometimes"})
    assert good.status_code == 302
    again = client.post(f"/ar/surveys/a/{token}/", {"client_key": key, f"q{ids['employed']}": "yes",
                                                    f"q{ids['using_skills']}": "sometimes"})
    assert again.status_code == 302 and Response.objects.count() == 1  # the same submission, sent twice
    thanks = client.get(f"/ar/surveys/a/{token}/")
    assert thanks.status_code == 200 and "<form method=\"post\" novalidate>" not in thanks.content.decode()
    assert client.get("/ar/surveys/a/not-a-real-token/").status_code == 404


def test_the_answer_page_is_rate_limited(client: Any, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.KASB_RATE_LIMITS = {"survey": 3}
    codes = [client.get("/en/surveys/a/whatever/").status_code for _ in range(4)]
    cache.clear()
    assert codes == [404, 404, 404, 429]


def test_an_officer_builds_opens_and_sends_from_the_pages(login: Callable[..., Any], officer_user: Any,
                                                          officer: Principal, world_c: Any, committed: Any) -> None:
    enrol_all(world_c, [person(world_c, 1)])
    web = login(officer_user)
    made = web.post("/en/surveys/new/", {"programme": world_c.programme.pk, "title_en": "Quick check",
                                         "title_ar": "فحص سريع", "anonymous": "on"})
    survey = Survey.objects.get(title__en="Quick check")
    assert made.status_code == 302 and survey.anonymous
    empty = web.post(f"/en/surveys/{survey.pk}/status/", {"to": "open"}, follow=True)
    assert "Add at least one question before opening the survey." in empty.content.decode()
    assert empty.redirect_chain[-1][0].endswith(f"/en/surveys/{survey.pk}/")
    refused = web.post(f"/en/surveys/{survey.pk}/", {"kind": "single", "required": "on", "text_en": "Happy?",
                                                     "choices_en": "Yes"})
    assert refused.status_code == 400 and "at least two choices" in refused.content.decode()
    uneven = web.post(f"/en/surveys/{survey.pk}/", {"kind": "single", "text_en": "Happy?", "choices_en": "Yes\nNo",
                                                    "choices_ar": "نعم"})
    assert uneven.status_code == 400 and "same number of choices" in uneven.content.decode()
    added = web.post(f"/en/surveys/{survey.pk}/", {"kind": "single", "required": "on", "text_en": "Happy?",
                                                   "text_ar": "هل أنت سعيد؟", "choices_en": "Yes\nNo",
                                                   "choices_ar": "نعم\nلا"})
    assert added.status_code == 302 and survey.questions.get().choices[1]["text"] == {"en": "No", "ar": "لا"}
    web.post(f"/en/surveys/{survey.pk}/", {"kind": "scale", "text_en": "How much?", "min_value": 1, "max_value": 5})
    second = survey.questions.order_by("order").last()
    assert second is not None
    web.post(f"/en/surveys/{survey.pk}/questions/{second.pk}/move/", {"action": "up"})
    assert survey.questions.order_by("order").values_list("pk", flat=True)[0] == second.pk
    assert web.post(f"/en/surveys/{survey.pk}/status/", {"to": "open"}).status_code == 302
    with committed():
        sent = web.post(f"/en/surveys/{survey.pk}/send/", {"audience": "cohort", "channel": "sms",
                                                           "cohort": world_c.cohort.pk})
    assert sent.status_code == 302 and Invitation.objects.filter(survey=survey, sent_at__isnull=False).count() == 1
    page = web.get(f"/en/surveys/{survey.pk}/send/").content.decode()
    assert "1 person invited." in page
    assert web.get("/en/surveys/").status_code == 200


def _answer_all(survey: Survey, tokens: list[str], **extra: Any) -> None:
    for n, token in enumerate(tokens):
        submit_response(token=token, client_key=f"key-{n:08d}", answers=answers_for(survey, **{**TRACER_OK, **extra}))


def test_a_donors_officer_sees_suppressed_counts_and_no_written_answers(
        login: Callable[..., Any], officer_user: Any, officer: Principal, donor_user: Any, world_c: Any,
        committed: Any) -> None:
    survey, tokens = _sent(officer, world_c, committed, n=3)
    _answer_all(survey, tokens, help_needed="Secret story about my boss")
    staff = login(officer_user).get(f"/en/surveys/{survey.pk}/results/").content.decode()
    assert "Secret story about my boss" in staff and "3 of 3 invited answered" in staff
    donor = login(donor_user)
    page = donor.get(f"/en/surveys/{survey.pk}/results/")
    html = page.content.decode()
    assert page.status_code == 200 and "Secret story" not in html
    assert "3 of 3 invited answered" not in html and "Too few answers to show." in html
    assert donor.get(f"/en/surveys/{survey.pk}/").status_code == 403
    assert donor.get(f"/en/surveys/{survey.pk}/send/").status_code == 403
    api = donor.get(f"/api/v1/surveys/{survey.pk}/results").json()
    assert api["suppressed"] is True and all(q["texts"] == [] for q in api["questions"])
    assert all(q["answered"] is None for q in api["questions"])
    listed = donor.get("/en/surveys/").content.decode()
    assert "Follow-up: your work after the training" in listed and "hidden (too few people)" in listed
    assert donor.get("/api/v1/surveys").json()["items"][0]["response_rate"] is None


def test_a_participant_or_another_partner_sees_no_surveys(client: Any, login: Callable[..., Any], officer: Principal,
                                                          world_c: Any, member: Any) -> None:
    from kasb.core.permissions import Role

    survey = install_template(actor=officer, programme=world_c.programme, template="tracer")
    other = login(member(Role.ME_OFFICER, "other"))
    assert other.get(f"/en/surveys/{survey.pk}/results/").status_code == 404
    assert other.get(f"/en/surveys/{survey.pk}/").status_code == 404
    assert "Follow-up" not in other.get("/en/surveys/").content.decode()
    trainer = login(world_c.trainer_user)
    assert trainer.get("/en/surveys/").status_code == 403


def _measure(web: Any, survey: Survey, size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as listed:
        assert web.get("/en/surveys/").status_code == 200
    with CaptureQueriesContext(connection) as results:
        page = web.get(f"/en/surveys/{survey.pk}/results/")
    assert page.status_code == 200 and f"{size} of {size} invited answered" in page.content.decode()
    return len(listed), len(results)


def test_list_and_results_pages_queries_do_not_grow(login: Callable[..., Any], officer_user: Any,
                                                    officer: Principal, world_c: Any, committed: Any) -> None:
    people = [person(world_c, i) for i in range(1, 11)]
    enrol_all(world_c, people)
    survey = open_template(officer, world_c, "tracer")
    web = login(officer_user)
    web.get("/en/surveys/")  # warm: session, sign-in checks

    def grow(chosen: list[Any], extra_surveys: int) -> None:
        with committed():
            from kasb.surveys.services.sending import invite

            invite(actor=officer, survey=survey, participants=chosen, channel="sms")
        sent = links()
        for p in chosen:
            submit_response(token=sent[str(p.phone)][1], client_key=f"key-{p.pk:08d}",
                            answers=answers_for(survey, **TRACER_OK, help_needed="More practice"))
        for _ in range(extra_surveys):
            install_template(actor=officer, programme=world_c.programme, template="employability")

    grow(people[:2], 1)
    small = _measure(web, survey, 2)
    grow(people[2:], 9)
    large = _measure(web, survey, 10)
    assert small == large, (small, large)
    assert large[0] <= 12 and large[1] <= 16
