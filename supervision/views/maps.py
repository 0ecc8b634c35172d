"""The map page (挂图作战): the communities or grids of an area coloured by a chosen
figure, the located open matters as points, and the same numbers as a table.
Figures from supervision.dashboards.area_map; the area from the user's scope (outside
it: 404)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_safe

from grids.choices import AreaKind
from grids.scoping import scope_roots
from quanfu.db_router import reads_from_replica
from supervision import permissions
from supervision.dashboards import area_map
from supervision.views.common import require


@login_required
@require_safe
@reads_from_replica
def area_map_page(request):
    """``?within=<area id>&kind=community|grid&metric=…``; without ``within`` the user's
    own area (the whole scope when it is several areas, or the city)."""
    user = request.user
    require(user, permissions.DASHBOARD)  # the page is the dashboards'; the API also MAP
    within_id = request.GET.get("within") or None
    if within_id is None:
        roots = scope_roots(user)
        if roots is not None and len(roots) == 1:
            within_id = roots[0].pk
    kind = request.GET.get("kind") or ""
    metric = request.GET.get("metric") or area_map.OPEN
    try:
        if not kind:
            within = area_map.map_within(user, within_id, AreaKind.GRID)
            kind = (AreaKind.GRID if within is not None and within.kind != AreaKind.STREET
                    else AreaKind.COMMUNITY)
        else:
            within = area_map.map_within(user, within_id, kind)
        area_map.check_metric(metric)
        built = area_map.build_map(user, within=within, kind=kind, points=True)
    except area_map.MapRefused as refusal:
        return HttpResponseBadRequest(f"{refusal.field}: {refusal.message}")
    return render(request, "supervision/area_map.html", {
        "map": built, "spec": area_map.chart_spec(built, metric), "metric": metric,
        "standalone": True})
