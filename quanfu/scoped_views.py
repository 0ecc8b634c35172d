"""Base classes for the HTML pages: login required, and the queryset starts from scope."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import DetailView, ListView


class ScopedQuerysetMixin(LoginRequiredMixin):
    """Like the API's ScopedViewSetMixin: a page says how to scope, never what to show
    unscoped. Objects outside the user's scope are not in the queryset, so they 404.
    """

    def visible_queryset(self, user):
        raise NotImplementedError(f"{type(self).__name__} must define visible_queryset(user)")

    def get_queryset(self):
        return self.visible_queryset(self.request.user)


class ScopedListView(ScopedQuerysetMixin, ListView):
    paginate_by = 50
    filterset_class = None

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.filterset_class is None:
            return queryset
        self.filterset = self.filterset_class(
            self.filter_data(), queryset=queryset, request=self.request
        )
        return self.filterset.qs

    def filter_data(self):
        """The filters the list applies: the query string's (a page may open on its own
        defaults when it names none)."""
        return self.request.GET or None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = getattr(self, "filterset", None)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        return context


class ScopedDetailView(ScopedQuerysetMixin, DetailView):
    pass
