"""Reads of the careers app, always through the acting principal.

Who sees what:
- a participant sees their own CV, applications, placements, referrals, mentoring, and the events,
  opportunities and information pages of their partner;
- career staff (Cap.MANAGE_CAREER_SERVICES) see the participants in their scope (a centre coordinator: their
  centre's; a programme manager: the partner's) and the events, referrals and placements of their partner;
- an employer member (Cap.MANAGE_OPPORTUNITIES held at an employer) sees their employer's opportunities and the
  applications sent to them, and nothing else about anyone: applications carry the participant's own snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core.errors import NotFound
from kasb.core.permissions import Cap, Principal, Role
from kasb.orgs.models import Organisation
from kasb.participants.models import Participant
from kasb.participants.queries import participants_in_scope
from kasb.skills.models import Skill, VerifiedSkill

from .models import (
    CareerApplication,
    Event,
    InfoPage,
    MentoringSession,
    Mentorship,
    Opportunity,
    Placement,
    Preferences,
    Referral,
    Registration,
    TargetGroup,
)

# --- scope -----------------------------------------------------------------------------------------------


def employer_scope(principal: Principal) -> tuple[set[int], set[int]]:
    """(employer organisations the principal acts for as a member, partners whose employers they manage)."""
    own: set[int] = set()
    partners: set[int] = set()
    for grant in principal.grants_with(Cap.MANAGE_OPPORTUNITIES):
        if grant.role == Role.EMPLOYER_MEMBER:
            own.add(grant.organisation_id)
        elif grant.in_programme and grant.partner_id:
            partners.add(grant.partner_id)
    return own, partners


def employers_managed_by(principal: Principal) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(kind=Organisation.Kind.EMPLOYER, is_active=True).order_by("name")
    if principal.is_superuser:
        return qs
    own, partners = employer_scope(principal)
    return qs.filter(Q(pk__in=own) | Q(parent_id__in=partners))


def opportunities_managed_by(principal: Principal) -> QuerySet[Opportunity]:
    qs = Opportunity.objects.select_related("employer", "area")
    if principal.is_superuser:
        return qs
    own, partners = employer_scope(principal)
    return qs.filter(Q(employer_id__in=own) | Q(employer__parent_id__in=partners))


def opportunity_for_manager(principal: Principal, pk: int) -> Opportunity:
    """NotFound when the principal may not manage it: its existence is not revealed."""
    found = opportunities_managed_by(principal).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such opportunity."))
    return found


def with_application_counts(qs: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    A = CareerApplication.Status
    return qs.annotate(application_count=Count("applications", distinct=True),
                       new_count=Count("applications", filter=Q(applications__status=A.APPLIED), distinct=True))


def applications_received_by(principal: Principal) -> QuerySet[CareerApplication]:
    """Applications sent to opportunities the principal manages: the only way an employer sees a participant."""
    qs = CareerApplication.objects.select_related("opportunity", "opportunity__employer")
    if principal.is_superuser:
        return qs
    own, partners = employer_scope(principal)
    return qs.filter(Q(opportunity__employer_id__in=own) | Q(opportunity__employer__parent_id__in=partners))


def career_partner_ids(principal: Principal) -> set[int]:
    return {g.partner_id for g in principal.grants_with(Cap.MANAGE_CAREER_SERVICES) if g.partner_id}


def may_serve_partner(principal: Principal, partner_id: int | None) -> bool:
    return principal.is_superuser or (partner_id is not None and partner_id in career_partner_ids(principal))


def served_participants(principal: Principal) -> QuerySet[Participant]:
    """Participants career staff may act for (a centre coordinator: those of their centre)."""
    if not principal.can(Cap.MANAGE_CAREER_SERVICES):
        return Participant.objects.none()
    return participants_in_scope(principal, Cap.MANAGE_CAREER_SERVICES)


def with_careers_counts(qs: QuerySet[Participant]) -> QuerySet[Participant]:
    """Applications, placements and referrals per participant, one correlated count each."""
    def count(model: Any) -> Coalesce:
        rows = model.objects.filter(participant=OuterRef("pk")).order_by().values("participant")
        return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)
    return qs.annotate(application_count=count(CareerApplication), placement_count=count(Placement),
                       referral_count=count(Referral))


def serves(principal: Principal, participant: Participant) -> bool:
    return served_participants(principal).filter(pk=participant.pk).exists()


def acts_for(principal: Principal, participant: Participant) -> bool:
    """The participant themself, or career staff whose scope holds them."""
    return principal.participant_id == participant.pk or serves(principal, participant)


# --- events ----------------------------------------------------------------------------------------------

def with_counts(qs: QuerySet[Event]) -> QuerySet[Event]:
    R = Registration.Status
    return qs.annotate(registered=Count("registrations", filter=Q(registrations__status=R.REGISTERED), distinct=True),
                       waitlisted=Count("registrations", filter=Q(registrations__status=R.WAITLISTED), distinct=True),
                       attended=Count("registrations", filter=Q(registrations__checked_in_at__isnull=False),
                                      distinct=True))


def events_managed_by(principal: Principal) -> QuerySet[Event]:
    qs = Event.objects.select_related("partner", "centre")
    return qs if principal.is_superuser else qs.filter(partner_id__in=career_partner_ids(principal))


def events_attended_by(employers: QuerySet[Organisation]) -> QuerySet[Event]:
    """Upcoming events these employers are named as attending (a job fair, an employer visit)."""
    return (Event.objects.filter(employers__in=employers, is_cancelled=False, ends_at__gte=timezone.now())
            .select_related("centre").distinct().order_by("starts_at"))


def events_for_participant(participant: Participant, *, upcoming_only: bool = True) -> QuerySet[Event]:
    qs = Event.objects.filter(partner_id=participant.partner_id, is_cancelled=False).select_related("centre")
    return qs.filter(ends_at__gte=timezone.now()) if upcoming_only else qs


def target_groups_of(participant: Participant) -> frozenset[str]:
    """The event target groups (models.TargetGroup) a participant belongs to (one query: graduates)."""
    from kasb.participants.vocab import Displacement
    from kasb.training.models import Enrolment

    displacement = participant.displacement_status or ""
    groups = {TargetGroup.EVERYONE.value}
    if participant.sex == "female":
        groups.add(TargetGroup.WOMEN.value)
    if displacement in (Displacement.REFUGEE, Displacement.ASYLUM_SEEKER):
        groups.add(TargetGroup.REFUGEES.value)
    if displacement == Displacement.HOST:
        groups.add(TargetGroup.HOST.value)
    if participant.neet:
        groups.add(TargetGroup.NEET.value)
    if participant.migrant_household or displacement in (Displacement.MIGRANT_WORKER, Displacement.POTENTIAL_MIGRANT,
                                                         Displacement.RETURNEE):
        groups.add(TargetGroup.MIGRANTS.value)
    if Enrolment.objects.filter(participant=participant, status=Enrolment.Status.COMPLETED).exists():
        groups.add(TargetGroup.GRADUATES.value)
    return frozenset(groups)


def is_for(event: Event, groups: frozenset[str]) -> bool:
    """Whether an event is meant for someone in `groups`: no target groups, "everyone", or one they share."""
    wanted = set(event.target_groups or [])
    return not wanted or TargetGroup.EVERYONE.value in wanted or bool(wanted & groups)


def events_for(principal: Principal) -> QuerySet[Event]:
    """Staff: their partner's events; a participant: their partner's upcoming ones."""
    if principal.can(Cap.MANAGE_CAREER_SERVICES):
        return events_managed_by(principal)
    if principal.participant_id:
        participant = Participant.objects.only("pk", "partner_id").get(pk=principal.participant_id)
        return events_for_participant(participant)
    return Event.objects.none()


# --- matching --------------------------------------------------------------------------------------------

@dataclass
class Match:
    opportunity: Opportunity
    matched: list[Skill] = field(default_factory=list)
    missing: list[Skill] = field(default_factory=list)
    place: str = ""  # "remote", "area" or "preferred_area"
    score: int = 0
    recommended: bool = False


def _preferences(participant: Participant) -> tuple[list[str], set[int], bool]:
    prefs = Preferences.objects.filter(participant=participant).prefetch_related("areas").first()
    if prefs is None:
        return [], set(), True
    return list(prefs.kinds or []), {a.pk for a in prefs.areas.all()}, prefs.remote


def open_opportunities(partner_id: int) -> QuerySet[Opportunity]:
    today = timezone.localdate()
    return (Opportunity.objects.filter(status=Opportunity.Status.OPEN, employer__parent_id=partner_id,
                                       employer__is_active=True)
            .filter(Q(apply_by__isnull=True) | Q(apply_by__gte=today))
            .select_related("employer", "area").prefetch_related("required_skills"))


def matches_for(participant: Participant, *, limit: int = 50) -> list[Match]:
    """Open opportunities of the participant's partner that fit: place (their area, an area they chose, or remote
    if they work remotely), the kinds of work they want, and their verified skills. Ranked by the share of the
    required skills they hold, then place, then newest; each says which skills matched. Five queries."""
    kinds, areas, remote_ok = _preferences(participant)
    held = set(VerifiedSkill.objects.filter(participant=participant, revoked_at__isnull=True)
               .values_list("skill_id", flat=True))
    recommended = set(participant.career_recommendations.values_list("opportunity_id", flat=True))
    qs = open_opportunities(participant.partner_id)
    place = Q(area_id=participant.area_id) if participant.area_id else Q(pk__in=[])
    place |= Q(area_id__in=areas)
    if remote_ok:
        place |= Q(remote=True)
    qs = qs.filter(place | Q(pk__in=recommended))
    if kinds:
        qs = qs.filter(Q(kind__in=kinds) | Q(pk__in=recommended))
    found = []
    for opportunity in qs[:500]:
        needed = sorted(opportunity.required_skills.all(), key=lambda s: s.code)
        matched = [s for s in needed if s.pk in held]
        if needed and not matched and opportunity.pk not in recommended:
            continue  # none of the skills asked for: not a fit
        share = 100 * len(matched) // len(needed) if needed else 50
        where = ("area" if opportunity.area_id and opportunity.area_id == participant.area_id
                 else "preferred_area" if opportunity.area_id in areas else "remote")
        score = share * 10 + (3 if where == "area" else 2 if where == "preferred_area" else 1)
        found.append(Match(opportunity=opportunity, matched=matched, missing=[s for s in needed if s.pk not in held],
                           place=where, score=score, recommended=opportunity.pk in recommended))
    found.sort(key=lambda m: (-m.recommended, -m.score, -m.opportunity.created_at.timestamp()))
    return found[:limit]


@dataclass
class Candidate:
    participant: Participant
    matched: list[Skill]
    in_area: bool
    recommended: bool
    applied: bool


def candidates_for(principal: Principal, opportunity: Opportunity, *, limit: int = 25) -> list[Candidate]:
    """The best-matching participants in the staff member's scope for an opportunity: most required skills held,
    then living in its area. Those with none of the skills are left out (unless it asks for none)."""
    needed = {s.pk: s for s in opportunity.required_skills.all()}
    qs = served_participants(principal).filter(partner_id=opportunity.employer.parent_id)
    if needed:
        qs = qs.filter(verified_skills__skill_id__in=needed, verified_skills__revoked_at__isnull=True).annotate(
            n=Count("verified_skills__skill", distinct=True))
    else:
        qs = qs.annotate(n=Count("pk"))
    if not opportunity.remote and opportunity.area_id:
        qs = qs.annotate(here=Count("pk", filter=Q(area_id=opportunity.area_id)))
    else:
        qs = qs.annotate(here=Count("pk", filter=Q(pk__isnull=False)))
    people = list(qs.order_by("-n", "-here", "family_name", "given_name", "pk")[:limit])
    held: dict[int, list[Skill]] = {}
    for row in VerifiedSkill.objects.filter(participant__in=people, skill_id__in=needed, revoked_at__isnull=True) \
            .values("participant_id", "skill_id").distinct():
        held.setdefault(row["participant_id"], []).append(needed[row["skill_id"]])
    recommended = set(opportunity.recommendations.values_list("participant_id", flat=True))
    applied = set(opportunity.applications.values_list("participant_id", flat=True))
    return [Candidate(participant=p, matched=sorted(held.get(p.pk, []), key=lambda s: s.code),
                      in_area=bool(p.here), recommended=p.pk in recommended,  # type: ignore[attr-defined]
                      applied=p.pk in applied) for p in people]


# --- a participant's own record --------------------------------------------------------------------------

def applications_of(participant_id: int) -> QuerySet[CareerApplication]:
    return (CareerApplication.objects.filter(participant_id=participant_id)
            .select_related("opportunity", "opportunity__employer").order_by("-created_at"))


def placements_of(participant_id: int) -> QuerySet[Placement]:
    return Placement.objects.filter(participant_id=participant_id).select_related("employer").prefetch_related(
        "follow_ups")


def placements_visible_to(principal: Principal) -> QuerySet[Placement]:
    qs = Placement.objects.select_related("employer", "participant").prefetch_related("follow_ups")
    if principal.is_superuser:
        return qs
    mine = Q(participant_id=principal.participant_id) if principal.participant_id else Q(pk__in=[])
    if principal.can(Cap.MANAGE_CAREER_SERVICES):
        mine |= Q(participant__in=served_participants(principal))
    return qs.filter(mine)


def referrals_visible_to(principal: Principal) -> QuerySet[Referral]:
    qs = Referral.objects.select_related("provider", "participant")
    if principal.is_superuser:
        return qs
    mine = Q(participant_id=principal.participant_id) if principal.participant_id else Q(pk__in=[])
    if principal.can(Cap.MANAGE_CAREER_SERVICES):
        mine |= Q(participant__in=served_participants(principal))
    return qs.filter(mine)


def providers_for(principal: Principal) -> QuerySet[Organisation]:
    """Organisations a participant may be referred to: those under the staff member's partner (not donors)."""
    qs = Organisation.objects.filter(is_active=True).exclude(kind__in=(Organisation.Kind.DONOR,
                                                                      Organisation.Kind.PARTNER,
                                                                      Organisation.Kind.CENTRE))
    return qs if principal.is_superuser else qs.filter(parent_id__in=career_partner_ids(principal))


def mentorships_visible_to(principal: Principal) -> QuerySet[Mentorship]:
    """The pair's own mentorships, and career staff's participants'."""
    qs = Mentorship.objects.select_related("mentor", "mentor__participant", "mentee")
    if principal.is_superuser:
        return qs
    mine = Q(pk__in=[])
    if principal.participant_id:
        mine |= Q(mentee_id=principal.participant_id) | Q(mentor__participant_id=principal.participant_id)
    if principal.can(Cap.MANAGE_CAREER_SERVICES):
        served = served_participants(principal)
        mine |= Q(mentee__in=served) | Q(mentor__participant__in=served)
    return qs.filter(mine)


def sessions_of(mentorship: Mentorship) -> QuerySet[MentoringSession]:
    """Only ever called after mentorships_visible_to has found the mentorship."""
    return mentorship.sessions.select_related("recorded_by")


def with_sessions(qs: QuerySet[Mentorship]) -> QuerySet[Mentorship]:
    return qs.prefetch_related(Prefetch("sessions", queryset=MentoringSession.objects.order_by("-held_on", "-pk")))


def info_pages_for(principal: Principal) -> QuerySet[InfoPage]:
    """Staff: every page of their partners; a participant: the published ones of their partner."""
    if principal.is_superuser:
        return InfoPage.objects.all()
    if principal.can(Cap.MANAGE_CAREER_SERVICES):
        return InfoPage.objects.filter(partner_id__in=career_partner_ids(principal))
    if principal.participant_id:
        partner = Participant.objects.filter(pk=principal.participant_id).values("partner_id")
        return InfoPage.objects.filter(partner_id__in=partner, is_published=True)
    return InfoPage.objects.none()


def follow_ups_due(on: date | None = None) -> QuerySet[Placement]:
    """Placements with a tracer follow-up due on or before `on` and not done (for the M&E surveys)."""
    day = on or timezone.localdate()
    return Placement.objects.filter(follow_ups__due_on__lte=day, follow_ups__done_at__isnull=True).distinct()
