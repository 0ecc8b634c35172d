"""Benchmark of the dashboards (issue 7) on the bench database that bench/rhythm_jobs.py
fills (100,000 matters, 20,000 warnings). Run through `make bench-dashboards`, or:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/quanfu_bench \
        .venv/bin/python bench/dashboards.py

It adds only what dashboards need beside the matters (a street leader, the three
supervision groups and their supervisors, a few findings and listings), never changes the
matters, and times the street's dashboard, the largest community's and a group's
scorecard: the figures alone (supervision.dashboards) and the whole page through Django's
test client, each over several repetitions (median and p95, and the number of queries).
The trend is measured twice: with no weekly snapshot (every week counted live) and with
eleven weekly snapshots (the steady state once the weekly job has run), the snapshots
taken inside a transaction that is rolled back. Goal: street dashboard under 300 ms.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanfu.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from grids.choices import AreaKind  # noqa: E402
from grids.models import Area  # noqa: E402
from rhythm.snapshots import take_weekly_snapshot, week_start  # noqa: E402
from risks.models import Risk  # noqa: E402
from supervision import dashboards, services  # noqa: E402
from supervision.demo import load_supervision_groups  # noqa: E402
from supervision.models import Finding, Inspection, ListedSupervision  # noqa: E402
from supervision.scoping import communities_in  # noqa: E402

MATTERS = int(os.environ.get("BENCH_MATTERS", 100_000))
REPETITIONS = int(os.environ.get("BENCH_REPETITIONS", 11))
GOAL_MS = 300


def person(username: str, role: str, area: Area) -> User:
    user, _ = User.objects.get_or_create(username=username,
                                         defaults={"role": role, "area": area, "name": username})
    return user


def prepare():
    """The people and supervision records the dashboards read (idempotent)."""
    street = Area.objects.filter(kind=AreaKind.STREET).order_by("code").first()
    if street is None or Risk.objects.count() < MATTERS:
        raise SystemExit("The bench database has no matters: run `make bench-rhythm` first.")
    leader = person("bench_leader", Role.STREET_LEADER, street)
    supervisors = [person(f"supervisor_g{number}", Role.SUPERVISOR, street)
                   for number in (1, 2, 3)]
    groups = load_supervision_groups(street)
    for group, supervisor in zip(groups, supervisors, strict=True):
        if group.leader_id is None:
            group.leader = supervisor
            group.save(update_fields=["leader"])
    group = groups[0]
    largest = (Risk.objects.filter(community__in=group.communities.all())
               .values("community").annotate(matters=Count("id")).order_by("-matters").first())
    community = Area.objects.get(pk=largest["community"])
    officer = (User.objects.filter(role=Role.COMMUNITY_OFFICER, area=community).first()
               or person(f"bench_officer_{community.code}", Role.COMMUNITY_OFFICER, community))
    if not Inspection.objects.filter(group=group).exists():
        today = timezone.localdate()
        for area in group.communities.order_by("code"):
            inspection = services.record_inspection(
                actor=group.leader, group=group, community=area, held_on=today,
                checked="基准测试：查阅台账。")
            for days in (-1, 5, 10):
                services.record_finding(inspection, actor=group.leader,
                                        description="台账更新不及时。",
                                        rectification_required="补齐台账。",
                                        deadline=today + timedelta(days=max(days, 0)))
            services.list_for_supervision(actor=leader, community=area, reason="基准测试。",
                                          deadline=today + timedelta(days=7))
    return street, leader, group, community, officer


def measure(name: str, run) -> dict:
    run()  # warm-up: connection, caches, the first query plans
    times, queries = [], 0
    for _ in range(REPETITIONS):
        with CaptureQueriesContext(connection) as context:
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        queries = len(context.captured_queries)
    times.sort()
    median = statistics.median(times) * 1000
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] * 1000
    print(f"{name:<46} median {median:8.1f} ms   p95 {p95:8.1f} ms   "
          f"{queries:3d} queries   ({REPETITIONS} runs)")
    return {"name": name, "median_ms": median, "p95_ms": p95, "queries": queries}


def breakdown(run) -> None:
    """Where one run of the street's figures spends its time: the slowest queries."""
    with CaptureQueriesContext(connection) as context:
        started = time.perf_counter()
        run()
        total = (time.perf_counter() - started) * 1000
    timed = sorted(((float(query["time"]) * 1000, query["sql"]) for query in
                    context.captured_queries), reverse=True)
    in_sql = sum(milliseconds for milliseconds, _sql in timed)
    print(f"  one run: {total:.0f} ms, of which SQL {in_sql:.0f} ms; slowest queries:")
    for milliseconds, sql in timed[:4]:
        print(f"  {milliseconds:7.1f} ms  {sql[:90]}")


def fresh(user: User) -> User:
    """The user as a request would load it: nothing memoised from an earlier run."""
    return User.objects.get(pk=user.pk)


def run_all(street, leader, group, community, officer, label: str) -> list[dict]:
    client = Client()
    results = []

    def street_figures():
        user = fresh(leader)
        dashboards.build(user, kind="street", area=street, street=street,
                         communities=communities_in(user, street))

    def community_figures():
        dashboards.build(fresh(officer), kind="community", area=community, street=street,
                         communities=[community])

    def scorecard():
        dashboards.scorecard(fresh(group.leader), group,
                             list(group.communities.order_by("code")))

    def page(user, url):
        def get():
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return get

    results.append(measure(f"street dashboard, figures ({label})", street_figures))
    breakdown(street_figures)
    results.append(measure(f"street dashboard, page ({label})",
                           page(leader, f"/supervision/street/{street.pk}/")))
    results.append(measure(f"community dashboard, figures ({label})", community_figures))
    results.append(measure(f"community dashboard, page ({label})",
                           page(officer, f"/supervision/community/{community.pk}/")))
    results.append(measure(f"group scorecard, figures ({label})", scorecard))
    results.append(measure(f"group scorecard, page ({label})",
                           page(group.leader, f"/supervision/groups/{group.pk}/")))
    return results


class RollBack(Exception):
    pass


def main() -> None:
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; the goal is stated for PostgreSQL")
    call_command("migrate", "--noinput", verbosity=0)
    street, leader, group, community, officer = prepare()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{Risk.objects.count():,} matters in {street.name}; {community.name} has "
          f"{Risk.objects.filter(community=community).count():,}; "
          f"{Finding.objects.count()} findings, "
          f"{ListedSupervision.objects.filter(status='active').count()} active listings; "
          f"database {connection.vendor}; load average "
          f"{', '.join(f'{value:.1f}' for value in os.getloadavg())}")
    # How fast is this machine right now? One plain scan of the matters, for scale.
    measure("baseline: SELECT count(*) of the matters", lambda: Risk.objects.count())
    results = run_all(street, leader, group, community, officer, "no snapshots")
    try:
        with transaction.atomic():
            this_week = week_start(timezone.localdate())
            for weeks_back in range(1, dashboards.TREND_WEEKS):
                take_weekly_snapshot(street, this_week - timedelta(weeks=weeks_back))
            results += run_all(street, leader, group, community, officer,
                               "11 weekly snapshots")
            raise RollBack
    except RollBack:
        pass
    for result in results:
        if result["name"].startswith("street dashboard"):
            median_ok = "under" if result["median_ms"] < GOAL_MS else "OVER"
            p95_ok = "under" if result["p95_ms"] < GOAL_MS else "OVER"
            print(f"goal {GOAL_MS} ms — {result['name']}: median {median_ok}, p95 {p95_ok}")


if __name__ == "__main__":
    main()
