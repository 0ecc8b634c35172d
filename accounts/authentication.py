from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.services import find_usable_token, touch_api_token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>`` against the hashed keys of ApiToken."""

    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from error
        token = find_usable_token(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        touch_api_token(token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
