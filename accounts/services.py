"""Operations on users and API tokens."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token_key
from audit.choices import AuditAction
from audit.context import current_actor
from audit.services import record_event


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
