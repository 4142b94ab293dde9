"""Career events: planning them, registration (participants on their phone, walk-ins at the door), the waitlist
when an event is full, and QR-code check-in.

Each registration has a random token; its QR code holds the check-in address with that token signed, so a code
cannot be made up from a registration number. Checking in twice records one attendance: the second scan finds
the registration already checked in and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kasb.core import audit
from kasb.core.cleaning import clean_text
from kasb.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal, require
from kasb.orgs.models import Organisation
from kasb.participants.models import Participant

from ..models import Event, Registration, TargetGroup
from ..queries import is_for, may_serve_partner, serves, target_groups_of

R = Registration.Status
SALT = "kasb.careers.checkin"


class EventFull(DomainError):
    code = "event_full"
    status = 409


def _when(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value or ""))
        except ValueError:
            raise ValidationFailed(_("Give the date and time, e.g. 2027-03-01 10:00."), field=field) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _employers(partner: Organisation, ids: Any) -> list[Organisation]:
    wanted = {int(i) for i in (ids or []) if str(i).isdigit()}
    found = list(Organisation.objects.filter(pk__in=wanted, kind=Organisation.Kind.EMPLOYER, parent=partner))
    if len(found) != len(wanted):
        raise ValidationFailed(_("Choose employers that work with this partner."), field="employers")
    return found


@transaction.atomic
def create_event(*, actor: Principal, partner: Organisation, kind: str, title: str, starts_at: Any, ends_at: Any,
                 centre: Organisation | None = None, description: str = "", place: str = "", link: str = "",
                 capacity: int = 0, target_groups: Any = (), employers: Any = ()) -> Event:
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if partner.kind != Organisation.Kind.PARTNER or not may_serve_partner(actor, partner.pk):
        raise PermissionDenied(_("You can only plan events for your own programme."))
    values = {"title": title, "description": description, "place": place, "link": link}
    if kind not in Event.Kind.values:
        raise ValidationFailed(_("Choose the kind of event."), field="kind")
    start, end = _when(starts_at, "starts_at"), _when(ends_at, "ends_at")
    if end < start:
        raise ValidationFailed(_("The event ends before it starts."), field="ends_at")
    if centre is not None and centre.parent_id != partner.pk:
        raise ValidationFailed(_("Choose one of the partner's centres."), field="centre")
    place_text, link_text = clean_text(values.get("place"), "place", 200), clean_text(values.get("link"), "link", 200)
    if not place_text and not link_text and centre is None:
        raise ValidationFailed(_("Say where the event is, or give its online link."), field="place")
    if link_text and not link_text.startswith(("https://", "http://")):
        raise ValidationFailed(_("The link must start with https://."), field="link")
    try:
        places = int(capacity or 0)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Give the number of places (0 for no limit)."), field="capacity") from None
    if places < 0:
        raise ValidationFailed(_("Give the number of places (0 for no limit)."), field="capacity")
    groups = [g for g in (target_groups or []) if g]
    if any(g not in TargetGroup.values for g in groups):
        raise ValidationFailed(_("Choose the groups from the list."), field="target_groups")
    guests = _employers(partner, employers)
    title = clean_text(values.get("title"), "title", 200, required=True)
    description = clean_text(values.get("description"), "description", 2000)
    event = Event.objects.create(partner=partner, centre=centre, kind=kind, title=title,
                                 description=description, starts_at=start, ends_at=end,
                                 place=place_text, link=link_text, capacity=places, target_groups=groups,
                                 created_by=actor.user)
    event.employers.set(guests)
    audit.record(actor=actor.user, verb="event.created", obj=event, kind=kind)
    return event


@transaction.atomic
def set_event_employers(*, actor: Principal, event: Event, employers: Any) -> Event:
    """The employers coming to a fair or hosting a visit."""
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if not may_serve_partner(actor, event.partner_id):
        raise NotFound(_("No such event."))
    event.employers.set(_employers(event.partner, employers))
    audit.record(actor=actor.user, verb="event.employers", obj=event, employers=sorted(o.pk for o in
                                                                                       event.employers.all()))
    return event


def groups_label(event: Event) -> str:
    """"Young women, Refugees and asylum seekers": who an event is for, in the reader's language."""
    labels = dict(TargetGroup.choices)
    return ", ".join(str(labels.get(g, g)) for g in event.target_groups or [])


def taken(event: Event) -> int:
    return Registration.objects.filter(event=event, status=R.REGISTERED).count()


def is_full(event: Event) -> bool:
    return bool(event.capacity) and taken(event) >= event.capacity


def _lock(event: Event) -> Event:
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if locked.is_cancelled:
        raise ValidationFailed(_("This event was cancelled."), code="event_cancelled")
    if locked.ends_at < timezone.now():
        raise ValidationFailed(_("This event is over."), code="event_over")
    return locked


def _status(event: Event, waitlist: bool) -> str:
    if not is_full(event):
        return R.REGISTERED
    if not waitlist:
        raise EventFull(_("This event is full. You can join the waitlist: if a place frees up, it is yours."))
    return R.WAITLISTED


@transaction.atomic
def register(*, actor: Principal, event: Event, participant: Participant | None = None,
             waitlist: bool = False) -> Registration:
    """A participant registers themself (or career staff register someone they help). A full event refuses with
    EventFull unless `waitlist`; registering again returns the registration already held. An event for some
    groups (young women, refugees...) refuses a participant outside them who registers themself; career staff
    may still register someone they help, at their discretion."""
    person = participant or (Participant.objects.filter(pk=actor.participant_id).first()
                             if actor.participant_id else None)
    if person is None:
        raise PermissionDenied(_("Only participants can register for events."))
    if person.pk != actor.participant_id and not serves(actor, person):
        raise PermissionDenied(_("You can only register yourself, or someone you help."))
    locked = _lock(event)
    if person.partner_id != locked.partner_id:
        raise NotFound(_("No such event."))
    existing = Registration.objects.filter(event=locked, participant=person).first()
    if existing is not None and existing.status != R.CANCELLED:
        return existing
    if person.pk == actor.participant_id and not is_for(locked, target_groups_of(person)):
        raise Conflict(_("This event is for: %(groups)s.") % {"groups": groups_label(locked)},
                       code="not_in_target_group")
    status = _status(locked, waitlist)
    if existing is not None:
        Registration.objects.filter(pk=existing.pk).update(status=status, registered_at=timezone.now())
        existing.refresh_from_db()
        registration = existing
    else:
        registration = Registration.objects.create(event=locked, participant=person, status=status)
    audit.record(actor=actor.user, verb="event.registered", obj=registration, status=status)
    return registration


@transaction.atomic
def register_walk_in(*, actor: Principal, event: Event, name: str, phone: str, waitlist: bool = False,
                     check_in_now: bool = False) -> Registration:
    """Someone without a record (or without their phone): name and phone only, by career staff."""
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if not may_serve_partner(actor, event.partner_id):
        raise NotFound(_("No such event."))
    clean_name = clean_text(name, "name", 200, required=True)
    clean_phone = "".join(ch for ch in clean_text(phone, "phone", 30, required=True) if ch.isdigit() or ch == "+")
    if len(clean_phone.lstrip("+")) < 6:
        raise ValidationFailed(_("Give a phone number we can call."), field="phone")
    locked = _lock(event)
    status = _status(locked, waitlist)
    registration = Registration.objects.create(event=locked, walk_in_name=clean_name, walk_in_phone=clean_phone,
                                               status=status)
    audit.record(actor=actor.user, verb="event.walk_in", obj=registration, status=status)
    if check_in_now and status == R.REGISTERED:
        registration, _first = _check_in(actor, registration)
    return registration


@transaction.atomic
def cancel_registration(*, actor: Principal, registration: Registration) -> Registration:
    """Give the place up; the first on the waitlist takes it."""
    own = registration.participant_id is not None and registration.participant_id == actor.participant_id
    if not own and not (actor.can(Cap.MANAGE_CAREER_SERVICES)
                        and may_serve_partner(actor, registration.event.partner_id)):
        raise NotFound(_("No such registration."))
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.status == R.CANCELLED:
        return locked
    freed = locked.status == R.REGISTERED
    locked.status = R.CANCELLED
    locked.save(update_fields=["status"])
    audit.record(actor=actor.user, verb="event.cancelled_registration", obj=locked)
    if freed:
        event = Event.objects.select_for_update().get(pk=locked.event_id)
        if not is_full(event):
            first = Registration.objects.filter(event=event, status=R.WAITLISTED).order_by("registered_at", "pk") \
                .first()
            if first is not None:
                Registration.objects.filter(pk=first.pk).update(status=R.REGISTERED)
                audit.record(actor=actor.user, verb="event.promoted_from_waitlist", obj=first)
                transaction.on_commit(lambda: tell_promoted(registration_id=first.pk), robust=True)
    return locked


def tell_promoted(*, registration_id: int) -> bool:
    """SMS someone who has just moved from the waitlist to a place, in their language. True if a text went out."""
    from kasb.core.sms import send_sms
    from kasb.payments.services.payouts import COUNTRY_LANGUAGE

    registration = (Registration.objects.select_related("event", "event__partner", "participant",
                                                        "participant__user").get(pk=registration_id))
    person = registration.participant
    phone = person.phone if person is not None else registration.walk_in_phone
    if not phone or registration.status != R.REGISTERED:
        return False
    user = person.user if person is not None else None
    language = (user.language if user is not None and user.language
                else COUNTRY_LANGUAGE.get(registration.event.partner.country, "en"))
    event = registration.event
    with override(language):
        text = _("Kasb: a place has opened for you at %(event)s on %(day)s. We look forward to seeing you.") % {
            "event": event.title, "day": formats.date_format(timezone.localtime(event.starts_at), "SHORT_DATE_FORMAT")}
    send_sms(phone, text)
    return True


def checkin_token(registration: Registration) -> str:
    """The same code every time the page is opened (no timestamp), so a saved screenshot of it still works."""
    return signing.Signer(salt=SALT).sign(registration.token)


def registration_for_token(actor: Principal, token: str) -> Registration:
    """The registration a scanned code names, if the code is genuine and the staff member runs the event."""
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    try:
        raw = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        raise ValidationFailed(_("This code is not a Kasb event code, or it was changed."),
                               code="bad_checkin_code") from None
    found = Registration.objects.select_related("event", "participant").filter(token=str(raw)).first()
    if found is None or not may_serve_partner(actor, found.event.partner_id):
        raise NotFound(_("No such registration."))
    return found


def _has_place(registration: Registration) -> None:
    """Refuse to check in a cancelled registration or someone still on the waitlist."""
    if registration.status == R.CANCELLED:
        raise Conflict(_("This registration was cancelled."), code="registration_cancelled")
    if registration.status == R.WAITLISTED:
        raise Conflict(_("This person is on the waitlist and has no place yet."), code="on_waitlist")


def _check_in(actor: Principal, registration: Registration) -> tuple[Registration, bool]:
    _has_place(registration)
    # Conditional: a second scan (or two staff scanning at once) changes nothing.
    done = Registration.objects.filter(pk=registration.pk, checked_in_at__isnull=True).update(
        checked_in_at=timezone.now(), checked_in_by=actor.user)
    registration.refresh_from_db()
    if done:
        audit.record(actor=actor.user, verb="event.checked_in", obj=registration)
    return registration, bool(done)


@transaction.atomic
def check_in(*, actor: Principal, token: str) -> tuple[Registration, bool]:
    """Check in the holder of a scanned code: (registration, whether this scan was the first)."""
    registration = registration_for_token(actor, token)
    if registration.checked_in_at is not None:
        return registration, False
    return _check_in(actor, registration)


@transaction.atomic
def mark_attendance(*, actor: Principal, registration: Registration, present: bool, reason: str = "",
                    now: datetime | None = None) -> Registration:
    """Correct the attendance list by hand: someone who came without their code, or a paper sign-in sheet
    typed in after the event (present), or a wrong check-in undone (absent, with the reason). Marked after
    the event, the check-in is dated when the event started, so the indicators count it in the right month."""
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if not may_serve_partner(actor, registration.event.partner_id):
        raise NotFound(_("No such registration."))
    locked = Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
    moment = now or timezone.now()
    if locked.event.is_cancelled:
        raise Conflict(_("This event was cancelled."), code="event_cancelled")
    if moment < locked.event.starts_at:
        raise Conflict(_("The event has not started yet."), code="event_not_started")
    if present:
        if locked.checked_in_at is not None:
            return locked
        _has_place(locked)
        at = moment if moment <= locked.event.ends_at else locked.event.starts_at
        Registration.objects.filter(pk=locked.pk).update(checked_in_at=at, checked_in_by=actor.user)
        audit.record(actor=actor.user, verb="event.marked_present", obj=locked)
    else:
        reason = (reason or "").strip()
        if not reason:
            raise ValidationFailed(_("Say why this check-in is being undone."), field="reason")
        if locked.checked_in_at is None:
            return locked
        Registration.objects.filter(pk=locked.pk).update(checked_in_at=None, checked_in_by=None)
        audit.record(actor=actor.user, verb="event.check_in_undone", obj=locked, reason=reason[:300])
    locked.refresh_from_db()
    return locked


def attendance(event: Event) -> QuerySet[Registration]:
    return Registration.objects.filter(event=event).exclude(status=R.CANCELLED).select_related("participant") \
        .order_by("status", "registered_at", "pk")


@transaction.atomic
def cancel_event(*, actor: Principal, event: Event) -> Event:
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if not may_serve_partner(actor, event.partner_id):
        raise NotFound(_("No such event."))
    Event.objects.filter(pk=event.pk).update(is_cancelled=True)
    event.refresh_from_db()
    audit.record(actor=actor.user, verb="event.cancelled", obj=event)
    return event

