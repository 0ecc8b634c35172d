"""Which matters a user may see: their areas (属地), or for section staff their
department's matters across their street (属事). Built on grids.scoping."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.roles import Role
from grids.models import Area
from grids.scoping import NOTHING, scope_roots
from risks.models import Risk

# Each matter carries the street, community and grid of its area (Risk.place_in), so "in
# this subtree" is equalities on those columns, from the street down to the subtree root:
# indexed columns with exact statistics, never a join on paths or a list of visible ids.
# Naming every level above the root keeps one index order for all of them (street,
# community, …) and lets PostgreSQL merge the repeats when a scope and a `within` meet.
PLACE_COLUMNS = ("street_id", "community_id", "grid_id", "area_id")


def matters_within_q(areas: list[Area]) -> Q:
    """The matters in the subtrees of ``areas``."""
    condition = NOTHING
    for area in areas:
        ancestors = area.ancestor_ids()
        columns = PLACE_COLUMNS[:len(ancestors)]
        condition |= Q(**dict(zip(columns, ancestors, strict=True)))
    return condition


def risk_scope_q(user) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    roots = scope_roots(user)
    condition = Q() if roots is None else matters_within_q(roots)
    if user.role == Role.SECTION_STAFF and not user.is_superuser:
        if user.department_id is None:
            return NOTHING
        # what their section owns, and what was dispatched to it (to sign for or return)
        condition &= (Q(department_id=user.department_id)
                      | Q(dispatched_to_id=user.department_id))
    return condition


def visible_risks(user) -> QuerySet[Risk]:
    return Risk.objects.filter(risk_scope_q(user))


def get_risk_for_user(user, pk, *, for_update: bool = False) -> Risk:
    """The matter with this id if the user may see it; otherwise 404, as if missing."""
    queryset = visible_risks(user)
    if for_update:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(pk=pk)
    except (Risk.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such matter.") from error
