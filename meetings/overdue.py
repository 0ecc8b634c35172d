"""What is overdue, for the boards, the dashboards, the supervision views and the
reminders: report-ins not made by the call's deadline, and open action items of approved
minutes past their deadline. Always within what the user sees."""

from django.db.models import QuerySet
from django.utils import timezone

from meetings.choices import ActionItemStatus, MeetingStatus
from meetings.models import ActionItem, DepartmentReport
from meetings.scoping import visible_action_items, visible_reports


def overdue_reports(user, now=None) -> QuerySet[DepartmentReport]:
    """Departments called by a whistle that have not reported in by the deadline."""
    return visible_reports(user).filter(reported_at__isnull=True,
                                        call__respond_by__lt=now or timezone.now())


def overdue_action_items(user) -> QuerySet[ActionItem]:
    """Open action items of approved minutes past their deadline."""
    return visible_action_items(user).filter(
        meeting__status=MeetingStatus.APPROVED, status=ActionItemStatus.OPEN,
        deadline__lt=timezone.localdate())
