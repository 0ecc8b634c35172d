"""Action items (会议交办事项): the list (mine, overdue, by tier), and one item's page with
its progress notes and the buttons to mark it done, cancel or reopen it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from meetings import permissions, services
from meetings.choices import ActionItemAction
from meetings.filters import ActionItemFilterSet
from meetings.forms import ActionItemTransitionForm, NoteForm
from meetings.scoping import get_action_item_for_user, visible_action_items
from meetings.transitions import ACTION_ITEM_TRANSITIONS
from quanfu.refusals import refusal_on_form
from quanfu.scoped_views import ScopedListView


class ActionItemListView(ScopedListView):
    template_name = "meetings/action_item_list.html"
    filterset_class = ActionItemFilterSet
    context_object_name = "action_items"
    paginate_by = 50

    def visible_queryset(self, user):
        return (visible_action_items(user)
                .select_related("meeting", "owner", "owner_department", "item__risk")
                .order_by("status", "deadline", "id"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["current"] = {key: self.request.GET.get(key, "")
                              for key in ("mine", "overdue", "status")}
        return context


def _buttons(user, action_item) -> list[dict]:
    """The transitions the user may make now, each with its form (they all need a note)."""
    return [{"action": action, "label": action.label,
             "form": ActionItemTransitionForm(initial={"action": action},
                                              auto_id=f"id_{action}_%s")}
            for action in ACTION_ITEM_TRANSITIONS.available(action_item, user)]


@never_cache
def _render(request, pk, *, status=200, note_form=None, transition_form=None):
    user = request.user
    action_item = get_action_item_for_user(user, pk)
    may_note = permissions.may_follow_up(user, action_item) and action_item.is_in_force
    return render(request, "meetings/action_item_detail.html", {
        "action_item": action_item,
        "progress": action_item.progress.select_related("actor").order_by("created_at", "id"),
        "may_note": may_note,
        "note_form": note_form or NoteForm(),
        "buttons": _buttons(user, action_item),
        "transition_form": transition_form,
    }, status=status)


@login_required
def action_item_detail(request, pk):
    return _render(request, pk)


@login_required
@require_POST
def action_item_note(request, pk):
    action_item = get_action_item_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        with refusal_on_form(form):
            services.add_progress_note(action_item, actor=request.user,
                                       note=form.cleaned_data["note"])
            return redirect("meetings:action_item_detail", pk)
    return _render(request, pk, status=400, note_form=form)


@login_required
@require_POST
def action_item_transition(request, pk):
    action_item = get_action_item_for_user(request.user, pk)
    form = ActionItemTransitionForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        with refusal_on_form(form):
            services.transition_action_item(action_item, action, actor=request.user,
                                            note=form.cleaned_data["note"])
            messages.success(request, _("Done: %(action)s.")
                             % {"action": ActionItemAction(action).label})
            return redirect("meetings:action_item_detail", pk)
    return _render(request, pk, status=400, transition_form=form)
