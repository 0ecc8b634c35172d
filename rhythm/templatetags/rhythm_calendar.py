from django import template
from django.utils import timezone

from rhythm.calendar import years_to_complete

register = template.Library()


@register.simple_tag
def calendar_years_missing() -> list[int]:
    """This year and (from 1 November) next, unless their schedule is marked complete."""
    return years_to_complete(timezone.localdate())
