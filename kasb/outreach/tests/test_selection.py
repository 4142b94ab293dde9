"""The selection arithmetic on its own: groups, the transparent score, target progress, the fill plan."""

from __future__ import annotations

from datetime import date

from kasb.outreach.selection import (
    Candidate,
    Facts,
    Rules,
    TestResult,
    best_attempt,
    groups_of,
    needed,
    plan_fill,
    score,
    target_progress,
)

CLOSES = date(2027, 3, 31)
RULES = Rules(min_age=17, max_age=30, closes_on=CLOSES, weights={"motivation": 4, "test": 40},
              vulnerability_points={"women": 10, "refugees": 15, "disability": 5, "outside_capital": 3},
              has_test=True)


def test_groups_follow_the_answers() -> None:
    facts = Facts(sex="female", date_of_birth=date(2010, 4, 1), displacement_status="asylum_seeker",
                  disability={"seeing": 1, "walking": 3}, area_code="JO-MA", female_headed_household=True, neet=True)
    assert groups_of(facts, CLOSES) == {"women", "refugees", "displaced", "minors", "disability", "outside_capital",
                                        "female_headed", "neet"}
    # 17 on the closing date (born the day after it, 17 years earlier... minus one day) is still a minor.
    assert "minors" in groups_of(Facts(date_of_birth=date(2009, 4, 1)), CLOSES)
    assert "minors" not in groups_of(Facts(date_of_birth=date(2009, 3, 31)), CLOSES)
    # The capitals of Jordan, Tajikistan and Tunisia are not "outside the capital"; no area is unknown.
    for capital in ("JO-AM", "TJ-DU", "TN-11"):
        assert "outside_capital" not in groups_of(Facts(area_code=capital), CLOSES)
    assert groups_of(Facts(area_code=None), CLOSES) == frozenset()
    # IDPs are displaced but not refugees; "some difficulty" is not a disability by the WG cut-off.
    assert groups_of(Facts(displacement_status="idp", disability={"seeing": 2}), CLOSES) == {"displaced"}


def test_the_score_is_the_sum_of_parts_shown() -> None:
    facts = Facts(sex="female", date_of_birth=date(2004, 1, 1), displacement_status="refugee", area_code="JO-IR")
    result = score(facts, RULES, rating=4, test=TestResult(attempt_id=7, percent=73, attempts=2))
    parts = result.parts
    assert parts["motivation"] == {"rating": 4, "weight": 4, "points": 16, "max": 20}
    assert parts["test"]["points"] == 29  # 73% of 40 = 29.2
    assert (parts["test"]["percent"], parts["test"]["attempt"], parts["test"]["attempts"]) == (73, 7, 2)
    assert parts["test"]["rule"] == "best"
    assert parts["vulnerability"] == {"outside_capital": 3, "refugees": 15, "women": 10}
    assert result.total == parts["total"] == 16 + 29 + 28
    assert parts["eligible"] is True and parts["problems"] == []


def test_half_points_round_up_and_no_test_scores_nothing() -> None:
    facts = Facts(sex="male", date_of_birth=date(2000, 1, 1), area_code="JO-AM")
    assert score(facts, RULES, rating=None, test=TestResult(1, 50, 1)).parts["test"]["points"] == 20
    assert score(facts, Rules(17, 30, CLOSES, weights={"test": 5}, has_test=True), rating=0,
                 test=TestResult(1, 50, 1)).parts["test"]["points"] == 3  # 2.5 rounds up
    untested = score(facts, RULES, rating=3, test=None)
    assert untested.parts["test"]["percent"] is None and untested.total == 12
    no_test_call = score(facts, Rules(17, 30, CLOSES), rating=3, test=TestResult(1, 90, 1))
    assert no_test_call.parts["test"]["points"] == 0 and no_test_call.total == 12


def test_ineligible_applicants_have_no_score_and_say_why() -> None:
    too_old = score(Facts(date_of_birth=date(1990, 1, 1), area_code="JO-IR"), RULES, rating=5, test=None)
    assert too_old.total is None and not too_old.eligible
    assert too_old.parts["problems"] == [{"code": "age", "age": 37, "min": 17, "max": 30}]
    rules = Rules(17, 30, CLOSES, area_codes=frozenset({"JO-IR"}))
    elsewhere = score(Facts(date_of_birth=date(2004, 1, 1), area_code="JO-MA"), rules, rating=5, test=None)
    assert elsewhere.parts["problems"] == [{"code": "area", "area": "JO-MA"}]


def test_best_attempt_takes_the_highest_percent_then_the_latest() -> None:
    assert best_attempt([]) is None
    assert best_attempt([(1, 40, 1), (2, 70, 2), (3, 55, 3)]) == TestResult(2, 70, 3)
    assert best_attempt([(1, 70, 1), (2, 70, 2)]) == TestResult(2, 70, 2)


def test_target_progress_reads_like_the_screen() -> None:
    selected = [frozenset({"women"})] * 7 + [frozenset({"refugees"})] * 5
    women, refugees = target_progress(selected, {"women": 70, "refugees": 30}, places=20)
    assert (women.count, women.share, women.percent, women.needed, women.met, women.missing) == (7, 58, 70, 14,
                                                                                                 False, 7)
    assert (refugees.count, refugees.needed, refugees.met) == (5, 6, False)
    assert needed(70, 20) == 14 and needed(35, 10) == 4  # rounded up: a target is a floor


def ranked(*groups: set[str], eligible: bool = True) -> list[Candidate]:
    return [Candidate(pk=i + 1, groups=frozenset(g), eligible=eligible) for i, g in enumerate(groups)]


def test_fill_meets_targets_first_then_fills_by_rank() -> None:
    # Ranks 1-6 are men; women and refugees come lower down.
    pool = ranked(set(), set(), set(), set(), set(), set(), {"women"}, {"women", "refugees"}, {"refugees"},
                  {"women"}, set())
    plan = plan_fill(pool, [], {"women": 30, "refugees": 20}, places=10)
    picked = [pk for pk, _why in plan.picks]
    assert len(picked) == 10 and len(set(picked)) == 10
    # Women need 3 and refugees 2: ranks 7, 8 (both), 9, 10 come first, then the best of the rest by rank.
    assert picked[:4] == [7, 8, 9, 10]
    assert dict(plan.picks)[8] == ("refugees", "women")
    assert picked[4:] == [1, 2, 3, 4, 5, 6]
    assert plan.unmet == {}


def test_fill_never_exceeds_places_and_counts_those_already_selected() -> None:
    pool = ranked({"women"}, {"women"}, set(), set())
    plan = plan_fill(pool, [frozenset({"women"})] * 2, {"women": 50}, places=3)
    assert [pk for pk, _ in plan.picks] == [1]  # one place left; two women already count toward 2 needed
    assert plan_fill(pool, [frozenset()] * 3, {"women": 50}, places=3).picks == []


def test_a_target_that_cannot_be_met_is_filled_as_far_as_possible_and_reported() -> None:
    pool = ranked({"women"}, set(), set(), set(), set(), {"disability"}, set())
    plan = plan_fill(pool, [], {"women": 50, "disability": 20, "minors": 10}, places=6)
    picked = [pk for pk, _ in plan.picks]
    assert picked[:2] == [1, 6] and len(picked) == 6
    assert plan.unmet == {"women": {"count": 1, "needed": 3, "why": "no_applicants"},
                          "disability": {"count": 1, "needed": 2, "why": "no_applicants"},  # 20% of 6, rounded up
                          "minors": {"count": 0, "needed": 1, "why": "no_applicants"}}


def test_when_places_run_out_the_unmet_target_says_so() -> None:
    pool = ranked({"women"}, {"women"}, {"refugees"}, {"refugees"})
    plan = plan_fill(pool, [], {"women": 100, "refugees": 100}, places=2)
    assert [pk for pk, _ in plan.picks] == [1, 2]
    assert plan.unmet["refugees"] == {"count": 0, "needed": 2, "why": "no_places"}


def test_ineligible_candidates_are_never_picked() -> None:
    pool = ranked({"women"}, eligible=False) + [Candidate(pk=9, groups=frozenset())]
    plan = plan_fill(pool, [], {"women": 50}, places=2)
    assert [pk for pk, _ in plan.picks] == [9]
    assert plan.unmet["women"]["why"] == "no_applicants"
