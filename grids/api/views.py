from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from grids.api.serializers import AreaSerializer, DepartmentSerializer
from grids.filters import AreaFilterSet
from grids.scoping import visible_areas, visible_departments
from quanfu.api.viewsets import ScopedReadOnlyViewSet

GEOMETRY_PARAMETER = OpenApiParameter(
    "geometry", OpenApiTypes.BOOL,
    description="1 or true: each area also carries its boundary (GeoJSON Polygon or "
                "MultiPolygon, WGS84; null where it has none)")


@extend_schema_view(list=extend_schema(parameters=[GEOMETRY_PARAMETER]),
                    retrieve=extend_schema(parameters=[GEOMETRY_PARAMETER]))
class AreaViewSet(ScopedReadOnlyViewSet):
    """The street → community → grid → micro-grid tree, as far as the caller may see."""

    serializer_class = AreaSerializer
    filterset_class = AreaFilterSet

    def wants_geometry(self) -> bool:
        return self.request.query_params.get("geometry", "").lower() in {"1", "true"}

    def visible_queryset(self, user):
        areas = visible_areas(user).prefetch_related("predecessor_links", "successor_links")
        # The boundaries are the heavy columns: read only when asked for.
        return areas if self.wants_geometry() else areas.defer("boundary", "boundary_simple")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "geometry": self.wants_geometry()}


class DepartmentViewSet(ScopedReadOnlyViewSet):
    """The functional sections (科室) of the streets in the caller's scope."""

    serializer_class = DepartmentSerializer
    filterset_fields = ["street"]

    def visible_queryset(self, user):
        return visible_departments(user)
