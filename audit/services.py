"""Writing the audit log (who, what, when, from where), and the retention job.

``record_event`` writes one entry for something a service did: an export, an import, a
login, a summary of a bulk write. ``log_access`` is the same for reads in the clear and
exports, kept with the access log's old signature. Model changes are written by the
receivers in audit.signals through ``record_model_change``. Every entry is one link of the
hash chain (audit.chain), written in the caller's transaction.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.utils import timezone

from accounts.models import User
from audit import chain
from audit.choices import SIGN_IN_ACTIONS, AuditAction
from audit.context import current_actor, current_origin
from audit.model_changes import clean_text, describe_object
from audit.models import AuditEntry
from audit.origin import Origin
from audit.streets import street_of_area_ids, street_of_record, street_of_user

__all__ = ["Origin", "log_access", "record_event", "record_model_change",
           "remove_expired_entries", "retention_days"]

# 等保 2.0 level 3: audit records are kept at least six months.
MINIMUM_RETENTION_DAYS = 180
RETENTION_BATCH = 5000


def _values(*, action: str, actor, origin: Origin, street_id: int | None,
            username: str = "", target: str = "", detail: str = "", model_label: str = "",
            object_id: str = "", object_repr: str = "", changes: dict | None = None) -> dict:
    if actor is not None:
        username = actor.get_username()
    return {
        "actor_id": actor.pk if actor is not None else None,
        "street_id": street_id,
        "username": clean_text(username or "")[:150],
        "action": str(action),
        "model_label": model_label,
        "object_id": object_id,
        "object_repr": object_repr,
        "changes": changes or {},
        "target": clean_text(target or "")[:200],
        "detail": clean_text(detail or ""),
        "ip_address": origin.ip_address or "",
        "user_agent": clean_text(origin.user_agent),
        "request_id": origin.request_id,
        "origin": clean_text(origin.source),
    }


def record_event(*, action: str, actor=None, target: str = "", detail: str = "",
                 request=None, origin: Origin | None = None, username: str = "",
                 changes: dict | None = None) -> AuditEntry:
    """Write one entry. ``origin`` wins over ``request``; with neither, the origin of the
    current request, task or command is used. For the sign-in actions without an actor
    (a failed login, a lock-out) ``username`` is the name tried; if it is not given the
    ``target`` is taken for it. One INSERT (after the chain's lock and last-entry read),
    in the caller's transaction if there is one."""
    if origin is None:
        origin = Origin.of(request) if request is not None else current_origin()
    if actor is None and not username and action in SIGN_IN_ACTIONS:
        username = target
    street_id = street_of_user(actor)
    if actor is None and username and action in SIGN_IN_ACTIONS:
        street_id = _street_of_username(username)
    return chain.append(_values(action=action, actor=actor, origin=origin, street_id=street_id,
                                username=username, target=target, detail=detail,
                                changes=changes))


def _street_of_username(username: str) -> int | None:
    """A failed login under a real user's name belongs to that user's street."""
    person = User.objects.filter(username=username).select_related("area").first()
    return street_of_user(person)


def log_access(*, actor, action: str, target: str, detail: str = "",
               origin: Origin | None = None) -> AuditEntry:
    """A read of personal data in the clear, or an export (严肃保密纪律)."""
    return record_event(action=action, actor=actor, target=target, detail=detail,
                        origin=origin)


def record_model_change(action: str, instance, changes: dict | None = None) -> AuditEntry:
    """A create, change, transition or delete of an audited record, by the current
    request's user (None in tasks and commands), from the current origin."""
    actor = current_actor()
    street_id = street_of_record(instance)
    if street_id is None:
        street_id = street_of_user(actor)
    if street_id is None:
        street_id = street_of_area_ids(instance)
    return chain.append(_values(
        action=action, actor=actor, origin=current_origin(), street_id=street_id,
        model_label=instance._meta.label_lower, object_id=str(instance.pk),
        object_repr=describe_object(instance), changes=changes))


# Retention ---------------------------------------------------------------------------------

def retention_days() -> int | None:
    """AUDIT_RETENTION_DAYS, or None to keep every entry. Fewer than 180 days is refused."""
    days = getattr(settings, "AUDIT_RETENTION_DAYS", None)
    if days is None:
        return None
    if int(days) < MINIMUM_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS must be at least {MINIMUM_RETENTION_DAYS} (audit records "
            f"are kept six months), or unset to keep every entry; it is {days}.")
    return int(days)


def remove_expired_entries(*, now=None, batch_size: int = RETENTION_BATCH) -> int:
    """Remove the entries older than AUDIT_RETENTION_DAYS, only when that is configured;
    returns how many were removed.

    First, under the chain's lock, a ``retention`` entry is appended naming the anchor: the
    oldest entry that stays, and its prev_hash. Then the entries before the anchor are
    deleted in batches, each in its own transaction that switches the PostgreSQL trigger
    off for itself. A run cut short leaves a verifiable chain (the retention entry allows
    removing anything before the anchor) and the next run finishes it.
    """
    days = retention_days()
    if days is None:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    chain.seal()  # what has been written so far, so that only sealed entries are counted
    entries = AuditEntry.objects.using(chain.DATABASE).filter(seq__isnull=False)
    with transaction.atomic(using=chain.DATABASE):
        chain.lock_chain()
        anchor = (entries.filter(created_at__gte=cutoff).order_by("seq")
                  .values_list("seq", "prev_hash").first())
        if anchor is None:  # every entry is old: the retention entry itself is the anchor
            last = entries.order_by("-seq").values_list("seq", "hash").first()
            anchor = (last[0] + 1, last[1]) if last else None
        if anchor is None:
            return 0
        anchor_seq, anchor_prev_hash = anchor
        expired = entries.filter(seq__lt=anchor_seq).count()
        if expired == 0:
            return 0
        record_event(action=AuditAction.RETENTION, target="audit",
                     detail=f"removing {expired} entries older than {days} days",
                     changes={"anchor_seq": anchor_seq, "anchor_prev_hash": anchor_prev_hash,
                              "removed": expired, "older_than": chain.moment_text(cutoff)})
    return _delete_before(anchor_seq, batch_size)


def _delete_before(anchor_seq: int, batch_size: int) -> int:
    connection = connections[chain.DATABASE]
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    lowest = (AuditEntry.objects.filter(seq__isnull=False).order_by("seq")
              .values_list("seq", flat=True).first())
    removed = 0
    bound = lowest or anchor_seq
    while bound < anchor_seq:
        bound = min(bound + batch_size, anchor_seq)
        with transaction.atomic(using=chain.DATABASE), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('quanfu.audit_retention', 'on', true)")
            cursor.execute(f"DELETE FROM {table} WHERE seq < %s", [bound])
            removed += cursor.rowcount
    return removed
