"""Receivers of the authentication signals (framework housekeeping only), connected in
AccountsConfig.ready:

- user_logged_in: start the session's idle and absolute clocks, read whether the person
  has a second-factor device into the session, and audit "login";
- user_logged_out: audit "logout" (with the reason when the session expired);
- user_login_failed: audit "login_failed" with the username that was typed (no actor: a
  wrong password proves nothing about who typed it);
- axes' user_locked_out: audit "lockout" when a lock-out begins.

Wrong one-time codes are audited ("otp_failed") by accounts.second_factor itself.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from accounts import second_factor
from accounts.audit_trail import record
from accounts.middleware import start_session_clocks


def on_logged_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    start_session_clocks(request.session)
    needs_code = second_factor.remember_device(request.session, user) or \
        second_factor.is_required_for(user)
    detail = "password accepted; one-time code pending" if needs_code else ""
    record(action="login", actor=user, target=user.get_username(), detail=detail,
           request=request)


def on_logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "session_end_reason", "")
    detail = {"idle": "session expired after inactivity",
              "absolute": "session reached its maximum length"}.get(reason, "")
    record(action="logout", actor=user, target=user.get_username(), detail=detail,
           request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")[:150]
    refused_while_locked = (getattr(request, "axes_locked_out", False)
                            and getattr(request, "axes_failures_since_start", None) is None)
    detail = "refused: locked out" if refused_while_locked else ""
    record(action="login_failed", target=username, detail=detail, request=request)


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    if getattr(request, "axes_failures_since_start", None) is None:
        # A further attempt during a lock-out already begun: audited as login_failed.
        return
    record(action="lockout", target=str(username or "")[:150],
           detail=f"{request.axes_failures_since_start} failed logins", request=request)


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="accounts.on_logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="accounts.on_logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="accounts.on_login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="accounts.on_locked_out")
