from datetime import date, timedelta

import django_filters
from django.utils.translation import gettext_lazy as _

from grids.filters import filter_within
from quanfu.clock import local_midnight
from quanfu.filter_fields import IdFilter, MomentFilter
from rhythm.choices import InstructionStatus, WarningStatus
from rhythm.models import InstructionRecipient, RiskWarning, ZeroReport
from risks.scoping import holds_duty_q

# Awaiting feedback: open, or past T+2 without it.
UNANSWERED = (WarningStatus.OPEN, WarningStatus.OVERDUE)


class WarningFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=WarningStatus.choices, label=_("Status"))
    risk = IdFilter(field_name="risk_id", label=_("Matter"))
    within = IdFilter(method="filter_within", label=_("Within area"))
    issued_after = MomentFilter(field_name="issued_at", lookup_expr="gte",
                                                    label=_("Issued after"))
    unanswered = django_filters.BooleanFilter(method="filter_unanswered",
                                              label=_("Awaiting feedback (open or overdue)"))
    due_by = django_filters.DateFilter(method="filter_due_by",
                                       label=_("Feedback due on or before"))
    mine = django_filters.BooleanFilter(method="filter_mine",
                                        label=_("On my matters (a duty or the lead)"))

    class Meta:
        model = RiskWarning
        fields = []

    def filter_within(self, queryset, name, value):
        return filter_within(queryset, self.request, int(value), field="risk__area__")

    def filter_unanswered(self, queryset, name, value):
        if value:
            return queryset.filter(status__in=UNANSWERED)
        return queryset.exclude(status__in=UNANSWERED)

    def filter_due_by(self, queryset, name, value):
        if value >= date.max:  # no day follows it: every deadline falls before its end
            return queryset
        return queryset.filter(feedback_due__lt=local_midnight(value + timedelta(days=1)))

    def filter_mine(self, queryset, name, value):
        mine = holds_duty_q(self.request.user, prefix="risk__")
        return queryset.filter(mine) if value else queryset.exclude(mine)


class InstructionFilterSet(django_filters.FilterSet):
    """The instructions sent to the caller (API ``instructions/``)."""

    status = django_filters.ChoiceFilter(choices=InstructionStatus.choices, label=_("Status"))
    unanswered = django_filters.BooleanFilter(method="filter_unanswered",
                                              label=_("Awaiting an answer (open or overdue)"))

    class Meta:
        model = InstructionRecipient
        fields = []

    def filter_unanswered(self, queryset, name, value):
        unanswered = (InstructionStatus.OPEN, InstructionStatus.OVERDUE)
        if value:
            return queryset.filter(status__in=unanswered)
        return queryset.exclude(status__in=unanswered)


class ZeroReportFilterSet(django_filters.FilterSet):
    """Zero reports (API ``zero-reports/``)."""

    grid = IdFilter(field_name="grid_id", label=_("Grid"))
    day_after = django_filters.DateFilter(field_name="day", lookup_expr="gte",
                                          label=_("On or after"))

    class Meta:
        model = ZeroReport
        fields = []
