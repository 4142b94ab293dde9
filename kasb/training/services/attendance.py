"""Rosters, transport stipends, the drop-out risk flag, and assessments.

A roster save marks everyone expected at a session (accepted or active) present or absent in one
transaction. Each participant present in person at an in-person or blended session is paid the
cohort's transport stipend once, from the programme's fund: the ledger's idempotency key
`transport:<session>:<enrolment>` makes a second save (a double tap, a retry) pay nothing more. A
correction to absent reverses the stipend; marking present again pays again under a new key
(`…:2`, `…:3`), so the books always show attended in-person sessions × rate. When the fund runs
dry the roster is still saved and the stipends that could not be paid are listed; the next save
after the fund is topped up pays them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.errors import PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Cap, Principal
from kasb.core.translated import pick
from kasb.payments.models import LedgerTransaction, TransactionKind
from kasb.payments.services import InsufficientFunds, pay_stipend, reverse

from ..models import Assessment, Attendance, Cohort, Enrolment, Modality, Module, Session
from ..queries import may_act_on_cohort
from .enrolment import move_enrolment

S = Enrolment.Status

# Sessions missed in a row after which a learner is flagged as at risk of dropping out.
MISSED_SESSIONS_AT_RISK = 2
# Who is on a session's roster.
ON_ROSTER = (S.ACCEPTED, S.ACTIVE)
# Who can be given a grade: a completed enrolment's grades are what its certificate rests on.
ASSESSABLE = (S.ACTIVE,)


@dataclass
class RosterResult:
    """What a roster save did, for the page to tell the trainer."""

    present: int = 0
    absent: int = 0
    paid: list[Enrolment] = field(default_factory=list)            # stipends paid by this save
    unpaid: list[tuple[Enrolment, str]] = field(default_factory=list)  # could not be paid, and why
    reversed: list[Enrolment] = field(default_factory=list)        # stipends taken back (marked absent)
    not_reversed: list[tuple[Enrolment, str]] = field(default_factory=list)
    started: list[Enrolment] = field(default_factory=list)         # accepted → active
    flagged: list[Enrolment] = field(default_factory=list)         # newly at risk
    rate: Money | None = None

    @property
    def paid_total(self) -> Money | None:
        return self.rate.times(len(self.paid)) if self.rate is not None else None


def may_take_attendance(actor: Principal, cohort: Cohort) -> bool:
    return may_act_on_cohort(actor, Cap.TAKE_ATTENDANCE, cohort)


def _check_roster_actor(actor: Principal, cohort: Cohort) -> None:
    if not may_take_attendance(actor, cohort):
        raise PermissionDenied(_("Only this cohort's trainers and coordinators can take its attendance."))


def _earns_transport(session: Session, enrolment: Enrolment, present: bool, online: bool) -> bool:
    return (present and not online and session.modality != Modality.ONLINE
            and enrolment.participant_id is not None)


def _memo(session: Session) -> str:
    day = timezone.localtime(session.starts_at).date()
    return _("Transport, %(date)s (%(course)s)") % {"date": date_format(day, "DATE_FORMAT"),
                                                     "course": pick(session.cohort.course.title)}


def _next_key(session: Session, enrolment: Enrolment) -> str:
    """The first payment for a session uses the plain key; after each reversal, a new suffix."""
    base = f"transport:{session.pk}:{enrolment.pk}"
    earlier = LedgerTransaction.objects.filter(
        Q(idempotency_key=base) | Q(idempotency_key__startswith=f"{base}:"),
        purpose_type="training.session", purpose_id=str(session.pk)).count()
    return base if earlier == 0 else f"{base}:{earlier + 1}"


def _pay(actor: Principal, session: Session, enrolment: Enrolment) -> LedgerTransaction:
    cohort = session.cohort
    assert enrolment.participant is not None
    return pay_stipend(actor=actor, programme=cohort.programme, participant=enrolment.participant,
                       amount=cohort.transport, memo=_memo(session), purpose=("training.session", str(session.pk)),
                       idempotency_key=_next_key(session, enrolment), kind=TransactionKind.REIMBURSEMENT)


def _take_back(actor: Principal, row: Attendance, enrolment: Enrolment, result: RosterResult) -> bool:
    """Reverse a stipend that was paid for a session now marked absent (or online). True if reversed."""
    original = LedgerTransaction.objects.filter(pk=row.stipend_transaction_id or 0).first()
    if original is None:
        return True
    try:
        with transaction.atomic():
            reversal = reverse(actor=actor.user, original=original,
                               reason=_("Attendance corrected: not present in person"))
            audit.record(actor=actor.user, verb="attendance.stipend_reversed", obj=row, transaction=original.pk,
                         reversal=reversal.pk)
    except InsufficientFunds:
        result.not_reversed.append((enrolment, _("The stipend was already paid out; ask finance to recover it.")))
        return False
    result.reversed.append(enrolment)
    return True


def _settle_stipends(actor: Principal, session: Session, rows: dict[int, Attendance],
                     enrolments: list[Enrolment], result: RosterResult) -> None:
    """Reverse first (that money returns to the fund), then pay; stop trying once the fund is short."""
    cohort = session.cohort
    for enrolment in enrolments:
        row = rows[enrolment.pk]
        if row.stipend_transaction_id and not _earns_transport(session, enrolment, row.present, row.online) \
                and _take_back(actor, row, enrolment, result):
            Attendance.objects.filter(pk=row.pk).update(stipend_transaction_id=None)
            row.stipend_transaction_id = None
    if cohort.transport_rate <= 0:
        return
    short: str | None = None
    for enrolment in enrolments:
        row = rows[enrolment.pk]
        if row.stipend_transaction_id or not _earns_transport(session, enrolment, row.present, row.online):
            continue
        if short is not None:
            result.unpaid.append((enrolment, short))
            continue
        try:
            with transaction.atomic():
                txn = _pay(actor, session, enrolment)
        except InsufficientFunds:
            short = _("The programme's fund cannot cover this stipend; ask finance to add funds, then save again.")
            result.unpaid.append((enrolment, short))
            continue
        Attendance.objects.filter(pk=row.pk).update(stipend_transaction_id=txn.pk)
        row.stipend_transaction_id = txn.pk
        result.paid.append(enrolment)


def _update_risk(cohort: Cohort, enrolments: list[Enrolment], actor: Principal, result: RosterResult) -> None:
    """At risk: the last MISSED_SESSIONS_AT_RISK sessions on record all missed; cleared by a presence."""
    ids = [e.pk for e in enrolments]
    recent: dict[int, list[bool]] = {pk: [] for pk in ids}
    rows = (Attendance.objects.filter(enrolment_id__in=ids, session__cohort=cohort)
            .order_by("enrolment_id", "-session__starts_at").values_list("enrolment_id", "present"))
    for enrolment_id, present in rows:
        if len(recent[enrolment_id]) < MISSED_SESSIONS_AT_RISK:
            recent[enrolment_id].append(present)
    risky = {pk for pk, marks in recent.items() if len(marks) == MISSED_SESSIONS_AT_RISK and not any(marks)}
    flag = [e for e in enrolments if e.pk in risky and not e.at_risk]
    clear = [e.pk for e in enrolments if e.pk not in risky and e.at_risk]
    if flag:
        Enrolment.objects.filter(pk__in=[e.pk for e in flag]).update(at_risk=True)
        for enrolment in flag:
            enrolment.at_risk = True
            audit.record(actor=actor.user, verb="enrolment.at_risk", obj=enrolment,
                         missed=MISSED_SESSIONS_AT_RISK)
    if clear:
        Enrolment.objects.filter(pk__in=clear).update(at_risk=False)
        for enrolment in enrolments:
            if enrolment.pk in clear:
                enrolment.at_risk = False
    result.flagged = flag


def roster_of(session: Session) -> list[Enrolment]:
    """Everyone expected at `session`: accepted or active, learners' names loaded, in name order."""
    enrolments = (Enrolment.objects.filter(cohort_id=session.cohort_id, status__in=ON_ROSTER)
                  .select_related("participant", "staff"))
    return sorted(enrolments, key=lambda e: (e.learner_name.casefold(), e.pk))


@transaction.atomic
def save_roster(*, actor: Principal, session: Session, present_ids: Iterable[int],
                online_ids: Iterable[int] = ()) -> RosterResult:
    """Mark everyone on the roster present (ids in `present_ids` or `online_ids`) or absent, in one go.

    `online_ids` are those who joined online (everyone present, for an online session); they get no
    transport stipend. Accepted learners become active at their first presence. Saving the same roster
    again changes nothing and pays nothing twice. Ids not on the roster (someone dropped meanwhile)
    are ignored.
    """
    # One roster save per session at a time (the session row only, not its cohort's).
    session = Session.objects.select_for_update(of=("self",)).select_related(
        "cohort", "cohort__course", "cohort__programme").get(pk=session.pk)
    cohort = session.cohort
    _check_roster_actor(actor, cohort)
    if timezone.localtime(session.starts_at).date() > timezone.localdate():
        raise ValidationFailed(_("Attendance is taken on the day of the session, not before."), code="too_early")
    online = {int(pk) for pk in online_ids}
    present = {int(pk) for pk in present_ids} | online
    if session.modality == Modality.ONLINE:
        online = set(present)
    elif session.modality == Modality.IN_PERSON:
        online = set()
    enrolments = roster_of(session)
    rows = {a.enrolment_id: a for a in Attendance.objects.select_for_update().filter(
        session=session, enrolment__in=enrolments)}
    result = RosterResult(rate=cohort.transport if cohort.transport_rate else None)
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    new_rows, changed = [], []
    for enrolment in enrolments:
        here, remote = enrolment.pk in present, enrolment.pk in online and enrolment.pk in present
        result.present += here
        result.absent += not here
        row = rows.get(enrolment.pk)
        if row is None:
            row = Attendance(session=session, enrolment=enrolment, present=here, online=remote, marked_by=user)
            new_rows.append(row)
        elif (row.present, row.online) != (here, remote):
            row.present, row.online, row.marked_by = here, remote, user
            changed.append(row)
    Attendance.objects.bulk_create(new_rows)
    for row in changed:
        Attendance.objects.filter(pk=row.pk).update(present=row.present, online=row.online, marked_by=user,
                                                     marked_at=timezone.now())
    rows = {a.enrolment_id: a for a in Attendance.objects.filter(session=session, enrolment__in=enrolments)}
    for enrolment in enrolments:
        if enrolment.status == S.ACCEPTED and rows[enrolment.pk].present:
            move_enrolment(actor=actor, enrolment=enrolment, to=S.ACTIVE, reason=_("First session attended"))
            result.started.append(enrolment)
    _settle_stipends(actor, session, rows, enrolments, result)
    _update_risk(cohort, enrolments, actor, result)
    audit.record(actor=user, verb="attendance.saved", obj=session, present=result.present, absent=result.absent,
                 changed=len(new_rows) + len(changed), paid=len(result.paid), unpaid=len(result.unpaid),
                 reversed=len(result.reversed))
    return result


# --- assessments ---------------------------------------------------------------------------------

def passes(score: int, max_score: int, pass_mark_percent: int) -> bool:
    """score/max ≥ pass mark, in whole numbers (no rounding at the boundary)."""
    return score * 100 >= pass_mark_percent * max_score


def _check_score(score: Any, max_score: Any) -> tuple[int, int]:
    if isinstance(max_score, bool) or not isinstance(max_score, int) or not 0 < max_score <= 10_000:
        raise ValidationFailed(_("The maximum score must be a whole number from 1 to 10,000."), field="max_score")
    if isinstance(score, bool) or not isinstance(score, int) or score < 0:
        raise ValidationFailed(_("A score is a whole number, zero or more."), field="score")
    if score > max_score:
        raise ValidationFailed(_("A score of %(score)s is more than the maximum of %(max)s.")
                               % {"score": score, "max": max_score}, field="score")
    return score, max_score


def _check_assessable(module: Module, enrolment: Enrolment) -> None:
    if module.course_id != enrolment.cohort.course_id:
        raise ValidationFailed(_("This module is not part of the cohort's course."), field="module")
    if not module.has_assessment:
        raise ValidationFailed(_("This module has no assessment."), field="module")
    if enrolment.status not in ASSESSABLE:
        raise ValidationFailed(_("%(name)s is not an active learner in this cohort.")
                               % {"name": enrolment.learner_name}, field="enrolment", code="not_active")


@transaction.atomic
def record_assessment(*, actor: Principal, module: Module, enrolment: Enrolment, score: int,
                      max_score: int = 100) -> Assessment:
    """Grade one learner on one module (again, if they were graded before); passed = score/max ≥ pass mark."""
    _check_roster_actor(actor, enrolment.cohort)
    _check_assessable(module, enrolment)
    score, max_score = _check_score(score, max_score)
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    passed = passes(score, max_score, module.pass_mark_percent)
    earlier = Assessment.objects.select_for_update().filter(module=module, enrolment=enrolment).first()
    assessment, _created = Assessment.objects.update_or_create(
        module=module, enrolment=enrolment,
        defaults={"score": score, "max_score": max_score, "passed": passed, "assessed_by": user})
    audit.record(actor=user, verb="assessment.recorded", obj=assessment, score=score, max_score=max_score,
                 passed=passed, earlier=f"{earlier.score}/{earlier.max_score}" if earlier else "")
    return assessment


@transaction.atomic
def record_assessments(*, actor: Principal, module: Module, cohort: Cohort, scores: Mapping[int, int | None],
                       max_score: int = 100) -> list[Assessment]:
    """A module's grades for a cohort at once ({enrolment id: score}; None leaves a learner ungraded).
    Every score is checked first; one bad score saves none and names the learner."""
    _check_roster_actor(actor, cohort)
    enrolments = {e.pk: e for e in Enrolment.objects.filter(cohort=cohort, pk__in=list(scores))
                  .select_related("participant", "staff", "cohort")}
    for pk, score in scores.items():
        enrolment = enrolments.get(pk)
        if enrolment is None:
            raise ValidationFailed(_("Someone on this list is not in the cohort; reload the page."))
        if score is None:
            continue
        _check_assessable(module, enrolment)
        try:
            _check_score(score, max_score)
        except ValidationFailed as exc:
            raise ValidationFailed(f"{enrolment.learner_name}: {exc.message}", field=exc.field,
                                   details={"enrolment": pk}) from None
    return [record_assessment(actor=actor, module=module, enrolment=enrolments[pk], score=score,
                              max_score=max_score) for pk, score in scores.items() if score is not None]
