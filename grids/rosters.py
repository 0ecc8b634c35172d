"""A community keeps its grids' duty rosters (issue 20: 逐个网格明确调度、摸排、化解责任人,
the community answering for its grids), from its own pages instead of the administrator's.

``community_rosters`` reads every open grid's roster of a community with its history (two
queries); ``keep_grid_duty`` names a holder from a day on, through the roster's one
service, ``grids.services.assign_grid_duty`` (which ends the current entry and opens a
new one; both are audited as model changes).
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.choices import AreaKind, Duty
from grids.models import Area, DutyAssignment
from grids.scoping import BOUNDARY_FIELDS, may_keep_area
from grids.services import assign_grid_duty
from quanfu.errors import Forbidden, RuleBroken


def open_on_q(day: date, field: str = "") -> Q:
    """Areas not closed on ``day`` (a grid closed by a split, merge or retirement keeps
    its history but takes no new holder)."""
    return Q(**{f"{field}closed_on__isnull": True}) | Q(**{f"{field}closed_on__gt": day})


@dataclass
class DutyLine:
    """One duty of one grid: who holds it on the day, who takes over later, who held it."""

    duty: str
    label: str
    holder: DutyAssignment | None = None
    upcoming: list[DutyAssignment] = field(default_factory=list)
    past: list[DutyAssignment] = field(default_factory=list)


@dataclass
class GridRoster:
    grid: Area
    lines: list[DutyLine]

    @property
    def vacant(self) -> int:
        return sum(1 for line in self.lines if line.holder is None)

    @property
    def has_past(self) -> bool:
        return any(line.past for line in self.lines)


def community_rosters(community: Area, day: date | None = None) -> list[GridRoster]:
    """The roster of every grid of ``community`` open on ``day`` (today), each duty with
    its holder on that day, the holders planned from a later day and the past ones, newest
    first. Two queries, whatever the number of grids and entries."""
    day = day or timezone.localdate()
    grids = list(Area.objects.filter(parent=community, kind=AreaKind.GRID)
                 .filter(open_on_q(day)).defer(*BOUNDARY_FIELDS).order_by("code"))
    rosters = {grid.pk: GridRoster(grid, [DutyLine(duty, label) for duty, label in
                                          Duty.choices]) for grid in grids}
    entries = (DutyAssignment.objects.filter(grid_id__in=list(rosters))
               .select_related("person", "assigned_by").order_by("-starts_on", "-pk"))
    position = {duty: index for index, duty in enumerate(Duty.values)}
    for entry in entries:
        line = rosters[entry.grid_id].lines[position[entry.duty]]
        if entry.starts_on > day:
            line.upcoming.insert(0, entry)  # the nearest first
        elif entry.held_on(day):
            line.holder = entry
        else:
            line.past.append(entry)
    return list(rosters.values())


@transaction.atomic
def keep_grid_duty(grid: Area, duty: str, person, *, actor, starts_on: date | None = None
                   ) -> DutyAssignment:
    """The keeper of the grid's community (accounts.roles.COMMUNITY_KEEPER_ROLES) makes
    ``person`` the holder of ``duty`` in ``grid`` from ``starts_on`` (today).

    Refusals: Forbidden unless ``actor`` keeps the grid's community; RuleBroken on
    ``starts_on`` for a day before today (the past roster is what matters were given and
    what 倒查 reads: only the administrator corrects it) or from the day the grid closed;
    on ``person`` for the present holder; and assign_grid_duty's rules, each on its field.
    Side effects: assign_grid_duty's (the current entry ended, a new one opened, each a
    model-change audit entry by ``actor``).
    """
    if not may_keep_area(actor, grid):
        raise Forbidden(_("You do not keep the duty rosters of this grid's community."))
    today = timezone.localdate()
    starts_on = starts_on or today
    if starts_on < today:
        raise RuleBroken(_("A new holder starts today or later; the past roster is kept as "
                           "it was."), field="starts_on")
    if grid.closed_on is not None and starts_on >= grid.closed_on:
        raise RuleBroken(_("This grid closed on %(day)s: it takes no new holder.") % {
            "day": grid.closed_on.isoformat()}, field="starts_on")
    current = (DutyAssignment.objects.filter(grid=grid, duty=duty, ends_on__isnull=True)
               .only("person_id").first())
    if current is not None and current.person_id == person.pk:
        raise RuleBroken(_("%(person)s already holds this duty.") % {
            "person": person.display_name}, field="person")
    try:
        return assign_grid_duty(grid, duty, person, actor=actor, starts_on=starts_on)
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise RuleBroken(messages[0], field=name) from error
