"""What the pages show of approvals (审批): rows with their decision forms for a decider,
and on a matter's page the requests the user may make now."""

from quanfu.errors import RuleBroken
from risks import approvals, permissions
from risks.approval_forms import REQUEST_LABELS, ApprovalDecisionForm, ApprovalRequestForm
from risks.choices import ApprovalKind, ApprovalState, RiskLevel
from risks.transitions import approval_applies, usable_approval


def with_people(queryset):
    return queryset.select_related("risk", "requested_by", "decided_by")


def approval_rows(queryset, user) -> list[dict]:
    """Approvals as the pages show them, each with its decision form for a decider."""
    rows = []
    for approval in queryset:
        row = {"approval": approval, "may_decide": approval.state == ApprovalState.PENDING
               and approvals.may_decide(user, approval)}
        if row["may_decide"]:
            row["form"] = ApprovalDecisionForm(auto_id=f"id_decide_{approval.pk}_%s",
                                               initial={"days": approval.days})
        rows.append(row)
    return rows


def requestable_kinds(risk, user, rows: list[dict]) -> list[str]:
    """The kinds the user may ask for now: they handle the matter, the matter is as the
    kind needs it, nothing of that kind waits or stands approved and unused."""
    if not permissions.user_may(user, permissions.EDIT, risk):
        return []
    waiting = {row["approval"].kind for row in rows
               if row["approval"].state == ApprovalState.PENDING}
    kinds = []
    for kind in ApprovalKind.values:
        if kind in waiting or (kind == ApprovalKind.WRITE_OFF
                               and risk.resolved_by_id == user.pk):
            continue
        try:
            approval_applies(risk, kind, level=RiskLevel.LOW, days=1)
        except RuleBroken:
            continue
        if kind in (ApprovalKind.WRITE_OFF, ApprovalKind.DOWNGRADE) and \
                usable_approval(risk, kind) is not None:
            continue
        kinds.append(kind)
    return kinds


def matter_approvals(risk, user, failed_form=None) -> dict:
    """The matter page's approvals block: its requests, the request buttons, and a refused
    request shown again with its reason."""
    rows = approval_rows(with_people(risk.approvals.all()).order_by("-requested_at", "-id"),
                         user)
    kinds = requestable_kinds(risk, user, rows)
    return {
        "approval_rows": rows,
        "approval_kinds": kinds,
        "approval_requests": [{"kind": kind, "label": REQUEST_LABELS[kind],
                               "form": ApprovalRequestForm(kind=kind)} for kind in kinds],
        "failed_approval": failed_form,
    }
