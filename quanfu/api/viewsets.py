from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from quanfu.api.parsers import contains_nul


class ScopedViewSetMixin:
    """Every API viewset starts from the user's scope.

    Subclasses say how to scope with ``visible_queryset(user)``; there is no
    ``queryset`` attribute to fall back on, so an unscoped viewset cannot be written by
    accident. Objects outside the scope are simply not in the queryset: 404.
    """

    lookup_value_regex = "[0-9]{1,18}"  # an id that cannot fit a bigint is simply not found

    def visible_queryset(self, user):
        raise NotImplementedError(f"{type(self).__name__} must define visible_queryset(user)")

    def get_queryset(self):
        return self.visible_queryset(self.request.user)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        for name, values in request.query_params.lists():
            if contains_nul(name) or contains_nul(values):
                raise ValidationError({name: ["Text may not contain NUL characters."]})


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
