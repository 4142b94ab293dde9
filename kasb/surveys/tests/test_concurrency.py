"""Racing submissions and sends, with real threads on PostgreSQL: one response per link, one invitation each."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from kasb.core.errors import Conflict
from kasb.core.permissions import Principal
from kasb.core.testing import race_n as _race
from kasb.surveys.models import Invitation, Response
from kasb.surveys.services.answering import submit_response
from kasb.surveys.services.sending import send_to_cohort

from .conftest import answers_for, enrol_all, links, open_template, person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database cannot be shared by threads; PostgreSQL runs this in CI")


def test_one_link_sent_from_six_tabs_at_once_records_one_response(officer: Principal, world_c: Any) -> None:
    people = [person(world_c, 1), person(world_c, 2)]
    enrol_all(world_c, people)
    survey = open_template(officer, world_c)
    send_to_cohort(actor=officer, survey=survey, cohort=world_c.cohort, channel="sms")  # commits: sent at once
    sent = links()
    token, other = sent[str(people[0].phone)][1], sent[str(people[1].phone)][1]
    answers = answers_for(survey, employed="yes", using_skills="often")
    # Tabs 0-2 resend one submission; tabs 3-5 each send their own; the other person answers meanwhile.
    keys = ["same-key-0001"] * 3 + [f"own-key-{i:05d}" for i in range(3)]

    def job(i: int) -> Any:
        if i == 6:
            return submit_response(token=other, client_key="other-person-1", answers=answers)
        return submit_response(token=token, client_key=keys[i], answers=answers)

    outcomes = _race(7, job)
    responses = [o for o in outcomes if isinstance(o, Response)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(responses) + len(refused) == 7, outcomes
    assert Response.objects.filter(survey=survey).count() == 2
    mine = {r.pk for r in responses if r.client_key != "other-person-1"}
    assert len(mine) == 1  # every success for the first link is the same response
    assert Invitation.objects.filter(survey=survey, answered_at__isnull=False).count() == 2


def test_two_officers_sending_to_one_cohort_at_once_invite_each_person_once(officer: Principal, world_c: Any,
                                                                             member: Any) -> None:
    from kasb.core.permissions import Role
    from kasb.orgs.queries import principal_for_user

    second = principal_for_user(member(Role.ME_OFFICER))
    enrol_all(world_c, [person(world_c, i) for i in range(1, 5)])
    survey = open_template(officer, world_c)
    actors = [officer, second, officer, second]
    outcomes = _race(4, lambda i: send_to_cohort(actor=actors[i], survey=survey, cohort=world_c.cohort,
                                                 channel="sms"))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.invited for o in outcomes) == 4
    assert Invitation.objects.filter(survey=survey).count() == 4 and len(links()) == 4
