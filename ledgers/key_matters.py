"""The key-matters ledger (重点事项台账): the matters the three-tier joint meetings decided
on, one row per decision, with the meeting, the decision, the owners and the deadlines of
its action items. Only decisions of approved minutes count: they are the ones in force.

The matters are the filtered register (scope and RiskFilterSet) as for every ledger, so a
user sees the decisions on their own matters only, whichever tier took them.
"""

from collections.abc import Iterator

from ledgers.matter_rows import CHUNK_SIZE, Labels, person, place
from meetings.choices import ItemKind, MeetingStatus
from meetings.models import ActionItem, MeetingItem
from quanfu.xlsx import Column

DECISIONS = {"settle": "化解销号", "escalate": "提交上一级", "send_down": "交下一级办理",
             "follow_up": "本级跟进", "noted": "知悉"}
ACTION_STATUSES = {"open": "办理中", "done": "已办结", "cancelled": "已取消"}
MEETING_KINDS = {"joint": "联席会议", "party_committee": "党工委会议",
                 "consultation": "会商研判"}
ITEM_VALUES = (
    "id", "decision", "decision_note", "decided_at", "meeting__held_on", "meeting__tier",
    "meeting__kind", "meeting__title", "risk__code", "risk__title", "risk__level",
    "risk__status", "risk__area__kind", "risk__area__name", "risk__community__name",
    "risk__grid__name", "risk__category__name", "risk__lead__name", "risk__lead__username",
)

KEY_MATTERS_COLUMNS = [
    Column("序号", 6), Column("会议日期", 12), Column("会议层级", 9), Column("会议类型", 11),
    Column("会议名称", 26), Column("编号", 17), Column("社区", 12), Column("网格", 18),
    Column("类别", 14), Column("事项名称", 28), Column("风险等级", 9), Column("议定结果", 12),
    Column("议定事项", 40), Column("责任人（责任单位）", 24), Column("办结时限", 12),
    Column("落实情况", 14), Column("包案领导", 10), Column("当前状态", 10),
]


def decided_items(queryset):
    """The decisions in force on the matters of ``queryset`` (the filtered register)."""
    return (MeetingItem.objects
            .filter(kind=ItemKind.MATTER, risk__in=queryset.values("pk"),
                    meeting__status=MeetingStatus.APPROVED)
            .exclude(decision="")
            .order_by("meeting__held_on", "meeting_id", "position", "id"))


def _prefixed(row: dict) -> dict:
    """The item's matter fields under the names the matter ledgers use."""
    matter = {key.removeprefix("risk__"): value for key, value in row.items()
              if key.startswith("risk__")}
    return {**row, **matter}


def key_matter_rows(items, *, unmask: bool, labels: Labels, extra_values: tuple = ()
                    ) -> Iterator[tuple[dict, list]]:
    """(values of a decision and its matter, its action items), chunk by chunk."""
    chunk = []
    for row in items.values(*ITEM_VALUES).iterator(chunk_size=CHUNK_SIZE):
        chunk.append(_prefixed(row))
        if len(chunk) >= CHUNK_SIZE:
            yield from _with_actions(chunk)
            chunk = []
    if chunk:
        yield from _with_actions(chunk)


def _with_actions(chunk):
    actions: dict[int, list] = {}
    found = (ActionItem.objects.filter(item_id__in=[row["id"] for row in chunk])
             .order_by("deadline", "id")
             .values("item_id", "owner__name", "owner__username", "owner_department__name",
                     "deadline", "status"))
    for action in found:
        actions.setdefault(action["item_id"], []).append(action)
    for row in chunk:
        yield row, actions.get(row["id"], [])


def owner_label(action: dict) -> str:
    names = [action["owner_department__name"], action["owner__name"] or action["owner__username"]]
    return "·".join(name for name in names if name)


def key_matter_cells(number: int, row: dict, actions: list, labels: Labels, today) -> list:
    community, grid = place(row)
    deadlines = [action["deadline"] for action in actions]
    return [
        number, row["meeting__held_on"], labels.tier.get(row["meeting__tier"], ""),
        MEETING_KINDS.get(row["meeting__kind"], ""), row["meeting__title"], row["code"],
        community, grid, row["category__name"], row["title"],
        labels.level.get(row["level"], "未定级") if row["level"] else "未定级",
        DECISIONS.get(row["decision"], row["decision"]), row["decision_note"],
        "；".join(owner_label(action) for action in actions),
        min(deadlines) if deadlines else None,
        "；".join(ACTION_STATUSES.get(action["status"], "") for action in actions),
        person(row, "lead"), labels.status.get(row["status"], ""),
    ]
