"""Listed supervision (挂牌督办): the list of the scope (active first), listing a matter or
a community, one listing's page with its history, and lifting it with a note."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from quanfu.refusals import refusal_on_form
from quanfu.scoped_views import ScopedListView
from risks.matter_panels import matter_page_url, returns_to_matter
from risks.scoping import visible_risks
from supervision import permissions, services
from supervision.choices import ListingGrade, ListingStatus
from supervision.dashboards import GRADE_RANK
from supervision.filters import ListingFilterSet
from supervision.forms import ListingForm, NoteForm
from supervision.scoping import get_listing_for_user, visible_listings
from supervision.views.common import require


class ListingListView(ScopedListView):
    """Active listings unless another status is asked for: red cards first."""

    template_name = "supervision/listing_list.html"
    filterset_class = ListingFilterSet
    context_object_name = "listings"

    def get_queryset(self):
        queryset = super().get_queryset()
        if not self.request.GET.get("status"):
            queryset = queryset.filter(status=ListingStatus.ACTIVE)
        return queryset

    def visible_queryset(self, user):
        return (visible_listings(user).select_related("community", "risk", "group",
                                                      "listed_by")
                .annotate(rank=GRADE_RANK).order_by("-rank", "deadline", "id"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_list"] = permissions.may(self.request.user, permissions.LIST)
        context["current_status"] = self.request.GET.get("status", "")
        context["grades"] = ListingGrade.choices
        return context


def chosen_matter_code(user, value: str) -> str:
    """``?risk=`` names the matter by its id (a matter's page) or by its code; the form
    takes the code. An id outside the scope gives nothing, as if missing."""
    value = value.strip()
    if value.isdigit() and len(value) < 19:
        return visible_risks(user).filter(pk=int(value)).values_list("code", flat=True).first() \
            or ""
    return value


@login_required
def listing_create(request):
    user = request.user
    require(user, permissions.LIST)
    initial = {}
    if request.GET.get("risk"):
        initial = {"target": ListingForm.MATTER,
                   "risk": chosen_matter_code(user, request.GET["risk"])}
    elif request.GET.get("community"):
        initial = {"target": ListingForm.COMMUNITY, "community": request.GET["community"]}
    form = ListingForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            listing = services.list_for_supervision(actor=user, **form.service_arguments())
            messages.success(request, _("Listed for supervision; the community has been told."))
            if listing.risk_id and returns_to_matter(request):
                return redirect(matter_page_url(listing.risk_id, "supervision"))
            return redirect("supervision:listing_detail", listing.pk)
    back = ""
    if returns_to_matter(request) and initial.get("risk") and request.GET["risk"].isdigit():
        back = matter_page_url(request.GET["risk"])
    return render(request, "supervision/listing_form.html",
                  {"form": form, "back_to_matter": back},
                  status=400 if form.errors else 200)


def _render_listing(request, pk, *, lift_form=None, status=200):
    user = request.user
    listing = get_listing_for_user(user, pk)
    return render(request, "supervision/listing_detail.html", {
        "listing": listing,
        "events": listing.events.select_related("actor").order_by("created_at", "id"),
        "may_lift": listing.is_active and permissions.may(user, permissions.LIST),
        "lift_form": lift_form or NoteForm(),
    }, status=status)


@login_required
@require_safe
def listing_detail(request, pk):
    return _render_listing(request, pk)


@login_required
@require_POST
def listing_lift(request, pk):
    user = request.user
    listing = get_listing_for_user(user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        with refusal_on_form(form):
            services.lift_supervision(listing, actor=user, note=form.cleaned_data["note"])
            messages.success(request, _("Listed supervision lifted."))
            return redirect("supervision:listing_detail", listing.pk)
    return _render_listing(request, pk, lift_form=form, status=400)
