"""A tier's dashboard (社区 / 街道 / 区): what waits for its next meeting, what the
escalation rules flag, overdue action items and report-ins; and the rules themselves."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from grids.choices import AreaKind
from grids.scoping import visible_areas
from meetings import permissions, services
from meetings.agenda import matters_at_tier, matters_awaiting_discussion, overdue_action_items_of
from meetings.choices import RULE_TIERS, MeetingStatus
from meetings.escalation import flagged_matters
from meetings.forms import EscalationRulesForm, rule_field_name
from meetings.models import EscalationRule
from meetings.overdue import calls_with_overdue_reports
from meetings.scoping import visible_meetings
from quanfu.refusals import refusal_on_form
from risks.choices import RiskLevel, Tier
from risks.filters import OPEN

LISTED = 20  # rows shown per panel; the count says how many there are in all, and links
PER_PAGE = 50  # to the panel's full list (tier_matters)
AWAITING, FLAGGED = "awaiting", "flagged"


def _with_days(matters, now):
    for matter in matters:
        matter.days_at_tier = (now - matter.arrived_at).days
    return matters


def panel_matters(user, tier: str, panel: str, now):
    """The matters of a panel of the tier's dashboard, in the panel's order: the panel
    (its first rows), its figure and its full list all read this one query."""
    if panel == FLAGGED:
        return flagged_matters(user, tier, now=now).select_related("area")
    return (matters_awaiting_discussion(user, tier).select_related("area")
            .order_by("arrived_at", "id"))


@login_required
def tier_dashboards(request):
    """The dashboard of the tier the user works at: a community's for community staff and
    grid workers, the street's for everyone at the street."""
    area = request.user.area
    at_street = request.user.is_superuser or (area is not None and area.kind == AreaKind.STREET)
    return redirect("meetings:tier_dashboard", Tier.STREET if at_street else Tier.COMMUNITY)


@login_required
def tier_dashboard(request, tier):
    if tier not in Tier.values:
        raise Http404("No such tier.")
    user, now = request.user, timezone.now()
    awaiting = panel_matters(user, tier, AWAITING, now)
    flagged = panel_matters(user, tier, FLAGGED, now)
    overdue_items = (overdue_action_items_of(user, tier)
                     .select_related("meeting", "owner", "owner_department"))
    upcoming = (visible_meetings(user)
                .filter(Q(held_on__gte=timezone.localdate()) | Q(status=MeetingStatus.DRAFT),
                        tier=tier)
                .select_related("area").order_by("held_on", "id"))
    return render(request, "meetings/tier_dashboard.html", {
        "tier": tier, "tier_label": Tier(tier).label, "tiers": Tier.choices,
        "figures": {
            "open": matters_at_tier(user, tier).count(),
            "awaiting": awaiting.count(),
            "flagged": flagged.count(),
            "overdue_items": overdue_items.count(),
            "overdue_calls": calls_with_overdue_reports(user, now).count(),
        },
        "awaiting": _with_days(list(awaiting[:LISTED]), now),
        "flagged": _with_days(list(flagged[:LISTED]), now),
        "overdue_items": list(overdue_items.order_by("deadline", "id")[:LISTED]),
        "upcoming": list(upcoming[:LISTED]),
        "has_rules": tier in RULE_TIERS,
        "may_convene": permissions.may_manage_tier(user, tier),
        "links": {
            "open": f"{reverse('risks:risk_list')}?{urlencode({'tier': tier, 'status': OPEN})}",
            "awaiting": _panel_url(tier, AWAITING),
            "flagged": _panel_url(tier, FLAGGED),
            "overdue_items": f"{reverse('meetings:action_item_list')}?"
                             f"{urlencode({'overdue': 'true', 'tier': tier})}",
            "overdue_calls": f"{reverse('meetings:whistle_board')}?overdue=true",
        },
    })


def _panel_url(tier: str, panel: str) -> str:
    return f"{reverse('meetings:tier_matters', args=[tier])}?show={panel}"


@login_required
def tier_matters(request, tier):
    """The whole list behind a panel of the tier's dashboard (``show=awaiting``: awaiting
    this tier's meeting; ``show=flagged``: flagged by the escalation rules), by page."""
    if tier not in Tier.values:
        raise Http404("No such tier.")
    panel = FLAGGED if request.GET.get("show") == FLAGGED else AWAITING
    now = timezone.now()
    page = Paginator(panel_matters(request.user, tier, panel, now), PER_PAGE).get_page(
        request.GET.get("page"))
    _with_days(page.object_list, now)
    return render(request, "meetings/tier_matters.html", {
        "tier": tier, "tier_label": Tier(tier).label, "panel": panel,
        "page_obj": page, "paginator": page.paginator, "matters": page.object_list,
        "dashboard_url": reverse("meetings:tier_dashboard", args=[tier]),
    })


@login_required
def escalation_rules(request):
    """The street's escalation rules: days unresolved at a tier, per level. Street
    leaders set them; everyone else reads them."""
    user = request.user
    streets = list(visible_areas(user).filter(kind=AreaKind.STREET).order_by("code"))
    if not streets:
        roots = [area for area in visible_areas(user).filter(kind=AreaKind.COMMUNITY)[:1]]
        streets = [root.parent for root in roots]
    chosen = request.GET.get("street") or request.POST.get("street")
    street = next((s for s in streets if str(s.pk) == chosen), streets[0] if streets else None)
    if street is None:
        raise Http404("No street in your scope.")
    rules = {(rule.tier, rule.level): rule for rule in EscalationRule.objects.filter(
        street=street)}
    may_set = permissions.may_set_escalation_rules(user)
    initial = {rule_field_name(tier, level): rule.days for (tier, level), rule in rules.items()}
    form = EscalationRulesForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied(_("Your role may not set escalation rules."))
        if form.is_valid():
            with refusal_on_form(form):  # it names a tier, a level, days: above the grid
                _save_rules(user, street, rules, form.cleaned_data)
                messages.success(request, _("Escalation rules saved."))
                return redirect(f"{request.path}?street={street.pk}")
    grid = [{"tier": Tier(tier).label, "cells": [
        {"level": level, "field": form[rule_field_name(tier, level)],
         "rule": rules.get((tier, level))} for level in RiskLevel]} for tier in RULE_TIERS]
    return render(request, "meetings/escalation_rules.html", {
        "street": street, "streets": streets, "form": form, "grid": grid, "may_set": may_set,
        "levels": RiskLevel.choices}, status=400 if form.errors else 200)


@transaction.atomic
def _save_rules(user, street, rules, data) -> None:
    for tier in RULE_TIERS:
        for level in RiskLevel:
            days = data.get(rule_field_name(tier, level))
            existing = rules.get((tier, level))
            if days:
                services.save_escalation_rule(actor=user, street=street, tier=tier,
                                              level=level, days=days)
            elif existing is not None:
                services.remove_escalation_rule(existing, actor=user)
