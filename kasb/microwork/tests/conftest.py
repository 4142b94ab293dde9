"""Microwork fixtures: a published project with tasks and eligible workers (no QA, no money)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kasb.core.permissions import Principal
from kasb.microwork.models import Project, Task
from kasb.orgs.models import Programme
from kasb.orgs.services import create_programme
from kasb.participants.models import Participant
from kasb.participants.services import register_participant

from ...conftest import registration

FORM = [{"name": "total", "label": "Total", "type": "number", "min": 0},
        {"name": "kind", "label": "Kind", "type": "single_choice", "choices": ["receipt", "invoice"]}]


@pytest.fixture
def work_programme(root: Principal, world: dict[str, Any]) -> Programme:
    return create_programme(actor=root, partner=world["partner"], name="Microwork 2026", country="JO",
                            currency="JOD", platform_fee_bps=1000)


@pytest.fixture
def make_project(world: dict[str, Any], work_programme: Programme) -> Callable[..., Project]:
    def make(*, tasks: int = 3, overlap: int = 1, gold: int = 0, gold_percent: int = 0) -> Project:
        project = Project.objects.create(
            client=world["client"], programme=work_programme, name=f"Receipts x{overlap}", task_type="data_entry",
            status=Project.Status.PUBLISHED, instructions="Type the total.", answer_fields=FORM, pay_per_task=500,
            currency="JOD", estimated_seconds=60, overlap=overlap, gold_percent=gold_percent)
        Task.objects.bulk_create([Task(project=project, external_id=f"t{n}", data={"image": f"r{n}.png"})
                                  for n in range(tasks)])
        Task.objects.bulk_create([Task(project=project, external_id=f"g{n}", data={"image": f"g{n}.png"},
                                       is_gold=True, gold_answer={"total": "10", "kind": "receipt"})
                                  for n in range(gold)])
        return project
    return make


@pytest.fixture
def make_workers(coordinator: Principal, world: dict[str, Any]) -> Callable[[int], list[Participant]]:
    counter = iter(range(10_000))

    def make(count: int) -> list[Participant]:
        people = []
        for _ in range(count):
            n = next(counter)
            people.append(register_participant(actor=coordinator, partner=world["partner"], data=registration(
                given_name=f"Worker{n}", phone=f"+9627920{n:05d}", id_number=f"946-{n:08d}",
                centre=world["irbid"])))
        return people
    return make
