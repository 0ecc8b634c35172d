from rest_framework.routers import SimpleRouter

from risks.api.views import CategoryViewSet, RiskViewSet

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("risks", RiskViewSet, basename="risk")
urlpatterns = router.urls
