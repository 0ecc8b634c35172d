"""Delivering the outbox (the worker's side of webhooks.outbox): fan each new event out
to the subscriptions that want it and whose client's scope covers it, then POST the
deliveries that are due, signed, and record how each went.

Both steps are safe to run in several workers at once and again after a crash: events
and deliveries are claimed with SELECT … FOR UPDATE SKIP LOCKED, a delivery once per
(subscription, event) (a unique constraint), and a claimed attempt pushes the delivery's
next attempt a lease ahead, so one lost with its worker is simply tried again later.

An attempt succeeds on a 2xx answer. A redirect is a failure (never followed: no
requests steered into the office network), as are other answers, timeouts and refused
addresses (webhooks.addresses). A failed delivery is tried again after
WEBHOOK_RETRY_SECONDS, doubled each time (at most an hour apart), until its
``give_up_at`` (WEBHOOK_RETRY_HOURS after it was made): that last attempt failing, it has
failed; an administrator may replay it (webhooks.services.replay_deliveries).
"""

import hashlib
import hmac
import json
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from grids.choices import AreaKind
from grids.scoping import scope_roots
from webhooks.addresses import AddressRefused, guarded_connection
from webhooks.choices import DeliveryStatus
from webhooks.models import Delivery, OutboxEvent, Subscription
from webhooks.transitions import DELIVERY_TRANSITIONS, DeliveryAction

MAX_RETRY_DELAY = timedelta(hours=1)
FAN_OUT_BATCH = 1000
USER_AGENT = "Quanfu-Webhooks/1"


# Fan-out -----------------------------------------------------------------------------------

def covers(client):
    """A test of an event by the client's scope (grids.scoping.scope_roots, the rule of
    every page and API list: its area, a district's streets): a street root covers that
    street's events, a community root its community's. Nothing else passes: a client
    limited to one street never hears of another's."""
    if not client.is_active or client.role != Role.API_CLIENT:
        return lambda event: False
    roots = scope_roots(client)
    if roots is None:
        return lambda event: True
    streets = {root.pk for root in roots if root.kind == AreaKind.STREET}
    communities = {root.pk for root in roots if root.kind == AreaKind.COMMUNITY}
    return lambda event: (event.street_id in streets or event.community_id in communities)


def fan_out_events(now: datetime | None = None, batch: int = FAN_OUT_BATCH) -> int:
    """Make the deliveries of up to ``batch`` new events (one per subscription that wants
    the event, made before it, whose client's scope covers it) and mark them fanned out.
    Returns the number of events taken. A fixed number of queries per batch."""
    now = now or timezone.now()
    retry_for = timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    with transaction.atomic():
        events = list(OutboxEvent.objects.filter(fanned_out_at=None).order_by("id")
                      .select_for_update(skip_locked=True)
                      .only("id", "event", "street_id", "community_id", "created_at")[:batch])
        if not events:
            return 0
        rows = []
        subscriptions = Subscription.objects.filter(is_active=True).select_related(
            "client", "client__area")
        for subscription in subscriptions:
            wanted, in_scope = set(subscription.events), covers(subscription.client)
            rows += [Delivery(subscription=subscription, event=event, created_at=now,
                              next_attempt_at=now, give_up_at=now + retry_for)
                     for event in events
                     if event.event in wanted and event.created_at >= subscription.created_at
                     and in_scope(event)]
        Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(
            fanned_out_at=now)
    return len(events)


# Attempts ----------------------------------------------------------------------------------

def body_of(delivery: Delivery) -> bytes:
    """The JSON POSTed for ``delivery``: the same bytes at every attempt."""
    event = delivery.event
    return json.dumps({
        "id": str(delivery.delivery_id),
        "event": event.event,
        "occurred_at": timezone.localtime(event.created_at).isoformat(),
        "object": {"type": event.object_type, "id": event.object_id},
        "data": event.payload,
    }, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signature_of(secret: str, body: bytes) -> str:
    """``X-Quanfu-Signature``: sha256=<hex HMAC-SHA256 of the exact body with the secret>."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Outcome:
    code: int | None
    error: str  # "" when delivered


def post(delivery: Delivery) -> Outcome:
    """One POST of ``delivery`` to its subscription's URL (no database use: run in
    threads). Never follows a redirect."""
    subscription = delivery.subscription
    body = body_of(delivery)
    try:
        connection, path = guarded_connection(subscription.url,
                                              settings.WEBHOOK_TIMEOUT_SECONDS)
    except AddressRefused as refused:
        return Outcome(None, str(refused))
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Quanfu-Event": delivery.event.event,
            "X-Quanfu-Delivery": str(delivery.delivery_id),
            "X-Quanfu-Signature": signature_of(subscription.secret, body),
        })
        response = connection.getresponse()
        response.read(64 * 1024)
        code = response.status
    except AddressRefused as refused:
        return Outcome(None, str(refused))
    except TimeoutError:
        return Outcome(None, _("The receiver did not answer in time."))
    except ConnectionRefusedError:
        return Outcome(None, _("The receiver refused the connection."))
    except (OSError, ValueError) as error:  # http.client's errors are OSErrors or ValueErrors
        return Outcome(None, _("The receiver could not be reached (%(reason)s).")
                       % {"reason": error.__class__.__name__})
    finally:
        connection.close()
    if 200 <= code < 300:
        return Outcome(code, "")
    if 300 <= code < 400:
        return Outcome(code, _("The receiver answered with a redirect (HTTP %(code)s), which "
                               "is not followed.") % {"code": code})
    return Outcome(code, f"HTTP {code}")


def lease() -> timedelta:
    """How long a claimed attempt holds its delivery: past it, the attempt is taken as
    lost (its worker died) and the delivery is due again."""
    return timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS + 60)


def claim_due_deliveries(now: datetime, limit: int) -> list[Delivery]:
    """Take up to ``limit`` pending deliveries due by ``now``: each counts an attempt and
    is held for the lease. Two workers never take the same one."""
    with transaction.atomic():
        ids = list(Delivery.objects.filter(status=DeliveryStatus.PENDING,
                                           next_attempt_at__lte=now)
                   .order_by("next_attempt_at", "id").select_for_update(skip_locked=True)
                   .values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).update(
            attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=now + lease())
    return list(Delivery.objects.filter(pk__in=ids)
                .select_related("subscription", "event").order_by("id"))


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s, 60 s, 120 s, … at most an
    hour (WEBHOOK_RETRY_SECONDS)."""
    seconds = settings.WEBHOOK_RETRY_SECONDS * 2 ** min(max(attempts - 1, 0), 20)
    return min(timedelta(seconds=seconds), MAX_RETRY_DELAY)


def record_outcomes(outcomes: list[tuple[Delivery, Outcome]], now: datetime) -> None:
    """Write how the attempts went, set-based: one UPDATE per kind of answer."""
    delivered, failed, stopped = defaultdict(list), defaultdict(list), []
    for delivery, outcome in outcomes:
        if not delivery.subscription.is_active:
            stopped.append(delivery.pk)
        elif not outcome.error:
            delivered[outcome.code].append(delivery.pk)
        else:
            failed[(outcome.code, outcome.error[:300], delivery.attempts)].append(delivery.pk)
    for code, ids in delivered.items():
        DELIVERY_TRANSITIONS.move_all(Delivery.objects.filter(pk__in=ids),
                                      DeliveryAction.DELIVER, response_code=code, error="")
    if stopped:
        DELIVERY_TRANSITIONS.move_all(Delivery.objects.filter(pk__in=stopped),
                                      DeliveryAction.GIVE_UP,
                                      error=_("The subscription was turned off."))
    for (code, error, attempts), ids in failed.items():
        rows = Delivery.objects.filter(pk__in=ids)
        # the day of retries is over: that was the last attempt
        DELIVERY_TRANSITIONS.move_all(rows.filter(give_up_at__lte=now), DeliveryAction.GIVE_UP,
                                      response_code=code, error=error)
        rows.filter(status=DeliveryStatus.PENDING).update(
            response_code=code, error=error,
            next_attempt_at=Least(Value(now + retry_delay(attempts)), F("give_up_at")))


def attempt_due_deliveries(now: datetime | None = None, limit: int | None = None) -> int:
    """Claim the deliveries due now (a batch), POST them (WEBHOOK_CONCURRENCY at once) and
    record their outcomes. Returns the number attempted."""
    now = now or timezone.now()
    claimed = claim_due_deliveries(now, limit or settings.WEBHOOK_BATCH_SIZE)
    if not claimed:
        return 0
    # a subscription turned off since is not posted to: its deliveries stop (record_outcomes)
    to_post = [delivery for delivery in claimed if delivery.subscription.is_active]
    workers = max(1, min(settings.WEBHOOK_CONCURRENCY, len(to_post)))
    if workers == 1:
        outcomes = [post(delivery) for delivery in to_post]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(post, to_post))
    posted = dict(zip([delivery.pk for delivery in to_post], outcomes, strict=True))
    record_outcomes([(delivery, posted.get(delivery.pk, Outcome(None, "")))
                     for delivery in claimed], now)
    return len(claimed)


def deliver_webhooks(*, seconds: float = 50.0) -> dict:
    """Fan out and attempt until nothing is left to do now, or ``seconds`` have passed
    (the next run goes on). Returns what was done: events fanned out, attempts made."""
    done = {"events": 0, "attempts": 0}
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        events = fan_out_events()
        attempts = attempt_due_deliveries()
        done["events"] += events
        done["attempts"] += attempts
        if not events and not attempts:
            break
    return done
