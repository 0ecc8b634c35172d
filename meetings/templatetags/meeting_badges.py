"""Badges of the meetings pages: colour always with its text label (UI.md): escalated
tiers purple, overdue red, done and closed grey."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from meetings.choices import ActionItemStatus, MeetingStatus, WhistleStatus
from risks.choices import Tier

register = template.Library()


def _overdue_label(days: int) -> str:
    return ngettext("Overdue %(days)s day", "Overdue %(days)s days", days) % {"days": days}


@register.simple_tag
def meeting_tier_badge(tier: str):
    css_class = "text-bg-light border" if tier == Tier.COMMUNITY else "badge-escalated"
    return format_html('<span class="badge {}" data-tier="{}">{}</span>', css_class, tier,
                       Tier(tier).label)


@register.simple_tag
def meeting_status_badge(meeting):
    css_class = "badge-closed" if meeting.status == MeetingStatus.APPROVED \
        else "text-bg-warning"
    return format_html('<span class="badge {}" data-status="{}">{}</span>', css_class,
                       meeting.status, meeting.get_status_display())


@register.simple_tag
def action_item_badge(action_item):
    """Its status, and 逾期 N 天 when it is overdue."""
    css_class = {ActionItemStatus.OPEN: "text-bg-primary"}.get(action_item.status,
                                                                "badge-closed")
    badge = format_html('<span class="badge {}" data-status="{}">{}</span>', css_class,
                        action_item.status, action_item.get_status_display())
    if action_item.is_overdue:
        days = (timezone.localdate() - action_item.deadline).days
        badge += format_html(' <span class="badge text-bg-danger" data-overdue="true">{}</span>',
                             _overdue_label(days))
    return badge


@register.simple_tag
def report_badge(report, now=None):
    """报到: reported (late or on time), pending, or overdue."""
    if report.is_reported:
        label = _("Reported in late") if report.was_late else _("Reported in")
        css_class = "text-bg-warning" if report.was_late else "text-bg-success"
        return format_html('<span class="badge {}" data-report="reported">{}</span>',
                           css_class, label)
    if report.is_overdue(now):
        return format_html('<span class="badge text-bg-danger" data-overdue="true">{}</span>',
                           _("Overdue: not reported in"))
    return format_html('<span class="badge text-bg-light border" data-report="pending">{}</span>',
                       _("Not yet reported"))


@register.simple_tag
def whistle_status_badge(call):
    css_class = "badge-closed" if call.status == WhistleStatus.CLOSED else "text-bg-primary"
    return format_html('<span class="badge {}" data-status="{}">{}</span>', css_class,
                       call.status, call.get_status_display())
