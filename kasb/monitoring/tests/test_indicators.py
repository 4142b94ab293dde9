"""Indicators over the hand-countable `pathway` (see conftest.py for who is who)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kasb.core.errors import PermissionDenied, ValidationFailed
from kasb.core.permissions import Principal
from kasb.monitoring.context import parse_filters, scope_for
from kasb.monitoring.indicators import INDICATORS
from kasb.monitoring.tables import Table, compute

from .conftest import this_year

pytestmark = pytest.mark.django_db


def table(principal: Principal, code: str, **params: Any) -> Table:
    filters = parse_filters({**this_year(), "suppress": "0", **params})
    tables = compute(INDICATORS[code], filters, scope_for(principal))
    assert len(tables) == 1
    return tables[0]


def cells(t: Table) -> dict[str, Any]:
    return {line.code: line.total.value for line in t.lines}


def test_the_funnel_matches_a_count_of_the_records(root: Principal, pathway: dict[str, Any]) -> None:
    totals = {code: table(root, code).total.value
              for code in ("applied", "enrolled", "completed", "onboarded", "first_earning")}
    assert totals == {"applied": 2, "enrolled": 9, "completed": 5, "onboarded": 3, "first_earning": 3}


def test_registry_counts(root: Principal, pathway: dict[str, Any]) -> None:
    assert table(root, "registered").total.value == 9
    assert table(root, "women_and_girls").total.value == 5
    assert table(root, "minors").total.value == 1
    assert table(root, "nationalities").total.value == 2
    assert cells(table(root, "registered", by="nationality")) == {"JO": 3, "SY": 6}


def test_disaggregation_by_protected_attributes(root: Principal, pathway: dict[str, Any]) -> None:
    ages = cells(table(root, "registered", by="age_band"))
    assert ages == {"under_15": 0, "15_17": 1, "18_24": 5, "25_29": 2, "30_35": 1, "36_plus": 0}
    assert cells(table(root, "registered", by="disability")) == {"yes": 1, "no": 8}
    assert cells(table(root, "completed", by="displacement"))["refugee"] == 4


def test_disaggregation_by_migrant_household(root: Principal, pathway: dict[str, Any]) -> None:
    # Amal, Dana and Yusuf come from migrant households (conftest: every fourth person registered).
    assert cells(table(root, "registered", by="household")) == {"yes": 3, "no": 6}
    assert cells(table(root, "completed", by="household")) == {"yes": 2, "no": 3}
    assert cells(table(root, "found_microwork", by="household")) == {"yes": 1, "no": 2}
    crossed = table(root, "registered", by="household,sex")
    columns = [code for code, _label in crossed.columns]
    yes = next(line for line in crossed.lines if line.code == "yes")
    assert dict(zip(columns, [c.value for c in yes.cells], strict=True))["female"] == 2
    # Applicants who have not said so are counted as not recorded, never as "no".
    assert cells(table(root, "applied", by="household")) == {"yes": 0, "no": 0, "": 2}


def test_training_outcomes(root: Principal, pathway: dict[str, Any]) -> None:
    assert cells(table(root, "dropped_out", by="dropout_reason"))["transport"] == 1
    assert table(root, "dropout_rate").total.value == Decimal("22.2")
    assert table(root, "completion_rate").total.value == Decimal("55.6")
    assert table(root, "completions", by="modality").total.value == 5
    assert cells(table(root, "enrolled", by="centre")) == {str(pathway["people"][0].centre_id): 7,
                                                           str(pathway["people"][8].centre_id): 2}
    assert table(root, "staff_trained").total.value == 0


def test_a_crossed_table_counts_each_pair(root: Principal, pathway: dict[str, Any]) -> None:
    t = table(root, "completed", by="sex,displacement")
    columns = [code for code, _label in t.columns]
    grid = {line.code: dict(zip(columns, [c.value for c in line.cells], strict=True)) for line in t.lines}
    assert grid["female"]["refugee"] == 2 and grid["female"]["host_community"] == 1
    assert grid["male"]["refugee"] == 2 and grid["male"]["host_community"] == 0
    assert [c.value for c in t.column_totals][columns.index("refugee")] == 4
    assert t.total.value == 5


def test_microwork_and_earnings(root: Principal, pathway: dict[str, Any]) -> None:
    assert table(root, "found_microwork").total.value == 3
    assert table(root, "microwork_projects").total.value == 1
    income = table(root, "income_earned")
    assert (income.currency, income.total.value, income.total.display) == ("JOD", 2000, "2.000 JOD")
    assert table(root, "median_monthly_earnings").total.value == 500
    # 4 approved tasks x 0.500 JOD over 5 submissions x 50 seconds (rejected work counts as time worked).
    assert table(root, "effective_hourly_earnings").total.value == 2000 * 3600 // 250
    assert table(root, "time_to_first_earning").total.value == Decimal(0)


def test_gold_accuracy_counts_each_answer_even_when_summed_per_worker_and_day(root: Principal,
                                                                            pathway: dict[str, Any]) -> None:
    from kasb.microwork.models import Submission

    people = pathway["people"]
    mine = Submission.objects.filter(project=pathway["project"]).order_by("pk")
    # Amal's two answers were both right (one row of two records); Huda had one right, one wrong.
    mine.filter(worker=people[0]).update(gold_correct=True)
    huda = list(mine.filter(worker=people[1]))
    Submission.objects.filter(pk=huda[0].pk).update(gold_correct=True)
    Submission.objects.filter(pk=huda[1].pk).update(gold_correct=False)
    accuracy = table(root, "qa_gold_accuracy")
    assert accuracy.total.value == Decimal("75.0")  # 3 right of 4 answers, not 2 of 3 rows
    assert cells(table(root, "qa_gold_accuracy", by="sex"))["female"] == Decimal("75.0")
    assert table(root, "found_microwork").total.value == 3  # gold or not, approved work still counts


def test_earnings_by_month_with_a_reversal(root: Principal, pathway: dict[str, Any]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from kasb.payments.services.ledger import Leg, post, reverse, worker_account

    people, reserved = pathway["people"], pathway["project"].reservation.account
    this_month = timezone.localdate().replace(day=1)
    before = this_month - timedelta(days=1)  # the last day of last month
    amal = worker_account(people[0], "JOD")

    def earn(key: str, amount: int, on: Any) -> Any:
        return post(partner_id=reserved.partner_id, kind="earning", idempotency_key=key, memo="Work approved",
                    legs=[Leg(reserved, amount), Leg(amal, -amount)], effective_on=on)
    earn("old-1", 300, before)
    earn("old-2", 400, before - timedelta(days=3))
    reverse(actor=None, original=earn("old-3", 250, before - timedelta(days=5)), reason="Paid twice")
    period = {"start": (before.replace(day=1)).isoformat(), "end": timezone.localdate().isoformat()}
    by_month = cells(table(root, "income_earned", by="month", **period))
    # Last month: 300 + 400 + 250. This month: the pathway's 2,000 less the 250 reversed (dated today).
    assert by_month == {f"{before:%Y-%m}": 950, f"{this_month:%Y-%m}": 1750}
    assert table(root, "income_earned", **period).total.value == 2700
    # Worker-months: Amal 950 and 750, Huda 500, Omar 500: the median is (500 + 750) / 2.
    assert table(root, "median_monthly_earnings", **period).total.value == 625


def test_money_is_never_added_across_currencies(root: Principal, pathway: dict[str, Any]) -> None:
    filters = parse_filters({**this_year(), "suppress": "0"})
    tables = compute(INDICATORS["income_earned"], filters, scope_for(root))
    assert [t.currency for t in tables] == ["JOD"]


def test_filters_by_group_programme_and_centre(root: Principal, pathway: dict[str, Any], world: dict[str, Any],
                                               ) -> None:
    assert table(root, "completed", group="women").total.value == 3
    assert table(root, "completed", group="minors").total.value == 1
    assert table(root, "enrolled", centre=str(world["zaatari"].pk)).total.value == 2
    assert table(root, "enrolled", programme=str(pathway["programme"].pk)).total.value == 9
    assert table(root, "enrolled", programme="999999").total.value == 0


def test_a_centre_coordinator_sees_their_centre_only(coordinator: Principal, pathway: dict[str, Any]) -> None:
    assert table(coordinator, "registered").total.value == 7


def test_small_cells_are_hidden_with_a_complement(me_officer: Principal, pathway: dict[str, Any]) -> None:
    filters = parse_filters({**this_year(), "by": "sex"})
    t = compute(INDICATORS["registered"], filters, scope_for(me_officer))[0]
    # Male 4 is under 5; hiding it alone would let 9 - 5 give it back, so female 5 is hidden too.
    assert t.suppressed and [(line.code, line.total.hidden) for line in t.lines] == [("female", True),
                                                                                      ("male", True)]
    assert t.total.value == 9 and not t.total.hidden


def test_a_share_over_a_small_denominator_is_hidden(me_officer: Principal, pathway: dict[str, Any]) -> None:
    t = compute(INDICATORS["dropout_rate"], parse_filters({**this_year(), "by": "centre"}), scope_for(me_officer))[0]
    assert all(line.total.hidden for line in t.lines)  # 2 drop-outs in Zaatari, 7 enrolled in Irbid


def test_a_donor_sees_suppressed_figures_even_when_asking_otherwise(donor_officer_user: Any,
                                                                     pathway: dict[str, Any]) -> None:
    from kasb.orgs.queries import principal_for_user

    donor = principal_for_user(donor_officer_user)
    t = compute(INDICATORS["registered"], parse_filters({**this_year(), "by": "sex", "suppress": "0"}),
                scope_for(donor))[0]
    assert t.suppressed and t.lines[1].total.hidden
    assert t.total.value == 9


def test_without_the_capability_nothing_is_shown(coordinator: Principal, member: Any) -> None:
    from kasb.core.permissions import Role
    from kasb.orgs.queries import principal_for_user

    with pytest.raises(PermissionDenied):
        scope_for(principal_for_user(member(Role.TRAINER)))


@pytest.mark.parametrize(("params", "field"), [
    ({"start": "2026-13-01"}, "start"), ({"start": "2026-05-01", "end": "2026-04-01"}, "end"),
    ({"by": "shoe_size"}, "by"), ({"by": "sex,age_band,area"}, "by"), ({"by": "sex,sex"}, "by"),
    ({"group": "tall"}, "group"), ({"programme": "x"}, "programme"), ({"centre": "-1"}, "centre"),
])
def test_bad_filters_name_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_filters(params)
    assert caught.value.field == field


def test_an_indicator_not_built_yet_says_so(root: Principal) -> None:
    from dataclasses import replace

    later = replace(INDICATORS["placed"], source=None, comes_with="careers")
    with pytest.raises(ValidationFailed) as caught:
        compute(later, parse_filters({}), scope_for(root))
    assert caught.value.code == "not_available"


def test_a_breakdown_that_makes_no_sense_is_refused(root: Principal) -> None:
    with pytest.raises(ValidationFailed):
        compute(INDICATORS["staff_trained"], parse_filters({"by": "nationality"}), scope_for(root))


def test_every_indicator_is_documented() -> None:
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.BASE_DIR).parent / "docs" / "indicators.md").read_text(encoding="utf-8")
    missing = [code for code in INDICATORS if f"### `{code}`" not in text]
    assert missing == []


def test_the_threshold_is_a_setting(me_officer: Principal, pathway: dict[str, Any], settings: Any) -> None:
    settings.KASB_SUPPRESSION_THRESHOLD = 4
    t = compute(INDICATORS["registered"], parse_filters({**this_year(), "by": "sex"}), scope_for(me_officer))[0]
    assert t.threshold == 4 and [line.total.value for line in t.lines] == [5, 4]


def test_earnings_follow_the_programme_filter(root: Principal, pathway: dict[str, Any], world: dict[str, Any],
                                               ) -> None:
    from kasb.orgs.services import create_programme

    other = create_programme(actor=root, partner=world["partner"], name="Other", country="JO", currency="JOD")
    assert table(root, "income_earned", programme=str(pathway["programme"].pk)).total.value == 2000
    assert table(root, "found_microwork", programme=str(other.pk)).total.value == 0
    assert compute(INDICATORS["income_earned"], parse_filters({**this_year(), "programme": str(other.pk)}),
                   scope_for(root)) == []  # no money, no currency: no table rather than a made-up one


def test_another_partners_officer_sees_none_of_it(root: Principal, pathway: dict[str, Any], member: Any) -> None:
    from kasb.core.permissions import Role
    from kasb.orgs.queries import principal_for_user

    outsider = principal_for_user(member(Role.ME_OFFICER, "other"))
    assert table(outsider, "registered").total.value == 0
    assert table(outsider, "completed", by="sex").total.value == 0
    assert compute(INDICATORS["income_earned"], parse_filters(this_year()), scope_for(outsider)) == []
