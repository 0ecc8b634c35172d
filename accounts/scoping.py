"""Which people a user may see: those working in the user's areas."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from grids.scoping import area_scope_q


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
