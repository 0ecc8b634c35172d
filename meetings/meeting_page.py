"""What a meeting's page shows, gathered in one place: the posts to it (agenda, decisions,
action items, approval) render it again with their bound form when a rule refuses."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from meetings import permissions
from meetings.agenda import AgendaProposal, propose_agenda
from meetings.choices import MeetingStatus
from meetings.forms import ActionItemForm, AgendaItemForm, DecisionForm
from meetings.scoping import get_meeting_for_user, visible_action_items, visible_items


def meeting_items(user, meeting) -> list:
    return list(visible_items(user).filter(meeting=meeting)
                .select_related("risk__area", "reviewed_action", "decided_by")
                .order_by("position", "id"))


def meeting_action_items(user, meeting) -> list:
    return list(visible_action_items(user).filter(meeting=meeting)
                .select_related("owner", "owner_department", "item")
                .order_by("deadline", "id"))


def meeting_context(request, meeting, *, decision_form=None, **forms) -> dict:
    """``decision_form``: (item id, bound form) of a refused decision, shown again."""
    user = request.user
    may_manage = permissions.may_manage(user, meeting)
    is_draft = meeting.status == MeetingStatus.DRAFT
    items = meeting_items(user, meeting)
    action_items = meeting_action_items(user, meeting)
    by_item: dict[int | None, list] = {}
    for action_item in action_items:
        action_item.meeting = meeting  # is_overdue reads the meeting's status
        by_item.setdefault(action_item.item_id, []).append(action_item)
    for item in items:
        item.assigned = by_item.get(item.pk, [])
        if may_manage and is_draft:
            bound = decision_form[1] if decision_form and decision_form[0] == item.pk else None
            item.decision_form = bound or DecisionForm(
                kind=item.kind, tier=meeting.tier, prefix=f"item-{item.pk}",
                initial={"decision": item.decision, "note": item.decision_note})
    proposal = propose_agenda(meeting, user) if may_manage and is_draft else AgendaProposal()
    shows_record = meeting.shows_record
    shown_items = {item.pk for item in items}
    return {
        "meeting": meeting,
        "shows_record": shows_record,
        "may_manage": may_manage,
        "is_draft": is_draft,
        "items": items,
        "hidden_items": meeting.items.count() - len(items),
        # shown under their agenda item; the rest (general ones, or of an item the
        # reader does not see) in a list of their own
        "other_action_items": [action_item for action_item in action_items
                               if action_item.item_id not in shown_items],
        "action_items": action_items,
        "attendees": list(meeting.attendees.select_related("area").order_by("username")),
        "departments": list(meeting.departments.order_by("code")),
        "amendments": list(meeting.amendments.select_related("amended_by", "item"))
        if shows_record else [],
        "proposal": proposal,
        "agenda_form": forms.get("agenda_form") or AgendaItemForm(),
        "action_item_form": (forms.get("action_item_form") or ActionItemForm(
            user=user, meeting=meeting, items=items)) if may_manage else None,
        "approve_errors": forms.get("approve_errors") or [],
    }


@never_cache
def render_meeting_page(request, pk, *, status: int = 200, **forms):
    meeting = get_meeting_for_user(request.user, pk)
    return render(request, "meetings/meeting_detail.html",
                  meeting_context(request, meeting, **forms), status=status)
