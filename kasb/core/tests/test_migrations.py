"""The models and the migrations agree: a release never ships a model change without its migration."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command


def test_no_model_change_is_missing_a_migration(db: Any) -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()
