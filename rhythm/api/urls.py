from django.urls import path
from rest_framework.routers import SimpleRouter

from rhythm.api.views import MonthlyStatisticsView, WarningViewSet

router = SimpleRouter()
router.register("warnings", WarningViewSet, basename="warning")
urlpatterns = [
    *router.urls,
    path("statistics/monthly/", MonthlyStatisticsView.as_view(), name="statistics-monthly"),
]
