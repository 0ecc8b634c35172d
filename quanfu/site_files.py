"""Files browsers ask the site for by a fixed path."""

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request):
    """Browsers ask for /favicon.ico before they read the page's <link rel="icon">; the
    static URL is looked up per request (the manifest's hashed name in production)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
