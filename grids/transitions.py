"""The state machine of a change of areas (区域调整), run by the one engine in
quanfu/transitions.py: requested → applied (a street leader of its street approves it, and
approving applies it in the same transaction: grids.restructuring.approve_change), refused
(a street leader, with a reason) or withdrawn (the person who asked)."""

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from grids.choices import AreaChangeState
from grids.models import AreaChange
from quanfu.errors import Forbidden
from quanfu.transitions import Transition, TransitionTable


class AreaChangeAction(models.TextChoices):
    APPROVE = "approve", gettext_lazy("Approve and apply")
    REFUSE = "refuse", gettext_lazy("Refuse")
    WITHDRAW = "withdraw", gettext_lazy("Withdraw")


def a_leader_of_its_street(actor, change) -> bool:
    """A street leader of the change's street decides, never the person who asked."""
    if change.requested_by_id == actor.pk:
        raise Forbidden(_("You asked for this change: another leader decides it."))
    if actor.is_superuser or (actor.role == Role.STREET_LEADER
                              and actor.area_id == change.street_id):
        return True
    raise Forbidden(_("Only a leader of the street decides changes of areas."))


def its_requester(actor, change) -> bool:
    if change.requested_by_id == actor.pk:
        return True
    raise Forbidden(_("Only the person who asked for the change may withdraw it."))


DECIDED = gettext_lazy("This change is already decided (%(state)s).")
C = AreaChangeState
AREA_CHANGE_TRANSITIONS = TransitionTable(
    model=AreaChange, field="state", actions=AreaChangeAction, states=AreaChangeState,
    transitions=[
        Transition(AreaChangeAction.APPROVE, frozenset({C.REQUESTED}), C.APPLIED,
                   who=a_leader_of_its_street,
                   who_label="street leaders of its street, not the requester (approving "
                             "applies it, in the same transaction)",
                   state_message=DECIDED),
        Transition(AreaChangeAction.REFUSE, frozenset({C.REQUESTED}), C.REFUSED,
                   who=a_leader_of_its_street,
                   who_label="street leaders of its street, not the requester",
                   note_required=True, state_message=DECIDED,
                   note_message=gettext_lazy("Say why the change is refused.")),
        Transition(AreaChangeAction.WITHDRAW, frozenset({C.REQUESTED}), C.WITHDRAWN,
                   who=its_requester, who_label="the person who asked for it",
                   state_message=DECIDED),
    ],
)

# Every table of this app, for the docs and the test that no state changes outside them.
TABLES = [AREA_CHANGE_TRANSITIONS]
