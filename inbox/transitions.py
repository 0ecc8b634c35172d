"""The state machine of the inbox, run by the one engine in quanfu/transitions.py: a chat
robot delivery (pending → sent or failed). Its steps are taken by the worker
(inbox.channels.attempt_chat_delivery), each a conditional UPDATE of the one row
(``move_all``): an attempt that went through is sent; the attempt that reaches
CHAT_ROBOT_MAX_ATTEMPTS without going through gives up. Attempts in between leave it
pending and record themselves on the row (attempts, last_attempt_at, response_code, error).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from inbox.choices import DeliveryStatus
from inbox.models import ChatDelivery
from quanfu.transitions import Transition, TransitionTable, nobody


class DeliveryAction(models.TextChoices):
    SEND = "send", _("sent to the chat robot")
    GIVE_UP = "give_up", _("give up after the last attempt")


D = DeliveryStatus
DELIVERY_TRANSITIONS = TransitionTable(
    model=ChatDelivery, actions=DeliveryAction, states=DeliveryStatus,
    transitions=[
        Transition(DeliveryAction.SEND, frozenset({D.PENDING}), D.SENT, who=nobody,
                   who_label="the chat worker (the robot answered 2xx and errcode 0)"),
        Transition(DeliveryAction.GIVE_UP, frozenset({D.PENDING}), D.FAILED, who=nobody,
                   who_label="the chat worker (the last allowed attempt failed, or the robot "
                             "is off or its URL refused)"),
    ],
)

# Every table of this app, for the docs and the test that no state changes outside them.
TABLES = [DELIVERY_TRANSITIONS]
