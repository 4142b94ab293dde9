"""Quality assurance: the review queue, approval (and payment) or rejection, appeals, worker standing,
automatic approval, and aggregated results.

Decisions, so that reviewers, workers and clients can rely on them:

- **What a person reviews.** A PENDING submission is in the review queue when it is surplus (flagged),
  when it is a check (gold) question answered wrongly, when its worker is supervised (fewer than
  REVIEW_ALL_UNTIL decisions by a reviewer so far, gold accuracy under SUPERVISE_BELOW_ACCURACY, or in
  coaching), or when it falls in the fixed SAMPLE_PERCENT sample (by id, so the queue is stable). Other
  submissions are approved by the periodic sweep (`auto_approve_due`): a correctly answered check
  question, an answer that agrees with its task's aggregated result (two or more answers, confidence at
  least AGREEMENT_CONFIDENCE), and everything still waiting when the project's review window ends.
  Nobody waits longer than the review window (plus one sweep) to be paid.
- **Check questions answered wrongly** count toward the worker's accuracy (at submission) and go to a
  person. They are rejected automatically with ReasonCode.GOLD_MISSED only where the project says so
  (`Project.auto_reject_gold_missed`); such a rejection can be appealed like any other.
- **Payment.** Approval pays the worker the project's pay from the project's reservation, the partner's
  fee on top, in the same database transaction as the approval, with the idempotency key
  "submission:<id>": a double click, a retry or an upheld appeal can never pay twice. Surplus work is
  paid if the project's `pay_surplus` rule says so, and otherwise approved without pay (recorded).
  Rejection pays nothing and always carries a reason code from the published list and written feedback.
- **Standing.** Only a reviewer's decisions count toward `reviewed`/`approved` (automatic approvals
  are not reviews). Low accuracy moves a worker to coaching, with an SMS, their feedback list, and all
  their work reviewed; their pay is unchanged. Suspension is a separate decision by a programme manager,
  after notice with a reason at least SUSPENSION_NOTICE_DAYS before, or at once for fraud. Lifting
  restores good standing. Never a silent ban.
- **Aggregation** reads APPROVED and PENDING answers (rejected and appealed ones are left out; pending
  ones are in because most work is never reviewed one by one) of COMPLETE tasks. A reviewer's pick is
  never overwritten by a recomputation.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.db.models.functions import Mod
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kasb.core import audit
from kasb.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Cap, Principal
from kasb.core.sms import send_sms
from kasb.participants.models import Participant
from kasb.payments.services import pay_from_reservation
from kasb.payments.services.payouts import COUNTRY_LANGUAGE

from ..aggregate import CHOICE_TYPES, aggregate_tasks, agrees
from ..answers import check_answers
from ..models import Appeal, Project, ReasonCode, Submission, SubmissionChange, Task, TaskResult, WorkerProfile
from ..queries import worker_language
from .results import pseudonym

log = logging.getLogger(__name__)

S = Submission.Status
Standing = WorkerProfile.Standing

REVIEW_ALL_UNTIL = 20              # a worker's first 20 decisions are all made by a person
SUPERVISE_BELOW_ACCURACY = 0.8     # ... and all of them while gold accuracy is under 80%
SAMPLE_PERCENT = 20                # of everyone else's work
AGREEMENT_CONFIDENCE = 0.6
COACHING_GOLD = (0.6, 10)          # gold accuracy under 60% over at least 10 check questions
COACHING_APPROVAL = (0.6, 20)      # or approval rate under 60% over at least 20 reviewed
SUSPENSION_NOTICE_DAYS = 7
FEEDBACK_LIMIT = 2000
SYSTEM = Principal()               # automatic approvals: no person, the audit trail says why


# --- who may review --------------------------------------------------------------------------------

def review_partner_ids(actor: Principal) -> set[int]:
    return {g.partner_id for g in actor.grants_with(Cap.REVIEW_WORK) if g.partner_id}


def reviewable_projects(actor: Principal) -> QuerySet[Project]:
    """Projects of the partners whose work `actor` reviews."""
    qs = Project.objects.select_related("programme", "client")
    return qs if actor.is_superuser else qs.filter(programme__partner_id__in=review_partner_ids(actor))


def may_review(actor: Principal, project: Project) -> None:
    if actor.user is None or not actor.can(Cap.REVIEW_WORK) or (
            not actor.is_superuser and project.programme.partner_id not in review_partner_ids(actor)):
        raise PermissionDenied(_("You do not review this project's work."))


def _not_own(actor: Principal, worker_id: int) -> None:
    if actor.participant_id is not None and actor.participant_id == worker_id:
        raise PermissionDenied(_("Nobody reviews their own work: another reviewer will take this one."),
                               code="own_work")


def standing_partner_ids(actor: Principal) -> set[int]:
    """Partners whose workers' standing `actor` decides: a role holding both REVIEW_WORK and MANAGE_PROJECTS
    at the partner (a programme manager; a QA reviewer coaches but does not suspend, a client does neither)."""
    managing = set(actor.grants_with(Cap.MANAGE_PROJECTS))
    return {g.partner_id for g in actor.grants_with(Cap.REVIEW_WORK) if g in managing and g.partner_id}


def may_decide_standing(actor: Principal, worker: Participant) -> None:
    """Suspension, notice and lifting are decisions for a programme manager of the worker's partner."""
    if actor.is_superuser:
        return
    if actor.user is None or worker.partner_id not in standing_partner_ids(actor):
        raise PermissionDenied(_("Only a programme manager of this worker's partner decides their standing."))


def may_coach(actor: Principal, worker: Participant) -> None:
    if actor.is_superuser:
        return
    if actor.user is None or worker.partner_id not in review_partner_ids(actor):
        raise PermissionDenied(_("You do not review this worker's work."))
    _not_own(actor, worker.pk)


# --- the queue --------------------------------------------------------------------------------------

def _sampled(qs: QuerySet[Submission]) -> QuerySet[Submission]:
    """Submissions a person must see: see the module docstring."""
    # correct / seen < SUPERVISE_BELOW_ACCURACY, in whole numbers: correct × 100 < seen × 80
    gold_low = Q(mw_correct__lt=F("mw_floor"))
    supervised = (Q(worker__work_profile__isnull=True) | Q(worker__work_profile__reviewed__lt=REVIEW_ALL_UNTIL)
                  | Q(worker__work_profile__standing__in=[Standing.COACHING, Standing.SUSPENDED]) | gold_low)
    # 37 is prime to 100, so consecutive ids spread evenly over the hundred buckets.
    sample = Q(mw_bucket__lt=SAMPLE_PERCENT)
    return qs.alias(mw_correct=F("worker__work_profile__gold_correct") * 100,
                    mw_floor=F("worker__work_profile__gold_seen") * round(SUPERVISE_BELOW_ACCURACY * 100),
                    mw_bucket=Mod(F("pk") * 37, 100)).filter(
        Q(surplus=True) | Q(gold_correct=False) | (Q(gold_correct__isnull=True) & (supervised | sample)))


def review_queue(project: Project) -> QuerySet[Submission]:
    """The submissions of `project` waiting for a person, oldest first (nearest to automatic approval)."""
    return (_sampled(Submission.objects.filter(project=project, status=S.PENDING))
            .select_related("task", "worker", "worker__work_profile").order_by("submitted_at", "pk"))


def queue_sizes(project_ids: list[int]) -> dict[int, int]:
    """Waiting submissions per project, in one query."""
    rows = (_sampled(Submission.objects.filter(project_id__in=project_ids, status=S.PENDING))
            .order_by().values("project_id").annotate(n=Count("pk")).values_list("project_id", "n"))
    return dict(rows)


def why_reviewed(submission: Submission, profile: WorkerProfile | None) -> list[str]:
    """Why a person sees this submission, in words for the reviewer."""
    reasons = []
    if submission.surplus:
        reasons.append(_("Surplus: it arrived after the task had all its answers"))
    if submission.gold_correct is False:
        reasons.append(_("Check question answered wrongly"))
    if profile is None or profile.reviewed < REVIEW_ALL_UNTIL:
        reasons.append(_("New worker: all their first work is reviewed"))
    elif profile.standing != Standing.GOOD:
        reasons.append(_("Worker in coaching: all their work is reviewed"))
    elif profile.gold_accuracy is not None and profile.gold_accuracy < SUPERVISE_BELOW_ACCURACY:
        reasons.append(_("Low accuracy on check questions"))
    return reasons or [_("Random sample")]


def worker_label(project: Project, worker: Participant) -> dict[str, Any]:
    """What a reviewer sees of a worker: name and pseudonym, accuracy, approval rate and standing."""
    profile = getattr(worker, "work_profile", None)
    return {"name": worker.full_name, "pseudonym": pseudonym(project, worker.pk), "profile": profile,
            "gold_accuracy": profile.gold_accuracy if profile else None,
            "approval_rate": profile.approved / profile.reviewed if profile and profile.reviewed else None}


# --- decisions --------------------------------------------------------------------------------------

def _lock(submission_id: int) -> Submission:
    return (Submission.objects.select_for_update(of=("self",))
            .select_related("project", "project__programme", "project__reservation__account", "task", "worker")
            .get(pk=submission_id))


def _history(submission: Submission, old: str, new: str, user: Any, reason: str) -> None:
    SubmissionChange.objects.create(submission=submission, from_status=old, to_status=new, actor=user,
                                    reason=reason.strip()[:300])


def _pay(submission: Submission, actor: Principal) -> int | None:
    """Pay for approved work once (key "submission:<id>"); None when surplus work is not paid on this project."""
    project = submission.project
    if submission.surplus and not project.pay_surplus:
        return None
    if project.reservation is None:
        raise Conflict(_("This project has no money reserved, so its work cannot be approved and paid yet. "
                         "Ask the programme manager to fund it."), code="project_not_funded")
    # The pay in force when the work was handed in; fair-pay top-ups make up any shortfall separately.
    pay = Money(submission.pay, project.currency) if submission.pay else project.pay
    # The memo is what the worker reads beside the payment ("My money", statements): in their language, not
    # in that of the reviewer (or the sweep) who approved.
    with override(worker_language(submission.worker_id)):
        memo = _("Task %(task)s approved: %(project)s") % {"task": submission.task.external_id,
                                                           "project": project.name}
    txn = pay_from_reservation(
        actor=actor, reservation=project.reservation, worker=submission.worker, amount=pay,
        fee=pay.share(project.programme.platform_fee_bps), memo=memo,
        purpose=("microwork.submission", str(submission.pk)), idempotency_key=f"submission:{submission.pk}")
    return txn.pk


def _approve(submission: Submission, *, actor: Principal, reason: str, moment: datetime,
             feedback: str | None = None, verb: str = "submission.approved") -> Submission:
    old = submission.status
    paid = _pay(submission, actor)
    changes: dict[str, Any] = {"status": S.APPROVED, "reviewed_by": actor.user, "reviewed_at": moment,
                               "reason_code": "", "payment_transaction_id": paid}
    if feedback is not None:
        changes["feedback"] = feedback
    if not Submission.objects.filter(pk=submission.pk, status=old).update(**changes):
        raise Conflict(_("Someone else decided on this submission a moment ago."), code="already_decided")
    if paid is None:
        reason = f"{reason} " + _("(surplus work; this project does not pay it)")
    _history(submission, old, S.APPROVED, actor.user, reason)
    audit.record(actor=actor.user, verb=verb, obj=submission, transaction=paid, reason=reason[:300])
    submission.refresh_from_db()
    return submission


def _check_feedback(feedback: str, *, required: bool) -> str:
    text = (feedback or "").strip()
    if required and not text:
        raise ValidationFailed(_("Write feedback: say what was wrong, so the worker can do better and can "
                                 "appeal if they disagree."), field="feedback", code="feedback_required")
    if len(text) > FEEDBACK_LIMIT:
        raise ValidationFailed(_("Keep feedback under %(n)s characters.") % {"n": FEEDBACK_LIMIT}, field="feedback")
    return text


@transaction.atomic
def approve(*, actor: Principal, submission: Submission, feedback: str = "",
            now: datetime | None = None) -> Submission:
    """A reviewer approves: the worker is paid once. Approving again (a double click) changes nothing."""
    may_review(actor, submission.project)
    _not_own(actor, submission.worker_id)
    text = _check_feedback(feedback, required=False)
    locked = _lock(submission.pk)
    if locked.status == S.APPROVED:
        return locked
    if locked.status != S.PENDING:
        raise Conflict(_("This submission was already decided (%(status)s).") % {"status": locked.get_status_display()},
                       code="already_decided")
    moment = now or timezone.now()
    done = _approve(locked, actor=actor, reason=text or _("Approved"), feedback=text, moment=moment)
    _count_review(locked.worker, approved=True, moment=moment)
    return done


@transaction.atomic
def reject(*, actor: Principal, submission: Submission, reason_code: str, feedback: str,
           now: datetime | None = None) -> Submission:
    """A reviewer rejects with a reason from the published list and written feedback; nothing is paid."""
    may_review(actor, submission.project)
    _not_own(actor, submission.worker_id)
    if reason_code not in ReasonCode.values:
        raise ValidationFailed(_("Choose a reason from the list."), field="reason_code", code="reason_required")
    text = _check_feedback(feedback, required=True)
    locked = _lock(submission.pk)
    if locked.status == S.REJECTED:
        return locked
    if locked.status != S.PENDING:
        raise Conflict(_("This submission was already decided (%(status)s).") % {"status": locked.get_status_display()},
                       code="already_decided")
    moment = now or timezone.now()
    _reject(locked, user=actor.user, reason_code=reason_code, feedback=text, moment=moment)
    _count_review(locked.worker, approved=False, moment=moment)
    locked.refresh_from_db()
    return locked


def _reject(submission: Submission, *, user: Any, reason_code: str, feedback: str, moment: datetime) -> None:
    if not Submission.objects.filter(pk=submission.pk, status=S.PENDING).update(
            status=S.REJECTED, reason_code=reason_code, feedback=feedback, reviewed_by=user, reviewed_at=moment):
        raise Conflict(_("Someone else decided on this submission a moment ago."), code="already_decided")
    label = ReasonCode(reason_code).label
    _history(submission, S.PENDING, S.REJECTED, user, f"{label}: {feedback}")
    audit.record(actor=user, verb="submission.rejected", obj=submission, reason_code=reason_code)


# --- standing --------------------------------------------------------------------------------------

def _profile(worker_id: int) -> WorkerProfile:
    profile, _created = WorkerProfile.objects.get_or_create(participant_id=worker_id)
    return profile


def _count_review(worker: Participant, *, approved: bool, moment: datetime, reviewed: int = 1) -> None:
    """Count a decision toward the worker's record (reviewed=0: an upheld appeal turns a counted rejection
    into an approval), then check whether the record calls for coaching."""
    profile = _profile(worker.pk)
    WorkerProfile.objects.filter(pk=profile.pk).update(reviewed=F("reviewed") + reviewed,
                                                       approved=F("approved") + int(approved))
    profile.refresh_from_db()
    _coach_if_low(worker, profile, moment)


def _coach_if_low(worker: Participant, profile: WorkerProfile, moment: datetime) -> bool:
    """Move a worker in good standing whose accuracy fell to coaching, once (a conditional update), with an SMS."""
    reason = coaching_reason(profile)
    if profile.standing != Standing.GOOD or not reason:
        return False
    if not WorkerProfile.objects.filter(pk=profile.pk, standing=Standing.GOOD).update(
            standing=Standing.COACHING, standing_reason=reason[:300], standing_changed_at=moment):
        return False
    profile.refresh_from_db()
    audit.record(actor=None, verb="worker.coaching", obj=profile, reason=reason)
    _tell(worker, lambda: _("Kasb: we will coach you on your microwork: %(reason)s. For a while a reviewer "
                            "checks all your tasks and writes feedback: read it under My work. Your pay per "
                            "task does not change.") % {"reason": coaching_reason(profile)})
    return True


def coaching_reason(profile: WorkerProfile) -> str:
    """Why this worker's accuracy calls for coaching, or "" if it does not."""
    floor, least = COACHING_GOLD
    if profile.gold_seen >= least and profile.gold_correct < floor * profile.gold_seen:
        return _("%(correct)s of %(seen)s check questions answered correctly") % {
            "correct": profile.gold_correct, "seen": profile.gold_seen}
    floor, least = COACHING_APPROVAL
    if profile.reviewed >= least and profile.approved < floor * profile.reviewed:
        return _("%(approved)s of %(reviewed)s reviewed tasks approved") % {
            "approved": profile.approved, "reviewed": profile.reviewed}
    return ""


def _move(profile: WorkerProfile, standing: str, reason: str, notice_at: datetime | None, moment: datetime) -> None:
    WorkerProfile.objects.filter(pk=profile.pk).update(standing=standing, standing_reason=reason[:300],
                                                       standing_notice_at=notice_at, standing_changed_at=moment)
    profile.refresh_from_db()


def _tell(worker: Participant, message: Callable[[], str]) -> None:
    """SMS the worker in their language once the decision is committed."""
    def send() -> None:
        person = Participant.objects.select_related("user", "partner").get(pk=worker.pk)
        user = person.user
        language = user.language if user is not None and user.language else COUNTRY_LANGUAGE.get(
            person.partner.country, "en")
        with override(language):
            text = message()
        if person.phone:
            send_sms(str(person.phone), text)
    transaction.on_commit(send, robust=True)


def _check_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(_("Give the reason; the worker is told it."), field="reason", code="reason_required")
    return text[:280]


@transaction.atomic
def start_coaching(*, actor: Principal, worker: Participant, reason: str, now: datetime | None = None) -> WorkerProfile:
    """A reviewer or programme manager moves a worker to coaching (all their work reviewed, with feedback)."""
    may_coach(actor, worker)
    text = _check_reason(reason)
    profile = _profile(worker.pk)
    if profile.standing != Standing.GOOD:
        raise Conflict(_("This worker is not in good standing now; lift the current standing first."))
    _move(profile, Standing.COACHING, text, None, now or timezone.now())
    audit.record(actor=actor.user, verb="worker.coaching", obj=profile, reason=text)
    _tell(worker, lambda: _("Kasb: we will coach you on your microwork: %(reason)s. A reviewer will check all your "
                            "tasks and write feedback for a while. Your pay per task does not change.")
          % {"reason": text})
    return profile


@transaction.atomic
def give_suspension_notice(*, actor: Principal, worker: Participant, reason: str,
                           now: datetime | None = None) -> WorkerProfile:
    """Tell a worker that their work will be suspended, and why, SUSPENSION_NOTICE_DAYS before it can be."""
    may_decide_standing(actor, worker)
    text = _check_reason(reason)
    moment = now or timezone.now()
    profile = _profile(worker.pk)
    if profile.standing == Standing.SUSPENDED:
        raise Conflict(_("This worker is already suspended."))
    WorkerProfile.objects.filter(pk=profile.pk).update(standing_notice_at=moment, standing_reason=text)
    profile.refresh_from_db()
    audit.record(actor=actor.user, verb="worker.suspension_notice", obj=profile, reason=text)
    due = moment + timedelta(days=SUSPENSION_NOTICE_DAYS)
    _tell(worker, lambda: _("Kasb: your microwork may be suspended from %(date)s because: %(reason)s. Talk to your "
                            "centre before then.") % {"date": due.date().isoformat(), "reason": text})
    return profile


def suspension_due(profile: WorkerProfile) -> datetime | None:
    if profile.standing_notice_at is None:
        return None
    return profile.standing_notice_at + timedelta(days=SUSPENSION_NOTICE_DAYS)


@transaction.atomic
def suspend_worker(*, actor: Principal, worker: Participant, fraud: bool = False, reason: str = "",
                   now: datetime | None = None) -> WorkerProfile:
    """Suspend a worker once their notice has run, or at once for fraud (with the evidence as the reason)."""
    may_decide_standing(actor, worker)
    moment = now or timezone.now()
    profile = _profile(worker.pk)
    if profile.standing == Standing.SUSPENDED:
        return profile
    if fraud:
        text = _("Fraud: %(reason)s") % {"reason": _check_reason(reason)}
    else:
        due = suspension_due(profile)
        if due is None:
            raise Conflict(_("Give the worker notice with the reason first; suspension is possible %(n)s days later.")
                           % {"n": SUSPENSION_NOTICE_DAYS}, code="notice_required")
        if due > moment:
            raise Conflict(_("The notice runs until %(date)s.") % {"date": due.date().isoformat()},
                           code="notice_running")
        text = profile.standing_reason
    _move(profile, Standing.SUSPENDED, text, profile.standing_notice_at or moment, moment)
    audit.record(actor=actor.user, verb="worker.suspended", obj=profile, reason=text, fraud=fraud)
    _tell(worker, lambda: _("Kasb: your microwork is suspended: %(reason)s. Your earnings are kept and paid out. "
                            "Talk to your centre to appeal.") % {"reason": text})
    return profile


@transaction.atomic
def lift_standing(*, actor: Principal, worker: Participant, note: str, now: datetime | None = None) -> WorkerProfile:
    """Back to good standing (from coaching or suspension), cancelling any notice."""
    may_decide_standing(actor, worker)
    text = _check_reason(note)
    profile = _profile(worker.pk)
    if profile.standing == Standing.GOOD and profile.standing_notice_at is None:
        return profile
    _move(profile, Standing.GOOD, text, None, now or timezone.now())
    audit.record(actor=actor.user, verb="worker.standing_lifted", obj=profile, reason=text)
    _tell(worker, lambda: _("Kasb: you are back in good standing for microwork. Thank you!"))
    return profile


def standing_list(actor: Principal) -> QuerySet[WorkerProfile]:
    """Workers a programme manager should see: in coaching, under notice, or suspended."""
    qs = (WorkerProfile.objects.filter(~Q(standing=Standing.GOOD) | Q(standing_notice_at__isnull=False))
          .select_related("participant").order_by("standing", "-standing_changed_at", "pk"))
    if actor.is_superuser:
        return qs
    return qs.filter(participant__partner_id__in=standing_partner_ids(actor))


def feedback_list(worker: Participant, limit: int = 20) -> QuerySet[Submission]:
    """A worker's rejected work with the reviewers' words: what coaching starts from."""
    return (Submission.objects.filter(worker=worker).exclude(feedback="")
            .select_related("task", "project").order_by("-reviewed_at", "-pk")[:limit])


# --- appeals -----------------------------------------------------------------------------------------

@transaction.atomic
def appeal(*, worker: Participant, submission: Submission, reason: str, now: datetime | None = None) -> Appeal:
    """A worker appeals a rejection, once, within the project's appeal period; another reviewer decides."""
    moment = now or timezone.now()
    locked = Submission.objects.select_for_update(of=("self",)).select_related("project").filter(
        pk=submission.pk, worker=worker).first()
    if locked is None:
        raise NotFound(_("No such submission of yours."))
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(_("Say why the rejection is wrong."), field="reason", code="reason_required")
    if len(text) > FEEDBACK_LIMIT:
        raise ValidationFailed(_("Keep it under %(n)s characters.") % {"n": FEEDBACK_LIMIT}, field="reason")
    if Appeal.objects.filter(submission=locked).exists():
        raise Conflict(_("You have already appealed this decision; each rejection can be appealed once."),
                       code="already_appealed")
    if locked.status != S.REJECTED:
        raise Conflict(_("Only rejected work can be appealed."), code="not_rejected")
    closes = appeal_closes(locked)
    if closes is not None and moment > closes:
        raise Conflict(_("The time to appeal ended on %(date)s.") % {"date": closes.date().isoformat()},
                       code="appeal_window_closed")
    made = Appeal.objects.create(submission=locked, reason=text)
    Submission.objects.filter(pk=locked.pk).update(status=S.APPEALED)
    _history(locked, S.REJECTED, S.APPEALED, worker.user, text)
    audit.record(actor=worker.user, verb="submission.appealed", obj=locked, appeal=made.pk)
    return made


def appeal_closes(submission: Submission) -> datetime | None:
    if submission.reviewed_at is None:
        return None
    return submission.reviewed_at + timedelta(days=submission.project.appeal_days)


def open_appeals(actor: Principal) -> QuerySet[Appeal]:
    """Undecided appeals `actor` may decide: in projects they review, not on their own rejections or work."""
    qs = Appeal.objects.filter(decided_at__isnull=True)
    if not actor.is_superuser:
        qs = qs.filter(submission__project__programme__partner_id__in=review_partner_ids(actor))
    if actor.user is not None:
        qs = qs.exclude(submission__reviewed_by=actor.user)
    if actor.participant_id:
        qs = qs.exclude(submission__worker_id=actor.participant_id)
    return qs


def appeals_for(actor: Principal, project: Project) -> QuerySet[Appeal]:
    """A project's undecided appeals that `actor` may decide, oldest first."""
    return (open_appeals(actor).filter(submission__project=project)
            .select_related("submission", "submission__task", "submission__worker", "submission__reviewed_by")
            .order_by("created_at", "pk"))


@transaction.atomic
def decide_appeal(*, actor: Principal, appeal: Appeal, upheld: bool, note: str,
                  now: datetime | None = None) -> Appeal:
    """A different reviewer decides. Upheld: approved and paid in full. Not upheld: stays rejected, with the note."""
    moment = now or timezone.now()
    locked = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal.pk)
    submission = _lock(locked.submission_id)
    may_review(actor, submission.project)
    _not_own(actor, submission.worker_id)
    if locked.decided_at is not None:  # a double click, or two reviewers at once
        if locked.upheld == upheld:
            return locked
        raise Conflict(_("This appeal was already decided."), code="already_decided")
    # Until the appeal is decided, reviewed_by is whoever rejected the work.
    if submission.reviewed_by_id is not None and submission.reviewed_by_id == actor.user.pk:
        raise PermissionDenied(_("You rejected this work; a different reviewer decides the appeal."),
                               code="same_reviewer")
    text = (note or "").strip()
    if not text:
        raise ValidationFailed(_("Write the decision: the worker reads it."), field="note", code="note_required")
    Appeal.objects.filter(pk=locked.pk).update(upheld=upheld, note=text[:FEEDBACK_LIMIT], decided_by=actor.user,
                                               decided_at=moment)
    first_by_person = submission.reviewed_by_id is not None
    if upheld:
        _approve(submission, actor=actor, moment=moment, verb="submission.appeal_upheld",
                 reason=_("Appeal upheld: %(note)s") % {"note": text})
        _count_review(submission.worker, approved=True, moment=moment, reviewed=0 if first_by_person else 1)
    else:
        Submission.objects.filter(pk=submission.pk).update(status=S.REJECTED)
        _history(submission, S.APPEALED, S.REJECTED, actor.user, _("Appeal not upheld: %(note)s") % {"note": text})
        audit.record(actor=actor.user, verb="submission.appeal_dismissed", obj=submission)
    task, project = submission.task.external_id, submission.project.name
    if upheld:
        _tell(submission.worker, lambda: _("Kasb: your appeal on task %(task)s (%(project)s) was upheld and the task "
                                           "is paid in full. %(note)s") % {"task": task, "project": project,
                                                                           "note": text})
    else:
        _tell(submission.worker, lambda: _("Kasb: your appeal on task %(task)s (%(project)s) was not upheld: "
                                           "%(note)s") % {"task": task, "project": project, "note": text})
    locked.refresh_from_db()
    return locked


# --- automatic approval ------------------------------------------------------------------------------

def _settle_one(submission_id: int, why: Callable[[Submission], str | None], moment: datetime) -> bool:
    """Approve one waiting submission automatically if `why` gives a reason; False if it was decided meanwhile."""
    with transaction.atomic():
        locked = _lock(submission_id)
        if locked.status != S.PENDING:
            return False
        reason = why(locked)
        if reason is None:
            return False
        _approve(locked, actor=SYSTEM, reason=reason, moment=moment, verb="submission.auto_approved")
        return True


def _each(ids: list[int], why: Callable[[Submission], str | None], moment: datetime) -> int:
    done = 0
    for pk in ids:
        try:
            done += _settle_one(pk, why, moment)
        except DomainError as exc:  # not funded, funds short: stop on this project, say so, try again next sweep
            log.warning("microwork: automatic approval of submission %s stopped: %s", pk, exc.message)
            break
    return done


def settle_project(*, project: Project, now: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """One sweep over a project's waiting work: gold rules, agreement with the results, the review window."""
    moment = now or timezone.now()
    pending = Submission.objects.filter(project=project, status=S.PENDING)
    counts = {"gold_rejected": 0, "gold_approved": 0, "agreed": 0, "window": 0}
    if getattr(project, "auto_reject_gold_missed", False):
        for pk in pending.filter(gold_correct=False).order_by("pk").values_list("pk", flat=True)[:limit]:
            with transaction.atomic():
                locked = _lock(pk)
                if locked.status == S.PENDING:
                    _reject(locked, user=None, reason_code=ReasonCode.GOLD_MISSED, moment=moment,
                            feedback=_("This was a check question with a known answer, and your answer did not "
                                       "match it. Read the instructions and worked examples again."))
                    counts["gold_rejected"] += 1
    counts["gold_approved"] = _each(list(pending.filter(gold_correct=True).order_by("pk").values_list(
        "pk", flat=True)[:limit]), lambda s: _("Check question answered correctly"), moment)
    unsampled = pending.exclude(pk__in=_sampled(pending).values("pk")).filter(
        task__result__confidence__gte=AGREEMENT_CONFIDENCE).exclude(
        task__result__method=TaskResult.Method.SINGLE)
    fields = project.answer_fields or []

    def agreed(sub: Submission) -> str | None:
        result = TaskResult.objects.filter(task_id=sub.task_id).first()
        if result is None or not agrees(fields, sub.answers, result.answer):
            return None
        return _("Agrees with the aggregated answer (%(method)s, confidence %(confidence)s%%)") % {
            "method": result.get_method_display(), "confidence": round(result.confidence * 100)}

    counts["agreed"] = _each(list(unsampled.order_by("pk").values_list("pk", flat=True)[:limit]), agreed, moment)
    hours = project.review_window_hours
    due = pending.filter(submitted_at__lt=moment - timedelta(hours=hours)).order_by("submitted_at", "pk")
    counts["window"] = _each(list(due.values_list("pk", flat=True)[:limit]),
                             lambda s: _("Auto-approved after %(n)s hours without review") % {"n": hours}, moment)
    return counts


def auto_approve_due(now: datetime | None = None, *, limit: int = 1000) -> int:
    """The periodic sweep: move workers whose accuracy fell to coaching; for every project with waiting
    work, aggregate what is new and settle it (see `settle_project`). Returns how many submissions were
    approved. Safe to run twice at once: each approval locks its row and pays under the submission's
    idempotency key."""
    moment = now or timezone.now()
    coach_low_accuracy(now=moment, limit=limit)
    approved = 0
    project_ids = Submission.objects.filter(status=S.PENDING).values("project_id").distinct()
    for project in Project.objects.filter(pk__in=project_ids).select_related("programme").order_by("pk"):
        if _has_unaggregated(project):
            aggregate_project(project)
        counts = settle_project(project=project, now=moment, limit=limit)
        approved += counts["gold_approved"] + counts["agreed"] + counts["window"]
    return approved


def coach_low_accuracy(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Workers in good standing whose check-question accuracy or approval rate fell below the floor move to
    coaching, with notice (accuracy moves at submission, outside any review). Returns how many moved."""
    gold_floor, gold_least = COACHING_GOLD
    rate_floor, rate_least = COACHING_APPROVAL
    low = (WorkerProfile.objects.filter(standing=Standing.GOOD)
           .alias(mw_correct=F("gold_correct") * 100, mw_gold_floor=F("gold_seen") * round(gold_floor * 100),
                  mw_approved=F("approved") * 100, mw_rate_floor=F("reviewed") * round(rate_floor * 100))
           .filter(Q(gold_seen__gte=gold_least, mw_correct__lt=F("mw_gold_floor"))
                   | Q(reviewed__gte=rate_least, mw_approved__lt=F("mw_rate_floor")))
           .select_related("participant").order_by("pk"))
    moved = 0
    for profile in low[:limit]:
        with transaction.atomic():
            moved += _coach_if_low(profile.participant, profile, now or timezone.now())
    return moved


# --- aggregated results --------------------------------------------------------------------------------

COUNTED = (S.APPROVED, S.PENDING)


def _has_unaggregated(project: Project) -> bool:
    """Whether a complete task lacks a result and got answers since the project was last aggregated (tasks
    nobody agrees on wait for a reviewer's pick and do not make every sweep recompute the project)."""
    last = TaskResult.objects.filter(task__project=project).aggregate(at=Max("updated_at"))["at"]
    missing = Task.objects.filter(project=project, status=Task.Status.COMPLETE, is_gold=False, result__isnull=True)
    if last is not None:
        missing = missing.filter(submissions__submitted_at__gt=last)
    return missing.exists()


def aggregate_project(project: Project) -> int:
    """Recompute the results of a project's COMPLETE tasks from APPROVED and PENDING answers; returns how many
    results were written. A reviewer's pick stays; a task whose free text nobody agrees on gets no result
    (it waits for a reviewer's pick)."""
    fields = project.answer_fields or []
    answers: dict[int, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    rows = (Submission.objects.filter(project=project, status__in=COUNTED)
            .filter(Q(task__status=Task.Status.COMPLETE) | Q(task__is_gold=True))
            .order_by("task_id", "submitted_at", "pk").values_list("task_id", "worker_id", "answers"))
    for task_id, worker_id, given in rows.iterator(chunk_size=2000):
        answers[task_id].append((worker_id, given or {}))
    gold = {pk: answer for pk, answer in Task.objects.filter(project=project, is_gold=True).values_list(
        "pk", "gold_answer") if isinstance(answer, dict)}
    uses_ds = any(spec.get("type") in CHOICE_TYPES for spec in fields)
    computed = aggregate_tasks(fields, answers, gold=gold, use_dawid_skene=uses_ds)
    with transaction.atomic():
        existing = {r.task_id: r for r in TaskResult.objects.filter(task__project=project).only(
            "pk", "task_id", "method")}
        new: list[TaskResult] = []
        changed: list[TaskResult] = []
        stale: list[int] = []
        for task_id, result in computed.items():
            known = existing.pop(task_id, None)
            if known is not None and known.method == TaskResult.Method.REVIEWER:
                continue
            if result.undecided:
                if known is not None:
                    stale.append(known.pk)
                continue
            row = known or TaskResult(task_id=task_id)
            row.answer, row.confidence, row.method = result.answer, result.confidence, result.method
            (changed if known else new).append(row)
        stale += [r.pk for r in existing.values() if r.method != TaskResult.Method.REVIEWER]
        TaskResult.objects.filter(pk__in=stale).delete()
        TaskResult.objects.bulk_create(new, batch_size=500)
        TaskResult.objects.bulk_update(changed, ["answer", "confidence", "method", "updated_at"], batch_size=500)
    return len(new) + len(changed)


def tasks_needing_a_pick(project: Project) -> QuerySet[Task]:
    """Complete tasks with several answers and no result: nobody agreed, so a reviewer picks or edits one."""
    if project.overlap < 2:
        return Task.objects.none()
    return (Task.objects.filter(project=project, status=Task.Status.COMPLETE, is_gold=False, result__isnull=True)
            .order_by("pk"))


@transaction.atomic
def choose_result(*, actor: Principal, task: Task, answer: object) -> TaskResult:
    """A reviewer picks or edits the answer of a task (checked against the answer form); it is final."""
    project = task.project
    may_review(actor, project)
    if actor.participant_id and Submission.objects.filter(task=task, worker_id=actor.participant_id).exists():
        raise PermissionDenied(_("You answered this task yourself: another reviewer picks its result."),
                               code="own_work")
    cleaned = check_answers(project.answer_fields, answer)
    result, _created = TaskResult.objects.update_or_create(
        task=task, defaults={"answer": cleaned, "confidence": 1.0, "method": TaskResult.Method.REVIEWER})
    audit.record(actor=actor.user, verb="task_result.chosen", obj=result, task=task.pk)
    return result
