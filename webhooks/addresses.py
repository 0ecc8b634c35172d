"""Where a webhook may be sent (no SSRF into the office network): the rules for a
subscription's URL, checked when it is made and again, on the addresses the host name
resolves to at that moment, by every POST (``guarded_connection``), so that a name
re-pointed at an inside address after subscribing is refused as well.

- https only; plain http only for a host an administrator allowed
  (WEBHOOK_ALLOWED_HOSTS) or for loopback when WEBHOOK_ALLOW_LOOPBACK is on (tests);
- the host must resolve, and to public addresses only: loopback, private, link-local,
  shared (100.64/10), multicast, reserved and unspecified ones are refused, unless the
  host is one an administrator allowed (or loopback is allowed);
- no user name or password in the URL.
"""

import http.client
import ipaddress
import socket
import urllib.parse

from django.conf import settings
from django.utils.translation import gettext as _


class AddressRefused(Exception):
    """The URL or the address it resolves to may not be used; the message says why."""


def _allowed_host(host: str) -> bool:
    return host.lower() in {name.lower() for name in settings.WEBHOOK_ALLOWED_HOSTS}


def _is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _inside(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def check_url(url: str) -> urllib.parse.SplitResult:
    """The URL's parts if it may be subscribed to (scheme, host, no credentials), or
    AddressRefused. The addresses are checked by ``resolve``."""
    parts = urllib.parse.urlsplit(url or "")
    host = parts.hostname or ""
    if not host or parts.scheme not in ("https", "http"):
        raise AddressRefused(_("A webhook URL must start with https:// and name a host."))
    if parts.username or parts.password:
        raise AddressRefused(_("A webhook URL may not carry a user name or password."))
    try:
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
    except ValueError as error:
        raise AddressRefused(_("The webhook URL's port is not valid.")) from error
    if parts.scheme == "http" and not (
            _allowed_host(host) or (settings.WEBHOOK_ALLOW_LOOPBACK and _is_loopback_host(host))):
        raise AddressRefused(_("A webhook URL must start with https:// (plain http only for "
                               "a host the administrator allowed)."))
    return parts


def resolve(host: str, port: int) -> list[tuple]:
    """The addresses to connect to for ``host`` (getaddrinfo's tuples), or AddressRefused
    when it does not resolve or any address lies inside (private, loopback, link-local…)
    and the host is not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(_("The webhook's host name could not be resolved.")) from error
    if _allowed_host(host):
        return infos
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.is_loopback and settings.WEBHOOK_ALLOW_LOOPBACK:
            continue
        if _inside(address):
            raise AddressRefused(_("The webhook's host resolves to a private or local "
                                   "address, which is not allowed."))
    return infos


def check_subscription_url(url: str) -> None:
    """Raise AddressRefused if ``url`` may not be subscribed to now."""
    parts = check_url(url)
    resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


def _connect_checked(host: str, port: int, timeout) -> socket.socket:
    """Like socket.create_connection, on the addresses ``resolve`` accepted only."""
    error = None
    for family, kind, protocol, _name, address in resolve(host, port):
        sock = socket.socket(family, kind, protocol)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
            return sock
        except OSError as failed:
            error = failed
            sock.close()
    raise error or OSError("no address to connect to")


def guarded_connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection to ``url``'s host whose socket goes only to addresses the rules
    accept (checked as it connects, not before: no window for a re-pointed name), and
    the path to request. http.client never follows a redirect by itself."""
    parts = check_url(url)
    host = parts.hostname
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(host, parts.port or 443, timeout=timeout)
    else:
        connection = http.client.HTTPConnection(host, parts.port or 80, timeout=timeout)
    # http.client opens its socket through this attribute (HTTPS wraps it afterwards,
    # checking the certificate against the host name).
    connection._create_connection = (
        lambda address, timeout=timeout, source_address=None: _connect_checked(
            address[0], address[1], timeout))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return connection, path
