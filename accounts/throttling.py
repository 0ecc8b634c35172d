"""Rate limits of the API (issue 21): each token may send API_RATE_PER_MINUTE requests a
minute (0: no limit); beyond that 429 with ``Retry-After`` (seconds), from DRF's own
exception handler. Counted per token, in the default cache: Redis in production, so every
process counts together; the local-memory cache of the embedded default counts per
process. People signed in with a session are not limited here (their pages are)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self):
        per_minute = getattr(settings, "API_RATE_PER_MINUTE", 0)
        return f"{per_minute}/min" if per_minute else None

    def allow_request(self, request, view):
        # read at each request (not at import): tests and deployments change the setting
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return None
        # the key's hash, not the row's id: a deleted token's id may come back
        return self.cache_format % {"scope": self.scope, "ident": token.key_hash[:32]}
