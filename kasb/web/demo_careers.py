"""The demo's careers and surveys, made only through the careers and surveys services.

What it makes (dates relative to the day the demo is loaded):

- every partner's employers post opportunities (internships, apprenticeships, jobs, freelance gigs) asking for
  skills its graduates hold; graduates with those skills sign in, build a CV and apply; the employer moves each
  application (shortlisted, interviewed, offered, placed, declined), placements get their tracer follow-ups;
- the demo participant (Rahaf) has a CV showing her microwork record (she ticked it), an internship placement at
  a bank's Mafraq branch, an application waiting at Levant Digital Services (the demo employer's), a
  recommendation, a peer mentor with a session noted, and matching opportunities she has not applied to;
- B.O.T.'s job fair in Irbid is on now, with registrations, QR check-ins and walk-ins; a career orientation
  session in Zaatari is full, with a waitlist; Pamir Innovation Hub's fair for would-be migrants in Gharm and an
  interview practice day in Tunis are coming;
- referrals to business counselling, micro-finance (loans with their amount and status) and legal aid, with the
  consented fields shared; three information pages in five languages for every partner;
- the post-training employability survey and the 6-month tracer survey of B.O.T.'s programme, open; the
  employability survey sent by SMS to the graduates of the earlier cohorts, most of whom answered through their
  link.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.module_loading import import_string

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.careers.models import CareerApplication, Event, Opportunity, Placement, Referral, Registration
from kasb.careers.services import applications, cv, events, mentoring, opportunities, pages, referrals
from kasb.core.permissions import Principal
from kasb.orgs.models import Organisation, Programme
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Participant
from kasb.participants.services import link_login
from kasb.skills.models import VerifiedSkill
from kasb.surveys.models import Invitation, Survey
from kasb.surveys.services import answering, building, sending
from kasb.training.models import Cohort, Enrolment

from . import demo_data
from .demo_careers_content import HORIZON, LEVANT, OFFERS, PAGES, SUGGESTIONS, Offer
from .demo_data import BOT, GMC, PIH, ZAATARI

SEED = demo_data.SEED + 30
# Who runs careers services, by partner (local parts of the demo's staff e-mails; "" is the administrator).
CAREERS = {BOT: "manager", PIH: "", GMC: "manager.tunis"}
A = CareerApplication.Status
STEPS = (A.SHORTLISTED, A.INTERVIEWED, A.OFFERED, A.PLACED)


@dataclass(frozen=True)
class CareersSummary:
    opportunities: int
    applications: int
    placements: int
    registrations: int
    attended: int
    referrals: int
    invited: int
    answered: int


@dataclass
class Ctx:
    organisations: dict[str, Organisation]
    registered: list[Participant]
    registrations: list[dict[str, Any]]
    staff: dict[str, Principal]
    root: Principal
    today: date = field(default_factory=timezone.localdate)
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    signed_in: dict[int, Principal] = field(default_factory=dict)   # participant pk -> their principal
    offers: dict[str, Opportunity] = field(default_factory=dict)

    def actor(self, local: str) -> Principal:
        return self.staff[local] if local else self.root

    def careers(self, partner: str) -> Principal:
        return self.actor(CAREERS[partner])

    def at(self, days: int, hour: int, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(self.today + timedelta(days=days), time(hour, minute)))


def load(*, organisations: dict[str, Organisation], registered: list[Participant],
         registrations: list[dict[str, Any]], root: Principal) -> CareersSummary:
    """Build the careers and surveys demo (inside demo.load's transaction, after the microwork)."""
    users = {(u.email or "").split("@")[0]: u for u in User.objects.filter(
        email__endswith=f"@{demo_data.DEMO_DOMAIN}")}
    ctx = Ctx(organisations, registered, registrations,
              {local: principal_for_user(user) for local, user in users.items()}, root)
    ctx.signed_in[registered[0].pk] = ctx.staff["participant"]
    _info_pages(ctx)
    _rahaf_cv(ctx)
    for partner in (BOT, PIH, GMC):
        _opportunities(ctx, partner)
    _rahaf(ctx)
    _placed_before(ctx)
    _events(ctx)
    _mentoring(ctx)
    _referrals(ctx)
    invited, answered = _surveys(ctx)
    return CareersSummary(
        opportunities=Opportunity.objects.count(), applications=CareerApplication.objects.count(),
        placements=Placement.objects.count(), registrations=Registration.objects.count(),
        attended=Registration.objects.filter(checked_in_at__isnull=False).count(),
        referrals=Referral.objects.count(), invited=invited, answered=answered)


# --- information pages and CVs --------------------------------------------------------------------------

def _info_pages(ctx: Ctx) -> None:
    for partner in (BOT, PIH, GMC):
        for slug, title, body in PAGES:
            pages.save_info_page(actor=ctx.careers(partner), partner=ctx.organisations[partner], slug=slug,
                                 title=title, body=body, is_published=True)


def _sign_in(ctx: Ctx, person: Participant, index: int) -> Principal:
    """A graduate's own sign-in (by phone, no password set yet): they apply and write their CV themselves."""
    if person.pk not in ctx.signed_in:
        data = ctx.registrations[index]
        user = create_user(full_name=person.full_name, phone=data["phone"], actor=ctx.root.user,
                           language={"JO": "ar", "TJ": "tg", "TN": "fr"}.get(person.partner.country, "en"))
        link_login(actor=ctx.root, participant=person, user=user)
        ctx.signed_in[person.pk] = principal_for_user(user)
    return ctx.signed_in[person.pk]


HEADLINES = {"JO": ("Data entry and microwork", "مدخلة بيانات وعمل رقمي مصغّر"),
             "TJ": ("Бухгалтерия и ввод данных", "Муҳосибӣ ва воридкунии маълумот"),
             "TN": ("Développement web et saisie", "Saisie et relation client")}


def _cv_for(ctx: Ctx, person: Participant, index: int) -> Principal:
    me = _sign_in(ctx, person, index)
    country = person.partner.country
    language = {"JO": "ar", "TJ": "ru", "TN": "fr"}.get(country, "en")
    made = cv.start_cv(actor=me, participant=person, language=language)
    if not made.headline:
        cv.update_cv(actor=me, cv=made, headline=HEADLINES[country][index % 2], include_microwork=index % 3 != 0)
    return me


def _rahaf_cv(ctx: Ctx) -> None:
    rahaf, me = ctx.registered[0], ctx.staff["participant"]
    made = cv.start_cv(actor=me, participant=rahaf, language="en")
    cv.update_cv(actor=me, cv=made, display_name="Rahaf Al-Zoubi", headline="Data entry and microwork",
                 profile="I finished secondary school and the B.O.T. digital skills course in Zaatari. I enter "
                         "receipts and label customer comments on Kasb, with high accuracy on check questions. "
                         "I am looking for an internship where I can learn office work.",
                 contact="WhatsApp through the Zaatari Makani centre", include_microwork=True,
                 languages=[{"code": "ar", "level": "native"}, {"code": "en", "level": "good"}])
    cv.add_cv_entry(actor=me, cv=made, kind="education", title="Secondary school certificate (Tawjihi)",
                    organisation="Zaatari camp secondary school", place="Zaatari camp",
                    started_on=ctx.today.replace(year=ctx.today.year - 5, month=9, day=1),
                    ended_on=ctx.today.replace(year=ctx.today.year - 3, month=6, day=30))
    cv.add_cv_entry(actor=me, cv=made, kind="experience", title="Volunteer, women's sewing workshop",
                    organisation="Zaatari Camp Makani Centre", place="Zaatari camp",
                    started_on=ctx.today - timedelta(days=400), ended_on=ctx.today - timedelta(days=150),
                    description="Kept the workshop's stock list and attendance sheet in Excel.")
    cv.save_preferences(actor=me, participant=rahaf, kinds=["internship", "apprenticeship", "job"],
                        area_codes=["JO-IR"], remote=True)


# --- opportunities and applications ----------------------------------------------------------------------

def _holders(ctx: Ctx, partner: str, skills: tuple[str, ...], taken: set[int]) -> list[int]:
    """Indices of the partner's participants with a sign-in-able phone who hold one of `skills` (Rahaf aside)."""
    index = {p.pk: i for i, p in enumerate(ctx.registered)}
    pks = (VerifiedSkill.objects.filter(skill__code__in=skills, revoked_at__isnull=True,
                                        participant__partner=ctx.organisations[partner])
           .order_by("participant_id").values_list("participant_id", flat=True).distinct())
    return [index[pk] for pk in pks if pk in index and index[pk] and pk not in taken
            and ctx.registrations[index[pk]].get("phone")]


def _post(ctx: Ctx, partner: str, offer: Offer) -> Opportunity:
    employer = ctx.organisations[offer.employer]
    poster = ctx.staff["employer"] if offer.employer == LEVANT else ctx.careers(partner)
    starts = ctx.today + timedelta(days=offer.starts_in) if offer.starts_in is not None else None
    ends = starts + timedelta(weeks=offer.weeks) if starts and offer.weeks else None
    return opportunities.post_opportunity(
        actor=poster, employer=employer, kind=offer.kind, title=offer.title, description=offer.description,
        skills=list(offer.skills), area=offer.area, remote=offer.remote, pay=offer.pay or None,
        pay_currency=offer.currency, pay_period=offer.period, starts_on=starts, ends_on=ends,
        apply_by=ctx.today + timedelta(days=offer.apply_within) if offer.apply_within else None,
        how_to_apply=offer.how_to_apply)


def _employer(ctx: Ctx, partner: str, opportunity: Opportunity) -> Principal:
    return ctx.staff["employer"] if opportunity.employer.name == LEVANT else ctx.careers(partner)


def _move(ctx: Ctx, partner: str, application: CareerApplication, to: str) -> CareerApplication:
    """Move an application step by step up to `to` (declined: after a step or two)."""
    by = _employer(ctx, partner, application.opportunity)
    notes = {A.SHORTLISTED: "Good CV; invited to interview.", A.INTERVIEWED: "Interview held at our office.",
             A.OFFERED: "Offer sent by phone and e-mail.", A.PLACED: "Signed the contract.",
             A.DECLINED: "We chose a candidate with more experience this time."}
    path = list(STEPS[:STEPS.index(to) + 1]) if to in STEPS else (
        [STEPS[0], A.DECLINED] if to == A.DECLINED else [])
    for step in path:
        application = applications.move_application(actor=by, application=application, to=step, reason=notes[step])
    return application


def _opportunities(ctx: Ctx, partner: str) -> None:
    taken: set[int] = set()
    for offer in OFFERS[partner]:
        opportunity = ctx.offers[offer.key] = _post(ctx, partner, offer)
        people = _holders(ctx, partner, offer.skills, taken)[:len(offer.statuses)]
        for index, status in zip(people, offer.statuses, strict=False):
            person = ctx.registered[index]
            taken.add(person.pk)
            me = _cv_for(ctx, person, index)
            sent = applications.apply(actor=me, opportunity=opportunity,
                                      message="I would like to apply; I can start on the date given.")
            _move(ctx, partner, sent, status)


def _rahaf(ctx: Ctx) -> None:
    """Recommended for the bank's internship, placed there; an application waiting at Levant Digital Services."""
    rahaf, me = ctx.registered[0], ctx.staff["participant"]
    internship, labelling = ctx.offers["rahaf"], ctx.offers["labelling"]
    opportunities.recommend(actor=ctx.staff["coordinator"], opportunity=internship, participant=rahaf,
                            note="Afternoons only, so it fits around your Mafraq course.")
    placed = applications.apply(actor=me, opportunity=internship,
                                message="I can work afternoons while I finish the microwork module in Mafraq.")
    _move(ctx, BOT, placed, A.PLACED)
    applications.apply(actor=me, opportunity=labelling, message="I label customer comments on Kasb every week.")


def _placed_before(ctx: Ctx) -> None:
    """Placements found outside the applications (an earlier fair), three and four months ago, each followed up
    at three months; the first, a short contract, is over and was completed."""
    staff = ctx.careers(BOT)
    people = _holders(ctx, BOT, ("data-entry",), {a.participant_id for a in CareerApplication.objects.all()})[:2]
    for n, index in enumerate(people):
        placement = applications.record_placement(
            actor=staff, participant=ctx.registered[index], employer=ctx.organisations[HORIZON], kind="job",
            title="Customer service clerk" if n else "Data entry clerk, Irbid branch",
            starts_on=ctx.today - timedelta(days=100 + 30 * n),
            ends_on=ctx.today - timedelta(days=10) if n else None, wage="260.000", wage_currency="JOD",
            wage_period="month")
        applications.mark_follow_up_done(actor=staff, follow_up=placement.follow_ups.get(months=3))
        if n:
            applications.record_placement_outcome(actor=staff, placement=placement, completed=True)


# --- events ----------------------------------------------------------------------------------------------

def _now_window(ctx: Ctx) -> tuple[datetime, datetime]:
    """The job fair is on now, whatever the time the demo is loaded: it began two hours ago, ends in five."""
    now = timezone.localtime()
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    return start, start + timedelta(hours=7)


def _token_check_in(actor: Principal, registration: Registration) -> None:
    events.check_in(actor=actor, token=events.checkin_token(registration))


def _events(ctx: Ctx) -> None:
    manager, coordinator = ctx.staff["manager"], ctx.staff["coordinator"]
    bot = ctx.organisations[BOT]
    start, end = _now_window(ctx)
    employers = [o.pk for o in Organisation.objects.filter(parent=bot, kind=Organisation.Kind.EMPLOYER)]
    fair = events.create_event(
        actor=manager, partner=bot, kind=Event.Kind.JOB_FAIR, title="Irbid job fair: internships and first jobs",
        starts_at=start, ends_at=end, centre=ctx.organisations["Irbid Knowledge Station"],
        place="Irbid Knowledge Station, main hall", capacity=150, target_groups=["graduates", "women", "refugees"],
        employers=employers,
        description="Meet five employers from Amman, Irbid and Mafraq. Bring your CV (print it from Kasb) and your "
                    "ID. Interviews on the spot for the internships.")
    people = [i for i, p in enumerate(ctx.registrations) if p["centre"] in (
        "Irbid Knowledge Station", ZAATARI, "Mafraq Community Centre")][:24]
    for n, index in enumerate(people):
        registration = events.register(actor=manager, event=fair, participant=ctx.registered[index])
        if n % 3 != 2:
            _token_check_in(coordinator if index == 0 else manager, registration)
    _token_check_in(manager, Registration.objects.get(event=fair, participant=ctx.registered[people[0]]))  # twice
    for n, (name, phone) in enumerate((("Ahmad Al-Khalidi", "+962795550101"), ("Noor Hamdan", "+962785550102"),
                                       ("Yousef Obeidat", "+962775550103"))):
        events.register_walk_in(actor=manager, event=fair, name=name, phone=phone, check_in_now=n < 2)
    _orientation(ctx)
    _coming(ctx)


def _orientation(ctx: Ctx) -> None:
    """Twelve places in Zaatari, taken; three on the waitlist; one gives up her place and the first moves up."""
    coordinator = ctx.staff["coordinator"]
    session = events.create_event(
        actor=coordinator, partner=ctx.organisations[BOT], kind=Event.Kind.ORIENTATION,
        title="Career orientation: your CV and your first interview", starts_at=ctx.at(5, 10),
        ends_at=ctx.at(5, 12, 30), centre=ctx.organisations[ZAATARI], place="Makani centre, computer room",
        capacity=12, target_groups=["women", "refugees", "neet"],
        description="Build your CV on Kasb with a coordinator, practise answering interview questions, and learn "
                    "which jobs refugees in Jordan can take with a work permit.")
    camp = [i for i, p in enumerate(ctx.registrations) if p["centre"] == ZAATARI][:15]
    made = [events.register(actor=coordinator, event=session, participant=ctx.registered[i], waitlist=True)
            for i in camp]
    events.cancel_registration(actor=coordinator, registration=made[4])


def _coming(ctx: Ctx) -> None:
    """Pamir Innovation Hub's fair for would-be migrants in Gharm; GoMyCode's interview practice day in Tunis."""
    plans = (
        (PIH, "", Event.Kind.JOB_FAIR, "Ярмарка вакансий и безопасной миграции, Гарм", 12,
         "Gharm Jamoat Resource Centre (Rasht valley)", ["migrants", "everyone"],
         "Работодатели долины Рашт и Душанбе, консультации юриста по трудовой миграции, микрокредиты."),
        (GMC, "manager.tunis", Event.Kind.INTERVIEW_PRACTICE, "Journée de simulation d'entretiens", 8,
         "GoMyCode Tunis (Lac)", ["refugees", "graduates"],
         "Entretiens d'embauche simulés avec des recruteurs de Tunis et de Sfax, conseils sur le CV."),
    )
    for partner, local, kind, title, days, centre, groups, text in plans:
        actor = ctx.actor(local)
        event = events.create_event(actor=actor, partner=ctx.organisations[partner], kind=kind, title=title,
                                    starts_at=ctx.at(days, 9), ends_at=ctx.at(days, 15),
                                    centre=ctx.organisations[centre], capacity=60, target_groups=groups,
                                    description=text)
        for i in [i for i, p in enumerate(ctx.registrations) if p["centre"] == centre][:6]:
            events.register(actor=ctx.root, event=event, participant=ctx.registered[i])


# --- mentoring and referrals -----------------------------------------------------------------------------

def _mentoring(ctx: Ctx) -> None:
    """A graduate placed at the bank mentors Rahaf and another learner; they met last week."""
    manager = ctx.staff["manager"]
    mentor = Placement.objects.filter(participant__partner=ctx.organisations[BOT], application__isnull=True,
                                      ends_on__isnull=True).order_by("-starts_on").first()
    if mentor is None:
        raise RuntimeError("The demo needs a placed graduate to be the peer mentor; the plan is wrong.")
    profile = mentoring.save_mentor_profile(
        actor=manager, participant=mentor.participant, occupation=f"{mentor.title}, {mentor.employer.name}",
        story="I did the B.O.T. course and microwork for six months, then found my job at a job fair. I know "
              "how hard the first interview is.",
        helps_with="CVs, interviews, working in an office, balancing work and family")
    mentee = next(p for p in ctx.registered[1:40] if p.partner_id == ctx.organisations[BOT].pk
                  and p.pk != mentor.participant_id)
    pair = mentoring.pair(actor=manager, mentor=profile, mentee=ctx.registered[0])
    mentoring.pair(actor=manager, mentor=profile, mentee=mentee)
    mentoring.record_session(actor=manager, mentorship=pair, held_on=ctx.today - timedelta(days=6),
                             notes="Talked about the bank internship: what to wear, how to get there from the "
                                   "camp, what the supervisor will ask. Next time: practise the interview.")


def _person_at(ctx: Ctx, centre: str, n: int) -> Participant:
    return [p for i, p in enumerate(ctx.registered) if i and ctx.registrations[i]["centre"] == centre][n]


def _referrals(ctx: Ctx) -> None:
    manager, rasht = ctx.staff["manager"], "Gharm Jamoat Resource Centre (Rasht valley)"
    plans: list[tuple[Principal, Participant, str, str, str, list[str], list[str], dict[str, Any]]] = [
        (manager, _person_at(ctx, ZAATARI, 3), "Mafraq Enterprise Development Centre", "business_counselling",
         "Wants to start sewing school uniforms at home; needs a plan and prices.", ["name", "phone", "skills"],
         ["accepted", "completed"], {"outcome": "Business plan written in three sessions; sells to two schools.",
                                     "business_started": True,
                                     "business_started_on": (ctx.today - timedelta(days=40)).isoformat()}),
        (manager, _person_at(ctx, ZAATARI, 3), "Badia Microfinance Company", "microfinance",
         "A loan for a second-hand sewing machine and fabric.", ["name", "phone", "area", "certificates"],
         ["accepted"], {"loan_amount": "500.000", "loan_currency": "JOD", "loan_status": "disbursed"}),
        (manager, _person_at(ctx, "Mafraq Community Centre", 2), "Justice for All Legal Aid Clinic", "legal_aid",
         "Employer has not paid two months of wages and keeps her passport.", ["name", "phone", "nationality"],
         ["accepted"], {"outcome": "Lawyer wrote to the employer; the passport was returned."}),
        (ctx.root, _person_at(ctx, rasht, 1), "Rasht Microcredit Fund", "microfinance",
         "Кредит на теплицу для выращивания помидоров.", ["name", "phone", "area"], ["accepted"],
         {"loan_amount": "8000.00", "loan_currency": "TJS", "loan_status": "approved"}),
        (ctx.root, _person_at(ctx, rasht, 2), "Migrant Workers' Legal Aid Centre", "safe_migration",
         "Собирается на сезонную работу в Россию; нужна информация о патенте и договоре.", ["name", "phone"],
         [], {}),
        (ctx.staff["manager.tunis"], _person_at(ctx, "GoMyCode Tunis (Lac)", 1),
         "Clinique juridique pour les réfugiés", "legal_aid",
         "Carte de demandeur d'asile expirée ; besoin d'aide pour le renouvellement.", ["name", "phone"], [], {}),
    ]
    for actor, person, provider, service, reason, fields, moves, outcome in plans:
        referral = referrals.refer(actor=actor, participant=person, provider=ctx.organisations[provider],
                                   service=service, reason=reason, consented_fields=fields)
        referrals.share_referral(actor=actor, referral=referral, channel="e-mail to the provider")
        for to in moves:
            referrals.move_referral(actor=actor, referral=referral, to=to)
        if outcome:
            referrals.record_outcome(actor=actor, referral=referral, **outcome)


# --- surveys ---------------------------------------------------------------------------------------------

class Outbox:
    """Keeps the survey links the demo sends (to answer them as the graduates would) and passes every message
    on to the SMS backend the site is configured with."""

    sent: ClassVar[list[tuple[str, str]]] = []
    forward_to: ClassVar[str] = ""

    def send(self, to: str, text: str) -> None:
        Outbox.sent.append((to, text))
        import_string(Outbox.forward_to)().send(to, text)


LINK = re.compile(r"/surveys/a/([A-Za-z0-9_-]+)/")


def _deliver(invitations: list[Invitation]) -> dict[int, str]:
    """Send each invitation now (the task that runs after commit then finds them sent), keeping each link."""
    Outbox.sent, Outbox.forward_to = [], settings.SMS_BACKEND
    tokens = {}
    with override_settings(SMS_BACKEND=f"{__name__}.Outbox"):
        for invitation in invitations:
            sending.deliver(invitation_id=invitation.pk)
            match = LINK.search(Outbox.sent[-1][1]) if Outbox.sent else None
            if match:
                tokens[invitation.pk] = match.group(1)
    return tokens


def _answers(rng: random.Random, codes: dict[str, int]) -> dict[str, Any]:
    """One graduate's answers, spread like B.O.T.'s own survey (most feel more employable, a third moved on)."""
    improved = rng.random() < 0.38
    agree = ("strongly_agree", "agree", "agree", "strongly_agree", "agree", "agree", "agree", "strongly_agree",
             "neutral", "disagree")
    changes = rng.sample(["new_job", "paid_online", "performance", "pay_rise"], rng.randint(1, 2)) if improved \
        else ["nothing"]
    found = {"usefulness": rng.choice((3, 4, 4, 5, 5, 5)), "more_employable": rng.choice(agree),
             "skills_improve_life": rng.choice(agree), "career_improved": "yes" if improved else "no",
             "career_changes": changes}
    if rng.random() < 0.4:
        found["suggestion"] = rng.choice(SUGGESTIONS)
    return {str(codes[code]): value for code, value in found.items()}


def _surveys(ctx: Ctx) -> tuple[int, int]:
    officer = ctx.staff["me"]
    programme = Programme.objects.get(partner=ctx.organisations[BOT])
    employability = building.install_template(actor=officer, programme=programme, template="employability")
    employability = building.move_survey(actor=officer, survey=employability, to=Survey.Status.OPEN,
                                         reason="Sent to the graduates of the earlier intake.")
    tracer = building.install_template(actor=officer, programme=programme, template="tracer", follow_up_months=6)
    building.move_survey(actor=officer, survey=tracer, to=Survey.Status.OPEN,
                         reason="For the cohorts that finished six months ago.")
    finished = Cohort.objects.filter(programme=programme, enrolments__status=Enrolment.Status.COMPLETED,
                                     enrolments__participant__isnull=False).distinct().order_by("starts_on")
    for cohort in finished:
        sending.send_to_cohort(actor=officer, survey=employability, cohort=cohort, channel="sms",
                               completed_only=True)
    invitations = list(employability.invitations.order_by("pk"))
    tokens = _deliver(invitations)
    codes = dict(employability.questions.values_list("code", "pk"))
    answered = 0
    for n, invitation in enumerate(invitations):
        token = tokens.get(invitation.pk)
        if token is None or n % 6 == 5:
            continue  # about one in six has not answered yet
        answering.open_invitation(token=token)
        answering.submit_response(token=token, answers=_answers(ctx.rng, codes), client_key=f"demo-{invitation.pk:06d}")
        answered += 1
    return len(invitations), answered
