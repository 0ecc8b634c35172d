"""What a matter's page shows, gathered in one place: the pages that post to it (notes,
parties, transitions) render it again with their bound form when a rule refuses."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from grids.models import Department
from risks import permissions
from risks.approval_page import matter_approvals
from risks.attachment_page import matter_attachments
from risks.choices import Action, ClockStage, RiskStatus
from risks.clocks import clock_state, is_late
from risks.duplicates import suggest_duplicates
from risks.follow_up_page import matter_follow_ups
from risks.forms import DUTY_LABELS, EmergencyPlanForm, NoteForm, PartyForm, TransitionForm
from risks.masking import mask_name, mask_phone
from risks.matter_panels import MAIN, SIDE, build_matter_panels
from risks.models import DUTY_FIELDS, EmergencyPlan, ResolutionPlan
from risks.routing import proposed_department
from risks.scoping import visible_risks
from risks.timeline import timeline_entries
from risks.transitions import RISK_TRANSITIONS

RISK_RELATIONS = ("category", "subtype", "area", "department", "reported_by", "lead",
                  "duplicate_of", "dispatched_to", *DUTY_FIELDS.values())


def get_matter(user, pk):
    """The matter with what its page shows, through the user's scope (else 404)."""
    return get_object_or_404(visible_risks(user).select_related(*RISK_RELATIONS), pk=pk)


def party_rows(parties, *, unmasked: bool) -> list[dict]:
    """Parties as the page shows them: masked (张*, 138****5678) unless unmasked."""
    rows = []
    for party in parties:
        rows.append({
            "id": party.pk,
            "name": party.name if unmasked else mask_name(party.name),
            "phone": party.phone if unmasked else mask_phone(party.phone),
            "relation": party.get_relation_display(),
        })
    return rows


def visible_suggestions(risk, user) -> list[tuple]:
    """Possible duplicates of a matter still waiting to be checked, limited to the matters
    the user may see (the suggestion service itself looks across the whole community)."""
    suggestions = suggest_duplicates(area=risk.area, category=risk.category, title=risk.title,
                                     description=risk.description, exclude_id=risk.pk)
    return scoped_suggestions(suggestions, user)


def scoped_suggestions(suggestions, user) -> list[tuple]:
    ids = [candidate.pk for candidate, _score in suggestions]
    visible = set(visible_risks(user).filter(pk__in=ids).values_list("pk", flat=True))
    return [(candidate, score) for candidate, score in suggestions if candidate.pk in visible]


# The next step of a matter's life, first offered first: the page's primary action.
LIFE_STEPS = (Action.VERIFY, Action.ACCEPT, Action.START, Action.RESOLVE, Action.CLOSE,
              Action.REOPEN)
# The other actions in the order the page shows them after it; voiding (作废) ends the
# matter and stands apart, at the end, as a destructive action.
OTHER_STEPS = (Action.DISPATCH, Action.CONFIRM_GRADE, Action.RESUME, Action.ESCALATE,
               Action.DEESCALATE, Action.REWORK, Action.RETURN, Action.REOPEN)
DESTRUCTIVE = (Action.REJECT,)
READ_ONLY_STATUSES = (RiskStatus.CLOSED, RiskStatus.INVALID)


def action_buttons(risk, offers: list[tuple[str, str | None]]) -> dict:
    """The actions offered to the user now (RISK_TRANSITIONS.offers), grouped as the page
    shows them: the primary one (the matter's next step), the others, the destructive
    ones apart. An action whose precondition is not met yet (a missing emergency plan, the
    resolver's own write-off) carries its refusal as ``reason`` and is shown disabled.
    Those that need a note (reject, 销号, 标记已化解, reopen, 升级 …) ask for it in a dialog."""
    refusals = dict(offers)
    primary = next((action for action in LIFE_STEPS if action in refusals), None)
    others = [action for action in OTHER_STEPS if action in refusals and action != primary]
    destructive = [action for action in DESTRUCTIVE if action in refusals]
    placed = {primary, *others, *destructive}
    others += [action for action, _reason in offers if action not in placed]

    def button(action) -> dict:
        entry = {"action": action, "label": Action(action).label, "reason": refusals[action],
                 "needs_note": RISK_TRANSITIONS[action].note_required,
                 "form": TransitionForm(initial={"action": action, "version": risk.version},
                                        auto_id=f"id_{action}_%s")}
        if action == Action.DISPATCH and entry["reason"] is None:  # choose the section
            proposed = proposed_department(risk)
            entry.update(needs_dialog=True, proposed=proposed.pk if proposed else None,
                         departments=Department.objects.filter(street_id=risk.street_id))
        entry.setdefault("needs_dialog", entry["needs_note"])
        return entry

    buttons = {"primary": button(primary) if primary else None,
               "others": [button(action) for action in others],
               "destructive": [button(action) for action in destructive]}
    buttons["all"] = [entry for entry in (buttons["primary"], *buttons["others"],
                                          *buttons["destructive"]) if entry]
    buttons["blocked"] = [entry for entry in buttons["all"] if entry["reason"]]
    return buttons


CLOCK_STATES = {"running": _("running"), "paused": _("paused"), "done": _("ended")}


def clock_rows(risk) -> list[dict]:
    """The stages' clocks (时限), oldest first: started, due (the time limit), state, late."""
    now = timezone.now()
    return [{"clock": clock, "stage": ClockStage(clock.stage).label,
             "state": clock_state(clock), "state_label": CLOCK_STATES[clock_state(clock)],
             "late": is_late(clock, now)}
            for clock in risk.clocks.order_by("started_at", "id")]


def emergency_plan_revisions(plan) -> list[dict]:
    """Earlier texts of the emergency plan, newest first, each part under its label."""
    if plan is None:
        return []
    labels = {name: field.label for name, field in EmergencyPlanForm.base_fields.items()}
    return [{"revision": revision, "content": [(labels.get(name, name), text)
                                                for name, text in revision.content.items()]}
            for revision in sorted(plan.revisions.all(), key=lambda row: -row.revision)]


def failed_action(form, offers: list[tuple[str, str | None]]) -> dict | None:
    """A refused action comes back above the buttons with its note as typed and the
    reason next to it; it can be sent again if it is still possible (while a precondition
    is still missing the note is kept and the button stays disabled)."""
    if form is None:
        return None
    action = form.data.get("action", "")
    refusals = dict(offers)
    return {"form": form, "action": action,
            "label": Action(action).label if action in Action.values else "",
            "still_available": action in refusals,
            "blocked": action in refusals and refusals[action] is not None}


def matter_context(request, risk, *, unmasked: bool = False, **forms) -> dict:
    user = request.user
    may = {operation: permissions.user_may(user, operation, risk) for operation in (
        permissions.EDIT, permissions.ASSIGN, permissions.NOTE, permissions.PARTY,
        permissions.PLAN)}
    emergency_plan = (EmergencyPlan.objects.filter(risk=risk)
                      .prefetch_related("revisions__revised_by", "drills__recorded_by").first())
    events = risk.events.select_related("actor").order_by("created_at", "id")
    offers = RISK_TRANSITIONS.offers(risk, user)
    actions = [action for action, reason in offers if reason is None]
    panels = build_matter_panels(risk, user)
    # a written-off or void matter is kept as it was: only reopening it changes it
    read_only = risk.status in READ_ONLY_STATUSES
    return {
        "risk": risk,
        "duties": [(DUTY_LABELS[duty], getattr(risk, field))
                   for duty, field in DUTY_FIELDS.items()],
        "parties": party_rows(risk.parties.all(), unmasked=unmasked),
        "parties_unmasked": unmasked,
        "may_unmask": permissions.may_unmask(user),
        "read_only": read_only,
        "may_edit": not read_only and (may[permissions.EDIT] or may[permissions.ASSIGN]),
        "may_note": not read_only and may[permissions.NOTE],
        "may_party": not read_only and may[permissions.PARTY],
        "may_plan": not read_only and may[permissions.PLAN],
        "may_link": Action.REJECT in actions,
        "plan": ResolutionPlan.objects.filter(risk=risk).select_related("owner").first(),
        "emergency_plan": emergency_plan,
        "emergency_plan_revisions": emergency_plan_revisions(emergency_plan),
        "timeline": timeline_entries(events),
        "actions": action_buttons(risk, offers),
        "failed_action": failed_action(forms.get("transition_form"), offers),
        "note_form": forms.get("note_form") or NoteForm(),
        "party_form": forms.get("party_form") or PartyForm(),
        "suggestions": (visible_suggestions(risk, user)
                        if risk.status == RiskStatus.REPORTED else []),
        "duplicates": visible_risks(user).filter(duplicate_of=risk).order_by("code"),
        "duplicate_of_visible": bool(risk.duplicate_of_id and visible_risks(user).filter(
            pk=risk.duplicate_of_id).exists()),
        **matter_approvals(risk, user, forms.get("approval_form")),
        "clocks": clock_rows(risk),
        **matter_follow_ups(risk, user, actions, forms.get("follow_up_form")),
        **matter_attachments(risk, user, forms.get("attachment_form")),
        # what the apps above the register add (risks.matter_panels)
        "main_panels": panels.in_column(MAIN),
        "side_panels": panels.in_column(SIDE),
        "badge_panels": panels.with_badges,
        "next_steps": panels.steps,
    }


@never_cache
def render_matter_page(request, pk, *, status: int = 200, unmasked: bool = False, **forms):
    """The matter's page; ``forms`` are bound forms to show again with their errors."""
    risk = get_matter(request.user, pk)
    context = matter_context(request, risk, unmasked=unmasked, **forms)
    return render(request, "risks/risk_detail.html", context, status=status)
