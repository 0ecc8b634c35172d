from django.conf import settings
from django.urls import path
from rest_framework.routers import SimpleRouter

from risks.api.approvals import ApprovalViewSet
from risks.api.attachments import (
    AttachmentDetailView,
    AttachmentFileView,
    AttachmentListView,
    AttachmentThumbnailView,
)
from risks.api.clocks import ClockRuleViewSet
from risks.api.follow_ups import FollowUpListView
from risks.api.views import CategoryViewSet, RiskViewSet

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("risks", RiskViewSet, basename="risk")
router.register("clock-rules", ClockRuleViewSet, basename="clock-rule")
router.register("approvals", ApprovalViewSet, basename="approval")
urlpatterns = [
    *router.urls,
    path("risks/<int:pk>/follow-ups/", FollowUpListView.as_view(), name="risk-follow-ups"),
    path("risks/<int:pk>/attachments/", AttachmentListView.as_view(),
         name="risk-attachments"),
    path("risks/<int:pk>/attachments/<int:attachment_pk>/", AttachmentDetailView.as_view(),
         name="risk-attachment-detail"),
    path("risks/<int:pk>/attachments/<int:attachment_pk>/file/",
         AttachmentFileView.as_view(), name="risk-attachment-file"),
    path("risks/<int:pk>/attachments/<int:attachment_pk>/thumbnail/",
         AttachmentThumbnailView.as_view(), name="risk-attachment-thumbnail"),
]

if settings.BENCH_BASELINE:  # bench/load.py's gunicorn only: the baseline it measures against
    from risks.api.baseline import first_page

    urlpatterns.append(path("bench/baseline/risks/", first_page, name="bench-baseline"))
