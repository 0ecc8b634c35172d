"""The one FilterSet of the register: used by the list page, the API and the exports."""

import django_filters
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.scoping import get_area_for_user
from quanfu.filter_fields import IdFilter, MomentFilter
from risks.choices import OPEN_STATUSES, RiskLevel, RiskStatus, Source, Tier
from risks.models import Risk, Subtype
from risks.scoping import matters_within_q

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
    "status": ("status", "-updated_at", "-id"),
    "-status": ("-status", "-updated_at", "-id"),
}
LEVEL_RANK = Case(
    When(level=RiskLevel.HIGH, then=Value(0)),
    When(level=RiskLevel.MEDIUM, then=Value(1)),
    When(level=RiskLevel.LOW, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


class RiskFilterSet(django_filters.FilterSet):
    # distinct=False: a plain column needs no SELECT DISTINCT (it cost a hash of every row)
    status = django_filters.MultipleChoiceFilter(choices=RiskStatus.choices, label=_("Status"),
                                                 distinct=False)
    level = django_filters.MultipleChoiceFilter(choices=RiskLevel.choices, label=_("Level"),
                                                distinct=False)
    category = django_filters.CharFilter(field_name="category__code", label=_("Category"))
    subtype = django_filters.CharFilter(method="filter_subtype", label=_("Subtype"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Tier"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Source"))
    department = IdFilter(field_name="department_id",
                                             label=_("Department"))
    area = IdFilter(field_name="area_id", label=_("Area"))
    within = IdFilter(method="filter_within", label=_("Within area"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    discovered_after = MomentFilter(field_name="discovered_at",
                                                        lookup_expr="gte",
                                                        label=_("Discovered after"))
    discovered_before = MomentFilter(field_name="discovered_at",
                                                         lookup_expr="lt",
                                                         label=_("Discovered before"))
    updated_after = MomentFilter(field_name="updated_at", lookup_expr="gt",
                                                     label=_("Updated after"))
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

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        overdue = Q(status__in=OPEN_STATUSES, due_on__lt=today)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value)
                               | Q(description__icontains=value))

    def filter_ordering(self, queryset, name, value):
        return order_risks(queryset, value)


def order_risks(queryset, ordering: str | None):
    fields = ORDERINGS.get(ordering or "", ("-updated_at", "-id"))
    if any(field.lstrip("-") == "level_rank" for field in fields):
        queryset = queryset.annotate(level_rank=LEVEL_RANK)
    return queryset.order_by(*fields)
