"""Every change to meetings, agendas, decisions, amendments, action items, whistle calls
and escalation rules. Each function runs in one transaction, checks the actor's role and
scope (meetings.permissions; matters through risks.scoping), and raises the domain errors
of quanfu.errors: RuleBroken (400, with its field), Forbidden (403), StaleVersion (409).
A refusal changes nothing.

A meeting's decisions act on matters only through risks.services (settle → resolve and
write off, refer up → escalate, send down → deescalate, follow up → a progress note), so
each writes the matter's own event. They take effect when the minutes are approved, all in
that one transaction: if the register refuses one, nothing is approved.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from audit.choices import AuditAction
from audit.services import record_event
from grids.choices import AreaKind
from grids.models import Area, Department
from inbox.services import Notice, deliver
from meetings import permissions
from meetings.agenda import propose_agenda
from meetings.choices import (
    MATTER_DECISIONS,
    OTHER_DECISIONS,
    RULE_TIERS,
    ActionItemAction,
    ActionItemStatus,
    AmendedPart,
    Decision,
    ItemKind,
    MeetingAction,
    MeetingKind,
    MeetingStatus,
    WhistleAction,
    WhistleStatus,
)
from meetings.models import (
    ActionItem,
    ActionItemProgress,
    Amendment,
    DepartmentReport,
    EscalationRule,
    Meeting,
    MeetingItem,
    WhistleCall,
)
from meetings.scoping import visible_action_items
from meetings.transitions import (
    ACTION_ITEM_TRANSITIONS,
    MEETING_TRANSITIONS,
    WHISTLE_TRANSITIONS,
)
from quanfu.errors import Forbidden, RiskError, RuleBroken, StaleVersion
from quanfu.personal_data import refuse_personal_data
from risks import services as risk_services
from risks.choices import OPEN_STATUSES, RiskLevel, RiskStatus, Tier
from risks.locking import lock_matters
from risks.scoping import visible_risks

MEETING_FIELDS = ("title", "kind", "held_on", "location", "chair", "attendees", "departments",
                  "other_attendees", "minutes")
MEETING_TEXT_FIELDS = ("title", "location", "other_attendees", "minutes")
AREA_KIND_FOR_TIER = {Tier.COMMUNITY: AreaKind.COMMUNITY, Tier.STREET: AreaKind.STREET,
                      Tier.DISTRICT: AreaKind.STREET}
MAX_RULE_DAYS = 365


# Small checks -----------------------------------------------------------------------------

def _text(value) -> str:
    return (value or "").strip()


def _street_of(area: Area) -> Area:
    return area if area.kind == AreaKind.STREET else Area.objects.get(pk=area.ancestor_ids()[0])


def _require_manager(actor, meeting: Meeting) -> None:
    if not permissions.may_manage(actor, meeting):
        raise Forbidden(_("You may not change the record of this meeting."))


def _require_draft(meeting: Meeting) -> None:
    if meeting.is_locked:
        raise RuleBroken(_("The minutes are approved and locked; record an amendment "
                           "instead."), field="status")


def _lock_meeting(meeting: Meeting, version: int | None = None) -> Meeting:
    locked = (Meeting.objects.select_for_update(of=("self",)).select_related("area")
              .get(pk=meeting.pk))
    if version is not None and int(version) != locked.version:
        raise StaleVersion(MEETING_TRANSITIONS.stale_message
                           % {"current": locked.version, "yours": version},
                           current_version=locked.version)
    return locked


def _touch(meeting: Meeting, fields: list[str] | tuple = ()) -> None:
    meeting.version += 1
    meeting.save(update_fields=[*fields, "version"])


def _check_people(street: Area, people, field: str) -> None:
    """People on a meeting's record are active staff of the meeting's street."""
    ids = {person.pk for person in people if person is not None}
    if not ids:
        return
    fitting = User.objects.filter(pk__in=ids, is_active=True,
                                  area__path__startswith=street.path).count()
    if fitting != len(ids):
        raise RuleBroken(_("Only active staff of %(street)s can be named here.")
                         % {"street": street.name}, field=field)


def _check_departments(street: Area, departments, field: str) -> None:
    if any(department.street_id != street.pk for department in departments):
        raise RuleBroken(_("That department belongs to another street."), field=field)


def _section_staff_of(department_ids) -> list[User]:
    return list(User.objects.filter(role=Role.SECTION_STAFF, is_active=True,
                                    department_id__in=list(department_ids)))


# Meetings ---------------------------------------------------------------------------------

def _meeting_area(actor, tier: str, area: Area | None) -> Area:
    """A community meeting is held for a community, the others for the street."""
    if area is None and actor.area_id:
        own = actor.area
        if tier == Tier.COMMUNITY and own.kind == AreaKind.COMMUNITY:
            area = own
        elif tier != Tier.COMMUNITY:
            area = _street_of(own)
    if area is None:
        raise RuleBroken(_("Say which community or street the meeting is for."), field="area")
    if area.kind != AREA_KIND_FOR_TIER[tier]:
        raise RuleBroken(_("A community meeting is held for a community; street and "
                           "district meetings for the street."), field="area")
    if not permissions.area_in_scope(actor, area):
        raise RuleBroken(_("That area is outside your scope."), field="area")
    return area


def _check_meeting_fields(meeting: Meeting, street: Area, *, attendees=None,
                          departments=None) -> None:
    if not _text(meeting.title):
        raise RuleBroken(_("A meeting needs a title."), field="title")
    if not isinstance(meeting.held_on, date):
        raise RuleBroken(_("Give the date of the meeting."), field="held_on")
    if meeting.kind == MeetingKind.PARTY_COMMITTEE and meeting.tier != Tier.STREET:
        raise RuleBroken(_("The party working committee meeting is a street meeting."),
                         field="kind")
    _check_people(street, [meeting.chair], "chair")
    if attendees is not None:
        _check_people(street, attendees, "attendees")
    if departments is not None:
        _check_departments(street, departments, "departments")


@transaction.atomic
def create_meeting(*, actor, tier: str, title: str, held_on: date,
                   kind: str = MeetingKind.JOINT, area: Area | None = None, chair=None,
                   location: str = "", attendees=(), departments=(), other_attendees: str = "",
                   minutes: str = "", risks=()) -> Meeting:
    """Convene a meeting of ``tier`` (a draft), optionally with matters on its agenda.

    The actor's role must convene meetings of that tier, the area lie in their scope; the
    chair and attendees are staff of the street, the departments the street's own.
    """
    if tier not in Tier.values:
        raise RuleBroken(_("Unknown tier."), field="tier")
    if not permissions.may_manage_tier(actor, tier):
        raise Forbidden(_("Your role does not convene meetings of this tier."))
    area = _meeting_area(actor, tier, area)
    refuse_personal_data(title=title, location=location, other_attendees=other_attendees,
                         minutes=minutes)
    meeting = Meeting(tier=tier, kind=kind, area=area, title=_text(title), held_on=held_on,
                      location=_text(location), chair=chair,
                      other_attendees=_text(other_attendees), minutes=_text(minutes),
                      created_by=actor)
    _check_meeting_fields(meeting, _street_of(area), attendees=attendees,
                          departments=departments)
    meeting.full_clean(exclude=["created_by", "version"])
    meeting.save()
    meeting.attendees.set(attendees)
    meeting.departments.set(departments)
    for risk in risks:
        _add_item(meeting, actor, risk=risk)
    return meeting


@transaction.atomic
def update_meeting(meeting: Meeting, *, actor, version: int | None = None, **changes) -> Meeting:
    """Change a draft meeting's details, attendees or minutes."""
    meeting = _lock_meeting(meeting, version)
    _require_manager(actor, meeting)
    _require_draft(meeting)
    unknown = set(changes) - set(MEETING_FIELDS)
    if unknown:
        raise RuleBroken(_("These fields cannot be changed: %(fields)s.")
                         % {"fields": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    attendees = changes.pop("attendees", None)
    departments = changes.pop("departments", None)
    refuse_personal_data(**{name: value for name, value in changes.items()
                            if name in MEETING_TEXT_FIELDS})
    for name, value in changes.items():
        setattr(meeting, name, _text(value) if isinstance(value, str) else value)
    _check_meeting_fields(meeting, _street_of(meeting.area), attendees=attendees,
                          departments=departments)
    meeting.full_clean(exclude=["created_by", "version"])
    _touch(meeting, list(changes))
    if attendees is not None:
        meeting.attendees.set(attendees)
    if departments is not None:
        meeting.departments.set(departments)
    return meeting


@transaction.atomic
def discard_meeting(meeting: Meeting, *, actor) -> None:
    """Delete a draft that will not be held; approved minutes are never deleted."""
    meeting = _lock_meeting(meeting)
    _require_manager(actor, meeting)
    _require_draft(meeting)
    meeting.delete()


# The agenda -------------------------------------------------------------------------------

def _check_matter_fits(actor, meeting: Meeting, risk) -> None:
    """The matter as it is now: in the actor's scope and the meeting's area, at the
    meeting's tier, and open."""
    risk = visible_risks(actor).filter(pk=risk.pk,
                                       area__path__startswith=meeting.area.path).first()
    if risk is None:
        raise RuleBroken(_("That matter is not in this meeting's area."), field="risk")
    if risk.tier != meeting.tier:
        raise RuleBroken(_("%(code)s is handled at the %(tier)s tier now, not at this "
                           "meeting's tier.") % {"code": risk.code,
                                                  "tier": risk.get_tier_display()},
                         field="risk")
    if risk.status not in OPEN_STATUSES:
        raise RuleBroken(_("%(code)s is no longer open.") % {"code": risk.code}, field="risk")


def _add_item(meeting: Meeting, actor, *, risk=None, action_item=None, topic: str = "",
              proposed: bool = False) -> MeetingItem:
    if sum(1 for subject in (risk, action_item, _text(topic)) if subject) != 1:
        raise RuleBroken(_("An agenda item is a matter, an action item or a topic."),
                         field="topic")
    if risk is not None:
        _check_matter_fits(actor, meeting, risk)
        if meeting.items.filter(risk=risk).exists():
            raise RuleBroken(_("%(code)s is already on the agenda.") % {"code": risk.code},
                             field="risk")
        kind, topic = ItemKind.MATTER, f"{risk.code} {risk.title}"
    elif action_item is not None:
        if not visible_action_items(actor).filter(pk=action_item.pk).exists():
            raise RuleBroken(_("That action item is not in your scope."), field="action_item")
        if not action_item.is_in_force or action_item.status != ActionItemStatus.OPEN:
            raise RuleBroken(_("Only an open action item of approved minutes can be "
                               "reviewed."), field="action_item")
        if meeting.items.filter(reviewed_action=action_item).exists():
            raise RuleBroken(_("That action item is already on the agenda."),
                             field="action_item")
        kind, topic = ItemKind.ACTION_REVIEW, action_item.title[:200]
    else:
        kind, topic = ItemKind.TOPIC, _text(topic)[:200]
        refuse_personal_data(topic=topic)
    last = meeting.items.aggregate(last=Max("position"))["last"] or 0
    return MeetingItem.objects.create(meeting=meeting, kind=kind, risk=risk,
                                      reviewed_action=action_item, topic=topic,
                                      position=last + 1, proposed=proposed)


@transaction.atomic
def add_agenda_item(meeting: Meeting, *, actor, risk=None, action_item=None,
                    topic: str = "") -> MeetingItem:
    """Put a matter (at this meeting's tier, in its area), an open action item of earlier
    approved minutes, or a topic on a draft meeting's agenda."""
    meeting = _lock_meeting(meeting)
    _require_manager(actor, meeting)
    _require_draft(meeting)
    item = _add_item(meeting, actor, risk=risk, action_item=action_item, topic=topic)
    _touch(meeting)
    return item


@transaction.atomic
def adopt_proposed_agenda(meeting: Meeting, *, actor) -> list[MeetingItem]:
    """Put every proposed item (matters awaiting the tier, overdue action items) on the
    agenda at once; the chair then takes off what will not be discussed."""
    meeting = _lock_meeting(meeting)
    _require_manager(actor, meeting)
    _require_draft(meeting)
    proposal = propose_agenda(meeting, actor)
    items = [_add_item(meeting, actor, risk=risk, proposed=True) for risk in proposal.matters]
    items += [_add_item(meeting, actor, action_item=action_item, proposed=True)
              for action_item in proposal.action_items]
    if items:
        _touch(meeting)
    return items


@transaction.atomic
def remove_agenda_item(item: MeetingItem, *, actor) -> None:
    """Take an item off a draft agenda (with the action items assigned under it)."""
    meeting = _lock_meeting(item.meeting)
    _require_manager(actor, meeting)
    _require_draft(meeting)
    MeetingItem.objects.filter(pk=item.pk, meeting=meeting).delete()
    _touch(meeting)


@transaction.atomic
def record_decision(item: MeetingItem, *, actor, decision: str, note: str) -> MeetingItem:
    """Record the meeting's decision on an agenda item (议定事项). It takes effect on the
    matter when the minutes are approved."""
    meeting = _lock_meeting(item.meeting)
    _require_manager(actor, meeting)
    _require_draft(meeting)
    item = MeetingItem.objects.select_related("risk").get(pk=item.pk, meeting=meeting)
    allowed = MATTER_DECISIONS[meeting.tier] if item.kind == ItemKind.MATTER \
        else OTHER_DECISIONS
    if decision not in allowed:
        raise RuleBroken(_("A %(tier)s meeting cannot decide this on this item.")
                         % {"tier": Tier(meeting.tier).label}, field="decision")
    note = _text(note)
    if not note:
        raise RuleBroken(_("Write down what the meeting decided."), field="note")
    refuse_personal_data(note=note)
    if decision == Decision.SETTLE and item.risk.status not in (RiskStatus.RESOLVING,
                                                                RiskStatus.RESOLVED):
        raise RuleBroken(_("Only a matter being resolved or resolved can be settled and "
                           "written off."), field="decision")
    item.decision, item.decision_note = decision, note
    item.decided_by, item.decided_at = actor, timezone.now()
    item.save(update_fields=["decision", "decision_note", "decided_by", "decided_at"])
    _touch(meeting)
    return item


# Approval ---------------------------------------------------------------------------------

def _carry_out(item: MeetingItem, meeting: Meeting, actor) -> None:
    """One decision, through the register's own services (which write the events)."""
    note = _("%(meeting)s (%(date)s): %(decision)s") % {
        "meeting": meeting.title, "date": meeting.held_on.isoformat(),
        "decision": item.decision_note}
    if item.kind == ItemKind.ACTION_REVIEW:
        if item.decision == Decision.FOLLOW_UP:
            ActionItemProgress.objects.create(action_item=item.reviewed_action, note=note,
                                              actor=actor)
        return
    if item.kind != ItemKind.MATTER:
        return
    risk = item.risk
    if risk.tier != meeting.tier:
        raise RuleBroken(_("%(code)s has moved to the %(tier)s tier since it was put on the "
                           "agenda; take it off or record another decision.")
                         % {"code": risk.code, "tier": risk.get_tier_display()},
                         field="items")
    if item.decision == Decision.SETTLE:
        if risk.status == RiskStatus.RESOLVING:
            risk = risk_services.resolve_risk(risk, actor=actor, note=note, by_meeting=True)
        risk_services.close_risk(risk, actor=actor, note=note, by_meeting=True)
    elif item.decision == Decision.ESCALATE:
        risk_services.escalate_risk(risk, actor=actor, note=note)
    elif item.decision == Decision.SEND_DOWN:
        risk_services.deescalate_risk(risk, actor=actor, note=note)
    else:
        risk_services.add_note(risk, actor=actor, note=note)


def _carry_out_decisions(meeting: Meeting, items: list[MeetingItem], actor) -> None:
    for item in items:
        try:
            _carry_out(item, meeting, actor)
        except RiskError as error:
            if item.risk_id is None or isinstance(error, StaleVersion):
                raise
            raise type(error)(_("%(code)s: %(reason)s")
                              % {"code": item.risk.code, "reason": error.message},
                              field="items") from error


def _owners_notices(action_items, *, kind: str, title_format: str, key_suffix: str) -> list:
    staff: dict[int, list[User]] = {}
    department_ids = {item.owner_department_id for item in action_items
                      if item.owner_department_id}
    for person in _section_staff_of(department_ids):
        staff.setdefault(person.department_id, []).append(person)
    notices = []
    for action_item in action_items:
        recipients = {person.pk: person for person in staff.get(action_item.owner_department_id,
                                                                [])}
        if action_item.owner_id:
            recipients[action_item.owner_id] = action_item.owner
        title = title_format % {"task": action_item.title[:80],
                                "deadline": action_item.deadline.isoformat()}
        link = reverse("meetings:action_item_detail", args=[action_item.pk])
        notices += [Notice(person, kind, title, f"meetings:action-item:{action_item.pk}:"
                           f"{key_suffix}", action_item.meeting.title, link)
                    for person in recipients.values()]
    return notices


def _notify_assigned(action_items) -> None:
    deliver(_owners_notices(action_items, kind="action_item", key_suffix="assigned",
                            title_format=_("Action item for you: %(task)s (by %(deadline)s)")))


@transaction.atomic
def transition_meeting(meeting: Meeting, action: str, *, actor,
                       version: int | None = None) -> Meeting:
    """Approve the minutes (the only transition: draft → approved, in
    meetings/transitions.py). Needs the chair, the minutes and a decision on every item;
    carries the decisions out on the matters, locks the record, and tells the owners of
    its action items.

    The lock order of risks/locking.py: every matter on the agenda first, by id, then the
    meeting (and its version checked); the register's own services then carry out each
    decision on a matter already locked. An agenda that gained a matter in between is a
    conflict (409): nothing is changed."""
    planned = lock_matters(meeting.items.values_list("risk_id", flat=True))
    meeting = _lock_meeting(meeting, version)

    def apply(locked, transition):
        items = list(locked.items.select_related("risk", "reviewed_action")
                     .order_by("position", "id"))
        if {item.risk_id for item in items if item.risk_id} - set(planned):
            raise StaleVersion(_("The agenda changed while the minutes were being approved: "
                                 "reload the meeting and approve again."),
                               current_version=locked.version)
        _carry_out_decisions(locked, items, actor)
        locked.approved_by, locked.approved_at = actor, timezone.now()
        return ["approved_by", "approved_at"]

    meeting = MEETING_TRANSITIONS.run(meeting, action, actor=actor, lock=False, apply=apply)
    _notify_assigned(list(meeting.action_items.select_related("owner", "meeting")))
    return meeting


def approve_meeting(meeting, *, actor, version=None):
    return transition_meeting(meeting, MeetingAction.APPROVE, actor=actor, version=version)


# Amendments -------------------------------------------------------------------------------

def _amend(meeting: Meeting, actor, *, part: str, before: str, after: str, reason: str,
           item: MeetingItem | None = None) -> Amendment:
    if not meeting.is_locked:
        raise RuleBroken(_("A draft is edited directly; amendments are for approved "
                           "minutes."), field="status")
    reason = _text(reason)
    if not reason:
        raise RuleBroken(_("Say why the approved minutes are amended."), field="reason")
    refuse_personal_data(reason=reason)
    number = (meeting.amendments.aggregate(last=Max("number"))["last"] or 0) + 1
    return Amendment.objects.create(meeting=meeting, number=number, part=part, item=item,
                                    before=before, after=after, reason=reason,
                                    amended_by=actor)


def _changed_text(before: str, after: str, field: str) -> str:
    after = _text(after)
    if not after:
        raise RuleBroken(_("The amended text is empty."), field=field)
    if after == before:
        raise RuleBroken(_("The amended text is the same as the approved one."), field=field)
    refuse_personal_data(**{field: after})
    return after


@transaction.atomic
def amend_minutes(meeting: Meeting, *, actor, minutes: str, reason: str) -> Amendment:
    """Correct approved minutes: the earlier text is kept in the amendment."""
    meeting = _lock_meeting(meeting)
    _require_manager(actor, meeting)
    minutes = _changed_text(meeting.minutes, minutes, "minutes")
    amendment = _amend(meeting, actor, part=AmendedPart.MINUTES, before=meeting.minutes,
                       after=minutes, reason=reason)
    meeting.minutes = minutes
    _touch(meeting, ["minutes"])
    return amendment


@transaction.atomic
def amend_decision(item: MeetingItem, *, actor, note: str, reason: str) -> Amendment:
    """Correct the text of an approved decision. What the decision did to the matter is
    not undone: a matter is taken to another meeting for that."""
    meeting = _lock_meeting(item.meeting)
    _require_manager(actor, meeting)
    item = MeetingItem.objects.get(pk=item.pk, meeting=meeting)
    note = _changed_text(item.decision_note, note, "note")
    amendment = _amend(meeting, actor, part=AmendedPart.DECISION, before=item.decision_note,
                       after=note, reason=reason, item=item)
    item.decision_note = note
    item.save(update_fields=["decision_note"])
    _touch(meeting)
    return amendment


# Action items -----------------------------------------------------------------------------

@transaction.atomic
def add_action_item(meeting: Meeting, *, actor, title: str, deadline: date, owner=None,
                    owner_department: Department | None = None, item: MeetingItem | None = None,
                    reason: str = "") -> ActionItem:
    """Assign a task (责任人 or 责任单位, 办结时限). On approved minutes this is an
    amendment and needs a reason; its owners are told at once."""
    meeting = _lock_meeting(meeting)
    _require_manager(actor, meeting)
    title = _text(title)
    if not title:
        raise RuleBroken(_("Say what is to be done."), field="title")
    refuse_personal_data(title=title)
    if owner is None and owner_department is None:
        raise RuleBroken(_("Name a responsible person or department."), field="owner")
    if not isinstance(deadline, date) or isinstance(deadline, datetime):
        raise RuleBroken(_("Give a deadline."), field="deadline")
    if deadline < meeting.held_on:
        raise RuleBroken(_("The deadline cannot be before the meeting."), field="deadline")
    street = _street_of(meeting.area)
    _check_people(street, [owner], "owner")
    if owner_department is not None:
        _check_departments(street, [owner_department], "owner_department")
    if item is not None and item.meeting_id != meeting.pk:
        raise RuleBroken(_("That agenda item belongs to another meeting."), field="item")
    action_item = ActionItem.objects.create(meeting=meeting, item=item, title=title,
                                            owner=owner, owner_department=owner_department,
                                            deadline=deadline, created_by=actor)
    if meeting.is_locked:
        owner_label = action_item.owner_label
        _amend(meeting, actor, part=AmendedPart.ACTION_ITEM, before="",
               after=f"{title} · {owner_label} · {deadline.isoformat()}", reason=reason,
               item=item)
        _notify_assigned([action_item])
    _touch(meeting)
    return action_item


@transaction.atomic
def remove_action_item(action_item: ActionItem, *, actor) -> None:
    meeting = _lock_meeting(action_item.meeting)
    _require_manager(actor, meeting)
    _require_draft(meeting)
    ActionItem.objects.filter(pk=action_item.pk, meeting=meeting).delete()
    _touch(meeting)


def _lock_action_item(action_item: ActionItem) -> ActionItem:
    return (ActionItem.objects.select_for_update(of=("self",))
            .select_related("meeting__area").get(pk=action_item.pk))


@transaction.atomic
def add_progress_note(action_item: ActionItem, *, actor, note: str) -> ActionItemProgress:
    """A progress note from the person or department responsible (or the meeting's
    managers) on an action item in force."""
    action_item = _lock_action_item(action_item)
    if not permissions.may_follow_up(actor, action_item):
        raise Forbidden(_("Only the person or department responsible reports progress."))
    if not action_item.is_in_force:
        raise RuleBroken(_("The action item is not in force until the minutes are "
                           "approved."), field="status")
    note = _text(note)
    if not note:
        raise RuleBroken(_("The note is empty."), field="note")
    refuse_personal_data(note=note)
    return ActionItemProgress.objects.create(action_item=action_item, note=note, actor=actor)


@transaction.atomic
def transition_action_item(action_item: ActionItem, action: str, *, actor,
                           note: str) -> ActionItem:
    """Mark an action item done (its owners), cancel or reopen it (the meeting's
    managers), each with a note kept in its progress history; only once its minutes are
    approved (meetings/transitions.py)."""
    action_item = _lock_action_item(action_item)  # with its meeting, which the rules read
    note = _text(note)

    def apply(locked, transition):
        locked.completed_at = (timezone.now() if transition.target == ActionItemStatus.DONE
                               else None)
        return ["completed_at"]

    def record(locked, transition, from_status):
        ActionItemProgress.objects.create(action_item=locked, action=transition.action,
                                          note=note, from_status=from_status,
                                          to_status=locked.status, actor=actor)

    return ACTION_ITEM_TRANSITIONS.run(action_item, action, actor=actor, note=note,
                                       lock=False, apply=apply, record_event=record)


def complete_action_item(action_item, *, actor, note):
    return transition_action_item(action_item, ActionItemAction.COMPLETE, actor=actor,
                                  note=note)


def cancel_action_item(action_item, *, actor, note):
    return transition_action_item(action_item, ActionItemAction.CANCEL, actor=actor, note=note)


def reopen_action_item(action_item, *, actor, note):
    return transition_action_item(action_item, ActionItemAction.REOPEN, actor=actor, note=note)


# Whistle and report-in (吹哨报到) ---------------------------------------------------------

@transaction.atomic
def blow_whistle(risk, *, actor, departments, respond_by: datetime, request: str,
                 called_at: datetime | None = None) -> WhistleCall:
    """Call named departments to an open matter by a deadline (网格吹哨). ``called_at``
    may be earlier than now for a call made by phone and recorded afterwards. Each
    department's staff are told; the matter's history gets a note."""
    if not permissions.may_whistle(actor):
        raise Forbidden(_("Your role may not blow the whistle."))
    if not permissions.area_in_scope(actor, risk.area):
        raise Forbidden(_("That matter is outside your scope."))
    if risk.status not in OPEN_STATUSES:
        raise RuleBroken(_("%(code)s is no longer open.") % {"code": risk.code},
                         field="risk")
    departments = list({department.pk: department for department in departments}.values())
    if not departments:
        raise RuleBroken(_("Name at least one department to call."), field="departments")
    _check_departments(_street_of(risk.area), departments, "departments")
    request = _text(request)
    if not request:
        raise RuleBroken(_("Say what the departments are called to do."), field="request")
    refuse_personal_data(request=request)
    now = timezone.now()
    called_at = called_at or now
    if called_at > now + timedelta(minutes=5):
        raise RuleBroken(_("The call cannot be in the future."), field="called_at")
    if respond_by <= called_at:
        raise RuleBroken(_("The deadline must be after the call."), field="respond_by")
    call = WhistleCall.objects.create(risk=risk, request=request, called_by=actor,
                                      called_at=called_at, respond_by=respond_by)
    reports = DepartmentReport.objects.bulk_create(
        [DepartmentReport(call=call, department=department) for department in departments])
    names = "、".join(department.name for department in departments)
    # bulk_create sends no post_save: one audit entry stands for the called departments
    record_event(action=AuditAction.CREATE, actor=actor, target="meetings.departmentreport",
                 detail=_("Whistle call %(call)s on %(code)s: %(count)s departments called "
                          "(%(names)s)") % {"call": call.pk, "code": risk.code,
                                            "count": len(reports), "names": names},
                 changes={"call": call.pk, "reports": [report.pk for report in reports],
                          "departments": [department.pk for department in departments]})
    deadline = timezone.localtime(respond_by).strftime("%Y-%m-%d %H:%M")
    risk_services.add_note(risk, actor=actor, note=_(
        "Whistle blown: %(departments)s called to report in by %(deadline)s. %(request)s")
        % {"departments": names, "deadline": deadline, "request": request})
    link = reverse("meetings:whistle_detail", args=[call.pk])
    title = _("Whistle: report in on %(code)s by %(deadline)s") % {"code": risk.code,
                                                                  "deadline": deadline}
    deliver([Notice(person, "whistle", title, f"meetings:whistle:{call.pk}:called", request,
                    link) for person in _section_staff_of([d.pk for d in departments])])
    return call


def _close_call(call: WhistleCall, *, actor, now: datetime) -> WhistleCall:
    """Close a call (already locked) once every department has reported in: no one's
    decision, the consequence of the last report-in."""
    def apply(locked, transition):
        locked.closed_at = now
        return ["closed_at"]

    return WHISTLE_TRANSITIONS.run(call, WhistleAction.CLOSE, actor=actor, lock=False,
                                   apply=apply)


@transaction.atomic
def report_in(report: DepartmentReport, *, actor, plan: str,
              responder: str = "") -> DepartmentReport:
    """A called department reports in (部门报到): who, and what it will do. The last
    report closes the call and tells the caller."""
    call = (WhistleCall.objects.select_for_update(of=("self",)).select_related("risk")
            .get(pk=report.call_id))
    report = DepartmentReport.objects.select_related("department").get(pk=report.pk, call=call)
    if not permissions.may_report_in(actor, report):
        raise Forbidden(_("Only the called department's staff report in."))
    if report.is_reported:
        raise RuleBroken(_("%(department)s has already reported in.")
                         % {"department": report.department.name}, field="department")
    plan = _text(plan)
    if not plan:
        raise RuleBroken(_("Say what the department will do."), field="plan")
    refuse_personal_data(plan=plan, responder=responder)
    now = timezone.now()
    report.responder = _text(responder)[:100] or actor.display_name
    report.plan, report.reported_by, report.reported_at = plan, actor, now
    report.save(update_fields=["responder", "plan", "reported_by", "reported_at"])
    # the called section reports in on a matter that may be another section's
    risk_services.record_note(call.risk, actor=actor, note=_(
        "%(department)s reported in (%(responder)s): %(plan)s")
        % {"department": report.department.name, "responder": report.responder, "plan": plan})
    if not call.reports.filter(reported_at__isnull=True).exists():  # the last one
        call = _close_call(call, actor=actor, now=now)
        if call.called_by_id:
            deliver([Notice(call.called_by, "whistle",
                            _("Every department has reported in on %(code)s")
                            % {"code": call.risk.code}, f"meetings:whistle:{call.pk}:closed",
                            "", reverse("meetings:whistle_detail", args=[call.pk]))])
    return report


# Escalation rules -------------------------------------------------------------------------

@transaction.atomic
def save_escalation_rule(*, actor, street: Area, tier: str, level: str,
                         days: int) -> EscalationRule:
    """Set how many days unresolved at ``tier`` flag a matter of ``level`` for escalation
    on the tier's dashboard (a person then decides)."""
    if not permissions.may_set_escalation_rules(actor):
        raise Forbidden(_("Your role may not set escalation rules."))
    if street.kind != AreaKind.STREET or not permissions.area_in_scope(actor, street):
        raise RuleBroken(_("That street is outside your scope."), field="street")
    if tier not in RULE_TIERS:
        raise RuleBroken(_("Escalation rules are set for the community and street tiers."),
                         field="tier")
    if level not in RiskLevel.values:
        raise RuleBroken(_("Unknown level."), field="level")
    if not isinstance(days, int) or not 1 <= days <= MAX_RULE_DAYS:
        raise RuleBroken(_("Give a number of days from 1 to %(max)s.") % {"max": MAX_RULE_DAYS},
                         field="days")
    rule, _created = EscalationRule.objects.update_or_create(
        street=street, tier=tier, level=level,
        defaults={"days": days, "updated_by": actor, "updated_at": timezone.now()})
    return rule


@transaction.atomic
def remove_escalation_rule(rule: EscalationRule, *, actor) -> None:
    if not permissions.may_set_escalation_rules(actor):
        raise Forbidden(_("Your role may not set escalation rules."))
    if not permissions.area_in_scope(actor, rule.street):
        raise RuleBroken(_("That street is outside your scope."), field="street")
    rule.delete()


# Reminders --------------------------------------------------------------------------------

def send_overdue_reminders(now: datetime | None = None) -> int:
    """Tell each overdue department (and the caller) and each owner of an overdue action
    item, once per item: the inbox's unique key makes a rerun deliver nothing new."""
    now = now or timezone.now()
    pending = (DepartmentReport.objects.filter(reported_at__isnull=True,
                                               call__status=WhistleStatus.OPEN,
                                               call__respond_by__lt=now)
               .select_related("call__risk", "call__called_by", "department"))
    pending = list(pending)
    staff: dict[int, list[User]] = {}
    for person in _section_staff_of({report.department_id for report in pending}):
        staff.setdefault(person.department_id, []).append(person)
    notices = []
    for report in pending:
        call = report.call
        title = _("Overdue report-in: %(department)s on %(code)s") % {
            "department": report.department.name, "code": call.risk.code}
        link = reverse("meetings:whistle_detail", args=[call.pk])
        key = f"meetings:whistle:{call.pk}:{report.department_id}:overdue"
        recipients = [*staff.get(report.department_id, []), call.called_by]
        notices += [Notice(person, "whistle", title, key, call.request, link)
                    for person in recipients if person is not None]
    overdue_items = list(ActionItem.objects.filter(
        status=ActionItemStatus.OPEN, meeting__status=MeetingStatus.APPROVED,
        deadline__lt=timezone.localdate(now)).select_related("owner", "meeting"))
    notices += _owners_notices(overdue_items, kind="action_item", key_suffix="overdue",
                               title_format=_("Overdue action item: %(task)s (was due "
                                              "%(deadline)s)"))
    return len(deliver(notices))
