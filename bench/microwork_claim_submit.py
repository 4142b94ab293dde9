"""Benchmark handing out tasks: claim + submit cycles a second, with 1, 4 and 16 workers at once.

    .venv/bin/python bench/microwork_claim_submit.py [--tasks 100000] [--seconds 20] [--levels 1,4,16]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--mode auto|http|services]
        [--gunicorn-workers 4] [--worker-class sync] [--threads 1] [--overlap 1] [--other-projects 0]

Without --database-url it migrates a fresh SQLite file (WAL, IMMEDIATE transactions, as Kasb runs
SQLite) in a temporary directory and deletes it afterwards. With --database-url it only borrows that
server: it creates its own database there (kasb_mwbench_<random>) and drops it at the end, whatever
database the URL names. DATABASE_URL in the environment is ignored.

Setup is not what is measured: a partner, a centre, a client and a programme through the services, a
published project with --tasks tasks (bulk-inserted), --other-projects more published projects of the
same partner (each claim checks the worker may work on the project), and a distinct worker for every
client thread of every level, each registered and given a sign-in and a session (1 + 4 + 16 = 21).

`http` (the default when the worker pages are mounted): gunicorn serves the real app on a free
loopback port, and each client thread is one worker on their phone with JavaScript on: "Start" once,
then one request per cycle, the answer form posted the way htmx posts it, which records the answer
(submit_work) and brings back the next task (claim_next_task) in the same response, as the task page
does. Compressed responses are asked for, as a browser asks. `services` (the fallback while the pages
are not mounted): the same cycles in this process, each thread calling claim_next_task and submit_work.

Each level runs for --seconds; a cycle's latency is from sending the answer to having the next task.
After each level it checks the rows: no task with more counted answers than its overlap ("handed out
twice: 0" at overlap 1), no task given twice to one worker, Task.leased equal to the active leases.
It prints cycles a second and p50/p95/max latency per level, exits non-zero if a check failed or a
request failed, and stops gunicorn and removes what it made. Nothing leaves the machine. To put the
figures in context, `http` first measures for 5 s how many GET /healthz (one query) the same gunicorn
serves a second with 4 clients: what this machine, as loaded as it is at that moment, can do at best.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FORM = [{"name": "total", "label": "Total", "type": "number", "min": 0},
        {"name": "kind", "label": "Kind", "type": "single_choice", "choices": ["receipt", "invoice"]}]
ANSWER = {"total": "12.5", "kind": "receipt"}
PASSWORD = "bench-password-not-secret"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks in the project (default 100000)")
    parser.add_argument("--seconds", type=float, default=20, help="how long each level runs (default 20)")
    parser.add_argument("--levels", default="1,4,16", help="workers at once, comma-separated (default 1,4,16)")
    parser.add_argument("--overlap", type=int, default=1, help="answers needed per task (default 1)")
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL server to create a scratch database on, instead of a SQLite file")
    parser.add_argument("--mode", choices=["auto", "http", "services"], default="auto",
                        help="http: through gunicorn and the worker pages; services: in this process; "
                             "auto: http when the worker pages are mounted (default)")
    parser.add_argument("--gunicorn-workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"],
                        help="gunicorn worker class (default sync, as kasb serve runs it)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (gthread only)")
    parser.add_argument("--other-projects", type=int, default=0,
                        help="more published projects of the same partner (default 0)")
    args = parser.parse_args()
    try:
        args.levels = sorted({int(n) for n in args.levels.split(",") if n.strip()})
    except ValueError:
        parser.error("--levels takes whole numbers, e.g. 1,4,16")
    if not args.levels or min(args.levels) < 1 or max(args.levels) > 64:
        parser.error("--levels must be between 1 and 64 workers")
    if args.tasks < 100 or not 1 <= args.overlap <= 10 or not 1 <= args.seconds <= 600:
        parser.error("--tasks must be at least 100, --overlap 1 to 10, --seconds 1 to 600")
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a postgres:// URL (without it, SQLite is used)")
    return args


# --- a database of its own ------------------------------------------------------------------------

@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new PostgreSQL database on the server `server_url` points at, dropped afterwards; yields its URL."""
    import psycopg

    parts = urllib.parse.urlsplit(server_url)
    name = f"kasb_mwbench_{uuid.uuid4().hex[:8]}"
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def configure(data_dir: str, database_url: str) -> dict[str, str]:
    """Point Django (and gunicorn later) at the scratch data directory and database; return that environment."""
    env = {
        "KASB_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "kasb.settings", "DEBUG": "0",
        "KASB_INLINE_THREADS": "0", "KASB_FAST_HASHER": "1", "LOG_LEVEL": "ERROR",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "SMS_BACKEND": "kasb.core.sms.FileBackend",
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "KASB_HTTPS": "0",
    }
    os.environ.update(env)
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "STATIC_ROOT", "MEDIA_ROOT", "DATABASE_URL", "KASB_RATE_LIMITS"):
        os.environ.pop(name, None)
    if database_url:
        os.environ["DATABASE_URL"] = env["DATABASE_URL"] = database_url
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    return env


# --- setup ----------------------------------------------------------------------------------------

@dataclass
class Worker:
    participant: Any
    session: str
    csrf: str


@dataclass
class World:
    project: Any
    workers: list[Worker]


def setup(tasks: int, overlap: int, people: int, other_projects: int = 0) -> World:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.crypto import get_random_string

    from kasb.accounts.models import User
    from kasb.accounts.services import create_user
    from kasb.microwork.models import Project, Task
    from kasb.orgs.models import Area
    from kasb.orgs.queries import principal_for_user
    from kasb.orgs.services import create_organisation, create_programme
    from kasb.participants.services import link_login, register_participant

    root = principal_for_user(User.objects.create_superuser(email="bench-root@example.org", password=None,
                                                            full_name="Benchmark administrator"))
    partner = create_organisation(actor=root, kind="partner", name="Bench partner", country="JO",
                                  area=Area.objects.get(code="JO-AM"))
    centre = create_organisation(actor=root, kind="centre", name="Irbid Centre", country="JO", parent=partner,
                                 area=Area.objects.get(code="JO-IR"))
    client = create_organisation(actor=root, kind="client", name="Data Co", country="JO", parent=partner)
    programme = create_programme(actor=root, partner=partner, name="Microwork", country="JO", currency="JOD",
                                 platform_fee_bps=1000)
    project = Project.objects.create(
        client=client, programme=programme, name="Receipts", task_type="data_entry",
        status=Project.Status.PUBLISHED, instructions="Type the total and say what kind of paper it is.",
        answer_fields=FORM, pay_per_task=150, currency="JOD", estimated_seconds=60, overlap=overlap)
    batch = 10_000
    for start in range(0, tasks, batch):
        Task.objects.bulk_create([Task(project=project, external_id=f"r{n:07d}",
                                       data={"image": f"receipts/r{n:07d}.png", "shop": f"Shop {n % 997}"})
                                  for n in range(start, min(tasks, start + batch))], batch_size=2000)
    Project.objects.bulk_create([
        Project(client=client, programme=programme, name=f"Other {n}", task_type="classification",
                status=Project.Status.PUBLISHED, instructions="Choose the label.", answer_fields=FORM,
                pay_per_task=100, currency="JOD", estimated_seconds=30) for n in range(other_projects)],
        batch_size=1000)
    workers = []
    for n in range(people):
        phone = f"+9627955{n:05d}"
        person = register_participant(actor=root, partner=partner, data={
            "given_name": f"Worker{n}", "family_name": "Bench", "sex": "female", "date_of_birth": date(2002, 3, 1),
            "nationality": "JO", "displacement_status": "host_community", "phone": phone, "centre": centre,
            "id_kind": "national_id", "id_number": f"99{n:08d}", "consent_registration": True})
        user = create_user(full_name=f"Worker{n} Bench", phone=phone, password=PASSWORD)
        link_login(actor=root, participant=person, user=user)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "kasb.accounts.backends.EmailOrPhoneBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        assert session.session_key is not None
        workers.append(Worker(person, session.session_key, get_random_string(32)))
    analyse()
    return World(project, workers)


def analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def query_counts(world: World) -> dict[str, int]:
    """Queries of one claim and one submit (a fresh worker, after another worker's warm-up), from this process."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kasb.microwork.queries import may_work_on
    from kasb.microwork.services.work import claim_next_task, submit_work

    project = world.project
    warm, probe = world.workers[-2].participant, world.workers[-1].participant
    lease = claim_next_task(worker=warm, project=project)
    submit_work(worker=warm, assignment_id=lease.pk, client_key="warm-up", answers=ANSWER)
    with CaptureQueriesContext(connection) as claimed:
        lease = claim_next_task(worker=probe, project=project)
    with CaptureQueriesContext(connection) as submitted:
        submit_work(worker=probe, assignment_id=lease.pk, client_key="probe", answers=ANSWER)
    with CaptureQueriesContext(connection) as eligible:
        may_work_on(probe, project)
    return {"claim_next_task": len(claimed), "submit_work": len(submitted), "of which may_work_on": len(eligible)}


# --- driving it -----------------------------------------------------------------------------------

@dataclass
class Level:
    workers: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def cycles(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


def run_level(level: Level, workers: list[Worker], seconds: float,
              cycle_loop: Callable[[Worker, float, list[float], list[str]], None]) -> None:
    """Run one thread per worker until the deadline; each appends its cycle latencies (seconds)."""
    barrier = threading.Barrier(len(workers) + 1)
    per_thread: list[list[float]] = [[] for _ in workers]
    errors: list[str] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            cycle_loop(workers[i], deadline, per_thread[i], errors)
        except Exception as exc:  # noqa: BLE001 - reported with the level's figures
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    level.seconds = time.perf_counter() - start
    level.latencies = [t for lat in per_thread for t in lat]
    level.errors = list(errors)
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        level.errors.append(f"{stuck} client threads did not stop")


def services_loop(project: Any) -> Callable[[Worker, float, list[float], list[str]], None]:
    def loop(worker: Worker, deadline: float, latencies: list[float], errors: list[str]) -> None:
        from django.db import connections

        from kasb.microwork.services.work import claim_next_task, submit_work

        try:
            lease = claim_next_task(worker=worker.participant, project=project)
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                submit_work(worker=worker.participant, assignment_id=lease.pk, client_key=uuid.uuid4().hex,
                            answers=ANSWER, seconds_spent=45)
                lease = claim_next_task(worker=worker.participant, project=project)
                latencies.append(time.perf_counter() - start)
        finally:
            connections.close_all()
    return loop


PUSHED = re.compile(r"/task/(\d+)/$")


class Phone:
    """One worker's browser with JavaScript on: the session cookie, the CSRF cookie, htmx's headers."""

    def __init__(self, port: int, worker: Worker) -> None:
        self.port = port
        self.headers = {
            "Cookie": f"sessionid={worker.session}; csrftoken={worker.csrf}", "X-CSRFToken": worker.csrf,
            "HX-Request": "true", "HX-Target": "task", "Accept-Encoding": "gzip",
            "Content-Type": "application/x-www-form-urlencoded", "Host": "127.0.0.1",
            "Referer": f"http://127.0.0.1:{port}/",
        }
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str, int]:
        """POST the form; the status, the task address htmx is told to show (HX-Push-Url), the bytes received."""
        body = urllib.parse.urlencode(form)
        for attempt in range(2):
            try:
                self.conn.request("POST", path, body=body, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return response.status, response.getheader("HX-Push-Url", ""), len(data)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A sync worker closes the connection after each response; reconnect once and send again.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def calibrate(port: int, seconds: float = 5, clients: int = 4) -> float:
    """GET /healthz (one trivial query) from `clients` threads: requests a second."""
    done = [0] * clients
    deadline = time.perf_counter() + seconds

    def run(i: int) -> None:
        while time.perf_counter() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                done[i] += 1
            conn.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return sum(done) / (time.perf_counter() - start)


def http_loop(port: int, project: Any) -> Callable[[Worker, float, list[float], list[str]], None]:
    from django.urls import reverse
    from django.utils import translation

    with translation.override("en"):
        start_url = reverse("microwork:work_start", args=[project.pk])
        task_url = reverse("microwork:work_task", args=[0]).replace("/0/", "/{}/")

    def loop(worker: Worker, deadline: float, latencies: list[float], errors: list[str]) -> None:
        phone = Phone(port, worker)
        status, pushed, _size = phone.post(start_url, {"confirm": "yes"})
        match = PUSHED.search(pushed)
        if status != 200 or not match:
            errors.append(f"Start answered {status} without a task ({pushed!r})")
            return
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, pushed, _size = phone.post(task_url.format(match.group(1)), {
                "client_key": uuid.uuid4().hex, **{f"a-{name}": value for name, value in ANSWER.items()}})
            match = PUSHED.search(pushed)
            if status != 200 or not match:
                errors.append(f"submitting answered {status} without a next task ({pushed!r})")
                return
            latencies.append(time.perf_counter() - started)
    return loop


# --- gunicorn -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str], args: argparse.Namespace, log: Path) -> Iterator[int]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "kasb.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(args.gunicorn_workers), "--worker-class", args.worker_class,
               "--threads", str(args.threads), "--timeout", "60", "--log-level", "warning"]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env}, stdout=out,  # noqa: S603
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def pages_mounted(project_id: int) -> bool:
    from django.urls import NoReverseMatch, reverse
    from django.utils import translation

    try:
        with translation.override("en"):
            reverse("microwork:work_start", args=[project_id])
            reverse("microwork:work_task", args=[1])
    except (NoReverseMatch, ImportError, SyntaxError) as exc:
        print(f"the worker pages are not mounted ({type(exc).__name__}: {exc})")
        return False
    return True


# --- checking -------------------------------------------------------------------------------------

def check(project: Any) -> dict[str, int]:
    """What must never happen, counted from the rows."""
    from django.db.models import Count, F, Q

    from kasb.microwork.models import Assignment, Task

    A = Assignment.Status
    tasks = Task.objects.filter(project=project)
    counted = tasks.annotate(n=Count("submissions", filter=Q(submissions__surplus=False)))
    held = tasks.annotate(n=Count("assignments", filter=Q(assignments__status__in=[A.ACTIVE, A.SUBMITTED])))
    active = tasks.annotate(n=Count("assignments", filter=Q(assignments__status=A.ACTIVE)))
    return {
        "handed out twice": held.filter(n__gt=project.overlap).count(),
        "over the overlap": tasks.filter(filled__gt=project.overlap).count(),
        "filled differs from the counted answers": counted.exclude(n=F("filled")).count(),
        "leased differs from the active leases": active.exclude(n=F("leased")).count(),
        "one worker twice on a task": Assignment.objects.filter(project=project).values("task_id", "worker_id")
        .annotate(n=Count("id")).filter(n__gt=1).count(),
    }


def report(title: str, levels: list[Level]) -> None:
    print()
    print(title)
    head = f"{'workers':>8}{'cycles':>9}{'per second':>12}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}"
    print(head)
    print("-" * len(head))
    for level in levels:
        print(f"{level.workers:>8}{level.cycles:>9}{level.cycles / level.seconds:>12.1f}"
              f"{level.percentile(0.50) * 1000:>9.1f}{level.percentile(0.95) * 1000:>9.1f}"
              f"{(max(level.latencies) if level.latencies else float('nan')) * 1000:>9.1f}{len(level.errors):>8}")


def main() -> int:
    args = parse_args()
    data_dir = tempfile.mkdtemp(prefix="kasb-mwbench-")
    failed = False
    try:
        with (scratch_database(args.database_url) if args.database_url else _no_database()) as database_url:
            env = configure(data_dir, database_url)
            failed = bench(args, env, Path(data_dir))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if failed else 0


@contextmanager
def _no_database() -> Iterator[str]:
    yield ""


def bench(args: argparse.Namespace, env: dict[str, str], data_dir: Path) -> bool:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    start = time.perf_counter()
    call_command("migrate", "--no-input", "-v", "0")
    where = settings.DATABASES["default"]["NAME"]
    print(f"database: {connection.vendor} {connection.Database.__name__} ({where})")
    load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}{load}")
    people = sum(args.levels) + 2
    world = setup(args.tasks, args.overlap, people, args.other_projects)
    others = f", {args.other_projects:,} other projects" if args.other_projects else ""
    print(f"setup: {args.tasks:,} tasks at overlap {args.overlap}{others}, {people} workers with sessions "
          f"({time.perf_counter() - start:.0f} s)")
    counts = query_counts(world)
    print("queries: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
    mode = args.mode
    pending = False
    if mode == "auto":
        mode = "http" if pages_mounted(world.project.pk) else "services"
        pending = mode == "services"
    elif mode == "http" and not pages_mounted(world.project.pk):
        print("--mode http needs the worker pages (microwork:work_start, microwork:work_task)")
        return True
    connections.close_all()  # the client threads and gunicorn open their own

    levels: list[Level] = []
    problems: list[str] = []
    offset = 0
    if mode == "http":
        call_command("collectstatic", "--no-input", "-v", "0")  # pages name static files, as kasb serve does
    with (gunicorn(env, args, data_dir / "gunicorn.log") if mode == "http" else _no_port()) as port:
        if mode == "http":
            print(f"gunicorn: {args.gunicorn_workers} {args.worker_class} workers"
                  + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
                  + f" on 127.0.0.1:{port}")
            loop = http_loop(port, world.project)
            # Each gunicorn process imports, resolves URLs and compiles templates on its first requests:
            # warm them all up (with the largest level's workers, whose figures come later) before measuring.
            warm = Level(max(args.levels))
            run_level(warm, world.workers[-warm.workers - 2:-2], 4, loop)
            if warm.errors or not warm.cycles:
                problems.append(f"warm-up: {warm.errors[:3] or 'no cycle completed'}")
            print(f"calibration: GET /healthz, 4 clients: {calibrate(port):.0f} requests/s")
        else:
            if pending:
                print("HTTP: pending: the worker pages are not mounted yet, so these are the services "
                      "called from threads in this process")
            loop = services_loop(world.project)
        for n in args.levels:
            level = Level(n)
            run_level(level, world.workers[offset:offset + n], args.seconds, loop)
            offset += n
            levels.append(level)
            found = check(world.project)
            connections.close_all()
            twice = found["handed out twice"]
            print(f"{n:>2} workers: {level.cycles / level.seconds:6.1f} cycles/s, "
                  f"p50 {level.percentile(0.5) * 1000:.1f} ms, p95 {level.percentile(0.95) * 1000:.1f} ms; "
                  f"handed out twice: {twice}")
            for name, value in found.items():
                if value:
                    problems.append(f"{n} workers: {name}: {value}")
            problems += [f"{n} workers: {e}" for e in level.errors[:5]]
    title = (f"{'gunicorn' if mode == 'http' else 'in-process services'} on {connection.vendor}, "
             f"{args.tasks:,} tasks, overlap {args.overlap}, {args.seconds:.0f} s per level")
    report(title, levels)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    if mode == "http":
        errors = (data_dir / "gunicorn.log").read_text()
        if "Traceback" in errors:
            print(f"gunicorn logged errors:\n{errors[-3000:]}")
            problems.append("gunicorn logged a traceback")
    return bool(problems) or not all(level.cycles for level in levels)


@contextmanager
def _no_port() -> Iterator[int]:
    yield 0


if __name__ == "__main__":
    sys.exit(main())
