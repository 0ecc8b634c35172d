from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which skips the filterset when the request names none of
    its filters: the filterset would leave the queryset as it is, after deep-copying its
    filters and building and validating a form (a fifth of an unfiltered list page's
    Python time, e.g. the sync walk's and the register's first page)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not names_a_filter(request.query_params,
                                                              filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)


def names_a_filter(parameters, filters) -> bool:
    # Some widgets read suffixed names: price_min/price_max, day_after/day_before.
    return any(name in filters or name.rpartition("_")[0] in filters for name in parameters)
