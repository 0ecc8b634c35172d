"""What is overdue, for the boards, the dashboards, the supervision views and the
reminders: report-ins not made by the call's deadline, and open action items of approved
minutes past their deadline. Always within what the user sees."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from meetings.choices import ActionItemStatus, MeetingStatus
from meetings.models import ActionItem, DepartmentReport, WhistleCall
from meetings.scoping import visible_action_items, visible_reports, visible_whistle_calls


def overdue_reports(user, now=None) -> QuerySet[DepartmentReport]:
    """Departments called by a whistle that have not reported in by the deadline."""
    return visible_reports(user).filter(reported_at__isnull=True,
                                        call__respond_by__lt=now or timezone.now())


def overdue_action_item_q() -> Q:
    """Open action items of approved minutes past their deadline (the list's filter and
    every count of them)."""
    return Q(meeting__status=MeetingStatus.APPROVED, status=ActionItemStatus.OPEN,
             deadline__lt=timezone.localdate())


def overdue_action_items(user) -> QuerySet[ActionItem]:
    """Open action items of approved minutes past their deadline."""
    return visible_action_items(user).filter(overdue_action_item_q())


def overdue_report_exists(now=None):
    """Whether a call (the outer row) has a department not reported in by its deadline."""
    return Exists(DepartmentReport.objects.filter(
        call=OuterRef("pk"), reported_at__isnull=True,
        call__respond_by__lt=now or timezone.now()))


def calls_with_overdue_reports(user, now=None) -> QuerySet[WhistleCall]:
    """Whistle calls with a department that has not reported in by the deadline: what the
    whistle board lists under ``overdue=true``."""
    return visible_whistle_calls(user).filter(overdue_report_exists(now))
