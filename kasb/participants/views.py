from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kasb.core.background import enqueue
from kasb.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal
from kasb.orgs.countries import country_name
from kasb.orgs.models import Organisation
from kasb.orgs.queries import centres_for, partners_for

from . import services, tasks
from .forms import ImportForm, RegistrationForm, SearchForm
from .importing import error_file, template_xlsx
from .languages import language_names
from .models import Consent, ImportJob, Participant
from .queries import can_view_protected, imports_visible_to, participants_visible_to
from .vocab import WG_DOMAINS, ConsentPurpose, Displacement, IdKind, WGAnswer, has_disability

PAGE_SIZE = 25


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _need(principal: Principal, cap: Cap) -> None:
    if not principal.can(cap):
        raise PermissionDenied(_("You do not have permission to do this."))


@login_required
def participant_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.VIEW_REGISTRY)
    form = SearchForm(request.GET or None, centres=centres_for(principal))
    people = participants_visible_to(principal)
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if q:
            people = people.filter(Q(reference__iexact=q) | Q(given_name__icontains=q) | Q(family_name__icontains=q))
        if form.cleaned_data["centre"]:
            people = people.filter(centre=form.cleaned_data["centre"])
        if form.cleaned_data["sex"]:
            people = people.filter(sex=form.cleaned_data["sex"])
    page = Paginator(people.only("reference", "given_name", "family_name", "sex", "registered_at",
                                 "centre__name", "area__name"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "participants/list.html", {"form": form, "page": page, "query": query.urlencode()})


def _protected_view(participant: Participant) -> list[tuple[str, str]]:
    answers: dict[str, int] = participant.disability or {}  # type: ignore[assignment]
    labels = dict(WGAnswer.choices)
    dob: Any = participant.date_of_birth
    return [
        (_("Date of birth"), dob.isoformat() if dob else ""),
        (_("Nationality"), country_name(participant.nationality or "")),
        (_("Displacement status"), str(dict(Displacement.choices).get(participant.displacement_status or "", ""))),
        (_("Phone number"), participant.phone or ""),
        (_("ID document"), str(dict(IdKind.choices).get(participant.id_kind or "", ""))),
        (_("ID number"), participant.id_number or ""),
        (_("Gender identity"), participant.gender_identity or ""),
        (_("Disability (Washington Group)"), _("Yes") if has_disability(answers) else _("No")),
        *[(str(label), str(labels.get(answers.get(domain, 0), "—"))) for domain, label in WG_DOMAINS],
    ]


def _detail(request: HttpRequest, participant: Participant, screen: str) -> HttpResponse:
    principal = _principal(request)
    protected = None
    if can_view_protected(principal, participant):
        services.log_protected_access(actor=principal, participant=participant, screen=screen)
        protected = _protected_view(participant)
    consents = list(participant.consents.all())
    own = principal.participant_id == participant.pk
    live = {c.purpose for c in consents if c.withdrawn_at is None}
    return render(request, "participants/detail.html", {
        "p": participant, "protected": protected, "consents": consents, "own": own,
        "careers": not own and principal.can(Cap.MANAGE_CAREER_SERVICES),
        "may_give": [(v, label) for v, label in ConsentPurpose.choices if v not in live] if own else [],
        "languages": language_names(participant.languages or []),
    })


@login_required
def participant_detail(request: HttpRequest, reference: str) -> HttpResponse:
    participant = get_object_or_404(participants_visible_to(_principal(request)), reference=reference)
    return _detail(request, participant, "participants:detail")


@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    if not principal.participant_id:
        raise Http404
    participant = get_object_or_404(Participant.objects.select_related("centre", "area"),
                                    pk=principal.participant_id)
    return _detail(request, participant, "participants:me")


@login_required
@require_POST
def my_consent(request: HttpRequest, purpose: str) -> HttpResponse:
    """A participant withdraws or gives one of their consents from their own record."""
    principal = _principal(request)
    if not principal.participant_id or purpose not in ConsentPurpose.values:
        raise Http404
    participant = get_object_or_404(Participant, pk=principal.participant_id)
    label = ConsentPurpose(purpose).label
    try:
        if request.POST.get("action") == "withdraw":
            consent = get_object_or_404(Consent, participant=participant, purpose=purpose, withdrawn_at__isnull=True)
            services.withdraw_consent(actor=principal, consent=consent)
            messages.success(request, _("You have withdrawn your consent: %(purpose)s.") % {"purpose": label})
        else:
            services.record_consent(actor=principal, participant=participant, purpose=purpose)
            messages.success(request, _("Thank you: your consent is recorded: %(purpose)s.") % {"purpose": label})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("participants:me")


def _partner_for(principal: Principal, centre: Organisation | None, cap: Cap) -> Organisation:
    if centre is not None:
        return centre.parent  # type: ignore[return-value]
    partner = partners_for(principal, cap).first()
    if partner is None:
        raise PermissionDenied(_("Choose one of your centres."))
    return partner


@login_required
def register(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.REGISTER_PARTICIPANTS)
    centres = centres_for(principal, Cap.REGISTER_PARTICIPANTS)
    first = centres.first() or partners_for(principal, Cap.REGISTER_PARTICIPANTS).first()
    form = RegistrationForm(request.POST or None, centres=centres, country=first.country if first else "JO")
    duplicate = False
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = dict(form.cleaned_data)
        try:
            partner = _partner_for(principal, data.get("centre"), Cap.REGISTER_PARTICIPANTS)
            participant = services.register_participant(actor=principal, partner=partner, data=data,
                                                        allow_duplicate=data.pop("confirm_duplicate", False))
        except ValidationFailed as exc:
            for column, reason in (exc.details or {}).items():
                form.add_error(column if column in form.fields else None, reason)
            if not exc.details:
                form.add_error(None, exc.message)
        except Conflict as exc:
            duplicate = True
            form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(name)s is registered with reference %(ref)s.")
                             % {"name": participant.full_name, "ref": participant.reference})
            return redirect("participants:detail", participant.reference)
    return render(request, "participants/register.html", {"form": form, "duplicate": duplicate},
                  status=400 if form.errors else 200)


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.IMPORT_PARTICIPANTS)
    centres = centres_for(principal, Cap.REGISTER_PARTICIPANTS)
    form = ImportForm(request.POST or None, request.FILES or None, centres=centres)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        centre = form.cleaned_data["centre"]
        try:
            partner = _partner_for(principal, centre, Cap.IMPORT_PARTICIPANTS)
            job = services.start_import(actor=principal, partner=partner, centre=centre, name=upload.name,
                                        content=upload.read(), import_valid_rows=form.cleaned_data["import_valid_rows"])
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            enqueue(tasks.process_import, job.pk)
            return redirect("participants:import_status", job.pk)
    return render(request, "participants/import.html", {"form": form, "jobs": imports_visible_to(principal)[:10]},
                  status=400 if form.errors else 200)


@login_required
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(imports_visible_to(_principal(request)), pk=pk)
    template = "participants/import_status.html#progress" if request.headers.get("HX-Request") \
        else "participants/import_status.html"
    return render(request, template, {"job": job, "errors": job.errors[:200]})


@login_required
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    job: ImportJob = get_object_or_404(imports_visible_to(_principal(request)), pk=pk)
    response = HttpResponse(error_file(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _need(_principal(request), Cap.IMPORT_PARTICIPANTS)
    response = HttpResponse(template_xlsx(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="kasb-participants-template.xlsx"'
    return response
