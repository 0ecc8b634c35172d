"""Operations on users and API tokens."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import lockout, second_factor
from accounts.audit_trail import record
from accounts.models import ApiToken, User, hash_token_key
from accounts.roles import Role
from audit.choices import AuditAction
from audit.context import current_actor
from audit.services import record_event
from quanfu.errors import Forbidden, RuleBroken

# A person may have this many phones (or tablets) signed in at once; a further sign-in
# revokes the oldest token.
DEVICE_TOKENS_PER_PERSON = 5


@transaction.atomic
def issue_api_token(user: User, *, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """Create a new API token for ``user`` and revoke the ones they had (rotation).

    Returns the token and its key; the key is not stored and cannot be shown again.
    """
    now = timezone.now()
    revoked = list(ApiToken.objects.select_for_update()
                   .filter(user=user, revoked_at__isnull=True).values_list("pk", flat=True))
    if revoked:
        ApiToken.objects.filter(pk__in=revoked).update(revoked_at=now)
        _record_revocation(user, revoked, "rotated")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_prefix=key[:8],
        key_hash=hash_token_key(key),
        expires_at=now + timedelta(days=days or settings.API_TOKEN_DEFAULT_DAYS),
    )
    return token, key


@transaction.atomic
def revoke_api_token(token: ApiToken) -> None:
    """Revoke ``token`` now; a token already revoked keeps its time, and nothing is
    recorded for it. Side effect: one audit entry (update() sends no signal)."""
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        _record_revocation(token.user, [token.pk], "revoked")


def _record_revocation(user: User, token_ids: list[int], how: str) -> None:
    """One audit entry for tokens revoked with update(), by whoever is acting now."""
    record_event(action=AuditAction.UPDATE, actor=current_actor(), target="accounts.apitoken",
                 detail=f"{len(token_ids)} API token(s) of {user.get_username()} {how}",
                 changes={"revoked": token_ids, "user": user.pk})


def find_usable_token(key: str) -> ApiToken | None:
    # get(), not first(): the hash is unique, and first()'s ORDER BY id made every API
    # request plan and run a sort.
    try:
        token = ApiToken.objects.select_related("user", "user__area", "user__department").get(
            key_hash=hash_token_key(key))
    except ApiToken.DoesNotExist:
        return None
    return token if token.is_usable() else None


def touch_api_token(token: ApiToken) -> None:
    """Record the last use, at most once a minute so busy clients don't write per request:
    decided on the row already loaded, so a recent token costs no query at all."""
    now = timezone.now()
    if token.last_used_at is not None and token.last_used_at > now - timedelta(minutes=1):
        return
    ApiToken.objects.filter(pk=token.pk).exclude(
        last_used_at__gt=now - timedelta(minutes=1)
    ).update(last_used_at=now)


class LockedOut(Exception):
    """Signing in is blocked for this username or client address (accounts.lockout)."""

    def __init__(self, until):
        super().__init__("locked out")
        self.until = until

    @property
    def message(self) -> str:
        return lockout.lockout_message(self.until)


def sign_in_device(request, *, username: str, password: str, otp: str = "",
                   name: str = "") -> tuple[ApiToken, str]:
    """A person proves who they are to get a token for the app on their phone
    (``auth/token/``): their password, and their one-time code where the website asks for
    one (accounts.second_factor). ``request`` is Django's request (the lock-out counts by
    its client address).

    Refusals: LockedOut while the lock-out rules block the username or the address (the
    password is then not even looked at); RuleBroken for a wrong username or password (a
    failed login: counted towards the lock-out and audited, as on the login page); Forbidden
    for a machine client (its key comes from an administrator) and for a person who must use
    a second factor but has not set one up on the website; RuleBroken on ``otp`` for a
    missing or wrong code (audited, the device's back-off grows).

    Side effects on success: the username's failed logins are forgotten (as a login does),
    a "login" audit entry, and the token (see issue_device_token).
    """
    credentials = {"username": username}
    user = authenticate(request, username=username, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise LockedOut(lockout.locked_until(request, credentials))
        raise RuleBroken(_("The username or the password is not right."))
    if user.role == Role.API_CLIENT:
        raise Forbidden(_("A machine client gets its key from an administrator, not by "
                          "signing in."))
    if second_factor.must_give_code(user):
        if second_factor.confirmed_device(user) is None:
            raise Forbidden(_("Your role requires the two-step login: set up your "
                              "authenticator app on the website first."))
        if not otp.strip():
            raise RuleBroken(_("Give the one-time code of your authenticator app."),
                             field="otp")
        outcome = second_factor.check_code(request, user, otp)
        if not outcome.accepted:
            raise RuleBroken(_("This code is not right, or it has already been used."),
                             field="otp")
    lockout.unlock(user.get_username())
    request.user = user  # the token's creation is audited as the person's own act
    token, key = issue_device_token(user, name=name)
    record(action=AuditAction.LOGIN, actor=user, target=user.get_username(),
           detail=f"API token {token.key_prefix}… issued to a phone app ({token.name})",
           request=request)
    return token, key


@transaction.atomic
def issue_device_token(user: User, *, name: str = "") -> tuple[ApiToken, str]:
    """A token for an app on a person's phone, next to the tokens of their other devices
    (no rotation, unlike issue_api_token), valid API_DEVICE_TOKEN_DAYS days. Named after
    the device, or "手机 <date>".

    Side effects: the token's creation is audited (a model change); beyond
    DEVICE_TOKENS_PER_PERSON usable tokens the oldest are revoked (one audit entry).
    """
    now = timezone.now()
    usable = list(ApiToken.objects.select_for_update()
                  .filter(user=user, revoked_at__isnull=True, expires_at__gt=now)
                  .order_by("-created_at", "-pk").values_list("pk", flat=True))
    surplus = usable[DEVICE_TOKENS_PER_PERSON - 1:]
    if surplus:
        ApiToken.objects.filter(pk__in=surplus).update(revoked_at=now)
        _record_revocation(user, surplus, "revoked: too many devices")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or f"手机 {timezone.localdate(now):%Y-%m-%d}",
        key_prefix=key[:8],
        key_hash=hash_token_key(key),
        expires_at=now + timedelta(days=settings.API_DEVICE_TOKEN_DAYS),
    )
    return token, key


def usable_tokens_of(user: User):
    """A person's tokens that still open the API, newest first (their profile page)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True,
                                   expires_at__gt=timezone.now()).order_by("-created_at", "-pk")


def revoke_own_token(user: User, token_id) -> ApiToken | None:
    """Revoke one of ``user``'s own tokens (a lost phone's, from the profile page). None if
    ``token_id`` names no token of theirs: someone else's is treated as missing."""
    if not str(token_id).isdecimal() or len(str(token_id)) > 18:  # beyond a bigint
        return None
    try:
        token = ApiToken.objects.get(pk=int(token_id), user=user)
    except ApiToken.DoesNotExist:
        return None
    revoke_api_token(token)
    return token
