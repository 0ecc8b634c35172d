from django.urls import path
from rest_framework.routers import SimpleRouter

from rhythm.api.views import (
    InstructionViewSet,
    MonthlyStatisticsView,
    MonthlyStatisticsXlsxView,
    WarningViewSet,
    ZeroReportViewSet,
)

router = SimpleRouter()
router.register("warnings", WarningViewSet, basename="warning")
router.register("instructions", InstructionViewSet, basename="instruction")
router.register("zero-reports", ZeroReportViewSet, basename="zero-report")
urlpatterns = [
    *router.urls,
    path("statistics/monthly/", MonthlyStatisticsView.as_view(), name="statistics-monthly"),
    path("statistics/monthly.xlsx", MonthlyStatisticsXlsxView.as_view(),
         name="statistics-monthly-xlsx"),
]
