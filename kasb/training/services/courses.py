"""Courses with their modules and skills, cohorts of a course, and the schedule of a cohort's sessions.

Courses belong to an implementing partner (Cap.MANAGE_COURSES, held at the partner). A cohort is a
course run for a programme at one of the partner's centres, or online (Cap.MANAGE_COHORTS: a
centre's coordinator for that centre, a partner-level role for all of its centres and online).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Cap, Principal, Role
from kasb.core.translated import clean_translations
from kasb.orgs.models import Membership, Organisation, Programme
from kasb.skills.models import Level, Skill

from ..data.courses import COURSES
from ..models import Cohort, Course, CourseSkill, Modality, Module, Session

CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SESSIONS = 400          # a year of weekday sessions is ~250
MAX_CAPACITY = 1000
TRAINER_ROLES = (Role.TRAINER, Role.COORDINATOR, Role.PROGRAMME_MANAGER)


# --- courses -------------------------------------------------------------------------------------

def _may_manage_courses(actor: Principal | None, partner_id: int) -> None:
    if actor is None or actor.is_superuser:
        return  # None: Kasb itself installing its catalogue (demo loader, management command)
    if not any(not g.is_centre and g.partner_id == partner_id for g in actor.grants_with(Cap.MANAGE_COURSES)):
        raise PermissionDenied(_("You cannot change this partner's courses."))


def _check_rule(min_attendance_percent: int) -> int:
    if not isinstance(min_attendance_percent, int) or not 0 <= min_attendance_percent <= 100:
        raise ValidationFailed(_("The attendance needed must be between 0% and 100%."),
                               field="min_attendance_percent")
    return min_attendance_percent


def _check_modality(modality: str) -> str:
    if modality not in Modality.values:
        raise ValidationFailed(_("Choose at a centre, online or blended."), field="modality")
    return modality


def _clean_modules(modules: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for n, spec in enumerate(modules, start=1):
        hours, mark = spec.get("hours", 0), spec.get("pass_mark_percent", 50)
        if not isinstance(hours, int) or not 0 <= hours <= 2000:
            raise ValidationFailed(_("Module %(n)s: give its hours as a whole number.") % {"n": n}, field="modules")
        if not isinstance(mark, int) or not 0 < mark <= 100:
            raise ValidationFailed(_("Module %(n)s: the pass mark must be between 1%% and 100%%.") % {"n": n},
                                   field="modules")
        cleaned.append({"order": n, "title": clean_translations(spec.get("title"), field="modules"),
                        "hours": hours, "has_assessment": bool(spec.get("has_assessment", False)),
                        "pass_mark_percent": mark})
    return cleaned


def _clean_skills(skills: Iterable[tuple[str, int]] | Mapping[str, int]) -> list[tuple[Skill, int]]:
    wanted = dict(skills.items() if isinstance(skills, Mapping) else skills)
    found = {s.code: s for s in Skill.objects.filter(code__in=wanted, is_active=True)}
    unknown = sorted(set(wanted) - set(found))
    if unknown:
        raise ValidationFailed(_("Unknown skills: %(codes)s.") % {"codes": ", ".join(unknown)}, field="skills")
    bad = sorted(code for code, level in wanted.items() if level not in Level.values)
    if bad:
        raise ValidationFailed(_("Choose a level (basic, intermediate, advanced) for %(codes)s.")
                               % {"codes": ", ".join(bad)}, field="skills")
    return [(found[code], level) for code, level in wanted.items()]


def _set_modules(course: Course, modules: list[dict[str, Any]]) -> None:
    """Keep modules in place by position, so sessions and grades stay attached to theirs."""
    existing = list(course.modules.order_by("order", "pk"))
    for spec, module in zip(modules, existing, strict=False):
        Module.objects.filter(pk=module.pk).update(**spec)
    Module.objects.bulk_create([Module(course=course, **spec) for spec in modules[len(existing):]])
    extra = existing[len(modules):]
    graded = [m for m in extra if m.assessments.exists()]
    if graded:
        raise Conflict(_("“%(module)s” already has grades: keep it, or change its title instead.")
                       % {"module": graded[0]}, field="modules", code="module_graded")
    Module.objects.filter(pk__in=[m.pk for m in extra]).delete()


def _set_skills(course: Course, skills: list[tuple[Skill, int]]) -> None:
    CourseSkill.objects.filter(course=course).exclude(skill__in=[s for s, _level in skills]).delete()
    for skill, level in skills:
        CourseSkill.objects.update_or_create(course=course, skill=skill, defaults={"level": level})


@transaction.atomic
def create_course(*, actor: Principal | None, partner: Organisation, code: str, title: Mapping[str, str] | str,
                  modality: str = Modality.IN_PERSON, description: Mapping[str, str] | str | None = None,
                  modules: Sequence[Mapping[str, Any]] = (), skills: Iterable[tuple[str, int]] = (),
                  min_attendance_percent: int = 80, requires_assessments: bool = True,
                  duration_hours: int | None = None) -> Course:
    """A course with its modules (title, hours, assessed, pass mark) and the skills it teaches, with levels.

    The completion rule is the attendance share needed and whether every assessed module must be passed.
    The duration is the sum of the modules' hours unless given.
    """
    if partner.kind != Organisation.Kind.PARTNER:
        raise ValidationFailed(_("Courses belong to an implementing partner."), field="partner")
    _may_manage_courses(actor, partner.pk)
    code = (code or "").strip().lower()
    if not CODE.match(code) or len(code) > 60:
        raise ValidationFailed(_("Use lower-case letters, digits and hyphens for the code, e.g. basic-digital."),
                               field="code")
    if Course.objects.filter(partner=partner, code=code).exists():
        raise Conflict(_("There is already a course with the code “%(code)s”.") % {"code": code}, field="code",
                       code="course_exists")
    cleaned = _clean_modules(modules)
    hours = duration_hours if duration_hours is not None else sum(m["hours"] for m in cleaned)
    course = Course.objects.create(
        partner=partner, code=code, title=clean_translations(title, field="title"),
        description=clean_translations(description or {}, field="description", required=False),
        modality=_check_modality(modality), duration_hours=hours,
        min_attendance_percent=_check_rule(min_attendance_percent), requires_assessments=requires_assessments)
    _set_modules(course, cleaned)
    _set_skills(course, _clean_skills(skills))
    audit.record(actor=actor.user if actor else None, verb="course.created", obj=course, code=code,
                 modules=len(cleaned))
    return course


@transaction.atomic
def update_course(*, actor: Principal | None, course: Course, title: Mapping[str, str] | str | None = None,
                  description: Mapping[str, str] | str | None = None, modality: str | None = None,
                  modules: Sequence[Mapping[str, Any]] | None = None,
                  skills: Iterable[tuple[str, int]] | None = None, min_attendance_percent: int | None = None,
                  requires_assessments: bool | None = None, is_active: bool | None = None) -> Course:
    """Change what is given and leave the rest. Modules are matched by position; a graded module stays."""
    _may_manage_courses(actor, course.partner_id)
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = clean_translations(title, field="title")
    if description is not None:
        changes["description"] = clean_translations(description, field="description", required=False)
    if modality is not None:
        changes["modality"] = _check_modality(modality)
    if min_attendance_percent is not None:
        changes["min_attendance_percent"] = _check_rule(min_attendance_percent)
    if requires_assessments is not None:
        changes["requires_assessments"] = requires_assessments
    if is_active is not None:
        changes["is_active"] = is_active
    if modules is not None:
        cleaned = _clean_modules(modules)
        _set_modules(course, cleaned)
        changes["duration_hours"] = sum(m["hours"] for m in cleaned)
    if skills is not None:
        _set_skills(course, _clean_skills(skills))
    if changes:
        Course.objects.filter(pk=course.pk).update(**changes)
    audit.record(actor=actor.user if actor else None, verb="course.updated", obj=course,
                 fields=sorted(changes) + (["skills"] if skills is not None else []))
    course.refresh_from_db()
    return course


@transaction.atomic
def install_course_catalogue(*, partner: Organisation, actor: Principal | None = None) -> list[Course]:
    """Add the seed programmes' courses (data/courses.py) that the partner does not have yet; keeps theirs."""
    have = set(Course.objects.filter(partner=partner).values_list("code", flat=True))
    return [create_course(actor=actor, partner=partner, **spec) for spec in COURSES if spec["code"] not in have]


# --- cohorts -------------------------------------------------------------------------------------

def _may_manage_cohort_at(actor: Principal, partner_id: int, centre_id: int | None) -> None:
    if actor.is_superuser:
        return
    grants = actor.grants_with(Cap.MANAGE_COHORTS)
    if any(not g.is_centre and g.partner_id == partner_id for g in grants):
        return
    if centre_id is not None and any(g.is_centre and g.organisation_id == centre_id for g in grants):
        return
    if centre_id is None and any(g.is_centre and g.partner_id == partner_id for g in grants):
        raise PermissionDenied(_("Online cohorts are run by the partner's programme team; choose your centre."))
    raise PermissionDenied(_("You cannot run cohorts at this centre."))


def may_manage_cohort(actor: Principal, cohort: Cohort) -> bool:
    """Whether `actor` may schedule sessions, enrol people and change trainers in `cohort` (no query)."""
    try:
        _may_manage_cohort_at(actor, cohort.course.partner_id, cohort.centre_id)
    except PermissionDenied:
        return False
    return True


def _check_trainers(trainers: Sequence[Any], partner_id: int) -> list[Any]:
    if not trainers:
        return []
    org_ids = set(Organisation.objects.filter(pk=partner_id).values_list("pk", flat=True)) | set(
        Organisation.objects.filter(parent_id=partner_id, kind=Organisation.Kind.CENTRE).values_list("pk", flat=True))
    staff = set(Membership.objects.filter(user__in=trainers, organisation_id__in=org_ids, role__in=TRAINER_ROLES)
                .values_list("user_id", flat=True))
    outside = [t for t in trainers if t.pk not in staff]
    if outside:
        raise ValidationFailed(_("%(name)s is not a trainer or coordinator of this partner.")
                               % {"name": outside[0].full_name}, field="trainers")
    return list(trainers)


def _check_transport(transport: Money | None, programme: Programme, centre: Organisation | None) -> int:
    if transport is None:
        return 0
    if transport.currency != programme.currency:
        raise ValidationFailed(_("This programme pays in %(currency)s.") % {"currency": programme.currency},
                               field="transport", code="currency_mismatch")
    if transport.minor < 0:
        raise ValidationFailed(_("The transport stipend cannot be negative."), field="transport")
    if centre is None and transport.minor:
        raise ValidationFailed(_("An online cohort has no transport stipend."), field="transport")
    return transport.minor


@transaction.atomic
def create_cohort(*, actor: Principal, course: Course, programme: Programme, centre: Organisation | None,
                  name: str, starts_on: date, ends_on: date, capacity: int = 25, trainers: Sequence[Any] = (),
                  transport: Money | None = None) -> Cohort:
    """Run `course` for `programme` at `centre` (None: online), with trainers and a transport stipend per
    attended session in the programme's currency."""
    if centre is not None and (centre.kind != Organisation.Kind.CENTRE or centre.parent_id != course.partner_id):
        raise ValidationFailed(_("Choose one of this partner's centres."), field="centre")
    _may_manage_cohort_at(actor, course.partner_id, centre.pk if centre else None)
    if programme.partner_id != course.partner_id:
        raise ValidationFailed(_("The programme and the course must belong to the same partner."), field="programme")
    if not course.is_active:
        raise ValidationFailed(_("This course is no longer offered."), field="course")
    if not programme.is_active:
        raise ValidationFailed(_("This programme has ended."), field="programme")
    if centre is None and course.modality == Modality.IN_PERSON:
        raise ValidationFailed(_("This course is taught at a centre; choose one."), field="centre")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the cohort a name."), field="name")
    if ends_on < starts_on:
        raise ValidationFailed(_("A cohort cannot end before it starts."), field="ends_on")
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationFailed(_("Give between 1 and %(max)s places.") % {"max": MAX_CAPACITY}, field="capacity")
    rate = _check_transport(transport, programme, centre)
    chosen = _check_trainers(trainers, course.partner_id)
    cohort = Cohort.objects.create(course=course, programme=programme, centre=centre, name=name[:120],
                                   starts_on=starts_on, ends_on=ends_on, capacity=capacity, transport_rate=rate)
    cohort.trainers.set(chosen)
    audit.record(actor=actor.user, verb="cohort.created", obj=cohort, course=course.code,
                 centre=centre.pk if centre else None, transport=rate, trainers=[t.pk for t in chosen])
    return cohort


@transaction.atomic
def set_trainers(*, actor: Principal, cohort: Cohort, trainers: Sequence[Any]) -> Cohort:
    """Replace the cohort's trainers (they take its attendance)."""
    _may_manage_cohort_at(actor, cohort.course.partner_id, cohort.centre_id)
    chosen = _check_trainers(trainers, cohort.course.partner_id)
    cohort.trainers.set(chosen)
    audit.record(actor=actor.user, verb="cohort.trainers", obj=cohort, trainers=[t.pk for t in chosen])
    return cohort


# --- sessions ------------------------------------------------------------------------------------

def _session_modality(cohort: Cohort, modality: str | None) -> str:
    if modality is None:
        modality = Modality.ONLINE if cohort.centre_id is None or cohort.course.modality == Modality.ONLINE \
            else Modality.IN_PERSON
    if modality not in Modality.values:
        raise ValidationFailed(_("Choose at a centre, online or blended."), field="modality")
    if modality != Modality.ONLINE and cohort.centre_id is None:
        raise ValidationFailed(_("An online cohort meets online."), field="modality")
    return modality


def _check_link(link: str, modality: str) -> str:
    link = (link or "").strip()
    if link:
        try:
            URLValidator(schemes=["https", "http"])(link)
        except ValidationError:
            raise ValidationFailed(_("Give the full address of the online session, starting with https://."),
                                   field="link") from None
    return link[:200] if modality != Modality.IN_PERSON else ""


def _module_plan(cohort: Cohort, count: int) -> list[Module | None]:
    """Spread `count` sessions over the course's modules in order, in proportion to their hours."""
    modules = list(cohort.course.modules.order_by("order"))
    total = sum(m.hours for m in modules)
    if not modules or not total:
        return [None] * count
    plan: list[Module | None] = []
    bounds, running = [], 0
    for module in modules:
        running += module.hours
        bounds.append((running, module))
    for i in range(count):
        position = (i + 0.5) * total / count   # the middle of session i on the course's hour line
        plan.append(next(m for bound, m in bounds if position <= bound))
    return plan


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


@transaction.atomic
def generate_schedule(*, actor: Principal, cohort: Cohort, weekdays: Iterable[int], starts_at: time, ends_at: time,
                      count: int, first_day: date | None = None, modality: str | None = None,
                      link: str = "") -> list[Session]:
    """`count` sessions on the given weekdays (Monday 0) from `first_day` (default: the cohort's start),
    each from `starts_at` to `ends_at`, modules assigned in order. A session already at the same start
    counts as one of them, so generating the same schedule twice adds nothing."""
    _may_manage_cohort_at(actor, cohort.course.partner_id, cohort.centre_id)
    days = sorted({int(d) for d in weekdays})
    if not days or any(not 0 <= d <= 6 for d in days):
        raise ValidationFailed(_("Choose the days of the week the cohort meets."), field="weekdays")
    if ends_at <= starts_at:
        raise ValidationFailed(_("A session must end after it starts."), field="ends_at")
    if not isinstance(count, int) or not 1 <= count <= MAX_SESSIONS:
        raise ValidationFailed(_("Give between 1 and %(max)s sessions.") % {"max": MAX_SESSIONS}, field="count")
    modality = _session_modality(cohort, modality)
    link = _check_link(link, modality)
    day = max(first_day or cohort.starts_on, cohort.starts_on)
    dates: list[date] = []
    while len(dates) < count and day <= cohort.ends_on:
        if day.weekday() in days:
            dates.append(day)
        day += timedelta(days=1)
    if len(dates) < count:
        raise ValidationFailed(_("Only %(n)s sessions fit before the cohort ends on %(end)s.")
                               % {"n": len(dates), "end": cohort.ends_on.isoformat()}, field="count")
    existing = {s.starts_at: s for s in cohort.sessions.filter(starts_at__in=[_aware(d, starts_at) for d in dates])}
    sessions, new = [], []
    for d, module in zip(dates, _module_plan(cohort, count), strict=True):
        start = _aware(d, starts_at)
        if start in existing:
            sessions.append(existing[start])
            continue
        session = Session(cohort=cohort, module=module, starts_at=start, ends_at=_aware(d, ends_at),
                          modality=modality, link=link)
        sessions.append(session)
        new.append(session)
    Session.objects.bulk_create(new)
    audit.record(actor=actor.user, verb="cohort.scheduled", obj=cohort, added=len(new), weekdays=days,
                 first=dates[0].isoformat(), last=dates[-1].isoformat())
    return sessions


@transaction.atomic
def add_session(*, actor: Principal, cohort: Cohort, starts_at: datetime, ends_at: datetime,
                modality: str | None = None, module: Module | None = None, topic: str = "",
                link: str = "") -> Session:
    """One more session (a catch-up day, a field visit), within the cohort's dates."""
    _may_manage_cohort_at(actor, cohort.course.partner_id, cohort.centre_id)
    if ends_at <= starts_at:
        raise ValidationFailed(_("A session must end after it starts."), field="ends_at")
    if not cohort.starts_on <= timezone.localtime(starts_at).date() <= cohort.ends_on:
        raise ValidationFailed(_("The session must fall between the cohort's start and end."), field="starts_at")
    if module is not None and module.course_id != cohort.course_id:
        raise ValidationFailed(_("Choose one of this course's modules."), field="module")
    modality = _session_modality(cohort, modality)
    if cohort.sessions.filter(starts_at=starts_at).exists():
        raise Conflict(_("There is already a session at that time."), field="starts_at", code="session_exists")
    session = Session.objects.create(cohort=cohort, module=module, starts_at=starts_at, ends_at=ends_at,
                                     modality=modality, topic=(topic or "").strip()[:200],
                                     link=_check_link(link, modality))
    audit.record(actor=actor.user, verb="session.added", obj=session, cohort=cohort.pk)
    return session
