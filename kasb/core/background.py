"""Queue background work after the current transaction commits.

With CELERY_BROKER_URL set the task goes to `kasb worker` processes. Without a broker (the demo)
it runs in this process: in a thread when KASB_INLINE_THREADS is on, so the page can show
progress, or synchronously (the test suite).
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction


def _run_in_thread(task: Any, args: tuple[Any, ...]) -> None:
    def target() -> None:
        try:
            task.apply(args=args)
        finally:
            close_old_connections()

    threading.Thread(target=target, daemon=True, name=f"kasb-{task.name}").start()


def enqueue(task: Any, *args: Any) -> None:
    def send() -> None:
        if settings.CELERY_BROKER_URL:
            task.delay(*args)
        elif getattr(settings, "KASB_INLINE_THREADS", False):
            _run_in_thread(task, args)
        else:
            task.apply(args=args, throw=True)

    # robust: a failure after commit is logged, never reported to a user as if their action failed.
    transaction.on_commit(send, robust=True)
