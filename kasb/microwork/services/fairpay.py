"""Fair pay and a project's money: the minimum-wage floor, publishing with the budget reserved, pausing,
resuming, cancelling, repricing, and re-measuring how long a task really takes.

The floor. Each country has a minimum hourly wage (MinimumWage: the latest row on or before today).
A project pays pay_per_task for seconds_per_task (the client's estimate, or the measured median
once there is one); it may not publish or resume below the floor. The lowest passing pay per task
is floor × seconds ÷ 3600, rounded up to a whole minor unit.

The budget. Every answer costs the client its pay plus the programme's platform fee on it (fee
rounded half up per payment, as the ledger charges it). Publishing reserves (pay + fee) × overlap ×
tasks from the client's escrow into the project's reservation ("microwork.project:<pk>"). Later,
whatever the remaining work would cost at the current pay beyond what is still reserved (the
shortfall) is reserved before tasks are added, a paused project resumes or the pay is raised; so
adding tasks reserves exactly their cost and repricing exactly the difference.

Re-measuring. After MIN_SUBMISSIONS timed submissions the median time of counted (non-surplus)
submissions replaces the estimate. If the pay per hour at that time is below the floor, the project
is paused for repricing and every worker is topped up: for each of their submissions that is not
rejected (surplus ones too when the project pays surplus), the difference between the floor pay per
task at the measured time and the pay in force when they submitted. A worker's top-up is what that
comes to minus the top-ups already paid, so running it again pays nothing twice. Top-ups come out
of the reservation; when what is reserved would no longer cover the remaining work, the difference
is reserved from the client's escrow first. If the escrow cannot cover it either, the top-ups are
still paid from the reservation as far as it goes (the work is done; the project stays paused until
the client repricing refills it), and what could not be paid is paid at the next re-measurement,
resume or repricing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kasb.core import audit
from kasb.core.errors import Conflict, ValidationFailed
from kasb.core.models import AuditEvent
from kasb.core.money import Money
from kasb.core.permissions import Principal
from kasb.orgs.countries import country_name
from kasb.participants.models import Participant
from kasb.payments.models import Account, AccountKind, Entry, Reservation, TransactionKind
from kasb.payments.services import InsufficientFunds, pay_from_reservation, release, reservation_for, reserve
from kasb.payments.services.ledger import posted_now

from ..models import Assignment, MinimumWage, Project, Submission, Task, TopUp
from ..queries import worker_language
from .projects import parse_pay, project_for

S = Project.Status
MIN_SUBMISSIONS = 20  # timed submissions before the measured median replaces the client's estimate
MOVES: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.PUBLISHED, S.CANCELLED}),
    S.PUBLISHED: frozenset({S.PAUSED, S.CANCELLED, S.COMPLETED}),
    S.PAUSED: frozenset({S.PUBLISHED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}
REPRICED = "microwork.project.repriced"
REMEASURED = "microwork.project.remeasured"


class BelowMinimumWage(ValidationFailed):
    code = "below_minimum_wage"


def reference(project: Project) -> str:
    return f"microwork.project:{project.pk}"


# --- the floor -----------------------------------------------------------------------------------

def minimum_wage(country: str, on: date | None = None) -> MinimumWage | None:
    """The minimum hourly wage in force in `country` on `on` (today by default)."""
    return (MinimumWage.objects.filter(country=country.upper(), effective_from__lte=on or timezone.localdate())
            .order_by("-effective_from").first())


def floor_pay_per_task(hourly_minor: int, seconds: int) -> int:
    """The lowest pay per task, in minor units, that pays `hourly_minor` an hour at `seconds` a task (rounded up)."""
    return -(-hourly_minor * seconds // 3600)


@dataclass(frozen=True)
class FairPay:
    pay: Money
    seconds: int
    hourly: Money                  # the pay per hour at `seconds` a task, rounded down
    wage: MinimumWage | None
    floor: Money | None            # the minimum hourly wage, in the project's currency
    lowest_pay: Money | None       # the lowest pay per task that passes

    @property
    def ok(self) -> bool:
        return self.floor is not None and self.pay.minor * 3600 >= self.floor.minor * self.seconds


def fair_pay(project: Project, *, pay: Money | None = None, seconds: int | None = None) -> FairPay:
    pay = pay or project.pay
    seconds = seconds or project.seconds_per_task
    wage = minimum_wage(project.programme.country)
    hourly = Money(pay.minor * 3600 // max(seconds, 1), pay.currency)
    if wage is None or wage.currency != pay.currency:
        return FairPay(pay, seconds, hourly, wage, None, None)
    return FairPay(pay, seconds, hourly, wage, Money(wage.hourly, wage.currency),
                   Money(floor_pay_per_task(wage.hourly, seconds), wage.currency))


def check_fair_pay(project: Project, *, pay: Money | None = None, seconds: int | None = None) -> FairPay:
    """Raise BelowMinimumWage (naming both hourly figures and the lowest pay that passes) unless the pay is fair."""
    result = fair_pay(project, pay=pay, seconds=seconds)
    country = country_name(project.programme.country)
    if result.wage is None:
        raise BelowMinimumWage(_("No minimum wage is set for %(country)s, so fair pay cannot be checked. A "
                                 "programme manager must add it before projects there can be published.")
                               % {"country": country}, code="no_minimum_wage", field="pay_per_task")
    if result.floor is None:
        raise BelowMinimumWage(_("The minimum wage in %(country)s is set in %(wage)s but this programme pays in "
                                 "%(currency)s; ask the programme manager to set it in %(currency)s.")
                               % {"country": country, "wage": result.wage.currency, "currency": result.pay.currency},
                               code="minimum_wage_currency", field="pay_per_task")
    if not result.ok:
        raise BelowMinimumWage(
            _("%(pay)s a task at %(seconds)s seconds a task is %(hourly)s an hour, below the minimum wage in "
              "%(country)s of %(floor)s an hour. Pay at least %(lowest)s a task.")
            % {"pay": result.pay, "seconds": result.seconds, "hourly": result.hourly, "country": country,
               "floor": result.floor, "lowest": result.lowest_pay},
            field="pay_per_task", details={"hourly": str(result.hourly), "floor": str(result.floor),
                                           "lowest_pay_per_task": str(result.lowest_pay)})
    return result


# --- the budget ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Funding:
    pay: Money
    fee: Money            # the platform fee on one answer
    answers: int          # answers still to be paid: overlap × tasks, less those already paid
    needed: Money         # what those answers cost, fees included
    reserved: Money       # what is left in the project's reservation
    escrow: Money         # what the client has in escrow, not yet reserved

    @property
    def shortfall(self) -> Money:
        """What must still be reserved for the remaining work (zero when the reservation covers it)."""
        return Money(max(0, self.needed.minor - self.reserved.minor), self.pay.currency)

    @property
    def enough(self) -> bool:
        return self.escrow >= self.shortfall

    @property
    def missing(self) -> Money:
        return Money(max(0, self.shortfall.minor - self.escrow.minor), self.pay.currency)


def live_tasks(project: Project) -> int:
    return Task.objects.filter(project=project).exclude(status=Task.Status.CANCELLED).count()


def escrow_available(project: Project) -> Money:
    account = Account.objects.filter(kind=AccountKind.CLIENT_ESCROW, organisation_id=project.client_id,
                                     currency=project.currency).first()
    return account.available if account else Money.zero(project.currency)


def reserved_available(project: Project) -> Money:
    if project.reservation_id is None:
        return Money.zero(project.currency)
    return Account.objects.get(reservation__pk=project.reservation_id).available


def funding(project: Project, *, pay: Money | None = None) -> Funding:
    """What the remaining work costs at `pay` (default: the project's), against what is reserved and in escrow."""
    pay = pay or project.pay
    fee = pay.share(project.programme.platform_fee_bps)
    paid = Submission.objects.filter(project=project, surplus=False, payment_transaction_id__isnull=False).count()
    answers = max(0, project.overlap * live_tasks(project) - paid)
    return Funding(pay=pay, fee=fee, answers=answers, needed=(pay + fee).times(answers),
                   reserved=reserved_available(project), escrow=escrow_available(project))


def _reserved_so_far(reservation: Reservation) -> int:
    """Everything ever reserved into this reservation (a running total that names each new reservation)."""
    total = Entry.objects.filter(account_id=reservation.account_id,
                                 transaction__kind=TransactionKind.RESERVATION).aggregate(t=Sum("amount"))["t"]
    return -(total or 0)


def _reserve(actor: Principal, project: Project, amount: Money, purpose: str) -> Reservation:
    """Move `amount` from the client's escrow into the project's reservation, or explain the shortfall."""
    if amount.minor <= 0 and project.reservation is not None:
        return project.reservation
    ref = reference(project)
    reservation = project.reservation or reservation_for(project.client, ref, project.currency, project.name[:200])
    if amount.minor <= 0:
        return reservation
    try:
        reserve(actor=actor, client=project.client, amount=amount, reference=ref, label=project.name[:200],
                idempotency_key=f"{ref}:reserve:{_reserved_so_far(reservation)}")
    except InsufficientFunds:
        available = escrow_available(project)
        raise InsufficientFunds(
            _("Not enough money in %(client)s's escrow to %(purpose)s: %(needed)s is needed, %(available)s is "
              "available, %(missing)s short. Ask the partner's finance officer to record a deposit.")
            % {"client": project.client.name, "purpose": purpose, "needed": amount, "available": available,
               "missing": amount - available},
            details={"needed": str(amount), "available": str(available), "missing": str(amount - available)},
        ) from None
    if project.reservation_id is None:
        Project.objects.filter(pk=project.pk).update(reservation=reservation)
        project.reservation = reservation
    return reservation


def ensure_funded(*, actor: Principal, project: Project, purpose: str) -> Money:
    """Reserve what the remaining work lacks (none for a draft). Returns what was reserved; InsufficientFunds."""
    if project.status == S.DRAFT:
        return Money.zero(project.currency)
    shortfall = funding(project).shortfall
    _reserve(actor, project, shortfall, purpose)
    return shortfall


# --- moves ---------------------------------------------------------------------------------------

def move_project(project: Project, to: str, *, actor: Principal, verb: str, **data: Any) -> None:
    """One step of the project's state machine, by a conditional update, recorded in the audit trail."""
    if to not in MOVES[project.status]:
        raise Conflict(_("This project is %(status)s: it cannot become %(to)s.")
                       % {"status": project.get_status_display().lower(), "to": S(to).label.lower()},
                       code="wrong_status")
    extra: dict[str, Any] = {"published_at": timezone.now()} if to == S.PUBLISHED and not project.published_at \
        else {}
    if not Project.objects.filter(pk=project.pk, status=project.status).update(status=to, **extra):
        raise Conflict(_("Someone changed this project a moment ago; reload the page."), code="changed")
    audit.record(actor=actor.user, verb=verb, obj=project, status_from=project.status, status_to=to,
                 api_key=actor.api_key_id, **data)
    project.status = to
    for name, value in extra.items():
        setattr(project, name, value)


@transaction.atomic
def publish_project(*, actor: Principal, project: Project) -> Project:
    """Open a draft to workers: it must have tasks, pay at least the minimum wage, and be funded."""
    project = project_for(actor, project.pk, lock=True)
    if project.status != S.DRAFT:
        raise Conflict(_("Only a draft can be published."), code="wrong_status")
    tasks = live_tasks(project)
    if not tasks:
        raise ValidationFailed(_("Upload the tasks before publishing."), code="no_tasks")
    if project.deadline and project.deadline <= timezone.now():
        raise ValidationFailed(_("The deadline has passed; set a new one before publishing."), field="deadline")
    fair = check_fair_pay(project)
    money = funding(project)
    _reserve(actor, project, money.shortfall, _("publish this project"))
    move_project(project, S.PUBLISHED, actor=actor, verb="microwork.project.published", tasks=tasks,
          reserved=str(money.shortfall), hourly=str(fair.hourly), floor=str(fair.floor))
    return project


@transaction.atomic
def pause_project(*, actor: Principal, project: Project, reason: str = "") -> Project:
    """Stop handing out tasks. Work already leased can still be submitted."""
    project = project_for(actor, project.pk, lock=True)
    move_project(project, S.PAUSED, actor=actor, verb="microwork.project.paused", reason=reason.strip()[:300])
    return project


@transaction.atomic
def resume_project(*, actor: Principal, project: Project) -> Project:
    """Hand out tasks again; the pay must still be fair at the measured time, and the rest of the work funded."""
    project = project_for(actor, project.pk, lock=True)
    if project.status != S.PAUSED:
        raise Conflict(_("Only a paused project can be resumed."), code="wrong_status")
    check_fair_pay(project)
    ensure_funded(actor=actor, project=project, purpose=_("resume this project"))
    _settle_top_ups(actor, project)
    move_project(project, S.PUBLISHED, actor=actor, verb="microwork.project.resumed")
    return project


def kept_for_work_in_hand(project: Project) -> Money:
    """What a cancelled project keeps reserved: pay for submissions awaiting review and leases still running."""
    unpaid = Submission.objects.filter(project=project, payment_transaction_id__isnull=True).exclude(
        status=Submission.Status.REJECTED)
    if not project.pay_surplus:
        unpaid = unpaid.filter(surplus=False)
    leases = Assignment.objects.filter(project=project, status=Assignment.Status.ACTIVE).count()
    per_answer = project.pay + project.pay.share(project.programme.platform_fee_bps)
    return per_answer.times(unpaid.count() + leases)


@transaction.atomic
def cancel_project(*, actor: Principal, project: Project, reason: str = "") -> Project:
    """End the project: open tasks are withdrawn and what is left of the reservation goes back to escrow,
    except what pays for work already in hand (submissions awaiting review, leases still running)."""
    project = project_for(actor, project.pk, lock=True)
    status = project.status
    move_project(project, S.CANCELLED, actor=actor, verb="microwork.project.cancelled", reason=reason.strip()[:300])
    Task.objects.filter(project=project, status=Task.Status.OPEN, leased=0).update(status=Task.Status.CANCELLED)
    if status != S.DRAFT and project.reservation_id:
        reservation = Reservation.objects.select_related("client", "account").get(pk=project.reservation_id)
        left = reserved_available(project) - kept_for_work_in_hand(project)
        if left.minor > 0:
            release(actor=actor, reservation=reservation, amount=left, idempotency_key=f"{reference(project)}:cancel")
    return project


def _price_history(project: Project) -> list[tuple[datetime, int, int]]:
    events = AuditEvent.objects.filter(object_type=Project._meta.label_lower, object_id=str(project.pk),
                                       verb=REPRICED).order_by("at", "pk")
    return [(e.at, int(e.data["from"]), int(e.data["to"])) for e in events]


def _pay_at(history: list[tuple[datetime, int, int]], moment: datetime, current: int) -> int:
    """The pay per task in force at `moment` (the pay a submission made then was promised)."""
    if not history:
        return current
    price = history[0][1]
    for at, _old, new in history:
        if at <= moment:
            price = new
    return price


@transaction.atomic
def reprice_project(*, actor: Principal, project: Project, pay_per_task: Money | str | Decimal) -> Project:
    """The client changes the pay. Once published it may only go up; the difference for the remaining work is
    reserved, top-ups still owed are paid, and a paused project resumes."""
    project = project_for(actor, project.pk, lock=True)
    if project.status not in (S.DRAFT, S.PUBLISHED, S.PAUSED):
        raise Conflict(_("This project is %(status)s: its pay can no longer change.")
                       % {"status": project.get_status_display().lower()}, code="wrong_status")
    new = parse_pay(pay_per_task, project.currency)
    old = project.pay
    if project.status != S.DRAFT and new < old:
        raise ValidationFailed(_("Workers accepted this project at %(pay)s a task: the pay can go up, not down.")
                               % {"pay": old}, field="pay_per_task", code="pay_lowered")
    fair = check_fair_pay(project, pay=new)
    if project.status != S.DRAFT:
        shortfall = funding(project, pay=new).shortfall
        _reserve(actor, project, shortfall, _("pay %(pay)s a task") % {"pay": new})
    audit.record(actor=actor.user, verb=REPRICED, obj=project, **{"from": old.minor, "to": new.minor},
                 hourly=str(fair.hourly), api_key=actor.api_key_id)
    Project.objects.filter(pk=project.pk).update(pay_per_task=new.minor)
    project.pay_per_task = new.minor
    if project.status != S.DRAFT:
        _settle_top_ups(actor, project)
    if project.status == S.PAUSED:
        move_project(project, S.PUBLISHED, actor=actor, verb="microwork.project.resumed", reason="repriced")
    return project


# --- re-measuring and top-ups ------------------------------------------------------------------

@dataclass
class Remeasure:
    median_seconds: int
    submissions: int
    fair: FairPay
    paused: bool = False
    top_ups: list[TopUp] = field(default_factory=list)
    unpaid: Money | None = None    # top-ups owed that the money could not cover yet


def _median(values: list[int]) -> int:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return math.ceil((ordered[middle - 1] + ordered[middle]) / 2)  # in the worker's favour


def _timed(project: Project) -> Any:
    return Submission.objects.filter(project=project, surplus=False, seconds_spent__gt=0)


def _owed_top_ups(project: Project) -> dict[int, int]:
    """worker id → top-up still owed (minor units) to bring their submissions to the floor at the measured time."""
    if not project.measured_median_seconds:
        return {}
    result = fair_pay(project, seconds=project.measured_median_seconds)
    if result.lowest_pay is None:
        return {}
    target = result.lowest_pay.minor
    history = _price_history(project)
    work = Submission.objects.filter(project=project).exclude(status=Submission.Status.REJECTED)
    if not project.pay_surplus:
        work = work.filter(surplus=False)
    owed: dict[int, int] = {}
    for worker_id, submitted_at in work.values_list("worker_id", "submitted_at").iterator(chunk_size=5000):
        gap = target - _pay_at(history, submitted_at, project.pay_per_task)
        if gap > 0:
            owed[worker_id] = owed.get(worker_id, 0) + gap
    paid = dict(TopUp.objects.filter(project=project).values("worker_id").annotate(t=Sum("amount"))
                .values_list("worker_id", "t"))
    return {w: amount - paid.get(w, 0) for w, amount in owed.items() if amount > paid.get(w, 0)}


def _affordable(available: Money, bps: int) -> int:
    """The largest top-up (minor units) whose amount plus its fee fits in `available`."""
    amount = max(0, available.minor * 10_000 // (10_000 + bps))
    while amount > 0 and amount + Money(amount, available.currency).share(bps).minor > available.minor:
        amount -= 1
    return amount


def _settle_top_ups(actor: Principal, project: Project) -> tuple[list[TopUp], Money]:
    """Pay the top-ups owed, reserving more from escrow first when the reservation must keep covering the rest."""
    owed = _owed_top_ups(project)
    currency, bps = project.currency, project.programme.platform_fee_bps
    zero = Money.zero(currency)
    if not owed:
        return [], zero
    cost = sum((Money(a, currency) + Money(a, currency).share(bps) for a in owed.values()), zero)
    spare = reserved_available(project) - funding(project).needed
    if cost > spare:
        want = cost - Money(max(spare.minor, 0), currency)
        can = min(want, escrow_available(project))
        if can.minor > 0:
            _reserve(actor, project, can, _("top up workers to the minimum wage"))
    reservation = Reservation.objects.select_related("account", "client").get(pk=project.reservation_id or 0)
    workers = Participant.objects.in_bulk(list(owed))
    made, unpaid = [], zero
    for worker_id in sorted(owed):
        amount = Money(min(owed[worker_id], _affordable(reserved_available(project), bps)), currency)
        unpaid = unpaid + Money(owed[worker_id], currency) - amount
        if amount.minor <= 0:
            continue
        version = TopUp.objects.filter(project=project, worker_id=worker_id).count() + 1
        with override(worker_language(worker_id)):  # the worker reads the memo on their statement
            memo = _("Fair-pay top-up for %(project)s: the work took %(seconds)s seconds a task") % {
                "project": project.name, "seconds": project.measured_median_seconds}
        txn = pay_from_reservation(
            actor=actor, reservation=reservation, worker=workers[worker_id], amount=amount,
            fee=amount.share(bps), kind=TransactionKind.TOP_UP, purpose=("microwork.project", str(project.pk)),
            idempotency_key=f"topup:{project.pk}:{worker_id}:{version}", memo=memo)
        if posted_now(txn):
            made.append(TopUp.objects.create(project=project, worker_id=worker_id, amount=amount.minor,
                                             currency=currency, transaction_id=txn.pk))
    if made or unpaid.minor:
        audit.record(actor=actor.user, verb="microwork.project.topped_up", obj=project, workers=len(made),
                     paid=str(sum((Money(t.amount, currency) for t in made), zero)), unpaid=str(unpaid))
    return made, unpaid


@transaction.atomic
def remeasure(project: Project, *, actor: Principal | None = None,
              min_submissions: int = MIN_SUBMISSIONS) -> Remeasure | None:
    """Replace the estimate with the measured median time; below the floor, pause for repricing and top up.

    Needs at least `min_submissions` timed, counted submissions (None otherwise). See the module
    docstring for who is topped up, by how much, and where the money comes from.
    """
    actor = actor or Principal()
    project = Project.objects.select_for_update(of=("self",)).select_related("programme", "client").get(pk=project.pk)
    if project.status not in (S.PUBLISHED, S.PAUSED, S.COMPLETED):
        return None
    times = list(_timed(project).values_list("seconds_spent", flat=True))
    if len(times) < min_submissions:
        return None
    median = _median(times)
    Project.objects.filter(pk=project.pk).update(measured_median_seconds=median)
    project.measured_median_seconds = median
    fair = fair_pay(project, seconds=median)
    result = Remeasure(median_seconds=median, submissions=len(times), fair=fair)
    audit.record(actor=actor.user, verb=REMEASURED, obj=project, median_seconds=median, submissions=len(times),
                 hourly=str(fair.hourly), floor=str(fair.floor), below_floor=fair.floor is not None and not fair.ok)
    if fair.floor is None or fair.ok:
        return result
    if project.status == S.PUBLISHED:
        move_project(project, S.PAUSED, actor=actor, verb="microwork.project.paused",
              reason=_("Paused for repricing: the work takes %(seconds)s seconds a task, so %(pay)s a task is "
                       "%(hourly)s an hour, below the minimum wage of %(floor)s. Pay at least %(lowest)s a task.")
              % {"seconds": median, "pay": project.pay, "hourly": fair.hourly, "floor": fair.floor,
                 "lowest": fair.lowest_pay})
        result.paused = True
    result.top_ups, result.unpaid = _settle_top_ups(actor, project)
    return result


def remeasure_if_due(project_id: int) -> bool:
    """Re-measure when the timed submissions first reach MIN_SUBMISSIONS, then each time they double.

    When nothing is due it costs one count of the project's submissions and one audit look-up: queue it
    (tasks.remeasure_project) after a submission rather than calling it inside the worker's request.
    """
    project = Project.objects.filter(pk=project_id, status__in=(S.PUBLISHED, S.PAUSED)).first()
    if project is None:
        return False
    count = _timed(project).count()
    last = (AuditEvent.objects.filter(object_type=Project._meta.label_lower, object_id=str(project.pk),
                                      verb=REMEASURED).order_by("-at", "-pk").values_list("data", flat=True).first())
    before = int((last or {}).get("submissions", 0))
    if count < MIN_SUBMISSIONS or count < 2 * before:
        return False
    return remeasure(project) is not None


def pause_reason(project: Project) -> str:
    """Why the project was last paused, as recorded (empty if it never was)."""
    data = (AuditEvent.objects.filter(object_type=Project._meta.label_lower, object_id=str(project.pk),
                                      verb="microwork.project.paused").order_by("-at", "-pk")
            .values_list("data", flat=True).first())
    return str((data or {}).get("reason", ""))
