"""Every write to the outreach app: calls, public applications, and the selection decisions on them.

Applications move along a small state machine (MOVES); each move appends an ApplicationChange
(who, when, from, to, why) and an audit event. Messages to applicants (confirmation, a kind "not
this time", a place that opened, a course place) go out after commit, in the applicant's language,
by SMS and, when they gave one, e-mail.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from kasb.core import audit
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal
from kasb.core.sms import send_sms
from kasb.core.translated import LANGUAGE_CODES, clean_translations, pick
from kasb.orgs.models import Area, Organisation, Programme
from kasb.orgs.queries import partner_ids
from kasb.participants.models import Participant
from kasb.participants.registration import MAX_AGE, MIN_AGE, Validator
from kasb.participants.services import duplicate_keys, register_participant
from kasb.participants.vocab import CONSENT_TEXT_VERSION, WG_DOMAINS, ConsentPurpose
from kasb.training.models import Cohort, Course, Enrolment, PlacementTest
from kasb.training.services.enrolment import offer_place
from kasb.training.services.placement import link_applicant_attempts

from . import queries, selection
from .models import Application, ApplicationChange, Call, Group, HeardVia, InclusionTarget

S = Application.Status
MOVES: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.SELECTED, S.WAITLISTED, S.REJECTED, S.WITHDRAWN}),
    S.WAITLISTED: frozenset({S.SELECTED, S.REJECTED, S.WITHDRAWN}),
    S.SELECTED: frozenset({S.WAITLISTED, S.REJECTED, S.WITHDRAWN, S.ENROLLED}),
    S.REJECTED: frozenset({S.SELECTED, S.WAITLISTED}),  # a coordinator may reconsider, with a reason
    S.WITHDRAWN: frozenset(),
    S.ENROLLED: frozenset(),
}
CALL_MOVES: dict[str, frozenset[str]] = {
    Call.Status.DRAFT: frozenset({Call.Status.OPEN}),
    Call.Status.OPEN: frozenset({Call.Status.CLOSED}),
    Call.Status.CLOSED: frozenset({Call.Status.OPEN, Call.Status.SELECTED}),
    Call.Status.SELECTED: frozenset({Call.Status.CLOSED}),
}
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_MOTIVATION = 2000
MAX_POINTS = 100
# Answers kept encrypted on the application; they become the participant's record on enrolment.
ANSWER_KEYS = ("date_of_birth", "nationality", "displacement_status", "phone", "email", "id_kind", "id_number",
               "gender_identity", "admin2", "education", "neet", "female_headed_household", "migrant_household",
               "languages", "device_access", "connectivity", "contact_channels", "disability")


# --- calls ---------------------------------------------------------------------------------------

def _may_manage_partner(actor: Principal, partner_id: int) -> None:
    allowed = actor.is_superuser or partner_id in partner_ids(actor, Cap.MANAGE_CALLS)
    if not actor.can(Cap.MANAGE_CALLS) or not allowed:
        raise PermissionDenied(_("You cannot manage calls for this programme."))


def _points(raw: Mapping[str, Any] | None, allowed: Iterable[str], field_name: str) -> dict[str, int]:
    allowed = set(allowed)
    cleaned: dict[str, int] = {}
    for key, value in (raw or {}).items():
        if key not in allowed:
            raise ValidationFailed(_("“%(value)s” is not one of: %(allowed)s.")
                                   % {"value": key, "allowed": ", ".join(sorted(allowed))}, field=field_name)
        if value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(_("Give whole numbers from 0 to %(max)d.") % {"max": MAX_POINTS},
                                   field=field_name) from exc
        if not 0 <= number <= MAX_POINTS:
            raise ValidationFailed(_("Give whole numbers from 0 to %(max)d.") % {"max": MAX_POINTS}, field=field_name)
        if number:
            cleaned[key] = number
    return cleaned


@dataclass
class CallSpec:
    """Everything a coordinator sets on a call (the create and edit forms give all of it)."""

    programme: Programme
    title: Any
    slug: str
    opens_on: date
    closes_on: date
    places: int
    description: Any = None
    courses: Iterable[Course] = ()
    centres: Iterable[Organisation] = ()
    min_age: int = 15
    max_age: int = 35
    areas: Iterable[Area] = ()
    channels: Iterable[str] = ()
    placement_test: PlacementTest | None = None
    weights: Mapping[str, Any] | None = None
    vulnerability_points: Mapping[str, Any] | None = None
    targets: Mapping[str, Any] = field(default_factory=dict)


def _check_spec(spec: CallSpec) -> dict[str, Any]:
    partner_id = spec.programme.partner_id
    values: dict[str, Any] = {
        "programme": spec.programme,
        "title": clean_translations(spec.title, field="title"),
        "description": clean_translations(spec.description or {}, field="description", required=False),
        "slug": (spec.slug or "").strip().lower(),
        "opens_on": spec.opens_on, "closes_on": spec.closes_on, "places": spec.places,
        "min_age": spec.min_age, "max_age": spec.max_age, "placement_test": spec.placement_test,
    }
    if not values["slug"] or not all(c.isascii() and (c.isalnum() or c == "-") for c in values["slug"]):
        raise ValidationFailed(_("Use lower-case letters, digits and hyphens, e.g. irbid-2027-spring."), field="slug")
    if spec.closes_on < spec.opens_on:
        raise ValidationFailed(_("The call cannot close before it opens."), field="closes_on")
    if not spec.places or spec.places < 1:
        raise ValidationFailed(_("A call needs at least one place."), field="places")
    if not MIN_AGE <= spec.min_age <= spec.max_age <= MAX_AGE:
        raise ValidationFailed(_("Give an age range between %(min)d and %(max)d, youngest first.")
                               % {"min": MIN_AGE, "max": MAX_AGE}, field="max_age")
    courses, centres, areas = list(spec.courses), list(spec.centres), list(spec.areas)
    if any(c.partner_id != partner_id for c in courses):
        raise ValidationFailed(_("Offer only courses of this programme's partner."), field="courses")
    if any(c.kind != Organisation.Kind.CENTRE or c.parent_id != partner_id for c in centres):
        raise ValidationFailed(_("Choose only centres of this programme's partner."), field="centres")
    if any(a.country != spec.programme.country for a in areas):
        raise ValidationFailed(_("Choose governorates or regions of the programme's country."), field="areas")
    if spec.placement_test is not None and spec.placement_test.partner_id != partner_id:
        raise ValidationFailed(_("Choose a placement test of this programme's partner."), field="placement_test")
    channels = list(dict.fromkeys(spec.channels))
    if any(c not in HeardVia.values for c in channels):
        raise ValidationFailed(_("Choose channels from the list."), field="channels")
    values["channels"] = channels
    values["weights"] = _points(spec.weights, selection.WEIGHT_KEYS, "weights")
    values["vulnerability_points"] = _points(spec.vulnerability_points, Group.values, "vulnerability_points")
    targets = _points(spec.targets, Group.values, "targets")
    return {"values": values, "courses": courses, "centres": centres, "areas": areas, "targets": targets}


def _save_call(call: Call, checked: dict[str, Any]) -> Call:
    for name, value in checked["values"].items():
        setattr(call, name, value)
    try:
        with transaction.atomic():
            call.save()
    except IntegrityError as exc:
        raise ValidationFailed(_("Another call already uses this web address."), field="slug") from exc
    call.courses.set(checked["courses"])
    call.centres.set(checked["centres"])
    call.areas.set(checked["areas"])
    call.targets.exclude(group__in=list(checked["targets"])).delete()
    for group, percent in checked["targets"].items():
        InclusionTarget.objects.update_or_create(call=call, group=group, defaults={"percent": percent})
    return call


@transaction.atomic
def create_call(*, actor: Principal, spec: CallSpec) -> Call:
    """A new call, in draft until opened."""
    _may_manage_partner(actor, spec.programme.partner_id)
    checked = _check_spec(spec)
    call = _save_call(Call(created_by=actor.user), checked)
    audit.record(actor=actor.user, verb="call.created", obj=call, slug=call.slug)
    return call


@transaction.atomic
def update_call(*, actor: Principal, call: Call, spec: CallSpec) -> Call:
    """Change a call. Its web address stays once it has been opened, so links already shared keep working."""
    if not queries.may_act_on_call(actor, Cap.MANAGE_CALLS, call):
        raise PermissionDenied(_("You cannot manage calls for this programme."))
    _may_manage_partner(actor, spec.programme.partner_id)
    checked = _check_spec(spec)
    if call.status != Call.Status.DRAFT and checked["values"]["slug"] != call.slug:
        raise ValidationFailed(_("The web address cannot change once the call has been opened."), field="slug")
    if call.programme_id != spec.programme.pk and call.applications.exists():
        raise ValidationFailed(_("The programme cannot change once people have applied."), field="programme")
    _save_call(call, checked)
    audit.record(actor=actor.user, verb="call.updated", obj=call)
    return call


def _move_call(actor: Principal, call: Call, to: str, today: date) -> Call:
    if not queries.may_act_on_call(actor, Cap.MANAGE_CALLS, call):
        raise PermissionDenied(_("You cannot manage calls for this programme."))
    old = call.status
    if to not in CALL_MOVES.get(old, frozenset()):
        raise Conflict(_("A call cannot go from “%(old)s” to “%(new)s”.")
                       % {"old": Call.Status(old).label, "new": Call.Status(to).label}, code="invalid_move")
    if to == Call.Status.OPEN and call.closes_on < today:
        raise Conflict(_("The closing date has passed. Change it before opening the call again."),
                       code="call_closed")
    if not Call.objects.filter(pk=call.pk, status=old).update(status=to):
        raise Conflict(_("Someone else changed this call just now; reload and try again."), code="stale")
    call.status = to
    audit.record(actor=actor.user, verb="call.moved", obj=call, old=old, new=to)
    return call


@transaction.atomic
def open_call(*, actor: Principal, call: Call, now: datetime | None = None) -> Call:
    """Start taking applications (from the opening date)."""
    return _move_call(actor, call, Call.Status.OPEN, timezone.localdate(now or timezone.now()))


@transaction.atomic
def close_call(*, actor: Principal, call: Call, now: datetime | None = None) -> Call:
    return _move_call(actor, call, Call.Status.CLOSED, timezone.localdate(now or timezone.now()))


@transaction.atomic
def finish_selection(*, actor: Principal, call: Call, now: datetime | None = None) -> Call:
    return _move_call(actor, call, Call.Status.SELECTED, timezone.localdate(now or timezone.now()))


# --- public applications -------------------------------------------------------------------------

def new_reference() -> str:
    return "A" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _as_date(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):  # the formats the registry's Validator reads
        try:
            return datetime.strptime(str(raw or "").strip(), fmt).date()
        except ValueError:
            continue
    return None  # the Validator has already said what is wrong with it


def _age_error(call: Call, age: int) -> str:
    # Two sentences, each with its own number, so each takes the plural form its number needs.
    rule = ngettext("This call is for people aged %(min)d to %(max)d year on %(date)s, its closing date.",
                    "This call is for people aged %(min)d to %(max)d years on %(date)s, its closing date.",
                    call.max_age) % {"min": call.min_age, "max": call.max_age,
                                     "date": date_format(call.closes_on, "DATE_FORMAT")}
    actual = ngettext("On that date you will be %(age)d year old.", "On that date you will be %(age)d years old.",
                      age) % {"age": age}
    return f"{rule} {actual}"


def _validate(call: Call, data: Mapping[str, Any], today: date) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """Check an application; returns (registration values, consents, application fields) or raises
    ValidationFailed with every field's problem at once, in the active language."""
    partner = call.programme.partner
    centre_ids = set(call.centres.values_list("pk", flat=True))
    raw = dict(data)
    raw["centre"] = data.get("preferred_centre")
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    consents: list[str] = []
    validator = Validator(partner=partner, allowed_centre_ids=centre_ids or None, today=today)
    try:
        reg = validator.validate(raw)
        values, consents = reg.values, reg.consents
    except ValidationFailed as exc:
        errors.update({("preferred_centre" if k == "centre" else k): v for k, v in (exc.details or {}).items()})
    if "consent_registration" in errors:
        errors["consent_registration"] = _("Please tick this box to agree. Without it we cannot keep or "
                                           "consider your application.")
    if not str(data.get("phone") or "").strip():
        errors["phone"] = _("Enter a phone number.")
    born = values.get("date_of_birth") or _as_date(data.get("date_of_birth"))
    if born is not None and "date_of_birth" not in errors:
        age = selection.age_on(born, call.closes_on)
        if not call.min_age <= age <= call.max_age:
            errors["date_of_birth"] = _age_error(call, age)
    areas = list(call.areas.all())
    given = data.get("area")
    area = given if isinstance(given, Area) else validator.areas.get(str(given or "").strip().casefold())
    if areas and "area" not in errors:
        if not given:
            errors["area"] = _("Choose where you live.")
        elif area is not None and area not in areas:
            errors["area"] = _("This call is for people living in: %(areas)s.") % {
                "areas": _(", ").join(a.name for a in areas)}
    extra = _application_fields(call, data, errors)
    if errors:
        raise ValidationFailed(_("Some answers need correcting."), details=errors)
    return values, consents, extra


def _application_fields(call: Call, data: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    motivation = str(data.get("motivation") or "").replace("\x00", "").strip()
    if not motivation:
        errors["motivation"] = _("Tell us in a few words why you want to join.")
    elif len(motivation) > MAX_MOTIVATION:
        errors["motivation"] = _("Keep it under %(max)d characters.") % {"max": MAX_MOTIVATION}
    heard_via = str(data.get("heard_via") or "")
    if heard_via not in HeardVia.values:
        errors["heard_via"] = _("Tell us how you heard about this call.")
    course = data.get("preferred_course")
    if course not in (None, ""):
        course_id = course.pk if isinstance(course, Course) else course
        offered = call.courses.filter(pk=course_id).first() if str(course_id).isdigit() else None
        if offered is None:
            errors["preferred_course"] = _("Choose one of the courses this call offers.")
        course = offered
    return {"motivation": motivation, "heard_via": heard_via, "preferred_course": course or None}


def _answers(values: Mapping[str, Any], consents: list[str]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for key in ANSWER_KEYS:
        value = values.get(key)
        if isinstance(value, date):
            value = value.isoformat()
        if value not in (None, "", [], {}):
            answers[key] = value
    answers["consents"] = consents
    return answers


@transaction.atomic
def submit_application(*, call: Call, data: Mapping[str, Any], language: str, now: datetime | None = None,
                       base_url: str = "") -> Application:
    """Apply to an open call, without an account.

    Personal answers are checked by the registry's Validator (the same rules and messages as a
    registration), then the call's own rules: age on the closing date, where the applicant lives,
    consent, a valid phone number. Errors come per field in the applicant's language and nothing is
    saved. One application per phone number per call: a second gets the first one's reference, and
    nothing else. The same name and date of birth as another application is only flagged (two people
    can share both). On success the applicant is sent their reference and private links after commit.
    """
    now = now or timezone.now()
    language = language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE
    with override(language):
        if not queries.is_taking_applications(call, timezone.localdate(now)):
            raise Conflict(_("This call is not taking applications now."), code="call_closed")
        values, consents, extra = _validate(call, data, timezone.localdate(now))
        phone_index, name_dob_index = duplicate_keys(values)
        application = None
        for _attempt in range(5):
            _refuse_second_application(call, phone_index)
            try:
                with transaction.atomic():
                    application = Application.objects.create(
                        call=call, reference=new_reference(), language=language, given_name=values["given_name"],
                        family_name=values["family_name"], sex=values["sex"], area=values.get("area"),
                        answers=_answers(values, consents),  # type: ignore[misc]
                        preferred_centre=values.get("centre"),
                        consent_version=CONSENT_TEXT_VERSION, consented_at=now, phone_index=phone_index,
                        name_dob_index=name_dob_index, **extra)
                break
            except IntegrityError:
                continue  # the same phone a moment ago (refused above on the next turn), or a reference clash
        if application is None:
            _refuse_second_application(call, phone_index)
            raise Conflict(_("We could not save your application just now; please try again."), code="retry")
    twins = Application.objects.filter(call=call, name_dob_index=name_dob_index).exclude(pk=application.pk).count()
    ApplicationChange.objects.create(application=application, from_status="", to_status=S.SUBMITTED)
    audit.record(actor=None, verb="application.submitted", obj=application, call=call.pk,
                 heard_via=application.heard_via, possible_duplicate=bool(twins))
    transaction.on_commit(partial(notify, application.pk, "submitted", base_url=base_url), robust=True)
    return application


def _refuse_second_application(call: Call, phone_index: str) -> None:
    earlier = queries.applied_with_phone(call, phone_index)
    if earlier is not None:
        raise Conflict(_("You have already applied to this call with this phone number: reference %(ref)s. "
                         "We sent the link to follow your application to this phone when you applied.")
                       % {"ref": earlier.reference}, code="already_applied", field="phone",
                       details={"reference": earlier.reference})


# --- messages to applicants ----------------------------------------------------------------------

def public_base_url(base_url: str = "") -> str:
    return (base_url or getattr(settings, "KASB_PUBLIC_URL", "")).rstrip("/")


def status_link(application: Application, base_url: str = "") -> str:
    with override(application.language):
        path = reverse("apply:status", args=[application.token])
    return f"{public_base_url(base_url)}{path}"


def test_link(application: Application, base_url: str = "") -> str:
    """The applicant's placement test (the training app's page for applicants, by token and test)."""
    if application.call.placement_test_id is None:
        return ""
    path = f"/{application.language}/training/test/a/{application.token}/{application.call.placement_test_id}/"
    return f"{public_base_url(base_url)}{path}"


def _message(application: Application, kind: str, base_url: str, cohort: Cohort | None) -> tuple[str, str]:
    call_name = pick(application.call.title, application.language) or application.call.slug
    words = {"call": call_name, "ref": application.reference, "link": status_link(application, base_url)}
    if kind == "submitted":
        text = _("Thank you for applying to “%(call)s”. Your reference is %(ref)s. "
                 "Follow your application here: %(link)s") % words
        link = test_link(application, base_url)
        if link:
            text += " " + _("Please take the placement test here: %(link)s") % {"link": link}
        return _("Your application to “%(call)s”") % words, text
    if kind == "rejected":
        return _("Your application to “%(call)s”") % words, _(
            "Thank you for applying to “%(call)s” (reference %(ref)s). Many people applied for few places, "
            "and we cannot offer you one this time. We hope you will apply to our next call. %(link)s") % words
    if kind == "offered":
        return _("A place for you in “%(call)s”") % words, _(
            "Good news: a place has opened in “%(call)s” and we are offering it to you (reference %(ref)s). "
            "We will contact you about your course soon. %(link)s") % words
    assert cohort is not None
    words.update(cohort=cohort.name, date=date_format(cohort.starts_on, "DATE_FORMAT"))
    return _("Your place in %(cohort)s") % words, _(
        "Welcome! You have a place in %(cohort)s, starting on %(date)s (reference %(ref)s). "
        "Your centre will contact you with the details.") % words


def notify(application_id: int, kind: str, *, base_url: str = "", cohort_id: int | None = None) -> None:
    """Send one message to an applicant, in their language: by SMS, and by e-mail if they gave one.

    Queued with on_commit(robust=True): a failing gateway is logged and never undoes or hides the decision."""
    application = Application.objects.select_related("call").filter(pk=application_id).first()
    if application is None:
        return
    cohort = Cohort.objects.filter(pk=cohort_id).first() if cohort_id else None
    answers: dict[str, Any] = application.answers or {}  # type: ignore[assignment]
    with override(application.language):
        subject, text = _message(application, kind, base_url, cohort)
    if answers.get("phone"):
        send_sms(answers["phone"], text)
    if answers.get("email"):
        send_mail(subject, text, None, [answers["email"]])


@transaction.atomic
def withdraw_own_application(*, token: str, base_url: str = "") -> Application:
    """The applicant withdraws on their status page; a place they held goes to the waiting list."""
    application = queries.application_by_token(token)
    if application is None:
        raise ValidationFailed(_("This link is not valid."), code="not_found")
    was = application.status
    with override(application.language):
        reason = _("Withdrawn by the applicant on their status page.")
    _move(application, S.WITHDRAWN, None, reason)
    if was == S.SELECTED:
        _fill_from_waitlist(application.call, None, base_url)
    return application


# --- selection -----------------------------------------------------------------------------------

def _may_select(actor: Principal, call: Call) -> None:
    if not queries.may_act_on_call(actor, Cap.SELECT_APPLICANTS, call):
        raise PermissionDenied(_("You cannot select applicants for this call."))


def _lock_call(call: Call) -> None:
    """One decision at a time per call, so two coordinators cannot fill the same last place."""
    Call.objects.select_for_update().filter(pk=call.pk).values_list("pk", flat=True).first()


def _store_score(application: Application) -> selection.Score:
    result = queries.score_application(application)
    attempt = result.parts["test"]["attempt"]
    Application.objects.filter(pk=application.pk).update(score=result.total, score_parts=result.parts,
                                                         test_attempt_id=attempt)
    application.score, application.score_parts, application.test_attempt_id = result.total, result.parts, attempt
    return result


def _move(application: Application, to: str, user: Any, reason: str, score: int | None = None) -> None:
    old = application.status
    if to not in MOVES.get(old, frozenset()):
        raise Conflict(_("An application cannot go from “%(old)s” to “%(new)s”.")
                       % {"old": S(old).label, "new": S(to).label}, code="invalid_move")
    now = timezone.now()
    user = user if getattr(user, "is_authenticated", False) else None
    if not Application.objects.filter(pk=application.pk, status=old).update(
            status=to, decided_by=user, decided_at=now, decision_reason=reason[:300]):
        raise Conflict(_("Someone else changed this application just now; reload and try again."), code="stale")
    application.status, application.decided_by, application.decided_at = to, user, now
    application.decision_reason = reason[:300]
    ApplicationChange.objects.create(application=application, from_status=old, to_status=to, actor=user,
                                     reason=reason[:300])
    audit.record(actor=user, verb=f"application.{to}", obj=application, old=old, new=to, reason=reason[:300],
                 score=score if score is not None else application.score)


def problems_text(parts: Mapping[str, Any]) -> str:
    texts = []
    for problem in parts.get("problems", []):
        if problem["code"] == "age":
            texts.append(_("aged %(age)d, outside %(min)d–%(max)d") % problem)
        elif problem["code"] == "area":
            texts.append(_("lives outside the call's areas"))
        else:
            texts.append(_("no date of birth"))
    return _(", ").join(texts)


@transaction.atomic
def rate_motivation(*, actor: Principal, application: Application, rating: int) -> Application:
    """The coordinator's 0–5 rating of what the applicant wrote; the score follows."""
    _may_select(actor, application.call)
    if rating is None or not 0 <= int(rating) <= selection.MAX_RATING:
        raise ValidationFailed(_("Rate from 0 to %(max)d.") % {"max": selection.MAX_RATING}, field="rating")
    Application.objects.filter(pk=application.pk).update(motivation_rating=int(rating))
    application.motivation_rating = int(rating)
    result = _store_score(application)
    audit.record(actor=actor.user, verb="application.rated", obj=application, rating=int(rating), score=result.total)
    return application


def _decide(actor: Principal, application: Application, to: str, reason: str, default: str) -> selection.Score:
    _may_select(actor, application.call)
    _lock_call(application.call)
    application.refresh_from_db(fields=["status"])
    result = _store_score(application)
    if to == S.SELECTED:
        if not result.eligible:
            raise ValidationFailed(_("This applicant does not meet the call's rules: %(problems)s.")
                                   % {"problems": problems_text(result.parts)}, code="not_eligible")
        places = application.call.places
        if queries.taken_places(application.call) >= places:
            raise Conflict(ngettext("The only place is taken. Put this applicant on the waiting list, or free "
                                    "the place first.",
                                    "All %(places)d places are taken. Put this applicant on the waiting list, or "
                                    "free a place first.", places) % {"places": places}, code="call_full")
    score = result.total if result.total is not None else "—"
    _move(application, to, actor.user, reason.strip() or default % {"score": score}, result.total)
    return result


@transaction.atomic
def select_application(*, actor: Principal, application: Application, reason: str = "") -> Application:
    _decide(actor, application, S.SELECTED, reason, _("Chosen on the selection screen (score %(score)s)."))
    return application


@transaction.atomic
def waitlist_application(*, actor: Principal, application: Application, reason: str = "") -> Application:
    _decide(actor, application, S.WAITLISTED, reason, _("Put on the waiting list (score %(score)s)."))
    return application


@transaction.atomic
def reject_application(*, actor: Principal, application: Application, reason: str, notify_applicant: bool = True,
                       base_url: str = "") -> Application:
    """Not selected, with the coordinator's reason on record; the applicant gets a kind message (not the
    reason) in their language after commit."""
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why, so that the decision can be explained later."), field="reason")
    _decide(actor, application, S.REJECTED, reason, "")
    if notify_applicant:
        transaction.on_commit(partial(notify, application.pk, "rejected", base_url=base_url), robust=True)
    return application


@transaction.atomic
def withdraw_application(*, actor: Principal, application: Application, reason: str,
                         base_url: str = "") -> Application:
    """Record that an applicant withdrew or declined their place; the place goes to the waiting list."""
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why, so that the decision can be explained later."), field="reason")
    _may_select(actor, application.call)
    _lock_call(application.call)
    application.refresh_from_db(fields=["status"])
    was = application.status
    _move(application, S.WITHDRAWN, actor.user, reason.strip())
    if was == S.SELECTED:
        _fill_from_waitlist(application.call, actor.user, base_url)
    return application


def _fill_from_waitlist(call: Call, user: Any, base_url: str) -> list[Application]:
    _lock_call(call)
    free = call.places - queries.taken_places(call)
    if free <= 0:
        return []
    waiting = [r for r in queries.ranked_applications(call)
               if r.application.status == S.WAITLISTED and r.score.eligible][:free]
    offered = []
    for row in waiting:
        application = row.application
        _store_score(application)
        _move(application, S.SELECTED, user,
              _("A place opened: offered to the best-ranked person on the waiting list (rank %(rank)d, score "
                "%(score)d).") % {"rank": row.rank, "score": row.score.total}, row.score.total)
        transaction.on_commit(partial(notify, application.pk, "offered", base_url=base_url), robust=True)
        offered.append(application)
    return offered


@transaction.atomic
def fill_from_waitlist(*, actor: Principal, call: Call, base_url: str = "") -> list[Application]:
    """Offer each free place to the best-ranked eligible person on the waiting list, and tell them."""
    _may_select(actor, call)
    return _fill_from_waitlist(call, actor.user, base_url)


@transaction.atomic
def refresh_scores(*, actor: Principal, call: Call) -> int:
    """Store every application's current score and its parts (after new test results or new weights)."""
    _may_select(actor, call)
    rows = queries.ranked_applications(call)
    _store_all(rows)
    return len(rows)


def _store_all(rows: list[queries.Ranked]) -> None:
    apps = []
    for row in rows:
        app = row.application
        app.score, app.score_parts = row.score.total, row.score.parts
        app.test_attempt_id = row.score.parts["test"]["attempt"]
        apps.append(app)
    Application.objects.bulk_update(apps, ["score", "score_parts", "test_attempt"], batch_size=500)


@dataclass
class FillResult:
    selected: list[Application]
    unmet: dict[str, dict[str, Any]]
    free_before: int


@transaction.atomic
def fill_targets(*, actor: Principal, call: Call) -> FillResult:
    """Fill the free places from the ranked list: inclusion targets first, then by score.

    The plan is selection.plan_fill (read its docstring): take the best-ranked eligible applicant
    from a group still below its target until every target is met or no such applicant is left, then
    the best-ranked eligible applicants until the places are full. Only applications still waiting
    for a decision (submitted or on the waiting list) are picked; nobody already decided is moved,
    and the places are never exceeded. `unmet` names each target it could not reach and why.
    """
    _may_select(actor, call)
    _lock_call(call)
    rows = queries.ranked_applications(call)
    _store_all(rows)
    chosen = [r.groups for r in rows if r.application.status in queries.TAKING_PLACES]
    candidates = [r.candidate for r in rows if r.application.status in queries.UNDECIDED]
    plan = selection.plan_fill(candidates, chosen, queries.targets_of(call), call.places)
    by_pk = {r.application.pk: r for r in rows}
    labels = dict(Group.choices)
    selected = []
    for pk, groups in plan.picks:
        row = by_pk[pk]
        words = {"rank": row.rank, "score": row.score.total}
        if groups:
            reason = _("Filled automatically for the target: %(groups)s (rank %(rank)d, score %(score)d).") % {
                **words, "groups": _(", ").join(str(labels[g]) for g in groups)}
        else:
            reason = _("Filled automatically by score (rank %(rank)d, score %(score)d).") % words
        _move(row.application, S.SELECTED, actor.user, reason, row.score.total)
        selected.append(row.application)
    audit.record(actor=actor.user, verb="call.filled", obj=call, selected=[a.pk for a in selected], unmet=plan.unmet)
    return FillResult(selected=selected, unmet=plan.unmet, free_before=plan.free_before)


# --- enrolment -----------------------------------------------------------------------------------

def registration_data(application: Application, centre: Organisation | None) -> dict[str, Any]:
    """The application's answers as a registration (the columns participants.registration reads)."""
    answers: dict[str, Any] = dict(application.answers or {})  # type: ignore[arg-type]
    data = {k: v for k, v in answers.items() if k in ANSWER_KEYS and k != "disability"}
    data.update(given_name=application.given_name, family_name=application.family_name, sex=application.sex,
                area=application.area, centre=centre)
    for domain, _label in WG_DOMAINS:
        if (answers.get("disability") or {}).get(domain):
            data[f"disability_{domain}"] = answers["disability"][domain]
    for purpose in ConsentPurpose.values:
        data[f"consent_{purpose}"] = purpose in answers.get("consents", [])
    return data


def _same_person(application: Application, partner_id: int) -> Participant | None:
    """An existing participant with both the same phone and the same name and date of birth."""
    return Participant.objects.filter(partner_id=partner_id, phone_index=application.phone_index,
                                      name_dob_index=application.name_dob_index).order_by("pk").first()


@transaction.atomic
def enrol_selected(*, actor: Principal, application: Application, cohort: Cohort, allow_duplicate: bool = False,
                   base_url: str = "") -> Enrolment:
    """Make a selected applicant a participant (unless they already are one) and offer them a cohort place.

    Registers them with participants.services.register_participant from their answers and consents
    (a participant with the same phone and the same name and date of birth is taken to be them),
    links their placement-test attempts to the record, offers the place through
    training.services.enrolment.offer_place, and marks the application enrolled. One transaction: a
    full cohort leaves nobody half-registered.
    """
    call = application.call
    _may_select(actor, call)
    _lock_call(call)
    application.refresh_from_db()
    if application.status != S.SELECTED:
        raise Conflict(_("Only selected applicants can be enrolled; this application is “%(status)s”.")
                       % {"status": S(application.status).label}, code="invalid_move")
    if cohort.programme_id != call.programme_id:
        raise ValidationFailed(_("Choose a cohort of this call's programme."), field="cohort")
    partner = call.programme.partner
    participant = application.participant or _same_person(application, partner.pk)
    if participant is None:
        centre = cohort.centre or application.preferred_centre
        participant = register_participant(actor=actor, partner=partner, data=registration_data(application, centre),
                                           allow_duplicate=allow_duplicate)
    link_applicant_attempts(actor=actor.user, applicant_token=application.token, participant=participant)
    reason = _("Selected through the call “%(call)s” (application %(ref)s).") % {"call": call.name,
                                                                                  "ref": application.reference}
    enrolment = offer_place(actor=actor, cohort=cohort, participant=participant, reason=reason)
    Application.objects.filter(pk=application.pk).update(participant=participant)
    application.participant = participant
    _move(application, S.ENROLLED, actor.user, _("Offered a place in %(cohort)s.") % {"cohort": cohort.name})
    transaction.on_commit(partial(notify, application.pk, "enrolled", base_url=base_url, cohort_id=cohort.pk),
                          robust=True)
    return enrolment


def log_protected_view(*, actor: Principal, call: Call, screen: str, application: Application | None = None) -> None:
    """Record that `actor` was shown applicants' protected answers (groups, date of birth, phone...)."""
    _may_select(actor, call)
    audit.record(actor=actor.user, verb="applications.protected_viewed", obj=application or call, screen=screen[:60])
