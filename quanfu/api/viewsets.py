from rest_framework import viewsets


class ScopedViewSetMixin:
    """Every API viewset starts from the user's scope.

    Subclasses say how to scope with ``visible_queryset(user)``; there is no
    ``queryset`` attribute to fall back on, so an unscoped viewset cannot be written by
    accident. Objects outside the scope are simply not in the queryset: 404.
    """

    def visible_queryset(self, user):
        raise NotImplementedError(f"{type(self).__name__} must define visible_queryset(user)")

    def get_queryset(self):
        return self.visible_queryset(self.request.user)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
