"""The follow-up calls' pages (回访): the list of written-off matters due a call, with a
small form per row, and recording a call from that list or from the matter's page. A
dissatisfied call leads to the matter's page, which offers to reopen it in one click."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from quanfu.refusals import refusal_on_form
from risks.choices import FollowUpOutcome
from risks.follow_ups import (
    FOLLOW_UP_WORKING_DAYS,
    follow_up_due,
    may_follow_up,
    record_follow_up,
)
from risks.forms import FollowUpForm
from risks.matter_page import render_matter_page
from risks.scoping import get_risk_for_user

LIST_LIMIT = 200  # a community has a handful a week; a street leader's page stays short


def _require(user) -> None:
    if not may_follow_up(user):
        raise PermissionDenied(_("Your role may not do this."))


@login_required
@require_safe
def follow_up_list(request):
    """Matters of the user's scope written off in the last working days, not called back."""
    _require(request.user)
    return render_follow_up_list(request)


def render_follow_up_list(request, *, failed=None, status: int = 200):
    """The list; ``failed``: (matter id, bound form) of a call refused, shown in its row."""
    due = list(follow_up_due(request.user, timezone.localdate())
               .select_related("community", "department")[:LIST_LIMIT])
    rows = [{"risk": risk, "form": (failed[1] if failed and failed[0] == risk.pk else
                                     FollowUpForm(auto_id=f"id_{risk.pk}_%s"))}
            for risk in due]
    return render(request, "risks/follow_up_list.html", {
        "rows": rows, "working_days": FOLLOW_UP_WORKING_DAYS, "limit": LIST_LIMIT},
        status=status)


@login_required
@require_POST
def follow_up_add(request, pk):
    """Record a call (from the list or the matter's page); a dissatisfied one goes to the
    matter's page, where reopening it is one click."""
    risk = get_risk_for_user(request.user, pk)
    from_list = request.POST.get("from") == "list"
    form = FollowUpForm(request.POST, auto_id=f"id_{pk}_%s" if from_list else "id_%s")
    matter_page = reverse("risks:risk_detail", args=[pk]) + "#follow-ups"
    if form.is_valid():
        with refusal_on_form(form):
            follow_up = record_follow_up(risk, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Follow-up call recorded: %(outcome)s.")
                             % {"outcome": follow_up.get_outcome_display()})
            if follow_up.outcome == FollowUpOutcome.DISSATISFIED or not from_list:
                return redirect(matter_page)
            return redirect(_back_to_list(request))
    if from_list:
        return render_follow_up_list(request, failed=(risk.pk, form), status=400)
    return render_matter_page(request, pk, follow_up_form=form, status=400)


def _back_to_list(request) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("risks:follow_up_list")
