"""The `kasb` command: `kasb serve`, `kasb worker`, `kasb demo`, and every Django management command."""

from __future__ import annotations

import os
import sys


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kasb.settings")
    import django

    django.setup()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def serve(argv: list[str]) -> None:
    """Migrate, collect static files and run gunicorn on $PORT (default 8000).

    With several app servers, run `kasb migrate` once per release and start the servers with
    KASB_MIGRATE_ON_START=0 so they do not race each other to migrate.
    """
    _django_setup()
    if os.environ.get("KASB_MIGRATE_ON_START", "1").lower() not in {"0", "false", "no", "off"}:
        _manage("migrate", "--no-input", "-v", "0")
    _manage("collectstatic", "--no-input", "-v", "0")
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "127.0.0.1")
    workers = os.environ.get("WEB_CONCURRENCY", "3")
    os.execvp(  # noqa: S606 - replaces this process with gunicorn, arguments are ours
        sys.executable,
        [sys.executable, "-m", "gunicorn", "kasb.wsgi:application", "--bind", f"{host}:{port}",
         "--workers", workers, "--access-logfile", "-", *argv],
    )


def worker(argv: list[str]) -> None:
    """Run a Celery worker; needs CELERY_BROKER_URL (Redis or RabbitMQ)."""
    if not os.environ.get("CELERY_BROKER_URL"):
        sys.exit("kasb worker needs CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0); "
                 "without it tasks run inside the web process.")
    _django_setup()
    from kasb.celery import app

    app.worker_main(["worker", "--loglevel", os.environ.get("LOG_LEVEL", "INFO"), *argv])


def demo(argv: list[str]) -> None:
    """Set up the embedded SQLite database with demo data, print one login per role, then serve."""
    _django_setup()
    _manage("migrate", "--no-input", "-v", "0")
    _manage("load_demo")
    serve(argv)


def main() -> None:
    argv = sys.argv[1:]
    commands = {"serve": serve, "worker": worker, "demo": demo}
    if argv and argv[0] in commands:
        commands[argv[0]](argv[1:])
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kasb.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kasb", *argv])


if __name__ == "__main__":
    main()
