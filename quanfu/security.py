"""Response headers that keep the browser to the app's own origin.

Content-Security-Policy allows scripts, styles, fonts, images and requests from this site
only: no inline script, no inline style, no ``on…=`` handler, no plugin, no framing, and
forms post only here. The templates keep to it (tests/test_csp.py reads every page), the
charts take their figures from ``json_script`` blocks, htmx's indicator style lives in
static/css, and the Swagger page is drf-spectacular's split view (its script is a file).

Permissions-Policy switches off the browser features the register never uses, and
Cross-Origin-Opener-Policy keeps other sites' windows away from ours.
"""

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

PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "usb",
))

CROSS_ORIGIN_OPENER_POLICY = "same-origin"


class SecurityHeadersMiddleware:
    """Sets the three headers on every response that has not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", CROSS_ORIGIN_OPENER_POLICY)
        return response
