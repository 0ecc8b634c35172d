"""A path under /api/ that matches no route (``risks/abc/``, a typo) answers like every
other API error: JSON ``{"detail": …}`` with 404, as the schema documents, not the HTML
page meant for browsers."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
