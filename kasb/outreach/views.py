"""Staff pages: calls, their applications, and the selection screen.

Thin views: reads from queries.py, every write through services.py, a DomainError shown beside the
field it names. A principal without the capability gets a 403 page; a call outside their scope a 404.
The selection screen works with full page loads; with htmx a decision swaps its row and the targets
panel only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kasb.core.errors import DomainError, PermissionDenied
from kasb.core.permissions import Cap, Principal
from kasb.orgs.countries import country_name
from kasb.orgs.models import Programme
from kasb.orgs.queries import partner_ids
from kasb.participants.vocab import WG_DOMAINS, Displacement, Education, WGAnswer
from kasb.training.queries import cohorts_for

from . import queries, services
from .forms import ApplicationFilterForm, CallForm, DecisionForm, EnrolForm, RatingForm, show_error
from .models import Application, Call, Group
from .queries import Ranked
from .selection import MAX_RATING

PAGE_SIZE = 50
SHOW = {"undecided": queries.UNDECIDED, "selected": queries.TAKING_PLACES,
        "waitlisted": (Application.Status.WAITLISTED,), "rejected": (Application.Status.REJECTED,),
        "withdrawn": (Application.Status.WITHDRAWN,)}


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _need(principal: Principal, *caps: Cap) -> None:
    if not any(principal.can(cap) for cap in caps):
        raise PermissionDenied(_("You do not have permission to do this."))


def _call(request: HttpRequest, pk: int, cap: Cap) -> Call:
    principal = _principal(request)
    _need(principal, cap)
    return get_object_or_404(queries.calls_for(principal, cap), pk=pk)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- calls ---------------------------------------------------------------------------------------

@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.MANAGE_CALLS, Cap.SELECT_APPLICANTS)
    calls = queries.staff_calls(principal).order_by("-opens_on", "-pk")
    page = Paginator(calls, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "outreach/calls.html", {"page": page, "can_manage": principal.can(Cap.MANAGE_CALLS)})


def _programmes(principal: Principal) -> Any:
    qs = Programme.objects.filter(is_active=True).select_related("partner").order_by("name")
    return qs if principal.is_superuser else qs.filter(partner_id__in=partner_ids(principal, Cap.MANAGE_CALLS))


def _call_form(request: HttpRequest, call: Call | None) -> HttpResponse:
    principal = _principal(request)
    programmes = _programmes(principal)
    chosen = request.POST.get("programme") if request.method == "POST" else None
    programme = (programmes.filter(pk=chosen).first() if chosen and chosen.isdigit() else None) or (
        call.programme if call else programmes.first())
    partner = programme.partner if programme else None
    form = CallForm(request.POST or None, programmes=programmes, partner=partner, call=call)
    if request.method == "POST" and form.is_valid():
        try:
            if call is None:
                call = services.create_call(actor=principal, spec=form.spec())
                messages.success(request, _("The call is saved as a draft. Open it when it is ready."))
            else:
                services.update_call(actor=principal, call=call, spec=form.spec())
                messages.success(request, _("The call is saved."))
        except DomainError as exc:
            show_error(form, exc)
        else:
            return redirect("outreach:call", call.pk)
    return render(request, "outreach/call_form.html", {"form": form, "call": call},
                  status=400 if form.errors else 200)


@login_required
def call_create(request: HttpRequest) -> HttpResponse:
    _need(_principal(request), Cap.MANAGE_CALLS)
    return _call_form(request, None)


@login_required
def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _call_form(request, _call(request, pk, Cap.MANAGE_CALLS))


@login_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.MANAGE_CALLS, Cap.SELECT_APPLICANTS)
    call = get_object_or_404(queries.staff_calls(principal), pk=pk)
    counts = queries.status_counts(call)
    labels = dict(Group.choices)
    return render(request, "outreach/call.html", {
        "call": call, "counts": [(label, counts.get(value, 0)) for value, label in Application.Status.choices],
        "total": sum(counts.values()), "heard_via": queries.heard_via_counts(call),
        "targets": [(labels.get(t.group, t.group), t.percent) for t in call.targets.order_by("pk")],
        "can_manage": queries.may_act_on_call(principal, Cap.MANAGE_CALLS, call),
        "can_select": queries.may_act_on_call(principal, Cap.SELECT_APPLICANTS, call),
        "public_url": request.build_absolute_uri(reverse("apply:form", args=[call.slug])),
        "taking": queries.is_taking_applications(call),
    })


@login_required
@require_POST
def call_status(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call(request, pk, Cap.MANAGE_CALLS)
    moves = {"open": services.open_call, "close": services.close_call, "finish": services.finish_selection}
    move = moves.get(request.POST.get("to", ""))
    if move is None:
        messages.error(request, _("Choose what to do with the call."))
    else:
        try:
            move(actor=_principal(request), call=call)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The call is now “%(status)s”.") % {"status": call.get_status_display()})
    return redirect("outreach:call", call.pk)


# --- applications --------------------------------------------------------------------------------

def _filtered(rows: list[Ranked], form: ApplicationFilterForm) -> list[Ranked]:
    if not form.is_valid():
        return rows
    d = form.cleaned_data
    q = d["q"].strip().casefold()
    if q:
        rows = [r for r in rows if q == r.application.reference.casefold()
                or q in r.application.full_name.casefold()]
    if d["status"]:
        rows = [r for r in rows if r.application.status == d["status"]]
    if d["group"]:
        rows = [r for r in rows if d["group"] in r.groups]
    if d["heard_via"]:
        rows = [r for r in rows if r.application.heard_via == d["heard_via"]]
    if d["duplicates"]:
        rows = [r for r in rows if r.possible_duplicate]
    return rows


@login_required
def application_list(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    call = _call(request, pk, Cap.SELECT_APPLICANTS)
    form = ApplicationFilterForm(request.GET or None)
    rows = _filtered(queries.ranked_applications(call), form)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    services.log_protected_view(actor=principal, call=call, screen="outreach:applications")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "outreach/applications.html", {
        "call": call, "form": form, "page": page, "rows": [_row(r) for r in page], "query": query.urlencode()})


@login_required
def application_detail(request: HttpRequest, pk: int, reference: str) -> HttpResponse:
    principal = _principal(request)
    call = _call(request, pk, Cap.SELECT_APPLICANTS)
    application = get_object_or_404(Application.objects.select_related("area", "preferred_centre",
                                                                        "preferred_course", "participant"),
                                    call=call, reference=reference)
    protected = principal.can(Cap.VIEW_PROTECTED)
    if protected:
        services.log_protected_view(actor=principal, call=call, application=application,
                                    screen="outreach:application")
    result = queries.score_application(application)
    row = _row(Ranked(application=application, score=result, groups=frozenset(result.parts["groups"])))
    return render(request, "outreach/application.html", {
        "call": call, "a": application, "row": row, "protected": protected,
        "answers": _answers(application) if protected else [],
        "history": application.history.select_related("actor"),
        "rating_form": RatingForm(initial={"rating": application.motivation_rating}),
    })


def _answers(application: Application) -> list[tuple[str, str]]:
    a: dict[str, Any] = application.answers or {}  # type: ignore[assignment]
    wg = dict(WGAnswer.choices)
    rows = [
        (_("Date of birth"), a.get("date_of_birth", "")),
        (_("Phone number"), a.get("phone", "")),
        (_("E-mail"), a.get("email", "")),
        (_("Nationality"), country_name(a.get("nationality", ""))),
        (_("Displacement status"), str(dict(Displacement.choices).get(a.get("displacement_status", ""), ""))),
        (_("Highest education"), str(dict(Education.choices).get(a.get("education", ""), ""))),
        (_("Not in education, employment or training"), _("Yes") if a.get("neet") else _("No")),
        (_("Female-headed household"), _("Yes") if a.get("female_headed_household") else _("No")),
        *[(str(label), str(wg.get((a.get("disability") or {}).get(domain, 0), "—"))) for domain, label in WG_DOMAINS],
    ]
    return [(label, str(value)) for label, value in rows]


# --- the selection screen ------------------------------------------------------------------------

def _row(r: Ranked) -> dict[str, Any]:
    """What one line of the ranked list shows: the score and every part of it, in words."""
    labels = dict(Group.choices)
    parts = r.score.parts
    return {
        "a": r.application, "rank": r.rank, "total": r.score.total, "eligible": r.score.eligible,
        "problems": services.problems_text(parts), "groups": [labels[g] for g in sorted(r.groups) if g in labels],
        "motivation": parts["motivation"], "test": parts["test"], "duplicate": r.possible_duplicate,
        "vulnerability": [(labels.get(g, g), p) for g, p in parts["vulnerability"].items()],
        "taking": r.application.status in queries.TAKING_PLACES,
    }


def _targets_context(call: Call, rows: list[Ranked]) -> dict[str, Any]:
    labels = dict(Group.choices)
    targets = [{"label": labels.get(t.group, t.group), "t": t} for t in queries.target_rows(call, rows)]
    taken = sum(1 for r in rows if r.application.status in queries.TAKING_PLACES)
    waiting = sum(1 for r in rows if r.application.status == Application.Status.WAITLISTED)
    return {"targets": targets, "taken": taken, "free": max(0, call.places - taken), "waiting": waiting}


@login_required
def selection_screen(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    call = _call(request, pk, Cap.SELECT_APPLICANTS)
    show = request.GET.get("show", "all")
    rows = queries.ranked_applications(call)
    shown = [r for r in rows if r.application.status in SHOW[show]] if show in SHOW else rows
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    services.log_protected_view(actor=principal, call=call, screen="outreach:selection")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "outreach/selection.html", {
        "call": call, "page": page, "rows": [_row(r) for r in page], "show": show, "query": query.urlencode(),
        "here": request.get_full_path(), "tabs": _tabs(), **_targets_context(call, rows)})


def _tabs() -> list[tuple[str, str]]:
    return [("all", _("All")), ("undecided", _("To decide")), ("selected", _("Selected")),
            ("waitlisted", _("Waiting list")), ("rejected", _("Not selected")), ("withdrawn", _("Withdrawn"))]


def _back(request: HttpRequest, call: Call) -> HttpResponse:
    """Back to the selection screen as the coordinator left it (a query string of our own, re-encoded)."""
    query = QueryDict(request.POST.get("query", ""), mutable=True)
    allowed = {k: query.getlist(k) for k in ("show", "page") if k in query}
    clean = QueryDict(mutable=True)
    for key, values in allowed.items():
        clean.setlist(key, values)
    suffix = f"?{clean.urlencode()}" if clean else ""
    return redirect(reverse("outreach:selection", args=[call.pk]) + suffix)


def _row_response(request: HttpRequest, call: Call, application: Application, error: str = "") -> HttpResponse:
    """For htmx: the changed row; the targets panel reloads itself on the event this response triggers."""
    rows = queries.ranked_applications(call)
    row = next(r for r in rows if r.application.pk == application.pk)
    context = {"call": call, "row": _row(row), "error": error, "query": request.POST.get("query", "")}
    response = HttpResponse(render_to_string("outreach/selection.html#row", context, request=request))
    response["HX-Trigger"] = "targets-changed"
    return response


@login_required
def targets_panel(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call(request, pk, Cap.SELECT_APPLICANTS)
    rows = queries.ranked_applications(call)
    return render(request, "outreach/selection.html#targets", {"call": call, **_targets_context(call, rows)})


def _application(call: Call, reference: str) -> Application:
    return get_object_or_404(Application.objects.select_related("call"), call=call, reference=reference)


@login_required
@require_POST
def rate(request: HttpRequest, pk: int, reference: str) -> HttpResponse:
    call = _call(request, pk, Cap.SELECT_APPLICANTS)
    application = _application(call, reference)
    form = RatingForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Rate from 0 to %(max)d.") % {"max": MAX_RATING}
    else:
        try:
            services.rate_motivation(actor=_principal(request), application=application,
                                     rating=form.cleaned_data["rating"])
        except DomainError as exc:
            error = exc.message
    if _htmx(request):
        return _row_response(request, call, application, error)
    if error:
        messages.error(request, error)
    return _back(request, call)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, reference: str) -> HttpResponse:
    principal = _principal(request)
    call = _call(request, pk, Cap.SELECT_APPLICANTS)
    application = _application(call, reference)
    form = DecisionForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose a decision.")
    else:
        reason = form.cleaned_data["reason"]
        base = _base_url(request)
        decision = form.cleaned_data["decision"]
        try:
            if decision == "select":
                services.select_application(actor=principal, application=application, reason=reason)
            elif decision == "waitlist":
                services.waitlist_application(actor=principal, application=application, reason=reason)
            elif decision == "reject":
                services.reject_application(actor=principal, application=application, reason=reason, base_url=base)
            else:
                services.withdraw_application(actor=principal, application=application, reason=reason,
                                              base_url=base)
        except DomainError as exc:
            error = exc.message
    if _htmx(request):
        return _row_response(request, call, application, error)
    if error:
        messages.error(request, f"{application.reference}: {error}")
    else:
        messages.success(request, _("%(ref)s: %(status)s.") % {"ref": application.reference,
                                                               "status": application.get_status_display()})
    return _back(request, call)


@login_required
@require_POST
def fill(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call(request, pk, Cap.SELECT_APPLICANTS)
    try:
        result = services.fill_targets(actor=_principal(request), call=call)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request, call)
    n = len(result.selected)
    messages.success(request, ngettext("%(n)d applicant selected automatically.",
                                       "%(n)d applicants selected automatically.", n) % {"n": n})
    labels = dict(Group.choices)
    for group, info in result.unmet.items():
        words = {"group": labels.get(group, group), "count": info["count"], "needed": info["needed"]}
        if info["why"] == "no_applicants":
            text = _("%(group)s: %(count)d of the %(needed)d needed. There are no more eligible applicants in "
                     "this group waiting for a decision.") % words
        else:
            text = _("%(group)s: %(count)d of the %(needed)d needed. The places ran out before this target "
                     "was met.") % words
        messages.warning(request, text)
    return _back(request, call)


@login_required
@require_POST
def fill_waitlist(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call(request, pk, Cap.SELECT_APPLICANTS)
    try:
        offered = services.fill_from_waitlist(actor=_principal(request), call=call, base_url=_base_url(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if offered:
            messages.success(request, ngettext("%(n)d place offered from the waiting list.",
                                               "%(n)d places offered from the waiting list.", len(offered))
                             % {"n": len(offered)})
        else:
            messages.warning(request, _("No place is free, or nobody eligible is on the waiting list."))
    return _back(request, call)


@login_required
@require_POST
def rescore(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call(request, pk, Cap.SELECT_APPLICANTS)
    n = services.refresh_scores(actor=_principal(request), call=call)
    messages.success(request, ngettext("%(n)d score recorded.", "%(n)d scores recorded.", n) % {"n": n})
    return _back(request, call)


@login_required
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """Offer every selected applicant (or those ticked) a place in one cohort."""
    principal = _principal(request)
    call = _call(request, pk, Cap.SELECT_APPLICANTS)
    cohorts = cohorts_for(principal, Cap.SELECT_APPLICANTS).filter(programme=call.programme, is_active=True)
    form = EnrolForm(request.POST or None, cohorts=cohorts)
    selected = list(Application.objects.filter(call=call, status=Application.Status.SELECTED)
                    .select_related("call", "preferred_course").order_by("-score", "submitted_at", "pk"))
    problems: list[tuple[Application, str]] = []
    chosen = set(request.POST.getlist("application"))
    if request.method == "POST" and not chosen:
        form.add_error(None, _("Tick at least one person to enrol."))
    if request.method == "POST" and form.is_valid():
        done = 0
        for application in selected:
            if application.reference not in chosen:
                continue
            try:
                services.enrol_selected(actor=principal, application=application, cohort=form.cleaned_data["cohort"],
                                        allow_duplicate=bool(request.POST.get("allow_duplicate")),
                                        base_url=_base_url(request))
                done += 1
            except DomainError as exc:
                problems.append((application, exc.message))
        if done:
            messages.success(request, ngettext("%(n)d person offered a place.", "%(n)d people offered a place.",
                                               done) % {"n": done})
        if not problems:
            return redirect("outreach:selection", call.pk)
        selected = [a for a, _m in problems]
    return render(request, "outreach/enrol.html", {"call": call, "form": form, "selected": selected,
                                                   "problems": problems},
                  status=400 if problems or form.errors else 200)
