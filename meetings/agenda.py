"""What waits for a tier's next meeting: the matters that reached the tier and have not
been discussed there since, and the overdue action items of the tier's earlier meetings.

A matter arrives at its tier when it is escalated or sent down (its latest escalate or
deescalate event); one that never moved has been at the community since it was found
(``discovered_at``, which may be earlier than its entry in the register). It has been
"discussed" once an item on it sits on a meeting of the tier created after that arrival
(a draft meeting counts: the matter is already scheduled there).
"""

from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from meetings.choices import MeetingStatus
from meetings.models import ActionItem, Meeting, MeetingItem
from meetings.overdue import overdue_action_items
from risks.choices import OPEN_STATUSES, Action, EventKind
from risks.filters import LEVEL_RANK
from risks.models import Risk, RiskEvent
from risks.scoping import visible_risks


def arrival_at_tier():
    """When each matter reached the tier it is at now (an expression over Risk)."""
    moves = RiskEvent.objects.filter(
        risk=OuterRef("pk"), kind=EventKind.TRANSITION,
        action__in=[Action.ESCALATE, Action.DEESCALATE],
    ).order_by("-created_at", "-id").values("created_at")[:1]
    return Coalesce(Subquery(moves), F("discovered_at"))


def last_move():
    """The action by which each matter reached the tier it is at (escalate or deescalate;
    None when it never moved): an expression over Risk."""
    return Subquery(RiskEvent.objects.filter(
        risk=OuterRef("pk"), kind=EventKind.TRANSITION,
        action__in=[Action.ESCALATE, Action.DEESCALATE],
    ).order_by("-created_at", "-id").values("action")[:1])


def with_arrival(queryset: QuerySet[Risk]) -> QuerySet[Risk]:
    return queryset.annotate(arrived_at=arrival_at_tier())


def matters_at_tier(user, tier: str, area=None) -> QuerySet[Risk]:
    """Open matters the user sees, at ``tier`` (within ``area``), with their arrival."""
    matters = visible_risks(user).filter(tier=tier, status__in=OPEN_STATUSES)
    if area is not None:
        matters = matters.filter(area__path__startswith=area.path)
    return with_arrival(matters)


def matters_awaiting_discussion(user, tier: str, area=None) -> QuerySet[Risk]:
    discussed = MeetingItem.objects.filter(risk=OuterRef("pk"), meeting__tier=tier,
                                           created_at__gte=OuterRef("arrived_at"))
    return matters_at_tier(user, tier, area).exclude(Exists(discussed))


def overdue_action_items_of(user, tier: str, area=None) -> QuerySet[ActionItem]:
    """Overdue action items assigned by meetings of this tier (and area)."""
    items = overdue_action_items(user).filter(meeting__tier=tier)
    return items.filter(meeting__area=area) if area is not None else items


@dataclass
class AgendaProposal:
    matters: list = field(default_factory=list)
    action_items: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.matters or self.action_items)


def propose_agenda(meeting: Meeting, user) -> AgendaProposal:
    """The items the system proposes for a draft meeting; the chair adds or leaves them."""
    if meeting.status != MeetingStatus.DRAFT:
        return AgendaProposal()
    matters = (matters_awaiting_discussion(user, meeting.tier, meeting.area)
               .annotate(level_rank=LEVEL_RANK, last_move=last_move())
               .annotate(escalated_last=Case(When(last_move=Action.ESCALATE, then=Value(0)),
                                             default=Value(1), output_field=IntegerField()))
               .select_related("area", "category")
               # the gravest first; of a level, what was escalated to this tier before
               # what was sent down or found here; then the longest waiting
               .order_by("level_rank", "escalated_last", "arrived_at", "id"))
    on_this_meeting = MeetingItem.objects.filter(meeting=meeting,
                                                 reviewed_action__isnull=False)
    action_items = (overdue_action_items_of(user, meeting.tier, meeting.area)
                    .exclude(pk__in=on_this_meeting.values("reviewed_action_id"))
                    .select_related("meeting", "owner", "owner_department", "item__risk")
                    .order_by("deadline", "id"))
    return AgendaProposal(matters=list(matters), action_items=list(action_items))
