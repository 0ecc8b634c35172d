"""Which people a user may see: those working in the user's areas."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.roles import DUTY_ROLES, Role
from grids.scoping import BOUNDARY_FIELDS, area_scope_q, may_keep_communities, scope_roots


def visible_people(user) -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, area__isnull=False)
        .filter(area_scope_q(user, "area__"))
        .select_related("area", "department")
    )


def get_person_for_user(user, pk) -> User:
    try:
        return visible_people(user).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such person.") from error


def people_for_duties(user) -> QuerySet[User]:
    """Whom ``user`` may name on duty or as lead: staff working in their scope, and the
    staff of the areas above it (a street leader leads a community's high-level matter)."""
    roots = scope_roots(user)
    above = set()
    for root in roots or []:
        above.update(root.ancestor_ids()[:-1])
    staff = User.objects.filter(is_active=True, role__in=DUTY_ROLES)
    if roots is None:
        return staff.select_related("area", "department")
    return (staff.filter(area_scope_q(user, "area__") | Q(area_id__in=above))
            .select_related("area", "department"))


def kept_workers(user) -> QuerySet[User]:
    """The grid workers whose accounts ``user`` keeps (accounts.grid_workers): those of the
    communities they keep (grids.scoping), deactivated ones included."""
    if not may_keep_communities(user):
        return User.objects.none()
    return (User.objects.filter(role=Role.GRID_WORKER, area__isnull=False)
            .filter(area_scope_q(user, "area__")).select_related("area")
            .defer(*(f"area__{name}" for name in BOUNDARY_FIELDS)))


def get_kept_worker_for_user(user, pk) -> User:
    """A grid worker whose account the user keeps: 403 for a role that keeps none, 404 for
    anyone else (another community's worker looks like nobody)."""
    if not may_keep_communities(user):
        raise PermissionDenied
    try:
        return kept_workers(user).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such person.") from error
