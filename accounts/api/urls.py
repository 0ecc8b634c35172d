from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api.views import DeviceTokenView, PersonViewSet

router = SimpleRouter()
router.register("people", PersonViewSet, basename="person")
urlpatterns = [
    *router.urls,
    path("auth/token/", DeviceTokenView.as_view(), name="auth-token"),
]
