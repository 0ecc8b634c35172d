"""The area picker (the register's "within" filter): places in the user's scope whose name
holds what is typed, found as one types instead of a select of every grid of a street
(some 220 for a street leader, 30,000 for the city)."""

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from grids.models import Area
from grids.scoping import visible_areas

SEARCH_LIMIT = 20


def area_label(area: Area) -> str:
    """花园社区 / 花园第1网格: a place with the one above it (a street stands alone), as
    risks.forms.AreaChoiceField writes a place."""
    if area.parent_id is None:
        return area.name
    return f"{area.parent.name} / {area.name}"


def search_areas(user, query: str) -> list[dict]:
    """At most SEARCH_LIMIT places the user sees whose name holds ``query``, the larger
    first (streets, then communities, grids, micro-grids), as the picker shows them."""
    # A closed area (split, merged, retired) is still found, after the open ones and marked
    # so: the register keeps its history, and this picker filters the register.
    found = visible_areas(user).select_related("parent").order_by(
        F("closed_on").asc(nulls_first=True), "depth", "path")
    query = query.strip()
    if query:
        found = found.filter(name__icontains=query)
    return [{"id": area.pk, "text": area_label(area) if area.closed_on is None else
             _("%(area)s (closed)") % {"area": area_label(area)}}
            for area in found[:SEARCH_LIMIT]]


def search_url() -> str:
    return reverse("grids:area_search")
