"""Badges of the register: colour always with its text label beside it (UI.md): high 高
red, medium 中 orange, low 低 blue; overdue red; closed grey; escalated tiers purple."""

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from risks.choices import ClockFlag, ClockStage, RiskLevel, RiskStatus, Tier
from risks.clocks import colour

register = template.Library()

STATUS_CLASSES = {
    RiskStatus.REPORTED: "text-bg-light border",
    RiskStatus.VERIFIED: "text-bg-info",
    RiskStatus.RESOLVING: "text-bg-primary",
    RiskStatus.RESOLVED: "text-bg-success",
    RiskStatus.CLOSED: "badge-closed",
    RiskStatus.INVALID: "badge-closed",
}


def _label(choices, value) -> str:
    """The label of ``value``, read from the choices' enum: get_FOO_display() builds the
    field's whole choices dict on each call, three times a row on a page of fifty."""
    return choices(value).label if value in choices.values else value


@register.simple_tag
def level_badge(risk):
    if not risk.level:
        return format_html('<span class="badge text-bg-light border" data-level="">{}</span>',
                           _("Not graded"))
    return format_html('<span class="badge badge-level-{0}" data-level="{0}">{1}</span>',
                       risk.level, _label(RiskLevel, risk.level))


@register.simple_tag
def status_badge(risk):
    return format_html('<span class="badge {}" data-status="{}">{}</span>',
                       STATUS_CLASSES.get(risk.status, "text-bg-secondary"), risk.status,
                       _label(RiskStatus, risk.status))


@register.simple_tag
def tier_badge(risk):
    css_class = "text-bg-light border" if risk.tier == Tier.COMMUNITY else "badge-escalated"
    return format_html('<span class="badge {}" data-tier="{}">{}</span>', css_class, risk.tier,
                       _label(Tier, risk.tier))


@register.simple_tag
def overdue_badge(risk):
    """逾期 N 天, for an open matter past its due date; nothing otherwise."""
    if not risk.is_overdue:
        return ""
    days = (timezone.localdate() - risk.due_on).days
    label = ngettext("Overdue %(days)s day", "Overdue %(days)s days", days) % {"days": days}
    return format_html('<span class="badge text-bg-danger" data-overdue="true">{}</span>',
                       label)


CLOCK_CLASSES = {ClockFlag.YELLOW: "text-bg-warning", ClockFlag.RED: "text-bg-danger"}


def _flag(clock) -> str:
    """The clock's colour: as read with a page's clocks (``flag``), or now."""
    flag = getattr(clock, "flag", None)
    return colour(clock) if flag is None else flag


def clock_label(clock) -> str:
    """红灯·办理: the colour in words with the stage (colour is never the only signal)."""
    words = _("Red light") if _flag(clock) == ClockFlag.RED else _("Yellow light")
    return f"{words}·{ClockStage(clock.stage).label}"


@register.simple_tag
def clock_badge(clock):
    flag = _flag(clock)
    if flag not in CLOCK_CLASSES:
        return ""
    return format_html('<span class="badge {}" data-clock="{}" data-stage="{}">{}</span>',
                       CLOCK_CLASSES[flag], flag, clock.stage, clock_label(clock))


@register.simple_tag
def clock_badges(risk):
    """The yellow and red lights of a matter's running clocks, from ``flagged_clocks``
    prefetched with the page (risks.clocks.flagged_clocks): no query per row."""
    return format_html_join(" ", "{}", ((clock_badge(clock),)
                                        for clock in getattr(risk, "flagged_clocks", [])))
