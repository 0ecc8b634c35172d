"""Which matters a user may see: their areas (属地), or for section staff their
department's matters across their street (属事). Built on grids.scoping."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.roles import Role
from grids.scoping import NOTHING, area_scope_q
from risks.models import Risk


def risk_scope_q(user) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    condition = area_scope_q(user, "area__")
    if user.role == Role.SECTION_STAFF and not user.is_superuser:
        if user.department_id is None:
            return NOTHING
        condition &= Q(department_id=user.department_id)
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
