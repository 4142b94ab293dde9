"""Survey indicators over hand-made answers (the surveys app's own tests cover answering by link).

Tracer at 3 months: 6 invited, 6 answered: 4 employed (earning 200, 300, 400, 500 JOD), 5 using the skills.
Tracer at 6 months: 2 answered, both employed (earning 100, 900 JOD). Employability: 7 answered, 6 agree.
One historical tracer answer (Rana, imported): employed, earning 250.000 JOD, using the skills.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kasb.core.permissions import Principal
from kasb.legacy.models import HistoricalSurveyResponse
from kasb.surveys.models import Answer, Invitation, Response, Survey
from kasb.surveys.services.building import install_template

from .test_careers_indicators import _batch
from .test_indicators import cells, table

pytestmark = pytest.mark.django_db


def _respond(survey: Survey, n: int, **by_code: Any) -> Response:
    response = Response.objects.create(survey=survey, submitted_at=timezone.now(), language="en", client_key=f"k{n}")
    questions = dict(survey.questions.values_list("code", "pk"))
    for code, value in by_code.items():
        if isinstance(value, int):
            Answer.objects.create(response=response, question_id=questions[code], number=value)
        else:
            Answer.objects.create(response=response, question_id=questions[code], choice=value)
    return response


@pytest.fixture
def answered(root: Principal, pathway: dict[str, Any], world: dict[str, Any]) -> dict[str, Any]:
    programme, people = pathway["programme"], pathway["people"]
    three = install_template(actor=root, programme=programme, template="tracer", follow_up_months=3)
    six = install_template(actor=root, programme=programme, template="tracer", follow_up_months=6)
    views = install_template(actor=root, programme=programme, template="employability")
    for n, person in enumerate(people[:6]):
        Invitation.objects.create(survey=three, participant=person, channel="sms", language="en",
                                  answered_at=timezone.now())
        employed = n < 4
        answers: dict[str, Any] = {"employed": "yes" if employed else "no",
                                   "using_skills": "often" if n < 5 else "never"}
        if employed:
            answers.update(earnings_currency="JOD", monthly_earnings=200 + 100 * n)
        _respond(three, n, **answers)
    for n, amount in enumerate((100, 900)):
        _respond(six, 10 + n, employed="yes", earnings_currency="JOD", monthly_earnings=amount, using_skills="often")
    for n in range(7):
        _respond(views, 20 + n, more_employable="agree" if n < 6 else "disagree")
    HistoricalSurveyResponse.objects.create(batch=_batch(world, "surveys"), row=2, participant=people[5],
                                            survey="Tracer 2024", answered_on=timezone.localdate(), employed=True,
                                            earnings_minor=250_000, earnings_currency="JOD", using_skills=True)
    return pathway


def test_response_rate_and_employability(root: Principal, answered: dict[str, Any]) -> None:
    assert table(root, "survey_response_rate").total.value == Decimal("100.0")
    assert table(root, "survey_more_employable").total.value == Decimal("85.7")


def test_tracer_shares_by_follow_up_and_source(root: Principal, answered: dict[str, Any]) -> None:
    employed = table(root, "tracer_employed", by="follow_up")
    assert cells(employed)["3"] == Decimal("66.7") and cells(employed)["6"] == Decimal("100.0")
    assert employed.total.value == Decimal("77.8")  # 7 of 9 (6 + 2 native, 1 imported)
    assert cells(table(root, "tracer_using_skills", by="source"))["imported"] == Decimal("100.0")


def test_tracer_median_earnings_per_currency(root: Principal, answered: dict[str, Any]) -> None:
    by_point = table(root, "tracer_median_earnings", by="follow_up")
    assert by_point.currency == "JOD"
    assert cells(by_point)["3"] == 350_000  # median of 200, 300, 400, 500 JOD
    assert cells(by_point)["6"] == 500_000
    # Over every point, the median of all seven amounts (100 200 250 300 400 500 900), not of the medians.
    assert by_point.total.value == 300_000


def test_survey_tables_are_suppressed_for_outsiders(donor_officer_user: Any, answered: dict[str, Any]) -> None:
    from kasb.orgs.queries import principal_for_user

    donor = principal_for_user(donor_officer_user)
    employed = table(donor, "tracer_employed", by="follow_up", suppress="1")
    shown = {line.code: line.total for line in employed.lines}
    assert shown["6"].hidden and shown["6"].value is None  # two answers: under the threshold
    assert shown[""].hidden  # the one imported answer (no follow-up point)
    assert shown["3"].hidden  # six answers, but only four employed: the numerator is under the threshold too
    assert employed.total.display == "77.8%"
