"""A matter's history as its page shows it: each event with who, when, from → to, the
note, and every changed field with its old and new value, in the users' words."""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from grids.choices import Duty
from risks.choices import (
    Action,
    ApprovalKind,
    ApprovalState,
    ClockStage,
    EventKind,
    FollowUpOutcome,
    Relation,
    RiskLevel,
    RiskStatus,
    Source,
    Tier,
)
from risks.models import Risk

EMPTY = "—"
CHOICES_OF_FIELD = {"level": RiskLevel, "status": RiskStatus, "tier": Tier, "source": Source,
                    "outcome": FollowUpOutcome, "approval": ApprovalKind,
                    "decision": ApprovalState}
LABELS = {
    "duty": _("Duty"),
    "area_change": _("Change of areas no."),  # a matter moved by a change of areas
    "added": _("Party added"),
    "removed": _("Party removed"),
    "relation": _("Relation"),
    "measures": _("Measures"),
    "owner": _("Owner"),
    "target_date": _("Target date"),
    "revision": _("Revision"),
    "held_on": _("Held on"),
    "duplicate_of": _("Duplicate of"),
    "outcome": _("Outcome"),
    "approval": _("Approval"),
    "decision": _("Approval decision"),
    "days": _("Working days asked"),
    "granted_days": _("Working days granted"),
    "feedback_due": _("Feedback due"),
    "feedback": _("Feedback given"),
    "on_time": _("Within T+2"),
    "paused": _("Clocks paused"),
    "paused_since": _("Paused since"),
    "resumed": _("Clocks resumed"),
    "extended": _("Clocks extended"),
    "working_days": _("Working days moved"),
    "attachment": _("File"),
}
# Values that are moments (ISO text in the event) or lists of stages.
MOMENTS = {"feedback_due", "paused_since"}
STAGE_LISTS = {"paused"}
# An approval's event (risks.approvals): what happened to the request.
APPROVAL_TITLES = {"request": _("Approval requested"), "approve": _("Approval granted"),
                   "deny": _("Approval denied")}
# A clock event (risks.clocks) by what it did.
CLOCK_TITLES = {"paused": _("Clock paused"), "resumed": _("Clock resumed"),
                "extended": _("Time limit extended")}
# Bookkeeping keys of some events that say nothing to a reader.
HIDDEN_KEYS = {"created", "subtype_code", "department_id", "warning", "instruction"}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    event: object
    title: str
    from_status: str = ""
    to_status: str = ""
    changes: list[Change] = field(default_factory=list)


def _label_of(name: str) -> str:
    if name in Duty.values:
        return Duty(name).label
    if name in LABELS:
        return LABELS[name]
    try:
        return capfirst(Risk._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _value(name: str, value) -> str:
    if value in (None, ""):
        return EMPTY
    if name in STAGE_LISTS:
        return "、".join(str(ClockStage(stage).label) if stage in ClockStage.values else stage
                        for stage in value)
    if name in MOMENTS and isinstance(value, str):
        try:
            return localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    choices = CHOICES_OF_FIELD.get(name)
    if name == "relation":
        choices = Relation
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def _status_label(status: str) -> str:
    return str(RiskStatus(status).label) if status in RiskStatus.values else status


def _changes(event) -> list[Change]:
    changes = event.changes or {}
    if event.kind == EventKind.DUTY_CHANGED:
        return [Change(_label_of(changes.get("duty", "")), _value("", changes.get("from")),
                       _value("", changes.get("to")))]
    rows = []
    for name, value in changes.items():
        if name in HIDDEN_KEYS:
            continue
        if isinstance(value, list) and len(value) == 2 and name not in STAGE_LISTS:  # [old, new]
            rows.append(Change(_label_of(name), _value(name, value[0]), _value(name, value[1])))
        elif not (event.kind == EventKind.CREATED and value is None):
            # A value set without a previous one; at creation, nothing to say about an
            # ungraded level or a duty nobody holds yet.
            rows.append(Change(_label_of(name), "", _value(name, value)))
    return rows


def _title(event) -> str:
    if event.kind == EventKind.TRANSITION and event.action in Action.values:
        return str(Action(event.action).label)
    if event.kind == EventKind.APPROVAL and event.action in APPROVAL_TITLES:
        return str(APPROVAL_TITLES[event.action])
    if event.kind == EventKind.NOTE and event.action == "attach":  # risks.attachments
        return str(_("Attachment added"))
    if event.kind == EventKind.CLOCK:  # which of pause, resume, extension it was
        for key, title in CLOCK_TITLES.items():
            if key in (event.changes or {}):
                return str(title)
    return str(event.get_kind_display())


def timeline_entries(events) -> list[TimelineEntry]:
    """The events (oldest first) as the rows of the page's timeline."""
    entries = []
    for event in events:
        entry = TimelineEntry(event=event, title=_title(event), changes=_changes(event))
        if (event.from_status or event.to_status) and event.from_status != event.to_status:
            entry.from_status = _status_label(event.from_status) if event.from_status else ""
            entry.to_status = _status_label(event.to_status) if event.to_status else ""
        entries.append(entry)
    return entries
