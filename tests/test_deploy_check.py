"""Production settings pass Django's deployment checklist (`manage.py check --deploy`)
with no warning at all: HSTS, secure cookies, SSL redirect, a long random SECRET_KEY,
DEBUG off, and the project's own checks (the API schema's enum names among them)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SERVICE_VARIABLES = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SECRET_KEY",
                     "ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS", "QUANFU_ENV", "DJANGO_DEBUG",
                     "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DJANGO_SETTINGS_MODULE",
                     # set for the browser tests' live server; never in production
                     "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*arguments, **env) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    clean.update(env)
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=PROJECT, env=clean,
                          capture_output=True, text=True, timeout=120)


def production(**extra) -> dict:
    return {"QUANFU_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "quanfu.example.gov.cn", **extra}


def test_production_settings_pass_the_deployment_checklist_without_a_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_the_checklist_does_notice_an_unsafe_production_setting():
    """The check above is not vacuous: switching HSTS off in production is reported."""
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    **production(SECURE_HSTS_SECONDS="0"))
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr
