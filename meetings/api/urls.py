from rest_framework.routers import SimpleRouter

from meetings.api.views import (
    ActionItemViewSet,
    EscalationFlagViewSet,
    MeetingViewSet,
    WhistleCallViewSet,
)

router = SimpleRouter()
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("action-items", ActionItemViewSet, basename="action-item")
router.register("whistle-calls", WhistleCallViewSet, basename="whistle-call")
router.register("escalation-flags", EscalationFlagViewSet, basename="escalation-flag")
urlpatterns = router.urls
