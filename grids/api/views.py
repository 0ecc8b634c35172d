from grids.api.serializers import AreaSerializer, DepartmentSerializer
from grids.filters import AreaFilterSet
from grids.scoping import visible_areas, visible_departments
from quanfu.api.viewsets import ScopedReadOnlyViewSet


class AreaViewSet(ScopedReadOnlyViewSet):
    """The street → community → grid → micro-grid tree, as far as the caller may see."""

    serializer_class = AreaSerializer
    filterset_class = AreaFilterSet

    def visible_queryset(self, user):
        return visible_areas(user)


class DepartmentViewSet(ScopedReadOnlyViewSet):
    """The functional sections (科室) of the streets in the caller's scope."""

    serializer_class = DepartmentSerializer
    filterset_fields = ["street"]

    def visible_queryset(self, user):
        return visible_departments(user)
