"""``webhooks/`` (API_CONTRACT.md "Other systems"): an API client's subscriptions and
their deliveries' log. Only API clients (403 for everyone else); a client sees only its
own subscriptions (another's answers 404, as if missing)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from quanfu.api.viewsets import ScopedViewSetMixin
from webhooks import services
from webhooks.api.serializers import (
    DeliverySerializer,
    NewSubscriptionSerializer,
    SubscriptionSerializer,
)


class IsApiClient(permissions.BasePermission):
    message = _("Only the account of another system (API client) may use webhooks.")

    def has_permission(self, request, view):
        return services.may_subscribe(request.user)


class SubscriptionViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, mixins.DestroyModelMixin,
                          viewsets.GenericViewSet):
    """The calling client's webhook subscriptions. Each event is POSTed as JSON with the
    headers X-Quanfu-Event, X-Quanfu-Delivery (unique per delivery, the same on its
    retries) and X-Quanfu-Signature: sha256=<hex HMAC-SHA256 of the body with the
    secret>; retried with backoff for 24 h until a 2xx answer; redirects are not
    followed. The receiver only hears of what the client's scope covers."""

    serializer_class = SubscriptionSerializer
    permission_classes = [permissions.IsAuthenticated, IsApiClient]

    def visible_queryset(self, user):
        return services.subscriptions_of(user)

    @extend_schema(request=SubscriptionSerializer, responses={201: NewSubscriptionSerializer})
    def create(self, request, *args, **kwargs):
        """Subscribe: the answer carries the signing secret, which is never shown again."""
        serializer = SubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        made = services.subscribe(actor=request.user, url=serializer.validated_data["url"],
                                  events=serializer.validated_data["events"])
        answer = NewSubscriptionSerializer(made.subscription).data
        answer["secret"] = made.secret
        return Response(answer, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        """Unsubscribe: nothing more is sent; the deliveries' log stays."""
        services.unsubscribe(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: DeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The subscription's deliveries, newest first: status (pending, delivered,
        failed), attempts, the last answer."""
        page = self.paginate_queryset(services.deliveries_of(self.get_object()))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
