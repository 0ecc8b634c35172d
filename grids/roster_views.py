"""The pages with which a community keeps its grids' duty rosters (grids.rosters): the
rosters of a community, and the form that names a holder. Who keeps which community is
grids.scoping's rule (403 for a role that keeps none, 404 outside the scope)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.choices import Duty
from grids.roster_forms import DutyHolderForm
from grids.rosters import community_rosters, keep_grid_duty, open_on_q
from grids.scoping import (
    get_kept_community_for_user,
    get_kept_grid_for_user,
    kept_communities,
    may_keep_communities,
)
from quanfu.refusals import refusal_on_form


@login_required
def community_index(request):
    """The communities the person keeps: an officer goes straight to their own."""
    if not may_keep_communities(request.user):
        raise PermissionDenied
    communities = (kept_communities(request.user).filter(open_on_q(timezone.localdate()))
                   .select_related("parent").order_by("path"))
    page = Paginator(communities, 50).get_page(request.GET.get("page"))
    if page.paginator.count == 1:
        return redirect("grids:community_roster", page.object_list[0].pk)
    return render(request, "grids/community_index.html", {"page": page})


@login_required
def community_roster(request, pk):
    """Every open grid of the community with the holders of its four duties today, those
    planned from a later day and the past ones."""
    community = get_kept_community_for_user(request.user, pk)
    return render(request, "grids/community_roster.html", {
        "community": community, "rosters": community_rosters(community),
        "today": timezone.localdate()})


@login_required
def duty_holder_assign(request, pk):
    """Name the holder of one of the grid's duties from a day on (today by default)."""
    grid = get_kept_grid_for_user(request.user, pk)
    initial = {"duty": request.GET.get("duty")} if request.GET.get("duty") in Duty.values \
        else {}
    form = DutyHolderForm(request.POST or None, grid=grid, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            with refusal_on_form(form):
                entry = keep_grid_duty(grid, data["duty"], data["person"], actor=request.user,
                                       starts_on=data["starts_on"])
                messages.success(request, _(
                    "%(person)s holds the %(duty)s duty of %(grid)s from %(day)s.") % {
                    "person": entry.person.display_name, "duty": entry.get_duty_display(),
                    "grid": grid.name, "day": entry.starts_on.isoformat()})
                url = reverse("grids:community_roster", args=[grid.parent_id])
                return redirect(f"{url}#grid-{grid.pk}")
        status = 400
    return render(request, "grids/duty_holder_form.html",
                  {"grid": grid, "community": grid.parent, "form": form}, status=status)
