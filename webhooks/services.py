"""Subscribing to webhooks and looking after their deliveries: what the API
(webhooks/api) and the admin call. Delivering is webhooks.sending; writing the events,
webhooks.outbox."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.choices import AuditAction
from audit.services import record_event
from quanfu.errors import Forbidden, RuleBroken
from webhooks.addresses import AddressRefused, check_subscription_url
from webhooks.choices import DeliveryStatus, WebhookEvent
from webhooks.models import Delivery, Subscription
from webhooks.transitions import DELIVERY_TRANSITIONS, DeliveryAction

MAX_SUBSCRIPTIONS_PER_CLIENT = 20


def may_subscribe(user) -> bool:
    """Only the accounts of other systems (API clients) subscribe: a person's token must
    not push the register's news to an address of their choosing."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.API_CLIENT)


def subscriptions_of(user) -> QuerySet[Subscription]:
    """The caller's own subscriptions still active (every API view starts here)."""
    if not may_subscribe(user):
        return Subscription.objects.none()
    return Subscription.objects.filter(client=user, is_active=True).order_by("id")


def get_subscription_for_user(user, pk) -> Subscription:
    try:
        return subscriptions_of(user).get(pk=pk)
    except (Subscription.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such subscription.") from error


@dataclass(frozen=True)
class NewSubscription:
    subscription: Subscription
    secret: str  # shown to the client this once


@transaction.atomic
def subscribe(*, actor, url: str, events: list[str]) -> NewSubscription:
    """Subscribe the API client ``actor`` to ``events`` at ``url``. The URL must pass the
    address rules now (webhooks.addresses) and passes them again at each delivery. Returns
    the subscription with its signing secret, which is shown only now.

    Raises Forbidden for anyone but an API client, RuleBroken naming ``url`` or
    ``events``. The subscription's creation is audited (the secret without its value)."""
    if not may_subscribe(actor):
        raise Forbidden(_("Only the account of another system (API client) may subscribe "
                          "to webhooks."))
    url = (url or "").strip()
    try:
        check_subscription_url(url)
    except AddressRefused as refused:
        raise RuleBroken(str(refused), field="url") from refused
    events = list(dict.fromkeys(events or []))
    unknown = [event for event in events if event not in WebhookEvent.values]
    if not events or unknown:
        raise RuleBroken(_("Choose events among: %(events)s.")
                         % {"events": ", ".join(WebhookEvent.values)}, field="events")
    if Subscription.objects.filter(client=actor, is_active=True).count() >= (
            MAX_SUBSCRIPTIONS_PER_CLIENT):
        raise RuleBroken(_("A client may have at most %(count)s subscriptions.")
                         % {"count": MAX_SUBSCRIPTIONS_PER_CLIENT}, field="url")
    secret = secrets.token_hex(32)
    subscription = Subscription.objects.create(client=actor, url=url, events=events,
                                               secret=secret, created_at=timezone.now())
    return NewSubscription(subscription, secret)


@transaction.atomic
def unsubscribe(subscription: Subscription, *, actor) -> Subscription:
    """Turn the subscription off: no new deliveries; those pending fail at their next
    attempt. Its deliveries' log stays for the administrator."""
    if not (actor.is_superuser or subscription.client_id == actor.pk):
        raise Forbidden(_("Only the client itself may remove its subscription."))
    subscription.is_active = False
    subscription.save(update_fields=["is_active"])
    return subscription


def deliveries_of(subscription: Subscription) -> QuerySet[Delivery]:
    """A subscription's deliveries' log, newest first."""
    return (subscription.deliveries.select_related("event").order_by("-id"))


@transaction.atomic
def replay_deliveries(deliveries: QuerySet[Delivery], *, actor) -> int:
    """An administrator sends failed deliveries again (same delivery id, so the receiver
    can tell a repeat), now and then with another day of retries. Returns how many.
    One audit entry names them."""
    if not (actor is not None and actor.is_superuser):
        raise Forbidden(_("Only an administrator may replay deliveries."))
    now = timezone.now()
    ids = list(deliveries.filter(status=DeliveryStatus.FAILED).values_list("pk", flat=True))
    moved = DELIVERY_TRANSITIONS.move_all(
        Delivery.objects.filter(pk__in=ids), DeliveryAction.REPLAY, next_attempt_at=now,
        give_up_at=now + retry_window(), error="")
    if moved:
        record_event(action=AuditAction.UPDATE, actor=actor, target="webhooks.delivery",
                     detail=f"{moved} webhook deliveries replayed",
                     changes={"replayed": ids[:100]})
    return moved


def retry_window() -> timedelta:
    return timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
