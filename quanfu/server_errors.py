"""A failure of the server's own, answered in one place (``handler500``).

While PostgreSQL restarts (or a network between the web server and it drops), a request
fails fast — the connection is checked before reuse (CONN_HEALTH_CHECKS) and a new one
gives up after ``connect_timeout`` — and is answered 503 with ``Retry-After``: the client
(the phone app, the district platform) tries again, and the next request after the
restart gets a fresh connection without any worker being restarted. Its transaction was
rolled back by the database: nothing is half-written. Any other error is the 500 page.
Neither answer touches the database: the pages render without the request's context (no
menu, no unread count).
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template import loader


def _database_down(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request):
    error = sys.exc_info()[1]
    if not _database_down(error):
        return HttpResponse(loader.render_to_string("500.html"), status=500)
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()  # the next request connects afresh
    retry = str(settings.DATABASE_RETRY_AFTER_SECONDS)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": "The database is unavailable for a moment (restarting); nothing was "
                       "saved. Try again after Retry-After seconds."}, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html", {"retry": retry}),
                                status=503)
    response["Retry-After"] = retry
    return response
