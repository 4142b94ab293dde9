"""Answering through the link: single use, every answer checked, retries safe, anonymous answers unlinkable."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kasb.core.errors import Conflict, NotFound, ValidationFailed
from kasb.core.models import AuditEvent
from kasb.core.permissions import Principal
from kasb.surveys.models import Answer, Invitation, Response, Survey
from kasb.surveys.services.answering import submit_response
from kasb.surveys.services.building import move_survey
from kasb.surveys.services.sending import send_to_cohort

from .conftest import answers_for, enrol_all, links, open_template, person

pytestmark = pytest.mark.django_db

TRACER_OK = {"employed": "yes", "work_kind": "freelance", "monthly_earnings": "250", "earnings_currency": "JOD",
             "using_skills": "often", "help_needed": "A laptop"}


def _sent(officer: Principal, world_c: Any, committed: Any, template: str = "tracer", n: int = 2
          ) -> tuple[Survey, list[Any], dict[str, tuple[str, str]]]:
    people = [person(world_c, i) for i in range(1, n + 1)]
    enrol_all(world_c, people)
    survey = open_template(officer, world_c, template)
    with committed():
        send_to_cohort(actor=officer, survey=survey, cohort=world_c.cohort, channel="sms")
    return survey, people, links()


def test_a_token_works_once(officer: Principal, world_c: Any, committed: Any) -> None:
    survey, people, sent = _sent(officer, world_c, committed)
    token = sent[str(people[0].phone)][1]
    response = submit_response(token=token, client_key="first-key-123", answers=answers_for(survey, **TRACER_OK))
    assert response.participant_id == people[0].pk  # the tracer is linked
    assert dict(Answer.objects.filter(response=response, question__code="monthly_earnings")
                .values_list("question__code", "number")) == {"monthly_earnings": 250}
    with pytest.raises(Conflict) as err:
        submit_response(token=token, client_key="another-key-456", answers=answers_for(survey, **TRACER_OK))
    assert err.value.code == "already_answered"
    assert Response.objects.filter(survey=survey).count() == 1
    with pytest.raises(NotFound):
        submit_response(token=token[:-2] + "xx", client_key="third-key-789", answers={})


def test_a_retry_of_the_same_submission_records_one_response(officer: Principal, world_c: Any,
                                                            committed: Any) -> None:
    survey, people, sent = _sent(officer, world_c, committed)
    token = sent[str(people[0].phone)][1]
    answers = answers_for(survey, **TRACER_OK)
    first = submit_response(token=token, client_key="same-key-0001", answers=answers)
    again = submit_response(token=token, client_key="same-key-0001", answers=answers)
    assert again.pk == first.pk and Response.objects.count() == 1 and Answer.objects.filter(
        response=first).count() == 6
    # Someone else's key cannot ride on it.
    other = sent[str(people[1].phone)][1]
    with pytest.raises(Conflict):
        submit_response(token=other, client_key="same-key-0001", answers=answers)


def test_every_answer_is_checked_against_its_question(officer: Principal, world_c: Any, committed: Any) -> None:
    survey, people, sent = _sent(officer, world_c, committed)
    token = sent[str(people[0].phone)][1]
    ids = dict(survey.questions.values_list("code", "pk"))
    bad = answers_for(survey, employed="maybe", monthly_earnings="-5", earnings_currency="GBP")
    with pytest.raises(ValidationFailed) as err:
        submit_response(token=token, client_key="key-checked-1", answers=bad)
    problems = err.value.details
    assert err.value.code == "answers_invalid"
    assert set(problems) == {str(ids["employed"]), str(ids["monthly_earnings"]), str(ids["earnings_currency"]),
                             str(ids["using_skills"])}  # using_skills is needed and missing
    assert "from 0 to 100000000" in problems[str(ids["monthly_earnings"])]
    assert problems[str(ids["using_skills"])] == "Please answer this question."
    assert not Response.objects.exists() and Invitation.objects.filter(answered_at__isnull=False).count() == 0
    # Arabic-Indic digits, as a phone in Arabic types them, are a number.
    response = submit_response(token=token, client_key="key-checked-2",
                               answers=answers_for(survey, **{**TRACER_OK, "monthly_earnings": "٣٥٠"}))
    assert response.answers.get(question_id=ids["monthly_earnings"]).number == 350


def test_scale_and_multiple_choice_answers(officer: Principal, world_c: Any, committed: Any) -> None:
    survey, people, sent = _sent(officer, world_c, committed, template="employability")
    token = sent[str(people[0].phone)][1]
    base = {"more_employable": "agree", "skills_improve_life": "strongly_agree", "career_improved": "yes"}
    with pytest.raises(ValidationFailed) as err:
        submit_response(token=token, client_key="key-scale-01",
                        answers=answers_for(survey, usefulness="9", career_changes=["new_job", "lottery"], **base))
    assert len(err.value.details) == 2
    response = submit_response(token=token, client_key="key-scale-02", answers=answers_for(
        survey, usefulness="4", career_changes=["new_job", "pay_rise", "new_job"], **base))
    assert sorted(response.answers.exclude(choice="").filter(question__code="career_changes")
                  .values_list("choice", flat=True)) == ["new_job", "pay_rise"]


def test_an_anonymous_response_cannot_be_tied_to_the_person(officer: Principal, world_c: Any,
                                                           committed: Any) -> None:
    survey, people, sent = _sent(officer, world_c, committed, template="employability")
    assert survey.anonymous
    token = sent[str(people[0].phone)][1]
    response = submit_response(token=token, client_key="anon-key-001", answers=answers_for(
        survey, usefulness="5", more_employable="agree", skills_improve_life="agree", career_improved="no"))
    response.refresh_from_db()
    assert response.participant_id is None
    assert {f.name for f in Response._meta.get_fields()} & {"invitation", "participant"} == {"participant"}
    invitation = Invitation.objects.get(participant=people[0])
    assert invitation.answered_at is not None
    # Times are kept to the day on both sides, so the order of answering does not pair them.
    for moment in (invitation.answered_at, invitation.opened_at, response.submitted_at):
        local = timezone.localtime(moment)
        assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    # Nothing recorded elsewhere names the response.
    assert not AuditEvent.objects.filter(object_type="surveys.response").exists()
    assert not AuditEvent.objects.filter(object_type="surveys.invitation").exists()
    assert all(response.client_key not in json.dumps(e.data) for e in AuditEvent.objects.all())


def test_a_closed_survey_says_so(officer: Principal, world_c: Any, committed: Any) -> None:
    survey, people, sent = _sent(officer, world_c, committed)
    move_survey(actor=officer, survey=survey, to="closed")
    with pytest.raises(Conflict) as err:
        submit_response(token=sent[str(people[0].phone)][1], client_key="closed-key-1",
                        answers=answers_for(survey, **TRACER_OK))
    assert err.value.code == "survey_closed" and "closed" in err.value.message
    assert not Response.objects.exists()


def test_a_survey_past_its_closing_time_is_closed(officer: Principal, world_c: Any, committed: Any) -> None:
    survey, people, sent = _sent(officer, world_c, committed)
    later = timezone.now() + timedelta(days=1)
    Survey.objects.filter(pk=survey.pk).update(closes_at=later)
    with pytest.raises(Conflict) as err:
        submit_response(token=sent[str(people[0].phone)][1], client_key="late-key-01",
                        answers=answers_for(survey, **TRACER_OK), now=later + timedelta(minutes=1))
    assert err.value.code == "survey_closed"
