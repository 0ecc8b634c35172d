from rest_framework.routers import SimpleRouter

from rhythm.api.views import WarningViewSet

router = SimpleRouter()
router.register("warnings", WarningViewSet, basename="warning")
urlpatterns = router.urls
