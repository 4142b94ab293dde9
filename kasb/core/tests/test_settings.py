from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    print(cursor.fetchone()[0])
"""


def test_the_embedded_sqlite_database_runs_in_wal_mode(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KASB_TEST_DB_NAME"}}
    env.update(KASB_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="kasb.settings")
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60,
                         check=True)
    assert out.stdout.strip() == "wal"
    assert (tmp_path / "kasb.sqlite3").exists()
