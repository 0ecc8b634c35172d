"""Webhooks (issue 21): what changed, pushed to the other systems that subscribed.

A change writes one ``OutboxEvent`` in its own transaction (``webhooks.outbox.record``):
no event for a change rolled back, none lost when the broker is down. The worker fans
each event out to the subscriptions whose client's scope covers it (a ``Delivery`` each)
and POSTs them, signed, until the receiver answers 2xx or a day has passed
(``webhooks.sending``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from webhooks.choices import DeliveryStatus


class Subscription(models.Model):
    """An other system's wish to be told (an API client's webhook): the events it wants,
    the URL they are POSTed to and the secret the POSTs are signed with."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("API client"),
                               on_delete=models.CASCADE, related_name="webhook_subscriptions")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events subscribed"), default=list)
    # Kept as it is: the worker signs every POST with it. Shown once, when created.
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["id"]

    def __str__(self):
        return f"{self.client} → {self.url}"


class OutboxEvent(models.Model):
    """Something that happened, as the other systems are told of it: written in the
    transaction of the change itself, fanned out to the subscriptions by the worker."""

    id = models.BigAutoField("ID", primary_key=True)
    event = models.CharField(_("event name"), max_length=40)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.BigIntegerField(_("object id"))
    # Where it happened, for the scope of the clients told: the street and community ids
    # (ids, not foreign keys: the event outlives nothing and costs one INSERT).
    street_id = models.BigIntegerField(_("street"), null=True, blank=True)
    community_id = models.BigIntegerField(_("community"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    fanned_out_at = models.DateTimeField(_("fanned out at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], condition=Q(fanned_out_at=None),
                                name="webhook_event_waiting_idx")]

    def __str__(self):
        return f"{self.event} {self.object_type}:{self.object_id}"


class Delivery(models.Model):
    """One event for one subscription: the POSTs made to deliver it (one id, however many
    attempts, so that the receiver can tell a repeat), and how they went."""

    id = models.BigAutoField("ID", primary_key=True)
    subscription = models.ForeignKey(Subscription, verbose_name=_("webhook subscription"),
                                     on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutboxEvent, verbose_name=_("webhook event"),
                              on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True,
                                   editable=False)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # the last attempt is made at this moment (WEBHOOK_RETRY_HOURS after it was made, or
    # after an administrator replayed it); if it fails too, the delivery has failed
    give_up_at = models.DateTimeField(_("retried until"))
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["subscription", "event"],
                                               name="webhook_one_delivery_per_event")]
        indexes = [models.Index(fields=["next_attempt_at"],
                                condition=Q(status=DeliveryStatus.PENDING),
                                name="webhook_delivery_due_idx"),
                   models.Index(fields=["subscription", "-id"],
                                name="webhook_delivery_log_idx")]

    def __str__(self):
        return str(self.delivery_id)
