"""A matter's pages: reporting it, its page, editing it, and what posts to its page
(actions, notes, parties, plans); the list and its bulk actions are in list_views.

Each is thin: a form checks the input, the matter comes through the user's scope
(outside it: 404), one service does the work, and a refusal is shown where the user can
act on it: RuleBroken next to its field with what they typed, Forbidden as 403,
StaleVersion as "someone else changed it" with nothing applied (quanfu.refusals)."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from audit.services import Origin
from quanfu.files import ceiling_message, ceiling_passed
from quanfu.refusals import refusal_as_message, refusal_on_form
from quanfu.security import uses_device_features
from risks import permissions, services
from risks.choices import Action
from risks.forms import (
    DrillForm,
    DuplicateQueryForm,
    EmergencyPlanForm,
    LinkDuplicateForm,
    NoteForm,
    PartyForm,
    ResolutionPlanForm,
    RiskEditForm,
    RiskReportForm,
    TransitionForm,
)
from risks.matter_page import (
    get_matter,
    party_rows,
    render_matter_page,
    scoped_suggestions,
)
from risks.models import EmergencyPlan, Party, ResolutionPlan
from risks.scoping import get_risk_for_user, visible_risks


def require(user, operation: str, risk=None) -> None:
    """For pages that only show a form: refuse early what the service would refuse."""
    if not permissions.user_may(user, operation, risk):
        raise PermissionDenied(_("Your role may not do this."))


def matter_url(risk_id, anchor: str = "") -> str:
    return reverse("risks:risk_detail", args=[risk_id]) + (f"#{anchor}" if anchor else "")


# Reporting --------------------------------------------------------------------------------

@login_required
@uses_device_features("geolocation", "camera")  # position, photos
def risk_create(request):
    """Report a matter (排查上报). Possible duplicates are shown while typing and again on
    the new matter's page; they never block saving."""
    require(request.user, permissions.REPORT)
    form = RiskReportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and ceiling_passed(request):
        form.is_valid()  # the photos were cut off (and whatever followed): nothing is saved
        form.add_error("photos", ceiling_message())
    elif request.method == "POST" and form.is_valid():
        with refusal_on_form(form):  # a party's refusal: RiskReportForm.service_fields
            # the photos go with the report, in its transaction: all or nothing
            result = services.report_risk_with_photos(
                actor=request.user, photos=form.cleaned_data["photos"],
                **form.service_arguments())
            messages.success(request, _("Matter %(code)s reported.") % {"code": result.risk.code})
            if scoped_suggestions(result.suggestions, request.user):
                messages.warning(request, _("Possible duplicates were found: check them below "
                                            "the matter's facts."))
            return redirect(matter_url(result.risk.pk))
    return render(request, "risks/risk_report.html", {"form": form})


@login_required
@require_POST
def risk_duplicate_suggestions(request):
    """htmx: possible duplicates of what the report form holds so far (never blocking)."""
    form = DuplicateQueryForm(request.POST, user=request.user)
    suggestions = []
    if permissions.user_may(request.user, permissions.REPORT) and form.is_valid() \
            and form.has_enough_text():
        found = services.suggest_duplicates(
            area=form.cleaned_data["area"], category=form.cleaned_data["category"],
            title=form.cleaned_data["title"], description=form.cleaned_data["description"])
        suggestions = scoped_suggestions(found, request.user)
    return render(request, "risks/includes/duplicate_suggestions.html",
                  {"suggestions": suggestions, "open_in_new_tab": True})


# A matter's page and what posts to it -----------------------------------------------------

@login_required
@uses_device_features("camera")  # photos of the matter (its attachments)
@require_safe
def risk_detail(request, pk):
    """The matter: facts, duties, masked parties, plans, timeline, and the buttons for
    exactly the actions the user may take now."""
    return render_matter_page(request, pk)


@login_required
@uses_device_features("geolocation", "camera")  # position, photos
def risk_edit(request, pk):
    """Change the facts; level, duties and lead only for those who may assign. The form
    carries the version the user read: if someone saved in between, nothing is applied."""
    user = request.user
    risk = get_matter(user, pk)
    may_edit = permissions.user_may(user, permissions.EDIT, risk)
    may_assign = permissions.user_may(user, permissions.ASSIGN, risk)
    if not (may_edit or may_assign):
        raise PermissionDenied(_("Your role may not change this matter."))
    form_options = {"risk": risk, "user": user, "may_edit": may_edit, "may_assign": may_assign}
    form = RiskEditForm(request.POST or None, **form_options)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form) as refusal:
            services.update_risk(risk, actor=user, version=form.cleaned_data["version"],
                                 changes=form.changes())
            messages.success(request, _("Changes saved."))
            return redirect(matter_url(pk))
        if refusal.is_stale:
            return render_stale_edit(request, pk, form, form_options)
    return render(request, "risks/risk_edit.html", {"risk": risk, "form": form})


def render_stale_edit(request, pk, typed_form, form_options):
    """Someone saved the matter after this user opened it: show the matter as it is now,
    and beside it what this user typed, so that nothing is overwritten unseen."""
    risk = get_matter(request.user, pk)
    form_options["risk"] = risk
    fresh = RiskEditForm(**form_options)
    typed = []
    for name in typed_form.changed_data:
        if name == "version" or name not in fresh.fields:
            continue
        bound = typed_form[name]
        typed.append({"label": bound.label, "value": _display(bound)})
    context = {"risk": risk, "form": fresh, "stale": True, "typed": typed}
    return render(request, "risks/risk_edit.html", context, status=409)


def _display(bound_field) -> str:
    value = bound_field.form.cleaned_data.get(bound_field.name)
    if value in (None, ""):
        return "—"
    field = bound_field.field
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if hasattr(field, "label_from_instance"):
        return field.label_from_instance(value)
    choices = dict(getattr(field, "choices", []) or [])
    return str(choices.get(value, value))


@login_required
@require_POST
def risk_transition(request, pk):
    """One of the actions on the page's buttons; those needing a note bring it along."""
    risk = get_risk_for_user(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return render_matter_page(request, pk, transition_form=form, status=400)
    action = form.cleaned_data["action"]
    with refusal_on_form(form) as refusal:
        services.transition_risk(risk, action, actor=request.user,
                                 note=form.cleaned_data["note"],
                                 version=form.cleaned_data["version"],
                                 department=form.cleaned_data["department"])
        messages.success(request, _("Done: %(action)s.") % {"action": Action(action).label})
        if not visible_risks(request.user).filter(pk=pk).exists():
            # returned (退回) by the section it was sent to: no longer theirs to open
            return redirect("risks:risk_list")
        return redirect(matter_url(pk))
    if refusal.is_stale:
        return render_stale_transition(request, pk)
    return render_matter_page(request, pk, transition_form=form, status=400)


def render_stale_transition(request, pk):
    """Someone changed the matter after this user opened it: the page as it is now, the
    action's form filled in again with the version now current."""
    risk = get_risk_for_user(request.user, pk)
    data = request.POST.copy()
    data["version"] = risk.version
    fresh = TransitionForm(data)
    fresh.is_valid()
    fresh.add_error(None, _("Someone else changed this matter while you were looking at "
                            "it, so nothing was done. Check it again below, then repeat "
                            "the action if it still applies."))
    return render_matter_page(request, pk, transition_form=fresh, status=409)


@login_required
@require_POST
def risk_note_add(request, pk):
    risk = get_risk_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        with refusal_on_form(form):
            services.add_note(risk, actor=request.user, note=form.cleaned_data["note"])
            return redirect(matter_url(pk, "timeline"))
    return render_matter_page(request, pk, note_form=form, status=400)


@login_required
@require_POST
def risk_party_add(request, pk):
    risk = get_risk_for_user(request.user, pk)
    form = PartyForm(request.POST)
    if form.is_valid():
        with refusal_on_form(form):
            services.add_party(risk, actor=request.user, **form.cleaned_data)
            return redirect(matter_url(pk, "parties"))
    return render_matter_page(request, pk, party_form=form, status=400)


@login_required
@require_POST
def risk_party_remove(request, pk, party_pk):
    risk = get_risk_for_user(request.user, pk)
    party = get_object_or_404(Party.objects.select_related("risk"), risk=risk, pk=party_pk)
    services.remove_party(party, actor=request.user)
    return redirect(matter_url(pk, "parties"))


@login_required
@require_POST
def risk_parties_unmask(request, pk):
    """Names and phones in the clear, for holders of the permission; the read is logged.
    htmx swaps the parties' table in place; without htmx the whole page comes back."""
    risk = get_risk_for_user(request.user, pk)
    parties = services.reveal_parties(risk, actor=request.user, origin=Origin.of(request))
    if request.headers.get("HX-Request"):
        response = render(request, "risks/includes/parties_table.html", {
            "risk": risk, "parties": party_rows(parties, unmasked=True),
            "parties_unmasked": True,
            "may_party": permissions.user_may(request.user, permissions.PARTY, risk)})
        response["Cache-Control"] = "no-store"
        return response
    return render_matter_page(request, pk, unmasked=True)


@login_required
@require_POST
def risk_link_duplicate(request, pk):
    """Set this matter aside as a duplicate of one of the suggested matters."""
    risk = get_risk_for_user(request.user, pk)
    form = LinkDuplicateForm(request.POST)
    if not form.is_valid():
        raise Http404("No such matter.")
    original = get_risk_for_user(request.user, form.cleaned_data["original"])
    with refusal_as_message(request):
        services.link_duplicate(risk, original, actor=request.user,
                                version=form.cleaned_data["version"])
        messages.success(request, _("Linked as a duplicate of %(code)s.")
                         % {"code": original.code})
    return redirect(matter_url(pk))


# Plans ------------------------------------------------------------------------------------

@login_required
def risk_plan_edit(request, pk):
    """Write or revise the resolution plan (一事一策)."""
    risk = get_matter(request.user, pk)
    require(request.user, permissions.PLAN, risk)
    risk.current_plan = ResolutionPlan.objects.filter(risk=risk).select_related("owner").first()
    initial = {}
    if risk.current_plan:
        plan = risk.current_plan
        initial = {"measures": plan.measures, "owner": plan.owner_id,
                   "target_date": plan.target_date}
    form = ResolutionPlanForm(request.POST or None, risk=risk, user=request.user,
                              initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            services.save_resolution_plan(risk, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Resolution plan saved."))
            return redirect(matter_url(pk, "plan"))
    return render(request, "risks/plan_form.html", {"risk": risk, "form": form})


@login_required
def risk_emergency_plan_edit(request, pk):
    """Write the emergency plan (一事一案) or revise it; a revision needs a reason."""
    risk = get_matter(request.user, pk)
    require(request.user, permissions.PLAN, risk)
    plan = EmergencyPlan.objects.filter(risk=risk).first()
    form = EmergencyPlanForm(request.POST or None,
                             initial=plan.snapshot() if plan else None)
    if plan is None:
        form.fields["reason"].widget = form.fields["reason"].hidden_widget()
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            services.save_emergency_plan(risk, actor=request.user, **form.service_arguments())
            messages.success(request, _("Emergency plan saved."))
            return redirect(matter_url(pk, "emergency-plan"))
    return render(request, "risks/emergency_plan_form.html",
                  {"risk": risk, "form": form, "plan": plan})


@login_required
def risk_drill_create(request, pk):
    """Record a drill (演练) of the emergency plan."""
    risk = get_matter(request.user, pk)
    require(request.user, permissions.PLAN, risk)
    plan = EmergencyPlan.objects.filter(risk=risk).first()
    if plan is None:
        messages.info(request, _("Write the emergency plan first."))
        return redirect("risks:risk_emergency_plan_edit", pk)
    form = DrillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            services.record_drill(plan, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Drill recorded."))
            return redirect(matter_url(pk, "emergency-plan"))
    return render(request, "risks/drill_form.html", {"risk": risk, "form": form})

