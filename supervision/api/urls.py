from django.urls import path
from rest_framework.routers import SimpleRouter

from supervision.api.views import (
    AreaMapView,
    CampaignViewSet,
    FindingViewSet,
    ListedSupervisionViewSet,
)

router = SimpleRouter()
router.register("supervision-findings", FindingViewSet, basename="supervision-finding")
router.register("listed-supervisions", ListedSupervisionViewSet, basename="listed-supervision")
router.register("campaigns", CampaignViewSet, basename="campaign")
urlpatterns = [
    # grids' areas/{id}/ takes only digits: areas/map/ reaches this
    path("areas/map/", AreaMapView.as_view(), name="area-map"),
    *router.urls,
]
