"""The dashboards: the city's, the street's, a community's, and a supervision group's
scorecard.
Figures come from supervision.dashboards (SQL aggregates, a fixed number of queries);
the scope from supervision.scoping (outside it: 404)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from accounts.roles import Role
from grids.choices import AreaKind
from quanfu.db_router import reads_from_replica
from risks.filters import MonthField
from risks.flow_figures import Period
from supervision import dashboards, permissions
from supervision.dashboards import area_map
from supervision.scoping import (
    communities_in,
    dashboard_streets,
    get_city_for_dashboard,
    get_community_for_dashboard,
    get_group_for_dashboard,
    get_street_for_dashboard,
    groups_of,
    spans_several_streets,
    visible_groups,
)
from supervision.views.common import require


@login_required
@require_safe
def dashboard(request):
    """The dashboard of the user's scope: the city's for the superuser, a supervisor's
    group, a leader's street, an officer's community."""
    user = request.user
    require(user, permissions.DASHBOARD)
    if user.is_superuser:
        return redirect("supervision:city_dashboard")
    if user.role == Role.SUPERVISOR:
        group = groups_of(user).order_by("code").first()
        if group is not None:
            return redirect("supervision:group_dashboard", group.pk)
    street = dashboard_streets(user).first()
    if street is not None:
        return redirect("supervision:street_dashboard", street.pk)
    if user.area_id:
        return redirect("supervision:community_dashboard", user.area_id)
    raise Http404("No dashboard in your scope.")


@login_required
@require_safe
@reads_from_replica
def street_dashboard(request, pk):
    user = request.user
    require(user, permissions.DASHBOARD)
    street = get_street_for_dashboard(user, pk)
    communities = communities_in(user, street)
    board = dashboards.build(user, kind="street", area=street, street=street,
                             communities=communities, flow_period=flow_period(request))
    return render(request, "supervision/dashboard.html", {
        "board": board, "title": street.name,
        **map_context(user, street, AreaKind.COMMUNITY),
        "groups": visible_groups(user).order_by("code"),
        "city_dashboard": spans_several_streets(user)})


def flow_period(request) -> Period:
    """The month of the flow table (流转情况): ``?flow_month=YYYY-MM``, this month if none
    or not a month."""
    try:
        month = MonthField(required=False).clean(request.GET.get("flow_month", ""))
    except ValidationError:
        month = None
    return Period.of(month)


@login_required
@require_safe
@reads_from_replica
def city_dashboard(request):
    """Every street of the user's scope (the superuser: the whole city), a row each."""
    user = request.user
    require(user, permissions.DASHBOARD)
    scope = get_city_for_dashboard(user)
    board = dashboards.build_city(scope)
    return render(request, "supervision/city_dashboard.html", {"board": board})


@login_required
@require_safe
@reads_from_replica
def community_dashboard(request, pk):
    user = request.user
    require(user, permissions.DASHBOARD)
    community = get_community_for_dashboard(user, pk)
    board = dashboards.build(user, kind="community", area=community,
                             street=community.parent, communities=[community])
    return render(request, "supervision/dashboard.html", {
        "board": board, "title": community.name, "groups": [],
        **map_context(user, community, AreaKind.GRID)})


def map_context(user, area, kind: str) -> dict:
    """The map of the dashboard's communities (a street's) or grids (a community's), with
    the located open matters (supervision.dashboards.area_map)."""
    built = area_map.build_map(user, within=area, kind=kind, points=True)
    return {"map": built, "map_spec": area_map.chart_spec(built)}


@login_required
@require_safe
def group_list(request):
    user = request.user
    require(user, permissions.DASHBOARD)
    groups = (visible_groups(user).select_related("leader", "street")
              .prefetch_related("communities", "members").order_by("code"))
    return render(request, "supervision/group_list.html", {"groups": groups})


@login_required
@require_safe
@reads_from_replica
def group_dashboard(request, pk):
    user = request.user
    require(user, permissions.DASHBOARD)
    group, communities = get_group_for_dashboard(user, pk)
    card = dashboards.scorecard(user, group, communities)
    return render(request, "supervision/group_scorecard.html", {"card": card, "group": group})
