"""Filters whose values the database can always take: a bad value is a clear 400, never
a 500 from deep inside PostgreSQL."""

from datetime import UTC, timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1
MAX_OFFSET = timedelta(hours=14)  # the widest real time-zone offset


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """A database id: a whole number that fits a bigint."""

    field_class = IdField


class MomentField(django_filters.fields.IsoDateTimeField):
    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        offset = moment.utcoffset()
        if not 1900 <= moment.year <= 9999 or (offset is not None and abs(offset) > MAX_OFFSET):
            raise ValidationError(
                _("Give a date and time between the years 1900 and 9999 with a real "
                  "time-zone offset, e.g. 2026-11-28T09:30:00+08:00."), code="invalid")
        return moment.astimezone(UTC) if offset is not None else moment


class MomentFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date and time, checked for a plausible year and offset."""

    field_class = MomentField
