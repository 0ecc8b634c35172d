from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import (
    DeviceSignInSerializer,
    DeviceTokenSerializer,
    PersonSerializer,
)
from accounts.client_address import client_ip
from accounts.filters import PersonFilterSet
from accounts.models import ApiToken
from accounts.scoping import visible_people
from quanfu.api.viewsets import ScopedReadOnlyViewSet
from quanfu.errors import RuleBroken


class PersonViewSet(ScopedReadOnlyViewSet):
    """The people working in the caller's scope, for choosing who holds a duty."""

    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet

    def visible_queryset(self, user):
        return visible_people(user).order_by("username")


class DeviceSignInThrottle(SimpleRateThrottle):
    """Sign-ins from one client address (as the lock-out counts it) per minute: the
    lock-out stops guessing one account's password, this stops hammering many."""

    scope = "device_sign_in"
    rate = "10/minute"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}}


class DeviceTokenView(APIView):
    """A token for the app on a person's phone: POST signs in (anyone may try; the lock-out
    rules apply), DELETE signs the phone out (revokes the token it calls with)."""

    def perform_authentication(self, request):
        # Signing in needs nothing but the body: an expired token still sent by the app, or
        # the website's session in the same browser (and its CSRF check), must not stand in
        # the way. DELETE authenticates as usual: it revokes the token it is called with.
        if request.method != "POST":
            super().perform_authentication(request)

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self):
        return [DeviceSignInThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        auth=[], request=DeviceSignInSerializer,
        responses={
            201: DeviceTokenSerializer,
            403: OpenApiResponse(ERROR, description="A machine client, or a person who must "
                                 "set up the two-step login on the website first."),
            429: OpenApiResponse(ERROR, description="Signing in is blocked for a while (too "
                                 "many failed attempts, or too many from this address)."),
        })
    def post(self, request):
        """Sign in on a phone with username, password and, for people who must give one,
        the one-time code (``otp``): the token (``Authorization: Token <key>``), shown once,
        and when it expires. A wrong password counts towards the lock-out like one on the
        login page. Machine clients get their key from an administrator instead."""
        incoming = DeviceSignInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            token, key = services.sign_in_device(request._request, **incoming.validated_data)
        except services.LockedOut as locked:
            return Response({"detail": locked.message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        body = DeviceTokenSerializer({"token": key, "expires_at": token.expires_at}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def delete(self, request):
        """Sign this phone out: the token the request is made with stops working."""
        if not isinstance(request.auth, ApiToken):
            raise RuleBroken(_("Send the token to revoke in the Authorization header; a "
                               "session on the website is ended by logging out."))
        services.revoke_api_token(request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
