"""A participant's own careers pages on a phone: their record (placements, applications, events, referrals),
the CV builder, opportunities that match them, events, mentoring and information pages.

Thin: every write is a call to kasb.careers.services; a DomainError is shown on the form or as a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kasb.core.errors import DomainError
from kasb.core.pdf import qr_svg_data_uri
from kasb.core.permissions import Principal
from kasb.participants.models import Participant

from .. import queries
from ..documents import assemble_cv, cv_pdf, cv_text
from ..forms import ApplyForm, CVForm, EntryForm, LanguageForm, MentorForm, PreferencesForm, SessionForm
from ..models import CV, CareerApplication, InfoPage, MentorProfile, Preferences, Referral, Registration
from ..services import applications as application_services
from ..services import cv as cv_services
from ..services import events as event_services
from ..services import mentoring as mentoring_services
from ..services import referrals as referral_services


def principal_of(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _me(request: HttpRequest) -> Participant:
    principal = principal_of(request)
    if not principal.participant_id:
        raise Http404
    return Participant.objects.select_related("area", "partner").get(pk=principal.participant_id)


def show_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def checkin_url(request: HttpRequest, registration: Registration) -> str:
    return request.build_absolute_uri(reverse("careers:checkin", args=[event_services.checkin_token(registration)]))


@login_required
def my_careers(request: HttpRequest) -> HttpResponse:
    """The careers part of the participant's record: placements first, then what is under way."""
    me = _me(request)
    registrations = list(Registration.objects.filter(participant=me, event__ends_at__gte=timezone.now())
                         .exclude(status=Registration.Status.CANCELLED).select_related("event")
                         .order_by("event__starts_at"))
    context = {
        "me": me, "cv": CV.objects.filter(participant=me).first(),
        "placements": list(queries.placements_of(me.pk)),
        "applications": list(queries.applications_of(me.pk)),
        "registrations": registrations,
        "matches": queries.matches_for(me, limit=3),
        "referrals": list(me.referrals.select_related("provider").order_by("-created_at")),
        "pages": list(queries.info_pages_for(principal_of(request)).order_by("slug")),
        "mentorships": list(queries.mentorships_visible_to(principal_of(request)).filter(ended_on__isnull=True)),
    }
    return render(request, "careers/me/record.html", context)


# --- CV --------------------------------------------------------------------------------------------------

@login_required
def cv_edit(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    principal = principal_of(request)
    cv = CV.objects.filter(participant=me).first() or cv_services.start_cv(
        actor=principal, participant=me, language=request.LANGUAGE_CODE)  # type: ignore[attr-defined]
    form = CVForm(initial={name: getattr(cv, name) for name in CVForm.base_fields})
    if request.method == "POST":
        form = CVForm(request.POST)
        if form.is_valid():
            try:
                cv_services.update_cv(actor=principal, cv=cv, **form.cleaned_data)
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Your CV is saved."))
                return redirect("careers:cv")
    context = {"cv": cv, "form": form, "entry_form": EntryForm(), "language_form": LanguageForm(),
               "entries": list(cv.entries.all()), "preview": assemble_cv(cv)}
    return render(request, "careers/me/cv.html", context)


@login_required
@require_POST
def cv_entry_add(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    cv = get_object_or_404(CV, participant=me)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            cv_services.add_cv_entry(actor=principal_of(request), cv=cv, **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Added to your CV."))
            return redirect("careers:cv")
    context = {"cv": cv, "form": CVForm(initial={name: getattr(cv, name) for name in CVForm.base_fields}),
               "entry_form": form, "language_form": LanguageForm(), "entries": list(cv.entries.all()),
               "preview": assemble_cv(cv), "entry_open": True}
    return render(request, "careers/me/cv.html", context, status=400)


@login_required
@require_POST
def cv_entry_remove(request: HttpRequest, pk: int) -> HttpResponse:
    cv = get_object_or_404(CV, participant=_me(request))
    try:
        cv_services.remove_cv_entry(actor=principal_of(request), cv=cv, entry_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("careers:cv")


@login_required
@require_POST
def cv_language(request: HttpRequest) -> HttpResponse:
    """Add a language (or change its level), or remove one with ?remove=code."""
    cv = get_object_or_404(CV, participant=_me(request))
    current = [item for item in cv.languages if item["code"] != request.POST.get("remove")]
    if "remove" not in request.POST:
        form = LanguageForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a language and how well you speak it."))
            return redirect("careers:cv")
        current = [item for item in current if item["code"] != form.cleaned_data["code"]] + [form.cleaned_data]
    try:
        cv_services.update_cv(actor=principal_of(request), cv=cv, languages=current)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("careers:cv")


@login_required
def cv_download(request: HttpRequest) -> HttpResponse:
    cv = get_object_or_404(CV.objects.select_related("participant"), participant=_me(request))
    response = HttpResponse(cv_pdf(assemble_cv(cv)), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="cv.pdf"'
    return response


@login_required
def cv_plain(request: HttpRequest) -> HttpResponse:
    cv = get_object_or_404(CV.objects.select_related("participant"), participant=_me(request))
    return render(request, "careers/me/cv_text.html", {"text": cv_text(assemble_cv(cv)), "cv": cv})


# --- opportunities ---------------------------------------------------------------------------------------

@login_required
def opportunities(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    prefs = Preferences.objects.filter(participant=me).prefetch_related("areas").first()
    initial: dict[str, Any] = {"remote": True}
    if prefs is not None:
        initial = {"kinds": prefs.kinds, "areas": list(prefs.areas.all()), "remote": prefs.remote}
    form = PreferencesForm(initial=initial, country=me.partner.country)
    if request.method == "POST":
        form = PreferencesForm(request.POST, country=me.partner.country)
        if form.is_valid():
            try:
                cv_services.save_preferences(actor=principal_of(request), participant=me,
                                             kinds=form.cleaned_data["kinds"], remote=form.cleaned_data["remote"],
                                             area_codes=[a.code for a in form.cleaned_data["areas"]])
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Your preferences are saved."))
                return redirect("careers:opportunities")
    applied = set(CareerApplication.objects.filter(participant=me).values_list("opportunity_id", flat=True))
    return render(request, "careers/me/opportunities.html", {"matches": queries.matches_for(me), "form": form,
                                                             "applied": applied})


@login_required
def opportunity(request: HttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    found = get_object_or_404(queries.open_opportunities(me.partner_id), pk=pk)
    application = CareerApplication.objects.filter(participant=me, opportunity=found).first()
    form = ApplyForm()
    if request.method == "POST" and application is None:
        form = ApplyForm(request.POST)
        if form.is_valid():
            try:
                application_services.apply(actor=principal_of(request), opportunity=found,
                                           message=form.cleaned_data["message"])
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Your application and CV were sent to %(employer)s.")
                                 % {"employer": found.employer.name})
                return redirect("careers:me")
    match = next((m for m in queries.matches_for(me) if m.opportunity.pk == found.pk), None)
    return render(request, "careers/me/opportunity.html", {
        "o": found, "match": match, "form": form, "application": application,
        "has_cv": CV.objects.filter(participant=me).exists()})


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    application = get_object_or_404(CareerApplication, participant=me, pk=pk)
    to = CareerApplication.Status.DECLINED if request.POST.get("decline") else CareerApplication.Status.WITHDRAWN
    try:
        application_services.move_application(actor=principal_of(request), application=application, to=to)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("careers:me")


@login_required
@require_POST
def stop_sharing(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant withdraws their consent to share anything more with a provider."""
    found = get_object_or_404(Referral, participant=_me(request), pk=pk)
    try:
        referral_services.change_consent(actor=principal_of(request), referral=found, consented_fields=[])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Nothing more will be shared with %(provider)s.")
                         % {"provider": found.provider.name})
    return redirect("careers:me")


# --- events ----------------------------------------------------------------------------------------------

@login_required
def events(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    found = list(queries.with_counts(queries.events_for_participant(me)).order_by("starts_at")[:50])
    mine = {r.event_id: r for r in Registration.objects.filter(participant=me, event__in=found)}
    groups = queries.target_groups_of(me)
    for event in found:
        event.mine = mine.get(event.pk)  # type: ignore[attr-defined]
        event.for_me = queries.is_for(event, groups)  # type: ignore[attr-defined]
    return render(request, "careers/me/events.html", {"events": found})


@login_required
def event(request: HttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    found = get_object_or_404(queries.with_counts(queries.events_for_participant(me)).prefetch_related("employers"),
                              pk=pk)
    registration = Registration.objects.filter(participant=me, event=found).exclude(
        status=Registration.Status.CANCELLED).first()
    full = bool(found.capacity) and found.registered >= found.capacity  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            if request.POST.get("cancel") and registration is not None:
                event_services.cancel_registration(actor=principal_of(request), registration=registration)
                messages.info(request, _("Your place is given up."))
            else:
                got = event_services.register(actor=principal_of(request), event=found,
                                              waitlist=bool(request.POST.get("waitlist")))
                messages.success(request, _("You are on the waitlist. We will tell you if a place frees up.")
                                 if got.status == Registration.Status.WAITLISTED else
                                 _("You are registered. Show the code below at the door."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("careers:event", pk=found.pk)
    qr = url = ""
    if registration is not None and registration.status == Registration.Status.REGISTERED:
        url = checkin_url(request, registration)
        qr = qr_svg_data_uri(url)
    for_me = queries.is_for(found, queries.target_groups_of(me))
    return render(request, "careers/me/event.html", {"event": found, "registration": registration, "full": full,
                                                     "qr": qr, "checkin_url": url, "for_me": for_me,
                                                     "groups": event_services.groups_label(found)})


# --- mentoring and information pages ---------------------------------------------------------------------

@login_required
def mentoring(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not principal.participant_id:
        raise Http404
    pairs = list(queries.with_sessions(queries.mentorships_visible_to(principal).filter(
        mentee_id=principal.participant_id) | queries.mentorships_visible_to(principal).filter(
        mentor__participant_id=principal.participant_id)))
    # A mentor keeps their own profile (what mentees and staff see) up to date here.
    profile = MentorProfile.objects.filter(participant_id=principal.participant_id).first()
    mentor_form = MentorForm(initial={"occupation": profile.occupation, "story": profile.story,
                                      "helps_with": profile.helps_with, "is_active": profile.is_active}
                             ) if profile else None
    form = SessionForm()
    if request.method == "POST" and profile is not None and request.POST.get("profile"):
        mentor_form = MentorForm(request.POST)
        if mentor_form.is_valid():
            try:
                mentoring_services.save_mentor_profile(actor=principal, participant=profile.participant,
                                                       **mentor_form.cleaned_data)
            except DomainError as exc:
                show_error(mentor_form, exc)
            else:
                messages.success(request, _("Your mentor profile is saved."))
                return redirect("careers:mentoring")
    elif request.method == "POST":
        pair = next((p for p in pairs if str(p.pk) == request.POST.get("mentorship")), None)
        form = SessionForm(request.POST)
        if pair is None:
            raise Http404
        if form.is_valid():
            try:
                mentoring_services.record_session(actor=principal, mentorship=pair, **form.cleaned_data)
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("The session is noted."))
                return redirect("careers:mentoring")
    return render(request, "careers/me/mentoring.html", {"pairs": pairs, "form": form, "mentor_form": mentor_form},
                  status=400 if request.method == "POST" else 200)


@login_required
def info_pages(request: HttpRequest) -> HttpResponse:
    pages = list(queries.info_pages_for(principal_of(request)).filter(is_published=True).order_by("slug"))
    return render(request, "careers/me/pages.html", {"pages": pages})


@login_required
def info_page(request: HttpRequest, slug: str) -> HttpResponse:
    page: InfoPage | None = queries.info_pages_for(principal_of(request)).filter(slug=slug, is_published=True).first()
    if page is None:
        raise Http404
    return render(request, "careers/me/page.html", {"page": page})
