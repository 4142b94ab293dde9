"""Reads of the outreach app: calls in the acting principal's scope, the ranked list and target progress.

Scope: a role held at the implementing partner covers all of that partner's calls; a role held at
a centre covers the partner's calls that list that centre, or list no centre at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kasb.core.permissions import Cap, Principal
from kasb.training.models import TestAttempt

from . import selection
from .models import Application, Call

TAKING_PLACES = (Application.Status.SELECTED, Application.Status.ENROLLED)
UNDECIDED = (Application.Status.SUBMITTED, Application.Status.WAITLISTED)


def call_scope(principal: Principal, cap: Cap) -> Q | None:
    """Q over Call for `cap`; None means every call."""
    if principal.is_superuser:
        return None
    grants = principal.grants_with(cap)
    partners = {g.partner_id for g in grants if not g.is_centre and g.partner_id}
    scope = Q(programme__partner_id__in=partners)
    for g in grants:
        if g.is_centre and g.partner_id:
            scope |= Q(programme__partner_id=g.partner_id) & (Q(centres=g.organisation_id) | Q(centres__isnull=True))
    return scope


def calls_for(principal: Principal, cap: Cap) -> QuerySet[Call]:
    qs = Call.objects.select_related("programme", "programme__partner", "placement_test")
    scope = call_scope(principal, cap)
    if scope is None:
        return qs
    # The centre conditions join the centres table; an id sub-select keeps each call once.
    return qs.filter(pk__in=Call.objects.filter(scope).values("pk"))


def staff_calls(principal: Principal) -> QuerySet[Call]:
    """Calls a principal may manage or select for."""
    managed = calls_for(principal, Cap.MANAGE_CALLS).values("pk")
    selecting = calls_for(principal, Cap.SELECT_APPLICANTS).values("pk")
    return (Call.objects.select_related("programme", "programme__partner")
            .filter(Q(pk__in=managed) | Q(pk__in=selecting)))


def may_act_on_call(principal: Principal, cap: Cap, call: Call) -> bool:
    return principal.can(cap) and calls_for(principal, cap).filter(pk=call.pk).exists()


def open_calls(today: date | None = None) -> QuerySet[Call]:
    """Calls taking applications today: open, and between their opening and closing dates."""
    day = today or timezone.localdate()
    return (Call.objects.filter(status=Call.Status.OPEN, opens_on__lte=day, closes_on__gte=day)
            .order_by("closes_on", "pk"))


def is_taking_applications(call: Call, today: date | None = None) -> bool:
    day = today or timezone.localdate()
    return call.status == Call.Status.OPEN and call.opens_on <= day <= call.closes_on


def taken_places(call: Call) -> int:
    return Application.objects.filter(call=call, status__in=TAKING_PLACES).count()


def status_counts(call: Call) -> dict[str, int]:
    rows = Application.objects.filter(call=call).values("status").annotate(n=Count("pk")).order_by()
    return {r["status"]: r["n"] for r in rows}


def heard_via_counts(call: Call) -> list[tuple[str, int]]:
    rows = Application.objects.filter(call=call).values("heard_via").annotate(n=Count("pk")).order_by("-n")
    labels = dict(Application._meta.get_field("heard_via").choices or [])
    return [(str(labels.get(r["heard_via"], r["heard_via"])), r["n"]) for r in rows]


def targets_of(call: Call) -> dict[str, int]:
    return {t.group: t.percent for t in call.targets.order_by("pk")}


# --- scoring inputs ------------------------------------------------------------------------------

def rules_of(call: Call) -> selection.Rules:
    return selection.Rules(
        min_age=call.min_age, max_age=call.max_age, closes_on=call.closes_on,
        area_codes=frozenset(call.areas.values_list("code", flat=True)),
        weights=call.weights or {}, vulnerability_points=call.vulnerability_points or {},
        has_test=call.placement_test_id is not None)


def facts_of(application: Application) -> selection.Facts:
    answers: dict[str, Any] = application.answers or {}  # type: ignore[assignment]
    born = answers.get("date_of_birth")
    return selection.Facts(
        sex=application.sex,
        date_of_birth=date.fromisoformat(born) if born else None,
        displacement_status=answers.get("displacement_status") or "",
        disability=answers.get("disability") or {},
        area_code=application.area.code if application.area_id else None,  # type: ignore[union-attr]
        female_headed_household=bool(answers.get("female_headed_household")),
        neet=bool(answers.get("neet")),
    )


def test_results(call: Call, tokens: list[str] | None = None) -> dict[str, selection.TestResult]:
    """Each applicant's best submitted attempt at the call's placement test, by application token."""
    if call.placement_test_id is None:
        return {}
    attempts = TestAttempt.objects.filter(test_id=call.placement_test_id, submitted_at__isnull=False,
                                          percent__isnull=False)
    if tokens is None:
        attempts = attempts.filter(applicant_token__in=Application.objects.filter(call=call).values("token"))
    else:
        attempts = attempts.filter(applicant_token__in=tokens)
    by_token: dict[str, list[tuple[int, Any, Any]]] = {}
    for pk, token, percent, at in attempts.values_list("pk", "applicant_token", "percent", "submitted_at"):
        by_token.setdefault(token, []).append((pk, percent, at))
    results = {token: selection.best_attempt(rows) for token, rows in by_token.items()}
    return {token: r for token, r in results.items() if r is not None}


def score_application(application: Application) -> selection.Score:
    call = application.call
    result = test_results(call, [application.token]).get(application.token)
    return selection.score(facts_of(application), rules_of(call), rating=application.motivation_rating,
                           test=result)


@dataclass
class Ranked:
    application: Application
    score: selection.Score
    groups: frozenset[str]
    rank: int = 0
    possible_duplicate: bool = False

    @property
    def candidate(self) -> selection.Candidate:
        return selection.Candidate(pk=self.application.pk, groups=self.groups, eligible=self.score.eligible)


def ranked_applications(call: Call) -> list[Ranked]:
    """Every application of the call with its live score, best first (ranks count eligible ones only).

    Decrypts each application's answers in Python: fine for the few thousand a call receives.
    """
    rules = rules_of(call)
    results = test_results(call)
    apps = (Application.objects.filter(call=call).select_related("area", "preferred_centre", "preferred_course")
            .defer("motivation"))
    names = Counter(Application.objects.filter(call=call).values_list("name_dob_index", flat=True))
    rows = []
    for app in apps:
        facts = facts_of(app)
        result = selection.score(facts, rules, rating=app.motivation_rating, test=results.get(app.token))
        rows.append(Ranked(application=app, score=result, groups=selection.groups_of(facts, rules.closes_on),
                           possible_duplicate=names[app.name_dob_index] > 1))
    rows.sort(key=lambda r: selection.rank_key(r.score.total, r.application.submitted_at, r.application.pk))
    for number, row in enumerate(rows, start=1):
        row.rank = number if row.score.eligible else 0
    return rows


def target_rows(call: Call, ranked: list[Ranked] | None = None) -> list[selection.TargetRow]:
    """The targets panel: each target against the people selected so far."""
    rows = ranked if ranked is not None else ranked_applications(call)
    chosen = [r.groups for r in rows if r.application.status in TAKING_PLACES]
    return selection.target_progress(chosen, targets_of(call), call.places)


def application_by_token(token: str) -> Application | None:
    if not token or len(token) > 64:
        return None
    return Application.objects.select_related("call", "call__placement_test").filter(token=token).first()


def applied_with_phone(call: Call, phone_index: str) -> Application | None:
    return Application.objects.filter(call=call, phone_index=phone_index).first()


def token_may_take_test(token: str, test: Any) -> bool:
    """An applicant's token opens the placement test of the call they applied to, while it is undecided."""
    from .models import Application

    return Application.objects.filter(token=token, call__placement_test=test,
                                      status__in=["submitted", "waitlisted", "selected"]).exists()
