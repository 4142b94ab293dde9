"""Staff pages: the survey list, the builder (details and questions), sending, reminders and the results.

Thin views: every write is a service call; a DomainError is shown on the form. Building, sending and the
written answers need MANAGE_MONITORING; the list and the results' counts need VIEW_INDICATORS, and those
without VIEW_UNSUPPRESSED see small counts hidden (results.py). A survey outside one's scope is a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kasb.core.errors import DomainError, PermissionDenied
from kasb.core.permissions import Cap, Principal

from . import queries, results
from .forms import QuestionForm, SendForm, SurveyForm, TemplateForm, show_error
from .models import Question, Survey
from .scope import programmes_for, surveys_for
from .services import building, sending

PAGE_SIZE = 25


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _need(principal: Principal, cap: Cap) -> None:
    if not principal.can(cap):
        raise PermissionDenied(_("You do not have permission to do this."))


def _managed(request: HttpRequest, pk: int) -> Survey:
    principal = _principal(request)
    _need(principal, Cap.MANAGE_MONITORING)
    return get_object_or_404(surveys_for(principal, Cap.MANAGE_MONITORING), pk=pk)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.VIEW_INDICATORS)
    page = Paginator(queries.listed_surveys(principal).order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    rates = queries.response_rates(survey_ids=[s.pk for s in page])
    rows = [(s, results.visible_rate(rates.get(s.pk) or queries.Rate(s.pk, 0, 0), principal)) for s in page]
    manages = principal.can(Cap.MANAGE_MONITORING)
    programmes = programmes_for(principal) if manages else None
    return render(request, "surveys/list.html", {
        "page": page, "rows": rows, "manages": manages,
        "template_form": TemplateForm(programmes=programmes) if programmes is not None else None})


@login_required
def survey_new(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.MANAGE_MONITORING)
    form = SurveyForm(request.POST or None, programmes=programmes_for(principal))
    if request.method == "POST" and form.is_valid():
        try:
            survey = building.create_survey(actor=principal, programme=form.cleaned_data["programme"],
                                            **form.values())
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Survey created. Now add its questions."))
            return redirect("surveys:builder", survey.pk)
    return render(request, "surveys/survey_form.html", {"form": form, "survey": None},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def install(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.MANAGE_MONITORING)
    form = TemplateForm(request.POST, programmes=programmes_for(principal))
    if form.is_valid():
        try:
            survey = building.install_template(actor=principal, programme=form.cleaned_data["programme"],
                                               template=form.cleaned_data["template"],
                                               follow_up_months=form.cleaned_data["follow_up_months"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The template is installed as a draft. Check it, then open it."))
            return redirect("surveys:builder", survey.pk)
    else:
        messages.error(request, _("Choose a template and a programme."))
    return redirect("surveys:list")


@login_required
def builder(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            building.add_question(actor=_principal(request), survey=survey, data=form.values())
        except forms.ValidationError as exc:
            form.add_error(None, exc)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Question added."))
            return redirect("surveys:builder", survey.pk)
    return render(request, "surveys/builder.html", {
        "survey": survey, "questions": list(survey.questions.order_by("order", "pk")), "form": form,
        "history": list(survey.history.select_related("actor")), "draft": survey.status == Survey.Status.DRAFT,
    }, status=400 if form.errors else 200)


@login_required
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    form = SurveyForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            building.update_survey(actor=_principal(request), survey=survey, **form.values())
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("surveys:builder", survey.pk)
    return render(request, "surveys/survey_form.html", {"form": form, "survey": survey},
                  status=400 if form.errors else 200)


def _question(request: HttpRequest, pk: int, qid: int) -> Question:
    survey = _managed(request, pk)
    question = get_object_or_404(Question, pk=qid, survey=survey)
    question.survey = survey
    return question


@login_required
def question_edit(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    question = _question(request, pk, qid)
    form = QuestionForm(request.POST or None, question=question)
    if request.method == "POST" and form.is_valid():
        try:
            building.edit_question(actor=_principal(request), question=question, data=form.values())
        except forms.ValidationError as exc:
            form.add_error(None, exc)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Question saved."))
            return redirect("surveys:builder", pk)
    return render(request, "surveys/question_form.html", {"form": form, "survey": question.survey,
                                                          "question": question}, status=400 if form.errors else 200)


@login_required
@require_POST
def question_action(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    question = _question(request, pk, qid)
    action = request.POST.get("action")
    try:
        if action == "remove":
            building.remove_question(actor=_principal(request), question=question)
            messages.success(request, _("Question removed."))
        elif action in ("up", "down"):
            building.move_question(actor=_principal(request), question=question, up=action == "up")
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("surveys:builder", pk)


@login_required
@require_POST
def survey_move(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    to = str(request.POST.get("to", ""))
    try:
        building.move_survey(actor=_principal(request), survey=survey, to=to, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("surveys:builder", pk)
    if to == Survey.Status.OPEN:
        messages.success(request, _("The survey is open: send it to people."))
        return redirect("surveys:send", pk)
    messages.success(request, _("The survey is closed: no more answers are taken."))
    return redirect("surveys:builder", pk)


@login_required
def send(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    principal = _principal(request)
    form = SendForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["audience"] == "cohort":
                result = sending.send_to_cohort(actor=principal, survey=survey, cohort=d["cohort"],
                                                channel=d["channel"], completed_only=d["completed_only"],
                                                base_url=_base_url(request))
            else:
                result = sending.send_to_group(
                    actor=principal, survey=survey, channel=d["channel"],
                    centre_id=d["centre"].pk if d["centre"] else None, sex=d["sex"], displacement=d["displacement"],
                    in_programme=d["in_programme"], base_url=_base_url(request))
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _sent_message(result))
            return redirect("surveys:send", survey.pk)
    rate = queries.response_rates(survey_ids=[survey.pk]).get(survey.pk) or queries.Rate(survey.pk, 0, 0)
    unsent = survey.invitations.filter(sent_at__isnull=True).count()
    return render(request, "surveys/send.html", {"survey": survey, "form": form, "rate": rate, "unsent": unsent,
                                                 "open": survey.status == Survey.Status.OPEN},
                  status=400 if form.errors else 200)


def _sent_message(result: sending.SendResult) -> str:
    parts = [ngettext("%(n)s person invited.", "%(n)s people invited.", result.invited) % {"n": result.invited}]
    if result.already:
        parts.append(ngettext("%(n)s was invited before and is not invited again.",
                              "%(n)s were invited before and are not invited again.", result.already)
                     % {"n": result.already})
    if result.unreachable:
        parts.append(ngettext("%(n)s has no phone number or e-mail address for this channel.",
                              "%(n)s have no phone number or e-mail address for this channel.", result.unreachable)
                     % {"n": result.unreachable})
    if result.declined:
        parts.append(ngettext("%(n)s asked not to be contacted and is left out.",
                              "%(n)s asked not to be contacted and are left out.", result.declined)
                     % {"n": result.declined})
    return " ".join(parts)


@login_required
@require_POST
def remind(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    try:
        count = sending.remind(actor=_principal(request), survey=survey, base_url=_base_url(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ngettext("A reminder goes to %(n)s person.", "Reminders go to %(n)s people.", count)
                         % {"n": count})
    return redirect("surveys:send", pk)


@login_required
def results_page(request: HttpRequest, pk: int) -> HttpResponse:
    principal = _principal(request)
    _need(principal, Cap.VIEW_INDICATORS)
    cap = Cap.MANAGE_MONITORING if principal.can(Cap.MANAGE_MONITORING) else Cap.VIEW_INDICATORS
    survey = get_object_or_404(surveys_for(principal, cap), pk=pk)
    context: dict[str, Any] = results.build(survey, principal)
    return render(request, "surveys/results.html", context)
