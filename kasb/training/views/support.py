"""Support pages for coordinators: devices lent and returned (open loans per centre), and tuition paid.

Thin views: every write is a call to services.support; a DomainError is shown beside the field it names.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kasb.core.errors import DomainError, PermissionDenied
from kasb.core.money import Money, exponent
from kasb.core.permissions import Cap, Principal
from kasb.orgs.models import Programme
from kasb.orgs.queries import centres_for
from kasb.participants.queries import participants_in_scope
from kasb.payments.models import Account, AccountKind

from ..models import Enrolment, EquipmentLoan, TuitionGrant
from ..queries import cohorts_for
from ..services import support as service

PAGE_SIZE = 50
LTR = {"dir": "ltr", "autocomplete": "off"}


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _need(principal: Principal) -> None:
    if not principal.can(Cap.MANAGE_COHORTS):
        raise PermissionDenied(_("You do not have permission to do this."))


def _show(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _programmes(principal: Principal) -> QuerySet[Programme]:
    qs = Programme.objects.filter(is_active=True).select_related("partner").order_by("name")
    if principal.is_superuser:
        return qs
    return qs.filter(partner_id__in={g.partner_id for g in principal.grants_with(Cap.MANAGE_COHORTS) if g.partner_id})


class LoanForm(forms.Form):
    participant = forms.CharField(label=gettext_lazy("Participant reference"), max_length=20,
                                  widget=forms.TextInput(attrs=LTR))
    programme = forms.ModelChoiceField(label=gettext_lazy("Programme"), queryset=Programme.objects.none())
    device = forms.CharField(label=gettext_lazy("Device"), max_length=100,
                             help_text=gettext_lazy("e.g. “Lenovo ThinkPad laptop” or “Samsung A14 phone”."))
    serial_number = forms.CharField(label=gettext_lazy("Serial number"), max_length=100,
                                    widget=forms.TextInput(attrs=LTR))
    condition = forms.ChoiceField(label=gettext_lazy("Condition when issued"),
                                  choices=[(c, EquipmentLoan.Condition(c).label) for c in service.LENDABLE])
    issued_on = forms.DateField(label=gettext_lazy("Issued on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programmes
        if programmes.count() == 1:
            field.initial = programmes.first()
        self.fields["issued_on"].initial = timezone.localdate()


class ReturnForm(forms.Form):
    condition = forms.ChoiceField(label=gettext_lazy("Condition when returned"),
                                  choices=EquipmentLoan.Condition.choices)
    returned_on = forms.DateField(label=gettext_lazy("Returned on"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))


class TuitionForm(forms.Form):
    amount = forms.CharField(label=gettext_lazy("Amount"), max_length=30,
                             widget=forms.TextInput(attrs={"inputmode": "decimal", **LTR}))
    paid_to = forms.CharField(label=gettext_lazy("Paid to (training provider)"), max_length=200)


# --- equipment loans -----------------------------------------------------------------------------

@login_required
def loans(request: HttpRequest) -> HttpResponse:
    """Open loans per centre (or all, or returned), and the form to lend a device."""
    principal = _principal(request)
    _need(principal)
    programmes = _programmes(principal)
    form = LoanForm(request.POST or None, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = participants_in_scope(principal, Cap.MANAGE_COHORTS).filter(
            reference__iexact=data["participant"].strip()).first()
        if person is None:
            form.add_error("participant", _("No participant with this reference in your centres."))
        else:
            try:
                loan = service.lend_equipment(actor=principal, participant=person, programme=data["programme"],
                                              device=data["device"], serial_number=data["serial_number"],
                                              condition=data["condition"], issued_on=data["issued_on"])
            except PermissionDenied:
                raise
            except DomainError as exc:
                _show(form, exc)
            else:
                messages.success(request, _("%(device)s (%(serial)s) is lent to %(name)s.") % {
                    "device": loan.device, "serial": loan.serial_number, "name": person.full_name})
                return redirect("training:loans")
    centres = centres_for(principal, Cap.MANAGE_COHORTS).order_by("name")
    qs = service.loans_visible_to(principal)
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.filter(returned_on__isnull=True)
    elif state == "returned":
        qs = qs.filter(returned_on__isnull=False)
    centre = request.GET.get("centre", "")
    if centre.isdigit():
        qs = qs.filter(participant__centre_id=int(centre))
    per_centre = (service.loans_visible_to(principal).filter(returned_on__isnull=True)
                  .values("participant__centre__name").annotate(n=Count("id")).order_by("participant__centre__name"))
    page = Paginator(qs.order_by("participant__centre__name", "-issued_on", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "training/support/loans.html", {
        "form": form, "page": page, "centres": centres, "centre": centre, "state": state,
        "per_centre": per_centre, "query": query.urlencode(), "return_form": ReturnForm(),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def return_loan(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    _need(principal)
    loan = get_object_or_404(service.loans_visible_to(principal), pk=pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the condition the device came back in."))
        return redirect("training:loans")
    try:
        service.return_equipment(actor=principal, loan=loan, condition=form.cleaned_data["condition"],
                                 returned_on=form.cleaned_data.get("returned_on"))
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(device)s (%(serial)s) is back.") % {
            "device": loan.device, "serial": loan.serial_number})
    return redirect("training:loans")


# --- tuition -------------------------------------------------------------------------------------

def _fund(programme: Programme) -> Money:
    account = Account.objects.filter(kind=AccountKind.STIPEND_FUND, programme=programme,
                                     currency=programme.currency).first()
    return account.available if account else Money.zero(programme.currency)


@login_required
def tuition_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    _need(principal)
    grants = service.tuition_visible_to(principal).order_by("-granted_at", "-pk")
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/support/tuition.html", {"page": page})


@login_required
def tuition_for(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    """Pay one enrolment's course fees from the programme's fund (once), or see what was paid."""
    principal = _principal(request)
    _need(principal)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("cohort__programme", "cohort__course", "participant", "staff").filter(
            cohort__in=cohorts_for(principal, Cap.MANAGE_COHORTS).values("pk")), pk=enrolment_id)
    programme = enrolment.cohort.programme
    grant = TuitionGrant.objects.filter(enrolment=enrolment).first()
    form = TuitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = service.grant_tuition(actor=principal, enrolment=enrolment, amount=form.cleaned_data["amount"],
                                          paid_to=form.cleaned_data["paid_to"])
        except PermissionDenied:
            raise
        except DomainError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Tuition of %(amount)s for %(name)s is paid to %(to)s.") % {
                "amount": Money(grant.amount, grant.currency), "name": enrolment.learner_name, "to": grant.paid_to})
            return redirect("training:tuition_for", enrolment.pk)
    return render(request, "training/support/tuition_for.html", {
        "enrolment": enrolment, "programme": programme, "grant": grant, "form": form,
        "money": Money(grant.amount, grant.currency) if grant else None, "fund": _fund(programme),
        "decimals": exponent(programme.currency), "may_pay": service.may_grant_tuition(principal, enrolment.cohort),
    }, status=400 if form.errors else 200)
