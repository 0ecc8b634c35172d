"""The words of the three-tier joint meetings (三级联席会议) and of 吹哨报到: states and
the actions that move them (the transitions each allows are in meetings/transitions.py).
The tiers are the register's own (risks.choices.Tier)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from risks.choices import Tier

__all__ = ["Tier"]


class MeetingKind(models.TextChoices):
    JOINT = "joint", _("Joint meeting")
    PARTY_COMMITTEE = "party_committee", _("Party working committee meeting")
    CONSULTATION = "consultation", _("Consultation and assessment")


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Minutes approved")


class MeetingAction(models.TextChoices):
    APPROVE = "approve", _("Approve the minutes")


class ItemKind(models.TextChoices):
    MATTER = "matter", _("Matter")
    ACTION_REVIEW = "action_review", _("Overdue action item")
    TOPIC = "topic", _("Topic")


class Decision(models.TextChoices):
    """What a meeting decides on an item of its agenda (议定事项)."""

    SETTLE = "settle", _("Settled: write off")
    ESCALATE = "escalate", _("Refer to the next tier")
    SEND_DOWN = "send_down", _("Send down to the tier below")
    FOLLOW_UP = "follow_up", _("Follow up at this tier")
    NOTED = "noted", _("Noted")


# The decisions each tier may take on a matter: the community is the first firewall and
# refers up; the street refers up or sends down; the district is the top tier.
MATTER_DECISIONS = {
    Tier.COMMUNITY: (Decision.SETTLE, Decision.ESCALATE, Decision.FOLLOW_UP),
    Tier.STREET: (Decision.SETTLE, Decision.ESCALATE, Decision.SEND_DOWN, Decision.FOLLOW_UP),
    Tier.DISTRICT: (Decision.SETTLE, Decision.SEND_DOWN, Decision.FOLLOW_UP),
}
OTHER_DECISIONS = (Decision.FOLLOW_UP, Decision.NOTED)


class ActionItemStatus(models.TextChoices):
    OPEN = "open", _("Not yet done")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ActionItemAction(models.TextChoices):
    COMPLETE = "complete", _("Mark done")
    CANCEL = "cancel", _("Cancel the action item")
    REOPEN = "reopen", _("Reopen")


class AmendedPart(models.TextChoices):
    MINUTES = "minutes", _("Minutes")
    DECISION = "decision", _("Decision")
    ACTION_ITEM = "action_item", _("Action item added")


class WhistleStatus(models.TextChoices):
    OPEN = "open", _("Waiting for report-in")
    CLOSED = "closed", _("All reported in")


class WhistleAction(models.TextChoices):
    CLOSE = "close", _("Close the call: every department has reported in")


# The tiers at which escalation rules flag matters (the district is the top tier).
RULE_TIERS = (Tier.COMMUNITY, Tier.STREET)
