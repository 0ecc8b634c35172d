import django_filters
from django.utils.translation import gettext_lazy as _

from grids.filters import filter_within
from quanfu.filter_fields import IdFilter, MomentFilter
from rhythm.choices import WarningStatus
from rhythm.models import RiskWarning


class WarningFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=WarningStatus.choices, label=_("Status"))
    risk = IdFilter(field_name="risk_id", label=_("Matter"))
    within = IdFilter(method="filter_within", label=_("Within area"))
    issued_after = MomentFilter(field_name="issued_at", lookup_expr="gte",
                                                    label=_("Issued after"))

    class Meta:
        model = RiskWarning
        fields = []

    def filter_within(self, queryset, name, value):
        return filter_within(queryset, self.request, int(value), field="risk__area__")
