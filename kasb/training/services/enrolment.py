"""Enrolment: offered → accepted → active → completed, or dropped out / did not start, each move recorded."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal
from kasb.participants.models import Participant

from ..models import Cohort, Enrolment, EnrolmentChange
from ..queries import may_act_on_cohort, taking_places

S = Enrolment.Status

# Allowed moves; completing goes through certificates.complete_enrolment, which checks the course's rule.
MOVES: dict[str, frozenset[str]] = {
    S.OFFERED: frozenset({S.ACCEPTED, S.NO_SHOW}),
    S.ACCEPTED: frozenset({S.ACTIVE, S.NO_SHOW}),
    S.ACTIVE: frozenset({S.COMPLETED, S.DROPPED}),
    S.DROPPED: frozenset({S.ACTIVE}),
    S.NO_SHOW: frozenset(),
    S.COMPLETED: frozenset(),
}


def _history(enrolment: Enrolment, old: str, new: str, actor: Any, reason: str) -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    EnrolmentChange.objects.create(enrolment=enrolment, from_status=old, to_status=new, actor=user,
                                   reason=reason[:300])


@transaction.atomic
def offer_place(*, actor: Principal, cohort: Cohort, participant: Participant | None = None, staff: Any = None,
                reason: str = "") -> Enrolment:
    """Offer someone a place; refuses when the cohort is full or they already hold a place in it."""
    if not (may_act_on_cohort(actor, Cap.MANAGE_COHORTS, cohort)
            or may_act_on_cohort(actor, Cap.SELECT_APPLICANTS, cohort)):
        raise PermissionDenied(_("You cannot enrol people in this cohort."))
    if (participant is None) == (staff is None):
        raise ValidationFailed(_("Choose a participant or a member of staff."))
    if participant is not None and participant.partner_id != cohort.course.partner_id:
        raise ValidationFailed(_("This participant is registered with another partner."))
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()  # one offer at a time per cohort
    existing = Enrolment.objects.filter(cohort=cohort, participant=participant, staff=staff).first()
    if existing is not None:
        raise Conflict(_("%(name)s already has a place in this cohort.") % {"name": existing.learner_name},
                       code="already_enrolled")
    if taking_places(cohort) >= cohort.capacity:
        raise Conflict(_("This cohort is full (%(places)s places).") % {"places": cohort.capacity},
                       code="cohort_full")
    enrolment = Enrolment.objects.create(cohort=cohort, participant=participant, staff=staff)
    _history(enrolment, "", S.OFFERED, actor.user, reason)
    audit.record(actor=actor.user, verb="enrolment.offered", obj=enrolment, cohort=cohort.pk)
    return enrolment


@transaction.atomic
def move_enrolment(*, actor: Principal, enrolment: Enrolment, to: str, reason: str = "", dropout_reason: str = "",
                   completion_checked: bool = False) -> Enrolment:
    """Move an enrolment along its state machine, recording who and why; learners answer their own offer."""
    own = (enrolment.participant_id is not None and actor.participant_id == enrolment.participant_id) or (
        enrolment.staff_id is not None and actor.user is not None and actor.user.pk == enrolment.staff_id)
    if not (may_act_on_cohort(actor, Cap.MANAGE_COHORTS, enrolment.cohort)
            or may_act_on_cohort(actor, Cap.TAKE_ATTENDANCE, enrolment.cohort)
            or (own and enrolment.status == S.OFFERED and to in (S.ACCEPTED, S.NO_SHOW))
            or (own and enrolment.status == S.ACCEPTED and to == S.NO_SHOW)):
        raise PermissionDenied(_("You cannot change this enrolment."))
    if to not in MOVES.get(enrolment.status, frozenset()):
        raise Conflict(_("An enrolment cannot go from “%(old)s” to “%(new)s”.")
                       % {"old": S(enrolment.status).label, "new": S(to).label if to in S.values else to},
                       code="invalid_move")
    if to == S.COMPLETED and not completion_checked:
        raise Conflict(_("Completion is recorded by checking the course's completion rule."), code="invalid_move")
    if to == S.DROPPED and dropout_reason not in Enrolment.DropoutReason.values:
        raise ValidationFailed(_("Choose why they left: it shapes the support the next cohort gets."),
                               field="dropout_reason")
    old = enrolment.status
    changed = Enrolment.objects.filter(pk=enrolment.pk, status=old).update(
        status=to, dropout_reason=dropout_reason if to == S.DROPPED else "",
        at_risk=False if to in (S.COMPLETED, S.DROPPED) else enrolment.at_risk)
    if not changed:
        raise Conflict(_("Someone else changed this enrolment just now; reload and try again."), code="stale")
    _history(enrolment, old, to, actor.user, reason or dropout_reason)
    audit.record(actor=actor.user, verb="enrolment.moved", obj=enrolment, old=old, new=to, reason=reason,
                 dropout_reason=dropout_reason)
    enrolment.refresh_from_db()
    return enrolment
