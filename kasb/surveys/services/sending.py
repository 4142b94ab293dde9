"""Sending a survey: invitations to a cohort or a group, by SMS or e-mail, in each person's language.

Each participant is invited once per survey (a unique constraint). The single-use token of the link is made
by `deliver`, which runs after the invitations are committed (a background task): it is sent, and only its
sha256 is kept. A reminder sends a fresh link to those who have not answered; the earlier link stops working.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kasb.core import audit
from kasb.core.background import enqueue
from kasb.core.errors import Conflict, ValidationFailed
from kasb.core.permissions import Cap, Principal
from kasb.core.sms import send_sms
from kasb.core.translated import LANGUAGE_CODES, pick
from kasb.participants.models import Consent, Participant
from kasb.participants.queries import participants_in_scope
from kasb.participants.vocab import ConsentPurpose
from kasb.payments.services.payouts import COUNTRY_LANGUAGE
from kasb.training.models import Cohort, Enrolment

from ..models import Invitation, Survey
from ..scope import check_manages

REMIND_AGAIN_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class SendResult:
    invited: int          # new invitations, queued to be sent
    already: int          # invited to this survey before: not invited again
    unreachable: int      # no phone (SMS) or no e-mail address for the channel chosen
    declined: int = 0     # withdrew their consent to being contacted about the programme


def declined_contact(participant_ids: list[int]) -> set[int]:
    """Those who withdrew their consent to be contacted and have not given it again. Someone registered
    without a contact consent on record is still reached: the registration consent covers programme
    follow-up; an explicit withdrawal does not."""
    held: dict[int, set[bool]] = {}
    for pid, withdrawn in Consent.objects.filter(participant_id__in=participant_ids, purpose=ConsentPurpose.CONTACT
                                                 ).values_list("participant_id", "withdrawn_at"):
        held.setdefault(pid, set()).add(withdrawn is None)
    return {pid for pid, live in held.items() if True not in live}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(16)


def public_base_url(base_url: str = "") -> str:
    return (base_url or getattr(settings, "KASB_PUBLIC_URL", "")).rstrip("/")


def answer_link(token: str, language: str, base_url: str = "") -> str:
    with override(language):
        path = reverse("surveys:answer", args=[token])
    return f"{public_base_url(base_url)}{path}"


def participant_language(person: Participant) -> str:
    """The language of their sign-in; without one, the usual language of the partner's country."""
    user = person.user
    language = (getattr(user, "language", "") or "").split("-")[0] if user is not None else ""
    if language in LANGUAGE_CODES:
        return language
    return COUNTRY_LANGUAGE.get(person.partner.country, settings.LANGUAGE_CODE)


def _reachable(person: Participant, channel: str) -> bool:
    return bool(person.phone) if channel == Invitation.Channel.SMS else bool(person.email)


def _check_open(survey: Survey, now: datetime) -> None:
    if survey.status != Survey.Status.OPEN or (survey.closes_at and survey.closes_at <= now):
        raise Conflict(_("Open the survey before sending it: people could not answer it now."), code="not_open")


def _channel(channel: str) -> str:
    if channel not in Invitation.Channel.values:
        raise ValidationFailed(_("Choose SMS or e-mail."), field="channel")
    return channel


@transaction.atomic
def invite(*, actor: Principal, survey: Survey, participants: Iterable[Participant], channel: str,
           base_url: str = "", now: datetime | None = None) -> SendResult:
    """Invite each of `participants` not yet invited; the messages go out once this is committed."""
    check_manages(actor, survey)
    channel = _channel(channel)
    moment = now or timezone.now()
    survey = Survey.objects.select_for_update().select_related("programme").get(pk=survey.pk)
    _check_open(survey, moment)
    people = list(participants)
    done = set(Invitation.objects.filter(survey=survey, participant_id__in=[p.pk for p in people])
               .values_list("participant_id", flat=True))
    declined = declined_contact([p.pk for p in people if p.pk not in done])
    fresh, unreachable, seen = [], 0, set(done) | declined
    for person in people:
        if person.pk in seen:
            continue
        seen.add(person.pk)
        if not _reachable(person, channel):
            unreachable += 1
            continue
        fresh.append(Invitation(survey=survey, participant=person, channel=channel, invited_by=actor.user,
                                language=participant_language(person)))
    created = Invitation.objects.bulk_create(fresh, ignore_conflicts=False)
    ids = list(Invitation.objects.filter(survey=survey, participant_id__in=[i.participant_id for i in created],
                                         sent_at__isnull=True).values_list("pk", flat=True))
    already = len({p.pk for p in people} & done)
    audit.record(actor=actor.user, verb="survey.sent", obj=survey, channel=channel, invited=len(ids),
                 already=already, unreachable=unreachable, declined=len(declined))
    if ids:
        from ..tasks import deliver_invitations

        enqueue(deliver_invitations, ids, public_base_url(base_url), False)
    return SendResult(invited=len(ids), already=already, unreachable=unreachable, declined=len(declined))


def _people(qs: object) -> list[Participant]:
    return list(qs.select_related("user", "partner"))  # type: ignore[attr-defined]


@transaction.atomic
def send_to_cohort(*, actor: Principal, survey: Survey, cohort: Cohort, channel: str, completed_only: bool = False,
                   base_url: str = "", now: datetime | None = None) -> SendResult:
    """Invite the learners of a cohort (everyone who started, or only those who completed)."""
    check_manages(actor, survey)
    if cohort.course.partner_id != survey.programme.partner_id:
        raise ValidationFailed(_("Choose a cohort of this survey's partner."), field="cohort")
    enrolments = Enrolment.objects.filter(cohort=cohort, participant__isnull=False).exclude(
        status=Enrolment.Status.NO_SHOW)
    if completed_only:
        enrolments = enrolments.filter(status=Enrolment.Status.COMPLETED)
    people = Participant.objects.filter(pk__in=enrolments.values("participant_id")).order_by("pk")
    return invite(actor=actor, survey=survey, participants=_people(people), channel=channel, base_url=base_url,
                  now=now)


@transaction.atomic
def send_to_group(*, actor: Principal, survey: Survey, channel: str, centre_id: int | None = None, sex: str = "",
                  displacement: str = "", in_programme: bool = True, base_url: str = "",
                  now: datetime | None = None) -> SendResult:
    """Invite the registry's participants of the survey's partner, narrowed by centre, sex and displacement
    status (decrypted here, as the registry keeps it encrypted) and, by default, to those enrolled in a
    cohort of the survey's programme."""
    check_manages(actor, survey)
    people = participants_in_scope(actor, Cap.MANAGE_MONITORING).filter(partner_id=survey.programme.partner_id)
    if in_programme:
        people = people.filter(enrolments__cohort__programme_id=survey.programme_id).exclude(
            enrolments__status=Enrolment.Status.NO_SHOW).distinct()
    if centre_id:
        people = people.filter(centre_id=centre_id)
    if sex:
        people = people.filter(sex=sex)
    chosen = _people(people.order_by("pk"))
    if displacement:
        chosen = [p for p in chosen if p.displacement_status == displacement]
    return invite(actor=actor, survey=survey, participants=chosen, channel=channel, base_url=base_url, now=now)


@transaction.atomic
def remind(*, actor: Principal, survey: Survey, base_url: str = "", now: datetime | None = None) -> int:
    """Send a fresh link to everyone invited who has not answered; returns how many are reminded."""
    check_manages(actor, survey)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    moment = now or timezone.now()
    _check_open(survey, moment)
    # Someone reminded in the last day is not reminded again (a second click, or a page sent twice).
    ids = list(survey.invitations.filter(answered_at__isnull=True, sent_at__isnull=False)
               .exclude(reminded_at__gt=moment - REMIND_AGAIN_AFTER).values_list("pk", flat=True))
    audit.record(actor=actor.user, verb="survey.reminded", obj=survey, reminded=len(ids))
    if ids:
        from ..tasks import deliver_invitations

        enqueue(deliver_invitations, ids, public_base_url(base_url), True)
    return len(ids)


# --- delivery (after commit) ---------------------------------------------------------------------

def _message(invitation: Invitation, link: str, reminder: bool) -> tuple[str, str]:
    survey = invitation.survey
    words = {"partner": survey.programme.partner.name, "survey": pick(survey.title, invitation.language),
             "link": link}
    subject = _("%(partner)s: “%(survey)s”") % words
    if reminder:
        return subject, _("Reminder from %(partner)s: your answers to “%(survey)s” still count. It takes a few "
                          "minutes: %(link)s") % words
    return subject, _("%(partner)s asks for a few minutes of your time: “%(survey)s”. Answer here: %(link)s") % words


def deliver(*, invitation_id: int, base_url: str = "", reminder: bool = False, now: datetime | None = None) -> bool:
    """Make the invitation's single-use link, keep only its hash, and send it. False when nothing was sent
    (answered meanwhile, or the survey is no longer open)."""
    moment = now or timezone.now()
    with transaction.atomic():
        invitation = (Invitation.objects.select_for_update(of=("self",))
                      .select_related("survey__programme__partner", "participant").filter(pk=invitation_id).first())
        if invitation is None or invitation.answered_at is not None or invitation.survey.status != Survey.Status.OPEN:
            return False
        if reminder == (invitation.sent_at is None):
            return False  # a first message already gone, or a reminder for one never sent: a task ran twice
        if reminder and invitation.reminded_at and invitation.reminded_at > moment - REMIND_AGAIN_AFTER:
            return False  # this reminder already went
        token = new_token()
        Invitation.objects.filter(pk=invitation.pk).update(
            token_hash=token_hash(token), **({"reminded_at": moment, "reminders": invitation.reminders + 1}
                                             if reminder else {"sent_at": moment}))
        # Sent inside the transaction: if the gateway fails, the invitation stays unsent (and can be retried).
        person = invitation.participant
        with override(invitation.language):
            subject, text = _message(invitation, answer_link(token, invitation.language, base_url), reminder)
        if invitation.channel == Invitation.Channel.SMS:
            send_sms(str(person.phone), text)
        else:
            send_mail(subject, text, None, [person.email])
    return True
