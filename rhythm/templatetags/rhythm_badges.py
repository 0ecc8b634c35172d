"""Badges and hints of the rhythm's pages: colour always with its text beside it (UI.md):
overdue red, awaiting feedback orange, answered green; targets met green, missed red;
deadlines as "剩余 N 个工作日" / "今日截止" / "逾期 N 天"."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rhythm.choices import CheckOutcome, InstructionStatus, WarningStatus
from rhythm.permissions import may
from risks.choices import RiskLevel, Tier

register = template.Library()

WARNING_STATUS_CLASSES = {
    WarningStatus.OPEN: "text-bg-warning",
    WarningStatus.ANSWERED: "text-bg-success",
    WarningStatus.OVERDUE: "text-bg-danger",
}
INSTRUCTION_STATUS_CLASSES = {
    InstructionStatus.OPEN: "text-bg-warning",
    InstructionStatus.ANSWERED: "text-bg-success",
    InstructionStatus.OVERDUE: "text-bg-danger",
}


def _status_badge(classes: dict, choices, status: str):
    label = choices(status).label if status in choices.values else status
    return format_html('<span class="badge {}" data-status="{}"{}>{}</span>',
                       classes.get(status, "text-bg-secondary"), status,
                       mark_safe(' data-overdue="true"') if status == "overdue" else "",
                       label)


@register.simple_tag
def warning_status_badge(warning):
    """The status a list shows (``shown_status``: overdue once past the deadline, before
    the sweep marks it), else the stored one."""
    status = getattr(warning, "shown_status", None) or warning.status
    return _status_badge(WARNING_STATUS_CLASSES, WarningStatus, status)


@register.simple_tag
def instruction_status_badge(recipient):
    return _status_badge(INSTRUCTION_STATUS_CLASSES, InstructionStatus, recipient.status)


@register.simple_tag
def answered_late_badge(answered_at, due):
    """A feedback or answer given after its deadline says so."""
    if answered_at and due and answered_at > due:
        return format_html('<span class="badge text-bg-secondary" data-late="true">{}</span>',
                           _("Answered late"))
    return ""


def level_label(level: str) -> str:
    return RiskLevel(level).label if level in RiskLevel.values else _("Not graded")


@register.simple_tag
def level_badge_of(level):
    """The level a warning was issued at (kept on the warning, as it was then)."""
    if level not in RiskLevel.values:
        return format_html('<span class="badge text-bg-light border" data-level="">{}</span>',
                           _("Not graded"))
    return format_html('<span class="badge badge-level-{0}" data-level="{0}">{1}</span>',
                       level, RiskLevel(level).label)


@register.simple_tag
def due_hint(days_left):
    """剩余 N 个工作日 / 今日截止 / 逾期 N 天, from rhythm.deadlines' count."""
    if days_left is None:
        return ""
    if days_left < 0:
        days = -days_left
        label = ngettext("Overdue %(days)s day", "Overdue %(days)s days", days) % {"days": days}
        return format_html('<span class="badge text-bg-danger" data-overdue="true" '
                           'data-days-left="{}">{}</span>', days_left, label)
    if days_left == 0:
        return format_html('<span class="badge text-bg-warning" data-days-left="0">{}</span>',
                           _("Due today"))
    label = ngettext("%(days)s working day left", "%(days)s working days left",
                     days_left) % {"days": days_left}
    return format_html('<span class="badge text-bg-light border" data-days-left="{}">{}</span>',
                       days_left, label)


@register.simple_tag
def outcome_badge(item):
    if not item.outcome:
        return format_html('<span class="badge text-bg-light border" data-outcome="">{}</span>',
                           _("Not checked yet"))
    css_class = "text-bg-success" if item.outcome == CheckOutcome.UNCHANGED else "text-bg-info"
    return format_html('<span class="badge {}" data-outcome="{}">{}</span>', css_class,
                       item.outcome, CheckOutcome(item.outcome).label)


@register.filter
def percent(rate):
    """0.925 → 92.5%; no rate (nothing to count) → —."""
    if rate is None or rate == "":
        return "—"
    return f"{rate * 100:.1f}%".replace(".0%", "%")


@register.simple_tag
def target_badge(figures):
    """Met / not met against the work plan's target, or nothing to measure."""
    if not figures.get("total"):
        return format_html('<span class="badge text-bg-light border" data-met="">{}</span>',
                           _("No matters"))
    if figures.get("met"):
        return format_html('<span class="badge text-bg-success" data-met="true">{}</span>',
                           _("Target met"))
    return format_html('<span class="badge text-bg-danger" data-met="false">{}</span>',
                       _("Target not met"))


@register.simple_tag
def change_figure(change):
    """The change against last week: +3 ▲, -2 ▼, 0 — with the sign as text, not colour."""
    if not change:
        return format_html('<span class="text-muted" data-change="0">0</span>')
    arrow, css_class = ("▲", "text-danger") if change > 0 else ("▼", "text-success")
    return format_html('<span class="{}" data-change="{}">{}{} {}</span>', css_class, change,
                       "+" if change > 0 else "", change, arrow)


@register.simple_tag
def section_line_name(key, name):
    """A weekly report line's name: levels and tiers by their label."""
    if key == "level":
        return level_label(name)
    if key == "tier":
        return Tier(name).label if name in Tier.values else name
    return name or "—"


@register.simple_tag(takes_context=True)
def matter_warnings(context, risk):
    """The matter page's warnings card: its warnings (newest first) and what the user may
    do about them. The matter was found through the user's scope, so are its warnings."""
    user = context["request"].user
    warnings = list(risk.warnings.order_by("-issued_at", "-id"))
    return {"warnings": warnings,
            "may_issue": may(user, "issue_warning") and risk.is_open and bool(risk.level),
            "may_instruct": may(user, "send_instruction") and risk.is_open}
