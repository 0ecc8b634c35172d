"""Response headers that keep the browser to the app's own origin.

Content-Security-Policy allows scripts, styles, fonts, images and requests from this site
only: no inline script, no inline style, no ``on…=`` handler, no plugin, no framing, and
forms post only here. The templates keep to it (tests/test_csp.py reads every page), the
charts take their figures from ``json_script`` blocks, htmx's indicator style lives in
static/css, and the Swagger page is drf-spectacular's split view (its script is a file).

Permissions-Policy switches off the browser features the register never uses; the
phone's position and camera only on the pages that ask for them (reporting a matter,
editing it, its page with the photo upload), for this site alone: such a view is marked
``@uses_device_features("geolocation", "camera")``. Cross-Origin-Opener-Policy keeps
other sites' windows away from ours.
"""

from functools import wraps

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

POLICY_FEATURES = ("accelerometer", "autoplay", "camera", "display-capture", "geolocation",
                   "gyroscope", "magnetometer", "microphone", "midi", "payment", "usb")
# What a page may be allowed (for this origin only); every other feature stays off.
DEVICE_FEATURES = frozenset({"camera", "geolocation"})


def permissions_policy(allowed=frozenset()) -> str:
    """The Permissions-Policy header: every feature off but ``allowed``, which this site
    alone may use (``(self)``: no frame of another origin)."""
    return ", ".join(f"{feature}=(self)" if feature in allowed else f"{feature}=()"
                     for feature in POLICY_FEATURES)


PERMISSIONS_POLICY = permissions_policy()

CROSS_ORIGIN_OPENER_POLICY = "same-origin"


def uses_device_features(*features: str):
    """Mark a view whose page asks for the phone's position or camera: its responses let
    this site use them (the middleware reads ``response.device_features``)."""
    unknown = set(features) - DEVICE_FEATURES
    if unknown:
        raise ValueError(f"not a device feature a page may use: {sorted(unknown)}")
    allowed = frozenset(features)

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.device_features = allowed
            return response
        return wrapped
    return decorate


class SecurityHeadersMiddleware:
    """Sets the three headers on every response that has not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        allowed = getattr(response, "device_features", None)
        response.headers.setdefault(
            "Permissions-Policy", permissions_policy(allowed) if allowed else PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", CROSS_ORIGIN_OPENER_POLICY)
        return response
