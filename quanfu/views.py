from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.roles import Role
from grids.scoping import visible_areas
from quanfu.db_router import reads_from_replica
from quanfu.health import run_health_checks
from workbench.desk import Desk
from workbench.street_figures import street_figures
from workbench.todo import is_idle, todo_for

HOME_TEMPLATES = {
    Role.GRID_WORKER: "home/grid_worker.html",
    Role.COMMUNITY_OFFICER: "home/community_officer.html",
    Role.SECTION_STAFF: "home/section_staff.html",
    Role.STREET_LEADER: "home/street_leader.html",
    Role.SUPERVISOR: "home/supervisor.html",
    Role.API_CLIENT: "home/api_client.html",
}


@login_required
@never_cache
def home(request):
    """The start page of each role: their workbench (workbench.todo), what waits for them
    now, grouped, red first; a street leader also sees the street dashboard's headline
    figures. The administrator and machine clients get their scope at a glance."""
    user = request.user
    template = HOME_TEMPLATES.get(user.role, "home/administrator.html")
    desk = Desk(user)
    figures = None
    if user.role == Role.STREET_LEADER:
        # the street's figures (and the cube the groups share with them: desk.street) are
        # the dashboard's counts: read from the replica, when there is one
        with reads_from_replica():
            figures = street_figures(desk)
    groups = todo_for(user, desk=desk)
    context = {"groups": groups,
               "busy_groups": [group for group in groups if not is_idle(group)],
               "idle_groups": [group for group in groups if is_idle(group)]}
    if user.role == Role.STREET_LEADER:
        context["figures"] = figures
    if template in ("home/administrator.html", "home/api_client.html"):
        context["area_counts"] = dict(
            visible_areas(user).values_list("kind").annotate(total=Count("id")).order_by())
    return render(request, template, context)


def health(request):
    """Liveness for the load balancer and the operator: database, cache and broker; and,
    with a replica, whether reads use it or the primary, and its lag (staff only)."""
    results = run_health_checks()
    healthy = all(result["ok"] for result in results.values())
    if not (request.user.is_authenticated and request.user.is_staff):
        results = {name: {"ok": result["ok"]} for name, result in results.items()}
    return JsonResponse({"ok": healthy, "checks": results}, status=200 if healthy else 503)
