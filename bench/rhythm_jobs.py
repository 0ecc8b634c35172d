"""Benchmark of the daily job (日核) and the T+2 sweep on 100,000 matters and 20,000
warnings (issue 4). Run through `make bench-rhythm` (PostgreSQL, its own database).

It fills the bench database once (bulk inserts, not the services: this measures the jobs,
not the loader), then times each job over several repetitions, resetting what the job
changed between repetitions, and prints median and p95 with the rows touched.
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanfu.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from bench.measuring import load_average  # noqa: E402
from grids.choices import AreaKind  # noqa: E402
from grids.demo import load_areas  # noqa: E402
from grids.models import Area  # noqa: E402
from inbox.models import Message  # noqa: E402
from rhythm import services  # noqa: E402
from rhythm.calendar import feedback_due_for  # noqa: E402
from rhythm.choices import WarningStatus  # noqa: E402
from rhythm.models import DailyCheck, RiskWarning  # noqa: E402
from risks.models import Category, Risk  # noqa: E402

MATTERS = int(os.environ.get("BENCH_MATTERS", 100_000))
WARNINGS = int(os.environ.get("BENCH_WARNINGS", 20_000))
REPETITIONS = int(os.environ.get("BENCH_REPETITIONS", 5))
STATUSES = ["reported"] * 15 + ["verified"] * 15 + ["resolving"] * 40 + ["resolved"] * 10 + \
    ["closed"] * 18 + ["invalid"] * 2


def populate() -> None:
    if Risk.objects.count() >= MATTERS:
        return
    print(f"filling the bench database: {MATTERS:,} matters, {WARNINGS:,} warnings …")
    started = time.perf_counter()
    rng = random.Random(1)
    street = load_areas()
    communities = {area.pk: area for area in Area.objects.filter(kind=AreaKind.COMMUNITY)}
    officers = []
    for community in communities.values():
        user, _ = User.objects.get_or_create(
            username=f"bench_{community.code}",
            defaults={"role": Role.COMMUNITY_OFFICER, "area": community, "name": "专干"})
        officers.append(user)
    officer_of = {user.area_id: user for user in officers}
    grids = list(Area.objects.filter(kind=AreaKind.GRID, path__startswith=street.path))
    categories = list(Category.objects.all())
    now = timezone.now()
    batch = []
    for number in range(MATTERS):
        grid = rng.choice(grids)
        officer = officer_of[grid.parent_id]
        status = rng.choice(STATUSES)
        batch.append(Risk(
            code=f"QF-BENCH-{number:07d}", title="基准测试事项", description="基准测试",
            category=rng.choice(categories), area=grid, street=street,
            community_id=grid.parent_id, grid=grid, status=status,
            level=rng.choice(["high", "medium", "low"]),
            created_at=now, updated_at=now, discovered_at=now,
            dispatch_person=officer, investigate_person=officer, resolve_person=officer,
            stabilize_person=officer))
        if len(batch) == 5000:
            Risk.objects.bulk_create(batch)
            batch = []
    Risk.objects.bulk_create(batch)
    open_ids = list(Risk.objects.filter(status__in=["reported", "verified", "resolving"])
                    .values_list("id", flat=True)[:WARNINGS])
    issued = now - timedelta(days=10)
    due = feedback_due_for(issued)
    RiskWarning.objects.bulk_create(
        [RiskWarning(risk_id=pk, level="medium", content="基准预警", issued_at=issued,
                     feedback_due=due, notified_at=issued) for pk in open_ids],
        batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"filled in {time.perf_counter() - started:.1f} s")


def measure(name: str, run, reset) -> None:
    times, result = [], None
    for _ in range(REPETITIONS):
        reset()
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"{name:<34} median {statistics.median(times) * 1000:9.1f} ms   "
          f"p95 {p95 * 1000:9.1f} ms   ({REPETITIONS} runs)  load {load_average()} → {result}")


def reset_daily() -> None:
    with transaction.atomic():
        DailyCheck.objects.filter(day=timezone.localdate()).delete()


def reset_sweep() -> None:
    with transaction.atomic():
        RiskWarning.objects.filter(status=WarningStatus.OVERDUE).update(
            status=WarningStatus.OPEN, overdue_at=None)
        Message.objects.filter(kind="warning_overdue").delete()


def main() -> None:
    populate()
    open_matters = Risk.objects.filter(status__in=["reported", "verified", "resolving"]).count()
    print(f"{Risk.objects.count():,} matters ({open_matters:,} open), "
          f"{RiskWarning.objects.count():,} warnings, database {connection.vendor}")
    measure("daily job (all checklists)", lambda: services.run_daily_checks(
        timezone.localdate()), reset_daily)
    measure("daily job again (nothing new)", lambda: services.run_daily_checks(
        timezone.localdate()), lambda: None)
    measure(f"T+2 sweep ({WARNINGS:,} overdue)", services.sweep_overdue, reset_sweep)
    measure("T+2 sweep again (nothing due)", services.sweep_overdue, lambda: None)


if __name__ == "__main__":
    main()
