"""What of supervision a user may see: written once here, used by the pages, the API, the
dashboards and the jobs. Built on grids.scoping (areas) and risks.scoping (matters).

- Groups: a supervisor their own groups; street-level people the groups of their street.
- Inspections and findings: those of the communities in the user's scope (a supervisor's
  scope is their groups' communities, an officer's their community).
- Notices: a group's own notices (drafts too) to its members and the street above it;
  sent notices to the communities they were sent to.
- Listed supervision: of a community in scope, or of a matter the user sees.
- Campaigns: every campaign; their tasks owned by a community in scope or by a
  department of the user's street; their linked matters only as the register allows.
- Dashboards: an area (street or community) in scope; a group whose communities are all
  in scope; the city dashboard for a scope that is the whole city (the superuser) or
  spans more than one street. Outside the scope is 404, as if missing.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from grids.choices import AreaKind
from grids.models import Area
from grids.scoping import NOTHING, area_scope_q, get_area_for_user, scope_roots, visible_areas
from risks.scoping import visible_risks
from supervision.choices import NoticeStatus
from supervision.models import (
    Campaign,
    CampaignMatter,
    CampaignTask,
    Evidence,
    Finding,
    Inspection,
    ListedSupervision,
    Notice,
    SupervisionGroup,
)


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _missing(model_name: str):
    return Http404(f"No such {model_name}.")


BAD_IDS = (ValueError, TypeError, OverflowError)


# Groups -----------------------------------------------------------------------------------

def member_group_q(user) -> Q:
    """Groups the user leads or belongs to."""
    return Q(leader=user) | Q(pk__in=SupervisionGroup.members.through.objects.filter(
        user_id=user.pk).values("supervisiongroup_id"))


def group_scope_q(user) -> Q:
    if not _active(user):
        return NOTHING
    if user.is_superuser:
        return Q()
    return member_group_q(user) | area_scope_q(user, "street__")


def visible_groups(user) -> QuerySet[SupervisionGroup]:
    return SupervisionGroup.objects.filter(group_scope_q(user))


def groups_of(user) -> QuerySet[SupervisionGroup]:
    """The groups the user acts for (leads or belongs to)."""
    if not _active(user):
        return SupervisionGroup.objects.none()
    return SupervisionGroup.objects.filter(member_group_q(user))


def supervised_communities(user) -> list[Area]:
    """The communities of the groups the user leads or belongs to: a supervisor's scope
    (registered with grids.scoping by SupervisionConfig.ready)."""
    groups = SupervisionGroup.objects.filter(Q(leader=user) | Q(members=user))
    return list(Area.objects.filter(supervision_groups__in=groups).distinct().order_by("code"))


def get_group_for_user(user, pk) -> SupervisionGroup:
    try:
        return visible_groups(user).select_related("street", "leader").get(pk=pk)
    except (SupervisionGroup.DoesNotExist, *BAD_IDS) as error:
        raise _missing("supervision group") from error


# Inspections, findings, evidence ----------------------------------------------------------

def visible_inspections(user) -> QuerySet[Inspection]:
    if not _active(user):
        return Inspection.objects.none()
    return Inspection.objects.filter(area_scope_q(user, "community__"))


def get_inspection_for_user(user, pk) -> Inspection:
    try:
        return visible_inspections(user).select_related("group", "community",
                                                        "recorded_by").get(pk=pk)
    except (Inspection.DoesNotExist, *BAD_IDS) as error:
        raise _missing("inspection") from error


def visible_findings(user) -> QuerySet[Finding]:
    if not _active(user):
        return Finding.objects.none()
    return Finding.objects.filter(area_scope_q(user, "community__"))


def get_finding_for_user(user, pk, *, for_update: bool = False) -> Finding:
    queryset = visible_findings(user)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.select_related("inspection__group", "community", "risk").get(pk=pk)
    except (Finding.DoesNotExist, *BAD_IDS) as error:
        raise _missing("finding") from error


def get_evidence_for_user(user, pk) -> Evidence:
    try:
        return Evidence.objects.filter(finding__in=visible_findings(user)).get(pk=pk)
    except (Evidence.DoesNotExist, *BAD_IDS) as error:
        raise _missing("evidence") from error


# Notices ----------------------------------------------------------------------------------

def notice_scope_q(user) -> Q:
    if not _active(user):
        return NOTHING
    if user.is_superuser:
        return Q()
    own = Q(group__in=groups_of(user).values("pk")) | area_scope_q(user, "group__street__")
    sent_to_me = Q(status=NoticeStatus.SENT, pk__in=Notice.communities.through.objects.filter(
        area_scope_q(user, "area__")).values("notice_id"))
    return own | sent_to_me


def visible_notices(user) -> QuerySet[Notice]:
    return Notice.objects.filter(notice_scope_q(user))


def get_notice_for_user(user, pk) -> Notice:
    try:
        return visible_notices(user).select_related("group__street", "drafted_by",
                                                    "sent_by").get(pk=pk)
    except (Notice.DoesNotExist, *BAD_IDS) as error:
        raise _missing("notice") from error


# Listed supervision -----------------------------------------------------------------------

def listing_scope_q(user) -> Q:
    if not _active(user):
        return NOTHING
    if user.is_superuser:
        return Q()
    return ((Q(risk__isnull=True) & area_scope_q(user, "community__"))
            | Q(risk__in=visible_risks(user).values("pk")))


def visible_listings(user) -> QuerySet[ListedSupervision]:
    return ListedSupervision.objects.filter(listing_scope_q(user))


def get_listing_for_user(user, pk) -> ListedSupervision:
    try:
        return visible_listings(user).select_related("community", "risk", "group").get(pk=pk)
    except (ListedSupervision.DoesNotExist, *BAD_IDS) as error:
        raise _missing("listed supervision") from error


# Campaigns --------------------------------------------------------------------------------

def visible_campaigns(user) -> QuerySet[Campaign]:
    if not _active(user):
        return Campaign.objects.none()
    return Campaign.objects.all()


def get_campaign_for_user(user, pk) -> Campaign:
    try:
        return visible_campaigns(user).get(pk=pk)
    except (Campaign.DoesNotExist, *BAD_IDS) as error:
        raise _missing("campaign") from error


def task_scope_q(user) -> Q:
    if not _active(user):
        return NOTHING
    if user.is_superuser:
        return Q()
    return area_scope_q(user, "owner_community__") | (
        Q(owner_department__isnull=False) & area_scope_q(user, "owner_department__street__"))


def visible_tasks(user) -> QuerySet[CampaignTask]:
    return CampaignTask.objects.filter(task_scope_q(user))


def get_task_for_user(user, pk) -> CampaignTask:
    try:
        return visible_tasks(user).select_related("campaign", "owner_department",
                                                  "owner_community").get(pk=pk)
    except (CampaignTask.DoesNotExist, *BAD_IDS) as error:
        raise _missing("campaign task") from error


def visible_campaign_matters(user) -> QuerySet[CampaignMatter]:
    if not _active(user):
        return CampaignMatter.objects.none()
    return CampaignMatter.objects.filter(risk__in=visible_risks(user).values("pk"))


# Dashboards -------------------------------------------------------------------------------

def dashboard_streets(user) -> QuerySet[Area]:
    return visible_areas(user).filter(kind=AreaKind.STREET).order_by("code")


def get_street_for_dashboard(user, pk) -> Area:
    area = get_area_for_user(user, pk)
    if area.kind != AreaKind.STREET:
        raise _missing("street")
    return area


def get_community_for_dashboard(user, pk) -> Area:
    area = get_area_for_user(user, pk)
    if area.kind != AreaKind.COMMUNITY:
        raise _missing("community")
    return area


def communities_in(user, area: Area) -> list[Area]:
    """The communities of ``area`` (a street or a community) that lie in the user's scope."""
    return list(visible_areas(user).filter(kind=AreaKind.COMMUNITY, path__startswith=area.path)
                .order_by("code"))


def get_group_for_dashboard(user, pk) -> tuple[SupervisionGroup, list[Area]]:
    """A group's scorecard is for its members and for those whose scope covers every
    community of the group (the street above it); 404 otherwise."""
    group = get_group_for_user(user, pk)
    communities = list(group.communities.order_by("code"))
    roots = scope_roots(user)
    if roots is not None and not all(any(community.is_within(root) for root in roots)
                                     for community in communities):
        raise _missing("supervision group")
    return group, communities


@dataclass(frozen=True)
class CityScope:
    """What the city dashboard counts for a user: the streets their scope reaches and,
    unless the scope is the whole city, its roots (streets or communities) inside them."""

    streets: list[Area]
    roots: list[Area] | None  # None: the whole city, counted with no area filter at all

    @property
    def whole_city(self) -> bool:
        return self.roots is None

    def covers_whole(self, street: Area) -> bool:
        """Is the whole street in scope (so that its own dashboard opens)?"""
        return self.roots is None or any(root.pk == street.pk for root in self.roots)

    def matters_q(self, field: str = "community__") -> Q:
        """Rows whose community (reached through ``field``) is in scope: nothing for the
        whole city, else one prefix test per root — never a list of community ids."""
        return area_scope_q(None, field, roots=self.roots)


def _street_ids(roots: list[Area]) -> set[int]:
    # A path starts with the street's id ("12.40."): no query.
    return {root.ancestor_ids()[0] for root in roots}


def spans_several_streets(user) -> bool:
    """Is the user's scope the whole city or more than one street? (No query beyond the
    user's scope roots.)"""
    roots = scope_roots(user)
    return roots is None or len(_street_ids(roots)) > 1


def get_city_for_dashboard(user) -> CityScope:
    """The city dashboard's scope: every street for the superuser, the streets the scope
    roots lie in for a user whose scope spans several; 404 for anyone whose scope lies
    within one street (their street's dashboard is the top of their view). One query."""
    if not _active(user) or not spans_several_streets(user):
        raise _missing("city dashboard")
    roots = scope_roots(user)
    streets = Area.objects.filter(kind=AreaKind.STREET).order_by("code")
    if roots is not None:
        streets = streets.filter(pk__in=_street_ids(roots))
    return CityScope(streets=list(streets), roots=roots)
