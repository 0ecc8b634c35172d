"""The matters a ledger shows: the user's scope first (risks.scoping), then the register's
one FilterSet with the same query parameters as the ``risks/`` API."""

from dataclasses import dataclass

from django.db.models import QuerySet

from risks.filters import RiskFilterSet
from risks.scoping import visible_risks

# Ledgers read in code order unless the query asks for another ordering.
DEFAULT_ORDER = ("code",)


@dataclass(frozen=True)
class UserOnly:
    """What RiskFilterSet needs of a request (its ``user``), for work done outside one."""

    user: object


def ledger_filterset(user, params, request=None) -> RiskFilterSet:
    return RiskFilterSet(params or None, queryset=visible_risks(user),
                         request=request or UserOnly(user))


def filtered_risks(filterset: RiskFilterSet) -> QuerySet:
    """The filterset's matters (invalid filters are ignored, as on the register's page)."""
    queryset = filterset.qs
    if not filterset.data.get("ordering"):
        queryset = queryset.order_by(*DEFAULT_ORDER)
    return queryset
