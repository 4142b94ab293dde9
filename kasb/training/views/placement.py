"""The placement test pages: a participant's (signed in) and an applicant's (by their application's token),
and the staff view of a test's items and results.

One page shows every question with a visible time limit; it works without JavaScript (a small script
only counts down and sends the answers when the time is up). The server keeps the deadline: answers
that arrive late are scored and flagged. A second "send" of the same attempt shows the first result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kasb.core.errors import DomainError, PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal
from kasb.core.ratelimit import rate_limit
from kasb.core.translated import LANGUAGE_CODES
from kasb.orgs.queries import partner_ids
from kasb.participants.models import Participant

from ..models import Band, PlacementTest, TestAttempt, TestItem
from ..services import placement as svc

# Item analysis on the staff page reads at most this many recent attempts.
ANALYSIS_LIMIT = 2000
# Requests a minute from one address to the applicants' pages: a centre's whole lab may share one
# address (about five requests per person per test), so the limit is generous; tune "placement" in
# KASB_RATE_LIMITS.
APPLICANT_LIMIT = 300


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def pick_list(value: Mapping[str, Sequence[str]] | None, language: str | None = None) -> list[str]:
    """A list of choices in the reader's language, else English, else any language given."""
    if not value:
        return []
    wanted = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    for code in (wanted, settings.LANGUAGE_CODE, *LANGUAGE_CODES):
        if value.get(code):
            return [str(text) for text in value[code]]
    return next(([str(t) for t in texts] for texts in value.values() if texts), [])


@dataclass
class Taker:
    """Who is taking the test, and where their pages are."""

    test: PlacementTest
    participant: Participant | None = None
    token: str = ""

    def attempts(self) -> QuerySet[TestAttempt]:
        return svc.attempts_of(self.test, participant=self.participant, applicant_token=self.token)

    def url(self, number: int | None = None) -> str:
        if self.participant is not None:
            return reverse("training:test_result", args=[self.test.pk, number]) if number \
                else reverse("training:test_take", args=[self.test.pk])
        if number:
            return reverse("training:test_applicant_result", args=[self.token, self.test.pk, number])
        return reverse("training:test_applicant", args=[self.token, self.test.pk])


def _questions(items: Sequence[TestItem], given: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"item": item, "number": n, "key": f"item-{item.pk}", "given": given.get(str(item.pk), ""),
             "choices": [(str(i), text) for i, text in enumerate(pick_list(item.choices))]}
            for n, item in enumerate(items, 1)]


def _take(request: HttpRequest, taker: Taker, attempt: TestAttempt, *, given: Mapping[str, str] | None = None,
          error: str = "", status: int = 200) -> HttpResponse:
    now = timezone.now()
    left = int((attempt.deadline_at - now).total_seconds())
    return render(request, "training/placement/take.html", {
        "test": taker.test, "attempt": attempt, "questions": _questions(svc.active_items(taker.test), given or {}),
        "seconds_left": max(left, 0), "minutes_left": max((left + 59) // 60, 0), "time_up": left <= 0,
        "post_url": taker.url(), "error": error,
    }, status=status)


def _intro(request: HttpRequest, taker: Taker, attempts: Sequence[TestAttempt], *, error: str = "",
           status: int = 200) -> HttpResponse:
    submitted = [a for a in attempts if a.submitted_at]
    return render(request, "training/placement/intro.html", {
        "test": taker.test, "retake": svc.retake_status(test=taker.test, submitted=submitted),
        "history": [(a, taker.url(a.number)) for a in reversed(submitted)],
        "question_count": taker.test.items.filter(is_active=True).count(), "post_url": taker.url(), "error": error,
    }, status=status)


def _test_page(request: HttpRequest, taker: Taker) -> HttpResponse:
    """GET: the running attempt's questions, else the test's introduction. POST: start, or send the answers."""
    if request.method == "POST":
        if request.POST.get("action") == "submit":
            return _submit(request, taker)
        try:
            svc.start_attempt(test=taker.test, participant=taker.participant, applicant_token=taker.token,
                              language=get_language() or settings.LANGUAGE_CODE)
        except DomainError as exc:
            return _intro(request, taker, list(taker.attempts()), error=exc.message, status=exc.status)
        return redirect(taker.url())
    attempts = list(taker.attempts())
    running = next((a for a in attempts if a.submitted_at is None), None)
    if running is not None:
        return _take(request, taker, running)
    return _intro(request, taker, attempts)


def _submit(request: HttpRequest, taker: Taker) -> HttpResponse:
    number = request.POST.get("attempt", "")
    attempt = taker.attempts().filter(number=int(number)).first() if number.isdigit() and len(number) < 4 else None
    if attempt is None:
        return _intro(request, taker, list(taker.attempts()), status=400,
                      error=_("That attempt was not found. Start the test from here."))
    given = {key[5:]: str(value) for key, value in request.POST.items() if key.startswith("item-")}
    try:
        attempt = svc.submit_attempt(attempt=attempt, answers=given)
    except ValidationFailed as exc:
        return _take(request, taker, attempt, given=given, error=exc.message, status=400)
    return redirect(taker.url(attempt.number))


def _breakdown(attempt: TestAttempt) -> list[tuple[str, int, int]]:
    """Per skill area: (name, questions right, questions)."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    answers = attempt.answers or {}
    for item in svc.active_items(attempt.test):
        name = item.skill.name if item.skill else _("Other")
        total[name] += 1
        right[name] += svc.is_correct(item, answers.get(str(item.pk)))
    return [(name, right[name], count) for name, count in total.items()]


def _result(request: HttpRequest, taker: Taker, number: int) -> HttpResponse:
    attempt = get_object_or_404(taker.attempts().select_related("test"), number=number, submitted_at__isnull=False)
    submitted = [a for a in taker.attempts() if a.submitted_at]
    return render(request, "training/placement/result.html", {
        "test": taker.test, "attempt": attempt, "band": attempt.band,
        "course": attempt.band.course if attempt.band else None, "breakdown": _breakdown(attempt),
        "retake": svc.retake_status(test=taker.test, submitted=submitted), "test_url": taker.url(),
        "is_latest": submitted[-1].pk == attempt.pk,
    })


# --- a participant's test -------------------------------------------------------------------------

def _participant(request: HttpRequest) -> Participant:
    principal = _principal(request)
    if not principal.participant_id:
        raise Http404
    return get_object_or_404(Participant, pk=principal.participant_id)


def _participant_taker(request: HttpRequest, test_id: int) -> Taker:
    participant = _participant(request)
    test = get_object_or_404(PlacementTest, pk=test_id, partner_id=participant.partner_id)
    return Taker(test=test, participant=participant)


@login_required
def my_tests(request: HttpRequest) -> HttpResponse:
    """/training/test/: the participant's placement test (or the choice, when the partner runs several)."""
    principal = _principal(request)
    if not principal.participant_id:
        if principal.can(Cap.MANAGE_COURSES):
            return redirect("training:test_manage")
        raise Http404
    participant = _participant(request)
    tests = list(PlacementTest.objects.filter(partner_id=participant.partner_id, is_active=True).order_by("pk"))
    if len(tests) == 1:
        return _test_page(request, Taker(test=tests[0], participant=participant))
    return render(request, "training/placement/choose.html", {
        "tests": [(t, reverse("training:test_take", args=[t.pk])) for t in tests]})


@login_required
def participant_test(request: HttpRequest, test_id: int) -> HttpResponse:
    return _test_page(request, _participant_taker(request, test_id))


@login_required
def participant_result(request: HttpRequest, test_id: int, number: int) -> HttpResponse:
    return _result(request, _participant_taker(request, test_id), number)


# --- an applicant's test (no account: the token from their application) ---------------------------

def _applicant_taker(token: str, test_id: int) -> Taker:
    test = get_object_or_404(PlacementTest, pk=test_id)
    if not svc.applicant_may_take(token, test):
        raise Http404
    return Taker(test=test, token=token)


@rate_limit("placement", limit=APPLICANT_LIMIT)
def applicant_test(request: HttpRequest, token: str, test_id: int) -> HttpResponse:
    response = _test_page(request, _applicant_taker(token, test_id))
    response["Referrer-Policy"] = "same-origin"  # the token is in the address: keep it off other sites
    return response


@rate_limit("placement", limit=APPLICANT_LIMIT)
def applicant_result(request: HttpRequest, token: str, test_id: int, number: int) -> HttpResponse:
    response = _result(request, _applicant_taker(token, test_id), number)
    response["Referrer-Policy"] = "same-origin"
    return response


# --- staff: a test's items and results -----------------------------------------------------------

def _tests_in_scope(principal: Principal) -> QuerySet[PlacementTest]:
    if not principal.can(Cap.MANAGE_COURSES):
        raise PermissionDenied(_("You do not have permission to do this."))
    qs = PlacementTest.objects.select_related("partner")
    return qs if principal.is_superuser else qs.filter(partner_id__in=partner_ids(principal, Cap.MANAGE_COURSES))


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    tests = (_tests_in_scope(_principal(request))
             .annotate(item_count=Count("items", filter=Q(items__is_active=True), distinct=True),
                       done=Count("attempts", filter=Q(attempts__submitted_at__isnull=False), distinct=True))
             .order_by("partner__name", "pk"))
    return render(request, "training/placement/manage_list.html", {"tests": tests})


def _band_counts(test: PlacementTest, submitted: QuerySet[TestAttempt]) -> list[tuple[Band | None, int]]:
    counts = dict(submitted.values_list("band").annotate(n=Count("pk")).order_by())
    rows: list[tuple[Band | None, int]] = [(band, counts.get(band.pk, 0))
                                           for band in test.bands.select_related("course").order_by("min_percent")]
    if counts.get(None):
        rows.append((None, counts[None]))
    return rows


def _item_rows(items: Sequence[TestItem], submitted: QuerySet[TestAttempt]) -> list[dict[str, Any]]:
    """Each item with its choices in the reader's language and the share of recent attempts that got it right."""
    right: Counter[str] = Counter()
    seen = 0
    by_id = {str(item.pk): item for item in items}
    for answers in submitted.order_by("-submitted_at").values_list("answers", flat=True)[:ANALYSIS_LIMIT]:
        seen += 1
        for key, answer in (answers or {}).items():
            item = by_id.get(key)
            if item is not None and svc.is_correct(item, answer):
                right[key] += 1
    return [{"item": item, "number": n, "choices": pick_list(item.choices),
             "right": round(100 * right[str(item.pk)] / seen) if seen else None}
            for n, item in enumerate(items, 1)]


@login_required
def manage_detail(request: HttpRequest, test_id: int) -> HttpResponse:
    test = get_object_or_404(_tests_in_scope(_principal(request)), pk=test_id)
    submitted = TestAttempt.objects.filter(test=test, submitted_at__isnull=False)
    summary = submitted.aggregate(done=Count("pk"), late=Count("pk", filter=Q(late=True)), average=Avg("percent"),
                                  applicants=Count("pk", filter=Q(participant__isnull=True)))
    return render(request, "training/placement/manage_detail.html", {
        "test": test, "summary": summary,
        "running": TestAttempt.objects.filter(test=test, submitted_at__isnull=True).count(),
        "bands": _band_counts(test, submitted), "items": _item_rows(svc.active_items(test), submitted),
        "analysis_limit": ANALYSIS_LIMIT,
    })
