"""Changes of the area structure (区域调整): split a grid into several, merge grids into
one, retire an area, move an area under another parent, rename it, re-code it. Each is one
dated change (grids.models.AreaChange): asked by a community officer for their community
(or by the street's staff and leaders), shown before anything moves (``preview``), decided
by a street leader who did not ask, and applied in one transaction when approved.

Applying keeps history: a split, merged or retired area is closed (``closed_on``), never
deleted; the areas that replace it open on the same day (``opened_on``) and are linked to
it (AreaLineage). Closed areas take no new reports (``check_open``).

What lives in the areas belongs to the apps above the tree (the register's matters, the
rhythm's warnings and checklists), which the tree never imports. They tell it here, in
their AppConfig.ready: ``register_mover`` (the register: the open matters of some areas,
and moving them, with an event on each) and ``register_count`` (what a preview counts).

The spec of each kind (``AreaChange.spec``, ids of areas, people and matters):

- split: ``{"area": grid, "parts": [{"code", "name", "boundary"?}, …],
  "microgrids": {id: part number}, "matters": {id: part number}, "people": {id: part}}``
  (part numbers from 1). An open matter goes where its micro-grid goes, else where its
  location lies (inside a part's boundary), else where the requester chose.
- merge: ``{"areas": [grid, grid, …], "into": {"code", "name"}}``: the new grid takes the
  micro-grids, matters and people of all, and the duty roster of the first.
- retire: ``{"area": id, "target": id or null}``: its open matters go to the target;
  without one, an area with open matters cannot be retired.
- move: ``{"area": id, "parent": id}``; rename: ``{"area": id, "name"}``;
  recode: ``{"area": id, "code", "official_code"}``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import AREA_KIND_FOR_ROLE, Role
from audit.choices import AuditAction
from audit.services import record_event
from grids.choices import PARENT_KIND, AreaChangeKind, AreaChangeState, AreaKind
from grids.models import Area, AreaChange, AreaLineage, DutyAssignment
from grids.scoping import area_scope_q, get_area_for_user, scope_roots
from grids.services import assign_grid_duty, create_area, move_subtree, update_area
from grids.transitions import AREA_CHANGE_TRANSITIONS, AreaChangeAction
from grids.validators import validate_official_code
from inbox.services import notify_people
from quanfu.errors import Forbidden, RuleBroken
from quanfu.personal_data import refuse_personal_data

K = AreaChangeKind


# What the apps above the tree tell it ------------------------------------------------------

@dataclass
class Item:
    """An open thing in an area that a change moves (a matter): its id, how a person
    names it, the area it is in and its point (longitude, latitude), if it has one."""

    pk: int
    label: str
    area_id: int
    point: tuple[float, float] | None = None


class Mover:
    """What the register gives the tree (risks.area_changes): the open matters of some
    areas' subtrees, and moving them (each to the area given, an event on each)."""

    def open_items(self, areas: list[Area]) -> list[Item]:
        return []

    def move(self, moves: list[tuple[int, Area]], *, change: AreaChange, actor) -> int:
        return 0


_MOVER: list[Mover] = [Mover()]
# key: (label, count(areas) -> int): what a preview counts besides the matters
_COUNTS: dict[str, tuple[object, Callable[[list[Area]], int]]] = {}


def register_mover(mover: Mover) -> None:
    _MOVER[0] = mover


def register_count(key: str, label, count: Callable[[list[Area]], int]) -> None:
    """Let a preview count something in the changed areas' subtrees (open warnings,
    today's checklist items): ``label`` says what, and what happens to them."""
    _COUNTS[key] = (label, count)


# Who may ask, see and decide ------------------------------------------------------------------

STREET_ROLES = (Role.STREET_LEADER, Role.SECTION_STAFF)


def may_request(user, area: Area) -> bool:
    """A community officer for the grids and micro-grids of their community; the street's
    staff and leaders for anything of their street below it."""
    if not user.is_authenticated or not user.is_active or area.kind == AreaKind.STREET:
        return False
    if user.is_superuser:
        return True
    if user.area_id is None:
        return False
    if user.role == Role.COMMUNITY_OFFICER:
        return area.pk != user.area_id and area.is_within(user.area)
    return user.role in STREET_ROLES and area.is_within(user.area)


def kinds_for(area: Area) -> list[str]:
    """The changes that can be asked for an area of its kind, if it is open."""
    if area.closed_on is not None or area.kind == AreaKind.STREET:
        return []
    kinds = [K.SPLIT, K.MERGE] if area.kind == AreaKind.GRID else []
    return [*kinds, K.RETIRE, K.MOVE, K.RENAME, K.RECODE]


def visible_changes(user) -> QuerySet[AreaChange]:
    """The changes of the communities the user sees (and a street's own changes, for its
    people); those the user asked for."""
    if not user.is_authenticated or not user.is_active:
        return AreaChange.objects.none()
    if scope_roots(user) is None:  # every area (an empty Q would vanish in the OR below)
        return AreaChange.objects.all()
    of_communities = area_scope_q(user, "community__")
    of_the_street = Q(community__isnull=True) & area_scope_q(user, "street__")
    return AreaChange.objects.filter(of_communities | of_the_street | Q(requested_by=user))


def get_change_for_user(user, pk) -> AreaChange:
    from django.http import Http404  # a page's lookup: outside the scope is missing

    try:
        return visible_changes(user).select_related(
            "community", "street", "requested_by", "decided_by").get(pk=pk)
    except (AreaChange.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such change.") from error


def pending_for(user) -> QuerySet[AreaChange]:
    """The requested changes ``user`` decides: their street's, not their own."""
    pending = AreaChange.objects.filter(state=AreaChangeState.REQUESTED)
    if user.is_superuser:
        return pending.exclude(requested_by=user)
    if user.role != Role.STREET_LEADER or user.area_id is None:
        return pending.none()
    return pending.filter(street_id=user.area_id).exclude(requested_by=user)


def pending_count(user) -> int:
    if not (user.is_superuser or user.role == Role.STREET_LEADER):
        return 0
    return pending_for(user).count()


# Closed areas --------------------------------------------------------------------------------

def closed_area_message(area: Area) -> str:
    return _("%(area)s was closed on %(day)s by a change of areas: choose one of the areas "
             "that replaced it.") % {"area": area.name, "day": date_format(area.closed_on)}


def check_open(area: Area, field: str = "area") -> None:
    """Refuse a closed area for anything new (a report, a move, a change), naming the
    field."""
    if area.closed_on is not None:
        raise RuleBroken(closed_area_message(area), field=field)


# The plan: what a change will do ------------------------------------------------------------

@dataclass
class NewArea:
    """An area the change will create (a part of a split grid, the grid of a merge)."""

    kind: str
    code: str
    name: str
    parent: Area
    grid_type: str = ""
    boundary: dict | None = None
    number: int = 0  # a part's number (from 1)
    created: Area | None = None

    @property
    def pk(self):
        return self.created.pk if self.created else None


# Why an open matter goes where the plan puts it.
RULES = {
    "microgrid": gettext_lazy("its micro-grid goes there"),
    "location": gettext_lazy("its location lies inside that part"),
    "chosen": gettext_lazy("chosen by the requester"),
    "merged": gettext_lazy("its grid becomes the merged grid"),
    "target": gettext_lazy("the retired area's matters go to the named area"),
    "follows": gettext_lazy("it stays in its area, which moves"),
}


@dataclass
class Plan:
    change: AreaChange
    areas: list[Area] = field(default_factory=list)  # the areas the change is about
    new_areas: list[NewArea] = field(default_factory=list)
    closing: list[Area] = field(default_factory=list)
    lineage: list[tuple[Area, object]] = field(default_factory=list)
    reparent: list[tuple[Area, object, str]] = field(default_factory=list)  # area, parent, rule
    matters: list[tuple[Item, object, str]] = field(default_factory=list)  # item, area, rule
    rosters_ended: list[DutyAssignment] = field(default_factory=list)
    rosters_carried: list[tuple[DutyAssignment, object]] = field(default_factory=list)
    people: list[tuple[User, object]] = field(default_factory=list)
    people_left: list[User] = field(default_factory=list)  # attached to a closing area
    counts: list[tuple[str, int]] = field(default_factory=list)
    renamed: dict = field(default_factory=dict)  # field: [old, new]
    move_to: Area | None = None
    problems: list[RuleBroken] = field(default_factory=list)

    def refuse(self, message, field_name: str) -> None:
        self.problems.append(RuleBroken(message, field=field_name))

    def raise_first_problem(self) -> None:
        if self.problems:
            raise self.problems[0]

    @property
    def matter_rows(self) -> list[dict]:
        return [{"item": item, "target": target, "rule": RULES[rule]}
                for item, target, rule in self.matters]

    @property
    def reparent_rows(self) -> list[dict]:
        return [{"area": area, "target": target, "rule": RULES[rule]}
                for area, target, rule in self.reparent]

    @property
    def rules(self) -> list[str]:
        """The rules this change applies, in words, for the preview."""
        used = {rule for _item, _area, rule in self.matters}
        return [str(RULES[rule]) for rule in RULES if rule in used]


def _areas(ids) -> dict[int, Area]:
    try:
        wanted = [int(pk) for pk in ids]
    except (TypeError, ValueError):
        return {}
    return Area.objects.select_related("parent").in_bulk(wanted)


def _shape(boundary):
    from shapely.geometry import shape  # only where boundaries are read

    return shape(boundary) if boundary else None


def _number(value, parts: int) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= parts else None


def plan_change(change: AreaChange) -> Plan:
    """What applying ``change`` now would do, and every reason it cannot (``problems``,
    each a RuleBroken naming its field: ``matter_<id>``, ``microgrid_<id>``, ``area``…).
    Reads the areas as they are now: a matter reported after the request is in it."""
    plan = Plan(change)
    spec = change.spec or {}
    builder = {K.SPLIT: _plan_split, K.MERGE: _plan_merge, K.RETIRE: _plan_retire,
               K.MOVE: _plan_move, K.RENAME: _plan_rename, K.RECODE: _plan_recode}[change.kind]
    area_ids = spec.get("areas") or [spec.get("area")]
    found = _areas(area_ids)
    if not area_ids or None in area_ids or len(found) != len(set(area_ids)):
        plan.refuse(_("Choose the area to change."), "area")
        return plan
    plan.areas = [found[int(pk)] for pk in area_ids]
    for area in plan.areas:
        if area.closed_on is not None:
            plan.refuse(closed_area_message(area), "area")
        if area.kind == AreaKind.STREET:
            plan.refuse(_("A street is not changed here."), "area")
        if area.street_path() != change.street.path or (
                change.community_id and not area.path.startswith(change.community.path)):
            plan.refuse(_("%(area)s lies outside the community or street of this change.")
                        % {"area": area.name}, "area")
        if area.opened_on and change.effective_on < area.opened_on:
            plan.refuse(_("%(area)s opened on %(day)s: the change cannot take effect before.")
                        % {"area": area.name, "day": date_format(area.opened_on)},
                        "effective_on")
    if plan.problems:
        return plan
    builder(plan, spec)
    plan.counts = [(str(label), count(plan.areas)) for label, count in _COUNTS.values()]
    return plan


def open_items(areas: list[Area]) -> list[Item]:
    """The open matters in the areas' subtrees, as the register tells them."""
    return _MOVER[0].open_items(areas)


def _current_roster(grids: list[Area]) -> list[DutyAssignment]:
    return list(DutyAssignment.objects.filter(grid__in=grids, ends_on__isnull=True)
                .select_related("person", "person__area", "grid").order_by("grid_id", "duty"))


def attached_people(areas: list[Area]) -> list[User]:
    """The active people whose account is attached to one of the areas."""
    return list(User.objects.filter(area__in=areas, is_active=True).order_by("username"))


def _new_code_problems(plan: Plan, codes: list[str], names: list[str]) -> None:
    for code, name in zip(codes, names, strict=True):
        if not code:
            plan.refuse(_("Give each new area a code."), "parts")
        if not name:
            plan.refuse(_("Give each new area a name."), "parts")
    if len(set(codes)) != len(codes):
        plan.refuse(_("The new areas need different codes."), "parts")
    taken = list(Area.objects.filter(code__in=codes).values_list("code", flat=True))
    if taken:
        plan.refuse(_("The code %(code)s is already used.") % {"code": taken[0]}, "parts")


def _plan_split(plan: Plan, spec: dict) -> None:
    [grid] = plan.areas
    if grid.kind != AreaKind.GRID:
        plan.refuse(_("Only a grid is split."), "area")
        return
    parts = spec.get("parts") or []
    if len(parts) < 2:
        plan.refuse(_("A split grid becomes at least two grids: give two parts or more."),
                    "parts")
        return
    plan.new_areas = [NewArea(AreaKind.GRID, (part.get("code") or "").strip(),
                              (part.get("name") or "").strip(), grid.parent,
                              grid.grid_type, part.get("boundary") or None, number)
                      for number, part in enumerate(parts, start=1)]
    _new_code_problems(plan, [new.code for new in plan.new_areas],
                       [new.name for new in plan.new_areas])
    plan.closing = [grid]
    plan.lineage = [(grid, new) for new in plan.new_areas]
    shapes = [_shape(new.boundary) for new in plan.new_areas]

    def part_holding(geometry) -> NewArea | None:
        for new, outline in zip(plan.new_areas, shapes, strict=True):
            if outline is not None and geometry is not None and outline.covers(geometry):
                return new
        return None

    chosen = {str(key): value for key, value in (spec.get("microgrids") or {}).items()}
    microgrid_part = {}
    for micro in grid.children.filter(closed_on__isnull=True).order_by("code"):
        number = _number(chosen.get(str(micro.pk)), len(parts))
        target = plan.new_areas[number - 1] if number else None
        rule = "chosen"
        if target is None and micro.boundary:
            target = part_holding(_shape(micro.boundary).representative_point())
            rule = "location"
        if target is None:
            plan.refuse(_("Say which part the micro-grid %(name)s (%(code)s) goes to.")
                        % {"name": micro.name, "code": micro.code}, f"microgrid_{micro.pk}")
            continue
        microgrid_part[micro.pk] = target
        plan.reparent.append((micro, target, rule))

    from shapely.geometry import Point

    chosen = {str(key): value for key, value in (spec.get("matters") or {}).items()}
    for item in open_items([grid]):
        if item.area_id != grid.pk:  # in a micro-grid: it follows it (the area stays)
            if item.area_id in microgrid_part:
                plan.matters.append((item, microgrid_part[item.area_id], "microgrid"))
            continue
        number = _number(chosen.get(str(item.pk)), len(parts))
        if number:
            plan.matters.append((item, plan.new_areas[number - 1], "chosen"))
            continue
        target = part_holding(Point(*item.point)) if item.point else None
        if target is not None:
            plan.matters.append((item, target, "location"))
            continue
        plan.refuse(_("Say which part the matter %(matter)s goes to: neither its location "
                      "nor a micro-grid places it.") % {"matter": item.label},
                    f"matter_{item.pk}")

    people = {str(key): value for key, value in (spec.get("people") or {}).items()}
    for person in attached_people([grid]):
        number = _number(people.get(str(person.pk)), len(parts)) or 1
        plan.people.append((person, plan.new_areas[number - 1]))
    moved_to = {person.pk: target for person, target in plan.people}
    for entry in _current_roster([grid]):
        plan.rosters_ended.append(entry)
        for new in plan.new_areas:
            if _may_hold(entry.person, moved_to, new, grid):
                plan.rosters_carried.append((entry, new))


def _may_hold(person, moved_to: dict, grid_after, grid_before: Area) -> bool:
    """Whether a roster holder may hold a duty in ``grid_after`` (grids.services' rule:
    they work in the grid, above it or below it), with their account where the change puts
    it."""
    if person.pk in moved_to:
        return moved_to[person.pk] is grid_after
    if person.area_id is None or not person.is_active:
        return False
    if person.area_id == grid_before.pk:
        return False
    return grid_before.parent.is_within(person.area) or grid_before.is_within(person.area)


def _plan_merge(plan: Plan, spec: dict) -> None:
    grids = plan.areas
    if len(grids) < 2:
        plan.refuse(_("Merging needs at least two grids."), "areas")
        return
    if any(grid.kind != AreaKind.GRID for grid in grids):
        plan.refuse(_("Only grids are merged."), "areas")
        return
    if len({grid.parent_id for grid in grids}) != 1:
        plan.refuse(_("Only grids of the same community are merged."), "areas")
        return
    into = spec.get("into") or {}
    first = grids[0]
    new = NewArea(AreaKind.GRID, (into.get("code") or "").strip(),
                  (into.get("name") or "").strip(), first.parent, first.grid_type,
                  into.get("boundary") or None, 1)
    plan.new_areas = [new]
    _new_code_problems(plan, [new.code], [new.name])
    plan.closing = list(grids)
    plan.lineage = [(grid, new) for grid in grids]
    for micro in Area.objects.filter(parent__in=grids, closed_on__isnull=True).order_by("code"):
        plan.reparent.append((micro, new, "merged"))
    for item in open_items(grids):
        if item.area_id in {grid.pk for grid in grids}:
            plan.matters.append((item, new, "merged"))
        else:
            plan.matters.append((item, new, "microgrid"))
    plan.people = [(person, new) for person in attached_people(grids)]
    moved_to = {person.pk: new for person, _target in plan.people}
    for entry in _current_roster(grids):
        plan.rosters_ended.append(entry)
        if entry.grid_id == first.pk and _may_hold(entry.person, moved_to, new, first):
            plan.rosters_carried.append((entry, new))


def _plan_retire(plan: Plan, spec: dict) -> None:
    [area] = plan.areas
    subtree = list(area.descendants().filter(closed_on__isnull=True).order_by("path"))
    plan.closing = subtree
    target = None
    if spec.get("target"):
        target = _areas([spec["target"]]).get(int(spec["target"]))
        if target is None or target.is_within(area):
            plan.refuse(_("Choose another area to take its open matters."), "target")
            return
        if target.closed_on is not None:
            plan.refuse(closed_area_message(target), "target")
            return
        if target.kind == AreaKind.STREET or target.street_path() != area.street_path() or (
                plan.change.community_id and not target.is_within(plan.change.community)):
            plan.refuse(_("The open matters go to a community, grid or micro-grid of the "
                          "same community or street."), "target")
            return
        plan.lineage = [(area, target)]
        plan.move_to = target
    items = open_items([area])
    if items and target is None:
        plan.refuse(_("%(area)s has %(count)s open matters (%(first)s…): name the area that "
                      "takes them, or move them first.")
                    % {"area": area.name, "count": len(items), "first": items[0].label},
                    "target")
        return
    plan.matters = [(item, target, "target") for item in items]
    for person in attached_people(subtree):
        if target is not None and target.kind in AREA_KIND_FOR_ROLE.get(person.role, ()):
            plan.people.append((person, target))
        else:
            plan.people_left.append(person)
    plan.rosters_ended = _current_roster([grid for grid in subtree
                                          if grid.kind == AreaKind.GRID])


def _plan_move(plan: Plan, spec: dict) -> None:
    [area] = plan.areas
    parent = _areas([spec.get("parent")]).get(int(spec.get("parent") or 0)) \
        if str(spec.get("parent") or "").isdigit() else None
    if parent is None:
        plan.refuse(_("Choose the new parent."), "parent")
        return
    if parent.closed_on is not None:
        plan.refuse(closed_area_message(parent), "parent")
        return
    if PARENT_KIND.get(area.kind) != parent.kind:
        plan.refuse(_("A %(kind)s cannot be placed under a %(parent_kind)s.") % {
            "kind": AreaKind(area.kind).label, "parent_kind": AreaKind(parent.kind).label},
            "parent")
        return
    if parent.pk == area.parent_id:
        plan.refuse(_("It is already there."), "parent")
        return
    if parent.street_path() != area.street_path() or (
            plan.change.community_id and not parent.is_within(plan.change.community)):
        plan.refuse(_("The new parent lies outside the community or street of this change."),
                    "parent")
        return
    plan.move_to = parent
    plan.reparent = [(area, parent, "follows")]
    plan.matters = [(item, None, "follows") for item in open_items([area])]
    plan.renamed = {"parent": [area.parent.name if area.parent else "", parent.name]}


def _plan_rename(plan: Plan, spec: dict) -> None:
    [area] = plan.areas
    name = (spec.get("name") or "").strip()
    if not name or name == area.name:
        plan.refuse(_("Give the new name."), "name")
        return
    plan.renamed = {"name": [area.name, name]}


def _plan_recode(plan: Plan, spec: dict) -> None:
    [area] = plan.areas
    code = (spec.get("code") or "").strip() or area.code
    official = (spec.get("official_code") or "").strip()
    if code == area.code and official == area.official_code:
        plan.refuse(_("Give the new code or the new official code."), "code")
        return
    if code != area.code and Area.objects.filter(code=code).exists():
        plan.refuse(_("The code %(code)s is already used.") % {"code": code}, "code")
    if official:
        from django.core.exceptions import ValidationError

        try:
            validate_official_code(official)
        except ValidationError as error:
            plan.refuse(error.messages[0], "official_code")
        if Area.objects.filter(official_code=official).exclude(pk=area.pk).exists():
            plan.refuse(_("The official code %(code)s is already used.") % {"code": official},
                        "official_code")
    if code != area.code:
        plan.renamed["code"] = [area.code, code]
    if official != area.official_code:
        plan.renamed["official_code"] = [area.official_code, official]


# Telling ------------------------------------------------------------------------------------

NOTICE_KIND = "area_change"


def _tell(people: QuerySet, change: AreaChange, *, actor, title: str, step: str) -> int:
    """One notice to ``people`` (never the actor), linking the change's page."""
    if actor is not None:
        people = people.exclude(pk=actor.pk)
    return notify_people(
        people.filter(is_active=True), kind=NOTICE_KIND, title=title,
        key=f"area_change:{change.pk}:{step}", body=change.reason,
        link=reverse("grids:area_change_detail", args=[change.pk]),
        digest_title=_("%(count)s more notices this hour: changes of areas")
        % {"count": "%(count)s"}, digest_link=reverse("grids:area_change_list"))


def _named(change: AreaChange) -> dict:
    area = Area.objects.filter(pk=(change.spec or {}).get("area")).first()
    return {"kind": change.get_kind_display(), "area": area.name if area else ""}


def _tell_requested(change: AreaChange, actor) -> int:
    """The street's leaders decide it."""
    leaders = User.objects.filter(role=Role.STREET_LEADER, area_id=change.street_id)
    return _tell(leaders, change, actor=actor, step="requested",
                 title=_("A change of areas waits for your decision: %(kind)s, %(area)s")
                 % _named(change))


def _tell_decided(change: AreaChange, actor) -> int:
    """The person who asked hears of the decision."""
    return _tell(User.objects.filter(pk=change.requested_by_id), change, actor=actor,
                 step="decided",
                 title=_("Your change of areas (%(kind)s, %(area)s): %(state)s")
                 % {**_named(change), "state": change.get_state_display()})


# Asking ------------------------------------------------------------------------------------

def request_change(*, actor, kind: str, area: Area, effective_on: date, reason: str,
                   spec: dict) -> AreaChange:
    """Ask for a change of ``area`` (with ``spec``, see the module): refused, naming the
    field, when the actor may not ask for it (Forbidden) or when applying it now would be
    refused (RuleBroken: a matter no rule places, a closed area, a used code…). Nothing is
    changed but the request itself."""
    if kind not in K.values:
        raise RuleBroken(_("Unknown kind of change."), field="kind")
    if not may_request(actor, area):
        raise Forbidden(_("Community officers ask for changes of their own community's "
                          "grids; the street's staff and leaders for the street."))
    if kind not in kinds_for(area):
        check_open(area)
        raise RuleBroken(_("This change is not possible for a %(kind)s.")
                         % {"kind": AreaKind(area.kind).label}, field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise RuleBroken(_("Give the reason for the change."), field="reason")
    refuse_personal_data(reason=reason)
    if effective_on is None:
        raise RuleBroken(_("Give the day the change takes effect."), field="effective_on")
    ancestors = area.ancestor_ids()
    community = None
    if actor.role == Role.COMMUNITY_OFFICER and not actor.is_superuser:
        community = actor.area
    elif len(ancestors) > 1 and area.kind != AreaKind.COMMUNITY and kind != K.MOVE:
        community = Area.objects.get(pk=ancestors[1])
    spec = {**spec, "area": area.pk}  # a merge names its first grid too (the area's page)
    with transaction.atomic():
        change = AreaChange(kind=kind, community=community,
                            street=Area.objects.get(pk=ancestors[0]),
                            effective_on=effective_on, spec=spec, reason=reason,
                            requested_by=actor, requested_at=timezone.now())
        plan_change(change).raise_first_problem()
        change.save()
        _tell_requested(change, actor)
    return change


# Deciding ----------------------------------------------------------------------------------

def refuse_change(change: AreaChange, *, actor, note: str) -> AreaChange:
    note = (note or "").strip()

    def apply(locked, transition):
        locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note
        return ["decided_by", "decided_at", "decision_note"]

    return AREA_CHANGE_TRANSITIONS.run(change, AreaChangeAction.REFUSE, actor=actor,
                                       note=note, apply=apply,
                                       record_event=lambda locked, *_args: _tell_decided(
                                           locked, actor))


def withdraw_change(change: AreaChange, *, actor) -> AreaChange:
    return AREA_CHANGE_TRANSITIONS.run(change, AreaChangeAction.WITHDRAW, actor=actor)


def approve_change(change: AreaChange, *, actor, note: str = "") -> AreaChange:
    """Approve and apply ``change`` in one transaction: everything it moves, or nothing
    (the first problem of its plan is the refusal, naming the matter or area)."""
    note = (note or "").strip()

    def apply(locked, transition):
        if locked.effective_on > timezone.localdate():
            raise RuleBroken(_("This change takes effect on %(day)s: approve it on that day "
                               "or later.") % {"day": date_format(locked.effective_on)},
                             field="effective_on")
        locked.summary = _apply(locked, actor)
        locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note
        return ["decided_by", "decided_at", "decision_note", "summary"]

    return AREA_CHANGE_TRANSITIONS.run(change, AreaChangeAction.APPROVE, actor=actor,
                                       note=note, apply=apply,
                                       record_event=lambda locked, *_args: _tell_decided(
                                           locked, actor))


def _resolve(target):
    return target.created if isinstance(target, NewArea) else target


def _apply(change: AreaChange, actor) -> dict:
    """Do what the plan says (inside the approval's transaction) and return its summary."""
    change.street = Area.objects.get(pk=change.street_id)
    if change.community_id:
        change.community = Area.objects.get(pk=change.community_id)
    # the areas under a row lock, then the plan read again: what is there now moves
    ids = [int(pk) for pk in (change.spec.get("areas") or [change.spec.get("area")])]
    list(Area.objects.select_for_update().filter(pk__in=ids))
    plan = plan_change(change)
    plan.raise_first_problem()
    day = change.effective_on
    for new in plan.new_areas:
        new.created = create_area(kind=new.kind, code=new.code, name=new.name,
                                  parent=new.parent, grid_type=new.grid_type)
        new.created.opened_on, new.created.boundary = day, new.boundary
        new.created.save(update_fields=["opened_on", "boundary"])
    moved_areas = []
    for area, parent, _rule in plan.reparent:
        moved_areas.append(move_subtree(area, _resolve(parent)))
    if plan.reparent:
        record_event(action=AuditAction.UPDATE, actor=actor, target="grids.area",
                     detail=f"change of areas {change.pk}: {len(moved_areas)} areas moved "
                            f"with their subtrees",
                     changes={"change": change.pk, "areas": [area.pk for area in moved_areas],
                              "to": [_resolve(parent).pk for _a, parent, _r in plan.reparent]})
    for person, target in plan.people:
        person.area = _resolve(target)
        person.save(update_fields=["area"])
    for entry in plan.rosters_ended:
        entry.ends_on = max(day, entry.starts_on)
        entry.save(update_fields=["ends_on"])
    for entry, target in plan.rosters_carried:
        entry.person.refresh_from_db(fields=["area"])
        assign_grid_duty(_resolve(target), entry.duty, entry.person, actor=actor,
                         starts_on=day)
    moves = []
    for item, target, _rule in plan.matters:
        if target is None or _rule == "microgrid":  # it stays in its area, which moved
            moves.append((item.pk, Area.objects.get(pk=item.area_id)))
        else:
            moves.append((item.pk, _resolve(target)))
    moved = _MOVER[0].move(moves, change=change, actor=actor) if moves else 0
    for area in plan.closing:
        area.closed_on = day
        area.save(update_fields=["closed_on"])
    for predecessor, successor in plan.lineage:
        AreaLineage.objects.create(change=change, predecessor=predecessor,
                                   successor=_resolve(successor))
    if plan.renamed and change.kind in (K.RENAME, K.RECODE):
        [area] = plan.areas
        area.refresh_from_db()
        name = plan.renamed.get("name", [None, area.name])[1]
        code = plan.renamed.get("code", [None, area.code])[1]
        area.official_code = plan.renamed.get("official_code",
                                              [None, area.official_code])[1]
        update_area(area, code=code, name=name, grid_type=area.grid_type)
        area.save(update_fields=["official_code"])
    return {
        "created": [{"id": new.created.pk, "code": new.code, "name": new.name}
                    for new in plan.new_areas],
        "closed": [{"id": area.pk, "code": area.code, "name": area.name}
                   for area in plan.closing],
        "moved_areas": [area.pk for area in moved_areas],
        "matters": moved,
        "matters_by_rule": {rule: sum(1 for _i, _t, used in plan.matters if used == rule)
                            for rule in RULES if any(used == rule for _i, _t, used in
                                                     plan.matters)},
        "rosters_ended": len(plan.rosters_ended),
        "rosters_carried": len(plan.rosters_carried),
        "people_moved": len(plan.people),
        "renamed": plan.renamed,
    }


# Reading ------------------------------------------------------------------------------------

def lineage_of(area: Area) -> dict:
    """The areas ``area`` came from and those it became, each with the change's day."""
    before = (AreaLineage.objects.filter(successor=area)
              .select_related("predecessor", "change").order_by("predecessor__code"))
    after = (AreaLineage.objects.filter(predecessor=area)
             .select_related("successor", "change").order_by("successor__code"))
    return {"predecessors": [(link.predecessor, link.change) for link in before],
            "successors": [(link.successor, link.change) for link in after]}


def area_for_request(user, pk) -> Area:
    """The area a request page is about: 404 outside the user's scope, 403 when the user
    may not ask for its changes."""
    area = get_area_for_user(user, pk)
    if not may_request(user, area):
        raise Forbidden(_("Community officers ask for changes of their own community's "
                          "grids; the street's staff and leaders for the street."))
    return area


