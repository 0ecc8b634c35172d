"""Changes of areas (区域调整) in the pages: the list, the request form of each kind (a
community officer for their community's grids, the street's people for the street), the
change's page with its preview (what will move, and by which rule) and, for a street
leader who did not ask, approve (which applies it) or refuse; the requester may withdraw.
Each action lands on the change's page with what happened said there."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from grids import restructuring
from grids.change_forms import FORMS, DecisionForm, SplitForm
from grids.choices import AreaChangeKind, AreaChangeState
from grids.models import Area
from grids.transitions import AREA_CHANGE_TRANSITIONS, AreaChangeAction
from quanfu.refusals import refusal_as_message, refusal_on_form

LIST_SHOWN = 100


def _change_url(change) -> str:
    return reverse("grids:area_change_detail", args=[change.pk])


@login_required
@require_safe
@never_cache
def change_list(request):
    """Waiting changes first (those waiting for me counted), then the latest decided."""
    visible = restructuring.visible_changes(request.user).select_related(
        "community", "street", "requested_by", "decided_by")
    waiting = list(visible.filter(state=AreaChangeState.REQUESTED)
                   .order_by("requested_at", "id")[:LIST_SHOWN])
    decided = list(visible.exclude(state=AreaChangeState.REQUESTED)
                   .order_by("-decided_at", "-id")[:LIST_SHOWN])
    areas = Area.objects.in_bulk({change.spec.get("area") for change in waiting + decided
                                  if isinstance(change.spec.get("area"), int)})
    for change in waiting + decided:
        change.area = areas.get(change.spec.get("area"))
    to_decide = set(restructuring.pending_for(request.user).values_list("pk", flat=True))
    return render(request, "grids/change_list.html", {
        "waiting": waiting, "decided": decided, "to_decide": to_decide,
        "shown": LIST_SHOWN,
    })


def _split_choices(area):
    """The things a split's requester may place by hand: the open matters and micro-grids
    of the grid, and the people attached to it."""
    items = restructuring.open_items([area])
    return {"matters": [item for item in items if item.area_id == area.pk],
            "microgrids": list(area.children.filter(closed_on__isnull=True).order_by("code")),
            "people": restructuring.attached_people([area])}


@login_required
@never_cache
def change_request(request, pk, kind):
    """The request form of one kind for one area; sent, the change's page (its preview)."""
    area = restructuring.area_for_request(request.user, pk)
    if kind not in FORMS or kind not in restructuring.kinds_for(area):
        raise Http404("No such change for this area.")
    form_class = FORMS[kind]
    extra = _split_choices(area) if form_class is SplitForm else {}
    form = form_class(request.POST or None, request.FILES or None, area=area,
                      user=request.user, **extra)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with refusal_on_form(form, {"parts": "parts", "areas": "others", "area": None}):
                change = restructuring.request_change(actor=request.user,
                                                      **form.service_arguments())
                messages.success(request, _("Requested. A street leader decides it; nothing "
                                            "changes until then."))
                return redirect(_change_url(change))
    return render(request, "grids/change_request.html", {
        "area": area, "form": form, "kind": kind,
        "kind_label": AreaChangeKind(kind).label,
    }, status=status)


@login_required
@require_safe
@never_cache
def change_detail(request, pk):
    """A change: what it asks, its preview while it waits (what will move and by which
    rule, or why it cannot be applied now), what it moved once applied."""
    change = restructuring.get_change_for_user(request.user, pk)
    plan = None
    if change.state == AreaChangeState.REQUESTED:
        plan = restructuring.plan_change(change)
    area = Area.objects.filter(pk=change.spec.get("area")).first() \
        if isinstance(change.spec.get("area"), int) else None
    offers = dict(AREA_CHANGE_TRANSITIONS.offers(change, request.user))
    return render(request, "grids/change_detail.html", {
        "change": change, "plan": plan, "area": area,
        "may_approve": AreaChangeAction.APPROVE in offers,
        "may_refuse": AreaChangeAction.REFUSE in offers,
        "may_withdraw": AreaChangeAction.WITHDRAW in offers,
        "decision_form": DecisionForm(),
        "lineage": change.lineage.select_related("predecessor", "successor")
        if change.state == AreaChangeState.APPLIED else [],
    })


def _decide(request, pk, action):
    change = restructuring.get_change_for_user(request.user, pk)
    form = DecisionForm(request.POST)
    note = form.data.get("note", "")
    with refusal_as_message(request):
        if action == AreaChangeAction.APPROVE:
            restructuring.approve_change(change, actor=request.user, note=note)
            messages.success(request, _("Approved and applied: the areas have changed."))
        elif action == AreaChangeAction.REFUSE:
            restructuring.refuse_change(change, actor=request.user, note=note)
            messages.success(request, _("Refused: nothing was changed."))
        else:
            restructuring.withdraw_change(change, actor=request.user)
            messages.success(request, _("Withdrawn: nothing was changed."))
    return redirect(_change_url(change))


@login_required
@require_POST
def change_approve(request, pk):
    return _decide(request, pk, AreaChangeAction.APPROVE)


@login_required
@require_POST
def change_refuse(request, pk):
    return _decide(request, pk, AreaChangeAction.REFUSE)


@login_required
@require_POST
def change_withdraw(request, pk):
    return _decide(request, pk, AreaChangeAction.WITHDRAW)
