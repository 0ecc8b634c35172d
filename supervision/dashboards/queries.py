"""The dashboards' SQL: grouped aggregates, never matters loaded into Python.

- The cube: one grouped scan of the matters per community or grid × status × category
  (cube_rows), or for the city per community × status rolled up to streets by one join
  (street_cube_rows), with how many of each level and tier, how many past their due date
  and, for each of the trend's live weeks, how many were reported and written off in it
  (COUNT … FILTER). Its columns are named by the functions below; folding.py folds it.
- The weekly snapshots of the trend: which there are, their rows (a street's), or their
  new and written-off matters per community summed inside the database (the city's).
- One small query each for overdue warnings, overdue action items, findings, listed
  supervision, campaigns, the top overdue matters and today's daily check.
"""

from datetime import date

from django.db import connection, connections
from django.db.models import Avg, Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone

from grids.choices import AreaKind
from grids.models import Area
from meetings.filters import action_items_within_q
from meetings.overdue import overdue_action_items
from quanfu.clock import local_day_bounds
from rhythm.models import DailyCheckItem, RiskWarning, Snapshot
from rhythm.overdue import overdue_warning_q
from risks.choices import ClockFlag, Tier
from risks.clocks import lit_q, with_colour
from risks.figures import rate
from risks.models import Category, Risk, StageClock
from supervision.choices import (
    GRADE_ORDER,
    OPEN_FINDING_STATUSES,
    FindingStatus,
    ListingStatus,
    TaskStatus,
)
from supervision.dashboards.figures import (
    LEVELS,
    OPEN,
    CampaignProgress,
    DailyCheck,
    FindingCounts,
    GradeCounts,
)
from supervision.models import Campaign, CampaignMatter, CampaignTask, Finding
from supervision.scoping import CityScope, visible_listings

TOP_OVERDUE = 10
LISTINGS_SHOWN = 20
FOLD_CHUNK = 20  # weekly snapshots parsed at a time when their folds are not cached yet
ESCALATED_TIERS = [tier for tier in Tier.values if tier != Tier.COMMUNITY]

GRADE_RANK = Case(*[When(grade=grade, then=Value(index)) for index, grade in
                    enumerate(GRADE_ORDER)], output_field=IntegerField())


# The cube ---------------------------------------------------------------------------------

def level_column(level: str) -> str:
    return f"level_{level}"


def tier_column(tier: str) -> str:
    return f"tier_{tier}"


def new_column(index: int) -> str:
    """Reported in the ``index``-th of the cube's weeks."""
    return f"new_{index}"


def closed_column(index: int) -> str:
    """Written off in the ``index``-th of the cube's weeks."""
    return f"closed_{index}"


def category_column(category_id: int) -> str:
    return f"category_{category_id}"


def _aggregates(today: date, weeks: list[date]) -> dict:
    """The counts of a cube row: all, per level and escalated tier, past their due date,
    and for each of ``weeks`` reported and written off in it (COUNT … FILTER)."""
    aggregates = {
        "count": Count("id"),
        **{level_column(level): Count("id", filter=Q(level=level)) for level in LEVELS},
        **{tier_column(tier): Count("id", filter=Q(tier=tier)) for tier in ESCALATED_TIERS},
        "past_due": Count("id", filter=Q(due_on__lt=today)),
    }
    for index, week in enumerate(weeks):
        begin, end = local_day_bounds(week, days=7)
        aggregates[new_column(index)] = Count("id", filter=Q(created_at__gte=begin,
                                                             created_at__lt=end))
        aggregates[closed_column(index)] = Count("id", filter=Q(closed_at__gte=begin,
                                                                closed_at__lt=end))
    return aggregates


def cube_rows(matters, key: str, today: date, weeks: list[date] = ()) -> list[dict]:
    """One query: matters counted per ``key`` ("community_id" or "grid_id") × category ×
    status, with how many of each level and tier, how many past their due date, and for
    each of ``weeks`` how many were reported and written off in it. Few grouping columns
    and a few COUNT … FILTER keep the scan cheap; at most communities × categories ×
    statuses rows, whatever the matters."""
    aggregates = _aggregates(today, weeks)
    # Grouped in the order of the covering index (supervision migration 0005): community,
    # status, category — read in index order, no sort.
    return _plain_rows(matters.values(key, "status", "category_id").annotate(**aggregates)
                       .order_by())


def street_cube_rows(matters, today: date, categories: list,
                     weeks: list[date] = ()) -> list[dict]:
    """The cube of the city: one statement counting the matters per community × status in
    a subquery (a plain scan the database can run in parallel, no join per matter), then
    rolling those few thousand rows up to their streets with one join to the area table.
    Open matters per category are COUNT … FILTER columns (seven of them) rather than a
    grouping column, so the subquery keeps communities × statuses groups. Rows (with
    "street_id"): streets × statuses, whatever the number of matters or communities."""
    aggregates = _aggregates(today, weeks)
    for category in categories:
        aggregates[category_column(category.pk)] = Count("id",
                                                         filter=Q(category_id=category.pk))
    inner = matters.values("community_id", "status").annotate(**aggregates).order_by()
    sql, params = inner.query.sql_with_params()
    quote = connections[inner.db].ops.quote_name
    sums = ", ".join(f"SUM(counts.{quote(name)}) AS {quote(name)}" for name in aggregates)
    statement = (
        f"SELECT area.parent_id AS street_id, counts.status AS status, {sums} "
        f"FROM ({sql}) counts JOIN {quote(Area._meta.db_table)} area "
        "ON area.id = counts.community_id GROUP BY area.parent_id, counts.status")
    with connections[inner.db].cursor() as cursor:
        cursor.execute(statement, params)
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    # SUM of counts is numeric on PostgreSQL: back to int.
    return [{name: value if name in ("street_id", "status") else int(value)
             for name, value in zip(names, values, strict=True)} for values in rows]


def _plain_rows(queryset) -> list[dict]:
    """The rows of a values() queryset read straight from the cursor: the SQL is the
    ORM's, but Django's per-value converters (one Python call per count, dozens of counts
    per row) cost more than the query itself here; the database already returns ints."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def matters_of(community_ids: list[int]):
    return Risk.objects.filter(community_id__in=community_ids)


def matters_in_city(scope: CityScope):
    """The matters the city dashboard counts: no area filter for the whole city, else one
    path-prefix test per root of the scope."""
    matters = Risk.objects.all()
    if not scope.whole_city:
        matters = matters.filter(scope.matters_q())
    return matters


def categories() -> list[Category]:
    return list(Category.objects.order_by("position", "code"))


def grids_of(community: Area) -> dict[int, Area]:
    return {grid.pk: grid for grid in Area.objects.filter(
        parent=community, kind=AreaKind.GRID).order_by("code")}


# The snapshots ----------------------------------------------------------------------------

def stored_weeks(street: Area, weeks: list[date]) -> dict[date, list]:
    """The weekly snapshots (周调) of these weeks, their rows: one query."""
    return dict(Snapshot.objects.filter(street=street, kind=Snapshot.Kind.WEEKLY,
                                        period_start__in=weeks)
                .values_list("period_start", "rows"))


def weekly_snapshots(weeks: list[date], streets: list[Area] | None = None) -> list[tuple]:
    """(pk, street_id, period_start, created_at) of these weeks' weekly snapshots, of
    these streets (None: every street): one query, no rows read."""
    snapshots = Snapshot.objects.filter(kind=Snapshot.Kind.WEEKLY, period_start__in=weeks)
    if streets is not None:
        snapshots = snapshots.filter(street__in=[street.pk for street in streets])
    return list(snapshots.values_list("pk", "street_id", "period_start", "created_at"))


def fold_snapshots(pks: list[int]) -> dict[int, dict[int, list[int]]]:
    """Fold these weekly snapshots' rows per community, {pk: {community_id: [new,
    closed_in_week]}}: one query. PostgreSQL sums the rows inside the jsonb (five times
    faster than sending them to be parsed here); other databases send the rows,
    FOLD_CHUNK snapshots at a time."""
    folds: dict[int, dict[int, list[int]]] = {pk: {} for pk in pks}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.id, (e.value ->> 'community_id')::bigint, "
                "SUM(COALESCE((e.value ->> 'new')::integer, 0)), "
                "SUM(COALESCE((e.value ->> 'closed_in_week')::integer, 0)) "
                f"FROM {connection.ops.quote_name(Snapshot._meta.db_table)} s "
                "CROSS JOIN LATERAL jsonb_array_elements(s.rows) AS e(value) "
                "WHERE s.id = ANY(%s) GROUP BY 1, 2", [pks])
            for pk, community_id, new, closed in cursor.fetchall():
                folds[pk][community_id] = [int(new), int(closed)]
        return folds
    rows_of = (Snapshot.objects.filter(pk__in=pks).values_list("pk", "rows")
               .iterator(chunk_size=FOLD_CHUNK))
    for pk, rows in rows_of:
        fold = folds[pk]
        for row in rows:
            counts = fold.setdefault(row.get("community_id"), [0, 0])
            counts[0] += row.get("new", 0)
            counts[1] += row.get("closed_in_week", 0)
    return folds


def latest_monthly_snapshot(street: Area) -> Snapshot | None:
    """The street's last monthly statistics (月统): one query."""
    return (Snapshot.objects.filter(street=street, kind=Snapshot.Kind.MONTHLY)
            .order_by("-period_start").first())


# The small queries ------------------------------------------------------------------------

def listings(user, community_ids: list[int]) -> tuple[list, GradeCounts, dict[int, GradeCounts]]:
    """Active listed supervision in scope: the most serious first, and counts by grade
    (overall and per community). Two queries."""
    active = visible_listings(user).filter(status=ListingStatus.ACTIVE,
                                           community_id__in=community_ids)
    shown = list(active.select_related("community", "risk").annotate(rank=GRADE_RANK)
                 .order_by("-rank", "deadline", "id")[:LISTINGS_SHOWN])
    counts = GradeCounts()
    per_community: dict[int, GradeCounts] = {}
    for row in active.values("community_id", "grade").annotate(count=Count("id")).order_by():
        counts.add(row["grade"], row["count"])
        per_community.setdefault(row["community_id"], GradeCounts()).add(row["grade"],
                                                                         row["count"])
    return shown, counts, per_community


def findings(community_ids: list[int], today: date) -> dict[int, FindingCounts]:
    """Open findings and those past their deadline, per community: one query."""
    rows = (Finding.objects.filter(community_id__in=community_ids).values("community_id")
            .annotate(open=Count("id", filter=Q(status__in=OPEN_FINDING_STATUSES)),
                      overdue=Count("id", filter=Q(status=FindingStatus.OPEN,
                                                   deadline__lt=today)),
                      total=Count("id"))
            .order_by())
    return {row["community_id"]: FindingCounts(open=row["open"], overdue=row["overdue"])
            for row in rows}


def campaigns(community_ids: list[int], street: Area | None,
              today: date) -> list[CampaignProgress]:
    """Each campaign's progress within the dashboard's area: its tasks owned by the
    area's communities (and, on the street's dashboard, by the street's departments) and
    the area's matters linked to it. Three queries."""
    owned = Q(owner_community_id__in=community_ids)
    if street is not None:
        owned |= Q(owner_department__street=street)
    tasks = {row["campaign_id"]: row for row in CampaignTask.objects.filter(owned)
             .values("campaign_id")
             .annotate(total=Count("id"), done=Count("id", filter=Q(status=TaskStatus.DONE)),
                       overdue=Count("id", filter=~Q(status=TaskStatus.DONE)
                                     & Q(deadline__lt=today)),
                       progress=Avg("progress"))
             .order_by()}
    links = {row["campaign_id"]: row for row in CampaignMatter.objects
             .filter(risk__community_id__in=community_ids).values("campaign_id")
             .annotate(total=Count("id"), open=Count("id", filter=Q(risk__status__in=OPEN)))
             .order_by()}
    result = []
    for campaign in Campaign.objects.filter(is_active=True).order_by("position", "code"):
        task = tasks.get(campaign.pk, {})
        link = links.get(campaign.pk, {})
        result.append(CampaignProgress(
            campaign=campaign, tasks=task.get("total", 0), done=task.get("done", 0),
            overdue=task.get("overdue", 0),
            progress=round(task["progress"]) if task.get("progress") is not None else 0,
            matters=link.get("total", 0), open_matters=link.get("open", 0)))
    return result


def overdue_warnings(community_ids: list[int], key: str) -> dict[int, int]:
    """Warnings past T+2 without feedback (rhythm.overdue: marked by the sweep or not yet,
    as the warnings page counts them), per ``key`` ("community_id" or "grid_id")."""
    return overdue_warnings_where(Q(risk__community_id__in=community_ids), key)


def overdue_warnings_where(condition: Q, key: str) -> dict[int, int]:
    """Overdue warnings (as overdue_warnings) of the warnings meeting ``condition``, per
    ``key`` of their matter: one grouped query (the map's, the dashboards')."""
    field_name = f"risk__{key}"
    # COUNT(*), not COUNT(id): the two partial indexes of overdue and of open warnings
    # answer it (rhythm.models.RiskWarning)
    return {row[field_name]: row["count"] for row in RiskWarning.objects
            .filter(overdue_warning_q(timezone.now()), condition)
            .values(field_name).annotate(count=Count("*")).order_by()}


def clock_lights(community_ids: list[int]) -> dict[str, int]:
    """Matters with a running clock that turned red or yellow (a matter with both counts
    once under each), as the register's ``clock=`` filter finds them: one grouped query."""
    now = timezone.now()
    counts = {row["flag"]: row["count"] for row in with_colour(
              StageClock.objects.filter(lit_q(now),
                                        # their streets' lights (clock_street_lights_idx),
                                        # then these communities
                                        street_id__in=Area.objects.filter(pk__in=community_ids)
                                        .values("parent_id"), community_id__in=community_ids),
              now).values("flag").annotate(count=Count("risk_id", distinct=True)).order_by()}
    return {flag: counts.get(flag, 0) for flag in (ClockFlag.RED, ClockFlag.YELLOW)}


def overdue_warnings_by_street(scope: CityScope) -> dict[int, int]:
    """Warnings past T+2 without feedback, per street: one grouped query."""
    warnings = RiskWarning.objects.filter(overdue_warning_q(timezone.now()))
    if not scope.whole_city:
        warnings = warnings.filter(scope.matters_q("risk__community__"))
    return {row["street_id"]: row["count"] for row in warnings
            .values(street_id=F("risk__community__parent_id"))
            .annotate(count=Count("*")).order_by()}


def overdue_actions(user, area: Area) -> int:
    """Open action items of approved minutes past their deadline (meetings.overdue),
    of the area's meetings or on its matters, as the action items' list finds them
    (``overdue=true&within=``)."""
    return overdue_action_items(user).filter(action_items_within_q(area)).count()


def top_overdue(matters, today: date) -> list[Risk]:
    return list(matters.filter(status__in=OPEN, due_on__lt=today)
                .select_related("community", "category").order_by("due_on", "id")
                [:TOP_OVERDUE])


def daily_check_progress(community: Area, day: date) -> DailyCheck:
    """Today's daily check (日核) of the community: items on the checklist, confirmed,
    changed. One query."""
    counts = DailyCheckItem.objects.filter(
        check_list__community=community, check_list__day=day).aggregate(
        total=Count("id"), confirmed=Count("id", filter=Q(confirmed_at__isnull=False)),
        changed=Count("id", filter=Q(outcome="changed")))
    return DailyCheck(day=day, total=counts["total"], confirmed=counts["confirmed"],
                      changed=counts["changed"],
                      rate=rate(counts["confirmed"], counts["total"]))
