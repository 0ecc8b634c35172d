"""Links from the dashboards to the lists: every number opens the register's list (or the
warnings', action items', findings' or listed supervision's) filtered to the same rows by
that list's own FilterSet."""

from functools import lru_cache
from urllib.parse import urlencode

from django.urls import reverse

from supervision.dashboards.figures import OPEN


def register_link(within: int | None = None, *, open_only: bool = False, **filters) -> str:
    """The register's list filtered like a chart's bar or a table's cell (risks.filters)."""
    query: list[tuple[str, str]] = []
    if within is not None:
        query.append(("within", str(within)))
    if open_only:
        query.extend(("status", status) for status in OPEN)
    for name, value in filters.items():
        if value not in (None, ""):
            query.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
    return f"{_register_url()}?{urlencode(query)}"


def list_link(url_name: str, within: int | None = None, **filters) -> str:
    """Another list (warnings, action items, findings, listed supervision) filtered by
    its own FilterSet to what a figure counts."""
    query = [("within", str(within))] if within is not None else []
    query.extend((name, str(value).lower() if isinstance(value, bool) else str(value))
                 for name, value in filters.items() if value not in (None, ""))
    return f"{_url(url_name)}?{urlencode(query)}"


@lru_cache(maxsize=1)
def _register_url() -> str:
    return reverse("risks:risk_list")


@lru_cache(maxsize=8)
def _url(url_name: str) -> str:
    return reverse(url_name)
