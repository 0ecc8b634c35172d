"""Login throttling and lock-out, through django-axes (settings: the AXES_* block).

Failed logins are counted per username (from any address) and per client address (for
any username) in axes' AccessAttempt table. When either count reaches AXES_FAILURE_LIMIT
within AXES_COOLOFF_TIME, that username or that address is refused, whatever the password,
until the cool-off has passed; the login page says until when. A successful login clears
the failures of its username. An administrator unlocks a person with the "Unlock" action
on users in the admin (or deletes the attempts under Axes › Access attempts).
"""

from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import (
    get_client_parameters,
    get_client_username,
    get_cool_off,
    get_failure_limit,
)
from axes.models import AccessAttempt
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.client_address import client_ip


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler, except what a successful login forgets."""

    def reset_user_attempts(self, request, credentials=None) -> int:
        """Forget the failures of the username that just logged in, and only those.

        Axes would also forget every failure counted against the client's address,
        whoever they were for: anyone with an account of their own could then guess
        another person's password a few tries at a time, clearing the address's count
        with a login of their own in between.
        """
        username = get_client_username(request, credentials)
        deleted, _ = AccessAttempt.objects.filter(username=username).delete()
        return deleted


def unlock(username: str) -> int:
    """Forget every failed login of ``username``, from any address (the admin's unlock).
    Returns how many attempt records were removed."""
    deleted, _ = AccessAttempt.objects.filter(username=username).delete()
    return deleted


def locked_until(request, credentials=None) -> datetime | None:
    """When the lock-out that refuses this request ends, or None if nothing locks it.

    Each counter (the username's, the address's) is locked while the failures recorded in
    the cool-off reach the limit; it opens when the newest record that completes the
    count is older than the cool-off.
    """
    cool_off = get_cool_off(request)
    limit = get_failure_limit(request, credentials)
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    username = get_client_username(request, credentials)
    user_agent = request.META.get("HTTP_USER_AGENT", "<unknown>")[:255]
    ends = []
    for filter_kwargs in get_client_parameters(username, client_ip(request), user_agent,
                                               request, credentials):
        recent = (AccessAttempt.objects.filter(**filter_kwargs, attempt_time__gte=now - cool_off)
                  .order_by("-attempt_time")
                  .values_list("attempt_time", "failures_since_start"))
        counted = 0
        for attempt_time, failures in recent:
            counted += failures
            if counted >= limit:
                ends.append(attempt_time + cool_off)
                break
    return max(ends, default=None)


def _round_up_to_minute(moment: datetime) -> datetime:
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment


def lockout_message(until: datetime | None) -> str:
    if until is None:
        return _("Too many failed log-in attempts. Logging in is blocked for a while; "
                 "please try again later.")
    local_until = timezone.localtime(_round_up_to_minute(until))
    same_day = local_until.date() == timezone.localdate()
    shown = date_format(local_until, "H:i" if same_day else "Y-m-d H:i")
    return _("Too many failed log-in attempts. Logging in is blocked until %(time)s; "
             "please try again after that.") % {"time": shown}


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, saying that logging in is blocked and until when (axes'
    AXES_LOCKOUT_CALLABLE). 429 Too Many Requests. A sign-in through the API (a phone app
    asking for a token) gets the same message as JSON."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": lockout_message(locked_until(request, credentials))},
                            status=429)
    username = get_client_username(request, credentials) or ""
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "lockout_message": lockout_message(locked_until(request, credentials)),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "accounts/login.html", context, status=429)
