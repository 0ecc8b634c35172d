from rest_framework.routers import SimpleRouter

from grids.api.views import AreaViewSet, DepartmentViewSet

router = SimpleRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("departments", DepartmentViewSet, basename="department")
urlpatterns = router.urls
