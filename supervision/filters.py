"""One FilterSet per listed model, used by the pages and the API after scoping."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.filters import filter_within
from quanfu.filter_fields import IdFilter
from supervision.choices import (
    OPEN_FINDING_STATUSES,
    FindingStatus,
    InspectionKind,
    InspectionManner,
    ListingGrade,
    ListingStatus,
    Severity,
)
from supervision.models import Finding, Inspection, ListedSupervision


class InspectionFilterSet(django_filters.FilterSet):
    group = IdFilter(field_name="group_id", label=_("Supervision group"))
    community = IdFilter(field_name="community_id", label=_("Community"))
    within = IdFilter(method="filter_within", label=_("Within area"))
    kind = django_filters.ChoiceFilter(choices=InspectionKind.choices, label=_("Kind"))
    manner = django_filters.ChoiceFilter(choices=InspectionManner.choices, label=_("Manner"))

    class Meta:
        model = Inspection
        fields = []

    def filter_within(self, queryset, name, value):
        return filter_within(queryset, self.request, int(value), field="community__")


class FindingFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=FindingStatus.choices,
                                                 label=_("Status"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    group = IdFilter(field_name="inspection__group_id", label=_("Supervision group"))
    community = IdFilter(field_name="community_id", label=_("Community"))
    within = IdFilter(method="filter_within", label=_("Within area"))
    risk = IdFilter(field_name="risk_id", label=_("Matter"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("Not yet closed"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = Finding
        fields = []

    def filter_within(self, queryset, name, value):
        return filter_within(queryset, self.request, int(value), field="community__")

    def filter_open(self, queryset, name, value):
        condition = Q(status__in=OPEN_FINDING_STATUSES)
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status=FindingStatus.OPEN, deadline__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class ListingFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ListingStatus.choices, label=_("Status"))
    grade = django_filters.MultipleChoiceFilter(choices=ListingGrade.choices, label=_("Grade"))
    community = IdFilter(field_name="community_id", label=_("Community"))
    within = IdFilter(method="filter_within", label=_("Within area"))
    risk = IdFilter(field_name="risk_id", label=_("Matter"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = ListedSupervision
        fields = []

    def filter_within(self, queryset, name, value):
        return filter_within(queryset, self.request, int(value), field="community__")

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status=ListingStatus.ACTIVE, deadline__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
