"""What monitoring reads: response rates, answer counts, the tracer's and the employability survey's shares,
worked out by hand on a small set of answers, with the programme and period filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kasb.core.money import Money
from kasb.core.permissions import Principal
from kasb.surveys import queries
from kasb.surveys.services.answering import submit_response
from kasb.surveys.services.sending import send_to_cohort

from .conftest import answers_for, enrol_all, links, open_template, person

pytestmark = pytest.mark.django_db


def _survey(officer: Principal, world_c: Any, committed: Any, template: str, rows: list[dict[str, Any]],
            invited: int, **kw: Any) -> Any:
    people = [person(world_c, 100 * (kw.get("follow_up_months") or 1) + i) for i in range(invited)]
    enrol_all(world_c, people)
    survey = open_template(officer, world_c, template, **kw)
    with committed():
        send_to_cohort(actor=officer, survey=survey, cohort=world_c.cohort, channel="sms")
    sent = links()
    for n, (p, row) in enumerate(zip(people, rows, strict=False)):
        submit_response(token=sent[str(p.phone)][1], client_key=f"{template}-{n:06d}",
                        answers=answers_for(survey, **row))
    return survey


TRACER_ROWS = [
    {"employed": "yes", "monthly_earnings": "200", "earnings_currency": "JOD", "using_skills": "often"},
    {"employed": "yes", "monthly_earnings": "300", "earnings_currency": "JOD", "using_skills": "sometimes"},
    {"employed": "yes", "monthly_earnings": "450", "earnings_currency": "USD", "using_skills": "no"},
    {"employed": "yes", "using_skills": "often"},                                   # did not say what they earn
    {"employed": "no", "monthly_earnings": "0", "earnings_currency": "JOD", "using_skills": "no"},
]


def test_tracer_results_by_follow_up_point(officer: Principal, world_c: Any, committed: Any) -> None:
    survey = _survey(officer, world_c, committed, "tracer", TRACER_ROWS, invited=6, follow_up_months=6)
    results = queries.tracer_results(programme_id=world_c.programme.pk)
    assert list(results) == [6]
    six = results[6]
    assert six.responses == 5
    assert (six.employed.numerator, six.employed.denominator) == (4, 5)
    assert (six.using_skills.numerator, six.using_skills.denominator) == (3, 5)
    # JOD: 200 and 300 (the unemployed 0 does not count) -> median 250.000 JOD; USD: 450.00.
    assert six.earnings == {"JOD": (Money(250_000, "JOD"), 2), "USD": (Money(45_000, "USD"), 1)}
    rate = queries.response_rates(programme_id=world_c.programme.pk)[survey.pk]
    assert (rate.invited, rate.answered, rate.share.percent) == (6, 5, 83)
    counts = queries.answer_counts(survey_ids=[survey.pk])
    employed = next(r for r in counts.values() if r.code == "employed")
    assert employed.answered == 5 and employed.choices == {"yes": 4, "no": 1}
    earnings = next(r for r in counts.values() if r.code == "monthly_earnings")
    assert (earnings.answered, earnings.low, earnings.high, round(earnings.mean or 0)) == (4, 0, 450, 238)


def test_employability_shares_and_filters(officer: Principal, world_c: Any, committed: Any, root: Principal,
                                          world: dict[str, Any]) -> None:
    agree = {"usefulness": "4", "more_employable": "agree", "skills_improve_life": "strongly_agree",
             "career_improved": "yes"}
    doubt = {"usefulness": "2", "more_employable": "disagree", "skills_improve_life": "agree",
             "career_improved": "no"}
    _survey(officer, world_c, committed, "employability", [agree, agree, doubt], invited=3)
    shares = queries.employability_shares(programme_id=world_c.programme.pk)
    assert {k: (s.numerator, s.denominator) for k, s in shares.items()} == {
        "more_employable": (2, 3), "skills_improve_life": (3, 3), "career_improved": (2, 3)}
    today = timezone.localdate()
    assert queries.employability_shares(start=today, end=today)["more_employable"].denominator == 3
    assert queries.employability_shares(end=today - timedelta(days=1))["more_employable"].denominator == 0
    from kasb.orgs.services import create_programme

    elsewhere = create_programme(actor=root, partner=world["partner"], name="Another", country="JO", currency="JOD")
    assert queries.employability_shares(programme_id=elsewhere.pk)["more_employable"].denominator == 0
    assert queries.response_rates(programme_id=elsewhere.pk) == {}
