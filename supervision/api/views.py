"""Read endpoints of supervision: findings, listed supervision and campaigns, each from
the caller's scope (supervision.scoping), filtered by the same FilterSets as the pages."""

from django.db.models import Prefetch

from quanfu.api.viewsets import ScopedReadOnlyViewSet
from supervision.api.serializers import (
    CampaignSerializer,
    FindingSerializer,
    ListedSupervisionSerializer,
)
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
