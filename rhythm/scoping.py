"""Which warnings, checklists and instructions a user sees: those of the matters and
areas in their scope (built on risks.scoping and grids.scoping)."""

from django.db.models import Q, QuerySet
from django.http import Http404

from grids.scoping import area_scope_q
from rhythm.models import DailyCheck, InstructionRecipient, RiskWarning, WorkInstruction
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
