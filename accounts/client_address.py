"""The address of the client that made a request, for lock-out counters and the audit log.

Behind a reverse proxy REMOTE_ADDR is the proxy. X-Forwarded-For carries the client's
address, but anybody can send that header: only the entries that our own proxies appended
can be believed. TRUSTED_PROXY_COUNT says how many proxies stand in front of the app
(0, the default: none, the header is ignored); the client is then the entry that the
outermost of them appended, counted from the right.
"""

import ipaddress

from django.conf import settings


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def client_ip(request) -> str:
    """The client's IP address, as far as our own proxies vouch for it."""
    remote_address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_address
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                 if entry.strip()]
    if len(forwarded) < proxies:
        # The proxies did not all append to the header: nothing in it can be believed.
        return remote_address
    candidate = forwarded[-proxies]
    return candidate if _is_address(candidate) else remote_address
