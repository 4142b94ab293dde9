"""Pages where a partner sets up its organisation: centres, partner organisations, staff, API keys.

Thin views: they read through queries.py, write through services.py, and show a DomainError next to
the field it names. A service's PermissionDenied becomes a 403 page (kasb.web.middleware).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kasb.core.errors import DomainError, PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import CAPABILITIES, Cap, Principal

from . import services
from .countries import country_name
from .forms import ApiKeyForm, MemberForm, NewOrganisationForm, OrganisationForm, ProgrammeForm
from .models import ROLES_BY_KIND, Organisation
from .queries import (
    api_keys_of,
    can_manage,
    can_manage_api_keys,
    memberships_of,
    organisations_visible_to,
    partners_managed_by,
    programmes_of,
)

PAGE_SIZE = 100
KIND_ORDER = Case(*(When(kind=kind, then=Value(i)) for i, kind in enumerate(Organisation.Kind.values)),
                  output_field=IntegerField())


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _visible(request: HttpRequest, pk: int) -> Organisation:
    """The organisation if this user may see it; 404 otherwise (its existence is not revealed)."""
    return get_object_or_404(organisations_visible_to(_principal(request)), pk=pk)


def _manageable(request: HttpRequest, pk: int) -> Organisation:
    organisation = _visible(request, pk)
    if not can_manage(_principal(request), organisation):
        raise PermissionDenied(_("Only a programme manager of %(partner)s can change this organisation.")
                               % {"partner": organisation.parent or organisation})
    return organisation


def _show_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    form = context.get("form")
    return render(request, template, context, status=400 if form is not None and form.errors else 200)


def _sections() -> list[tuple[str, str, str]]:
    """What a partner's page lists, in order: (kind, heading, label of the button that adds one)."""
    kind = Organisation.Kind
    return [(kind.CENTRE, _("Centres"), _("Add a centre")), (kind.CLIENT, _("Clients"), _("Add a client")),
            (kind.EMPLOYER, _("Employers"), _("Add an employer")), (kind.DONOR, _("Donors"), _("Add a donor")),
            (kind.FINANCIAL, _("Service providers (micro-finance, counselling, legal aid)"),
             _("Add a service provider"))]


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    orgs = organisations_visible_to(principal).annotate(kind_order=KIND_ORDER).order_by("kind_order", "name")
    kind = request.GET.get("kind", "")
    if kind in Organisation.Kind.values:
        orgs = orgs.filter(kind=kind)
    q = request.GET.get("q", "").strip()
    if q:
        orgs = orgs.filter(name__icontains=q)
    page = Paginator(orgs, PAGE_SIZE).get_page(request.GET.get("page"))
    headings = {Organisation.Kind.PARTNER: _("Implementing partners")} | {k: h for k, h, _add in _sections()}
    groups = [(headings[k], list(items)) for k, items in groupby(page.object_list, key=lambda o: o.kind)]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "orgs/list.html", {
        "page": page, "groups": groups, "kinds": Organisation.Kind.choices, "kind": kind, "q": q,
        "query": query.urlencode(),
        "may_add": principal.is_superuser or principal.can(Cap.MANAGE_ORGANISATION),
    })


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    organisation = _visible(request, pk)
    manage = can_manage(principal, organisation)
    groups: list[tuple[str, str, str, list[Organisation]]] = []
    if organisation.kind == Organisation.Kind.PARTNER:
        under: dict[str, list[Organisation]] = {}
        for child in organisations_visible_to(principal).filter(parent=organisation).order_by("name"):
            under.setdefault(child.kind, []).append(child)
        groups = [(kind, heading, add, under.get(kind, [])) for kind, heading, add in _sections()
                  if under.get(kind) or manage]
    members = list(memberships_of(organisation)) if manage else None
    # The service refuses to remove one's own managing role; do not offer it.
    keep = {m.pk for m in members or () if not principal.is_superuser and m.user_id == request.user.pk
            and Cap.MANAGE_ORGANISATION in CAPABILITIES.get(m.role, frozenset())}
    parent_visible = organisation.parent_id is not None and organisations_visible_to(principal).filter(
        pk=organisation.parent_id).exists()
    programmes = (list(programmes_of(organisation)) if organisation.kind == Organisation.Kind.PARTNER
                  and (manage or principal.can(Cap.VIEW_LEDGER)) else None)
    return render(request, "orgs/detail.html", {
        "org": organisation, "programmes": programmes, "country": country_name(organisation.country), "groups": groups,
        "manage": manage, "parent_visible": parent_visible,
        "members": members, "keep": keep,
        "has_roles": bool(ROLES_BY_KIND.get(organisation.kind)),
        "api_keys": can_manage_api_keys(principal, organisation),
        "may_change_status": manage and (organisation.kind != Organisation.Kind.PARTNER or principal.is_superuser),
    })


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    partners = partners_managed_by(principal)
    if not principal.is_superuser and not (principal.can(Cap.MANAGE_ORGANISATION) and partners.exists()):
        raise PermissionDenied(_("Only a programme manager can add organisations."))
    initial: dict[str, Any] = {"kind": request.GET.get("kind") or Organisation.Kind.CENTRE}
    wanted = request.GET.get("parent", "")
    parent = partners.filter(pk=int(wanted)).first() if wanted.isdigit() else partners.first()
    if parent is not None:
        initial.update(parent=parent.pk, country=parent.country)
    form = NewOrganisationForm(request.POST or None, initial=initial, partners=partners,
                               may_add_partner=principal.is_superuser)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = services.create_organisation(actor=principal, kind=data["kind"], parent=data["parent"],
                                                        **form.place())
        except DomainError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": organisation.name})
            return redirect("orgs:detail", organisation.pk)
    return _page(request, "orgs/form.html", {"form": form, "title": _("Add an organisation")})


@login_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    organisation = _manageable(request, pk)
    initial = {"name": organisation.name, "country": organisation.country, "area": organisation.area_id,
               "locality": organisation.locality, "in_camp": organisation.in_camp, "email": organisation.email,
               "phone": organisation.phone}
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organisation(actor=principal, organisation=organisation, **form.place())
        except DomainError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, _("The details of %(name)s are saved.") % {"name": organisation.name})
            return redirect("orgs:detail", organisation.pk)
    return _page(request, "orgs/form.html", {"form": form, "org": organisation,
                                             "title": _("Change %(name)s") % {"name": organisation.name}})


@login_required
def organisation_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (or reactivate) an organisation, after a confirmation page."""
    principal = _principal(request)
    organisation = _manageable(request, pk)
    if request.method == "POST":
        active = request.POST.get("active") == "1"
        services.set_organisation_active(actor=principal, organisation=organisation, active=active)
        messages.success(request, (_("%(name)s is active again.") if active else _("%(name)s is deactivated."))
                         % {"name": organisation.name})
        return redirect("orgs:detail", organisation.pk)
    return render(request, "orgs/status.html", {"org": organisation})


@login_required
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    organisation = _manageable(request, pk)
    if not ROLES_BY_KIND.get(organisation.kind):
        raise ValidationFailed(_("Staff cannot be invited to an organisation of the kind “%(kind)s”: it has no "
                                 "staff roles.") % {"kind": organisation.get_kind_display()})
    form = MemberForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.add_member(
                actor=principal, organisation=organisation, role=data["role"], full_name=data["full_name"],
                email=data["email"] or None, phone=data["phone"] or None, language=data["language"],
                set_password_url=request.build_absolute_uri("/")[:-1])
        except DomainError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, _("%(name)s now has the role “%(role)s” at %(org)s. Someone new to Kasb "
                                        "gets a link to choose a password.") % {
                "name": membership.user, "role": membership.get_role_display(), "org": organisation.name})
            return redirect("orgs:detail", organisation.pk)
    return _page(request, "orgs/member_form.html", {"form": form, "org": organisation})


@login_required
def member_remove(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    principal = _principal(request)
    organisation = _manageable(request, pk)
    membership = get_object_or_404(memberships_of(organisation), pk=membership_id)
    if request.method == "POST":
        services.remove_member(actor=principal, membership=membership)
        messages.success(request, _("%(name)s no longer has the role “%(role)s” at %(org)s.") % {
            "name": membership.user, "role": membership.get_role_display(), "org": organisation.name})
        return redirect("orgs:detail", organisation.pk)
    return render(request, "orgs/member_remove.html", {"org": organisation, "membership": membership})


def _keys_organisation(request: HttpRequest, pk: int) -> Organisation:
    organisation = _visible(request, pk)
    if organisation.kind not in (Organisation.Kind.CLIENT, Organisation.Kind.EMPLOYER):
        raise Http404
    if not can_manage_api_keys(_principal(request), organisation):
        raise PermissionDenied(_("Only a programme manager can see and issue API keys."))
    return organisation


@login_required
def api_keys(request: HttpRequest, pk: int) -> HttpResponse:
    """List the keys; a POST issues one and shows its plaintext in this response only."""
    principal = _principal(request)
    organisation = _keys_organisation(request, pk)
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, plaintext = services.issue_api_key(actor=principal, organisation=organisation,
                                                    name=form.cleaned_data["name"])
        except DomainError as exc:
            _show_error(form, exc)
        else:
            response = render(request, "orgs/api_key_issued.html", {"org": organisation, "key": key,
                                                                    "plaintext": plaintext})
            response["Cache-Control"] = "no-store"
            return response
    return _page(request, "orgs/api_keys.html", {"org": organisation, "form": form,
                                                 "keys": api_keys_of(organisation)})


@login_required
def api_key_revoke(request: HttpRequest, pk: int, key_id: int) -> HttpResponse:
    principal = _principal(request)
    organisation = _keys_organisation(request, pk)
    key = get_object_or_404(api_keys_of(organisation), pk=key_id)
    if request.method == "POST":
        services.revoke_api_key(actor=principal, key=key)
        messages.success(request, _("The key “%(name)s” is revoked. Anything using it is refused from now on.")
                         % {"name": key.name})
        return redirect("orgs:api_keys", organisation.pk)
    return render(request, "orgs/api_key_revoke.html", {"org": organisation, "key": key})


@login_required
@require_GET
def areas(request: HttpRequest) -> HttpResponse:
    """The area select narrowed to one country's governorates or regions, for the country select (htmx)."""
    return render(request, "orgs/area_field.html", {"form": OrganisationForm(areas_in=request.GET.get("country"))})


@login_required
def programme_create(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    partner = _manageable(request, pk)
    if partner.kind != Organisation.Kind.PARTNER:
        raise PermissionDenied(_("Programmes belong to an implementing partner."))
    form = ProgrammeForm(request.POST or None, initial={"country": partner.country})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            minimum = Money.parse(data["payout_minimum"], data["currency"], field="payout_minimum")
            programme = services.create_programme(
                actor=principal, partner=partner, name=data["name"], country=data["country"],
                currency=data["currency"], platform_fee_bps=int(data["platform_fee"] * 100),
                payout_minimum=minimum, starts_on=data["starts_on"], ends_on=data["ends_on"],
                daily_work_minutes=(int(data["daily_work_hours"] * 60) if data["daily_work_hours"] is not None
                                    else None))
        except DomainError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": programme.name})
            return redirect("orgs:detail", partner.pk)
    return _page(request, "orgs/form.html", {"form": form, "title": _("Add a programme"), "org": partner,
                                             "submit": _("Add programme")})
