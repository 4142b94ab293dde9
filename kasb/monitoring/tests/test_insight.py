"""Market insight over the `pathway` (conftest.py) plus, posted this month: a translation project needing the
skill "translation-ar-en" in Irbid governorate (40 tasks × 2 answers at 0.300 JOD), the receipts project
(10 data-entry tasks, no skill needed, anywhere) and an internship asking for the same skill in Irbid.
Amal and Huda (both worked on receipts) and Dana hold the skill, verified; all three live in Irbid."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kasb.careers.models import Opportunity
from kasb.core.permissions import Principal
from kasb.microwork.models import Project, Task
from kasb.monitoring.context import parse_filters
from kasb.monitoring.insight import insight
from kasb.orgs.models import Area
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Participant
from kasb.skills.models import Skill, VerifiedSkill

from .conftest import FORM, register_people, this_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(pathway: dict[str, Any], world: dict[str, Any]) -> dict[str, Any]:
    now = timezone.now()
    irbid = Area.objects.get(code="JO-IR")
    skill, _new = Skill.objects.update_or_create(code="translation-ar-en", defaults={
        "category": "language", "names": {"en": "Translation Arabic→English"}})
    Project.objects.filter(pk=pathway["project"].pk).update(published_at=now)
    translation = Project.objects.create(
        client=world["client"], programme=pathway["programme"], name="Leaflets", task_type="translation",
        status=Project.Status.PUBLISHED, instructions="Translate.", answer_fields=FORM, pay_per_task=300,
        currency="JOD", estimated_seconds=120, overlap=2, published_at=now)
    translation.required_skills.add(skill)
    translation.areas.add(irbid)
    Task.objects.bulk_create([Task(project=translation, external_id=f"l{n}", data={}) for n in range(40)])
    job = Opportunity.objects.create(employer=world["employer"], kind="internship", title="Translator", area=irbid)
    job.required_skills.add(skill)
    amal, huda, _omar, _sami, dana = pathway["people"][:5]
    Participant.objects.filter(pk__in=[amal.pk, huda.pk, dana.pk]).update(area=irbid)
    for person in (amal, huda, dana):
        VerifiedSkill.objects.create(participant=person, skill=skill, level=2, evidence="test",
                                     evidence_type="skills.test", evidence_id=str(person.pk))
    return {**pathway, "skill": skill, "irbid": irbid}


def _gaps(principal: Principal, **params: str) -> dict[tuple[str, int | None], Any]:
    result = insight(principal, parse_filters({**this_year(), **params}))
    return {(g.label, g.area_id): g for g in result.gaps}


def test_demand_against_supply(root: Principal, market: dict[str, Any]) -> None:
    gaps = _gaps(root, suppress="0")
    translation = gaps[("Translation Arabic→English", market["irbid"].pk)]
    assert (translation.tasks, translation.openings, translation.qualified, translation.active) == (80, 1, 3, 2)
    assert translation.pay == {"JOD": 80 * 300} and translation.per_worker == Decimal("26.7")
    receipts = gaps[("Data entry from an image or PDF", None)]
    assert (receipts.tasks, receipts.qualified, receipts.active) == (10, None, 3)
    trend = dict(insight(root, parse_filters({**this_year(), "suppress": "0"})).trend)
    month = this_year()["start"][:4] + timezone.localdate().strftime("-%m")
    assert trend["Translation Arabic→English"][parse_filters(this_year()).months.index(month)] == 80


def test_an_area_filter_keeps_that_area_and_anywhere(root: Principal, market: dict[str, Any]) -> None:
    elsewhere = Area.objects.exclude(pk=market["irbid"].pk).filter(country="JO").first()
    assert elsewhere is not None
    result = insight(root, parse_filters({**this_year(), "suppress": "0"}), area_id=elsewhere.pk)
    gaps = {(g.label, g.area_id): g for g in result.gaps}
    assert set(gaps) == {("Data entry from an image or PDF", None)}


def test_curriculum_suggestions(root: Principal, donor_officer_user: Any, market: dict[str, Any]) -> None:
    inside = insight(root, parse_filters({**this_year(), "suppress": "0"}))
    assert inside.suggestions == ["Translation Arabic→English: 80 tasks posted, 3 qualified workers"]
    outside = insight(principal_for_user(donor_officer_user), parse_filters({**this_year(), "suppress": "0"}))
    assert outside.suppressed
    assert outside.suggestions == ["Translation Arabic→English: 80 tasks posted, fewer than 5 qualified workers"]
    translation = next(g for g in outside.gaps if g.key == str(market["skill"].pk))
    assert translation.qualified is None and translation.hidden == {"qualified", "active"}
    assert translation.tasks == 80  # tasks are not people: never hidden


def test_which_courses_lead_to_work(root: Principal, market: dict[str, Any]) -> None:
    course = insight(root, parse_filters({**this_year(), "suppress": "0"})).courses[0]
    assert (course.started, course.completed, course.onboarded) == (9, 5, 3)
    assert course.completion_rate == Decimal("55.6") and course.onboarded_share == Decimal("60.0")
    assert set(course.earnings) == {"JOD"} and course.accuracy is None  # no check questions here


def test_courses_are_hidden_for_outsiders_when_small(donor_officer_user: Any, market: dict[str, Any],
                                                     settings: Any) -> None:
    settings.KASB_SUPPRESSION_THRESHOLD = 6
    course = insight(principal_for_user(donor_officer_user), parse_filters(this_year())).courses[0]
    assert course.hidden and course.completion_rate is None and course.earnings_display == "…"


def test_the_page_and_csv(login: Callable[..., Client], me_officer_user: Any, market: dict[str, Any]) -> None:
    client = login(me_officer_user)
    page = client.get("/en/monitoring/insight/")
    html = page.content.decode()
    assert page.status_code == 200 and "Translation Arabic→English: 80 tasks posted" in html
    assert "Safe to share" in html
    csv_text = client.get("/en/monitoring/insight.csv").content.decode()
    lines = csv_text.splitlines()
    assert lines[0].startswith("skill,area,tasks_posted") and lines[1].startswith("#sector+skill+name")
    assert any(line.startswith("Translation Arabic→English,") and ",suppressed," in line for line in lines)
    assert client.get("/en/monitoring/insight.csv?start=soon").status_code in (400, 422)


def test_the_page_query_count_does_not_grow(root: Principal, world: dict[str, Any], market: dict[str, Any],
                                            login: Callable[..., Client], me_officer_user: Any) -> None:
    client = login(me_officer_user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/en/monitoring/insight/").status_code == 200
        return len(queries)

    small = count()
    people = register_people(root, world, [("More", "female", "SY", "refugee", "irbid", 21)] * 10, offset=200)
    for person in people:
        VerifiedSkill.objects.create(participant=person, skill=market["skill"], level=1, evidence="test",
                                     evidence_type="skills.test", evidence_id=str(person.pk))
    assert count() == small


def test_the_api(login: Callable[..., Client], me_officer_user: Any, market: dict[str, Any]) -> None:
    body = login(me_officer_user).get("/api/v1/monitoring/insight").json()
    assert body["suppressed"] is True
    translation = next(g for g in body["gaps"] if g["key"] == str(market["skill"].pk))
    assert translation["tasks"] == 80 and translation["qualified"] is None and "qualified" in translation["hidden"]
    assert body["suggestions"][0].startswith("Translation Arabic→English: 80 tasks posted")
