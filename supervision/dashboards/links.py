"""Links from the dashboards to the register: every number opens the register's list
filtered to the same matters (risks.filters)."""

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


@lru_cache(maxsize=1)
def _register_url() -> str:
    return reverse("risks:risk_list")
