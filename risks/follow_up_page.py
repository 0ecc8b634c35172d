"""The follow-up block of a matter's page (回访): the calls made, a form on a written-off
matter for those who call back, and after a dissatisfied call the reopen transition in one
click, its note prefilled from the call."""

from django.utils.translation import gettext as _

from risks.choices import Action, FollowUpOutcome, RiskStatus
from risks.follow_ups import follow_ups_of, may_follow_up
from risks.forms import FollowUpForm, TransitionForm

CALLED_STATUSES = (RiskStatus.RESOLVING, RiskStatus.RESOLVED, RiskStatus.CLOSED)


def reopen_note(note: str) -> str:
    return _("Follow-up call dissatisfied: %(note)s") % {
        "note": note or _("(nothing noted)")}


def matter_follow_ups(risk, user, actions: list[str], form=None) -> dict:
    """What the page's follow-up block shows (one query: the calls)."""
    closed = risk.status == RiskStatus.CLOSED
    # only a matter written off once has calls (a reopened one is handled again)
    calls = list(follow_ups_of(risk)) if risk.status in CALLED_STATUSES else []
    latest = calls[0] if calls else None
    reopen = None
    if (closed and latest is not None and latest.outcome == FollowUpOutcome.DISSATISFIED
            and Action.REOPEN in actions):
        reopen = TransitionForm(initial={"action": Action.REOPEN, "version": risk.version,
                                         "note": reopen_note(latest.note)},
                                auto_id="id_follow_up_reopen_%s")
    return {
        "follow_ups": calls,
        "may_follow_up": closed and may_follow_up(user, risk),
        "follow_up_form": form or FollowUpForm(),
        "follow_up_reopen": reopen,
    }
