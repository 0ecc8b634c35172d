"""The state machine of a webhook delivery (pending → delivered or failed; replayed by
an administrator), run by the one engine in quanfu/transitions.py. The worker's steps
are conditional UPDATEs (``move_all``) in webhooks.sending: a 2xx answer delivers it; a
failed attempt leaves it pending with its next attempt later, until WEBHOOK_RETRY_HOURS
have passed since it was made (or its subscription was turned off): then it fails.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from quanfu.transitions import Transition, TransitionTable, nobody
from webhooks.choices import DeliveryStatus
from webhooks.models import Delivery


class DeliveryAction(models.TextChoices):
    DELIVER = "deliver", _("delivered to the receiver")
    GIVE_UP = "give_up", _("give up after a day of retries")
    REPLAY = "replay", _("replay")


def administrator(actor, record) -> bool:
    return bool(actor is not None and actor.is_superuser)


D = DeliveryStatus
DELIVERY_TRANSITIONS = TransitionTable(
    model=Delivery, actions=DeliveryAction, states=DeliveryStatus,
    transitions=[
        Transition(DeliveryAction.DELIVER, frozenset({D.PENDING}), D.DELIVERED, who=nobody,
                   who_label="the webhook worker (the receiver answered 2xx)"),
        Transition(DeliveryAction.GIVE_UP, frozenset({D.PENDING}), D.FAILED, who=nobody,
                   who_label="the webhook worker (a day of retries failed, or the "
                             "subscription was turned off)"),
        Transition(DeliveryAction.REPLAY, frozenset({D.FAILED}), D.PENDING, who=administrator,
                   who_label="an administrator (admin: replay), set-based"),
    ],
)

# Every table of this app, for the docs and the test that no state changes outside them.
TABLES = [DELIVERY_TRANSITIONS]
