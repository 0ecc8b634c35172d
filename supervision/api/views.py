"""Read endpoints of supervision: findings, listed supervision and campaigns, each from
the caller's scope (supervision.scoping), filtered by the same FilterSets as the pages."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from quanfu.api.viewsets import ScopedReadOnlyViewSet
from quanfu.db_router import reads_from_replica
from supervision import permissions
from supervision.api.serializers import (
    AreaMapQuerySerializer,
    AreaMapSerializer,
    CampaignSerializer,
    FindingSerializer,
    ListedSupervisionSerializer,
)
from supervision.dashboards import area_map
from supervision.filters import FindingFilterSet, ListingFilterSet
from supervision.scoping import (
    visible_campaign_matters,
    visible_campaigns,
    visible_findings,
    visible_listings,
    visible_tasks,
)


class FindingViewSet(ScopedReadOnlyViewSet):
    """Supervision findings (督导发现问题) of the communities in scope."""

    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet

    def visible_queryset(self, user):
        return (visible_findings(user).select_related("inspection")
                .prefetch_related("evidence").order_by("id"))


class ListedSupervisionViewSet(ScopedReadOnlyViewSet):
    """Listed supervision (挂牌督办) of the communities and matters in scope."""

    serializer_class = ListedSupervisionSerializer
    filterset_class = ListingFilterSet

    def visible_queryset(self, user):
        return visible_listings(user).order_by("id")


class CampaignViewSet(ScopedReadOnlyViewSet):
    """The special campaigns (专项攻坚行动) with their tasks and linked matters in scope."""

    serializer_class = CampaignSerializer

    def visible_queryset(self, user):
        return visible_campaigns(user).prefetch_related(
            Prefetch("tasks", queryset=visible_tasks(user).order_by("deadline", "id"),
                     to_attr="scoped_tasks"),
            Prefetch("links", queryset=visible_campaign_matters(user).order_by("id"),
                     to_attr="scoped_links"),
        ).order_by("position", "code")


class AreaMapView(APIView):
    """挂图作战: the communities or grids of an area as a GeoJSON FeatureCollection, a
    feature per area in the caller's scope (its simplified boundary, or none), with the
    chosen figure as ``value`` — the same count as the register's list of the area
    (supervision.dashboards.area_map: one grouped query per figure)."""

    @extend_schema(parameters=[AreaMapQuerySerializer], responses={200: AreaMapSerializer})
    @reads_from_replica
    def get(self, request):
        permissions.require(request.user, permissions.MAP)
        query = AreaMapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        metric, kind = query.validated_data["metric"], query.validated_data["kind"]
        try:
            within = area_map.map_within(request.user, query.validated_data.get("within"),
                                         kind)
            built = area_map.build_map(request.user, within=within, kind=kind,
                                       metrics=[metric])
        except area_map.MapRefused as refusal:
            raise ValidationError({refusal.field: [refusal.message]}) from refusal
        return Response(area_map.feature_collection(built, metric))
