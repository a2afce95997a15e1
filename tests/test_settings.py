"""Production mode: refuses to start without its values, and passes `check --deploy` with them.

Settings are read once per process, so each case runs in a fresh Python subprocess."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = ["SECRET_KEY", "DATABASE_URL", "BASE_DOMAIN", "REDIS_URL", "EMAIL_HOST",
            "DEFAULT_FROM_EMAIL"]
# Anything from the test run's own environment that could leak into the subprocess's settings.
_SCRUB = {*REQUIRED, "DEBUG", "CERCLE_ENV", "DJANGO_SETTINGS_MODULE", "PYTHONPATH", "SENTRY_DSN",
          "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "EXTRA_ALLOWED_HOSTS", "SITE_SCHEME",
          "SITE_PORT"}


def production_env(**values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _SCRUB}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
        DJANGO_SETTINGS_MODULE="cercle.settings",
        CERCLE_ENV="production",
    )
    env.update(values)
    return env


def complete_values() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(64),  # 86 random characters
        "DATABASE_URL": "postgresql://cercle@127.0.0.1:5432/cercle",
        "BASE_DOMAIN": "cercle.example",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_HOST": "smtp.cercle.example",
        "DEFAULT_FROM_EMAIL": "Cercle <no-reply@cercle.example>",
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


SETUP = ["-c", "import django; django.setup(); print('started')"]


def test_production_refuses_to_start_without_its_values() -> None:
    result = run(SETUP, production_env())
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    for name in REQUIRED:
        assert name in last_line, (name, last_line)


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_names_the_one_missing_value(missing: str) -> None:
    values = complete_values()
    del values[missing]
    result = run(SETUP, production_env(**values))
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert last_line.endswith(f"environment variables: {missing}"), last_line


def test_production_starts_with_its_values() -> None:
    result = run(SETUP, production_env(**complete_values()))
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_check_deploy_passes_in_production() -> None:
    result = run(
        ["platform/manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(**complete_values()),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output
    assert "no issues" in output


def test_check_deploy_catches_a_weak_secret_key() -> None:
    # The check above could only pass vacuously if --deploy checked nothing: prove it bites.
    values = complete_values() | {"SECRET_KEY": "short"}
    result = run(
        ["platform/manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(**values),
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr
