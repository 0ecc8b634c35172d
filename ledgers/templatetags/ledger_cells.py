"""How a ledger cell reads on a page: dates as 2026-11-28, times to the minute, rates as
percentages, nothing for an empty cell."""

from datetime import date, datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def ledger_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


@register.filter
def percent(rate) -> str:
    return "—" if rate is None else f"{rate:.1%}"


@register.simple_tag
def level_count(row, level) -> int:
    return row.count(level)
