from accounts.api.serializers import PersonSerializer
from accounts.filters import PersonFilterSet
from accounts.scoping import visible_people
from quanfu.api.viewsets import ScopedReadOnlyViewSet


class PersonViewSet(ScopedReadOnlyViewSet):
    """The people working in the caller's scope, for choosing who holds a duty."""

    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet

    def visible_queryset(self, user):
        return visible_people(user).order_by("username")
