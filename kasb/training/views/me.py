"""My learning: a learner's own courses on a phone — next session, attendance, grades, offers to answer,
placement test result and certificates. Participants and staff on a training-of-trainers cohort alike.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kasb.core.errors import DomainError
from kasb.core.permissions import Principal

from ..models import Assessment, Certificate, Enrolment, Session, TestAttempt
from ..services.enrolment import move_enrolment

S = Enrolment.Status
SHOWN = (S.OFFERED, S.ACCEPTED, S.ACTIVE, S.COMPLETED, S.DROPPED)


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _mine(principal: Principal) -> Q:
    """The learner's own enrolments: as a participant, and as a member of staff being trained."""
    mine = Q(pk__in=[])
    if principal.participant_id:
        mine |= Q(participant_id=principal.participant_id)
    if principal.user is not None and principal.is_staff_role:
        mine |= Q(staff_id=principal.user.pk)
    return mine


def _url(name: str, fallback: str) -> str:
    """A link to a page another part of training owns; its path if the name is not there yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse("training:me").removesuffix("me/") + fallback


@login_required
def my_learning(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    mine = _mine(principal)
    if not principal.participant_id and not principal.is_staff_role:
        raise Http404
    now = timezone.now()
    upcoming = Session.objects.filter(cohort=OuterRef("cohort"), ends_at__gte=now).order_by("starts_at")
    enrolments = list(
        Enrolment.objects.filter(mine, status__in=SHOWN)
        .select_related("cohort", "cohort__course", "cohort__centre", "cohort__centre__area")
        .annotate(next_session_id=Subquery(upcoming.values("pk")[:1]),
                  present_count=Count("attendance", filter=Q(attendance__present=True)),
                  marked=Count("attendance"))
        .order_by("-created_at"))
    sessions = Session.objects.in_bulk([e.next_session_id for e in enrolments  # type: ignore[attr-defined]
                                        if e.next_session_id])  # type: ignore[attr-defined]
    grades: dict[int, list[Assessment]] = {}
    for a in Assessment.objects.filter(enrolment__in=enrolments).select_related("module").order_by("module__order"):
        grades.setdefault(a.enrolment_id, []).append(a)
    for e in enrolments:
        e.next_session = sessions.get(e.next_session_id)  # type: ignore[attr-defined]
        e.share = round(100 * e.present_count / e.marked) if e.marked else None  # type: ignore[attr-defined]
        e.grades = grades.get(e.pk, [])  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "offers": [e for e in enrolments if e.status == S.OFFERED],
        "current": [e for e in enrolments if e.status in (S.ACCEPTED, S.ACTIVE)],
        "finished": [e for e in enrolments if e.status in (S.COMPLETED, S.DROPPED)],
        "certificates": list(Certificate.objects.filter(enrolment__in=enrolments, revoked_at__isnull=True)
                             .order_by("-issued_at")),
        "attempt": None,
        "test_url": _url("training:test", "test/"), "certificates_url": _url("training:certificates", "certificates/"),
    }
    if principal.participant_id:
        context["attempt"] = (TestAttempt.objects.filter(participant_id=principal.participant_id,
                                                         submitted_at__isnull=False)
                              .select_related("band", "band__course").order_by("-submitted_at").first())
    return render(request, "training/me/learning.html", context)


@login_required
@require_POST
def answer_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept or decline a place (only one's own, only while it is offered)."""
    principal = _principal(request)
    enrolment = get_object_or_404(Enrolment.objects.select_related("cohort", "participant", "staff"),
                                  _mine(principal), pk=pk)
    accept = request.POST.get("answer") == "accept"
    if enrolment.status != S.OFFERED:
        messages.info(request, _("You have already answered this offer. To change your answer, talk to your "
                                 "coordinator."))
        return redirect("training:me")
    try:
        move_enrolment(actor=principal, enrolment=enrolment, to=S.ACCEPTED if accept else S.NO_SHOW,
                       reason=_("Accepted by the learner") if accept else _("Declined by the learner"))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You have accepted your place in %(cohort)s. See you at the first session!")
                         % {"cohort": enrolment.cohort.name} if accept else
                         _("You have declined the place in %(cohort)s.") % {"cohort": enrolment.cohort.name})
    return redirect("training:me")
