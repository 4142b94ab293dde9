"""Monitoring fixtures: a small programme whose every figure can be counted by hand, built through the
other apps' services (monitoring itself writes nothing).

`pathway` builds, at Amal Youth:
- 9 participants: Irbid centre: 4 Syrian refugees (F, F, M, M) and 3 Jordanians, host community (F, F, M);
  Zaatari centre: 2 Syrian refugees (F, M). Women and girls: 5; one girl is 16 (a minor).
- 2 applications to a call of the programme (by people not yet registered: F, M).
- one cohort at Irbid (starting this month) in which all 9 began: 5 completed (the 4 Syrians at Irbid and
  one Jordanian woman), 2 dropped out (transport, care: the Zaatari pair), 2 still active.
- microwork: the first three completers (F, F, M Syrians at Irbid) did paid work at 0.500 JOD a task:
  worker 1: 2 approved; worker 2: 1 approved, 1 rejected; worker 3: 1 approved; every submission took 50 s.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from kasb.conftest import registration
from kasb.core.money import Money
from kasb.core.permissions import Principal, Role
from kasb.microwork.models import Project, Task
from kasb.microwork.services.review import approve, reject
from kasb.microwork.services.work import claim_next_task, submit_work
from kasb.orgs.models import Programme
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_programme
from kasb.outreach import services as outreach
from kasb.participants.models import Participant
from kasb.participants.services import register_participant
from kasb.payments.services import record_deposit, reserve
from kasb.training.models import Cohort, Course, Enrolment
from kasb.training.services.enrolment import move_enrolment, offer_place

S = Enrolment.Status
ANSWER = {"total": "12", "kind": "receipt"}
FORM = [{"name": "total", "label": "Total", "type": "number", "min": 0},
        {"name": "kind", "label": "Kind", "type": "single_choice", "choices": ["receipt", "invoice"]}]
PEOPLE = [  # (given name, sex, nationality, displacement, centre, years old)
    ("Amal", "female", "SY", "refugee", "irbid", 22),
    ("Huda", "female", "SY", "refugee", "irbid", 16),
    ("Omar", "male", "SY", "refugee", "irbid", 24),
    ("Sami", "male", "SY", "refugee", "irbid", 27),
    ("Dana", "female", "JO", "host_community", "irbid", 19),
    ("Rana", "female", "JO", "host_community", "irbid", 31),
    ("Zaid", "male", "JO", "host_community", "irbid", 20),
    ("Layla", "female", "SY", "refugee", "zaatari", 23),
    ("Yusuf", "male", "SY", "refugee", "zaatari", 25),
]


def years_ago(years: int) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=10)


def this_year() -> dict[str, str]:
    today = timezone.localdate()
    return {"start": f"{today.year}-01-01", "end": f"{today.year}-12-31"}


@pytest.fixture
def me_officer_user(member: Callable[..., Any]) -> Any:
    return member(Role.ME_OFFICER)


@pytest.fixture
def me_officer(me_officer_user: Any) -> Principal:
    return principal_for_user(me_officer_user)


@pytest.fixture
def donor_officer_user(root: Principal, world: dict[str, Any], member: Callable[..., Any]) -> Any:
    """An M&E officer at a donor organisation of Amal Youth: suppressed aggregates only."""
    from kasb.orgs.services import create_organisation

    world["donor"] = create_organisation(actor=root, kind="donor", name="Good Fund", country="JO",
                                         parent=world["partner"])
    return member(Role.ME_OFFICER, "donor")


@pytest.fixture
def programme(root: Principal, world: dict[str, Any]) -> Programme:
    return create_programme(actor=root, partner=world["partner"], name="Livelihoods 2026", country="JO",
                            currency="JOD", platform_fee_bps=1000)


def register_people(root: Principal, world: dict[str, Any], people: list[tuple[Any, ...]], offset: int = 0,
                    ) -> list[Participant]:
    out = []
    for n, (name, sex, nationality, displacement, centre, age) in enumerate(people, start=offset):
        out.append(register_participant(actor=root, partner=world["partner"], data=registration(
            given_name=name, family_name=f"Test{n}", sex=sex, nationality=nationality,
            displacement_status=displacement, centre=world[centre], date_of_birth=years_ago(age),
            phone=f"+9627955{n:05d}", id_number=f"955-{n:08d}", disability_walking=3 if n == 3 else 1,
            migrant_household=n % 4 == 0)))
    return out


def _cohort(root: Principal, world: dict[str, Any], programme: Programme, code: str = "microwork") -> Cohort:
    from kasb.training.services.courses import create_cohort

    course = Course.objects.create(partner=world["partner"], code=code, title={"en": code.title()})
    today = timezone.localdate()
    return create_cohort(actor=root, course=course, programme=programme, centre=world["irbid"],
                         name=f"Irbid {code}", starts_on=today.replace(day=1), ends_on=today + timedelta(days=30))


def _enrol(root: Principal, cohort: Cohort, people: list[Participant]) -> list[Enrolment]:
    enrolments = []
    for person in people:
        e = offer_place(actor=root, cohort=cohort, participant=person)
        e = move_enrolment(actor=root, enrolment=e, to=S.ACCEPTED)
        enrolments.append(move_enrolment(actor=root, enrolment=e, to=S.ACTIVE))
    return enrolments


def _project(root: Principal, world: dict[str, Any], programme: Programme, finance: Principal) -> Project:
    project = Project.objects.create(
        client=world["client"], programme=programme, name="Receipts", task_type="data_entry",
        status=Project.Status.PUBLISHED, instructions="Type the total.", answer_fields=FORM, pay_per_task=500,
        currency="JOD", estimated_seconds=60)
    Task.objects.bulk_create([Task(project=project, external_id=f"t{n}", data={"image": f"r{n}.png"})
                              for n in range(10)])
    record_deposit(actor=finance, client=world["client"], amount=Money(100_000, "JOD"), reference="DEP-1",
                   received_on=timezone.localdate())
    reservation = reserve(actor=finance, client=world["client"], amount=Money(100_000, "JOD"),
                          reference=f"microwork.project:{project.pk}", label=project.name,
                          idempotency_key=f"reserve:project:{project.pk}")
    Project.objects.filter(pk=project.pk).update(reservation=reservation)
    project.refresh_from_db()
    return project


def do_task(project: Project, worker: Participant, n: int) -> Any:
    lease = claim_next_task(worker=worker, project=project)
    return submit_work(worker=worker, assignment_id=lease.pk, client_key=f"k{worker.pk}-{n}", answers=ANSWER,
                       seconds_spent=50)


@pytest.fixture
def pathway(root: Principal, world: dict[str, Any], programme: Programme, member: Callable[..., Any],
            ) -> dict[str, Any]:
    people = register_people(root, world, PEOPLE)
    cohort = _cohort(root, world, programme)
    enrolments = _enrol(root, cohort, people)
    for e in enrolments[:5]:
        move_enrolment(actor=root, enrolment=e, to=S.COMPLETED, completion_checked=True)
    move_enrolment(actor=root, enrolment=enrolments[7], to=S.DROPPED, dropout_reason="transport")
    move_enrolment(actor=root, enrolment=enrolments[8], to=S.DROPPED, dropout_reason="care")
    call = _call(root, world, programme)
    for n, sex in enumerate(("female", "male")):
        outreach.submit_application(call=call, data=_application(n, sex), language="en",
                                    base_url="https://kasb.example")
    finance = principal_for_user(member(Role.FINANCE_OFFICER))
    reviewer = principal_for_user(member(Role.QA_REVIEWER))
    project = _project(root, world, programme, finance)
    for worker, verdicts in ((people[0], "aa"), (people[1], "ar"), (people[2], "a")):
        for n, verdict in enumerate(verdicts):
            submission = do_task(project, worker, n)
            if verdict == "a":
                approve(actor=reviewer, submission=submission)
            else:
                reject(actor=reviewer, submission=submission, reason_code="wrong", feedback="The total is wrong.")
    return {"people": people, "cohort": cohort, "project": project, "programme": programme}


def _call(root: Principal, world: dict[str, Any], programme: Programme) -> Any:
    today = timezone.localdate()
    spec = outreach.CallSpec(programme=programme, title={"en": "Digital skills"}, slug="digital",
                             opens_on=today - timedelta(days=5), closes_on=today + timedelta(days=20), places=10,
                             min_age=15, max_age=35, centres=[world["irbid"]])
    return outreach.open_call(actor=root, call=outreach.create_call(actor=root, spec=spec))


def _application(n: int, sex: str) -> dict[str, Any]:
    return {"given_name": f"Applicant{n}", "family_name": "Odeh", "sex": sex, "date_of_birth": years_ago(21),
            "phone": f"+9627966{n:05d}", "nationality": "SY", "displacement_status": "refugee", "area": "JO-IR",
            "education": "upper_secondary", "neet": True, "motivation": "I want to work.",
            "heard_via": "social_media", "consent_registration": True, "consent_contact": True}
