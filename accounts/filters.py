import django_filters

from accounts.models import User
from accounts.roles import Role
from grids.filters import filter_within
from quanfu.filter_fields import IdFilter


class PersonFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    within = IdFilter(method="filter_by_subtree", label="Within area (id)")
    department = IdFilter(field_name="department_id")

    class Meta:
        model = User
        fields = ["role", "within", "department"]

    def filter_by_subtree(self, queryset, name, value):
        return filter_within(queryset, self.request, int(value), field="area__")
