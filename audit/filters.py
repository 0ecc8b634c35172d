"""The one FilterSet of the audit log: the browse page and its .xlsx export. Every filter
matches an index (audit.models.AuditEntry.Meta.indexes, created_at, seq)."""

from datetime import datetime, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.choices import AuditAction
from audit.model_changes import audited_models
from audit.models import AuditEntry
from audit.origin import clean_ip_address
from quanfu.clock import local_midnight


def record_type_choices():
    return sorted(((described.label, f"{model._meta.verbose_name} ({described.label})")
                   for model, described in audited_models().items()), key=lambda pair: pair[0])


def start_of(day) -> datetime | None:
    """Local midnight of ``day``, or None past the calendar's last day."""
    try:
        return local_midnight(day)
    except (OverflowError, ValueError):
        return None


class AuditEntryFilterSet(django_filters.FilterSet):
    who = django_filters.CharFilter(field_name="username", label=_("Who (user name)"))
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"),
                                         empty_label=_("All"))
    model = django_filters.ChoiceFilter(field_name="model_label", choices=record_type_choices,
                                        label=_("Record type"), empty_label=_("All"))
    object_id = django_filters.CharFilter(field_name="object_id", label=_("Record id"))
    since = django_filters.DateFilter(method="filter_since",
                                      label=pgettext_lazy("date range", "From"),
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(method="filter_until",
                                      label=pgettext_lazy("date range", "To"),
                                      widget=forms.DateInput(attrs={"type": "date"}))
    ip = django_filters.CharFilter(method="filter_ip", label=_("IP address"))
    q = django_filters.CharFilter(method="filter_text", label=_("Text"))

    class Meta:
        model = AuditEntry
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def filter_since(self, queryset, name, value):
        start = start_of(value)
        return queryset.filter(created_at__gte=start) if start else queryset.none()

    def filter_until(self, queryset, name, value):
        end = start_of(value + timedelta(days=1)) if value.year < 9999 else None
        return queryset.filter(created_at__lt=end) if end else queryset

    def filter_ip(self, queryset, name, value):
        return queryset.filter(ip_address=clean_ip_address(value) or value.strip())

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(object_repr__icontains=value) | Q(target__icontains=value)
                               | Q(detail__icontains=value) | Q(username__icontains=value)
                               | Q(object_id=value) | Q(request_id=value))
