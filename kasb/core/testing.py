"""Helpers for the test suites of every app (imported by tests only).

`race` is how the concurrency tests start work at the same instant in real threads, each with its own
database connection, as several app servers or workers would.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections


def race(jobs: Sequence[Callable[[], Any]], timeout: float = 480) -> list[Any]:
    """Start every job at once, each in its own thread and connection; return each job's result or exception,
    in the order of `jobs`.

    `timeout` only catches a thread that never comes back (a lock wait that never ends). It is generous:
    on SQLite a job may retry a "database is locked" after a 20 s wait, and a shared 2-core machine once
    took over 240 s for 32 threads that take 10 s when it is quiet.
    """
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = jobs[i]()
        except BaseException as exc:  # noqa: BLE001 - the outcome is what the test inspects
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,), name=f"race-{i}", daemon=True) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck: a lock wait that never ends"
    return results


def race_n(workers: int, job: Callable[[int], Any], timeout: float = 480) -> list[Any]:
    """`race` of `workers` copies of `job`, the i-th called with i."""
    return race([functools.partial(job, i) for i in range(workers)], timeout=timeout)
