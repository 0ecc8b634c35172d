"""Two gates every request from a logged-in person passes, after authentication:

- SessionExpiryMiddleware ends a session that has been idle longer than
  SESSION_IDLE_MINUTES, or that began more than SESSION_ABSOLUTE_HOURS ago, and sends the
  person to the login page with a message saying why.
- SecondFactorMiddleware keeps a person who must give a one-time code (see
  accounts.second_factor) away from every page, the admin and the API until they have
  given it (or, if their role requires one and they have no device yet, enrolled one).

Both only read and write the session: no query is added to a request.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts import second_factor

LOGIN_AT_SESSION_KEY = "accounts.login_at"
LAST_SEEN_SESSION_KEY = "accounts.last_seen_at"
# The idle clock moves in steps of a minute: a session is then written at most once a
# minute (not on every request), and an idle limit of minutes loses nothing.
LAST_SEEN_RESOLUTION = 60


def start_session_clocks(session, now: float | None = None) -> None:
    """Called at login: both limits count from now."""
    now = time.time() if now is None else now
    session[LOGIN_AT_SESSION_KEY] = int(now)
    session[LAST_SEEN_SESSION_KEY] = int(now)


def expiry_reason(session, now: float) -> str:
    """"idle", "absolute" or "" (the session may go on)."""
    login_at = session.get(LOGIN_AT_SESSION_KEY)
    last_seen_at = session.get(LAST_SEEN_SESSION_KEY)
    if login_at is not None and now - login_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
        return "absolute"
    if last_seen_at is not None and now - last_seen_at > settings.SESSION_IDLE_MINUTES * 60:
        return "idle"
    return ""


def is_api_request(request) -> bool:
    return request.path_info.startswith("/api/")


def _send_to(request, url: str):
    """A redirect, or for htmx (which would swap the target page into a fragment) an
    instruction to load it as a whole page."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class SessionExpiryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            reason = expiry_reason(request.session, now)
            if reason:
                return self.end_session(request, reason)
            if LOGIN_AT_SESSION_KEY not in request.session:
                # A session from before these clocks existed: they start now.
                start_session_clocks(request.session, now)
            elif now - request.session.get(LAST_SEEN_SESSION_KEY, 0) >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_SESSION_KEY] = int(now)
        return self.get_response(request)

    def end_session(self, request, reason: str):
        request.session_end_reason = reason  # read by the logout receiver (accounts.signals)
        logout(request)
        if is_api_request(request):
            # The API answers as to anyone without a session (401/403), never a redirect.
            return self.get_response(request)
        if reason == "idle":
            messages.warning(request, _(
                "You were logged out after %(minutes)d minutes without activity. Please log "
                "in again.") % {"minutes": settings.SESSION_IDLE_MINUTES})
        else:
            messages.warning(request, _(
                "You were logged out because you logged in more than %(hours)d hours ago. "
                "Please log in again.") % {"hours": settings.SESSION_ABSOLUTE_HOURS})
        login_url = redirect_to_login(request.get_full_path())["Location"]
        return _send_to(request, login_url)


class SecondFactorMiddleware:
    # Pages a person half-way through logging in may still open (URL names).
    OPEN_WHILE_UNVERIFIED = frozenset({
        "accounts:second_factor_verify", "accounts:second_factor_enrol", "accounts:logout",
        "set_language",
    })

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if second_factor.must_verify(request) and not self.is_open(request):
            return self.refuse(request)
        return self.get_response(request)

    def is_open(self, request) -> bool:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        if match.view_name not in self.OPEN_WHILE_UNVERIFIED:
            return False
        # Enrolling is the way in only for someone who has nothing to verify with yet.
        if match.view_name == "accounts:second_factor_enrol":
            return not second_factor.has_device(request)
        if match.view_name == "accounts:second_factor_verify":
            return second_factor.has_device(request)
        return True

    def refuse(self, request):
        if is_api_request(request):
            return JsonResponse(
                {"detail": _("Give your one-time code on the website before using the API.")},
                status=403)
        step = ("accounts:second_factor_verify" if second_factor.has_device(request)
                else "accounts:second_factor_enrol")
        url = reverse(step)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return _send_to(request, url)
