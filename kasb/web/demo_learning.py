"""The demo's learning pathway, from call to certificate, built only through the outreach and training services.

What it makes (dates relative to the day the demo is loaded, so the same screens work whenever it is):

- every partner: the course catalogue and the digital-literacy placement test (bands → basic, microwork,
  an advanced track);
- B.O.T. (Jordan): an earlier call, closed and selected, whose applicants took the test and went to a
  basic course in Zaatari camp or the online microwork module, both finished, with completions,
  certificates (one revoked), drop-outs and a returned laptop; an open call for Mafraq and Zarqa with
  forty applications, test results across the bands, motivation ratings, decisions with reasons, the
  targets filled automatically and the selected offered places in three cohorts that start soon; a
  running microwork cohort in Mafraq with rosters, transport stipends, grades, at-risk learners, a
  drop-out, a laptop on loan and a session today for the demo trainer; a training-of-trainers cohort
  that certified the demo trainer and coordinators;
- Pamir Innovation Hub (Tajikistan): Start and Improve Your Business for women in Khorog, finished;
- GoMyCode (Tunisia): web development in Tunis, running, with tuition paid and a laptop back damaged.

The demo participant (Rahaf) applied to the earlier call, took the test, finished the Zaatari course
with a certificate and is now active in the Mafraq cohort, whose next session is today.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import phonenumbers
from django.utils import timezone

from kasb.accounts.models import User
from kasb.core.money import Money
from kasb.core.permissions import Principal
from kasb.orgs.models import Area, Organisation, Programme
from kasb.orgs.queries import principal_for_user
from kasb.outreach import services as outreach
from kasb.outreach.models import Application, Call
from kasb.participants.models import Participant
from kasb.training.models import Attendance, Certificate, Cohort, Course, Enrolment, PlacementTest, Session, TestItem
from kasb.training.services import attendance, certificates, courses, placement, support
from kasb.training.services.enrolment import move_enrolment, offer_place

from . import demo_data
from .demo_data import BOT, DEMO_DOMAIN, GMC, PIH, ZAATARI

SEED = demo_data.SEED + 10
MAFRAQ, ZARQA, KHOROG, TUNIS = ("Mafraq Community Centre", "Zarqa Makani Centre", "Impact Hub Khorog",
                                "GoMyCode Tunis (Lac)")
# Links in the messages applicants get point at the demo server `kasb demo` starts.
BASE_URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
ADVANCED = {BOT: "web-development", PIH: "digital-accounting", GMC: "web-development"}
# The month names Jordan uses in Arabic.
ARABIC_MONTHS = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول",
                 "تشرين الثاني", "كانون الأول")
S = Enrolment.Status


# ---------------------------------------------------------------------------------------------
# Who applies (no database): a reproducible crowd of applicants
# ---------------------------------------------------------------------------------------------

MOTIVATIONS = {
    "ar": ("أنهيت الثانوية قبل سنتين ولم أجد عملاً. أريد أن أتعلم العمل عبر الإنترنت لأساعد عائلتي.",
           "لا أستطيع العمل خارج المخيم، والعمل الرقمي يسمح لي بالعمل من البيت.",
           "أحب الحاسوب وأريد أن أتعلم إدخال البيانات والتصميم حتى أجد عملاً.",
           "أنا أم لطفلين وأحتاج إلى دخل. سمعت أن الدورة تعلّم العمل على منصات الإنترنت.",
           "درست المحاسبة في الجامعة لكن لا أعرف البرامج الحديثة. أريد أن أطوّر مهاراتي.",
           "أريد أن أتعلم كيف أستخدم المحفظة الإلكترونية وأحصل على أجري بأمان."),
    "en": ("I finished secondary school two years ago and have not found work. I want to learn to work online "
           "so that I can help my family.",
           "I studied accounting but I do not know the software employers use. I want a skill I can be paid for.",
           "I already do some freelance typing for a shop in town. I want to learn to do it properly and find "
           "more clients."),
}


@dataclass(frozen=True)
class Applicant:
    """One person applying to a demo call, and how well they will do on the placement test."""

    data: dict[str, Any]
    language: str
    ability: float          # share of questions they get right, before difficulty
    takes_test: bool = True
    finishes_test: bool = True


def _date_of_birth(rng: random.Random, age: int, on: date) -> date:
    """Someone who is `age` on `on` (their birthday one to eleven months before it)."""
    return date(on.year - age, on.month, min(on.day, 28)) - timedelta(days=rng.randint(30, 330))


def _phone(rng: random.Random, taken: set[Any]) -> str:
    """A Jordanian mobile number nobody in the demo has yet."""
    while True:
        prefix = rng.choice(demo_data.PHONE_PREFIXES["JO"])
        phone = prefix + "".join(rng.choice(demo_data.DIGITS) for _ in range(13 - len(prefix)))
        if phone not in taken and phonenumbers.is_valid_number(phonenumbers.parse(phone)):
            taken.add(phone)
            return phone


def _applicant(rng: random.Random, *, nationality: str, sex: str, age: int, on: date, area: str,
               centre: Organisation | None, course: Course | None, channels: Sequence[str],
               taken: set[Any]) -> dict[str, Any]:
    nation = demo_data.NATIONS[nationality]
    while True:
        given = rng.choice(nation.female if sex == "female" else nation.male)
        family = rng.choice(nation.family)
        born = _date_of_birth(rng, age, on)
        phone = _phone(rng, taken)
        key = (given.casefold(), family.casefold(), born)
        if key not in taken:
            taken.add(key)
            break
    refugee = nationality != "JO"
    disability = {f"disability_{d}": 1 for d in demo_data.WG}
    if rng.random() < 0.1:
        disability[f"disability_{rng.choice(demo_data.WG)}"] = 3
    return {
        "given_name": given, "family_name": family, "sex": sex, "date_of_birth": born, "phone": phone,
        "email": f"{_plain(given)}.{_plain(family)}{rng.randint(1, 99)}@example.org" if rng.random() < 0.2 else "",
        "nationality": nationality, "displacement_status": "refugee" if refugee else "host_community",
        "area": area, "education": rng.choice(("lower_secondary", "upper_secondary", "upper_secondary",
                                               "vocational", "university")),
        "neet": rng.random() < 0.75, "female_headed_household": rng.random() < 0.15,
        "device_access": rng.choice(("shared_phone", "smartphone", "smartphone", "computer")),
        "connectivity": rng.choice(("mobile_data", "mobile_data", "home", "centre")),
        "preferred_centre": centre, "preferred_course": course,
        "heard_via": rng.choice(channels) if rng.random() < 0.8 else rng.choice(("friend", "centre")),
        "consent_registration": True, "consent_contact": True, "consent_monitoring": rng.random() < 0.9,
        **disability,
    }


def _plain(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())


def _taken_by_registry(year: int) -> set[Any]:
    people = demo_data.people(year)
    return ({p["phone"] for p in people if p["phone"]}
            | {(p["given_name"].casefold(), p["family_name"].casefold(), p["date_of_birth"]) for p in people})


def featured_application(year: int, centre: Organisation, course: Course) -> dict[str, Any]:
    """The demo participant's own application, with the answers of her registration."""
    keep = ("given_name", "family_name", "sex", "date_of_birth", "phone", "nationality", "displacement_status",
            "education", "neet", "female_headed_household", "device_access", "connectivity",
            "consent_registration", "consent_contact", "consent_monitoring")
    data = {k: v for k, v in demo_data.featured(year).items() if k in keep or k.startswith("disability_")}
    return {**data, "area": "JO-MA", "preferred_centre": centre, "preferred_course": course, "heard_via": "centre",
            "motivation": "أريد أن أتعلم استخدام الحاسوب والإنترنت، ثم العمل الرقمي لأعيل أسرتي من المخيم."}


def crowd(rng: random.Random, count: int, *, on: date, places: Sequence[tuple[str, Organisation | None, float]],
          courses_offered: Sequence[Course], channels: Sequence[str], ages: tuple[int, int],
          taken: set[Any]) -> list[Applicant]:
    """`count` applicants; `places` is (area code, preferred centre, weight)."""
    people = []
    for _n in range(count):
        area, centre, _w = rng.choices(places, weights=[w for *_rest, w in places])[0]
        in_camp = centre is not None and centre.in_camp
        nationality = "SY" if in_camp else rng.choices(("JO", "SY", "IQ"), weights=(45, 48, 7))[0]
        sex = "female" if rng.random() < 0.68 else "male"
        age = rng.randint(*ages)
        language = "ar" if rng.random() < 0.85 else "en"
        data = _applicant(rng, nationality=nationality, sex=sex, age=age, on=on, area=area, centre=centre,
                          course=rng.choice([*courses_offered, None]), channels=channels, taken=taken)
        data["motivation"] = rng.choice(MOTIVATIONS[language])
        roll = rng.random()
        people.append(Applicant(data, language, ability=rng.uniform(0.15, 0.97), takes_test=roll < 0.82,
                                finishes_test=roll < 0.77))
    return people


def answers_for(items: Sequence[TestItem], ability: float, rng: random.Random) -> dict[str, Any]:
    """Plausible answers: right more often on easy items; typing copied well, with a slip, or half done."""
    answers: dict[str, Any] = {}
    for item in items:
        chance = ability - 0.12 * (item.difficulty - 1)
        if rng.random() < 0.05 + (1 - ability) * 0.1:
            continue  # left unanswered
        right = rng.random() < chance
        if item.kind == TestItem.Kind.TYPING:
            text = item.typing_text
            slip = rng.randrange(len(text))
            answers[str(item.pk)] = (text if rng.random() < 0.6 else text[:slip] + text[slip + 1:]) if right \
                else text[: len(text) // 2]
        else:
            count = placement.choice_count(item)
            wrong = [i for i in range(count) if i != item.correct_choice]
            answers[str(item.pk)] = item.correct_choice if right else rng.choice(wrong)
    return answers


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LearningSummary:
    calls: int
    applications: int
    tests: int                  # placement-test attempts submitted
    cohorts: int
    enrolments: int
    sessions_marked: int        # rosters saved
    stipends: int               # transport stipends paid (net of corrections)
    certificates: int
    revoked: int
    today_sessions: int


@dataclass
class Ctx:
    """What the steps share."""

    organisations: dict[str, Organisation]
    registered: list[Participant]
    registrations: list[dict[str, Any]]
    staff: dict[str, Principal]
    users: dict[str, User]
    programmes: dict[str, Programme] = field(default_factory=dict)
    courses: dict[tuple[str, str], Course] = field(default_factory=dict)
    tests: dict[str, PlacementTest] = field(default_factory=dict)
    today: date = field(default_factory=timezone.localdate)
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    rosters: int = 0
    # The money demo's workers: its transport payments already cover them, so cohorts with stipends skip them.
    workers: dict[str, list[int]] = field(default_factory=dict)

    def course(self, partner: str, code: str) -> Course:
        return self.courses[(partner, code)]

    def at(self, days: int, hour: int = 10, minute: int = 0) -> datetime:
        """A moment `days` from today (negative: in the past), local time."""
        return timezone.make_aware(datetime.combine(self.today + timedelta(days=days), time(hour, minute)))

    def month(self, days: int, language: str = "en") -> str:
        day = self.today + timedelta(days=days)
        names = ARABIC_MONTHS if language == "ar" else demo_data.MONTH_NAMES
        return f"{names[day.month - 1]} {day.year}"


def load(*, organisations: dict[str, Organisation], registered: list[Participant],
         registrations: list[dict[str, Any]]) -> LearningSummary:
    """Build the learning demo (inside demo.load's transaction, after the money)."""
    users = {(u.email or "").split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")}
    ctx = Ctx(organisations=organisations, registered=registered, registrations=registrations,
              staff={local: principal_for_user(user) for local, user in users.items()}, users=users)
    ctx.programmes = {p.partner.name: p for p in Programme.objects.select_related("partner")}
    ctx.workers = demo_data.money_plan(ctx.today.year, ctx.today).workers
    _catalogues(ctx)
    _training_of_trainers(ctx)
    _earlier_call(ctx)
    _running_cohort_mafraq(ctx)
    _open_call(ctx)
    _khorog(ctx)
    _tunis(ctx)
    ours = Cohort.objects.filter(programme__in=ctx.programmes.values())
    return LearningSummary(
        calls=Call.objects.count(), applications=Application.objects.count(),
        tests=sum(t.attempts.filter(submitted_at__isnull=False).count() for t in ctx.tests.values()),
        cohorts=ours.count(), enrolments=Enrolment.objects.filter(cohort__in=ours).count(), sessions_marked=ctx.rosters,
        stipends=Attendance.objects.filter(session__cohort__in=ours, stipend_transaction_id__isnull=False).count(),
        certificates=Certificate.objects.count(), revoked=Certificate.objects.filter(revoked_at__isnull=False).count(),
        today_sessions=Session.objects.filter(cohort__trainers=ctx.users["trainer"], starts_at__date=ctx.today).count())


def _catalogues(ctx: Ctx) -> None:
    """Each partner's course catalogue and its digital-literacy test, bands pointing at its courses."""
    for name in (BOT, PIH, GMC):
        partner = ctx.organisations[name]
        for course in courses.install_course_catalogue(partner=partner):
            ctx.courses[(name, course.code)] = course
        bands = {"basic": ctx.course(name, "basic-digital-skills"), "microwork": ctx.course(name, "microwork"),
                 "advanced": ctx.course(name, ADVANCED[name])}
        ctx.tests[name] = placement.install_digital_literacy_test(partner=partner, courses=bands)


# --- cohorts, sessions and rosters ----------------------------------------------------------------

def _cohort(ctx: Ctx, actor: str, partner: str, code: str, centre: str | None, name: str, start: int, end: int, *,
            weekdays: Iterable[int], count: int, hours: tuple[int, int] = (10, 13), transport: str = "",
            trainers: Sequence[str] = (), capacity: int = 25) -> tuple[Cohort, list[Session]]:
    programme = ctx.programmes[partner]
    cohort = courses.create_cohort(
        actor=ctx.staff[actor], course=ctx.course(partner, code), programme=programme,
        centre=ctx.organisations[centre] if centre else None, name=name, starts_on=ctx.today + timedelta(days=start),
        ends_on=ctx.today + timedelta(days=end), capacity=capacity, trainers=[ctx.users[t] for t in trainers],
        transport=Money.parse(transport, programme.currency) if transport else None)
    sessions = courses.generate_schedule(actor=ctx.staff[actor], cohort=cohort, weekdays=weekdays,
                                         starts_at=time(hours[0]), ends_at=time(hours[1]), count=count)
    return cohort, sessions


@dataclass(frozen=True)
class Pattern:
    """How one learner attends: absent now and then; gone after `drops_at` (with why); or fading at the end."""

    misses: float = 0.07
    drops_at: int | None = None
    reason: tuple[str, str] = ("", "")     # (drop-out reason code, what they told the coordinator)
    fades: bool = False                    # misses the last two sessions held (flagged at risk)


def _accept_all(ctx: Ctx, actor: str, enrolments: Iterable[Enrolment], reason: str = "Accepted by phone") -> None:
    for enrolment in enrolments:
        move_enrolment(actor=ctx.staff[actor], enrolment=enrolment, to=S.ACCEPTED, reason=reason)


def _hold_sessions(ctx: Ctx, trainer: str, coordinator: str, sessions: Sequence[Session],
                   learners: dict[int, Pattern], until: date) -> None:
    """Save the roster of every session before `until`, in order, as the trainer would; record drop-outs."""
    held = [s for s in sessions if timezone.localtime(s.starts_at).date() < until]
    for number, session in enumerate(held):
        for pk, pattern in learners.items():
            if pattern.drops_at == number:
                move_enrolment(actor=ctx.staff[coordinator], enrolment=Enrolment.objects.get(pk=pk), to=S.DROPPED,
                               dropout_reason=pattern.reason[0], reason=pattern.reason[1])
        present = []
        for pk, pattern in learners.items():
            if pattern.drops_at is not None and number >= pattern.drops_at - 2:
                continue  # stopped coming before they told anyone
            if pattern.fades and number >= len(held) - 2:
                continue
            if number and ctx.rng.random() < pattern.misses:
                continue
            present.append(pk)
        result = attendance.save_roster(actor=ctx.staff[trainer], session=session, present_ids=present)
        if result.unpaid or result.not_reversed:
            raise RuntimeError(f"The demo's stipends for {session} could not all be paid: {result.unpaid}")
        ctx.rosters += 1


def _grade(ctx: Ctx, trainer: str, cohort: Cohort, *, low: dict[int, int] | None = None,
           until: datetime | None = None) -> None:
    """Grade the assessed modules whose sessions are over: most pass; `low` gives someone's score."""
    for module in cohort.course.modules.filter(has_assessment=True).order_by("order"):
        last = cohort.sessions.filter(module=module).order_by("-starts_at").first()
        if until is not None and (last is None or last.starts_at >= until):
            continue
        active = cohort.enrolments.filter(status=S.ACTIVE).order_by("pk")
        scores = {e.pk: (low or {}).get(e.pk, ctx.rng.randint(max(module.pass_mark_percent, 55), 98)) for e in active}
        attendance.record_assessments(actor=ctx.staff[trainer], module=module, cohort=cohort, scores=scores)


def _complete(ctx: Ctx, actor: str, cohort: Cohort) -> list[Certificate]:
    """Complete every active enrolment that meets the course's rule (the rest keep their reasons on screen)."""
    active = list(cohort.enrolments.filter(status=S.ACTIVE).order_by("pk"))
    statuses = certificates.completion_statuses(active)
    return [certificates.complete_enrolment(actor=ctx.staff[actor], enrolment=e) for e in active
            if statuses[e.pk].meets_rule]


def _people_at(ctx: Ctx, centre: str, count: int, *, women_only: bool = False, skip: Iterable[int] = ()) -> list[int]:
    """`count` adults registered at `centre` (indices into the registry), the same ones every time."""
    year = ctx.today.year
    skipped = set(skip)
    pool = [i for i, p in enumerate(ctx.registrations)
            if i and i not in skipped and p["centre"] == centre and year - p["date_of_birth"].year >= 19
            and (p["sex"] == "female" or not women_only)]
    return sorted(ctx.rng.sample(pool, count))


def _offer(ctx: Ctx, actor: str, cohort: Cohort, people: Iterable[int], reason: str) -> list[Enrolment]:
    return [offer_place(actor=ctx.staff[actor], cohort=cohort, participant=ctx.registered[i], reason=reason)
            for i in people]


# --- training of trainers -------------------------------------------------------------------------

def _training_of_trainers(ctx: Ctx) -> None:
    """Staff learn to teach the microwork module online; the demo trainer and two coordinators are certified."""
    cohort, sessions = _cohort(ctx, "manager", BOT, "microwork", None,
                               f"Training of trainers: the microwork module · {ctx.month(-150)}", -150, -133,
                               weekdays=(6, 1, 3), count=6, hours=(16, 19), trainers=["manager"], capacity=12)
    learners = []
    for local in ("trainer", "coordinator", "coordinator.azraq"):
        enrolment = offer_place(actor=ctx.staff["manager"], cohort=cohort, staff=ctx.users[local],
                                reason="Trainers and coordinators teach the microwork module from this year")
        move_enrolment(actor=ctx.staff[local], enrolment=enrolment, to=S.ACCEPTED, reason="Accepted by the learner")
        learners.append(enrolment.pk)
    # The demo trainer came to every session; the others missed one now and then.
    patterns = {pk: Pattern(misses=0.0 if n == 0 else 0.08) for n, pk in enumerate(learners)}
    _hold_sessions(ctx, "manager", "manager", sessions, patterns, until=ctx.today)
    _grade(ctx, "manager", cohort)
    _complete(ctx, "manager", cohort)


# --- the earlier call: selected, trained, certified ----------------------------------------------

def _submit(call: Call, person: Applicant, at: datetime) -> Application:
    return outreach.submit_application(call=call, data=person.data, language=person.language, now=at,
                                       base_url=BASE_URL)


def _take_test(ctx: Ctx, test: PlacementTest, application: Application, answers: dict[str, Any], at: datetime) -> None:
    attempt = placement.start_attempt(test=test, applicant_token=application.token, language=application.language,
                                      now=at)
    placement.submit_attempt(attempt=attempt, answers=answers, now=at + timedelta(minutes=ctx.rng.randint(9, 22)))


def _earlier_call(ctx: Ctx) -> None:
    """Applied ~4 months ago; the camp residents took the basic course in Zaatari, the others the online
    microwork module; both cohorts have finished."""
    zaatari = ctx.organisations[ZAATARI]
    basic, microwork = ctx.course(BOT, "basic-digital-skills"), ctx.course(BOT, "microwork")
    test = ctx.tests[BOT]
    call = outreach.create_call(actor=ctx.staff["manager"], spec=outreach.CallSpec(
        programme=ctx.programmes[BOT], slug=f"digital-skills-{(ctx.today - timedelta(days=130)):%Y-%m}",
        title={"en": f"Digital skills and microwork: {ctx.month(-130)} intake",
               "ar": f"المهارات الرقمية والعمل الرقمي المصغّر: دفعة {ctx.month(-130, 'ar')}"},
        description={"en": "A basic digital skills course at the Makani centre in Zaatari camp, and the microwork "
                           "module online for those who already know the basics.",
                     "ar": "دورة المهارات الرقمية الأساسية في مركز مكاني في مخيم الزعتري، ووحدة العمل الرقمي "
                           "المصغّر عبر الإنترنت لمن يعرف الأساسيات."},
        opens_on=ctx.today - timedelta(days=130), closes_on=ctx.today - timedelta(days=110), places=16,
        courses=[basic, microwork], centres=[zaatari], min_age=16, max_age=32, placement_test=test,
        channels=["radio", "whatsapp", "centre"], vulnerability_points={"women": 10, "refugees": 10, "disability": 15,
                                                                         "female_headed": 5},
        targets={"women": 60, "refugees": 50}))
    manager, coordinator = ctx.staff["manager"], ctx.staff["coordinator"]
    outreach.open_call(actor=manager, call=call, now=ctx.at(-130, 8))
    taken = _taken_by_registry(ctx.today.year)
    people = crowd(ctx.rng, 10, on=call.closes_on, places=[("JO-MA", zaatari, 1)], courses_offered=[basic],
                   channels=call.channels, ages=(17, 30), taken=taken)
    people += [replace(p, ability=max(p.ability, 0.55), finishes_test=True) for p in crowd(
        ctx.rng, 12, on=call.closes_on, places=[("JO-IR", None, 3), ("JO-AM", None, 3), ("JO-MA", None, 2)],
        courses_offered=[microwork], channels=call.channels, ages=(18, 30), taken=taken)]
    items = placement.active_items(test)
    rahaf = _submit(call, Applicant(featured_application(ctx.today.year, zaatari, basic), "ar", 0.3),
                    ctx.at(-127, 11))
    # She knows a third of it: a clear "basic digital skills" result.
    _take_test(ctx, test, rahaf, {str(item.pk): item.correct_choice if n % 3 == 0 else None
                                  for n, item in enumerate(items) if item.kind == TestItem.Kind.CHOICE},
               ctx.at(-126, 15))
    applications = []
    for n, person in enumerate(people):
        application = _submit(call, person, ctx.at(-129 + n % 18, 9 + n % 10))
        applications.append(application)
        _take_test(ctx, test, application, answers_for(items, person.ability, ctx.rng), ctx.at(-128 + n % 18, 18))
    # One retake after the fourteen days the test asks for: the better result counts.
    _take_test(ctx, test, applications[2], answers_for(items, 0.8, ctx.rng), ctx.at(-111, 19))
    outreach.close_call(actor=manager, call=call, now=ctx.at(-110, 23))
    for application in [rahaf, *applications]:
        outreach.rate_motivation(actor=coordinator, application=application, rating=ctx.rng.choice((2, 3, 3, 4, 4, 5)))
    outreach.reject_application(actor=coordinator, application=applications[-1], notify_applicant=False,
                                reason="Already finished the B.O.T. basic course in Irbid last year; told about the "
                                       "advanced track instead.")
    result = outreach.fill_targets(actor=coordinator, call=call)
    if rahaf not in result.selected:
        raise RuntimeError("The demo participant should be selected by fill_targets; the demo's plan is wrong.")
    for application in Application.objects.filter(call=call, status=Application.Status.SUBMITTED).order_by("-score"):
        outreach.waitlist_application(actor=coordinator, application=application,
                                      reason="All places are taken; next in line if one opens.")
    # A selected applicant found work before the course began: her place goes to the waiting list.
    leaving = next(a for a in result.selected if a != rahaf)
    outreach.withdraw_application(actor=coordinator, application=leaving, base_url=BASE_URL,
                                  reason="Told us by phone they found work in a shop in Mafraq.")
    outreach.finish_selection(actor=manager, call=call, now=ctx.at(-108))
    _earlier_cohorts(ctx, call)


def _earlier_cohorts(ctx: Ctx, call: Call) -> None:
    camp, _ = _cohort(ctx, "coordinator", BOT, "basic-digital-skills", ZAATARI,
                      f"Basic digital skills · Zaatari camp · {ctx.month(-100)}", -100, -70, weekdays=(6, 1, 3),
                      count=12, trainers=["coordinator"], capacity=16)
    online, _ = _cohort(ctx, "manager", BOT, "microwork", None, f"Microwork module · online · {ctx.month(-95)}",
                        -95, -60, weekdays=(0, 2), count=8, hours=(17, 19), trainers=["trainer"], capacity=20)
    for application in Application.objects.filter(call=call, status=Application.Status.SELECTED).order_by("pk"):
        in_camp = application.preferred_centre_id == ctx.organisations[ZAATARI].pk
        outreach.enrol_selected(actor=ctx.staff["coordinator" if in_camp else "manager"], application=application,
                                cohort=camp if in_camp else online, base_url=BASE_URL)
    rahaf = ctx.registered[0]  # the demo participant: her application found her record
    offered = list(camp.enrolments.exclude(participant=rahaf).order_by("pk"))
    ctx.rng.shuffle(offered)
    _accept_all(ctx, "coordinator", offered[1:])
    move_enrolment(actor=ctx.staff["coordinator"], enrolment=offered[0], to=S.NO_SHOW,
                   reason="Married and moved to Irbid before the course began.")
    own = Enrolment.objects.get(cohort=camp, participant=rahaf)
    move_enrolment(actor=ctx.staff["participant"], enrolment=own, to=S.ACCEPTED, reason="Accepted by the learner")
    _accept_all(ctx, "manager", online.enrolments.order_by("pk"))
    camp_learners = [e.pk for e in camp.enrolments.filter(status=S.ACCEPTED).exclude(
        participant=rahaf).order_by("pk")]
    patterns = {pk: Pattern() for pk in camp_learners}
    patterns[own.pk] = Pattern(misses=0.04)
    patterns[camp_learners[1]] = Pattern(drops_at=6, reason=("care", "Her mother is ill; she looks after her "
                                                                      "younger brothers."))
    patterns[camp_learners[3]] = Pattern(misses=0.35)  # will not reach the attendance needed
    _hold_sessions(ctx, "coordinator", "coordinator", list(camp.sessions.order_by("starts_at")), patterns, ctx.today)
    online_learners = [e.pk for e in online.enrolments.order_by("pk")]
    patterns = {pk: Pattern(misses=0.1) for pk in online_learners}
    patterns[online_learners[0]] = Pattern(drops_at=5, reason=("work", "Started full-time work at a call centre."))
    patterns[online_learners[2]] = Pattern(drops_at=4, reason=("connectivity", "No internet at home since moving."))
    _hold_sessions(ctx, "trainer", "manager", list(online.sessions.order_by("starts_at")), patterns, ctx.today)
    _grade(ctx, "coordinator", camp, low={camp_learners[5]: 45})
    _grade(ctx, "trainer", online)
    _complete(ctx, "coordinator", camp)
    issued = _complete(ctx, "manager", online)
    certificates.revoke_certificate(actor=ctx.staff["manager"], certificate=issued[-1],
                                    reason="Issued in error: the data-entry grade was another learner's. "
                                           "Re-assessment booked.")
    # A laptop lent for the course came back in good condition.
    learner = Enrolment.objects.filter(cohort=camp, status=S.COMPLETED).exclude(
        participant=rahaf).select_related("participant").first()
    assert learner is not None and learner.participant is not None
    loan = support.lend_equipment(actor=ctx.staff["coordinator"], participant=learner.participant,
                                  programme=ctx.programmes[BOT], device="Lenovo IdeaPad 3 laptop",
                                  serial_number="PF2WK7QZ", condition="good", issued_on=ctx.today - timedelta(days=99))
    support.return_equipment(actor=ctx.staff["coordinator"], loan=loan, condition="good",
                             returned_on=ctx.today - timedelta(days=70))


# --- the running cohort in Mafraq: the demo trainer's roster today ------------------------------

def _running_cohort_mafraq(ctx: Ctx) -> None:
    """The microwork module in Mafraq, half-way: the demo participant is in it, and its trainer has a session today."""
    cohort, sessions = _cohort(ctx, "manager", BOT, "microwork", MAFRAQ,
                               f"Microwork module · Mafraq · {ctx.month(-17)}", -17, 30, weekdays=(6, 1, 3),
                               count=18, transport="2.500", trainers=["trainer"], capacity=16)
    if not any(timezone.localtime(s.starts_at).date() == ctx.today for s in sessions):
        # Jordan trains Sunday to Thursday; on other days the trainer runs a catch-up session.
        courses.add_session(actor=ctx.staff["manager"], cohort=cohort, starts_at=ctx.at(0, 10), ends_at=ctx.at(0, 13),
                            topic="Catch-up and practice: data entry tasks")
    sessions = list(cohort.sessions.order_by("starts_at"))
    rahaf = ctx.registered[0]
    enrolment = offer_place(actor=ctx.staff["manager"], cohort=cohort, participant=rahaf,
                            reason="Completed basic digital skills in Zaatari; ready for the microwork module.")
    move_enrolment(actor=ctx.staff["participant"], enrolment=enrolment, to=S.ACCEPTED, reason="Accepted by the learner")
    busy = set(ctx.workers[BOT])
    people = _people_at(ctx, MAFRAQ, 5, skip=busy) + _people_at(ctx, "Zarqa Makani Centre", 4, skip=busy) \
        + _people_at(ctx, ZAATARI, 3, skip=busy)
    offered = _offer(ctx, "manager", cohort, people, "Placed in the microwork module after the basic course.")
    _accept_all(ctx, "manager", offered[:-1])
    move_enrolment(actor=ctx.staff["manager"], enrolment=offered[-1], to=S.NO_SHOW,
                   reason="Found seasonal work on a farm in the Jordan Valley.")
    learners = [enrolment.pk] + [e.pk for e in offered[:-1]]
    patterns = {pk: Pattern() for pk in learners}
    patterns[learners[0]] = Pattern(misses=0.04)
    patterns[learners[2]] = Pattern(drops_at=4, reason=("transport", "The bus from her village to Mafraq stopped "
                                                                      "running; the stipend does not cover a taxi."))
    patterns[learners[4]] = Pattern(drops_at=6, reason=("care", "Looks after her newborn daughter."))
    patterns[learners[6]] = Pattern(fades=True)
    patterns[learners[9]] = Pattern(fades=True, misses=0.15)
    _hold_sessions(ctx, "trainer", "manager", sessions, patterns, ctx.today)
    # The trainer ticked the wrong name three sessions ago and corrects it: that stipend is reversed.
    corrected = [s for s in sessions if timezone.localtime(s.starts_at).date() < ctx.today][-3]
    present = set(Attendance.objects.filter(session=corrected, present=True).values_list("enrolment_id", flat=True))
    wrong = next(pk for pk in learners[1:] if pk in present)
    attendance.save_roster(actor=ctx.staff["trainer"], session=corrected, present_ids=present - {wrong})
    _grade(ctx, "trainer", cohort, until=ctx.at(0, 0))
    learner = Enrolment.objects.select_related("participant").get(pk=learners[3])
    assert learner.participant is not None
    support.lend_equipment(actor=ctx.staff["manager"], participant=learner.participant, programme=ctx.programmes[BOT],
                           device="Lenovo IdeaPad 3 laptop", serial_number="PF2WK8BN", condition="good",
                           issued_on=ctx.today - timedelta(days=22))


# --- the open call: Mafraq and Zarqa ----------------------------------------------------------------

def _open_call(ctx: Ctx) -> Call:
    mafraq, zarqa, zaatari = (ctx.organisations[n] for n in (MAFRAQ, ZARQA, ZAATARI))
    basic, microwork = ctx.course(BOT, "basic-digital-skills"), ctx.course(BOT, "microwork")
    manager, coordinator = ctx.staff["manager"], ctx.staff["coordinator"]
    call = outreach.create_call(actor=manager, spec=outreach.CallSpec(
        programme=ctx.programmes[BOT], slug=f"mafraq-zarqa-{ctx.today:%Y-%m}",
        title={"en": "Digital skills for young people in Mafraq and Zarqa",
               "ar": "المهارات الرقمية للشباب في المفرق والزرقاء"},
        description={"en": "Free basic digital skills and microwork training at our centres in Mafraq, Zarqa and "
                           "Zaatari camp, three mornings a week, with transport paid. For young women and men "
                           "aged 16 to 30; refugees and people with a disability are very welcome.",
                     "ar": "تدريب مجاني على المهارات الرقمية الأساسية والعمل الرقمي المصغّر في مراكزنا في المفرق "
                           "والزرقاء ومخيم الزعتري، ثلاثة صباحات في الأسبوع، مع بدل مواصلات. للشابات والشباب من عمر "
                           "16 إلى 30 عاماً؛ نرحب باللاجئين والأشخاص ذوي الإعاقة."},
        opens_on=ctx.today - timedelta(days=10), closes_on=ctx.today + timedelta(days=14), places=24,
        courses=[basic, microwork], centres=[mafraq, zarqa, zaatari], min_age=16, max_age=30,
        areas=list(Area.objects.filter(code__in=["JO-MA", "JO-AZ"])), placement_test=ctx.tests[BOT],
        channels=["flyer", "social_media", "whatsapp"], weights={"motivation": 4, "test": 40},
        vulnerability_points={"women": 10, "refugees": 10, "disability": 15, "minors": 5, "female_headed": 5},
        targets={"women": 60, "refugees": 40, "disability": 10}))
    outreach.open_call(actor=manager, call=call, now=ctx.at(-10, 8))
    taken = _taken_by_registry(ctx.today.year) | _taken_by_earlier_call(ctx)
    people = crowd(ctx.rng, 39, on=call.closes_on,
                   places=[("JO-MA", mafraq, 4), ("JO-AZ", zarqa, 4), ("JO-MA", zaatari, 2)],
                   courses_offered=[basic, microwork], channels=call.channels, ages=(16, 29), taken=taken)
    for n in (7, 19):  # started the test, then lost their connection half-way
        people[n] = replace(people[n], takes_test=True, finishes_test=False)
    # The same person applying again from a relative's phone: flagged as a possible duplicate.
    twin = dict(people[4].data, phone=_phone(ctx.rng, taken), heard_via="friend")
    people.append(Applicant(twin, people[4].language, people[4].ability, takes_test=False))
    items = placement.active_items(ctx.tests[BOT])
    applications = []
    for n, person in enumerate(people):
        day = -9 + n * 9 // len(people)
        application = _submit(call, person, ctx.at(day, 8 + n % 13, (7 * n) % 60))
        applications.append(application)
        if person.takes_test:
            attempt = placement.start_attempt(test=ctx.tests[BOT], applicant_token=application.token,
                                              language=application.language, now=ctx.at(day, 21))
            if person.finishes_test:  # the others lost their connection half-way
                placement.submit_attempt(attempt=attempt, answers=answers_for(items, person.ability, ctx.rng),
                                         now=ctx.at(day, 21, ctx.rng.randint(8, 24)))
    for application in applications[:35]:  # the latest few are not rated yet
        outreach.rate_motivation(actor=coordinator, application=application, rating=ctx.rng.choice((1, 2, 3, 3, 4, 5)))
    outreach.reject_application(actor=coordinator, application=applications[-1], notify_applicant=False,
                                reason=f"Same person as {applications[4].reference}, applying again from another "
                                       "phone; the first application stands.")
    outreach.reject_application(actor=coordinator, application=applications[11], base_url=BASE_URL,
                                reason="Moving to Amman next month (told us by phone); invited to apply there.")
    outreach.reject_application(actor=coordinator, application=applications[23], base_url=BASE_URL,
                                reason="Can only come on Fridays, and no centre trains on Fridays this round.")
    outreach.fill_targets(actor=coordinator, call=call)
    waiting = Application.objects.filter(call=call, status=Application.Status.SUBMITTED,
                                         motivation_rating__isnull=False).order_by("-score")[:4]
    for application in waiting:
        outreach.waitlist_application(actor=coordinator, application=application,
                                      reason="Good application; the places are full. Next in line if one opens.")
    _soon_cohorts(ctx, call)
    return call


def _taken_by_earlier_call(ctx: Ctx) -> set[Any]:
    taken: set[Any] = set()
    for application in Application.objects.all():
        answers: dict[str, Any] = application.answers or {}  # type: ignore[assignment]
        taken |= {answers.get("phone"), (application.given_name.casefold(), application.family_name.casefold(),
                                         date.fromisoformat(answers["date_of_birth"]))}
    return taken


def _soon_cohorts(ctx: Ctx, call: Call) -> None:
    """The selected are offered places in the cohort nearest home, starting in twelve days; some said yes.

    The camp's cohort is the demo coordinator's own (she offers its places); the town cohorts are the
    programme manager's."""
    made = {}
    for centre, actor, transport, trainers in ((MAFRAQ, "manager", "2.500", ["trainer"]),
                                               (ZARQA, "manager", "2.000", []),
                                               (ZAATARI, "coordinator", "", ["coordinator"])):
        place = "Zaatari camp" if centre == ZAATARI else centre.split()[0]
        made[ctx.organisations[centre].pk], _ = _cohort(
            ctx, actor, BOT, "basic-digital-skills", centre, f"Basic digital skills · {place} · {ctx.month(12)}",
            12, 60, weekdays=(6, 1, 3), count=18, transport=transport, trainers=trainers, capacity=15)
    mafraq = made[ctx.organisations[MAFRAQ].pk]
    for application in Application.objects.filter(call=call, status=Application.Status.SELECTED).order_by("pk"):
        cohort = made.get(application.preferred_centre_id or 0, mafraq)
        actor = "coordinator" if cohort.centre_id == ctx.organisations[ZAATARI].pk else "manager"
        enrolment = outreach.enrol_selected(actor=ctx.staff[actor], application=application, cohort=cohort,
                                            base_url=BASE_URL)
        if application.pk % 3 == 0:
            move_enrolment(actor=ctx.staff[actor], enrolment=enrolment, to=S.ACCEPTED, reason="Accepted by phone")


# --- Tajikistan and Tunisia --------------------------------------------------------------------------

def _khorog(ctx: Ctx) -> None:
    """Start and Improve Your Business for women in Khorog (ILO's SIYB), finished; completion by attendance."""
    cohort, sessions = _cohort(ctx, "coordinator.khorog", PIH, "siyb-women", KHOROG,
                               f"Start and Improve Your Business (women) · Khorog · {ctx.month(-75)}", -75, -50,
                               weekdays=(0, 2, 4), count=8, hours=(14, 17), transport="15.00",
                               trainers=["coordinator.khorog"], capacity=15)
    busy = set(ctx.workers[PIH])
    offered = _offer(ctx, "coordinator.khorog", cohort, _people_at(ctx, KHOROG, 8, women_only=True, skip=busy),
                     "Referred by the Jamoat women's committee.")
    _accept_all(ctx, "coordinator.khorog", offered)
    patterns = {e.pk: Pattern(misses=0.08) for e in offered}
    patterns[offered[2].pk] = Pattern(drops_at=4, reason=("work", "Left with her husband for seasonal work in "
                                                                  "Russia."))
    patterns[offered[6].pk] = Pattern(misses=0.4)
    _hold_sessions(ctx, "coordinator.khorog", "coordinator.khorog", sessions, patterns, ctx.today)
    _complete(ctx, "coordinator.khorog", cohort)


def _tunis(ctx: Ctx) -> None:
    """Web development at GoMyCode Tunis, running: tuition covered for one refugee learner, a laptop came back
    damaged."""
    cohort, sessions = _cohort(ctx, "manager.tunis", GMC, "web-development", TUNIS,
                               f"Web development · GoMyCode Tunis · {ctx.month(-16)}", -16, 60, weekdays=(0, 2, 4),
                               count=30, hours=(9, 12), transport="3.000", trainers=["manager.tunis"], capacity=20)
    busy = set(ctx.workers[GMC])
    people = _people_at(ctx, TUNIS, 7, skip=busy)
    offered = _offer(ctx, "manager.tunis", cohort, people, "Selected with UNHCR for the web development track.")
    _accept_all(ctx, "manager.tunis", offered)
    patterns = {e.pk: Pattern() for e in offered}
    patterns[offered[5].pk] = Pattern(fades=True)
    _hold_sessions(ctx, "manager.tunis", "manager.tunis", sessions, patterns, ctx.today)
    _grade(ctx, "manager.tunis", cohort, until=ctx.at(0, 0))
    refugee = next(e for i, e in zip(people, offered, strict=True)
                   if ctx.registrations[i]["displacement_status"] in ("refugee", "asylum_seeker"))
    support.grant_tuition(actor=ctx.staff["manager.tunis"], enrolment=refugee, amount="450.000",
                          paid_to="GoMyCode Tunisia SARL (bootcamp fees)")
    learner = offered[1].participant
    assert learner is not None
    loan = support.lend_equipment(actor=ctx.staff["manager.tunis"], participant=learner, programme=ctx.programmes[GMC],
                                  device="HP 250 G8 laptop", serial_number="5CD1234XYZ", condition="good",
                                  issued_on=ctx.today - timedelta(days=16))
    support.return_equipment(actor=ctx.staff["manager.tunis"], loan=loan, condition="damaged",
                             returned_on=ctx.today - timedelta(days=6))

