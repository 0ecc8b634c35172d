from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render

from accounts.roles import Role
from grids.models import DutyAssignment
from grids.scoping import visible_areas
from quanfu.health import run_health_checks

HOME_TEMPLATES = {
    Role.GRID_WORKER: "home/grid_worker.html",
    Role.COMMUNITY_OFFICER: "home/community_officer.html",
    Role.SECTION_STAFF: "home/section_staff.html",
    Role.STREET_LEADER: "home/street_leader.html",
    Role.SUPERVISOR: "home/supervisor.html",
    Role.API_CLIENT: "home/api_client.html",
}


@login_required
def home(request):
    """The start page of each role: their scope at a glance and what they can do."""
    user = request.user
    area_counts = dict(
        visible_areas(user).values_list("kind").annotate(total=Count("id")).order_by()
    )
    my_duties = (
        DutyAssignment.objects.filter(person=user, ends_on__isnull=True)
        .select_related("grid")
        .order_by("grid__code", "duty")
    )
    template = HOME_TEMPLATES.get(user.role, "home/administrator.html")
    return render(request, template, {"area_counts": area_counts, "my_duties": my_duties})


def health(request):
    """Liveness for the load balancer and the operator: database, cache and broker."""
    results = run_health_checks()
    healthy = all(result["ok"] for result in results.values())
    if not (request.user.is_authenticated and request.user.is_staff):
        results = {name: {"ok": result["ok"]} for name, result in results.items()}
    return JsonResponse({"ok": healthy, "checks": results}, status=200 if healthy else 503)
