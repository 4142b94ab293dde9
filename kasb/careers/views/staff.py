"""Career staff and employer pages: events and the door check-in, opportunities and the applications sent to
them, a participant's careers record with referrals and mentoring, information pages.

Thin: every write is a call to kasb.careers.services; reads go through kasb.careers.queries, so an employer
member reaches only their employer's opportunities and the applications sent to them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kasb.core.errors import DomainError
from kasb.core.permissions import Cap
from kasb.orgs.models import Organisation

from .. import queries
from ..forms import (
    EventForm,
    InfoPageForm,
    MentorForm,
    MoveForm,
    OpportunityForm,
    OutcomeForm,
    ReferralForm,
    WalkInForm,
)
from ..models import CareerApplication, InfoPage, MentorProfile, Referral, Registration, ShareableField
from ..services import applications as application_services
from ..services import events as event_services
from ..services import mentoring as mentoring_services
from ..services import opportunities as opportunity_services
from ..services import pages as page_services
from ..services import referrals as referral_services
from .mine import principal_of, show_error

PAGE_SIZE = 50


def _require(request: HttpRequest, cap: Cap) -> None:
    if not principal_of(request).can(cap):
        raise Http404


def _partner(request: HttpRequest) -> Organisation:
    ids = queries.career_partner_ids(principal_of(request))
    partner = Organisation.objects.filter(pk__in=ids, kind=Organisation.Kind.PARTNER).order_by("pk").first()
    if partner is None:
        raise Http404
    return partner


# --- events ----------------------------------------------------------------------------------------------

@login_required
def manage_events(request: HttpRequest) -> HttpResponse:
    _require(request, Cap.MANAGE_CAREER_SERVICES)
    partner = _partner(request)
    form = EventForm(partner=partner)
    if request.method == "POST":
        form = EventForm(request.POST, partner=partner)
        if form.is_valid():
            try:
                event = event_services.create_event(actor=principal_of(request), partner=partner,
                                                    **form.cleaned_data)
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("The event is planned."))
                return redirect("careers:event_manage", pk=event.pk)
    qs = queries.with_counts(queries.events_managed_by(principal_of(request))).order_by("-starts_at", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "careers/staff/events.html", {"page": page, "form": form})


@login_required
def event_manage(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Cap.MANAGE_CAREER_SERVICES)
    event = get_object_or_404(queries.with_counts(queries.events_managed_by(principal_of(request)))
                              .prefetch_related("employers"), pk=pk)
    form = WalkInForm()
    if request.method == "POST":
        form = WalkInForm(request.POST)
        if form.is_valid():
            try:
                got = event_services.register_walk_in(actor=principal_of(request), event=event,
                                                      waitlist=bool(request.POST.get("waitlist")), **form.cleaned_data)
            except DomainError as exc:
                show_error(form, exc)
                form.full = exc.code == "event_full"  # type: ignore[attr-defined]
            else:
                messages.success(request, _("%(name)s is registered.") % {"name": got.name})
                return redirect("careers:event_manage", pk=event.pk)
    people = list(event_services.attendance(event))
    employers = Organisation.objects.filter(parent_id=event.partner_id, kind=Organisation.Kind.EMPLOYER,
                                            is_active=True).order_by("name")
    return render(request, "careers/staff/event.html", {"event": event, "people": people, "form": form,
                                                        "employers": employers,
                                                        "event_started": event.starts_at <= timezone.now(),
                                                        "attending": {o.pk for o in event.employers.all()}})


@login_required
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The address in a registration's QR code: staff scan it with their phone's camera and confirm."""
    principal = principal_of(request)
    _require(request, Cap.MANAGE_CAREER_SERVICES)
    try:
        registration = event_services.registration_for_token(principal, token)
    except DomainError as exc:
        return render(request, "careers/staff/checkin.html", {"error": exc.message}, status=404)
    if request.method == "POST":
        try:
            registration, first = event_services.check_in(actor=principal, token=token)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if first:
                messages.success(request, _("%(name)s is checked in.") % {"name": registration.name})
            else:
                messages.info(request, _("%(name)s was already checked in.") % {"name": registration.name})
        return redirect("careers:checkin", token=token)
    return render(request, "careers/staff/checkin.html", {"registration": registration, "event": registration.event})


# --- opportunities and applications ----------------------------------------------------------------------

@login_required
def manage_opportunities(request: HttpRequest) -> HttpResponse:
    _require(request, Cap.MANAGE_OPPORTUNITIES)
    principal = principal_of(request)
    employers = queries.employers_managed_by(principal)
    form = OpportunityForm(employers=employers)
    if request.method == "POST":
        form = OpportunityForm(request.POST, employers=employers)
        if form.is_valid():
            values = dict(form.cleaned_data)
            employer = values.pop("employer")
            values["skills"] = [s.code for s in values["skills"]]
            try:
                found = opportunity_services.post_opportunity(actor=principal, employer=employer, **values)
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("The opportunity is posted."))
                return redirect("careers:opportunity_manage", pk=found.pk)
    qs = queries.with_application_counts(queries.opportunities_managed_by(principal))
    page = Paginator(qs.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "careers/staff/opportunities.html", {
        "page": page, "form": form, "show_subnav": principal.can(Cap.MANAGE_CAREER_SERVICES),
        "fairs": list(queries.events_attended_by(employers)[:20])})


@login_required
def opportunity_manage(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Cap.MANAGE_OPPORTUNITIES)
    principal = principal_of(request)
    found = get_object_or_404(queries.opportunities_managed_by(principal).prefetch_related("required_skills"), pk=pk)
    employers = queries.employers_managed_by(principal)
    values = opportunity_services.current_values(found)
    form = OpportunityForm(initial={**values, "employer": found.employer, "area": found.area,
                                    "skills": list(found.required_skills.all())}, employers=employers)
    if request.method == "POST" and request.POST.get("action") == "edit":
        form = OpportunityForm(request.POST, employers=employers)
        if form.is_valid():
            changes = dict(form.cleaned_data)
            changes.pop("employer")
            changes["skills"] = [s.code for s in changes["skills"]]
            try:
                opportunity_services.update_opportunity(actor=principal, opportunity=found, **changes)
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("The opportunity is saved."))
                return redirect("careers:opportunity_manage", pk=found.pk)
    elif request.method == "POST":
        try:
            if request.POST.get("status"):
                opportunity_services.set_opportunity_status(actor=principal, opportunity=found,
                                                            status=request.POST["status"])
            elif request.POST.get("recommend"):
                person = get_object_or_404(queries.served_participants(principal), pk=request.POST["recommend"])
                opportunity_services.recommend(actor=principal, opportunity=found, participant=person)
                messages.success(request, _("%(name)s will see this opportunity first.") % {"name": person.full_name})
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("careers:opportunity_manage", pk=found.pk)
    applications = list(queries.applications_received_by(principal).filter(opportunity=found)
                        .order_by("-created_at"))
    candidates = queries.candidates_for(principal, found) if principal.can(Cap.MANAGE_CAREER_SERVICES) else []
    return render(request, "careers/staff/opportunity.html", {
        "o": found, "applications": applications, "candidates": candidates, "form": form,
        "show_candidates": principal.can(Cap.MANAGE_CAREER_SERVICES)})


@login_required
def application(request: HttpRequest, pk: int) -> HttpResponse:
    """What the participant sent (their CV as they shared it, their message) and the moves the employer can make."""
    _require(request, Cap.MANAGE_OPPORTUNITIES)
    principal = principal_of(request)
    found = get_object_or_404(queries.applications_received_by(principal).select_related("participant")
                              .prefetch_related("history__actor"), pk=pk)
    form = MoveForm(initial={"starts_on": found.opportunity.starts_on, "ends_on": found.opportunity.ends_on})
    if request.method == "POST":
        form = MoveForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("reason")
            try:
                application_services.move_application(actor=principal, application=found, to=request.POST.get("to", ""),
                                                      reason=reason, placement=data)
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("The application is moved on."))
                return redirect("careers:application", pk=found.pk)
    moves = [(to, CareerApplication.Status(to).label)
             for to in application_services.allowed_moves(found.status, as_employer=True)]
    return render(request, "careers/staff/application.html", {"a": found, "cv": found.cv_snapshot, "form": form,
                                                              "moves": moves})


# --- a participant's careers record (staff) -------------------------------------------------------------

@login_required
def participants(request: HttpRequest) -> HttpResponse:
    """The participants this staff member serves, found by name or reference, with their careers figures."""
    _require(request, Cap.MANAGE_CAREER_SERVICES)
    query = request.GET.get("q", "").strip()[:100]
    qs = queries.with_careers_counts(queries.served_participants(principal_of(request)).select_related("centre"))
    if query:
        qs = qs.filter(Q(reference__iexact=query) | Q(given_name__icontains=query) | Q(family_name__icontains=query))
    page = Paginator(qs.order_by("family_name", "given_name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "careers/staff/participants.html", {"page": page, "q": query})


@login_required
@require_POST
def placement_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Record whether a placement was completed, or that a follow-up was made."""
    _require(request, Cap.MANAGE_CAREER_SERVICES)
    principal = principal_of(request)
    placement = get_object_or_404(queries.placements_visible_to(principal), pk=pk)
    try:
        if request.POST.get("follow_up"):
            follow_up = get_object_or_404(placement.follow_ups.all(), pk=request.POST["follow_up"])
            application_services.mark_follow_up_done(actor=principal, follow_up=follow_up)
        elif request.POST.get("completed") in ("yes", "no"):
            application_services.record_placement_outcome(actor=principal, placement=placement,
                                                          completed=request.POST["completed"] == "yes")
        messages.success(request, _("The placement is updated."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("careers:participant", pk=placement.participant_id)


@login_required
@require_POST
def event_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the employers coming to an event, or cancel it."""
    _require(request, Cap.MANAGE_CAREER_SERVICES)
    principal = principal_of(request)
    event = get_object_or_404(queries.events_managed_by(principal), pk=pk)
    try:
        if request.POST.get("cancel"):
            event_services.cancel_event(actor=principal, event=event)
            messages.info(request, _("The event is cancelled."))
        else:
            event_services.set_event_employers(actor=principal, event=event,
                                               employers=request.POST.getlist("employers"))
            messages.success(request, _("The employers attending are saved."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("careers:event_manage", pk=event.pk)


@login_required
def participant_record(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Cap.MANAGE_CAREER_SERVICES)
    principal = principal_of(request)
    person = get_object_or_404(queries.served_participants(principal).select_related("centre"), pk=pk)
    referral_form = ReferralForm(providers=queries.providers_for(principal).filter(parent_id=person.partner_id))
    mentor = MentorProfile.objects.filter(participant=person).first()
    mentor_form = MentorForm(initial={"occupation": mentor.occupation, "story": mentor.story,
                                      "helps_with": mentor.helps_with, "is_active": mentor.is_active}
                             if mentor else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "refer":
                referral_form = ReferralForm(request.POST, providers=referral_form.fields["provider"].queryset)  # type: ignore[attr-defined]
                if referral_form.is_valid():
                    made = referral_services.refer(actor=principal, participant=person, **referral_form.cleaned_data)
                    messages.success(request, _("The referral is recorded."))
                    return redirect("careers:referral", pk=made.pk)
            elif action == "mentor":
                mentor_form = MentorForm(request.POST)
                if mentor_form.is_valid():
                    mentoring_services.save_mentor_profile(actor=principal, participant=person,
                                                           **mentor_form.cleaned_data)
                    messages.success(request, _("The mentor profile is saved."))
                    return redirect("careers:participant", pk=person.pk)
            elif action == "pair":
                profile = get_object_or_404(MentorProfile, pk=request.POST.get("mentor"))
                mentoring_services.pair(actor=principal, mentor=profile, mentee=person)
                messages.success(request, _("The mentorship has started."))
                return redirect("careers:participant", pk=person.pk)
        except DomainError as exc:
            show_error(referral_form if action == "refer" else mentor_form, exc)
    context = {
        "person": person, "placements": list(queries.placements_of(person.pk)),
        "applications": list(queries.applications_of(person.pk)),
        "referrals": list(person.referrals.select_related("provider")),
        "mentorships": list(queries.with_sessions(queries.mentorships_visible_to(principal).filter(mentee=person))),
        "mentors": list(MentorProfile.objects.filter(is_active=True, participant__partner_id=person.partner_id)
                        .exclude(participant=person).select_related("participant")[:100]),
        "mentor": mentor, "referral_form": referral_form, "mentor_form": mentor_form,
    }
    return render(request, "careers/staff/participant.html", context)


@login_required
def referral(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Cap.MANAGE_CAREER_SERVICES)
    principal = principal_of(request)
    found = get_object_or_404(queries.referrals_visible_to(principal).prefetch_related("shares__shared_by",
                                                                                      "history__actor"), pk=pk)
    shared: dict[str, Any] | None = None
    form = OutcomeForm(initial={"outcome": found.outcome, "loan_status": found.loan_status})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "share":
                shared = referral_services.share_referral(actor=principal, referral=found,
                                                          channel=request.POST.get("channel", ""))
            elif action == "move":
                referral_services.move_referral(actor=principal, referral=found, to=request.POST.get("to", ""))
                return redirect("careers:referral", pk=found.pk)
            elif action == "outcome":
                form = OutcomeForm(request.POST)
                if form.is_valid():
                    referral_services.record_outcome(actor=principal, referral=found, **form.cleaned_data)
                    messages.success(request, _("The outcome is saved."))
                    return redirect("careers:referral", pk=found.pk)
        except DomainError as exc:
            if action == "outcome":
                show_error(form, exc)
            else:
                messages.error(request, exc.message)
    return render(request, "careers/staff/referral.html", {
        "r": found, "form": form, "moves": [(to, Referral.Status(to).label)
                                           for to in referral_services.MOVES[found.status]],
        "shared": _shared_rows(shared), "consented": _labelled(found.consented_fields)})


def _labelled(fields: list[str]) -> list[str]:
    return [str(ShareableField(f).label) for f in fields if f in ShareableField.values]


def _shared_rows(shared: dict[str, Any] | None) -> list[tuple[str, Any]] | None:
    if shared is None:
        return None
    return [(str(ShareableField(name).label), ", ".join(value) if isinstance(value, list) else value)
            for name, value in shared.items()]


# --- information pages -----------------------------------------------------------------------------------

@login_required
def manage_pages(request: HttpRequest) -> HttpResponse:
    _require(request, Cap.MANAGE_CAREER_SERVICES)
    pages = list(queries.info_pages_for(principal_of(request)).order_by("slug"))
    return render(request, "careers/staff/pages.html", {"pages": pages})


@login_required
def edit_page(request: HttpRequest, slug: str = "") -> HttpResponse:
    _require(request, Cap.MANAGE_CAREER_SERVICES)
    partner = _partner(request)
    page = InfoPage.objects.filter(partner=partner, slug=slug).first() if slug else None
    initial: dict[str, Any] = {}
    if page is not None:
        initial = {"slug": page.slug, "is_published": page.is_published}
        for code, _name in settings.LANGUAGES:
            initial[f"title_{code}"] = page.title.get(code, "")
            initial[f"body_{code}"] = page.body.get(code, "")
    form = InfoPageForm(initial=initial)
    if request.method == "POST":
        form = InfoPageForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = page_services.save_info_page(
                    actor=principal_of(request), partner=partner, slug=data["slug"], is_published=data["is_published"],
                    title={code: data[f"title_{code}"] for code, _n in settings.LANGUAGES},
                    body={code: data[f"body_{code}"] for code, _n in settings.LANGUAGES})
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("The page is saved."))
                return redirect("careers:page_edit", slug=saved.slug)
    return render(request, "careers/staff/page_form.html", {"form": form, "page": page})


def _managed_registration(request: HttpRequest, pk: int) -> Registration:
    """A registration for one of the events this staff member runs (404 otherwise)."""
    _require(request, Cap.MANAGE_CAREER_SERVICES)
    return get_object_or_404(Registration.objects.select_related("event"), pk=pk,
                             event__in=queries.events_managed_by(principal_of(request)))


@login_required
@require_POST
def registration_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark someone present by hand, or undo a wrong check-in (with the reason), from the attendance list."""
    found = _managed_registration(request, pk)
    present = request.POST.get("present") == "1"
    try:
        got = event_services.mark_attendance(actor=principal_of(request), registration=found, present=present,
                                             reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, (_("%(name)s is marked present.") if present
                                   else _("%(name)s is no longer checked in.")) % {"name": got.name})
    return redirect("careers:event_manage", pk=found.event_id)


@login_required
@require_POST
def cancel_registration(request: HttpRequest, pk: int) -> HttpResponse:
    found = _managed_registration(request, pk)
    try:
        event_services.cancel_registration(actor=principal_of(request), registration=found)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("careers:event_manage", pk=found.event_id)

