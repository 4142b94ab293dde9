"""/api/v1/surveys: the surveys a person may see with their response rates, one survey's aggregate results
(staff), and answering through an invitation's single-use token (public, rate-limited like the answer page).

Thin: reads go through surveys.queries / surveys.results with the caller's scope, the one write is
services.answering.submit_response. Errors are JSON {"code", "message", ...}: 403 without the capability,
404 for a survey out of scope or a bad token, 409 for a closed or already answered survey, 422 for bad
answers (details: question id -> message).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from ninja import Field, Path, Query, Router, Schema, Status

from kasb.core.errors import NotFound, PermissionDenied
from kasb.core.permissions import Cap, Principal
from kasb.core.translated import pick
from kasb.outreach.api import AddressThrottle, language_of

from . import queries, results
from .models import Question
from .public_views import PAGE_LIMIT, SUBMIT_LIMIT, SUBMIT_WINDOW
from .scope import surveys_for
from .services.answering import invitation_for, is_closed, submit_response

router = Router(tags=["surveys"])
MAX_ID = 2**63 - 1
PAGES = AddressThrottle("survey", PAGE_LIMIT)
SUBMITS = AddressThrottle("survey-submit", SUBMIT_LIMIT, SUBMIT_WINDOW)


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


class SurveyError(Schema):
    code: str
    message: str
    field: str | None = None
    details: Any = None


ERRORS: dict[int, Any] = {403: SurveyError, 404: SurveyError, 409: SurveyError, 422: SurveyError,
                          429: SurveyError}


class RateOut(Schema):
    invited: int
    answered: int
    percent: int | None


class SurveyOut(Schema):
    id: int
    title: str
    programme_id: int
    status: str
    anonymous: bool
    template: str
    follow_up_months: int | None
    questions: int
    response_rate: RateOut | None = Field(..., description="null when hidden (too few people to show)")


class SurveyPage(Schema):
    count: int
    items: list[SurveyOut]


def _rate(rate: queries.Rate | None) -> RateOut:
    rate = rate or queries.Rate(0, 0, 0)
    return RateOut(invited=rate.invited, answered=rate.answered, percent=rate.share.percent)


def _visible(rate: queries.Rate | None, principal: Principal) -> RateOut | None:
    shown = results.visible_rate(rate or queries.Rate(0, 0, 0), principal)
    return _rate(shown) if shown else None


def _need(principal: Principal, cap: Cap) -> None:
    if not principal.can(cap):
        raise PermissionDenied(_("You do not have permission to do this."))


@router.get("", response={200: SurveyPage, **ERRORS})
def list_surveys(request: HttpRequest, programme_id: int | None = Query(None, ge=1, le=MAX_ID),
                 limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9)) -> SurveyPage:
    """Surveys of the caller's partners, newest first, with how many were invited and answered."""
    principal = _principal(request)
    _need(principal, Cap.VIEW_INDICATORS)
    qs = queries.listed_surveys(principal).order_by("-created_at", "-pk")
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    page = list(qs[offset:offset + limit])
    rates = queries.response_rates(survey_ids=[s.pk for s in page])
    return SurveyPage(count=qs.count(), items=[SurveyOut(
        id=s.pk, title=s.name, programme_id=s.programme_id, status=s.status, anonymous=s.anonymous,
        template=s.template, follow_up_months=s.follow_up_months, questions=s.question_count,  # type: ignore[attr-defined]
        response_rate=_visible(rates.get(s.pk), principal)) for s in page])


class ChoiceOut(Schema):
    key: str
    label: str
    count: int | None = Field(..., description="null when hidden (small-cell suppression)")
    percent: int | None


class QuestionResultOut(Schema):
    id: int
    code: str
    kind: str
    text: str
    answered: int | None = Field(..., description="null when too few answered to show")
    choices: list[ChoiceOut]
    mean: str | None
    texts: list[str] = Field(..., description="Written answers: M&E staff of the partner only")


class ShareOut(Schema):
    numerator: int
    denominator: int
    percent: int | None


class ResultsOut(Schema):
    survey_id: int
    suppressed: bool
    response_rate: RateOut | None
    responses: int | None
    questions: list[QuestionResultOut]
    employed: ShareOut | None = None
    using_skills: ShareOut | None = None


def _share(share: queries.Share | None) -> ShareOut | None:
    return ShareOut(numerator=share.numerator, denominator=share.denominator, percent=share.percent) if share else None


@router.get("/{survey_id}/results", response={200: ResultsOut, **ERRORS})
def survey_results(request: HttpRequest, survey_id: int = Path(..., ge=1, le=MAX_ID)) -> ResultsOut:
    """Response rate, counts per choice and means; small counts hidden for those who see suppressed figures."""
    principal = _principal(request)
    _need(principal, Cap.VIEW_INDICATORS)
    cap = Cap.MANAGE_MONITORING if principal.can(Cap.MANAGE_MONITORING) else Cap.VIEW_INDICATORS
    survey = surveys_for(principal, cap).filter(pk=survey_id).first()
    if survey is None:
        raise NotFound(_("There is no such survey."))
    ctx = results.build(survey, principal)
    tracer = ctx.get("tracer") or {}
    return ResultsOut(
        survey_id=survey.pk, suppressed=ctx["suppressed"], responses=ctx["responses"],
        response_rate=_rate(ctx["rate"]) if ctx["rate"] else None,
        employed=_share(tracer.get("employed")), using_skills=_share(tracer.get("using_skills")),
        questions=[QuestionResultOut(
            id=v.question.pk, code=v.question.code, kind=v.question.kind, text=v.text, answered=v.answered,
            choices=[ChoiceOut(key=c.key, label=c.label, count=c.count, percent=c.percent) for c in v.choices],
            mean=v.mean, texts=v.texts) for v in ctx["questions"]])


# --- public: answering by token -------------------------------------------------------------------

class PublicChoiceOut(Schema):
    key: str
    label: str


class PublicQuestionOut(Schema):
    id: int
    kind: str
    text: str
    help: str
    required: bool
    choices: list[PublicChoiceOut]
    min_value: int | None
    max_value: int | None


class PublicSurveyOut(Schema):
    title: str
    intro: str
    anonymous: bool
    open: bool
    answered: bool
    language: str
    questions: list[PublicQuestionOut]


@router.get("/answers/{token}", response={200: PublicSurveyOut, **ERRORS}, auth=None, throttle=[PAGES])
def survey_by_token(request: HttpRequest, token: str = Path(..., max_length=64),
                    language: str | None = Query(None, max_length=10, description="e.g. ar")) -> PublicSurveyOut:
    """The survey an invitation's token opens, in `language` (default: the invitation's). No sign-in."""
    invitation = invitation_for(token)
    if invitation is None:
        raise NotFound(_("This survey link is not valid. Check that you opened the whole link from your message."),
                       code="invalid_link")
    lang = language_of(language) if language else invitation.language
    survey = invitation.survey
    return PublicSurveyOut(
        title=pick(survey.title, lang), intro=pick(survey.intro, lang), anonymous=survey.anonymous,
        open=not is_closed(survey, timezone.now()), answered=invitation.answered_at is not None, language=lang,
        questions=[PublicQuestionOut(
            id=q.pk, kind=q.kind, text=pick(q.text, lang), help=pick(q.help, lang), required=q.required,
            choices=[PublicChoiceOut(key=k, label=label) for k, label in q.choice_texts(lang)],
            min_value=q.min_value if q.kind in (Question.Kind.SCALE, Question.Kind.NUMBER) else None,
            max_value=q.max_value if q.kind in (Question.Kind.SCALE, Question.Kind.NUMBER) else None)
            for q in survey.questions.order_by("order", "pk")])


class AnswersIn(Schema):
    client_key: str = Field(..., min_length=8, max_length=64,
                            description="Made once per submission by the client: a retry with it records one response")
    language: str | None = Field(None, max_length=10)
    answers: dict[str, Any] = Field(..., description="Question id -> choice key, list of keys, number or text")


class ReceivedOut(Schema):
    received: bool
    submitted_on: str


@router.post("/answers/{token}", response={201: ReceivedOut, **ERRORS}, auth=None, throttle=[SUBMITS])
def answer_by_token(request: HttpRequest, payload: AnswersIn,
                    token: str = Path(..., max_length=64)) -> Status[ReceivedOut]:
    """Send the answers once. Messages are in `language` (default: the invitation's)."""
    invitation = invitation_for(token)
    lang = language_of(payload.language) if payload.language else (invitation.language if invitation else "en")
    with override(lang):
        response = submit_response(token=token, answers=payload.answers, client_key=payload.client_key,
                                   language=lang)
    return Status(201, ReceivedOut(received=True, submitted_on=response.submitted_at.date().isoformat()))
