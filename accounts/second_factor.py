"""The optional second factor: a one-time code from an authenticator app (TOTP, through
django-otp) after the password.

- Who may enrol a device: street leaders, administrators (staff and superusers) and anyone
  whose role OTP_REQUIRED_ROLES names.
- Who is asked for a code after the password: whoever has a confirmed device, and whoever
  OTP_REQUIRED_ROLES names (they must enrol first). Until then every page, the admin and
  the API refuse them (accounts.middleware.SecondFactorMiddleware).

Whether a person has a confirmed device is read once, at login, and kept in the session,
so that ordinary requests make no extra query.
"""

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

import django_otp
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit_trail import record
from accounts.roles import Role

ADMINISTRATOR = "administrator"  # the name OTP_REQUIRED_ROLES uses for staff and superusers
ENROLLING_ROLES = frozenset({Role.STREET_LEADER})
HAS_DEVICE_SESSION_KEY = "accounts.has_second_factor"
DEVICE_NAME = "authenticator app"


def is_administrator(user) -> bool:
    return user.is_staff or user.is_superuser


def is_required_for(user) -> bool:
    required = set(settings.OTP_REQUIRED_ROLES)
    return (bool(user.role) and user.role in required) or (
        ADMINISTRATOR in required and is_administrator(user))


def may_enrol(user) -> bool:
    return is_administrator(user) or user.role in ENROLLING_ROLES or is_required_for(user)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def remember_device(session, user) -> bool:
    """Read whether ``user`` has a confirmed device into the session (at login)."""
    has = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    session[HAS_DEVICE_SESSION_KEY] = has
    return has


def has_device(request) -> bool:
    if HAS_DEVICE_SESSION_KEY not in request.session:
        return remember_device(request.session, request.user)
    return request.session[HAS_DEVICE_SESSION_KEY]


def must_verify(request) -> bool:
    """True while a logged-in person still owes their one-time code."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    return is_required_for(user) or has_device(request)


@dataclass(frozen=True)
class Outcome:
    """The answer to a code: accepted, or refused (and, when too many codes were wrong in a
    row, the time before which no code will be looked at)."""

    accepted: bool
    wait_until: datetime | None = None


def _throttled_until(device) -> datetime | None:
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    return (details or {}).get("locked_until")


def _refused_while_backing_off(request, device, step: str) -> Outcome | None:
    """After wrong codes django-otp looks at no code for a while (1, 2, 4, 8… seconds)."""
    wait_until = _throttled_until(device)
    if wait_until is None:
        return None
    _record_failure(request, f"{step}; refused: too many wrong codes in a row")
    return Outcome(accepted=False, wait_until=wait_until)


def _record_failure(request, detail: str) -> None:
    record(action="otp_failed", actor=request.user, target=request.user.get_username(),
           detail=detail, request=request)


def verify(request, token: str) -> Outcome:
    """Check a login's one-time code against the person's confirmed device.

    Side effects: on success the session is marked verified (django_otp.login) and a
    "login" audit event completes the password's; on failure the device's back-off grows
    and an "otp_failed" audit event is written.
    """
    device = confirmed_device(request.user)
    if device is None:
        return Outcome(accepted=False)
    if refused := _refused_while_backing_off(request, device, "login"):
        return refused
    with transaction.atomic():
        accepted = django_otp.verify_token(request.user, device.persistent_id, token.strip())
    if accepted is not None:
        django_otp.login(request, accepted)
        record(action="login", actor=request.user, target=request.user.get_username(),
               detail="one-time code accepted", request=request)
        return Outcome(accepted=True)
    _record_failure(request, "login")
    return Outcome(accepted=False)


def must_give_code(user) -> bool:
    """Does a sign-in of ``user`` outside the website (auth/token/) need a one-time code? The
    same rule as the website's: a confirmed device, or a role that requires one."""
    return is_required_for(user) or confirmed_device(user) is not None


def check_code(request, user, token: str) -> Outcome:
    """Check ``user``'s one-time code where there is no session to mark (a phone app asking
    for a token). Side effects as ``verify``'s, without the session: on failure the device's
    back-off grows and an "otp_failed" audit event is written."""
    device = confirmed_device(user)
    if device is None:
        return Outcome(accepted=False)
    wait_until = _throttled_until(device)
    if wait_until is not None:
        _record_device_failure(request, user, "token; refused: too many wrong codes in a row")
        return Outcome(accepted=False, wait_until=wait_until)
    with transaction.atomic():
        accepted = django_otp.verify_token(user, device.persistent_id, token.strip())
    if accepted is None:
        _record_device_failure(request, user, "token")
        return Outcome(accepted=False)
    return Outcome(accepted=True)


def _record_device_failure(request, user, detail: str) -> None:
    record(action="otp_failed", actor=user, target=user.get_username(), detail=detail,
           request=request)


def pending_device(user) -> TOTPDevice:
    """The device being enrolled: the same secret until it is confirmed, so that reloading
    the page does not invalidate what the person has already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(request, token: str) -> Outcome:
    """Confirm the pending device with its first code.

    Preconditions: the person may enrol and has no confirmed device. Side effects: the
    device is confirmed, other pending devices are removed, and this session counts as
    verified with it.
    """
    user = request.user
    device = (TOTPDevice.objects.select_for_update()
              .filter(user=user, confirmed=False).order_by("-pk").first())
    if device is None or confirmed_device(user) is not None:
        return Outcome(accepted=False)
    if refused := _refused_while_backing_off(request, device, "enrolment"):
        return refused
    if not device.verify_token(token.strip()):
        _record_failure(request, "enrolment")
        return Outcome(accepted=False)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    request.session[HAS_DEVICE_SESSION_KEY] = True
    django_otp.login(request, device)
    return Outcome(accepted=True)


@transaction.atomic
def remove_device(request, token: str) -> Outcome:
    """Turn the second factor off, proven with a current code.

    Preconditions: the person's role does not require a second factor. Side effects: all
    their devices are deleted; the session is no longer bound to a device.
    """
    user = request.user
    device = confirmed_device(user)
    if device is None or is_required_for(user):
        return Outcome(accepted=False)
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if refused := _refused_while_backing_off(request, device, "removal"):
        return refused
    if not device.verify_token(token.strip()):
        _record_failure(request, "removal")
        return Outcome(accepted=False)
    TOTPDevice.objects.filter(user=user).delete()
    request.session[HAS_DEVICE_SESSION_KEY] = False
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    return Outcome(accepted=True)


def base32_secret(device) -> str:
    """The device's key as authenticator apps take it when typed in."""
    return b32encode(device.bin_key).decode("ascii").rstrip("=")
