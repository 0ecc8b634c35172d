"""Which matters a user may see: their areas (属地), or for section staff their
department's matters across their street (属事); and, beyond that, the matters they are
named on (a duty, the lead, a whistle call to their department, a meeting's action
item): those they may open, not act on (risks.permissions). Built on grids.scoping."""

from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.roles import Role
from grids.choices import AreaKind
from grids.models import Area
from grids.scoping import NOTHING, scope_roots
from risks.models import DUTY_FIELDS, Risk
from risks.routing import is_centre_staff

# Each matter carries the street, community and grid of its area (Risk.place_in), so "in
# this subtree" is equalities on those columns, from the street down to the subtree root:
# indexed columns with exact statistics, never a join on paths or a list of visible ids.
# Naming every level above the root keeps one index order for all of them (street,
# community, …) and lets PostgreSQL merge the repeats when a scope and a `within` meet.
PLACE_COLUMNS = ("street_id", "community_id", "grid_id", "area_id")


def matters_within_q(areas: list[Area], prefix: str = "") -> Q:
    """The matters (reached through ``prefix``, e.g. "risk__") in the subtrees of
    ``areas``."""
    condition = NOTHING
    for area in areas:
        ancestors = area.ancestor_ids()
        columns = [f"{prefix}{column}" for column in PLACE_COLUMNS[:len(ancestors)]]
        condition |= Q(**dict(zip(columns, ancestors, strict=True)))
    return condition


# Who else is named on a matter, by the apps above the register (meetings: whistle calls
# to a department, action items' owners), which the register never imports: each gives a
# Q on Risk of the matters naming the user, registered from its AppConfig.ready.
_NAMED_ON: dict[str, Callable[[object], Q]] = {}


def register_named_on(name: str, condition: Callable[[object], Q]) -> None:
    """Let ``condition(user)`` add the matters ``name`` names the user on (an OR of
    indexed conditions: it is part of every register query). Registering again under the
    same name replaces it."""
    _NAMED_ON[name] = condition


def holds_duty_q(user, prefix: str = "") -> Q:
    """The matters (reached through ``prefix``) on which the user holds one of the four
    duties or is the lead official: "mine" in the register's and the warnings' filters."""
    condition = Q(**{f"{prefix}lead_id": user.pk})
    for field in DUTY_FIELDS.values():
        condition |= Q(**{f"{prefix}{field}_id": user.pk})
    return condition


def named_on_q(user) -> Q:
    """The matters the user is named on: one of the four duties, the lead official, staff
    of the department it is owned by or dispatched to, and what the apps above register.
    Each arm is an equality on an indexed column or an uncorrelated subquery."""
    condition = holds_duty_q(user)
    if user.department_id is not None:
        condition |= (Q(department_id=user.department_id)
                      | Q(dispatched_to_id=user.department_id))
    for named in _NAMED_ON.values():
        condition |= named(user)
    return condition


def risk_scope_q(user) -> Q:
    """What the user sees: their own scope, and the matters they are named on."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Q()  # (an empty Q would swallow an OR: never combine it)
    if user.role == Role.SECTION_STAFF and not is_centre_staff(user):
        # their department's matters are in the street they work for: naming covers them
        return named_on_q(user)
    # the street's centre (平安办) sees its whole street: it dispatches and arbitrates
    roots = scope_roots(user) or []
    if roots and all(root.kind == AreaKind.STREET for root in roots):
        # Nobody is named on a matter outside their own scope's streets (duties and leads
        # are people in scope, sections and meetings are their street's): a street-wide
        # scope needs no OR, which would cost the register its index order.
        return matters_within_q(roots)
    return matters_within_q(roots) | named_on_q(user)


def in_own_areas(user, risk: Risk) -> bool:
    """Does ``risk`` lie in the user's own areas (not merely a matter they are named on)?
    In Python, from the matter's place columns and the memoised roots: no query."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    place = [getattr(risk, column) for column in PLACE_COLUMNS]
    for root in scope_roots(user) or []:
        ancestors = root.ancestor_ids()
        if place[:len(ancestors)] == ancestors:
            return True
    return False


def visible_risks(user) -> QuerySet[Risk]:
    return Risk.objects.filter(risk_scope_q(user))


def get_risk_for_user(user, pk, *, for_update: bool = False) -> Risk:
    """The matter with this id if the user may see it; otherwise 404, as if missing."""
    queryset = visible_risks(user)
    if for_update:
        queryset = queryset.select_for_update(no_key=True)  # risks.locking
    try:
        return queryset.get(pk=pk)
    except (Risk.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such matter.") from error
