"""Files browsers ask the site for by a fixed path."""

import json

from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from quanfu import service_worker as worker


def favicon(request):
    """Browsers ask for /favicon.ico before they read the page's <link rel="icon">; the
    static URL is looked up per request (the manifest's hashed name in production)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@require_safe
def web_manifest(request):
    """The grid worker's installable app (quanfu.service_worker.manifest), in the reader's
    language."""
    body = worker.manifest(
        name=_("Quanfu risk checks"), short_name=_("Risk checks"),
        description=_("Report risks and disputes from the grid, also without a network."),
        language=get_language() or "zh-hans")
    response = HttpResponse(json.dumps(body, ensure_ascii=False),
                            content_type="application/manifest+json; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
@never_cache
def service_worker(request):
    """The service worker, from the site's root so that it may serve every page (scope
    "/"); its settings go in front of its source. Never kept by the HTTP cache: a new
    version must reach the phones at the next page they open."""
    source = worker.source()
    settings = json.dumps(worker.config(source), sort_keys=True)
    response = HttpResponse(f"self.QF_SW = {settings};\n{source}",
                            content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
