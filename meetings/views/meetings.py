"""Meetings and their record: the list, the calendar, convening, the meeting's page,
editing a draft, approval, amendments and the printable minutes."""

import calendar
from collections import defaultdict
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings import permissions, services
from meetings.choices import ActionItemStatus, MeetingStatus
from meetings.filters import MeetingFilterSet
from meetings.forms import AmendDecisionForm, AmendMinutesForm, MeetingFilterForm, MeetingForm
from meetings.meeting_page import meeting_action_items, meeting_items, render_meeting_page
from meetings.models import ActionItem, MeetingItem
from meetings.scoping import get_meeting_for_user, visible_meetings
from meetings.views.common import meeting_url
from quanfu.refusals import caught_refusal, refusal_as_message, refusal_on_form
from quanfu.scoped_views import ScopedListView
from risks.choices import Tier


def _count_of(model, **filters):
    counts = (model.objects.filter(meeting=OuterRef("pk"), **filters).order_by()
              .values("meeting").annotate(total=Count("pk")).values("total"))
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


class MeetingListView(ScopedListView):
    """The meetings the user sees, newest first, by tier; a fixed number of queries."""

    template_name = "meetings/meeting_list.html"
    filterset_class = MeetingFilterSet
    context_object_name = "meetings"
    paginate_by = 30

    def visible_queryset(self, user):
        return (visible_meetings(user).select_related("area", "chair")
                .annotate(item_count=_count_of(MeetingItem),
                          open_action_count=_count_of(ActionItem,
                                                      status=ActionItemStatus.OPEN))
                .order_by("-held_on", "-id"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = MeetingFilterForm(self.request.GET or None)
        context["tiers"] = Tier.choices
        context["current_tier"] = self.request.GET.get("tier", "")
        context["may_convene"] = permissions.may_manage_some_tier(self.request.user)
        return context


def _month(value: str | None) -> date:
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@login_required
def meeting_calendar(request):
    """A month of meetings, by day, optionally of one tier."""
    first = _month(request.GET.get("month"))
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    meetings = visible_meetings(request.user).filter(held_on__range=(weeks[0][0], weeks[-1][-1]))
    tier = request.GET.get("tier", "")
    if tier in Tier.values:
        meetings = meetings.filter(tier=tier)
    by_day = defaultdict(list)
    for meeting in meetings.select_related("area").order_by("held_on", "tier", "id"):
        by_day[meeting.held_on].append(meeting)
    today = timezone.localdate()
    previous = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return render(request, "meetings/meeting_calendar.html", {
        "month": first, "month_param": first.strftime("%Y-%m"),
        "tier": tier if tier in Tier.values else "", "tiers": Tier.choices,
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "weeks": [[{"day": day, "in_month": day.month == first.month, "today": day == today,
                    "meetings": by_day.get(day, [])} for day in week] for week in weeks],
        "previous": previous.strftime("%Y-%m"), "following": following.strftime("%Y-%m"),
    })


@login_required
def meeting_create(request):
    """Convene a meeting (a draft): its tier, kind, date, chair and attendees."""
    if not permissions.may_manage_some_tier(request.user):
        raise PermissionDenied(_("Your role does not convene meetings."))
    form = MeetingForm(request.POST or None, user=request.user,
                       initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            meeting = services.create_meeting(actor=request.user, **form.service_arguments())
            messages.success(request, _("Meeting created as a draft. Put the agenda "
                                        "together below."))
            return redirect(meeting_url(meeting.pk))
    return render(request, "meetings/meeting_form.html", {"form": form})


@login_required
def meeting_detail(request, pk):
    return render_meeting_page(request, pk)


@login_required
def meeting_edit(request, pk):
    """Change a draft's details, attendees and minutes. Approved minutes are amended."""
    meeting = get_meeting_for_user(request.user, pk)
    if not permissions.may_manage(request.user, meeting):
        raise PermissionDenied(_("You may not change the record of this meeting."))
    if meeting.is_locked:
        messages.info(request, _("The minutes are approved and locked; record an amendment "
                                 "instead."))
        return redirect("meetings:meeting_amend", pk)
    initial = {**MeetingForm.initial_for(meeting), "version": meeting.version}
    form = MeetingForm(request.POST or None, user=request.user, meeting=meeting,
                       initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        arguments = form.service_arguments()
        version = arguments.pop("version", None)
        with refusal_on_form(form) as refusal:
            services.update_meeting(meeting, actor=request.user, version=version, **arguments)
            messages.success(request, _("Changes saved."))
            return redirect(meeting_url(pk))
        status = refusal.status
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting},
                  status=status)


@login_required
@require_POST
def meeting_discard(request, pk):
    meeting = get_meeting_for_user(request.user, pk)
    with refusal_as_message(request):
        services.discard_meeting(meeting, actor=request.user)
        messages.success(request, _("The draft meeting was deleted."))
        return redirect("meetings:meeting_list")
    return redirect(meeting_url(pk))


@login_required
@require_POST
def meeting_approve(request, pk):
    """Approve the minutes: the decisions take effect and the record is locked."""
    meeting = get_meeting_for_user(request.user, pk)
    with caught_refusal() as refusal:
        services.approve_meeting(meeting, actor=request.user)
        messages.success(request, _("Minutes approved: the decisions have taken effect and "
                                    "the record is locked."))
        return redirect(meeting_url(pk))
    return render_meeting_page(request, pk, status=refusal.status,
                               approve_errors=[refusal.message])


@login_required
def meeting_amend(request, pk):
    """Amend approved minutes or the text of a decision; each amendment keeps the text it
    replaced, the reason, who and when."""
    meeting = get_meeting_for_user(request.user, pk)
    if not permissions.may_manage(request.user, meeting):
        raise PermissionDenied(_("You may not change the record of this meeting."))
    if not meeting.is_locked:
        return redirect("meetings:meeting_edit", pk)
    items = [item for item in meeting_items(request.user, meeting) if item.is_decided]
    minutes_form = AmendMinutesForm(initial={"minutes": meeting.minutes}, prefix="minutes")
    decision_forms = {item.pk: AmendDecisionForm(initial={"note": item.decision_note},
                                                 prefix=f"item-{item.pk}") for item in items}
    status = 200
    if request.method == "POST":
        if request.POST.get("part") == "minutes":
            minutes_form = AmendMinutesForm(request.POST, prefix="minutes")
            if minutes_form.is_valid():
                with refusal_on_form(minutes_form):
                    services.amend_minutes(meeting, actor=request.user, **minutes_form.cleaned_data)
                    return _amended(request, pk)
        else:
            item = next((item for item in items
                         if str(item.pk) == request.POST.get("item")), None)
            if item is None:
                raise Http404("No such decision.")
            form = AmendDecisionForm(request.POST, prefix=f"item-{item.pk}")
            decision_forms[item.pk] = form
            if form.is_valid():
                with refusal_on_form(form):
                    services.amend_decision(item, actor=request.user, **form.cleaned_data)
                    return _amended(request, pk)
        status = 400
    for item in items:
        item.amend_form = decision_forms[item.pk]
    return render(request, "meetings/meeting_amend.html", {
        "meeting": meeting, "minutes_form": minutes_form, "items": items}, status=status)


def _amended(request, pk):
    messages.success(request, _("Amendment recorded; the approved text is kept in its "
                                "history."))
    return redirect(meeting_url(pk, "amendments"))


@login_required
def meeting_print(request, pk):
    """The minutes as a printable A4 document (纪要)."""
    meeting = get_meeting_for_user(request.user, pk)
    if meeting.status != MeetingStatus.APPROVED and not permissions.may_manage(request.user,
                                                                                meeting):
        raise Http404("No approved minutes.")
    items = meeting_items(request.user, meeting)
    action_items = meeting_action_items(request.user, meeting)
    return render(request, "meetings/meeting_print.html", {
        "meeting": meeting, "items": items, "action_items": action_items,
        "attendees": list(meeting.attendees.order_by("username")),
        "departments": list(meeting.departments.order_by("code")),
        "amendments": list(meeting.amendments.select_related("amended_by"))
        if meeting.shows_record else [],
        "printed_at": timezone.localtime(),
    })
