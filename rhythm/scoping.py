"""Which warnings, checklists and instructions a user sees: those of the matters and
areas in their scope (built on risks.scoping and grids.scoping)."""

from django.db.models import Q, QuerySet
from django.http import Http404

from grids.choices import AreaKind
from grids.models import Area
from grids.scoping import area_scope_q
from rhythm.models import (
    DailyCheck,
    InstructionRecipient,
    RiskWarning,
    WorkInstruction,
    ZeroReport,
)
from risks.scoping import visible_risks


def visible_warnings(user) -> QuerySet[RiskWarning]:
    return RiskWarning.objects.filter(risk__in=visible_risks(user))


def get_warning_for_user(user, pk) -> RiskWarning:
    try:
        return visible_warnings(user).select_related("risk").get(pk=pk)
    except (RiskWarning.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such warning.") from error


def visible_daily_checks(user) -> QuerySet[DailyCheck]:
    return DailyCheck.objects.filter(area_scope_q(user, "community__"))


def visible_instructions(user) -> QuerySet[WorkInstruction]:
    """Instructions about the areas in the user's scope; one about a matter also needs the
    matter to be visible (section staff see only their department's matters)."""
    return WorkInstruction.objects.filter(area_scope_q(user, "area__")).filter(
        Q(risk__isnull=True) | Q(risk__in=visible_risks(user)))


def get_recipient_for_worker(user, pk) -> InstructionRecipient:
    """An instruction sent to this grid worker; anyone else's answers 404."""
    try:
        return (InstructionRecipient.objects.filter(worker=user)
                .select_related("instruction", "instruction__risk").get(pk=pk))
    except (InstructionRecipient.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such instruction.") from error


def instructions_to(user) -> QuerySet[InstructionRecipient]:
    """The instructions sent to this person (one row per instruction: their copy, with
    their answer); nobody else's."""
    if not user.is_authenticated:  # (the schema's generator asks as nobody)
        return InstructionRecipient.objects.none()
    return InstructionRecipient.objects.filter(worker=user)


def zero_report_grids(user) -> QuerySet[Area]:
    """The grids whose zero reports a user sees: the grids in their scope and, for a
    person of a micro-grid, the grid it lies in (the grid they report for)."""
    if not user.is_authenticated:
        return Area.objects.none()
    condition = area_scope_q(user)
    if user.area_id and user.area.kind == AreaKind.MICROGRID:
        condition |= Q(pk=user.area.parent_id)
    return Area.objects.filter(condition, kind=AreaKind.GRID)


def visible_zero_reports(user) -> QuerySet[ZeroReport]:
    """Zero reports of the grids a user sees (zero_report_grids): a grid worker's own
    grid, whoever of its workers filed them; an officer's community; a leader's street."""
    if not user.is_authenticated:
        return ZeroReport.objects.none()
    condition = area_scope_q(user, "grid__")
    if user.area_id and user.area.kind == AreaKind.MICROGRID:
        condition |= Q(grid_id=user.area.parent_id)
    return ZeroReport.objects.filter(condition)
