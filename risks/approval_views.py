"""Approvals (审批) in the pages: the approvals page (a street leader decides what waits
for them, the others follow their requests), a request from a matter's page, and a
decision from either page, which goes back to the page it came from."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from quanfu.refusals import refusal_as_message, refusal_on_form
from risks import approvals, permissions
from risks.approval_forms import ApprovalDecisionForm, ApprovalRequestForm
from risks.approval_page import approval_rows, with_people
from risks.choices import ApprovalKind, ApprovalState
from risks.matter_page import render_matter_page
from risks.scoping import get_risk_for_user

DECIDED_SHOWN = 50


@login_required
@require_safe
@never_cache
def approval_list(request):
    """Pending requests first, counted by kind, each with approve / deny for a decider;
    the latest decided ones below."""
    if not permissions.user_may(request.user, permissions.VIEW):
        raise PermissionDenied(_("Your role may not do this."))
    visible = approvals.visible_approvals(request.user)
    show = request.GET.get("show", "")
    pending = approval_rows(with_people(approvals.pending_shown(request.user, show))
                            .order_by("requested_at", "id"), request.user)
    decided = approval_rows(with_people(visible.exclude(state=ApprovalState.PENDING))
                            .order_by("-decided_at", "-id")[:DECIDED_SHOWN], request.user)
    counts = {kind: 0 for kind in ApprovalKind.values}
    for row in pending:
        counts[row["approval"].kind] += 1
    return render(request, "risks/approval_list.html", {
        "pending": pending, "decided": decided, "decided_shown": DECIDED_SHOWN,
        "counts": [(ApprovalKind(kind).label, kind, count) for kind, count in counts.items()],
        "to_decide": sum(row["may_decide"] for row in pending),
        "show": show if show in (approvals.TO_DECIDE, approvals.MINE) else "",
        # the changes of areas waiting for this leader (grids.restructuring), linked
        "area_changes_to_decide": approvals.pending_counts(request.user)[1],
    })


@login_required
@require_POST
def approval_request(request, pk):
    """A request from the matter's page: back to the page, or the page again with the
    form and the reason it was refused."""
    risk = get_risk_for_user(request.user, pk)
    form = ApprovalRequestForm(request.POST)
    if form.is_valid():
        with refusal_on_form(form):
            data = form.cleaned_data
            approval = approvals.request_approval(
                risk, kind=data["kind"], reason=data["reason"], actor=request.user,
                days=data.get("days"), level=data.get("level") or None)
            messages.success(request, _("Requested: %(kind)s. The street's leaders were "
                                        "told.") % {"kind": approval.get_kind_display()})
            return redirect(reverse("risks:risk_detail", args=[pk]) + "#approvals")
    return render_matter_page(request, pk, approval_form=form, status=400)


@login_required
@require_POST
def approval_decide(request, approval_pk):
    """Approve or deny, then back to the page the form was on (the approvals page or the
    matter's), the outcome said there."""
    approval = get_object_or_404(with_people(approvals.visible_approvals(request.user)),
                                 pk=approval_pk)
    form = ApprovalDecisionForm(request.POST)
    back = _back(request, form)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    with refusal_as_message(request):
        decided = approvals.decide_approval(approval, approve=form.cleaned_data["approve"],
                                            note=form.cleaned_data["note"], actor=request.user,
                                            days=form.cleaned_data["days"])
        messages.success(request, _("%(code)s: %(kind)s %(decision)s.") % {
            "code": decided.risk.code, "kind": decided.get_kind_display(),
            "decision": decided.get_state_display()})
    return redirect(back)


def _back(request, form) -> str:
    next_url = form.data.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                                    require_https=request.is_secure()):
        return next_url
    return reverse("risks:approval_list")
