"""Small typed readers for the environment, used only by settings.py.

They fail fast with a message that names the variable, so a misconfigured
production server refuses to start instead of running on a guess.
"""

import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured


def read_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def read_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def read_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from error


def read_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn postgres://user:pass@host:port/name?options into a DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres://, got scheme {parsed.scheme!r}"
        )
    name = unquote(parsed.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL must name a database, e.g. postgres://host/quanfu")
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    # PostgreSQL's JIT compiles a plan for every query costly enough; the dashboards'
    # grouped counts paid 0.3-0.4 s of compiling to save less (bench/city.py). ?options=
    # in the URL replaces this.
    options.setdefault("options", "-c jit=off")
    # A database that does not answer (restarting) fails a request in seconds, not minutes.
    options.setdefault("connect_timeout", "3")
    return {
        "ENGINE": "quanfu.postgresql",  # Django's, with timestamps parsed in C
        "NAME": name,
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
    }


def replica_from_url(url: str) -> dict:
    """DATABASE_REPLICA_URL as a DATABASES entry: like DATABASE_URL, but a replica that does
    not answer is given up after one second (the primary then serves its reads), and tests
    read it through the primary's connection (Django's TEST MIRROR)."""
    try:
        entry = database_from_url(url)
    except ImproperlyConfigured as error:
        raise ImproperlyConfigured(
            str(error).replace("DATABASE_URL", "DATABASE_REPLICA_URL")) from error
    if "connect_timeout=" not in url:
        entry["OPTIONS"]["connect_timeout"] = "1"
    entry["TEST"] = {"MIRROR": "default"}
    return entry
