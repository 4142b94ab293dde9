"""Staff pages for cohorts: the list, a cohort with its sessions and learners, enrolment, the trainer's
roster for a session, grades per module, the at-risk list and the course catalogue.

Thin views: every write is a service call (kasb.training.services.*); a DomainError is shown beside
the field it names. A cohort outside the principal's scope is a 404; a missing capability a 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kasb.core.errors import DomainError, PermissionDenied
from kasb.core.permissions import STAFF_ROLES, Cap, Principal
from kasb.orgs.models import Organisation, Programme
from kasb.orgs.queries import centres_for
from kasb.participants.models import Participant
from kasb.participants.queries import participants_visible_to

from ..forms import CohortForm, EnrolForm, GradesForm, MoveForm, ScheduleForm, SessionForm, show_error
from ..models import (
    Assessment,
    Attendance,
    Cohort,
    Course,
    Enrolment,
    EnrolmentChange,
    Modality,
    Module,
    Session,
)
from ..queries import cohorts_for
from ..services import attendance as attendance_services
from ..services import courses as course_services
from ..services.attendance import ON_ROSTER, RosterResult
from ..services.enrolment import MOVES, move_enrolment, offer_place

PAGE_SIZE = 25
S = Enrolment.Status
GONE = (S.DROPPED, S.NO_SHOW)


# --- helpers -------------------------------------------------------------------------------------

def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _visible_cohorts(principal: Principal) -> QuerySet[Cohort]:
    """Cohorts the principal trains, coordinates or manages; 403 for someone with neither capability."""
    for cap in (Cap.TAKE_ATTENDANCE, Cap.MANAGE_COHORTS):
        if principal.can(cap):
            return cohorts_for(principal, cap)
    raise PermissionDenied(_("You do not have permission to do this."))


def _cohort(request: HttpRequest, pk: int) -> Cohort:
    ids = _visible_cohorts(_principal(request)).values("pk")
    return get_object_or_404(Cohort.objects.select_related("course", "centre", "programme"), pk=pk, pk__in=ids)


def _partner_ids(principal: Principal, *caps: Cap) -> set[int] | None:
    """Partners where `principal` holds any of `caps`; None means every partner (superuser)."""
    if principal.is_superuser:
        return None
    return {g.partner_id for cap in caps for g in principal.grants_with(cap) if g.partner_id}


def _count(qs: QuerySet[Any], by: str = "cohort") -> Coalesce:
    """A correlated COUNT(*) (no row multiplication from joining several lists)."""
    return Coalesce(Subquery(qs.filter(**{by: OuterRef("pk")}).order_by().values(by)
                             .annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


def _staff_of(partner_ids: set[int] | None, roles: Iterable[str] = STAFF_ROLES) -> QuerySet[Any]:
    """Staff of partners and their centres (None: all partners): who can train a cohort, or be trained in one."""
    users = get_user_model().objects.filter(memberships__role__in=sorted(roles), is_active=True)
    if partner_ids is not None:
        users = users.filter(Q(memberships__organisation_id__in=partner_ids) | Q(
            memberships__organisation__parent_id__in=partner_ids,
            memberships__organisation__kind=Organisation.Kind.CENTRE))
    return users.distinct().order_by("full_name")


def _names(enrolments: list[Any]) -> str:
    return ", ".join(e.learner_name for e in enrolments)


# --- cohort list, at-risk list, courses ----------------------------------------------------------

@login_required
def cohort_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    visible = _visible_cohorts(principal).values("pk")
    today = timezone.localdate()
    past = request.GET.get("show") == "past"
    cohorts = (Cohort.objects.filter(pk__in=visible).select_related("course", "centre", "programme")
               .annotate(taken=_count(Enrolment.objects.exclude(status__in=GONE)),
                         at_risk_count=_count(Enrolment.objects.filter(at_risk=True, status__in=ON_ROSTER)),
                         session_count=_count(Session.objects.all())))
    cohorts = cohorts.filter(ends_on__lt=today).order_by("-ends_on", "name") if past \
        else cohorts.filter(ends_on__gte=today).order_by("starts_on", "name")
    page = Paginator(cohorts, PAGE_SIZE).get_page(request.GET.get("page"))
    todays = (Session.objects.filter(cohort__in=visible, starts_at__date=today)
              .select_related("cohort", "cohort__centre").order_by("starts_at")[:20])
    return render(request, "training/cohorts/list.html", {
        "page": page, "past": past, "today_sessions": todays,
        "can_create": principal.can(Cap.MANAGE_COHORTS),
        "can_courses": principal.can(Cap.MANAGE_COURSES) or principal.can(Cap.MANAGE_COHORTS)})


@login_required
def at_risk(request: HttpRequest) -> HttpResponse:
    visible = _visible_cohorts(_principal(request)).values("pk")
    people = (Enrolment.objects.filter(cohort__in=visible, at_risk=True, status__in=ON_ROSTER)
              .select_related("cohort", "cohort__centre", "participant", "staff")
              .annotate(last_present=Max("attendance__session__starts_at", filter=Q(attendance__present=True)))
              .order_by("cohort__name", "pk"))
    page = Paginator(people, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    return render(request, "training/cohorts/at_risk.html", {
        "page": page, "missed": attendance_services.MISSED_SESSIONS_AT_RISK})


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    if not (principal.can(Cap.MANAGE_COURSES) or principal.can(Cap.MANAGE_COHORTS)):
        raise PermissionDenied(_("You do not have permission to do this."))
    partners = _partner_ids(principal, Cap.MANAGE_COURSES, Cap.MANAGE_COHORTS)
    courses = Course.objects.select_related("partner").annotate(module_count=Count("modules")).order_by(
        "partner__name", "code")
    if partners is not None:
        courses = courses.filter(partner_id__in=partners)
    installable = Organisation.objects.filter(kind=Organisation.Kind.PARTNER).order_by("name")
    managed = _partner_ids(principal, Cap.MANAGE_COURSES)
    if managed is not None:
        installable = installable.filter(pk__in={g.partner_id for g in principal.grants_with(Cap.MANAGE_COURSES)
                                                 if not g.is_centre})
    page = Paginator(courses, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    return render(request, "training/cohorts/courses.html", {"page": page, "installable": installable})


@login_required
@require_POST
def course_install(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    partner = get_object_or_404(Organisation, pk=request.POST.get("partner") or 0, kind=Organisation.Kind.PARTNER)
    if not (principal.is_superuser or any(not g.is_centre and g.partner_id == partner.pk
                                          for g in principal.grants_with(Cap.MANAGE_COURSES))):
        raise PermissionDenied(_("You cannot change this partner's courses."))
    added = course_services.install_course_catalogue(partner=partner, actor=principal)
    messages.success(request, ngettext("%(n)s course added to the catalogue.", "%(n)s courses added to the catalogue.",
                                       len(added)) % {"n": len(added)})
    return redirect("training:courses")


# --- a new cohort --------------------------------------------------------------------------------

def _cohort_form(principal: Principal, data: Any = None) -> CohortForm:
    partners = _partner_ids(principal, Cap.MANAGE_COHORTS)
    courses = Course.objects.filter(is_active=True).order_by("code")
    programmes = Programme.objects.filter(is_active=True).order_by("name")
    if partners is not None:
        courses, programmes = courses.filter(partner_id__in=partners), programmes.filter(partner_id__in=partners)
    staff = _staff_of(partners, course_services.TRAINER_ROLES)
    return CohortForm(data, courses=courses, programmes=programmes,
                      centres=centres_for(principal, Cap.MANAGE_COHORTS).order_by("name"), staff=staff)


@login_required
def cohort_new(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    if not principal.can(Cap.MANAGE_COHORTS):
        raise PermissionDenied(_("You do not have permission to do this."))
    form = _cohort_form(principal, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cohort = course_services.create_cohort(
                actor=principal, course=data["course"], programme=data["programme"], centre=data["centre"],
                name=data["name"], starts_on=data["starts_on"], ends_on=data["ends_on"], capacity=data["capacity"],
                trainers=list(data["trainers"]), transport=data["transport_money"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Cohort “%(name)s” created. Now add its sessions.") % {"name": cohort.name})
            return redirect("training:cohort", cohort.pk)
    return render(request, "training/cohorts/new.html", {"form": form}, status=400 if form.errors else 200)


# --- one cohort ----------------------------------------------------------------------------------

def _cohort_page(request: HttpRequest, cohort: Cohort, *, status: int = 200, **forms: Any) -> HttpResponse:
    principal = _principal(request)
    manages = course_services.may_manage_cohort(principal, cohort)
    present = Count("attendance", filter=Q(attendance__present=True))
    sessions = list(cohort.sessions.select_related("module").annotate(present_count=present,
                                                                       marked=Count("attendance")))
    enrolments = sorted(cohort.enrolments.select_related("participant", "staff").annotate(
        present_count=present, marked=Count("attendance")), key=lambda e: (e.status in GONE, e.learner_name, e.pk))
    for e in enrolments:
        e.share = round(100 * e.present_count / e.marked) if e.marked else None  # type: ignore[attr-defined]
    modules = list(cohort.course.modules.all())
    today = timezone.localdate()
    context: dict[str, Any] = {
        "cohort": cohort, "manages": manages, "sessions": sessions, "enrolments": enrolments,
        "assessed_modules": [m for m in modules if m.has_assessment],
        "today_sessions": [s for s in sessions if timezone.localtime(s.starts_at).date() == today],
        "taken": sum(1 for e in enrolments if e.status not in GONE),
        "trainers": list(cohort.trainers.order_by("full_name")),
        "schedule_form": forms.get("schedule_form"), "session_form": forms.get("session_form"),
        "enrol_form": forms.get("enrol_form")}
    if manages:
        if context["schedule_form"] is None:
            context["schedule_form"] = ScheduleForm()
        if context["session_form"] is None:
            context["session_form"] = SessionForm(modules=cohort.course.modules.all())
        if context["enrol_form"] is None:
            context["enrol_form"] = EnrolForm(staff=_staff_of({cohort.course.partner_id}).exclude(
                enrolments__cohort=cohort))
    return render(request, "training/cohorts/detail.html", context, status=status)


@login_required
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _cohort_page(request, _cohort(request, pk))


def _managed(request: HttpRequest, pk: int) -> Cohort:
    cohort = _cohort(request, pk)
    if not course_services.may_manage_cohort(_principal(request), cohort):
        raise PermissionDenied(_("Only the cohort's coordinators can change it."))
    return cohort


@login_required
@require_POST
def cohort_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _managed(request, pk)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sessions = course_services.generate_schedule(
                actor=_principal(request), cohort=cohort, weekdays=data["weekdays"], starts_at=data["starts_at"],
                ends_at=data["ends_at"], count=data["count"], first_day=data["first_day"],
                modality=data["modality"] or None, link=data["link"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, ngettext("The schedule has %(n)s session.", "The schedule has %(n)s sessions.",
                                               len(sessions)) % {"n": len(sessions)})
            return redirect("training:cohort", cohort.pk)
    return _cohort_page(request, cohort, status=400, schedule_form=form)


@login_required
@require_POST
def cohort_add_session(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _managed(request, pk)
    form = SessionForm(request.POST, modules=cohort.course.modules.all())
    if form.is_valid():
        data = form.cleaned_data
        try:
            course_services.add_session(
                actor=_principal(request), cohort=cohort,
                starts_at=timezone.make_aware(datetime.combine(data["day"], data["starts_at"])),
                ends_at=timezone.make_aware(datetime.combine(data["day"], data["ends_at"])),
                modality=data["modality"] or None, module=data["module"], topic=data["topic"], link=data["link"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Session added."))
            return redirect("training:cohort", cohort.pk)
    return _cohort_page(request, cohort, status=400, session_form=form)


@login_required
@require_POST
def cohort_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    cohort = _managed(request, pk)
    form = EnrolForm(request.POST, staff=_staff_of({cohort.course.partner_id}))
    if form.is_valid():
        data = form.cleaned_data
        participant: Participant | None = None
        reference = (data["reference"] or "").strip().upper()
        if reference:
            participant = participants_visible_to(principal).filter(reference=reference).first()
            if participant is None:
                form.add_error("reference", _("No participant with the reference %(ref)s is registered with you.")
                               % {"ref": reference})
        if not form.errors:
            try:
                enrolment = offer_place(actor=principal, cohort=cohort, participant=participant,
                                        staff=data["staff"], reason=data["reason"])
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("%(name)s has been offered a place.") % {"name": enrolment.learner_name})
                return redirect("training:cohort", cohort.pk)
    return _cohort_page(request, cohort, status=400, enrol_form=form)


# --- one enrolment -------------------------------------------------------------------------------

@login_required
def enrolment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    visible = _visible_cohorts(principal).values("pk")
    enrolment = get_object_or_404(Enrolment.objects.select_related(
        "cohort", "cohort__course", "cohort__centre", "participant", "staff"), pk=pk, cohort__in=visible)
    moves = [m for m in MOVES.get(enrolment.status, frozenset()) if m != S.COMPLETED]
    moves.sort(key=lambda m: list(S.values).index(m))
    form = MoveForm(request.POST if request.method == "POST" else None, moves=moves)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            move_enrolment(actor=principal, enrolment=enrolment, to=data["to"], reason=data["reason"],
                           dropout_reason=data["dropout_reason"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("%(name)s is now “%(status)s”.")
                             % {"name": enrolment.learner_name, "status": enrolment.get_status_display()})
            return redirect("training:enrolment", enrolment.pk)
    labels = dict(S.choices)
    history = list(EnrolmentChange.objects.filter(enrolment=enrolment).select_related("actor"))
    for change in history:
        change.from_label = labels.get(change.from_status, change.from_status)  # type: ignore[attr-defined]
        change.to_label = labels.get(change.to_status, change.to_status)  # type: ignore[attr-defined]
    marks = Attendance.objects.filter(enrolment=enrolment).select_related("session").order_by("session__starts_at")
    grades = Assessment.objects.filter(enrolment=enrolment).select_related("module").order_by("module__order")
    return render(request, "training/cohorts/enrolment.html", {
        "enrolment": enrolment, "cohort": enrolment.cohort, "form": form if moves else None, "history": history,
        "marks": marks, "grades": grades}, status=400 if form.errors else 200)


# --- the roster ----------------------------------------------------------------------------------

@login_required
def roster_today(request: HttpRequest) -> HttpResponse:
    """A trainer's way in: today's session, or the choice of today's sessions."""
    principal = _principal(request)
    if not principal.can(Cap.TAKE_ATTENDANCE):
        raise PermissionDenied(_("You do not have permission to do this."))
    today = timezone.localdate()
    mine = Q(cohort__trainers=principal.user) if principal.user is not None else Q(pk__in=[])
    sessions = list(Session.objects.filter(cohort__in=cohorts_for(principal, Cap.TAKE_ATTENDANCE).values("pk"),
                                           starts_at__date=today)
                    .select_related("cohort", "cohort__centre").annotate(own=Count("cohort__trainers", filter=mine))
                    .order_by("-own", "starts_at")[:30])
    own = [s for s in sessions if s.own]  # type: ignore[attr-defined]
    if len(own) == 1 or len(sessions) == 1:
        return redirect("training:roster", (own or sessions)[0].pk)
    return render(request, "training/cohorts/today.html", {"sessions": sessions, "today": today})


def _roster_rows(session: Session) -> tuple[list[dict[str, Any]], bool]:
    enrolments = attendance_services.roster_of(session)
    marks = {a.enrolment_id: a for a in Attendance.objects.filter(session=session)}
    rows = []
    for e in enrolments:
        mark = marks.get(e.pk)
        present = mark.present if mark else True   # nobody marked yet: everyone present until unticked
        online = mark.online if mark else session.modality == Modality.ONLINE
        transport = None
        if mark and present and not online and e.participant_id and session.modality != Modality.ONLINE \
                and session.cohort.transport_rate:
            transport = "paid" if mark.stipend_transaction_id else "unpaid"
        rows.append({"enrolment": e, "present": present, "online": online, "transport": transport})
    return rows, bool(marks)


def _roster_messages(request: HttpRequest, result: RosterResult) -> None:
    messages.success(request, _("Attendance saved: %(present)s present, %(absent)s absent.")
                     % {"present": result.present, "absent": result.absent})
    if result.paid and result.paid_total is not None:
        messages.success(request, ngettext("Transport paid to %(n)s person: %(total)s.",
                                           "Transport paid to %(n)s people: %(total)s.", len(result.paid))
                         % {"n": len(result.paid), "total": result.paid_total})
    if result.unpaid:
        messages.warning(request, _("Transport could not be paid to %(names)s. %(reason)s")
                         % {"names": _names([e for e, _r in result.unpaid]), "reason": result.unpaid[0][1]})
    if result.reversed:
        messages.info(request, _("Transport taken back from %(names)s (marked absent or online).")
                      % {"names": _names(result.reversed)})
    for enrolment, reason in result.not_reversed:
        messages.error(request, f"{enrolment.learner_name}: {reason}")
    if result.flagged:
        messages.warning(request, ngettext(
            "%(names)s missed %(n)s session in a row and may drop out.",
            "%(names)s missed %(n)s sessions in a row and may drop out.", attendance_services.MISSED_SESSIONS_AT_RISK)
            % {"names": _names(result.flagged), "n": attendance_services.MISSED_SESSIONS_AT_RISK})


@login_required
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    """Today's roster on a phone: everyone ticked present; untick the absent; save."""
    principal = _principal(request)
    if not principal.can(Cap.TAKE_ATTENDANCE):
        raise PermissionDenied(_("You do not have permission to do this."))
    session = get_object_or_404(
        Session.objects.select_related("cohort", "cohort__course", "cohort__centre", "cohort__programme", "module"),
        pk=pk, cohort__in=cohorts_for(principal, Cap.TAKE_ATTENDANCE).values("pk"))
    status = 200
    if request.method == "POST":
        ids = {int(v) for v in request.POST.getlist("present") if v.isdigit() and len(v) < 19}
        online = {int(v) for v in request.POST.getlist("online") if v.isdigit() and len(v) < 19}
        try:
            result = attendance_services.save_roster(actor=principal, session=session, present_ids=ids,
                                                     online_ids=online)
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            _roster_messages(request, result)
            if not _htmx(request):
                return redirect("training:roster", session.pk)
    rows, saved = _roster_rows(session)
    template = "training/cohorts/roster.html#roster" if _htmx(request) else "training/cohorts/roster.html"
    return render(request, template, {
        "session": session, "cohort": session.cohort, "rows": rows, "saved": saved, "htmx": _htmx(request),
        "blended": session.modality == Modality.BLENDED, "online_session": session.modality == Modality.ONLINE,
        "early": timezone.localtime(session.starts_at).date() > timezone.localdate()}, status=status)


# --- grades --------------------------------------------------------------------------------------

@login_required
def grades(request: HttpRequest, pk: int, module_id: int) -> HttpResponse:
    principal = _principal(request)
    if not principal.can(Cap.TAKE_ATTENDANCE):
        raise PermissionDenied(_("You do not have permission to do this."))
    cohort = _cohort(request, pk)
    module = get_object_or_404(Module, pk=module_id, course_id=cohort.course_id, has_assessment=True)
    learners = sorted(cohort.enrolments.filter(status=S.ACTIVE).select_related("participant", "staff"),
                      key=lambda e: (e.learner_name.casefold(), e.pk))
    earlier = {a.enrolment_id: a for a in Assessment.objects.filter(module=module, enrolment__cohort=cohort)}
    max_initial = next((a.max_score for a in earlier.values()), 100)
    form = GradesForm(request.POST if request.method == "POST" else None, enrolments=learners,
                      initial_scores={pk: a.score for pk, a in earlier.items()}, initial={"max_score": max_initial})
    if request.method == "POST" and form.is_valid():
        try:
            saved = attendance_services.record_assessments(actor=principal, module=module, cohort=cohort,
                                                           scores=form.scores(),
                                                           max_score=form.cleaned_data["max_score"])
        except DomainError as exc:
            enrolment_id = (exc.details or {}).get("enrolment") if isinstance(exc.details, dict) else None
            name = f"score_{enrolment_id}" if enrolment_id else exc.field
            form.add_error(name if name in form.fields else None, exc.message)
        else:
            passed = sum(1 for a in saved if a.passed)
            messages.success(request, ngettext("%(n)s grade saved", "%(n)s grades saved", len(saved))
                             % {"n": len(saved)} + "; " + ngettext("%(p)s passed.", "%(p)s passed.", passed)
                             % {"p": passed})
            return redirect("training:grades", cohort.pk, module.pk)
    return render(request, "training/cohorts/grades.html", {
        "cohort": cohort, "module": module, "form": form,
        "rows": [(e, field, earlier.get(e.pk)) for e, field in form.rows()]},
        status=400 if form.errors else 200)

