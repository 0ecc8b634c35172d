"""The two counting ledgers, each from one aggregate query over the filtered matters:
the baseline ledger (底数台账: matters by community × category × level) and the
write-off progress ledger (销号进度台账: per community, the resolution rate 化解率 by
level against the targets as risks.figures defines it, the written-off count and rate,
overdue). Invalid matters (checked: not a risk) are not counted by either."""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from grids.models import Area
from risks import figures
from risks.choices import OPEN_STATUSES, RiskLevel, RiskStatus
from risks.models import Category

LEVELS = (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)
UNGRADED = ""


def counted(queryset):
    return figures.valid_matters(queryset).order_by()


def community_names(ids) -> dict[int, Area]:
    return {area.pk: area for area in Area.objects.filter(pk__in=[i for i in ids if i])}


# Baseline ---------------------------------------------------------------------------------

@dataclass
class BaselineRow:
    community: str
    category: str
    by_level: dict = field(default_factory=dict)  # level code or "" → count

    @property
    def total(self) -> int:
        return sum(self.by_level.values())

    def count(self, level: str) -> int:
        return self.by_level.get(level, 0)


@dataclass
class Baseline:
    rows: list
    totals: dict  # level → count

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def ungraded_total(self) -> int:
        return self.totals.get(UNGRADED, 0)


def baseline(queryset) -> Baseline:
    groups = (counted(queryset)
              .values("community_id", "category_id", "level").annotate(matters=Count("id")))
    cells: dict[tuple, dict] = {}
    for group in groups:
        key = (group["community_id"], group["category_id"])
        cells.setdefault(key, {})[group["level"] or UNGRADED] = group["matters"]
    communities = community_names({community_id for community_id, _ in cells})
    categories = {category.pk: category for category in Category.objects.all()}
    rows, totals = [], {}
    order = sorted(cells, key=lambda key: (
        communities[key[0]].code if key[0] in communities else "",
        categories[key[1]].position, categories[key[1]].code))
    for community_id, category_id in order:
        by_level = cells[(community_id, category_id)]
        community = communities.get(community_id)
        rows.append(BaselineRow(community.name if community else "—",
                                categories[category_id].name, by_level))
        for level, number in by_level.items():
            totals[level] = totals.get(level, 0) + number
    return Baseline(rows, totals)


# Progress ---------------------------------------------------------------------------------

@dataclass
class LevelProgress:
    """One level of a row: valid matters, done (resolved or written off) and written off."""

    level: str
    total: int = 0
    done: int = 0
    closed: int = 0

    @property
    def rate(self) -> float | None:
        """化解率 (risks.figures)."""
        return figures.resolution_rate(self.done, self.total)

    @property
    def write_off_rate(self) -> float | None:
        return figures.rate(self.closed, self.total)

    @property
    def target(self) -> float:
        return figures.TARGETS[self.level]

    @property
    def meets_target(self) -> bool:
        return figures.meets_target(self.level, self.done, self.total)


@dataclass
class ProgressRow:
    community: str
    levels: dict  # level → LevelProgress
    total: int = 0
    done: int = 0
    closed: int = 0
    overdue: int = 0

    @property
    def rate(self) -> float | None:
        """化解率 of every valid matter of the row, graded or not."""
        return figures.resolution_rate(self.done, self.total)

    @property
    def write_off_rate(self) -> float | None:
        return figures.rate(self.closed, self.total)

    @property
    def meets_targets(self) -> bool:
        return all(progress.meets_target for progress in self.levels.values())

    def add(self, level: str | None, group: dict) -> None:
        self.total += group["matters"]
        self.done += group["done"]
        self.closed += group["closed"]
        self.overdue += group["overdue"]
        if level in self.levels:
            progress = self.levels[level]
            progress.total += group["matters"]
            progress.done += group["done"]
            progress.closed += group["closed"]


def new_progress_row(name: str) -> ProgressRow:
    return ProgressRow(name, {level: LevelProgress(level) for level in LEVELS})


def progress(queryset) -> tuple[list[ProgressRow], ProgressRow]:
    """One row per community, and the row of the whole selection."""
    today = timezone.localdate()
    groups = (counted(queryset)
              .values("community_id", "level")
              .annotate(matters=Count("id"), done=figures.done_count(),
                        closed=Count("id", filter=Q(status=RiskStatus.CLOSED)),
                        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES,
                                                     due_on__lt=today))))
    groups = list(groups)
    communities = community_names({group["community_id"] for group in groups})
    rows: dict[int, ProgressRow] = {}
    whole = new_progress_row("合计")
    for group in groups:
        community = communities.get(group["community_id"])
        row = rows.setdefault(group["community_id"],
                              new_progress_row(community.name if community else "—"))
        for target in (row, whole):
            target.add(group["level"], group)
    order = sorted(rows, key=lambda pk: communities[pk].code if pk in communities else "")
    return [rows[pk] for pk in order], whole
