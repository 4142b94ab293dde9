"""Selection arithmetic: eligibility, the transparent score, inclusion-target progress, and the fill plan.

Pure functions over plain values: no database, no translation. The services and queries build the
facts from applications and store what these functions return, so a coordinator (and an auditor)
can see exactly why each applicant stands where they do.

The score of an eligible applicant is the sum of three parts, each shown on the selection screen:

- motivation: the coordinator's rating (0–5) × the call's "motivation" weight (default 4, so 0–20);
- test: the placement-test percent × the call's "test" weight ÷ 100 (default 40, so 0–40), from the
  applicant's BEST submitted attempt (retakes exist to let people show what they can do; ties go to
  the latest attempt);
- vulnerability: the points the call gives each group the applicant belongs to (women, refugees…).

An ineligible applicant (age on the closing date outside the range, or living outside the call's
areas) has no score and is never picked.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Admin-1 codes of the capitals: living anywhere else counts as "outside the capital".
CAPITALS = frozenset({"JO-AM", "TJ-DU", "TN-11"})
DEFAULT_WEIGHTS: dict[str, int] = {"motivation": 4, "test": 40}
WEIGHT_KEYS = tuple(DEFAULT_WEIGHTS)
MAX_RATING = 5
REFUGEE_STATUSES = frozenset({"refugee", "asylum_seeker"})
DISPLACED_STATUSES = frozenset({"refugee", "asylum_seeker", "idp", "returnee"})
WG_DIFFICULTY = 3  # Washington Group cut-off: "a lot of difficulty" (3) or "cannot do at all" (4)


@dataclass(frozen=True)
class Facts:
    """What selection needs to know about one applicant, decrypted."""

    sex: str = ""
    date_of_birth: date | None = None
    displacement_status: str = ""
    disability: Mapping[str, Any] = field(default_factory=dict)
    area_code: str | None = None
    female_headed_household: bool = False
    neet: bool = False


@dataclass(frozen=True)
class Rules:
    """A call's eligibility rules and score settings."""

    min_age: int
    max_age: int
    closes_on: date
    area_codes: frozenset[str] = frozenset()  # empty: anywhere
    weights: Mapping[str, int] = field(default_factory=dict)
    vulnerability_points: Mapping[str, int] = field(default_factory=dict)
    has_test: bool = False

    def weight(self, key: str) -> int:
        return int(self.weights.get(key, DEFAULT_WEIGHTS[key]))


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class

    attempt_id: int
    percent: int
    attempts: int  # submitted attempts considered


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def groups_of(facts: Facts, on: date) -> frozenset[str]:
    """The inclusion groups (outreach.models.Group values) this applicant belongs to on `on`."""
    groups = set()
    if facts.sex == "female":
        groups.add("women")
    if facts.displacement_status in REFUGEE_STATUSES:
        groups.add("refugees")
    if facts.displacement_status in DISPLACED_STATUSES:
        groups.add("displaced")
    if facts.date_of_birth is not None and age_on(facts.date_of_birth, on) < 18:
        groups.add("minors")
    if any(_int(v) >= WG_DIFFICULTY for v in (facts.disability or {}).values()):
        groups.add("disability")
    if facts.area_code and facts.area_code not in CAPITALS:
        groups.add("outside_capital")
    if facts.female_headed_household:
        groups.add("female_headed")
    if facts.neet:
        groups.add("neet")
    return frozenset(groups)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def eligibility_problems(facts: Facts, rules: Rules) -> list[dict[str, Any]]:
    """Why an applicant is not eligible, as codes with their numbers (the template words them)."""
    problems: list[dict[str, Any]] = []
    if facts.date_of_birth is None:
        problems.append({"code": "age_unknown"})
    else:
        age = age_on(facts.date_of_birth, rules.closes_on)
        if not rules.min_age <= age <= rules.max_age:
            problems.append({"code": "age", "age": age, "min": rules.min_age, "max": rules.max_age})
    if rules.area_codes and facts.area_code not in rules.area_codes:
        problems.append({"code": "area", "area": facts.area_code or ""})
    return problems


@dataclass(frozen=True)
class Score:
    total: int | None  # None when not eligible
    parts: dict[str, Any]

    @property
    def eligible(self) -> bool:
        return self.total is not None


def score(facts: Facts, rules: Rules, *, rating: int | None, test: TestResult | None) -> Score:
    """The transparent score; `parts` is stored on the application and shown as the reason for its rank."""
    groups = groups_of(facts, rules.closes_on)
    problems = eligibility_problems(facts, rules)
    motivation_weight = rules.weight("motivation")
    motivation = {"rating": rating, "weight": motivation_weight,
                  "points": (rating or 0) * motivation_weight, "max": MAX_RATING * motivation_weight}
    test_weight = rules.weight("test") if rules.has_test else 0
    test_part: dict[str, Any] = {"weight": test_weight, "points": 0, "max": test_weight, "rule": "best",
                                 "percent": None, "attempt": None, "attempts": 0, "required": rules.has_test}
    if test is not None and rules.has_test:
        # Half-up rounding of a whole-number product, so 0.5 always rounds the same way.
        test_part.update(percent=test.percent, attempt=test.attempt_id, attempts=test.attempts,
                         points=(test.percent * test_weight + 50) // 100)
    vulnerability = {g: int(p) for g, p in sorted(rules.vulnerability_points.items()) if g in groups and int(p)}
    parts: dict[str, Any] = {
        "eligible": not problems, "problems": problems, "groups": sorted(groups),
        "motivation": motivation, "test": test_part, "vulnerability": vulnerability,
    }
    if problems:
        parts["total"] = None
        return Score(None, parts)
    total = motivation["points"] + test_part["points"] + sum(vulnerability.values())
    parts["total"] = total
    return Score(total, parts)


def best_attempt(attempts: Iterable[tuple[int, int, Any]]) -> TestResult | None:
    """From (attempt id, percent, submitted at) of submitted attempts: the best percent, ties to the latest."""
    rows = [a for a in attempts if a[1] is not None]
    if not rows:
        return None
    best = max(rows, key=lambda a: (a[1], a[2], a[0]))
    return TestResult(attempt_id=best[0], percent=int(best[1]), attempts=len(rows))


def rank_key(total: int | None, submitted_at: Any, pk: int) -> tuple[int, int, Any, int]:
    """Eligible before ineligible, higher score first, earlier application first, then id."""
    return (0 if total is not None else 1, -(total or 0), submitted_at, pk)


# --- inclusion targets ---------------------------------------------------------------------------

def needed(percent: int, places: int) -> int:
    """People of a group the selected set needs for `percent` of `places` (rounded up)."""
    return math.ceil(percent * places / 100)


@dataclass(frozen=True)
class TargetRow:
    group: str
    percent: int      # the target share of places
    count: int        # selected people in the group
    selected: int     # selected people in all
    needed: int       # people the target asks for
    share: int        # the group's share of the selected set, in whole percent

    @property
    def met(self) -> bool:
        return self.count >= self.needed

    @property
    def missing(self) -> int:
        return max(0, self.needed - self.count)


def target_progress(selected: Sequence[frozenset[str]], targets: Mapping[str, int], places: int) -> list[TargetRow]:
    """For each target: how many of the selected belong to the group, their share, and what is needed."""
    counts = Counter(g for groups in selected for g in groups)
    total = len(selected)
    return [TargetRow(group=g, percent=p, count=counts[g], selected=total, needed=needed(p, places),
                      share=round(100 * counts[g] / total) if total else 0)
            for g, p in targets.items()]


@dataclass(frozen=True)
class Candidate:
    pk: int
    groups: frozenset[str]
    eligible: bool = True


@dataclass
class FillPlan:
    picks: list[tuple[int, tuple[str, ...]]]  # (application id, groups it was picked for; empty = by score)
    unmet: dict[str, dict[str, Any]]            # group -> {"count", "needed", "why": "no_applicants"|"no_places"}
    free_before: int


def plan_fill(ranked: Sequence[Candidate], selected: Sequence[frozenset[str]], targets: Mapping[str, int],
              places: int) -> FillPlan:
    """Choose who to add to the selected set, from candidates already in rank order.

    1. Targets first. While a place is free and some group is below its target (ceil(target% ×
       places) people), take the best-ranked eligible candidate who belongs to at least one of the
       groups still short; every group they belong to counts them. Someone in several short groups
       is not preferred over a better-ranked candidate: the vulnerability points in the score
       already reward belonging to several groups, so rank order stays the one rule.
    2. Then by score. The remaining free places go to the best-ranked eligible candidates left.

    It never exceeds `places` (people already selected count first) and never picks an ineligible
    candidate. A target stays unmet only when no eligible candidate of the group is left
    ("no_applicants") or the places ran out first ("no_places", possible when targets add up to
    more than the places their groups share); `unmet` says which.
    """
    free = max(0, places - len(selected))
    counts = Counter(g for groups in selected for g in groups)
    short = {g: needed(p, places) - counts[g] for g, p in targets.items()}
    pool = [c for c in ranked if c.eligible]
    picks: list[tuple[int, tuple[str, ...]]] = []
    left = free
    while left > 0:
        wanted = {g for g, n in short.items() if n > 0}
        chosen = next((c for c in pool if c.groups & wanted), None) if wanted else None
        if chosen is None:
            break
        pool.remove(chosen)
        picks.append((chosen.pk, tuple(sorted(chosen.groups & wanted))))
        for g in chosen.groups:
            if g in short:
                short[g] -= 1
        left -= 1
    while left > 0 and pool:
        picks.append((pool.pop(0).pk, ()))
        left -= 1
    unmet = {}
    for g, n in short.items():
        if n > 0:
            target = needed(targets[g], places)
            why = "no_places" if any(g in c.groups for c in pool) else "no_applicants"
            unmet[g] = {"count": target - n, "needed": target, "why": why}
    return FillPlan(picks=picks, unmet=unmet, free_before=free)
