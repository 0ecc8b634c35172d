"""Sortable headers of the register's table: each links to the same filters with the
``ordering`` of RiskFilterSet, flipping direction when it is already the sort key."""

from risks.filters import ORDERINGS

# The columns that sort, and the direction a first click sorts them in.
SORTABLE_COLUMNS = {
    "code": "-code",
    "level": "level",
    "status": "status",
    "due_on": "due_on",
    "discovered_at": "-discovered_at",
    "updated_at": "-updated_at",
}
DEFAULT_ORDERING = "-updated_at"


def sort_headers(query) -> dict[str, dict]:
    """{column: {"url": "?…&ordering=…", "direction": "asc"|"desc"|""}} for the template."""
    current = query.get("ordering") or DEFAULT_ORDERING
    if current not in ORDERINGS:
        current = DEFAULT_ORDERING
    headers = {}
    for column, first in SORTABLE_COLUMNS.items():
        if current.lstrip("-") == column:
            ordering = column if current.startswith("-") else f"-{column}"
            direction = "desc" if current.startswith("-") else "asc"
        else:
            ordering, direction = first, ""
        params = query.copy()
        params.pop("page", None)
        params["ordering"] = ordering
        headers[column] = {"url": f"?{params.urlencode()}", "direction": direction}
    return headers
