"""The register's list page and its bulk actions. The list runs a fixed number of
queries for any page size; a bulk action calls one service per selected matter (its
events, its version, its scope) through services.bulk_apply and reports each refusal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.roles import Role
from grids.scoping import get_area_for_user
from quanfu.api.filtering import names_a_filter
from quanfu.scoped_views import ScopedListView
from risks import permissions, services
from risks.choices import Action
from risks.clocks import flagged_clocks
from risks.filters import OPEN, RiskFilterSet
from risks.list_forms import BulkActionForm, RiskFilterForm
from risks.list_sorting import sort_headers
from risks.scoping import visible_risks


class RiskListView(ScopedListView):
    """The register: filters in one row, sortable headers, pages that keep the filters,
    and bulk actions for those who may. A fixed number of queries for any page size."""

    template_name = "risks/risk_list.html"
    filterset_class = RiskFilterSet
    context_object_name = "risks"
    paginate_by = 50

    def visible_queryset(self, user):
        # the rows' yellow and red lights: one query for the page, none per row
        return (visible_risks(user).select_related("category", "subtype", "area", "department")
                .prefetch_related(flagged_clocks()))

    def filter_data(self):
        return opening_filters(self.request) or None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        place = chosen_place(self.request)
        context["filter_form"] = RiskFilterForm(self.filter_data(), user=user, place=place)
        context["sort_headers"] = sort_headers(self.request.GET)
        context["may_bulk"] = may_bulk(user)
        if context["may_bulk"]:
            context["bulk_form"] = BulkActionForm(
                initial={"next_query": self.request.GET.urlencode()}, user=user, place=place)
        context["may_report"] = permissions.user_may(user, permissions.REPORT)
        return context


# What naming no filter means: sorting or turning the page keeps a list's defaults.
NOT_FILTERS = frozenset({"ordering", "page"})


def opening_filters(request) -> QueryDict:
    """The filters of the register as asked; when none is named, section staff open on
    their department's open matters (在办: owned by it or dispatched to it), not on
    everything they may read; the filter form widens it."""
    data, user = request.GET, request.user
    if user.is_superuser or user.role != Role.SECTION_STAFF or user.department_id is None:
        return data
    if names_a_filter(set(data) - NOT_FILTERS, RiskFilterSet.base_filters):
        return data
    opening = data.copy()
    opening.setlist("status", [OPEN])
    opening["section"] = str(user.department_id)
    return opening


def chosen_place(request):
    """The area a list is narrowed to (``within``; an area out of scope is a 404, as the
    filterset answers it), or None."""
    within = request.GET.get("within", "")
    return get_area_for_user(request.user, int(within)) if within.isdigit() else None


def may_bulk(user) -> bool:
    return (permissions.user_may(user, permissions.ASSIGN)
            or permissions.user_may(user, Action.VERIFY))


def bulk_operation(form, actor):
    """The service call a bulk action makes for each selected matter."""
    operation = form.cleaned_data["operation"]
    if operation == BulkActionForm.VERIFY:
        return lambda risk, version: services.verify_risk(risk, actor=actor, version=version)
    if operation == BulkActionForm.CONFIRM_GRADE:
        return lambda risk, version: services.confirm_grade(risk, actor=actor, version=version)
    if operation == BulkActionForm.SET_LEVEL:
        changes = {"level": form.cleaned_data["level"]}
    else:
        changes = form.duty_changes()
    return lambda risk, version: services.update_risk(risk, actor=actor, version=version,
                                                      changes=changes)


@login_required
@require_POST
def risk_bulk(request):
    """Apply one operation to the selected matters, each through its own service call
    (its events, its version, its scope); report every refusal by the matter's code."""
    if not may_bulk(request.user):
        raise PermissionDenied(_("Your role may not do this."))
    form = BulkActionForm(request.POST, user=request.user)
    back = reverse("risks:risk_list")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        query = request.POST.get("next_query", "")
        return redirect(f"{back}?{query}" if query else back)
    versions = form.cleaned_data["versions"]
    selected = list(visible_risks(request.user).filter(pk__in=versions).order_by("code"))
    outcomes = services.bulk_apply([(risk, versions[risk.pk]) for risk in selected],
                                   bulk_operation(form, request.user), actor=request.user)
    done = sum(1 for outcome in outcomes if not outcome.error)
    if done:
        messages.success(request, ngettext("%(count)s matter updated.",
                                           "%(count)s matters updated.", done)
                         % {"count": done})
    for outcome in outcomes:
        if outcome.error:
            messages.error(request, _("%(code)s was not changed: %(reason)s")
                           % {"code": outcome.risk.code, "reason": outcome.error})
    missing = len(versions) - len(selected)
    if missing:
        messages.error(request, ngettext("%(count)s selected matter could not be found.",
                                         "%(count)s selected matters could not be found.",
                                         missing) % {"count": missing})
    query = form.cleaned_data["next_query"]
    return redirect(f"{back}?{query}" if query else back)
