"""What posts to a draft meeting's page: agenda items, decisions and action items. A rule
refused shows the page again with the form as typed and the reason beside it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings import permissions, services
from meetings.forms import ActionItemForm, AgendaItemForm, DecisionForm
from meetings.meeting_page import meeting_items, render_meeting_page
from meetings.models import MeetingItem
from meetings.scoping import get_meeting_for_user, visible_action_items
from meetings.views.common import meeting_url
from quanfu.refusals import refusal_as_message, refusal_on_form
from risks.matter_panels import matter_page_url, returns_to_matter
from risks.scoping import visible_risks


def _managed_meeting(request, pk):
    """The meeting through the user's scope (else 404), refused early (403) to those who
    may see it but not change it, before any input is looked at."""
    meeting = get_meeting_for_user(request.user, pk)
    if not permissions.may_manage(request.user, meeting):
        raise PermissionDenied(_("You may not change the record of this meeting."))
    return meeting


def _item_of(user, meeting, item_pk) -> MeetingItem:
    """An agenda item of this meeting that the user sees, else 404."""
    item = next((item for item in meeting_items(user, meeting) if item.pk == item_pk), None)
    if item is None:
        raise Http404("No such agenda item.")
    item.meeting = meeting
    return item


@login_required
@require_POST
def agenda_add(request, pk):
    """Put a matter, an overdue action item or a topic on the agenda."""
    meeting = _managed_meeting(request, pk)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        risk = action_item = None
        if data["risk"]:
            risk = visible_risks(request.user).filter(pk=data["risk"]).first()
            if risk is None:
                raise Http404("No such matter.")
        if data["action_item"]:
            action_item = (visible_action_items(request.user).select_related("meeting")
                           .filter(pk=data["action_item"]).first())
            if action_item is None:
                raise Http404("No such action item.")
        if risk is not None and returns_to_matter(request):
            # put on the agenda from the matter's page: back there, a refusal said on it
            with refusal_as_message(request):
                services.add_agenda_item(meeting, actor=request.user, risk=risk)
                messages.success(request, _("Put on the agenda of %(meeting)s.")
                                 % {"meeting": meeting})
            return redirect(matter_page_url(risk.pk, "meetings"))
        # the matter and the action item are hidden fields: their refusals go above the form
        with refusal_on_form(form, {"risk": None, "action_item": None}):
            services.add_agenda_item(meeting, actor=request.user, risk=risk,
                                     action_item=action_item, topic=data["topic"])
            return redirect(meeting_url(pk, "agenda"))
    return render_meeting_page(request, pk, status=400, agenda_form=form)


@login_required
@require_POST
def agenda_adopt(request, pk):
    """Put every proposed item on the agenda."""
    meeting = _managed_meeting(request, pk)
    with refusal_as_message(request):
        added = services.adopt_proposed_agenda(meeting, actor=request.user)
        messages.success(request, _("%(count)s proposed items put on the agenda.")
                         % {"count": len(added)})
    return redirect(meeting_url(pk, "agenda"))


@login_required
@require_POST
def agenda_remove(request, pk, item_pk):
    meeting = _managed_meeting(request, pk)
    item = _item_of(request.user, meeting, item_pk)
    with refusal_as_message(request):
        services.remove_agenda_item(item, actor=request.user)
    return redirect(meeting_url(pk, "agenda"))


@login_required
@require_POST
def decision_record(request, pk, item_pk):
    """The meeting's decision on one agenda item (it takes effect on approval)."""
    meeting = _managed_meeting(request, pk)
    item = _item_of(request.user, meeting, item_pk)
    form = DecisionForm(request.POST, kind=item.kind, tier=meeting.tier,
                        prefix=f"item-{item.pk}")
    if form.is_valid():
        with refusal_on_form(form):
            services.record_decision(item, actor=request.user, **form.cleaned_data)
            return redirect(meeting_url(pk, f"item-{item.pk}"))
    return render_meeting_page(request, pk, status=400, decision_form=(item.pk, form))


@login_required
@require_POST
def action_item_add(request, pk):
    """Assign an action item (on approved minutes: an amendment, with a reason)."""
    meeting = _managed_meeting(request, pk)
    items = meeting_items(request.user, meeting)
    form = ActionItemForm(request.POST, user=request.user, meeting=meeting, items=items)
    if form.is_valid():
        with refusal_on_form(form):
            services.add_action_item(meeting, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Action item added."))
            return redirect(meeting_url(pk, "action-items"))
    return render_meeting_page(request, pk, status=400, action_item_form=form)


@login_required
@require_POST
def action_item_remove(request, pk, action_item_pk):
    meeting = _managed_meeting(request, pk)
    action_item = (visible_action_items(request.user)
                   .filter(pk=action_item_pk, meeting=meeting).first())
    if action_item is None:
        raise Http404("No such action item.")
    action_item.meeting = meeting
    with refusal_as_message(request):
        services.remove_action_item(action_item, actor=request.user)
    return redirect(meeting_url(pk, "action-items"))

