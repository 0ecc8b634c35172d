"""The one FilterSet of the register: used by the list page, the API and the exports."""

from datetime import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.scoping import get_area_for_user
from quanfu.filter_fields import IdFilter, MomentFilter
from risks import data_gaps, flow_figures
from risks.choices import (
    OPEN_STATUSES,
    ClockFlag,
    ClockStage,
    RiskLevel,
    RiskStatus,
    Source,
    Tier,
)
from risks.clocks import matters_with_clock_q
from risks.figures import overdue_q
from risks.models import Risk, StageClock, Subtype
from risks.scoping import holds_duty_q, matters_within_q

ORDERINGS = {
    "updated_at": ("updated_at", "id"),
    "-updated_at": ("-updated_at", "-id"),
    "discovered_at": ("discovered_at", "id"),
    "-discovered_at": ("-discovered_at", "-id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "due_on": ("due_on", "id"),
    "-due_on": ("-due_on", "-id"),
    "code": ("code",),
    "-code": ("-code",),
    "level": ("level_rank", "-updated_at", "-id"),
    "-level": ("-level_rank", "-updated_at", "-id"),
    "status": ("status_rank", "-updated_at", "-id"),
    "-status": ("-status_rank", "-updated_at", "-id"),
}
LEVEL_RANK = Case(
    When(level=RiskLevel.HIGH, then=Value(0)),
    When(level=RiskLevel.MEDIUM, then=Value(1)),
    When(level=RiskLevel.LOW, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
# Statuses in the order of a matter's life (reported … written off, then void), not by
# their codes' spelling.
STATUS_RANK = Case(*(When(status=status, then=Value(rank))
                     for rank, status in enumerate(RiskStatus)),
                   output_field=IntegerField())


class MonthField(forms.CharField):
    """A month as YYYY-MM: the first day of that month."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            month = datetime.strptime(value, "%Y-%m").date()
        except ValueError as error:
            raise ValidationError(_("Give the month as YYYY-MM."), code="invalid") from error
        if not 2000 <= month.year <= 2099:
            raise ValidationError(_("Give a month between 2000 and 2099."), code="invalid")
        return month


class MonthFilter(django_filters.CharFilter):
    field_class = MonthField


# ``status=open``: 在办, the open statuses (reported, verified, being resolved) at once.
OPEN = "open"


class StatusFilter(django_filters.MultipleChoiceFilter):
    """Statuses, one or more, ``open`` standing for the open ones."""

    def filter(self, qs, value):
        if not value:
            return qs
        statuses = set(value) - {OPEN}
        if OPEN in value:
            statuses |= set(OPEN_STATUSES)
        return qs.filter(status__in=sorted(statuses))


# ``dispatch=``: where a verified matter stands in 分流 — waiting to be sent to a section
# (neither dispatched nor owned by one) or dispatched and waiting to be signed for (签收).
WAITING, PENDING = "waiting", "pending"
DISPATCH_STATES = {
    WAITING: Q(status=RiskStatus.VERIFIED, dispatched_to__isnull=True, department__isnull=True),
    PENDING: Q(status=RiskStatus.VERIFIED, dispatched_to__isnull=False,
               accepted_at__isnull=True),
}


class RiskFilterSet(django_filters.FilterSet):
    status = StatusFilter(choices=[(OPEN, _("Open (being handled)")), *RiskStatus.choices],
                          label=_("Status"))
    level = django_filters.MultipleChoiceFilter(choices=RiskLevel.choices, label=_("Level"),
                                                distinct=False)
    category = django_filters.CharFilter(field_name="category__code", label=_("Category"))
    subtype = django_filters.CharFilter(method="filter_subtype", label=_("Subtype"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Tier"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Source"))
    department = IdFilter(field_name="department_id",
                                             label=_("Department"))
    # 属事: owned by the department or dispatched to it (a section's own matters)
    section = IdFilter(method="filter_section", label=_("Owned by or dispatched to"))
    dispatched_to = IdFilter(field_name="dispatched_to_id", label=_("Dispatched to"))
    returned = django_filters.BooleanFilter(method="filter_returned",
                                            label=_("Returned at least once"))
    dispatch = django_filters.ChoiceFilter(
        choices=[(WAITING, _("Waiting to be dispatched")),
                 (PENDING, _("Waiting to be signed for"))],
        method="filter_dispatch", label=_("Dispatch state"))
    mine = django_filters.BooleanFilter(method="filter_mine",
                                        label=_("Mine (a duty or the lead)"))
    area = IdFilter(field_name="area_id", label=_("Area"))
    within = IdFilter(method="filter_within", label=_("Within area"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    # the sending system's own id (Risk.external_ref): what a client looks its matter up by
    external_ref = django_filters.CharFilter(field_name="external_ref",
                                             label=_("external reference"))
    # the matters a flow figure counts (risks.flow_figures): the figure, its month
    # (YYYY-MM, this month if not given) and, for a section's figure, the section
    flow = django_filters.ChoiceFilter(choices=list(flow_figures.FIGURE_LABELS.items()),
                                       method="filter_flow", label=_("Flow figure"))
    flow_month = MonthFilter(method="given_with_flow", label=_("Month of the flow figure"))
    flow_department = IdFilter(method="given_with_flow",
                               label=_("Section of the flow figure"))
    clock = django_filters.ChoiceFilter(
        choices=[(ClockFlag.YELLOW, _("Yellow light")), (ClockFlag.RED, _("Red light"))],
        method="filter_clock", label=_("Clock"))
    stage = django_filters.ChoiceFilter(choices=ClockStage.choices, method="filter_stage",
                                        label=_("Stage"))
    discovered_after = MomentFilter(field_name="discovered_at",
                                                        lookup_expr="gte",
                                                        label=_("Discovered after"))
    discovered_before = MomentFilter(field_name="discovered_at",
                                                         lookup_expr="lt",
                                                         label=_("Discovered before"))
    updated_after = MomentFilter(field_name="updated_at", lookup_expr="gt",
                                                     label=_("Updated after"))
    # what the data quality page counts: matters whose record lacks what their stage needs
    gap = django_filters.ChoiceFilter(choices=list(data_gaps.GAP_LABELS.items()),
                                      method="filter_gap", label=_("Record incomplete"))
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering", label=_("Order by"),
        choices=[(key, key) for key in ORDERINGS])

    class Meta:
        model = Risk
        fields = []

    def filter_within(self, queryset, name, value):
        area = get_area_for_user(self.request.user, int(value))
        return queryset.filter(matters_within_q([area]))

    def filter_subtype(self, queryset, name, value):
        """A subtype and the retired ones it replaced; a retired code finds its
        replacement's matters (old links keep working under the new name)."""
        named = Subtype.objects.filter(code=value).values("pk", "replaced_by_id").first()
        if named is None:
            return queryset.none()
        current = named["replaced_by_id"] or named["pk"]
        ids = [current, *Subtype.objects.filter(replaced_by_id=current)
               .values_list("pk", flat=True)]
        return queryset.filter(subtype_id__in=ids)

    def filter_section(self, queryset, name, value):
        return queryset.filter(Q(department_id=value) | Q(dispatched_to_id=value))

    def filter_returned(self, queryset, name, value):
        return queryset.filter(returns__gt=0) if value else queryset.filter(returns=0)

    def filter_dispatch(self, queryset, name, value):
        return queryset.filter(DISPATCH_STATES[value])

    def filter_mine(self, queryset, name, value):
        mine = holds_duty_q(self.request.user)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_overdue(self, queryset, name, value):
        overdue = overdue_q(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_clock(self, queryset, name, value: str):
        """Matters with a running clock of that colour now (red: only red)."""
        return queryset.filter(matters_with_clock_q(value, timezone.now()))

    def filter_stage(self, queryset, name, value: str):
        """Matters whose clock of that stage is running (paused included)."""
        return queryset.filter(Exists(StageClock.objects.filter(
            risk=OuterRef("pk"), stopped_at=None, stage=value)))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value)
                               | Q(description__icontains=value))

    def filter_flow(self, queryset, name, value):
        data = self.form.cleaned_data
        period = flow_figures.Period.of(data.get("flow_month"))
        section = data.get("flow_department")
        return queryset.filter(flow_figures.matters_q(
            value, period, section=int(section) if section is not None else None))

    def filter_gap(self, queryset, name, value):
        return queryset.filter(data_gaps.gap_q(value))

    def given_with_flow(self, queryset, name, value):
        return queryset  # read by filter_flow

    def filter_ordering(self, queryset, name, value):
        return order_risks(queryset, value)


def order_risks(queryset, ordering: str | None):
    fields = ORDERINGS.get(ordering or "", ("-updated_at", "-id"))
    if any(field.lstrip("-") == "level_rank" for field in fields):
        queryset = queryset.annotate(level_rank=LEVEL_RANK)
    if any(field.lstrip("-") == "status_rank" for field in fields):
        queryset = queryset.annotate(status_rank=STATUS_RANK)
    return queryset.order_by(*fields)
