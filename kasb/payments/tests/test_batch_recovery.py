"""A crash while the provider file is written: the batch stays approved, and running again finishes it.

The money moved when the batch was approved (one transaction); the file is written after that
commit, by a background task that can die half-way. Running the task again must write a file with
the very payout ids that were approved, so a provider that already received a partial file pays
nobody twice, and a third run must change nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from kasb.core.errors import Conflict
from kasb.core.permissions import Principal
from kasb.participants.models import Participant
from kasb.payments import tasks
from kasb.payments.models import LedgerTransaction, PayoutBatch, PayoutLine, Reservation, TransactionKind
from kasb.payments.providers import MobileMoneyCsv
from kasb.payments.queries import trial_balance
from kasb.payments.services import (
    approve_batch,
    cancel_batch,
    create_batch,
    pay_from_reservation,
    produce_batch_file,
    worker_account,
)
from kasb.payments.services.ledger import drifted_accounts, in_transit

from .conftest import jod

pytestmark = pytest.mark.django_db


class ProviderCrash(RuntimeError):
    """What a worker process dying half-way through the file looks like to the code around it."""


@pytest.fixture
def workers(finance: Principal, funded: Reservation, make_worker: Any) -> list[Participant]:
    people = [make_worker() for _ in range(6)]
    for n, person in enumerate(people):
        pay_from_reservation(actor=finance, reservation=funded, worker=person, amount=jod(f"{n + 5}.125"), fee=None,
                             memo=f"Task {n} approved", purpose=("microwork.submission", str(n)),
                             idempotency_key=f"submission:{n}")
    return people


@pytest.fixture
def crash_once(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The mobile-money writer dies after half the lines on its first call, and works after that."""
    calls = {"n": 0, "rows_before_crash": 0}
    original = MobileMoneyCsv.write

    def write(self: MobileMoneyCsv, batch: PayoutBatch, lines: Sequence[PayoutLine]) -> bytes:
        calls["n"] += 1
        if calls["n"] > 1:
            return original(self, batch, lines)

        class HalfThenCrash(Sequence[PayoutLine]):
            def __len__(self) -> int:
                return len(lines)

            def __getitem__(self, index: Any) -> Any:
                return lines[index]

            def __iter__(self) -> Iterator[PayoutLine]:
                for i, line in enumerate(lines):
                    if i == len(lines) // 2:
                        raise ProviderCrash("worker killed while writing the provider file")
                    calls["rows_before_crash"] += 1
                    yield line

        return original(self, batch, HalfThenCrash())

    monkeypatch.setattr(MobileMoneyCsv, "write", write)
    return calls


def _payout_ids_in(content: bytes) -> list[str]:
    return [row["payout_id"] for row in csv.DictReader(io.StringIO(content.decode()))]


def _stored_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "payouts"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_crash_while_writing_the_file_is_finished_by_running_again(
        crash_once: dict[str, int], finance: Principal, checker: Principal, workers: list[Participant],
        world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD")
    approved_ids = sorted(batch.lines.values_list("payout_id", flat=True))
    assert len(approved_ids) == 6

    # Approval commits, then the file task runs (after commit, as Celery would) and dies half-way. The
    # approval itself stands: a failure after commit is logged, not reported as if approving had failed.
    with django_capture_on_commit_callbacks(execute=True):
        approve_batch(actor=checker, batch=batch)
    assert crash_once == {"n": 1, "rows_before_crash": 3}

    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.APPROVED
    assert not batch.file and not batch.file_sha256 and batch.file_produced_at is None
    assert _stored_files() == []
    # The money is in transit, once, and the books are whole.
    assert all(worker_account(w, "JOD").available == jod("0") for w in workers)
    assert LedgerTransaction.objects.filter(kind=TransactionKind.PAYOUT).count() == 1
    total = sum(batch.lines.values_list("amount", flat=True))
    assert in_transit(world["partner"].pk, "mobile_money", "JOD").available.minor == total
    assert trial_balance(partner_id=world["partner"].pk) == {"JOD": 0}
    assert drifted_accounts() == []

    # The broker redelivers the task (acks_late): it runs again and finishes.
    sha = tasks.produce_batch_file.apply(args=(batch.pk,), throw=True).get()
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SENT and batch.file_sha256 == sha
    content = batch.file.read()
    batch.file.close()
    assert hashlib.sha256(content).hexdigest() == sha
    ids = _payout_ids_in(content)
    assert sorted(ids) == approved_ids and len(set(ids)) == len(ids)
    assert sorted(batch.lines.values_list("payout_id", flat=True)) == approved_ids
    assert set(batch.lines.values_list("status", flat=True)) == {PayoutLine.Status.IN_TRANSIT}
    files = _stored_files()
    assert len(files) == 1

    # A third run writes the same bytes, keeps the same file and stores no new version.
    again = produce_batch_file(batch_id=batch.pk)
    assert (again.file.name, again.file_sha256, again.file_produced_at) == (batch.file.name, sha,
                                                                           batch.file_produced_at)
    assert _stored_files() == files
    assert LedgerTransaction.objects.filter(kind=TransactionKind.PAYOUT).count() == 1
    assert crash_once["n"] == 3


def test_a_crash_after_the_file_is_stored_but_before_it_is_recorded(
        finance: Principal, checker: Principal, workers: list[Participant], world: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD")
    approved_ids = sorted(batch.lines.values_list("payout_id", flat=True))
    approve_batch(actor=checker, batch=batch)  # no commit hooks in this test: the file task has not run
    original_save = default_storage.save
    saved: list[str] = []

    def save_then_die(name: str, content: Any, *args: Any, **kwargs: Any) -> str:
        saved.append(original_save(name, content, *args, **kwargs))
        raise ProviderCrash("worker killed after the file was stored")

    monkeypatch.setattr(default_storage, "save", save_then_die)
    with pytest.raises(ProviderCrash):
        produce_batch_file(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.APPROVED and not batch.file
    monkeypatch.undo()

    batch = produce_batch_file(batch_id=batch.pk)
    content = batch.file.read()
    batch.file.close()
    # The stray copy from the first run holds the very same lines: sending either pays each id once.
    assert sorted(_payout_ids_in(content)) == approved_ids
    assert default_storage.open(saved[0]).read() == content
    assert batch.status == PayoutBatch.Status.SENT


def test_an_approved_batch_cannot_be_approved_again_or_cancelled(
        finance: Principal, checker: Principal, workers: list[Participant], world: dict[str, Any]) -> None:
    batch = create_batch(actor=finance, partner=world["partner"], provider="mobile_money", currency="JOD")
    approve_batch(actor=checker, batch=batch)
    stale = PayoutBatch.objects.get(pk=batch.pk)

    with pytest.raises(Conflict) as again:
        approve_batch(actor=checker, batch=stale)
    assert again.value.code == "not_draft"
    with pytest.raises(Conflict) as cancelled:
        cancel_batch(actor=finance, batch=stale, reason="changed my mind")
    assert cancelled.value.code == "not_draft" and "approved" in cancelled.value.message

    stale.refresh_from_db()
    assert stale.status == PayoutBatch.Status.APPROVED
    assert set(stale.lines.values_list("status", flat=True)) == {PayoutLine.Status.IN_TRANSIT}
    assert LedgerTransaction.objects.filter(kind=TransactionKind.PAYOUT).count() == 1
    assert all(worker_account(w, "JOD").available == jod("0") for w in workers)
    assert trial_balance(partner_id=world["partner"].pk) == {"JOD": 0}
