"""What a matter's page shows, gathered in one place: the pages that post to it (notes,
parties, transitions) render it again with their bound form when a rule refuses."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from grids.models import Department
from risks import permissions
from risks.approval_page import matter_approvals
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
from risks.services import available_actions
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


def action_buttons(risk, actions: list[str]) -> list[dict]:
    """The actions the user may take now, each with its form: those that need a note
    (reject, 销号, reopen, 升级, deescalate) ask for it in a dialog."""
    buttons = []
    for action in actions:
        button = {"action": action, "label": Action(action).label,
                  "needs_note": RISK_TRANSITIONS[action].note_required,
                  "form": TransitionForm(initial={"action": action, "version": risk.version},
                                         auto_id=f"id_{action}_%s")}
        if action == Action.DISPATCH:  # a dialog to choose the section, its own proposed
            proposed = proposed_department(risk)
            button.update(needs_dialog=True, proposed=proposed.pk if proposed else None,
                          departments=Department.objects.filter(street_id=risk.street_id))
        button.setdefault("needs_dialog", button["needs_note"])
        buttons.append(button)
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


def failed_action(form, actions: list[str]) -> dict | None:
    """A refused action comes back above the buttons with its note as typed and the
    reason next to it; it can be sent again if it is still possible."""
    if form is None:
        return None
    action = form.data.get("action", "")
    return {"form": form, "action": action,
            "label": Action(action).label if action in Action.values else "",
            "still_available": action in actions}


def matter_context(request, risk, *, unmasked: bool = False, **forms) -> dict:
    user = request.user
    may = {operation: permissions.user_may(user, operation, risk) for operation in (
        permissions.EDIT, permissions.ASSIGN, permissions.NOTE, permissions.PARTY,
        permissions.PLAN)}
    emergency_plan = (EmergencyPlan.objects.filter(risk=risk)
                      .prefetch_related("revisions__revised_by", "drills__recorded_by").first())
    events = risk.events.select_related("actor").order_by("created_at", "id")
    actions = available_actions(risk, user)
    panels = build_matter_panels(risk, user)
    return {
        "risk": risk,
        "duties": [(DUTY_LABELS[duty], getattr(risk, field))
                   for duty, field in DUTY_FIELDS.items()],
        "parties": party_rows(risk.parties.all(), unmasked=unmasked),
        "parties_unmasked": unmasked,
        "may_unmask": permissions.may_unmask(user),
        "may_edit": may[permissions.EDIT] or may[permissions.ASSIGN],
        "may_note": may[permissions.NOTE],
        "may_party": may[permissions.PARTY],
        "may_plan": may[permissions.PLAN],
        "may_link": Action.REJECT in actions,
        "plan": ResolutionPlan.objects.filter(risk=risk).select_related("owner").first(),
        "emergency_plan": emergency_plan,
        "emergency_plan_revisions": emergency_plan_revisions(emergency_plan),
        "timeline": timeline_entries(events),
        "actions": action_buttons(risk, actions),
        "failed_action": failed_action(forms.get("transition_form"), actions),
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
