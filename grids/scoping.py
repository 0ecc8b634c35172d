"""Which areas a user may see: the one scoping rule for the area tree.

Every page, API viewset, export and admin list of areas goes through here, and the
other apps build their own scoping on ``area_scope_q`` so that "within the user's
areas" is written once.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.roles import COMMUNITY_KEEPER_ROLES
from grids.choices import AreaKind
from grids.models import Area, Department

NOTHING = Q(pk__in=[])
# An area's polygons (grids.boundaries): heavy, and read only by the maps.
BOUNDARY_FIELDS = ("boundary", "boundary_simple")

# The roots of a role whose scope is not simply its own area, by role: the apps that define
# such a role register them in their AppConfig.ready (supervision: a supervisor sees their
# groups' communities), since the tree never imports the apps above it.
_SCOPE_PROVIDERS: dict[str, Callable[[object], list[Area]]] = {}


def register_scope_provider(role: str, provider: Callable[[object], list[Area]]) -> None:
    """Let ``provider(user)`` give the roots of every user of ``role``; when it gives none
    the user sees their own area, as any other role. Registering again replaces it."""
    _SCOPE_PROVIDERS[role] = provider


def scope_roots(user) -> list[Area] | None:
    """The roots of the subtrees the user sees; ``None`` means every area.

    Memoised on the user object, which lives for one request.
    """
    if not hasattr(user, "_scope_roots"):
        user._scope_roots = _compute_scope_roots(user)
    return user._scope_roots


def _compute_scope_roots(user) -> list[Area] | None:
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    provider = _SCOPE_PROVIDERS.get(user.role)
    if provider is not None:
        roots = provider(user)
        if roots:
            return roots
    if user.role and user.area_id:
        return [user.area]
    return []


def area_scope_q(user, field: str = "", roots: list[Area] | None | bool = False) -> Q:
    """A Q that keeps rows whose area (reached through ``field``) lies in the user's scope.

    ``field`` is the lookup path to an Area, e.g. "area__" for a model with an ``area``
    foreign key, or "" for Area itself. One prefix test per root: no id lists.
    """
    if roots is False:
        roots = scope_roots(user)
    if roots is None:
        return Q()
    if not roots:
        return NOTHING
    condition = NOTHING
    for root in roots:
        condition |= Q(**{f"{field}path__startswith": root.path})
    return condition


def area_in_scope(user, area: Area) -> bool:
    """Does ``area`` lie in the user's scope? (In Python, from the roots: no query once the
    roots are known.)"""
    roots = scope_roots(user)
    return roots is None or any(area.is_within(root) for root in roots)


def visible_areas(user) -> QuerySet[Area]:
    return Area.objects.filter(area_scope_q(user))


def get_area_for_user(user, pk) -> Area:
    """The area with this id if the user may see it; otherwise 404, as if it did not exist."""
    try:
        return visible_areas(user).get(pk=pk)
    except (Area.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such area.") from error


def scope_street_ids(user) -> set[int] | None:
    """The ids of the streets the user's scope touches; ``None``: every street."""
    roots = scope_roots(user)
    if roots is None:
        return None
    return {root.ancestor_ids()[0] for root in roots}


def spans_several_streets(user) -> bool:
    streets = scope_street_ids(user)
    return streets is None or len(streets) > 1


def visible_departments(user) -> QuerySet[Department]:
    """Departments of the streets the user's scope touches."""
    street_ids = scope_street_ids(user)
    if street_ids is None:
        return Department.objects.all()
    return Department.objects.filter(street_id__in=street_ids)


def get_department_for_user(user, pk) -> Department:
    try:
        return visible_departments(user).get(pk=pk)
    except (Department.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such department.") from error


# Keeping a community's grids (issue 20): the duty rosters of its grids and its grid
# workers' accounts. The role decides whether a person keeps communities at all (403
# otherwise), the scope which ones (404 outside it, as for anything else).

def may_keep_communities(user) -> bool:
    """Does the user's role keep communities (accounts.roles.COMMUNITY_KEEPER_ROLES)?"""
    return bool(user.is_authenticated and user.is_active
                and (user.is_superuser or user.role in COMMUNITY_KEEPER_ROLES))


def kept_communities(user) -> QuerySet[Area]:
    """The communities whose grids the user keeps: those of their scope, if their role
    keeps any."""
    if not may_keep_communities(user):
        return Area.objects.none()
    return visible_areas(user).filter(kind=AreaKind.COMMUNITY)


def may_keep_area(user, area: Area) -> bool:
    """Does the user keep the community ``area`` lies in (or is)? In Python, no query."""
    return may_keep_communities(user) and area_in_scope(user, area)


def _kept_area(user, pk, kind: str) -> Area:
    if not may_keep_communities(user):
        raise PermissionDenied
    try:
        # the boundaries are polygons that these pages never draw
        return (visible_areas(user).select_related("parent")
                .defer(*BOUNDARY_FIELDS, *(f"parent__{name}" for name in BOUNDARY_FIELDS))
                .get(pk=pk, kind=kind))
    except (Area.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such area.") from error


def get_kept_community_for_user(user, pk) -> Area:
    """The community with this id, to keep: 403 for a role that keeps none, 404 for a
    community outside the user's scope (or an id that is no community)."""
    return _kept_area(user, pk, AreaKind.COMMUNITY)


def get_kept_grid_for_user(user, pk) -> Area:
    """The grid with this id, to keep its roster: as get_kept_community_for_user."""
    return _kept_area(user, pk, AreaKind.GRID)
