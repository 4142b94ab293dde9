"""Peer mentoring: graduates who work (mentors) paired with participants (mentees), and their sessions.

Career staff make the profiles and the pairs; the mentor, the mentee or staff record sessions. Session notes are
read only by the pair and career staff (kasb.careers.queries.mentorships_visible_to).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.cleaning import clean_text
from kasb.core.errors import Conflict, NotFound, ValidationFailed
from kasb.core.permissions import Cap, Principal, require
from kasb.participants.models import Participant

from ..models import MentoringSession, MentorProfile, Mentorship
from ..queries import mentorships_visible_to, serves


@transaction.atomic
def save_mentor_profile(*, actor: Principal, participant: Participant, occupation: str, story: str = "",
                        helps_with: str = "", is_active: bool = True) -> MentorProfile:
    """Career staff make a graduate a mentor; the mentor may then edit their own profile."""
    if actor.participant_id != participant.pk or not MentorProfile.objects.filter(participant=participant).exists():
        require(actor, Cap.MANAGE_CAREER_SERVICES)
        if not serves(actor, participant):
            raise NotFound(_("No such participant."))
    profile, _created = MentorProfile.objects.update_or_create(participant=participant, defaults={
        "occupation": clean_text(occupation, "occupation", 150, required=True),
        "story": clean_text(story, "story", 1500),
        "helps_with": clean_text(helps_with, "helps_with", 300), "is_active": bool(is_active)})
    audit.record(actor=actor.user, verb="mentor.profile", obj=profile)
    return profile


@transaction.atomic
def pair(*, actor: Principal, mentor: MentorProfile, mentee: Participant) -> Mentorship:
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if not serves(actor, mentee) or mentor.participant.partner_id != mentee.partner_id:
        raise NotFound(_("No such participant."))
    if mentor.participant_id == mentee.pk:
        raise ValidationFailed(_("A mentor cannot mentor themself."), field="mentee")
    if not mentor.is_active:
        raise ValidationFailed(_("This mentor is not taking mentees now."), field="mentor")
    try:
        with transaction.atomic():
            mentorship = Mentorship.objects.create(mentor=mentor, mentee=mentee, started_on=timezone.localdate(),
                                                   created_by=actor.user)
    except IntegrityError:
        raise Conflict(_("These two are already paired."), code="already_paired") from None
    audit.record(actor=actor.user, verb="mentorship.started", obj=mentorship)
    return mentorship


@transaction.atomic
def end_mentorship(*, actor: Principal, mentorship: Mentorship) -> Mentorship:
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if not mentorships_visible_to(actor).filter(pk=mentorship.pk).exists():
        raise NotFound(_("No such mentorship."))
    Mentorship.objects.filter(pk=mentorship.pk, ended_on__isnull=True).update(ended_on=timezone.localdate())
    mentorship.refresh_from_db()
    audit.record(actor=actor.user, verb="mentorship.ended", obj=mentorship)
    return mentorship


@transaction.atomic
def record_session(*, actor: Principal, mentorship: Mentorship, held_on: Any, notes: str = "") -> MentoringSession:
    """The mentor, the mentee or career staff note a meeting."""
    if not mentorships_visible_to(actor).filter(pk=mentorship.pk).exists():
        raise NotFound(_("No such mentorship."))
    if mentorship.ended_on is not None:
        raise Conflict(_("This mentorship has ended."), code="mentorship_ended")
    try:
        day = held_on if isinstance(held_on, date) else date.fromisoformat(str(held_on or ""))
    except ValueError:
        raise ValidationFailed(_("Give the date as year-month-day, e.g. 2027-03-01."), field="held_on") from None
    if day > timezone.localdate():
        raise ValidationFailed(_("The session date is in the future."), field="held_on")
    session = MentoringSession.objects.create(mentorship=mentorship, held_on=day,
                                              notes=clean_text(notes, "notes", 3000), recorded_by=actor.user)
    audit.record(actor=actor.user, verb="mentoring.session", obj=session)
    return session
