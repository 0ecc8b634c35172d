"""Supervision's block of a matter's page (registered by SupervisionConfig.ready with
risks.matter_panels): the matter's listed supervision and its grade (a badge under the
title while it is active), the community's own listing, the special campaigns the matter
is worked on under, and the supervision groups' findings on it with their evidence (the
only files attached to a matter: the register itself keeps none). For those who may, the
next step of listing it for supervision.

Everything comes through supervision's scoping; at most four queries, however many
listings, campaigns, findings and files there are."""

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from risks.choices import OPEN_STATUSES
from risks.matter_panels import NextStep, PanelContent, with_back_to_matter
from risks.scoping import in_own_areas
from supervision import permissions
from supervision.choices import ListingGrade, ListingStatus
from supervision.models import Evidence
from supervision.scoping import visible_campaign_matters, visible_findings, visible_listings


def listings(risk, user) -> list:
    """The matter's listings (the active one first) and its community's active listing."""
    return list(visible_listings(user).filter(
        Q(risk=risk) | Q(risk__isnull=True, community_id=risk.community_id,
                         status=ListingStatus.ACTIVE))
        .select_related("group").order_by("status", "-listed_at", "-id"))


def findings(risk, user) -> list:
    evidence = Evidence.objects.order_by("uploaded_at", "id")
    return list(visible_findings(user).filter(risk=risk)
                .select_related("inspection__group")
                .prefetch_related(Prefetch("evidence", queryset=evidence))
                .order_by("-created_at", "-id"))


def may_list(risk, user, active) -> bool:
    """As supervision.services.list_for_supervision asks: the role, the matter's community
    in the user's own scope, not listed already; and, on this page, still open."""
    return (active is None and risk.status in OPEN_STATUSES
            and permissions.may(user, permissions.LIST) and in_own_areas(user, risk))


def build(risk, user) -> PanelContent | None:
    found = listings(risk, user)
    own = [listing for listing in found if listing.risk_id == risk.pk]
    active = next((listing for listing in own if listing.is_active), None)
    community = next((listing for listing in found if listing.risk_id is None), None)
    links = list(visible_campaign_matters(user).filter(risk=risk).select_related("campaign")
                 .order_by("campaign__position", "campaign__code"))
    found_on_it = findings(risk, user)
    steps = ()
    if may_list(risk, user, active):
        url = with_back_to_matter(f"{reverse('supervision:listing_create')}?risk={risk.pk}")
        steps = (NextStep("listing", _("List for supervision"), url, "outline-danger"),)
    if not (own or community or links or found_on_it):
        return PanelContent(None, steps)
    return PanelContent({"active": active, "badge_label": badge_label(active),
                         "listings": own, "community_listing": community,
                         "campaign_links": links, "findings": found_on_it}, steps)


def badge_label(active) -> str:
    """Under the title: 挂牌督办, or 挂牌督办 · 黄牌 / 红牌 once the grade has risen."""
    if active is None:
        return ""
    listed = _("Listed supervision")
    if active.grade == ListingGrade.NORMAL:
        return listed
    return f"{listed} · {active.get_grade_display()}"
