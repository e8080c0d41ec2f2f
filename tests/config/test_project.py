"""Project-wide checks the suite enforces: lint, migrations, deploy settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


# The test run's overrides; subprocesses get a production-like environment.
TEST_ONLY = {"DEBUG", "SECRET_KEY", "SECURE_HTTPS", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean_env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean_env, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return _run("manage.py", *args, **env)


def _serve(**env: str) -> subprocess.CompletedProcess:
    """Load the WSGI application as gunicorn would."""
    return _run("-c", "import config.wsgi", **env)


def test_models_match_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_ruff_is_clean():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [str(ruff), "check", "."], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_pass_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="scorecard.example.com",
        EMAIL_URL="smtp+tls://scorecard:pw@smtp.example.com:587",
        SITE_URL="https://scorecard.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_app_will_not_serve_without_a_secret_key():
    result = _serve(ALLOWED_HOSTS="scorecard.example.com")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_the_app_will_not_serve_without_allowed_hosts():
    result = _serve(SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "Set ALLOWED_HOSTS" in result.stderr


def test_the_app_serves_with_production_settings():
    result = _serve(SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="scorecard.example.com")
    assert result.returncode == 0, result.stderr


def test_check_deploy_reports_missing_allowed_hosts():
    result = _manage("check", "--deploy", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_check_deploy_refuses_a_missing_secret_key():
    result = _manage("check", "--deploy", ALLOWED_HOSTS="scorecard.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_management_commands_run_without_production_settings():
    """A fresh checkout can run `manage.py check` and `makemigrations --check` as is."""
    assert _manage("check").returncode == 0
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


SHOW_SECURITY_SETTINGS = """
import django
django.setup()
from django.conf import settings
print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds(),
      settings.SESSION_COOKIE_AGE, settings.SESSION_REFRESH_SECONDS,
      settings.CLIENT_IP_PROXY_COUNT)
"""


def test_security_settings_have_safe_defaults():
    result = _run("-c", SHOW_SECURITY_SETTINGS)
    assert result.returncode == 0, result.stderr
    # 5 failures, a 15-minute cool-off, an hour idle refreshed every 5 minutes, no proxy.
    assert result.stdout.split() == ["5", "900.0", "3600", "300", "0"]


def test_security_settings_come_from_the_environment():
    result = _run(
        "-c",
        SHOW_SECURITY_SETTINGS,
        AXES_FAILURE_LIMIT="8",
        AXES_COOLOFF_MINUTES="30",
        SESSION_IDLE_MINUTES="24",
        TRUST_X_FORWARDED_FOR="true",
        TRUSTED_PROXY_COUNT="2",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["8", "1800.0", "1440", "120", "2"]


def test_a_setting_that_would_switch_a_protection_off_is_refused():
    result = _manage("check", AXES_COOLOFF_MINUTES="0")
    assert result.returncode != 0
    assert "AXES_COOLOFF_MINUTES must be a whole number of 1 or more" in result.stderr
