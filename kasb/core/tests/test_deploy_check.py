"""`kasb check --deploy` passes a production set-up cleanly and fails one that still uses demo secrets."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

CHECK = ("import django; django.setup(); from django.core.management import call_command; "
         "call_command('check', '--deploy', '--fail-level', 'WARNING')")
# Settings read from the environment that must not leak in from the shell running the tests.
OURS = ("DEBUG", "SECRET_KEY", "KASB_HTTPS", "ALLOWED_HOSTS", "KASB_FIELD_KEYS", "KASB_BLIND_INDEX_KEY",
        "KASB_HSTS_SECONDS", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")


def run_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in OURS}
    base.update(DJANGO_SETTINGS_MODULE="kasb.settings", KASB_DATA_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "-c", CHECK], env=base, capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[3], check=False)


def production(**overrides: str) -> dict[str, str]:
    env = {"SECRET_KEY": secrets.token_urlsafe(60), "KASB_HTTPS": "1", "ALLOWED_HOSTS": "kasb.example.org",
           "KASB_FIELD_KEYS": Fernet.generate_key().decode(), "KASB_BLIND_INDEX_KEY": secrets.token_urlsafe(40)}
    env.update(overrides)
    return env


def test_production_settings_pass_with_no_warnings(tmp_path: Path) -> None:
    result = run_check(tmp_path, **production())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_two_field_keys_during_a_rotation_pass(tmp_path: Path) -> None:
    keys = f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}"
    result = run_check(tmp_path, **production(KASB_FIELD_KEYS=keys))
    assert result.returncode == 0, result.stderr


def test_demo_defaults_fail_with_the_kasb_errors(tmp_path: Path) -> None:
    result = run_check(tmp_path)
    assert result.returncode != 0
    for code in ("kasb.E001", "kasb.E002", "kasb.E003"):
        assert code in result.stderr, result.stderr
    assert "SECRET_KEY is the demo key." in result.stderr


def test_a_malformed_field_key_fails_before_any_data_is_written(tmp_path: Path) -> None:
    result = run_check(tmp_path, **production(KASB_FIELD_KEYS="not-a-key"))
    assert result.returncode != 0
    assert "kasb.E004" in result.stderr and "generate_field_key" in result.stderr


def test_without_https_django_warns(tmp_path: Path) -> None:
    """KASB_HTTPS is what turns on secure cookies, HSTS and the redirect: forgetting it does not pass."""
    result = run_check(tmp_path, **production(KASB_HTTPS="0"))
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W012" in result.stderr
