"""Which warnings, checklists and instructions a user sees: those of the matters and
areas in their scope (built on risks.scoping and grids.scoping)."""

from django.db.models import QuerySet
from django.http import Http404

from grids.scoping import area_scope_q
from rhythm.models import DailyCheck, RiskWarning
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
