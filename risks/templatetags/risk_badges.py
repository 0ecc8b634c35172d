"""Badges of the register: colour always with its text label beside it (UI.md): high 高
red, medium 中 orange, low 低 blue; overdue red; closed grey; escalated tiers purple."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from risks.choices import RiskStatus, Tier

register = template.Library()

STATUS_CLASSES = {
    RiskStatus.REPORTED: "text-bg-light border",
    RiskStatus.VERIFIED: "text-bg-info",
    RiskStatus.RESOLVING: "text-bg-primary",
    RiskStatus.RESOLVED: "text-bg-success",
    RiskStatus.CLOSED: "badge-closed",
    RiskStatus.INVALID: "badge-closed",
}


@register.simple_tag
def level_badge(risk):
    if not risk.level:
        return format_html('<span class="badge text-bg-light border" data-level="">{}</span>',
                           _("Not graded"))
    return format_html('<span class="badge badge-level-{0}" data-level="{0}">{1}</span>',
                       risk.level, risk.get_level_display())


@register.simple_tag
def status_badge(risk):
    return format_html('<span class="badge {}" data-status="{}">{}</span>',
                       STATUS_CLASSES.get(risk.status, "text-bg-secondary"), risk.status,
                       risk.get_status_display())


@register.simple_tag
def tier_badge(risk):
    css_class = "text-bg-light border" if risk.tier == Tier.COMMUNITY else "badge-escalated"
    return format_html('<span class="badge {}" data-tier="{}">{}</span>', css_class, risk.tier,
                       risk.get_tier_display())


@register.simple_tag
def overdue_badge(risk):
    """逾期 N 天, for an open matter past its due date; nothing otherwise."""
    if not risk.is_overdue:
        return ""
    days = (timezone.localdate() - risk.due_on).days
    label = ngettext("Overdue %(days)s day", "Overdue %(days)s days", days) % {"days": days}
    return format_html('<span class="badge text-bg-danger" data-overdue="true">{}</span>',
                       label)
