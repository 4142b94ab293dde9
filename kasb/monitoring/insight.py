"""Market insight: the skills the market asks for against the skills participants have, which courses lead
to work, and curriculum suggestions a partner can act on. Read only.

Demand (in the period): microwork projects published, each skill it requires weighted by its task volume
(tasks × answers needed per task) and by the pay those answers carry; careers opportunities posted, each
skill weighted by one opening (and its pay, when stated). A project without required skills stands for its
task type. Each is placed in the admin-1 areas it is for (none: "anywhere") and the month it was posted.

Supply: participants holding the skill, verified and not revoked ("qualified"), and of those, the ones who
handed in microwork in the period ("active"). For a task type, active workers are those who handed in work
of that type.

Everything is a fixed number of queries whatever the volume (about a dozen). Counts of people are hidden
under the threshold for an outside audience; there are no totals across rows (a person holds several
skills), so no hidden count can be worked out by subtraction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasb.careers.models import Opportunity
from kasb.core.money import Money
from kasb.core.permissions import Principal
from kasb.microwork.models import Project, Submission, TaskType
from kasb.skills.models import Skill, VerifiedSkill
from kasb.training.models import Course, Enrolment

from .context import Filters, Scope, scope_for
from .sources import Source
from .tables import _median, threshold

ANYWHERE = ""
TREND_ROWS = 8
PUBLISHED = (Project.Status.PUBLISHED, Project.Status.PAUSED, Project.Status.COMPLETED)


@dataclass
class Gap:
    key: str                      # a skill id, or "task:<type>"
    label: str
    area_id: int | None
    tasks: int = 0
    pay: dict[str, int] = field(default_factory=lambda: defaultdict(int))   # currency -> minor units
    openings: int = 0
    qualified: int | None = None  # None: not applicable (a task type) or hidden
    active: int | None = None
    hidden: set[str] = field(default_factory=set)   # which counts are hidden

    @property
    def pay_display(self) -> str:
        return ", ".join(str(Money(v, c)) for c, v in sorted(self.pay.items()))

    @property
    def per_worker(self) -> Decimal | None:
        if self.qualified is None or "qualified" in self.hidden:
            return None
        return (Decimal(self.tasks) / Decimal(max(self.qualified, 1))).quantize(Decimal("0.1"))


@dataclass
class CourseOutcome:
    course_id: int
    label: str
    started: int
    completed: int
    onboarded: int
    accuracy: Decimal | None      # median over completers of their gold accuracy (%)
    earnings: dict[str, int]      # currency -> median of completers' earnings in the period (minor units)
    hidden: bool = False

    def share(self, part: int, whole: int) -> Decimal | None:
        return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1")) if whole else None

    @property
    def completion_rate(self) -> Decimal | None:
        return None if self.hidden else self.share(self.completed, self.started)

    @property
    def onboarded_share(self) -> Decimal | None:
        return None if self.hidden else self.share(self.onboarded, self.completed)

    @property
    def earnings_display(self) -> str:
        return "…" if self.hidden else ", ".join(str(Money(v, c)) for c, v in sorted(self.earnings.items()))


@dataclass
class Insight:
    filters: Filters
    gaps: list[Gap]
    courses: list[CourseOutcome]
    suggestions: list[str]
    suppressed: bool
    threshold: int
    areas: dict[int, str]
    trend: list[tuple[str, list[int]]]   # the busiest skills: tasks posted in each month of the period


# --- demand -------------------------------------------------------------------------------------------

Demand = tuple[dict[tuple[str, int | None], Gap], dict[str, int], dict[str, dict[str, int]]]


def _demand(src: Source, area_id: int | None) -> Demand:
    scope = src.scope
    totals: dict[str, int] = defaultdict(int)  # tasks per skill, each project counted once
    monthly: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    projects = Project.objects.filter(src.in_period("published_at"), src.programme("programme_id"),
                                      scope.q("programme__partner_id"), status__in=PUBLISHED)
    rows = list(projects.annotate(n=Count("tasks")).values("pk", "task_type", "published_at", "pay_per_task",
                                                            "currency", "overlap", "n"))
    ids = [r["pk"] for r in rows]
    skills = _through(Project.required_skills.through, "project_id", "skill_id", ids)
    areas = _through(Project.areas.through, "project_id", "area_id", ids)
    gaps: dict[tuple[str, int | None], Gap] = {}
    for row in rows:
        answers = row["n"] * row["overlap"]
        keys = [str(s) for s in skills.get(row["pk"], [])] or [f"task:{row['task_type']}"]
        month = f"{src.day(row['published_at'] or src.filters.start):%Y-%m}"
        for key in keys:
            totals[key] += answers
            monthly[key][month] += answers
        places: list[int | None] = list(areas.get(row["pk"], [])) or [None]
        for where in places:
            if area_id and where not in (area_id, None):
                continue
            for key in keys:
                gap = gaps.setdefault((key, where), Gap(key, "", where))
                gap.tasks += answers
                gap.pay[row["currency"]] += answers * row["pay_per_task"]
    openings = Opportunity.objects.filter(src.in_period("created_at"), scope.q("employer__parent_id"))
    if area_id:
        openings = openings.filter(Q(area_id=area_id) | Q(area__isnull=True))
    jobs = list(openings.values("pk", "area_id", "pay_minor", "pay_currency"))
    job_skills = _through(Opportunity.required_skills.through, "opportunity_id", "skill_id", [j["pk"] for j in jobs])
    for job in jobs:
        for skill in job_skills.get(job["pk"], []):
            gap = gaps.setdefault((str(skill), job["area_id"]), Gap(str(skill), "", job["area_id"]))
            gap.openings += 1
            if job["pay_minor"]:
                gap.pay[job["pay_currency"]] += job["pay_minor"]
    return gaps, totals, monthly


def _through(model: Any, left: str, right: str, ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    if ids:
        for a, b in model.objects.filter(**{f"{left}__in": ids}).values_list(left, right):
            out[a].append(b)
    return out


# --- supply -------------------------------------------------------------------------------------------

def _supply(src: Source, gaps: dict[tuple[str, int | None], Gap]) -> dict[str, int]:
    """Qualified and active people per skill (and area), one query each; task types: active workers."""
    workers = set(Submission.objects.filter(src.in_period("submitted_at"), src.participants("worker"))
                  .values_list("worker_id", flat=True).distinct())
    qualified: dict[tuple[str, int | None], set[int]] = defaultdict(set)
    skill_ids = sorted({int(k) for k, _a in gaps if not k.startswith("task:")})
    held = (VerifiedSkill.objects.filter(src.participants("participant"), skill_id__in=skill_ids,
                                         revoked_at__isnull=True)
            .values_list("skill_id", "participant_id", "participant__area_id"))
    for skill, person, home in held:
        qualified[(str(skill), home)].add(person)
        qualified[(str(skill), None)].add(person)
    typed: dict[str, set[int]] = defaultdict(set)
    for task_type, worker in (Submission.objects.filter(src.in_period("submitted_at"), src.participants("worker"))
                              .values_list("project__task_type", "worker_id").distinct()):
        typed[f"task:{task_type}"].add(worker)
    for (key, area), gap in gaps.items():
        if key.startswith("task:"):
            gap.active = len(typed.get(key, set()))
            continue
        people = qualified.get((key, area), set())
        gap.qualified, gap.active = len(people), len(people & workers)
    return {key: len(people) for (key, area), people in qualified.items() if area is None}


def _labels(gaps: dict[tuple[str, int | None], Gap]) -> None:
    ids = sorted({int(k) for k, _a in gaps if not k.startswith("task:")})
    names = {str(s.pk): s.name for s in Skill.objects.filter(pk__in=ids)}
    types = dict(TaskType.choices)
    for (key, _area), gap in gaps.items():
        gap.label = str(types.get(key[5:], key[5:])) if key.startswith("task:") else names.get(key, key)


def _hide(gaps: list[Gap], limit: int) -> None:
    for gap in gaps:
        for name in ("qualified", "active"):
            value = getattr(gap, name)
            if value is not None and 0 < value < limit:
                gap.hidden.add(name)
                setattr(gap, name, None)


# --- courses ------------------------------------------------------------------------------------------

def _courses(src: Source, hide: bool, limit: int) -> list[CourseOutcome]:
    """Per course, over cohorts that started in the period: completion, then the completers' onboarding,
    gold accuracy and earnings in the period. Five queries."""
    began = Enrolment.objects.filter(src.in_period("cohort__starts_on", is_datetime=False),
                                     src.programme("cohort__programme_id"), src.participants("participant"),
                                     participant__isnull=False,
                                     status__in=(Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED,
                                                 Enrolment.Status.DROPPED))
    enrolments = began.values_list("cohort__course_id", "participant_id", "status").iterator(chunk_size=2000)
    # The completers as a subquery, not a list of ids: the database keeps the join, whatever their number.
    everyone = began.filter(status=Enrolment.Status.COMPLETED).values("participant_id")
    started: dict[int, set[int]] = defaultdict(set)
    completed: dict[int, set[int]] = defaultdict(set)
    for course, person, status in enrolments:
        started[course].add(person)
        if status == Enrolment.Status.COMPLETED:
            completed[course].add(person)
    claimed = set(Submission.objects.filter(worker_id__in=everyone).values_list("worker_id", flat=True).distinct())
    gold = {w: (c, t) for w, c, t in Submission.objects.filter(
        src.in_period("submitted_at"), worker_id__in=everyone, gold_correct__isnull=False).values("worker_id")
        .annotate(c=Count("id", filter=Q(gold_correct=True)), t=Count("id")).order_by()
        .values_list("worker_id", "c", "t")}
    earned = _earnings(src, everyone)
    names = {c.pk: c.name for c in Course.objects.filter(pk__in=list(started)).only("pk", "title", "code")}
    out = []
    for course, people in started.items():
        done = completed.get(course, set())
        accuracy = _median([int(1000 * gold[w][0] / gold[w][1]) for w in done if w in gold and gold[w][1]])
        per_currency: dict[str, list[int]] = defaultdict(list)
        for (worker, currency), amount in earned.items():
            if worker in done:
                per_currency[currency].append(amount)
        medians = {c: int(_median(v) or 0) for c, v in per_currency.items()}
        outcome = CourseOutcome(course, names.get(course, str(course)), len(people), len(done),
                                len(done & claimed), None if accuracy is None else (accuracy / 10).quantize(
                                    Decimal("0.1")), medians)
        outcome.hidden = hide and (0 < len(people) < limit or 0 < len(done) < limit)
        if outcome.hidden:
            outcome.accuracy, outcome.earnings = None, {}
        out.append(outcome)
    return sorted(out, key=lambda o: o.label)


def _earnings(src: Source, people: Any) -> dict[tuple[int, str], int]:
    from kasb.payments.models import AccountKind, Entry, TransactionKind

    kinds = (TransactionKind.EARNING, TransactionKind.TOP_UP)
    qs = (Entry.objects.filter(src.in_period("transaction__effective_on", is_datetime=False),
                               account__kind=AccountKind.WORKER, account__participant_id__in=people,
                               transaction__kind__in=kinds)
          .values("account__participant_id", "currency").annotate(total=Sum("amount")).order_by())
    return {(r["account__participant_id"], r["currency"]): -r["total"] for r in qs}


# --- the whole page -----------------------------------------------------------------------------------

def insight(principal: Principal, filters: Filters, *, area_id: int | None = None, top: int = 5) -> Insight:
    scope: Scope = scope_for(principal)
    hide = filters.suppress or not scope.unsuppressed
    src = Source(filters, scope, frozenset())
    by_key, totals, monthly = _demand(src, area_id)
    overall = _supply(src, by_key)
    _labels(by_key)
    gaps = sorted(by_key.values(), key=lambda g: (-g.tasks, -g.openings, g.label, g.area_id or 0))
    limit = threshold()
    if hide:
        _hide(gaps, limit)
    from kasb.orgs.models import Area

    area_ids = {g.area_id for g in gaps if g.area_id}
    areas = {a.pk: str(a) for a in Area.objects.filter(pk__in=sorted(area_ids))}
    advice = suggestions(by_key, totals, overall, hide, limit, top)
    labels = {key: gap.label for (key, _area), gap in by_key.items()}
    busiest = sorted(totals, key=lambda k: (-totals[k], labels.get(k, k)))[:TREND_ROWS]
    trend = [(labels.get(k, k), [monthly[k].get(m, 0) for m in filters.months]) for k in busiest]
    return Insight(filters, gaps, _courses(src, hide, limit), advice, hide, limit, areas, trend)


def suggestions(gaps: dict[tuple[str, int | None], Gap], totals: dict[str, int], qualified: dict[str, int],
                hide: bool, limit: int, top: int) -> list[str]:
    """The skills most asked for per qualified person, all areas together: "Translation Arabic→English:
    4,200 tasks posted, 12 qualified workers"."""
    labels = {key: gap.label for (key, _area), gap in gaps.items()}
    skills = [key for key in totals if not key.startswith("task:") and totals[key]]
    ranked = sorted(skills, key=lambda k: (-totals[k] / max(qualified.get(k, 0), 1), labels.get(k, k)))
    out = []
    for key in ranked[:top]:
        tasks = ngettext("%(n)s task posted", "%(n)s tasks posted", totals[key]) % {"n": f"{totals[key]:,}"}
        count = qualified.get(key, 0)
        if hide and 0 < count < limit:
            people = _("fewer than %(n)s qualified workers") % {"n": limit}
        else:
            people = ngettext("%(n)s qualified worker", "%(n)s qualified workers", count) % {"n": count}
        out.append(_("%(skill)s: %(tasks)s, %(people)s") % {"skill": labels.get(key, key), "tasks": tasks,
                                                             "people": people})
    return out
