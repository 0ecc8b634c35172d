import django_filters

from grids.choices import AreaKind
from grids.models import Area
from grids.scoping import get_area_for_user
from quanfu.filter_fields import IdFilter


def filter_within(queryset, request, area_id, field: str = ""):
    """Keep rows in the subtree of area ``area_id``; 404 if the user cannot see that area."""
    area = get_area_for_user(request.user, area_id)
    return queryset.filter(**{f"{field}path__startswith": area.path})


class AreaFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AreaKind.choices)
    parent = IdFilter(field_name="parent_id")
    within = IdFilter(method="filter_by_subtree", label="Within area (id)")

    class Meta:
        model = Area
        fields = ["kind", "parent", "within"]

    def filter_by_subtree(self, queryset, name, value):
        return filter_within(queryset, self.request, int(value))
