"""Operations on the area tree, departments and the grids' duty rosters."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.choices import AreaKind, Duty
from grids.models import PATH_SEPARATOR, Area, Department, DutyAssignment


@transaction.atomic
def create_area(*, kind: str, code: str, name: str, parent: Area | None = None,
                grid_type: str = "", official_code: str = "") -> Area:
    """Add an area under ``parent``. Refuses a shape other than street → community →
    grid → micro-grid, a duplicate code and an official code (CJ/T 349-2010) that is not
    20 digits or is another area's, with a ValidationError naming the field.
    """
    area = Area(kind=kind, code=code, name=name, parent=parent, grid_type=grid_type,
                official_code=official_code.strip())
    area.full_clean(exclude=["path", "depth"])
    area.depth = parent.depth + 1 if parent else 1
    area.save()
    # The path holds the area's own id, which exists only once the row is written.
    area.path = f"{parent.path if parent else ''}{area.pk}{PATH_SEPARATOR}"
    Area.objects.filter(pk=area.pk).update(path=area.path)
    return area


@transaction.atomic
def update_area(area: Area, *, code: str, name: str, grid_type: str = "",
                official_code: str | None = None) -> Area:
    """Change an area's code, name, grid type and (unless None) official code, checked as
    by create_area."""
    area.code, area.name, area.grid_type = code, name, grid_type
    if official_code is not None:
        area.official_code = official_code.strip()
    area.full_clean(exclude=["path", "depth"])
    area.save(update_fields=["code", "name", "grid_type", "official_code"])
    return area


@transaction.atomic
def move_subtree(area: Area, new_parent: Area) -> Area:
    """Put ``area`` and its whole subtree under ``new_parent``, in one UPDATE: the tree
    only. Moving an area is ``risks.services.move_area``, which calls this and then points
    the register's matters at their new places.

    Refuses a move under the area itself or one of its descendants (a cycle) and a
    move that breaks the kind order.
    """
    area = Area.objects.select_for_update().get(pk=area.pk)
    area.parent = new_parent
    area.full_clean(exclude=["path", "depth"])
    old_prefix = area.path
    new_prefix = f"{new_parent.path}{area.pk}{PATH_SEPARATOR}"
    Area.objects.filter(pk=area.pk).update(parent=new_parent)
    Area.objects.filter(path__startswith=old_prefix).update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1)),
        depth=F("depth") + (new_parent.depth + 1 - area.depth),
    )
    area.refresh_from_db()
    return area


@transaction.atomic
def create_department(*, street: Area, code: str, name: str) -> Department:
    department = Department(street=street, code=code, name=name)
    department.full_clean()
    department.save()
    return department


def _person_may_hold_duty_in(person, grid: Area) -> bool:
    if not person.is_active or person.area_id is None:
        return False
    return grid.is_within(person.area) or person.area.is_within(grid)


@transaction.atomic
def assign_grid_duty(grid: Area, duty: str, person, *, actor, starts_on: date | None = None
                     ) -> DutyAssignment:
    """Make ``person`` the holder of ``duty`` in ``grid`` from ``starts_on`` (today).

    The current holder's entry is ended, not overwritten, so the roster of any past
    day can be read back. The person must work in the grid, its community or street.
    """
    if grid.kind != AreaKind.GRID:
        raise ValidationError({"grid": _("Duty rosters are kept per grid.")})
    if duty not in Duty.values:
        raise ValidationError({"duty": _("Unknown duty %(duty)s.") % {"duty": duty}})
    if not _person_may_hold_duty_in(person, grid):
        raise ValidationError(
            {"person": _("%(person)s does not work in %(grid)s.") % {
                "person": person.display_name, "grid": grid.name}}
        )
    starts_on = starts_on or timezone.localdate()
    current = (
        DutyAssignment.objects.select_for_update()
        .filter(grid=grid, duty=duty, ends_on__isnull=True)
        .first()
    )
    if current is not None:
        if current.person_id == person.pk:
            return current
        if starts_on < current.starts_on:
            raise ValidationError(
                {"starts_on": _("The new holder cannot start before the current one started.")}
            )
        current.ends_on = starts_on
        current.save(update_fields=["ends_on"])
    return DutyAssignment.objects.create(
        grid=grid, duty=duty, person=person, starts_on=starts_on, assigned_by=actor
    )


def roster_on(grid: Area, day: date | None = None) -> dict[str, object]:
    """Who held each duty in ``grid`` on ``day`` (today): {duty: user or None}."""
    return rosters_on([grid.pk], day)[grid.pk]


def rosters_on(grid_ids, day: date | None = None) -> dict[int, dict[str, object]]:
    """roster_on for many grids in one query: {grid id: {duty: user or None}}."""
    day = day or timezone.localdate()
    holders = {grid_id: {duty: None for duty in Duty.values} for grid_id in grid_ids}
    entries = (
        DutyAssignment.objects.filter(grid_id__in=list(holders), starts_on__lte=day)
        .exclude(ends_on__lte=day)
        .select_related("person", "person__area")
    )
    for entry in entries:
        holders[entry.grid_id][entry.duty] = entry.person
    return holders
