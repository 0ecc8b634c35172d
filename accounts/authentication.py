from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.services import find_usable_token, touch_api_token
from audit.choices import AuditAction
from audit.services import record_event

# A token's use is written to the audit log at most this often, like its last-used time.
TOKEN_USE_INTERVAL = timedelta(minutes=1)


def is_first_use_in_interval(token, now) -> bool:
    """Decided on the row already loaded (no query): the same test as touch_api_token's
    conditional UPDATE. Two requests racing in the same second may both say yes."""
    return token.last_used_at is None or token.last_used_at <= now - TOKEN_USE_INTERVAL


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
        if is_first_use_in_interval(token, timezone.now()):
            record_event(action=AuditAction.TOKEN_USE, actor=token.user,
                         target=f"api-token:{token.pk} {token.key_prefix}…",
                         detail=token.name, request=request)
        touch_api_token(token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
