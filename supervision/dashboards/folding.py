"""Folding the grouped rows into the dashboards' figures (aggregates of aggregates), and
the weekly snapshots' folds kept in the cache.

The cube's rows (queries.py) are folded into a Tally per row (community, grid or street)
and one for everything, from which the totals, the rates, the heat table and the
per-row figures follow. The rates and their targets are risks.figures' (化解率: per level,
resolved or written off over every matter not found invalid), the definition the monthly
statistics and the write-off progress ledger count with too; the cube already holds
those counts (tests/test_one_resolution_rate.py checks that all of them agree).

The weekly trend reads the rhythm's weekly snapshots where they exist and the cube's
live weeks for the others (always the current one). The city's folds the streets'
snapshots, whose per-community folds are cached (a snapshot never changes), and counts
live only the weeks a street has no snapshot for.
"""

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from django.core.cache import cache
from django.utils import timezone

from grids.models import Area
from rhythm.snapshots import week_start
from risks.choices import RiskLevel, RiskStatus, Tier
from risks.figures import TARGETS, is_done, meets_target, rate, resolution_rate
from supervision.dashboards import queries
from supervision.dashboards.figures import (
    LEVELS,
    NOT_GRADED,
    OPEN,
    LastMonth,
    LevelRate,
    Summary,
    TrendWeek,
)
from supervision.dashboards.queries import (
    ESCALATED_TIERS,
    category_column,
    closed_column,
    level_column,
    new_column,
    tier_column,
)
from supervision.scoping import CityScope

logger = logging.getLogger(__name__)

TREND_WEEKS = 12
WEEKLY_FOLDS_KEY = "supervision:weekly-folds:{week}:{digest}"
# A week leaves the trend after TREND_WEEKS weeks; its folds are not needed after that.
FOLD_SECONDS = (TREND_WEEKS + 1) * 7 * 24 * 3600


# The cube, folded ---------------------------------------------------------------------------

@dataclass
class Tally:
    """The matters of an area, folded from the cube's rows (each one status): all of them
    and per status; the open ones per level (NOT_GRADED for those without), per tier and
    past their due date; the valid ones (not found invalid) per level, of which done
    (resolved or written off) and written off. Counters: a count never seen reads 0."""

    total: int = 0
    overdue: int = 0
    by_status: Counter = field(default_factory=Counter)
    open_by_level: Counter = field(default_factory=Counter)
    open_by_tier: Counter = field(default_factory=Counter)
    valid_by_level: Counter = field(default_factory=Counter)
    done_by_level: Counter = field(default_factory=Counter)
    closed_by_level: Counter = field(default_factory=Counter)

    @property
    def open(self) -> int:
        return sum(self.open_by_level.values())

    def add(self, row: dict) -> None:
        """Fold one row of the cube (one status) in."""
        count, status = row["count"], row["status"]
        by_level = {level: row[level_column(level)] for level in LEVELS}
        self.total += count
        self.by_status[status] += count
        if status in OPEN:
            self.overdue += row["past_due"]
            self.open_by_level.update(by_level)
            self.open_by_level[NOT_GRADED] += count - sum(by_level.values())
            escalated = {tier: row[tier_column(tier)] for tier in ESCALATED_TIERS}
            self.open_by_tier[Tier.COMMUNITY] += count - sum(escalated.values())
            self.open_by_tier.update(escalated)
        if status != RiskStatus.INVALID:
            self.valid_by_level.update(by_level)
            if is_done(status):
                self.done_by_level.update(by_level)
            if status == RiskStatus.CLOSED:
                self.closed_by_level.update(by_level)


@dataclass
class Cube:
    """The counts of one grouped scan, folded: for everything, per row (community, grid or
    street), the open matters per category and per row × category (the heat table), and
    the live weeks' new and written-off matters, overall and (the city's) per row."""

    total: Tally = field(default_factory=Tally)
    by_row: dict = field(default_factory=dict)  # row key → Tally
    open_by_category: Counter = field(default_factory=Counter)
    heat: Counter = field(default_factory=Counter)  # (row key, category id) → open
    new_in_week: Counter = field(default_factory=Counter)  # week → reported in it
    closed_in_week: Counter = field(default_factory=Counter)  # week → written off in it
    row_new_in_week: Counter = field(default_factory=Counter)  # (row key, week) → …
    row_closed_in_week: Counter = field(default_factory=Counter)

    def row(self, row_key) -> Tally:
        """The row's tally; an empty one for a row without matters."""
        return self.by_row.get(row_key) or Tally()

    def add(self, row_key, row: dict, weeks: list[date], *, per_row_weeks: bool = False
            ) -> None:
        """Fold one grouped row (one status of one row) in; the weeks' counts per row too
        if asked (the city's trend mixes snapshots and live counts street by street)."""
        tally = self.by_row.get(row_key)
        if tally is None:
            tally = self.by_row[row_key] = Tally()
        tally.add(row)
        self.total.add(row)
        for index, week in enumerate(weeks):
            new, closed = row[new_column(index)], row[closed_column(index)]
            self.new_in_week[week] += new
            self.closed_in_week[week] += closed
            if per_row_weeks:
                self.row_new_in_week[(row_key, week)] += new
                self.row_closed_in_week[(row_key, week)] += closed


def cube(matters, key: str, today: date, weeks: list[date] = ()) -> Cube:
    """The cube of a street or a community (queries.cube_rows, one query), folded per
    ``key`` ("community_id" or "grid_id")."""
    result = Cube()
    for row in queries.cube_rows(matters, key, today, weeks):
        row_key, category_id = row[key], row["category_id"]
        result.add(row_key, row, weeks)
        if row["status"] in OPEN:
            result.open_by_category[category_id] += row["count"]
            result.heat[(row_key, category_id)] += row["count"]
    return result


def street_cube(matters, today: date, categories: list, weeks: list[date] = ()) -> Cube:
    """The cube of the city (queries.street_cube_rows, one statement), folded per street."""
    result = Cube()
    for row in queries.street_cube_rows(matters, today, categories, weeks):
        result.add(row["street_id"], row, weeks, per_row_weeks=True)
        if row["status"] in OPEN:
            for category in categories:
                result.open_by_category[category.pk] += row[category_column(category.pk)]
    return result


# An area's figures ------------------------------------------------------------------------

def level_rates(tally: Tally) -> list[LevelRate]:
    """Resolution (risks.figures) and write-off rate per level against the work plan's
    targets."""
    result = []
    for level in LEVELS:
        valid, done, closed = (tally.valid_by_level[level], tally.done_by_level[level],
                               tally.closed_by_level[level])
        result.append(LevelRate(
            level=level, label=RiskLevel(level).label, valid=valid, done=done,
            closed=closed, resolution_rate=resolution_rate(done, valid),
            write_off_rate=rate(closed, valid), target=TARGETS[level],
            met=meets_target(level, done, valid)))
    return result


SummaryKind = TypeVar("SummaryKind", bound=Summary)


def summarise(tally: Tally, kind: type[SummaryKind] = Summary, **more) -> SummaryKind:
    """An area's figures from its tally, as ``kind`` (Summary or a board's row or top
    figures, which are Summaries with more fields: ``more``)."""
    valid = tally.total - tally.by_status[RiskStatus.INVALID]
    closed = tally.by_status[RiskStatus.CLOSED]
    rates = level_rates(tally)
    return kind(
        total=tally.total, open=tally.open, high_open=tally.open_by_level[RiskLevel.HIGH],
        overdue_matters=tally.overdue, valid=valid, closed=closed,
        write_off_rate=rate(closed, valid),
        levels_below_target=sum(1 for entry in rates if not entry.met), rates=rates,
        **more)


def last_month(street: Area, community_ids: set[int], whole_street: bool) -> LastMonth | None:
    """Last month's rates as the monthly statistics stored them (月统), for comparison:
    the street's row, or the sum of these communities' rows. One query."""
    snapshot = queries.latest_monthly_snapshot(street)
    if snapshot is None:
        return None
    rows = [row for row in snapshot.rows
            if (row.get("community_id") is None if whole_street
                else row.get("community_id") in community_ids)]
    levels: dict[str, list[int]] = {}  # level → [valid, done]
    total = closed = 0
    for row in rows:
        total += row.get("total", 0)
        closed += row.get("closed", 0)
        for level, figures in row.get("levels", {}).items():
            counts = levels.setdefault(level, [0, 0])
            counts[0] += figures.get("total", 0)
            counts[1] += figures.get("done", 0)
    return LastMonth(period_start=snapshot.period_start, write_off_rate=rate(closed, total),
                     levels={level: resolution_rate(done, valid)
                             for level, (valid, done) in levels.items()})


# The weekly trend -------------------------------------------------------------------------

def trend_weeks(today: date) -> list[date]:
    this_week = week_start(today)
    return [this_week - timedelta(weeks=back) for back in range(TREND_WEEKS - 1, -1, -1)]


def trend(weeks: list[date], stored: dict[date, list], counts: Cube,
          live_weeks: list[date], community_ids: set[int]) -> list[TrendWeek]:
    """New vs written off per week, oldest first: from the weekly snapshots where they
    exist (their rows carry community_id, new and closed_in_week), and for the other
    weeks from the cube's live counts."""
    entries = {week: TrendWeek(week=week, source="snapshot") for week in weeks}
    for week, snapshot_rows in stored.items():
        entry = entries[week]
        for row in snapshot_rows:
            if row.get("community_id") in community_ids:
                entry.new += row.get("new", 0)
                entry.closed += row.get("closed_in_week", 0)
    for week in live_weeks:
        entry = entries[week]
        entry.source = "live"
        entry.new, entry.closed = counts.new_in_week[week], counts.closed_in_week[week]
    return [entries[week] for week in weeks]


def city_trend(scope: CityScope, weeks: list[date], snapshots: list[tuple], folds: dict,
               counts: Cube) -> list[TrendWeek]:
    """New vs written off per week, oldest first, street by street: from the street's
    weekly snapshot where it exists (only its communities in scope), otherwise from the
    live counts of the cube. A week is "snapshot", "live" or "mixed" by its sources."""
    in_scope_communities = ({root.pk for root in scope.roots} if scope.roots is not None
                            else set())
    whole = {street.pk for street in scope.streets if scope.covers_whole(street)}
    stored = {(street_id, week): pk for pk, street_id, week, _created in snapshots}
    result = []
    for week in weeks:
        entry = TrendWeek(week=week)
        for street in scope.streets:
            pk = stored.get((street.pk, week))
            if pk is not None:
                entry.snapshot_streets += 1
                for community_id, (new, closed) in folds[pk].items():
                    if street.pk in whole or community_id in in_scope_communities:
                        entry.new += new
                        entry.closed += closed
            else:
                entry.live_streets += 1
                entry.new += counts.row_new_in_week[(street.pk, week)]
                entry.closed += counts.row_closed_in_week[(street.pk, week)]
        entry.source = ("live" if not entry.snapshot_streets else
                        "snapshot" if not entry.live_streets else "mixed")
        result.append(entry)
    return result


# The weekly snapshots' folds, cached --------------------------------------------------------

def weekly_folds_key(week: date, snapshots: list[tuple]) -> str:
    """The cache key of one week's folds: the week and exactly which snapshots (ids and
    creation times; a snapshot stored later for that week makes a new key)."""
    identity = ",".join(f"{pk}:{created_at.timestamp():.6f}"
                        for pk, _street, _week, created_at in sorted(snapshots))
    return WEEKLY_FOLDS_KEY.format(week=week.isoformat(),
                                   digest=hashlib.sha256(identity.encode()).hexdigest()[:32])


def weekly_folds(snapshots: list[tuple]) -> dict[int, dict[int, list[int]]]:
    """Per weekly snapshot (pk, street_id, period_start, created_at): its new and
    written-off matters per community, {community_id: [new, closed_in_week]}.

    A snapshot is stored once and never changed (rhythm.snapshots), so its fold is kept
    in the cache, a week's snapshots under one key: a city's snapshots hold millions of
    rows (a street's weekly snapshot is ~2,000 rows, 0.4 MB; the 1,650 of eleven weeks
    take seconds to fold even inside PostgreSQL), far too many to fold on every page.
    Only weeks not folded yet are read: one query, none once all are cached (after the
    weekly job, the new week's). A cache that fails is a cache miss."""
    if not snapshots:
        return {}
    by_week: dict[date, list[tuple]] = {}
    for snapshot in snapshots:
        by_week.setdefault(snapshot[2], []).append(snapshot)
    keys = {week: weekly_folds_key(week, members) for week, members in by_week.items()}
    try:
        cached = cache.get_many(list(keys.values()))
    except Exception:  # noqa: BLE001 - the cache is an optimisation; count from the rows
        logger.warning("cache unavailable: folding weekly snapshots from their rows",
                       exc_info=True)
        cached = {}
    folds: dict[int, dict[int, list[int]]] = {}
    missing = []
    for week, key in keys.items():
        if key in cached:
            folds.update(cached[key])
        else:
            missing.append(week)
    if missing:
        fresh = queries.fold_snapshots([snapshot[0] for week in missing
                                        for snapshot in by_week[week]])
        folds.update(fresh)
        try:
            cache.set_many({keys[week]: {snapshot[0]: fresh[snapshot[0]]
                                         for snapshot in by_week[week]}
                            for week in missing}, timeout=FOLD_SECONDS)
        except Exception:  # noqa: BLE001 - see above
            logger.warning("cache unavailable: weekly folds not kept", exc_info=True)
    return folds


def warm_city_folds(today: date | None = None) -> int:
    """Fold the whole city's weekly snapshots of the trend's weeks into the cache, so that
    the first city dashboard after the weekly job, a cache flush or an expiry reads folds
    instead of 1,650 snapshots (seconds: bench/city.py). The daily and weekly jobs run it;
    when all is cached it costs one query and one cache read. Returns the snapshots."""
    snapshots = queries.weekly_snapshots(trend_weeks(today or timezone.localdate()))
    return len(weekly_folds(snapshots))
