from rest_framework.routers import SimpleRouter

from supervision.api.views import CampaignViewSet, FindingViewSet, ListedSupervisionViewSet

router = SimpleRouter()
router.register("supervision-findings", FindingViewSet, basename="supervision-finding")
router.register("listed-supervisions", ListedSupervisionViewSet, basename="listed-supervision")
router.register("campaigns", CampaignViewSet, basename="campaign")
urlpatterns = router.urls
