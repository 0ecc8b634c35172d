"""Small builders shared by the meetings tests: matters taken through the register's own
services, meetings convened and decided through meetings.services."""

from datetime import timedelta

from django.utils import timezone

from accounts.roles import Role
from grids.services import create_department
from meetings import services
from meetings.choices import Decision
from risks import services as risk_services
from tests.conftest import make_user

MINUTES = "会议研究了提请事项，明确了责任和时限。"


def days_ago(days: int):
    return timezone.localdate() - timedelta(days=days)


def resolving(ready_to_start, officer, **fields):
    """A graded matter in grid A1, being resolved (so that it may be settled)."""
    return risk_services.start_risk(ready_to_start(**fields), actor=officer)


def escalated(risk, actor, note="社区调解未果。"):
    return risk_services.escalate_risk(risk, actor=actor, note=note)


def hold(actor, tier, *, risks=(), title=None, held_on=None, **fields):
    """A draft meeting of ``tier`` chaired by ``actor``, with minutes written."""
    fields.setdefault("chair", actor)
    fields.setdefault("minutes", MINUTES)
    return services.create_meeting(actor=actor, tier=tier, title=title or f"{tier}联席会议",
                                   held_on=held_on or timezone.localdate(), risks=risks,
                                   **fields)


def decide(meeting, actor, decisions: dict):
    """Record ``{risk: Decision}`` on the meeting's items, each with a note."""
    for item in meeting.items.select_related("risk"):
        decision = decisions.get(item.risk, Decision.FOLLOW_UP if item.risk else Decision.NOTED)
        services.record_decision(item, actor=actor, decision=decision,
                                 note=f"议定：{Decision(decision).label}")


def hold_and_approve(actor, tier, decisions: dict, **fields):
    meeting = hold(actor, tier, risks=list(decisions), **fields)
    decide(meeting, actor, decisions)
    return services.approve_meeting(meeting, actor=actor)


def second_department(street):
    """Another section of the street, with its own staff member."""
    department = create_department(street=street.street, code="S1-urban", name="城市管理办公室")
    staff = make_user("staff_urban", Role.SECTION_STAFF, street.street, department=department)
    return department, staff

