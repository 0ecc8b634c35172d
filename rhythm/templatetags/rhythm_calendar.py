from django import template
from django.utils import timezone

from rhythm.calendar import years_without_data

register = template.Library()


@register.simple_tag
def calendar_years_missing() -> list[int]:
    """This year and next, if the official calendar has no data for them yet."""
    year = timezone.localdate().year
    return years_without_data([year, year + 1])
