"""/api/v1/surveys: the list and results for staff, answering by token for anyone holding one; 4xx JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kasb.core.permissions import Principal
from kasb.surveys.models import Response, Survey
from kasb.surveys.services.building import install_template, move_survey
from kasb.surveys.services.sending import send_to_cohort

from .conftest import answers_for, enrol_all, links, open_template, person

pytestmark = pytest.mark.django_db


def _token(officer: Principal, world_c: Any, committed: Any) -> tuple[Any, str]:
    people = [person(world_c, 1, language="fr")]
    enrol_all(world_c, people)
    survey = open_template(officer, world_c, "tracer")
    with committed():
        send_to_cohort(actor=officer, survey=survey, cohort=world_c.cohort, channel="sms")
    return survey, links()[str(people[0].phone)][1]


def test_answering_by_token(client: Any, officer: Principal, world_c: Any, committed: Any) -> None:
    survey, token = _token(officer, world_c, committed)
    shown = client.get(f"/api/v1/surveys/answers/{token}").json()
    assert shown["language"] == "fr" and shown["title"] == "Suivi : votre travail après la formation"
    assert shown["questions"][0]["choices"] == [{"key": "yes", "label": "Oui"}, {"key": "no", "label": "Non"}]
    url = f"/api/v1/surveys/answers/{token}"
    bad = client.post(url, {"client_key": "api-key-0001", "answers": answers_for(survey, employed="perhaps")},
                      content_type="application/json")
    body = bad.json()
    assert bad.status_code == 422 and body["code"] == "answers_invalid" and len(body["details"]) == 2
    good = {"client_key": "api-key-0002", "answers": answers_for(survey, employed="no", using_skills="no")}
    first = client.post(url, good, content_type="application/json")
    retry = client.post(url, good, content_type="application/json")
    assert (first.status_code, retry.status_code) == (201, 201) and Response.objects.count() == 1
    other = client.post(url, {**good, "client_key": "api-key-0003"}, content_type="application/json")
    assert other.status_code == 409 and other.json()["code"] == "already_answered"
    missing = client.post("/api/v1/surveys/answers/nope", good, content_type="application/json")
    assert missing.status_code == 404 and missing.json()["code"] == "invalid_link"
    short = client.post(url, {"answers": {}}, content_type="application/json")
    assert short.status_code == 422 and short.json()["code"] == "validation_failed"


def test_a_closed_survey_answers_409(client: Any, officer: Principal, world_c: Any, committed: Any) -> None:
    survey, token = _token(officer, world_c, committed)
    move_survey(actor=officer, survey=survey, to="closed")
    answer = client.post(f"/api/v1/surveys/answers/{token}", {"client_key": "closed-0001", "answers": {}},
                         content_type="application/json")
    assert answer.status_code == 409 and answer.json()["code"] == "survey_closed"


def test_staff_list_and_results(login: Callable[..., Any], officer_user: Any, officer: Principal, world_c: Any,
                                committed: Any, client: Any) -> None:
    survey, token = _token(officer, world_c, committed)
    client.post(f"/api/v1/surveys/answers/{token}", {"client_key": "staff-0001", "answers": answers_for(
        survey, employed="yes", using_skills="often", help_needed="Need a laptop")}, content_type="application/json")
    web = login(officer_user)
    listed = web.get("/api/v1/surveys").json()
    assert listed["count"] == 1 and listed["items"][0]["response_rate"] == {"invited": 1, "answered": 1,
                                                                            "percent": 100}
    results = web.get(f"/api/v1/surveys/{survey.pk}/results").json()
    assert results["suppressed"] is False and results["employed"] == {"numerator": 1, "denominator": 1,
                                                                      "percent": 100}
    texts = next(q for q in results["questions"] if q["code"] == "help_needed")["texts"]
    assert texts == ["Need a laptop"]
    assert web.get("/api/v1/surveys/999999/results").status_code == 404
    assert client.get("/api/v1/surveys").status_code == 401


def test_list_endpoint_queries_do_not_grow(login: Callable[..., Any], officer_user: Any, officer: Principal,
                                           world_c: Any) -> None:
    web = login(officer_user)
    counts = []
    for size in (2, 10):
        while Survey.objects.count() < size:
            install_template(actor=officer, programme=world_c.programme, template="employability")
        with CaptureQueriesContext(connection) as ctx:
            assert len(web.get("/api/v1/surveys").json()["items"]) == size
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts
