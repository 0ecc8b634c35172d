"""One FilterSet per model, used by the pages and the API after scoping."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from grids.filters import filter_within
from grids.scoping import get_area_for_user
from meetings.choices import (
    ActionItemStatus,
    MeetingKind,
    MeetingStatus,
    WhistleStatus,
)
from meetings.models import ActionItem, DepartmentReport, Meeting, MeetingItem, WhistleCall
from meetings.overdue import overdue_action_item_q, overdue_report_exists
from quanfu.filter_fields import IdFilter
from risks.choices import Tier


class MeetingFilterSet(django_filters.FilterSet):
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Tier"))
    kind = django_filters.ChoiceFilter(choices=MeetingKind.choices, label=_("Kind of meeting"))
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices, label=_("Status"))
    area = IdFilter(field_name="area_id", label=_("Area"))
    within = IdFilter(method="filter_within", label=_("Within area"))
    risk = IdFilter(method="filter_risk", label=_("Matter discussed"))
    held_after = django_filters.DateFilter(field_name="held_on", lookup_expr="gte",
                                           label=_("Held on or after"))
    held_before = django_filters.DateFilter(field_name="held_on", lookup_expr="lte",
                                            label=_("Held on or before"))
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = Meeting
        fields = []

    def filter_within(self, queryset, name, value):
        return filter_within(queryset, self.request, int(value), field="area__")

    def filter_risk(self, queryset, name, value):
        return queryset.filter(Exists(MeetingItem.objects.filter(meeting=OuterRef("pk"),
                                                                 risk_id=value)))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(title__icontains=value) if value else queryset


def action_items_within_q(area) -> Q:
    """Action items of the area's meetings (or its communities') or on its matters: what
    a dashboard of that area counts and its link lists."""
    return (Q(meeting__area__path__startswith=area.path)
            | Q(item__risk__area__path__startswith=area.path))


class ActionItemFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ActionItemStatus.choices, label=_("Status"))
    tier = django_filters.ChoiceFilter(field_name="meeting__tier", choices=Tier.choices,
                                       label=_("Tier"))
    meeting = IdFilter(field_name="meeting_id", label=_("Meeting"))
    owner = IdFilter(field_name="owner_id", label=_("Responsible person"))
    owner_department = IdFilter(field_name="owner_department_id",
                                label=_("Responsible department"))
    within = IdFilter(method="filter_within", label=_("Within area"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Mine"))
    # an action item is in force once its meeting's minutes are approved
    in_force = django_filters.BooleanFilter(method="filter_in_force",
                                            label=_("In force (minutes approved)"))

    class Meta:
        model = ActionItem
        fields = []

    def filter_within(self, queryset, name, value):
        area = get_area_for_user(self.request.user, int(value))
        return queryset.filter(action_items_within_q(area))

    def filter_overdue(self, queryset, name, value):
        overdue = overdue_action_item_q()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_in_force(self, queryset, name, value):
        in_force = Q(meeting__status=MeetingStatus.APPROVED)
        return queryset.filter(in_force) if value else queryset.exclude(in_force)

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        mine = Q(owner=user)
        if user.department_id:
            mine |= Q(owner_department_id=user.department_id)
        return queryset.filter(mine) if value else queryset.exclude(mine)


class WhistleCallFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=WhistleStatus.choices, label=_("Status"))
    risk = IdFilter(field_name="risk_id", label=_("Matter"))
    department = IdFilter(method="filter_department", label=_("Department called"))
    awaiting = IdFilter(method="filter_awaiting",
                        label=_("Department that has not reported in yet"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = WhistleCall
        fields = []

    def filter_department(self, queryset, name, value):
        return queryset.filter(Exists(DepartmentReport.objects.filter(
            call=OuterRef("pk"), department_id=value)))

    def filter_awaiting(self, queryset, name, value):
        return queryset.filter(Exists(DepartmentReport.objects.filter(
            call=OuterRef("pk"), department_id=value, reported_at__isnull=True)))

    def filter_overdue(self, queryset, name, value):
        condition = overdue_report_exists()
        return queryset.filter(condition) if value else queryset.exclude(condition)
