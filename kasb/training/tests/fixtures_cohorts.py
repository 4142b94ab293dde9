"""A cohort to take attendance in, built through the services as the application builds it.

`Cohorts.build(root, world, member)` gives: a JOD programme with 100.000 JOD in its fund, the course
catalogue, a coordinator and a trainer at the Irbid centre, the basic digital skills cohort at Irbid
(transport 1.500 JOD per attended session) with five daily in-person sessions ending today, and
`learners(n)` to enrol participants who have accepted their place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

from django.utils import timezone

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, ensure_skills, registration
from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import Programme
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_programme
from kasb.participants.models import Participant
from kasb.participants.services import link_login, register_participant
from kasb.payments.models import LedgerTransaction, TransactionKind
from kasb.payments.services import fund_programme, worker_account
from kasb.training.models import Cohort, Course, Enrolment, Session
from kasb.training.services.courses import create_cohort, generate_schedule, install_course_catalogue
from kasb.training.services.enrolment import move_enrolment, offer_place

RATE = Money(1500, "JOD")  # 1.500 JOD


def jod(text: str) -> Money:
    return Money.parse(text, "JOD")



@dataclass
class Cohorts:
    root: Principal
    world: dict[str, Any]
    member: Callable[..., User]
    programme: Programme
    manager: Principal
    finance: Principal
    coordinator_user: User
    coordinator: Principal
    trainer_user: User
    trainer: Principal
    course: Course
    cohort: Cohort
    sessions: list[Session]
    counter: Any = field(default_factory=lambda: iter(range(10_000)))

    @classmethod
    def build(cls, root: Principal, world: dict[str, Any], member: Callable[..., User], *,
              fund: str | None = "100", sessions: int = 5) -> Cohorts:
        ensure_skills()
        today = timezone.localdate()
        programme = create_programme(actor=root, partner=world["partner"], name="Digital livelihoods 2026",
                                     country="JO", currency="JOD")
        manager = principal_for_user(member(Role.PROGRAMME_MANAGER))
        finance = principal_for_user(member(Role.FINANCE_OFFICER))
        coordinator_user, trainer_user = member(Role.COORDINATOR), member(Role.TRAINER)
        coordinator, trainer = principal_for_user(coordinator_user), principal_for_user(trainer_user)
        install_course_catalogue(partner=world["partner"], actor=manager)
        course = Course.objects.get(partner=world["partner"], code="basic-digital-skills")
        cohort = create_cohort(actor=coordinator, course=course, programme=programme, centre=world["irbid"],
                               name="Basic digital skills, Irbid", starts_on=today - timedelta(days=30),
                               ends_on=today + timedelta(days=30), capacity=40, trainers=[trainer_user],
                               transport=RATE)
        planned = generate_schedule(actor=coordinator, cohort=cohort, weekdays=range(7), starts_at=time(10),
                                    ends_at=time(13), count=sessions,
                                    first_day=today - timedelta(days=sessions - 1), modality="in_person")
        if fund:
            fund_programme(actor=finance, programme=programme, amount=jod(fund), reference="GRANT-1",
                           received_on=today)
        return cls(root=root, world=world, member=member, programme=programme, manager=manager, finance=finance,
                   coordinator_user=coordinator_user, coordinator=coordinator, trainer_user=trainer_user,
                   trainer=trainer, course=course, cohort=cohort, sessions=planned)

    def participant(self, *, login: bool = False) -> Participant:
        n = next(self.counter)
        person = register_participant(actor=self.coordinator, partner=self.world["partner"], data=registration(
            given_name=f"Learner{n:03d}", family_name="Haddad", phone=f"+9627920{n:05d}",
            id_number=f"946-{n:08d}", centre=self.world["irbid"]))
        if login:
            user = create_user(full_name=person.full_name, phone=f"+9627930{n:05d}", password=PASSWORD)
            link_login(actor=self.coordinator, participant=person, user=user)
            person.refresh_from_db()
        return person

    def enrol(self, person: Participant | None = None, *, staff: User | None = None,
              accept: bool = True, cohort: Cohort | None = None) -> Enrolment:
        enrolment = offer_place(actor=self.coordinator, cohort=cohort or self.cohort, participant=person,
                                staff=staff)
        if accept:
            enrolment = move_enrolment(actor=self.coordinator, enrolment=enrolment, to=Enrolment.Status.ACCEPTED,
                                       reason="Said yes on the phone")
        return enrolment

    def learners(self, n: int) -> list[Enrolment]:
        return [self.enrol(self.participant()) for _ in range(n)]

    # --- what the books say ----------------------------------------------------------------------

    @staticmethod
    def balance(person: Participant) -> Money:
        return worker_account(person, "JOD").available

    def stipend_postings(self, session: Session | None = None) -> int:
        qs = LedgerTransaction.objects.filter(kind=TransactionKind.REIMBURSEMENT, purpose_type="training.session")
        if session is not None:
            qs = qs.filter(purpose_id=str(session.pk))
        return qs.count()
