"""Badges and numbers of the supervision pages: colour always with its text beside it
(UI.md) — 红牌 red, 黄牌 yellow, 挂牌 blue-grey; overdue red; met / below target."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from supervision.choices import FindingStatus, ListingGrade, Severity, TaskStatus

register = template.Library()

GRADE_CLASSES = {ListingGrade.NORMAL: "text-bg-secondary", ListingGrade.YELLOW: "text-bg-warning",
                 ListingGrade.RED: "text-bg-danger"}
SEVERITY_CLASSES = {Severity.SERIOUS: "text-bg-danger", Severity.GENERAL: "text-bg-warning",
                    Severity.MINOR: "text-bg-light border"}
FINDING_CLASSES = {FindingStatus.OPEN: "text-bg-primary", FindingStatus.SUBMITTED: "text-bg-info",
                   FindingStatus.CLOSED: "badge-closed"}
TASK_CLASSES = {TaskStatus.NOT_STARTED: "text-bg-light border",
                TaskStatus.IN_PROGRESS: "text-bg-primary", TaskStatus.DONE: "text-bg-success"}


@register.filter
def percent(value, digits=1):
    """0.9234 → "92.3%"; no figure → "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.simple_tag
def grade_badge(grade, label=None):
    grade = getattr(grade, "grade", grade)
    return format_html('<span class="badge {}" data-grade="{}">{}</span>',
                       GRADE_CLASSES.get(grade, "text-bg-secondary"), grade,
                       label or ListingGrade(grade).label)


@register.simple_tag
def severity_badge(finding):
    return format_html('<span class="badge {}" data-severity="{}">{}</span>',
                       SEVERITY_CLASSES.get(finding.severity, "text-bg-secondary"),
                       finding.severity, finding.get_severity_display())


@register.simple_tag
def finding_status_badge(finding):
    return format_html('<span class="badge {}" data-finding-status="{}">{}</span>',
                       FINDING_CLASSES.get(finding.status, "text-bg-secondary"),
                       finding.status, finding.get_status_display())


@register.simple_tag
def task_status_badge(task):
    return format_html('<span class="badge {}" data-task-status="{}">{}</span>',
                       TASK_CLASSES.get(task.status, "text-bg-secondary"), task.status,
                       task.get_status_display())


@register.simple_tag
def met_badge(met):
    if met:
        return format_html('<span class="badge text-bg-success" data-met="true">{}</span>',
                           _("Target met"))
    return format_html('<span class="badge text-bg-danger" data-met="false">{}</span>',
                       _("Below target"))


@register.simple_tag
def days_overdue_badge(deadline, is_overdue=True):
    """逾期 N 天 for a deadline in the past; nothing otherwise."""
    if not deadline or not is_overdue:
        return ""
    days = (timezone.localdate() - deadline).days
    if days <= 0:
        return ""
    label = ngettext("Overdue %(days)s day", "Overdue %(days)s days", days) % {"days": days}
    return format_html('<span class="badge text-bg-danger" data-overdue="true">{}</span>',
                       label)
