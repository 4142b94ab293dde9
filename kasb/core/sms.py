"""Pluggable SMS sending. settings.SMS_BACKEND names a class with `send(to, text)`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


class FileBackend:
    """Writes each message as a JSON line under SMS_FILE_PATH (the demo and tests read it back)."""

    def send(self, to: str, text: str) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": to, "text": text, "at": datetime.now(UTC).isoformat()}, ensure_ascii=False)
        with (folder / "messages.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


class ConsoleBackend:
    def send(self, to: str, text: str) -> None:
        print(f"SMS to {to}: {text}")  # noqa: T201


def send_sms(to: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(to, text)
