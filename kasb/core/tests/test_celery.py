"""Background work: a real `kasb worker` over Redis, and in-process running when no broker is set."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.db import connection

from kasb.core.background import enqueue
from kasb.core.permissions import Principal, Role
from kasb.orgs.queries import principal_for_user
from kasb.participants import tasks
from kasb.participants.models import ImportJob, Participant
from kasb.participants.services import start_import

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DB = 11  # a database of its own, so a test run never touches a real deployment's queues
REPO = Path(__file__).resolve().parents[3]


def redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_url() -> str:
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}; start redis-server to run this test")
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"


@pytest.fixture
def worker(redis_url: str, tmp_path: Path) -> Any:
    """A real `kasb worker` process on a queue of its own; stopped (and waited for) afterwards."""
    queue = f"kasb-test-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_URL")}
    env.update(CELERY_BROKER_URL=redis_url, CELERY_RESULT_BACKEND=redis_url, KASB_DATA_DIR=str(tmp_path),
               LOG_LEVEL="INFO")
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [str(Path(sys.executable).parent / "kasb"), "worker", "--pool", "solo", "--concurrency", "1",
         "--queues", queue, "--hostname", f"{queue}@%h", "--without-gossip", "--without-mingle"],
        env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield queue
    finally:
        process.terminate()  # warm shutdown
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def test_ping_round_trips_through_a_real_worker(redis_url: str, worker: str, tmp_path: Path) -> None:
    client = Celery("kasb-test-client", broker=redis_url, backend=redis_url)
    client.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
    try:
        value = f"hello {uuid.uuid4().hex}"
        result = client.send_task("core.ping", args=[value], queue=worker)
        try:
            answer = result.get(timeout=60)
        except Exception:
            print((tmp_path / "worker.log").read_text())  # noqa: T201 - shown only when the test fails
            raise
        assert answer == value
        result.forget()
    finally:
        client.close()


# --- without a broker -----------------------------------------------------------------------------------------

CSV = (b"given_name,family_name,sex,date_of_birth,nationality,displacement_status,consent_registration\n"
       b"Amal,Haddad,female,2003-05-14,SY,refugee,yes\n"
       b"Omar,Khalil,male,2002-01-30,JO,host_community,yes\n")


@pytest.fixture
def manager(member: Any) -> Principal:
    return principal_for_user(member(Role.PROGRAMME_MANAGER))


def new_job(manager: Principal, world: dict[str, Any]) -> ImportJob:
    return start_import(actor=manager, partner=world["partner"], centre=world["irbid"], name="people.csv",
                        content=CSV)


def test_without_a_broker_the_import_runs_in_process_after_commit(
        settings: Any, manager: Principal, world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    settings.CELERY_BROKER_URL = ""
    settings.KASB_INLINE_THREADS = False
    job = new_job(manager, world)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue(tasks.process_import, job.pk)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.QUEUED  # nothing runs before the transaction commits
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.imported_rows == 2
    assert Participant.objects.count() == 2


def test_with_a_broker_the_import_is_sent_to_the_workers(
        settings: Any, manager: Principal, world: dict[str, Any], django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/11"
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.process_import, "delay", lambda *args: sent.append(args))
    job = new_job(manager, world)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(tasks.process_import, job.pk)
        assert sent == []
    assert sent == [(job.pk,)]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and Participant.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_demo_runs_the_import_in_a_thread_and_the_job_shows_progress(settings: Any, member: Any,
                                                                         world: dict[str, Any]) -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] in ("", ":memory:"):
        pytest.skip("an in-memory SQLite database is not shared with another thread")
    settings.CELERY_BROKER_URL = ""
    settings.KASB_INLINE_THREADS = True
    manager = principal_for_user(member(Role.PROGRAMME_MANAGER))
    job = new_job(manager, world)
    enqueue(tasks.process_import, job.pk)  # autocommit: runs at once, in a thread
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.05)
    assert job.status == ImportJob.Status.DONE, (job.status, job.message)
    assert Participant.objects.count() == 2
