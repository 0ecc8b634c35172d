"""What of the meetings, whistles and action items a user may see: written once here and
used by the pages, the API, the dashboards and the tasks. Built on the register's scoping.

- A meeting's whole record (minutes, every topic) is seen by those whose scope holds the
  meeting's area — a community's meetings by its officers, the street's and the district
  ones (recorded by the street) by street-level users — and by those who took part (chair,
  attendees, attending departments). Section staff, narrowed to their department's
  subjects in the register, see the street and district meetings but not every
  community's.
- Anyone else sees a meeting only because a matter of theirs was discussed there (a
  community officer sees the street's and the district's decisions on their own matters),
  and then only the items on matters they may see.
- Items on matters are always limited to the matters the user may see in the register.
- Action items: those of the items one sees, and one's own (person or department).
- Whistle calls: those on matters one sees, and those calling one's department.
"""

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value
from django.http import Http404

from accounts.roles import Role
from grids.scoping import NOTHING, area_scope_q
from meetings.models import ActionItem, DepartmentReport, Meeting, MeetingItem, WhistleCall
from quanfu.subqueries import in_subquery
from risks.choices import Tier
from risks.scoping import visible_risks


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def meeting_record_q(user) -> Q:
    """Meetings whose whole record the user sees."""
    if not _active(user):
        return NOTHING
    if user.is_superuser:
        return Q()
    by_area = area_scope_q(user, "area__")
    if user.role == Role.SECTION_STAFF:
        by_area &= Q(tier__in=[Tier.STREET, Tier.DISTRICT])
    took_part = Q(chair=user) | Q(pk__in=Meeting.attendees.through.objects.filter(
        user_id=user.pk).values("meeting_id"))
    if user.department_id:
        took_part |= Q(pk__in=Meeting.departments.through.objects.filter(
            department_id=user.department_id).values("meeting_id"))
    return by_area | took_part


def meeting_scope_q(user) -> Q:
    """Meetings the user sees at all: their record, or a decision on one of their matters."""
    if not _active(user):
        return NOTHING
    if user.is_superuser:
        return Q()
    on_my_matters = Q(pk__in=MeetingItem.objects.filter(
        risk__in=visible_risks(user)).values("meeting_id"))
    return meeting_record_q(user) | on_my_matters


def visible_meetings(user) -> QuerySet[Meeting]:
    """The meetings the user sees, each annotated ``shows_record`` (minutes and topics)."""
    if not _active(user):
        return Meeting.objects.none()
    if user.is_superuser:
        shows_record = Value(True, output_field=BooleanField())
    else:
        shows_record = ExpressionWrapper(meeting_record_q(user), output_field=BooleanField())
    return Meeting.objects.filter(meeting_scope_q(user)).annotate(shows_record=shows_record)


def get_meeting_for_user(user, pk) -> Meeting:
    """The meeting if the user sees it; otherwise 404, exactly as if it did not exist."""
    try:
        return visible_meetings(user).select_related("area", "chair").get(pk=pk)
    except (Meeting.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such meeting.") from error


def item_scope_q(user, prefix: str = "") -> Q:
    """Agenda items the user sees: those on their matters; topics and action reviews of
    the meetings whose record they see."""
    if not _active(user):
        return NOTHING
    if user.is_superuser:
        return Q()
    record = Meeting.objects.filter(meeting_record_q(user)).values("pk")
    return (Q(**{f"{prefix}risk__in": visible_risks(user)})
            | Q(**{f"{prefix}risk__isnull": True, f"{prefix}meeting__in": record}))


def visible_items(user) -> QuerySet[MeetingItem]:
    return MeetingItem.objects.filter(item_scope_q(user))


def action_item_scope_q(user) -> Q:
    if not _active(user):
        return NOTHING
    if user.is_superuser:
        return Q()
    record = Meeting.objects.filter(meeting_record_q(user)).values("pk")
    condition = (Q(item__in=visible_items(user).values("pk"))
                 | Q(item__isnull=True, meeting__in=record) | Q(owner=user))
    if user.role == Role.SECTION_STAFF and user.department_id:
        condition |= Q(owner_department_id=user.department_id)
    return condition


def visible_action_items(user) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(action_item_scope_q(user))


def get_action_item_for_user(user, pk) -> ActionItem:
    try:
        return visible_action_items(user).select_related(
            "meeting__area", "owner", "owner_department", "item__risk").get(pk=pk)
    except (ActionItem.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such action item.") from error


def whistle_scope_q(user) -> Q:
    if not _active(user):
        return NOTHING
    if user.is_superuser:
        return Q()
    condition = Q(risk__in=visible_risks(user))
    if user.department_id:
        condition |= Q(pk__in=DepartmentReport.objects.filter(
            department_id=user.department_id).values("call_id"))
    return condition


def visible_whistle_calls(user) -> QuerySet[WhistleCall]:
    return WhistleCall.objects.filter(whistle_scope_q(user))


def get_whistle_call_for_user(user, pk) -> WhistleCall:
    try:
        return visible_whistle_calls(user).select_related(
            "risk__area", "called_by").get(pk=pk)
    except (WhistleCall.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such whistle call.") from error


def visible_reports(user) -> QuerySet[DepartmentReport]:
    return DepartmentReport.objects.filter(call__in=visible_whistle_calls(user).values("pk"))


def matters_named_in_meetings_q(user) -> Q:
    """The matters (a Q on Risk) a meeting's action item makes the user (or their
    department) responsible for, or a whistle call calls their department to: registered
    with the register's scoping (risks.scoping.register_named_on), so that they can open
    them. Subqueries run once, on indexed columns (quanfu.subqueries)."""
    owners = Q(owner_id=user.pk)
    if user.department_id is not None:
        owners |= Q(owner_department_id=user.department_id)
    condition = Q(in_subquery("pk", ActionItem.objects.filter(
        owners, item__risk__isnull=False).values("item__risk_id")))
    if user.department_id is not None:
        condition |= Q(in_subquery("pk", DepartmentReport.objects.filter(
            department_id=user.department_id).values("call__risk_id")))
    return condition
