"""The meetings' block of a matter's page (registered by MeetingsConfig.ready with
risks.matter_panels): the whistle calls on the matter with each called department's
report-in, the meetings that discussed it with their decisions and action items; and, for
those who may, blowing the whistle on it and putting it on a draft meeting's agenda.

Everything comes through the meetings' scoping; at most five queries, however many calls,
meetings and action items the matter has."""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import permissions
from meetings.choices import MeetingStatus
from meetings.models import ActionItem, DepartmentReport, Meeting
from meetings.scoping import visible_items, visible_whistle_calls
from risks.choices import OPEN_STATUSES
from risks.matter_panels import NextStep, PanelContent, with_back_to_matter


def whistle_calls(risk, user) -> list:
    """The calls on the matter, newest first, each with its report-ins (two queries)."""
    reports = DepartmentReport.objects.select_related("department").order_by(
        "department__code")
    return list(visible_whistle_calls(user).filter(risk=risk).select_related("called_by")
                .prefetch_related(Prefetch("reports", queryset=reports))
                .order_by("-called_at", "-id"))


def discussions(risk, user) -> list:
    """The agenda items on the matter, latest meeting first, each with its meeting and the
    action items assigned under it (two queries)."""
    action_items = ActionItem.objects.select_related("owner", "owner_department").order_by(
        "deadline", "id")
    items = list(visible_items(user).filter(risk=risk).select_related("meeting")
                 .prefetch_related(Prefetch("action_items", queryset=action_items))
                 .order_by("-meeting__held_on", "-meeting_id"))
    for item in items:
        for action_item in item.action_items.all():
            action_item.meeting = item.meeting  # is_overdue asks whether it is in force
    return items


def agenda_meetings(risk, user) -> list[Meeting]:
    """The draft meetings the user may put this matter on: of the matter's tier, held for
    its community or street, managed by the user, without it on the agenda yet. The
    service checks the same (meetings.services.add_agenda_item); one query, and none for
    a role that convenes no meeting of the matter's tier."""
    if risk.status not in OPEN_STATUSES or not permissions.may_manage_tier(user, risk.tier):
        return []
    drafts = (Meeting.objects.filter(status=MeetingStatus.DRAFT, tier=risk.tier,
                                     area_id__in=[risk.community_id, risk.street_id])
              .exclude(items__risk=risk).select_related("area").order_by("held_on", "id"))
    return [meeting for meeting in drafts if permissions.may_manage(user, meeting)]


def may_blow_whistle(risk, user) -> bool:
    """As meetings.services.blow_whistle asks: the role, the matter's area, still open."""
    return (permissions.may_whistle(user) and permissions.area_in_scope(user, risk.area)
            and risk.status in OPEN_STATUSES)


def build(risk, user) -> PanelContent | None:
    calls, items = whistle_calls(risk, user), discussions(risk, user)
    meetings = agenda_meetings(risk, user)
    steps = []
    if may_blow_whistle(risk, user):
        url = with_back_to_matter(f"{reverse('meetings:whistle_create')}?risk={risk.pk}")
        steps.append(NextStep("whistle", _("Blow the whistle"), url, "outline-danger"))
    if meetings:  # the panel holds a button per draft meeting
        steps.append(NextStep("agenda", _("Put it on a meeting's agenda"), "#agenda"))
    if not (calls or items or meetings):
        return PanelContent(None, tuple(steps))
    return PanelContent({"calls": calls, "items": items, "agenda_meetings": meetings,
                         "now": timezone.now()}, tuple(steps))
