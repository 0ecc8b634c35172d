"""What the dashboards show, as dataclasses: an area's figures (Summary) with its rates
per level (LevelRate); each board's top figures, table rows, heat table, weekly trend,
listed supervision, campaigns and today's daily check; and the three boards themselves.

Templates read them by attribute (``{{ row.open }}``), as they read dict keys. Only the
chart specifications (charts.py) stay dicts: they are the JSON the browser reads.
"""

from dataclasses import dataclass, field
from datetime import date

from grids.models import Area
from risks.choices import OPEN_STATUSES, RiskLevel
from risks.models import Category, Risk
from supervision.models import Campaign, ListedSupervision, SupervisionGroup
from supervision.scoping import CityScope

NOT_GRADED = "none"  # the level key of open matters without a level (no register filter)
LEVELS = [*RiskLevel.values]
LEVEL_KEYS = [*LEVELS, NOT_GRADED]
OPEN = list(OPEN_STATUSES)


@dataclass
class Bar:
    """One bar of a breakdown and its row in the table beside the chart."""

    key: str
    label: str
    value: int
    link: str  # the register filtered to the same count; "" where it has no such filter


@dataclass(kw_only=True)
class LevelRate:
    """One level's resolution rate (risks.figures) and write-off rate against its target."""

    level: str
    label: str
    valid: int
    done: int
    closed: int
    resolution_rate: float | None
    write_off_rate: float | None
    target: float
    met: bool
    link: str | None = None  # a board's own rates open the register filtered to the level
    last_month: float | None = None  # street and community boards: the monthly statistics'


@dataclass(kw_only=True)
class Summary:
    """The figures of an area (a board, or a row of one): its matters, open, high-level
    open, open past their due date, valid (not found invalid) and written off; the
    write-off rate and the rates per level against the targets."""

    total: int
    open: int
    high_open: int
    overdue_matters: int
    valid: int
    closed: int
    write_off_rate: float | None
    levels_below_target: int
    rates: list[LevelRate]


@dataclass(kw_only=True)
class RegisterLinks:
    """Where a board's top figures lead: the register filtered to the same matters."""

    open: str
    high_open: str
    overdue_matters: str
    closed: str
    overdue_warnings: str  # the warnings' list, not the register


@dataclass(kw_only=True)
class BoardFigures(Summary):
    """The top figures of a street's or a community's dashboard."""

    links: RegisterLinks
    overdue_warnings: int
    overdue_action_items: int
    open_findings: int
    overdue_findings: int
    listings: int


@dataclass(kw_only=True)
class CityFigures(Summary):
    """The top figures of the city dashboard."""

    links: RegisterLinks
    overdue_warnings: int
    streets: int


@dataclass(kw_only=True)
class HeatCell:
    """Open matters of one row × category, the link to them and the cell's shade (0–4)."""

    value: int
    link: str
    category: Category
    band: int


@dataclass(kw_only=True)
class AreaRow(Summary):
    """A row of a street's dashboard (a community) or a community's (a grid, or the
    community's matters on no grid: area None), with its cells of the heat table."""

    area: Area | None
    label: str
    link: str
    dashboard: str  # the community's dashboard, on a street's; "" otherwise
    overdue_warnings: int
    open_findings: int
    overdue_findings: int
    cells: list[HeatCell]
    # where the row's other figures lead (high_open, overdue_matters, overdue_warnings,
    # open_findings); a figure missing here has no list filtered exactly to it
    figure_links: dict[str, str]


@dataclass(kw_only=True)
class StreetRow(Summary):
    """A row of the city dashboard: a street, whole or only its communities in scope
    (then it links nowhere: its dashboard and the register would show more)."""

    area: Area
    label: str
    whole: bool
    dashboard: str
    link: str
    overdue_link: str
    high_open_link: str
    warnings_link: str
    overdue_warnings: int


@dataclass
class GradeCounts:
    """Active listed supervision by grade (supervision.choices.ListingGrade)."""

    normal: int = 0
    yellow: int = 0
    red: int = 0

    def add(self, grade: str, count: int) -> None:
        setattr(self, grade, getattr(self, grade) + count)

    @property
    def total(self) -> int:
        return self.normal + self.yellow + self.red


@dataclass
class FindingCounts:
    """A community's findings still open, and those open past their deadline."""

    open: int = 0
    overdue: int = 0


@dataclass(kw_only=True)
class ScorecardEntry(Summary):
    """A community on its supervision group's scorecard."""

    community: Area
    dashboard: str
    link: str
    overdue_link: str
    high_open_link: str
    warnings_link: str
    overdue_warnings: int
    data_quality_problems: int
    data_quality: dict  # its row of rhythm.snapshots.data_quality_rows ({} if none)
    open_findings: int
    overdue_findings: int
    listings: GradeCounts
    rank: int = 0


@dataclass(kw_only=True)
class HeatTable:
    """Open matters per row × category: the categories shown, the rows, the highest cell."""

    columns: list[Category]
    rows: list[AreaRow]
    max: int


@dataclass(kw_only=True)
class TrendWeek:
    """New and written-off matters of one week and where they were read: "snapshot" (the
    weekly snapshot), "live" (counted now) or, on the city's, "mixed" (some streets each)."""

    week: date
    new: int = 0
    closed: int = 0
    source: str = "snapshot"
    snapshot_streets: int = 0  # the city's: streets read from their snapshot
    live_streets: int = 0  # the city's: streets counted now


@dataclass(kw_only=True)
class LastMonth:
    """Last month's rates as the monthly statistics (月统) stored them."""

    period_start: date
    write_off_rate: float | None
    levels: dict[str, float | None]  # level → resolution rate


@dataclass(kw_only=True)
class CampaignProgress:
    """A special campaign within a board's area: its tasks and linked matters."""

    campaign: Campaign
    tasks: int
    done: int
    overdue: int
    progress: int  # average progress of the tasks, in percent
    matters: int
    open_matters: int


@dataclass(kw_only=True)
class DailyCheck:
    """A community's daily check (日核) of one day: items, confirmed, changed."""

    day: date
    total: int
    confirmed: int
    changed: int
    rate: float | None


@dataclass(kw_only=True)
class Dashboard:
    """A street's dashboard (rows: its communities) or a community's (rows: its grids)."""

    kind: str  # "street" or "community"
    area: Area
    street: Area
    communities: list[Area]
    figures: BoardFigures
    by_status: list[Bar]
    by_level: list[Bar]
    by_category: list[Bar]
    by_tier: list[Bar]
    rates: list[LevelRate]
    last_month: LastMonth | None
    heat: HeatTable
    rows: list[AreaRow]
    trend: list[TrendWeek]
    top_overdue: list[Risk]  # the most overdue first
    listings: list[ListedSupervision]  # the most serious first
    listing_counts: GradeCounts
    campaigns: list[CampaignProgress]
    today: date
    daily_check: DailyCheck | None = None  # a community's board only
    flow: object = None  # a street's board only: risks.flow_figures.FlowTable
    # matters with a red or yellow stage clock, and the register's lists of them
    clock_lights: list = field(default_factory=list)  # [(flag, label, count, link)]
    charts: dict = field(default_factory=dict)


@dataclass(kw_only=True)
class CityDashboard:
    """The district/city level (the work plan's 区/市): every street the user's scope
    reaches, a row each, with the same breakdowns and rates as a street's dashboard."""

    scope: CityScope
    figures: CityFigures
    by_status: list[Bar]
    by_level: list[Bar]
    by_category: list[Bar]
    by_tier: list[Bar]
    rates: list[LevelRate]
    rows: list[StreetRow]
    trend: list[TrendWeek]
    today: date
    charts: dict = field(default_factory=dict)


@dataclass(kw_only=True)
class Scorecard:
    """A supervision group's scorecard: its communities ranked, with the group's totals."""

    group: SupervisionGroup
    communities: list[Area]
    entries: list[ScorecardEntry]
    overall: Summary
    listings: list[ListedSupervision]
    listing_counts: GradeCounts
    last_month: LastMonth | None
    charts: dict = field(default_factory=dict)
