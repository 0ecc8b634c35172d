"""Writing what the other systems are told: one row per change, in the change's own
transaction (the transactional outbox). The domain services call ``record`` where a
contract event happens (risks.services, rhythm.services); the worker does the rest
(webhooks.sending), so a change costs one INSERT whatever the number of subscriptions.

An app above may ask for an event of its own alongside another (``also_record``): the
ledgers' dispute records are the matters of the disputes category, so a change of such a
matter is also ``dispute.changed`` (ledgers.dispute_events), written in the same INSERT.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone

from webhooks.models import OutboxEvent


@dataclass(frozen=True)
class Change:
    """One event to write: its name, the object, where it happened and what to tell."""

    event: str
    object_type: str
    object_id: int
    street_id: int | None
    community_id: int | None
    payload: dict


# (events it follows, a function of a Change giving the companion Change or None)
_COMPANIONS: list[tuple[frozenset, Callable[[Change], Change | None]]] = []


def also_record(events: Iterable[str], companion: Callable[[Change], Change | None]) -> None:
    """Whenever one of ``events`` is recorded, also record ``companion(change)`` (if not
    None), in the same INSERT. Registered by apps above in their AppConfig.ready."""
    _COMPANIONS.append((frozenset(events), companion))


def record(event: str, obj_type: str, obj_id: int, *, street_id: int | None,
           community_id: int | None, payload: dict) -> None:
    """Write ``event`` on object ``obj_type``:``obj_id`` into the outbox, in the caller's
    transaction (rolled back with it). ``payload`` is the JSON the receivers get as
    ``data``; the street and community say which clients' scopes cover it."""
    record_many([Change(event, obj_type, obj_id, street_id, community_id, payload)])


def record_many(changes: Iterable[Change]) -> None:
    """Write several events in one INSERT (a bulk of reports), companions included."""
    now = timezone.now()
    rows = []
    for change in changes:
        rows.append(_row(change, now))
        for events, companion in _COMPANIONS:
            if change.event in events and (also := companion(change)) is not None:
                rows.append(_row(also, now))
    if rows:
        OutboxEvent.objects.bulk_create(rows)


def _row(change: Change, now) -> OutboxEvent:
    return OutboxEvent(event=change.event, object_type=change.object_type,
                       object_id=change.object_id, street_id=change.street_id,
                       community_id=change.community_id, payload=change.payload,
                       created_at=now)
