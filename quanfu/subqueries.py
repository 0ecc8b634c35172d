"""``column IN (subquery)`` that PostgreSQL can still combine with indexed conditions.

ORed with other conditions, ``id IN (SELECT …)`` becomes a hashed subplan that filters
every row of the table (a sequential scan). Written ``id = ANY(ARRAY(SELECT …))`` the
subquery runs once (an InitPlan) and gives an array an index scan takes, so that the OR
becomes a BitmapOr of index scans. Other databases get the plain ``IN``.
"""

from django.db.models import F, Lookup


class InSubquery(Lookup):
    lookup_name = "in_subquery"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def in_subquery(field: str, queryset) -> InSubquery:
    """A condition for ``filter()`` or ``Q()``: ``field`` is among the single column
    ``queryset`` selects (``.values("…")``)."""
    return InSubquery(F(field), queryset.order_by())  # an order would only cost a sort
