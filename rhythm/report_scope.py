"""The figures pages (周调 weekly report, 月统 monthly statistics, data quality) narrowed
to what the reader may see.

rhythm.snapshots computes a whole street. A reader whose scope is the street (leaders,
section staff) gets exactly that; a reader whose scope is some of its communities (a
community officer, a supervisor of a group) gets those communities' rows and no street
total. Matters named in a report (stale gradings) are also filtered through
risks.scoping, so section staff see only their department's.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from grids.choices import AreaKind
from grids.models import Area
from grids.scoping import scope_roots, visible_areas
from rhythm import snapshots
from rhythm.models import Snapshot
from risks.scoping import visible_risks


@dataclass(frozen=True)
class FiguresScope:
    street: Area
    streets: tuple  # the streets the reader may choose from (several only for the superuser)
    community_ids: frozenset | None  # None: the whole street

    @property
    def whole_street(self) -> bool:
        return self.community_ids is None

    def keeps(self, community_id) -> bool:
        return self.community_ids is None or community_id in self.community_ids


def figures_scope(user, street_id=None) -> FiguresScope:
    """The street whose figures the user reads and the part of it they may see."""
    roots = scope_roots(user)
    if roots is None:
        streets = tuple(Area.objects.filter(kind=AreaKind.STREET).order_by("code"))
    else:
        street_ids = {root.ancestor_ids()[0] for root in roots}
        streets = tuple(Area.objects.filter(pk__in=street_ids).order_by("code"))
    if not streets:
        raise PermissionDenied(_("You have no area to read figures for."))
    if street_id in (None, ""):
        street = streets[0]
    else:
        street = next((street for street in streets if str(street.pk) == str(street_id)), None)
        if street is None:
            raise Http404("No such street.")
    if roots is None or any(root.pk == street.pk for root in roots):
        return FiguresScope(street, streets, None)
    communities = visible_areas(user).filter(kind=AreaKind.COMMUNITY,
                                             path__startswith=street.path)
    return FiguresScope(street, streets, frozenset(communities.values_list("pk", flat=True)))


# Weekly (周调) ------------------------------------------------------------------------------

def weekly_report(user, scope: FiguresScope, start: date) -> dict:
    """snapshots.weekly_report, for the reader: the whole street's as it is, or the same
    sections folded from the rows of the reader's communities only."""
    report = snapshots.weekly_report(
        scope.street, start, communities=scope.community_ids)
    stale_ids = [risk.pk for risk in report["stale"]]
    report["stale"] = list(visible_risks(user).filter(pk__in=stale_ids)
                           .select_related("community").order_by("graded_at", "id"))
    return report


# Monthly (月统) -----------------------------------------------------------------------------

def monthly_rows(scope: FiguresScope, start: date) -> tuple[list[dict], Snapshot | None]:
    """The month's rows as kept by the monthly job if it ran for that month, otherwise
    computed now; the street's row only for readers of the whole street."""
    start = snapshots.month_start(start)
    kept = Snapshot.objects.filter(street=scope.street, kind=Snapshot.Kind.MONTHLY,
                                   period_start=start).first()
    rows = kept.rows if kept else snapshots.monthly_rows(scope.street, start)
    shown = [row for row in rows if (row["community_id"] is None and scope.whole_street)
             or (row["community_id"] is not None and scope.keeps(row["community_id"]))]
    return shown, kept


# Data quality (数据填报质量) ------------------------------------------------------------------

QUALITY_FIGURES = ("missing_level", "missing_duties", "missing_plan", "unconfirmed_checks",
                   "overdue_warnings", "problems")


def quality_rows(scope: FiguresScope) -> tuple[list[dict], dict | None]:
    """Each community's figures as of today, and the street's sum for whole-street readers."""
    rows = [row for row in snapshots.data_quality_rows(scope.street)
            if scope.keeps(row["community_id"])]
    if not scope.whole_street:
        return rows, None
    total = {figure: sum(row[figure] for row in rows) for figure in QUALITY_FIGURES}
    return rows, {"community_id": None, "community": scope.street.name, **total}
