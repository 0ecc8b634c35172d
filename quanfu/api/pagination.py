from django.core.paginator import Paginator
from rest_framework import pagination


def page_rows(view, queryset):
    """The queryset a page's rows are read from: through the view's ``page_queryset`` when
    it has one (e.g. joins that only the rows need), so that the count runs without them."""
    hook = getattr(view, "page_queryset", None)
    return hook(queryset) if hook is not None else queryset


class PageNumberPagination(pagination.PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; ``page_size`` up to 500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        self.view = view
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, queryset, page_size):
        paginator = Paginator(queryset, page_size)
        paginator.count  # noqa: B018 - counted on the queryset without the rows' joins
        paginator.object_list = page_rows(self.view, queryset)
        return paginator
