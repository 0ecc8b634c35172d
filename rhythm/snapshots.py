"""Figures kept as they were: the weekly update (周调), the monthly statistics (月统) and
the data-quality feedback (数据填报质量定期反馈). Each is a handful of aggregate queries
over the matters, whatever their number, stored once per street and period."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from grids.models import Area
from quanfu.clock import local_day_bounds, local_midnight
from quanfu.natural_order import natural_key
from rhythm.calendar import workday_q
from rhythm.choices import WarningStatus
from rhythm.models import DailyCheckItem, RiskWarning, Snapshot
from rhythm.overdue import overdue_warning_q
from risks import data_gaps
from risks.choices import (
    LEVEL_ORDER,
    OPEN_STATUSES,
    Action,
    EventKind,
    RiskLevel,
    RiskStatus,
    Tier,
)
from risks.data_gaps import gap_q
from risks.figures import (
    TARGETS,
    done_count,
    meets_target,
    rate,
    resolution_rate,
    valid_matters,
)
from risks.models import Risk, RiskEvent

STALE_GRADING_DAYS = 7  # 周调: the plan re-grades weekly


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def _street_matters(street: Area):
    return Risk.objects.filter(community__path__startswith=street.path)


def _store(street: Area, kind: str, period_start: date, compute) -> tuple[Snapshot, bool]:
    """Keep one snapshot per street, kind and period: the unique constraint decides."""
    existing = Snapshot.objects.filter(street=street, kind=kind, period_start=period_start)
    found = existing.first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return Snapshot.objects.create(street=street, kind=kind, period_start=period_start,
                                           rows=compute()), True
    except IntegrityError:  # another worker stored it first
        return existing.get(), False


# Weekly -----------------------------------------------------------------------------------

def weekly_rows(street: Area, start: date) -> list[dict]:
    """Counts per community × category × level × tier × status at the end of the week,
    with what happened in the week: new, written off, overdue, escalated."""
    begin, end = local_day_bounds(start, days=7)
    in_week = Q(created_at__gte=begin, created_at__lt=end)
    escalated = RiskEvent.objects.filter(
        risk=OuterRef("pk"), kind=EventKind.TRANSITION, action=Action.ESCALATE,
        created_at__gte=begin, created_at__lt=end)
    rows = (
        _street_matters(street).filter(created_at__lt=end)
        .annotate(escalated_in_week=Exists(escalated))
        .values("community_id", "community__name", "category__code", "category__name",
                "level", "tier", "status")
        .annotate(
            total=Count("id"),
            new=Count("id", filter=in_week),
            closed_in_week=Count("id", filter=Q(closed_at__gte=begin, closed_at__lt=end)),
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES,
                                         due_on__lt=start + timedelta(days=7))),
            escalated=Count("id", filter=Q(escalated_in_week=True)),
        )
        .order_by("community__name", "category__code", "level", "tier", "status")
    )
    return [{**row, "level": row["level"] or ""} for row in rows]


def take_weekly_snapshot(street: Area, start: date) -> tuple[Snapshot, bool]:
    start = week_start(start)
    return _store(street, Snapshot.Kind.WEEKLY, start, lambda: weekly_rows(street, start))


def summarise(rows: list[dict], key: str) -> dict[str, dict[str, int]]:
    """Fold weekly rows by one key (community__name, category__name, level, tier)."""
    totals: dict[str, dict[str, int]] = {}
    for row in rows:
        bucket = totals.setdefault(row[key] or "", {
            "total": 0, "new": 0, "reported": 0, "verified": 0, "resolving": 0,
            "resolved": 0, "closed": 0, "invalid": 0, "closed_in_week": 0, "overdue": 0,
            "escalated": 0})
        bucket["total"] += row["total"]
        for field in ("new", "closed_in_week", "overdue", "escalated"):
            bucket[field] += row[field]
        if row["status"] in bucket:
            bucket[row["status"]] += row["total"]
    return totals


# The lines of the weekly report: communities and categories by their number (natural
# order), levels high → low then ungraded, tiers upwards.
LINE_ORDER = {
    "level": lambda level: (LEVEL_ORDER.get(level, len(LEVEL_ORDER)), level),
    "tier": lambda tier: (Tier.values.index(tier) if tier in Tier.values else len(Tier.values),
                          tier),
}


def weekly_report(street: Area, start: date, communities=None) -> dict:
    """This week's figures (live) against last week's snapshot, by community, category,
    level and tier; and the matters whose grading is stale. ``communities`` (ids) narrows
    the figures to those communities, for a reader who sees only some."""
    start = week_start(start)

    def kept(rows):
        if communities is None:
            return rows
        return [row for row in rows if row["community_id"] in communities]

    # A week the weekly job kept is read as it was kept, never computed again from the
    # areas of today: a grid split or moved since leaves that week's figures as they were.
    this_week = Snapshot.objects.filter(street=street, kind=Snapshot.Kind.WEEKLY,
                                        period_start=start).first()
    current = kept(this_week.rows if this_week else weekly_rows(street, start))
    previous_snapshot = Snapshot.objects.filter(
        street=street, kind=Snapshot.Kind.WEEKLY, period_start=start - timedelta(days=7)
    ).first()
    previous = kept(previous_snapshot.rows if previous_snapshot else weekly_rows(
        street, start - timedelta(days=7)))
    report = {"week_start": start, "week_end": start + timedelta(days=6), "sections": [],
              "kept_at": this_week.created_at if this_week else None}
    for key in ("community__name", "category__name", "level", "tier"):
        now_totals, then_totals = summarise(current, key), summarise(previous, key)
        lines = []
        for name, figures in sorted(now_totals.items(), key=lambda item: LINE_ORDER.get(
                key, natural_key)(item[0])):
            before = then_totals.get(name, {})
            lines.append({"name": name, **figures,
                          "change": figures["total"] - before.get("total", 0)})
        report["sections"].append({"key": key, "lines": lines})
    report["stale"] = list(stale_gradings(street))
    return report


def stale_gradings(street: Area, today: date | None = None):
    """Open, graded matters not re-graded for STALE_GRADING_DAYS (周调: re-grade weekly)."""
    today = today or timezone.localdate()
    limit = local_midnight(today - timedelta(days=STALE_GRADING_DAYS))
    return (_street_matters(street).filter(status__in=OPEN_STATUSES, level__isnull=False,
                                           graded_at__lt=limit)
            .select_related("community").order_by("graded_at")[:200])


# Monthly ----------------------------------------------------------------------------------

def monthly_rows(street: Area, start: date) -> list[dict]:
    """Per community and for the whole street: the resolution rate (化解率, risks.figures)
    by level against the targets and by category, the write-off rate, and the on-time
    feedback rate of the warnings due that month. The period's matters: the valid ones
    reported before the month's end. Two grouped queries whatever their number."""
    next_month = (start + timedelta(days=32)).replace(day=1)
    end = local_midnight(next_month)
    groups = (valid_matters(_street_matters(street).filter(created_at__lt=end))
              .values("community_id", "community__name", "level", "category__code",
                      "category__name")
              .annotate(total=Count("id"), done=done_count(),
                        closed=Count("id", filter=Q(status=RiskStatus.CLOSED)))
              .order_by())
    feedback = (RiskWarning.objects
                .filter(risk__community__path__startswith=street.path,
                        feedback_due__gte=local_midnight(start), feedback_due__lt=end)
                .values("risk__community_id")
                .annotate(due=Count("id"),
                          on_time=Count("id", filter=Q(status=WarningStatus.ANSWERED,
                                                        answered_at__lte=F("feedback_due")))))
    on_time = {row["risk__community_id"]: row for row in feedback}
    communities: dict[int, dict] = {}
    street_entry = _new_entry(None, street.name)
    for group in groups:
        entry = communities.get(group["community_id"])
        if entry is None:
            entry = communities[group["community_id"]] = _new_entry(
                group["community_id"], group["community__name"])
        for bucket in (entry, street_entry):
            _add_group(bucket, group)
    result = [_rates(entry, on_time.get(entry["community_id"])) for entry in
              sorted(communities.values(), key=lambda entry: natural_key(entry["community"]))]
    all_feedback = {"due": sum(row["due"] for row in on_time.values()),
                    "on_time": sum(row["on_time"] for row in on_time.values())}
    return [*result, _rates(street_entry, all_feedback)]


def _new_entry(community_id: int | None, name: str) -> dict:
    return {"community_id": community_id, "community": name, "levels": {}, "categories": {},
            "total": 0, "done": 0, "closed": 0}


def _add_group(entry: dict, group: dict) -> None:
    """Fold one group (community × level × category) into a community's or the street's
    counts."""
    for name in ("total", "done", "closed"):
        entry[name] += group[name]
    if group["level"]:
        level = entry["levels"].setdefault(group["level"], {"total": 0, "done": 0})
        level["total"] += group["total"]
        level["done"] += group["done"]
    category = entry["categories"].setdefault(group["category__code"], {
        "name": group["category__name"], "total": 0, "done": 0, "closed": 0})
    for name in ("total", "done", "closed"):
        category[name] += group[name]


def _rates(entry: dict, feedback: dict | None) -> dict:
    levels = {}
    for level in RiskLevel.values:
        counts = entry["levels"].get(level, {"total": 0, "done": 0})
        levels[level] = {**counts, "rate": resolution_rate(counts["done"], counts["total"]),
                         "target": TARGETS[level],
                         "met": meets_target(level, counts["done"], counts["total"])}
    categories = {code: {**counts, "rate": resolution_rate(counts["done"], counts["total"])}
                  for code, counts in sorted(entry["categories"].items())}
    feedback = feedback or {}
    return {"community_id": entry["community_id"], "community": entry["community"],
            "levels": levels, "categories": categories, "total": entry["total"],
            "done": entry["done"], "closed": entry["closed"],
            "resolution_rate": resolution_rate(entry["done"], entry["total"]),
            "write_off_rate": rate(entry["closed"], entry["total"]),
            "feedback_due": feedback.get("due", 0),
            "feedback_on_time": feedback.get("on_time", 0),
            "on_time_feedback_rate": rate(feedback.get("on_time", 0), feedback.get("due", 0))}


def take_monthly_snapshot(street: Area, start: date) -> tuple[Snapshot, bool]:
    start = month_start(start)
    return _store(street, Snapshot.Kind.MONTHLY, start, lambda: monthly_rows(street, start))


# Data quality -----------------------------------------------------------------------------

def data_quality_rows(street: Area, today: date | None = None) -> list[dict]:
    """Per community: matters missing a level, duties or a plan, daily-check items left
    unconfirmed on the working days of the last seven days, and overdue warnings. Five
    grouped queries."""
    today = today or timezone.localdate()
    matters = _street_matters(street)
    counts: dict[int, dict] = {
        area.pk: {"community_id": area.pk, "community": area.name, "missing_level": 0,
                  "missing_duties": 0, "missing_plan": 0, "unconfirmed_checks": 0,
                  "overdue_warnings": 0}
        for area in Area.objects.filter(path__startswith=street.path, kind="community")
    }

    def add(queryset, key, field="community_id"):
        for row in queryset.values(field).annotate(count=Count("id")).order_by():
            if row[field] in counts:
                counts[row[field]][key] = row["count"]

    # the register's ``gap=`` filter lists what each of these counts (risks.data_gaps)
    add(matters.filter(gap_q(data_gaps.LEVEL)), "missing_level")
    add(matters.filter(gap_q(data_gaps.DUTIES)), "missing_duties")
    add(matters.filter(gap_q(data_gaps.PLAN)), "missing_plan")
    # A checklist of a weekend or a holiday (the official calendar) is nobody's duty:
    # its items left open are not missing.
    add(DailyCheckItem.objects.filter(
        workday_q("check_list__day"),
        check_list__day__gte=today - timedelta(days=7), check_list__day__lt=today,
        confirmed_at__isnull=True, check_list__community__path__startswith=street.path),
        "unconfirmed_checks", field="check_list__community_id")
    add(RiskWarning.objects.filter(overdue_warning_q(timezone.now()),
                                   risk__community__path__startswith=street.path),
        "overdue_warnings", field="risk__community_id")
    for entry in counts.values():
        entry["problems"] = sum(value for key, value in entry.items()
                                if key not in ("community_id", "community", "problems"))
    return sorted(counts.values(), key=lambda entry: natural_key(entry["community"]))


def take_data_quality_snapshot(street: Area, day: date) -> tuple[Snapshot, bool]:
    start = week_start(day)
    return _store(street, Snapshot.Kind.DATA_QUALITY, start,
                  lambda: data_quality_rows(street, day))
