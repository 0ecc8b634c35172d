from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from accounts.scoping import visible_people
from grids import restructuring
from grids.choices import AreaChangeKind, Duty
from grids.exports import roster_workbook
from grids.filters import AreaFilterSet
from grids.pickers import search_areas
from grids.scoping import get_area_for_user, scope_roots, visible_areas
from grids.services import roster_on
from quanfu.scoped_views import ScopedDetailView, ScopedListView


class AreaListView(ScopedListView):
    """The areas the user may see, filtered by kind and subtree."""

    template_name = "grids/area_list.html"
    filterset_class = AreaFilterSet
    context_object_name = "areas"

    def visible_queryset(self, user):
        return visible_areas(user).select_related("parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scope_roots"] = scope_roots(self.request.user)
        return context


class AreaDetailView(ScopedDetailView):
    """One area: where it sits, what is under it, who works there and the duty roster."""

    template_name = "grids/area_detail.html"
    context_object_name = "area"

    def visible_queryset(self, user):
        return visible_areas(user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        area = self.object
        user = self.request.user
        context["ancestors"] = visible_areas(user).filter(
            pk__in=area.ancestor_ids()[:-1]
        ).order_by("depth")
        context["children"] = area.children.order_by("code")
        context["people"] = visible_people(user).filter(area=area)
        if area.kind == "grid":
            holders = roster_on(area)
            context["roster"] = [(Duty(duty).label, person) for duty, person in holders.items()]
        # its place in time: predecessors, successors, the changes asked for it
        context.update(restructuring.lineage_of(area))
        context["changes"] = (restructuring.visible_changes(user).filter(spec__area=area.pk)
                              .order_by("-requested_at", "-id")[:10])
        context["change_kinds"] = ([(kind, AreaChangeKind(kind).label)
                                    for kind in restructuring.kinds_for(area)]
                                   if restructuring.may_request(user, area) else [])
        return context


@login_required
def roster_export(request, pk):
    """The duty roster of every grid under an area, as .xlsx."""
    area = get_area_for_user(request.user, pk)
    content = roster_workbook(area, exported_by=request.user)
    filename = f"roster-{area.code}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response



@login_required
def area_search(request):
    """The places in the user's scope whose name holds ``q``, for the area picker: at most
    20, as JSON (grids.pickers)."""
    return JsonResponse({"results": search_areas(request.user, request.GET.get("q", "")[:50])})
