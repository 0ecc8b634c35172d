"""What a change of areas' preview (grids.restructuring) counts of the rhythm: the open
warnings and today's unconfirmed checklist items of the matters in the changed areas.
Neither is rewritten: a warning belongs to its matter and follows it; a checklist item
stays on its community's checklist of the day, and the matter is on its new community's
list from the next daily job. Registered in RhythmConfig.ready."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.restructuring import register_count
from rhythm.choices import WarningStatus
from rhythm.models import DailyCheckItem, RiskWarning
from risks.area_changes import MOVED_STATUSES


def _matters_in(areas, prefix: str) -> Q:
    condition = Q(pk__in=[])
    for area in areas:
        condition |= Q(**{f"{prefix}area__path__startswith": area.path})
    return condition & Q(**{f"{prefix}status__in": MOVED_STATUSES})


def count_open_warnings(areas) -> int:
    return RiskWarning.objects.filter(
        _matters_in(areas, "risk__"),
        status__in=[WarningStatus.OPEN, WarningStatus.OVERDUE]).count()


def count_checklist_items(areas) -> int:
    return DailyCheckItem.objects.filter(
        _matters_in(areas, "risk__"), check_list__day=timezone.localdate(),
        confirmed_at__isnull=True).count()


def register() -> None:
    register_count("open_warnings", _("Open warnings: they follow their matters"),
                   count_open_warnings)
    register_count("checklist_items", _("Today's unconfirmed checklist items: they stay on "
                                        "today's checklist; the matters are on their new "
                                        "community's list from tomorrow"),
                   count_checklist_items)
