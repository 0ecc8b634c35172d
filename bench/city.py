"""Benchmark of the city level (issue 8): dashboards and the rhythm's jobs on the city
preset (150 streets, 3,000 communities, 1,000,000 matters, ~160,000 warnings).

    make bench-city                              # SCALE_DATABASE_URL, default quanfu_scale_city
    BENCH_REPETITIONS=3 make bench-city          # fewer runs while developing

It never changes the database it is given. It copies it first
(``CREATE DATABASE quanfu_city_scratch TEMPLATE …``, ~2 GB, a minute), migrates the copy
and VACUUM ANALYZEs it (what autovacuum does on a live server), measures there, and drops
the copy at the end (BENCH_CITY_KEEP_SCRATCH=1 keeps it, and a later run reuses it). A copy
rather than transactions rolled back: the daily job commits batch by batch, the copy takes
the migrations the generated database has not had, and every job runs its real code path,
commits included.

Measured, each over BENCH_REPETITIONS runs (default 5; the jobs BENCH_JOB_REPETITIONS,
default 3) after a warm-up, median and p95, with the number of SQL statements:

(a) the busiest street's dashboard: the figures (supervision.dashboards.build) and the
    whole page through Django's test client as that street's leader — goal ≤ 300 ms;
(b) the city dashboard page as a superuser — goal ≤ 2 s — as generated (no weekly
    snapshot: the twelve weeks of the trend counted live), and in the steady state with
    eleven weekly snapshots per street (1,650, synthesised with the weekly rows' shape and
    size inside a transaction rolled back): the first page that folds them, then pages
    reading the folds from the cache;
(c) the 15-minute sweep (rhythm.services.sweep_overdue, then risks.clocks.sweep_clocks)
    over 200,000 open warnings past their deadline and every running stage clock past a
    limit told of at once (the first sweep after an outage) — goal ≤ 5 s for the job's
    transactions, which mark and queue their notices (inbox.runs); the notices written
    from that outbox right after, in a transaction of their own, give the end-to-end
    figure printed beside it — then with
    2,000 warnings past it and the clocks swept 15 minutes before (a 15-minute run in a
    busy week) and none: the existing warnings are opened again and the missing ones added
    (INSERT … SELECT on graded open matters), committed and vacuumed; each run is then a
    transaction rolled back (the sweep is one transaction), timed with the deferred
    foreign-key checks its commit would run; the warnings are put back at the end;
(d) the daily job (rhythm.services.run_daily_checks) for the whole city, committing its
    batches as in production, with yesterday's checklists in place; today's are deleted
    between runs — goal ≤ 60 s.

BENCH_EXPLAIN=1 adds EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of each,
BENCH_EXPLAIN=all of every statement of 200 ms or more. Results go to
bench/results/city-<time>.json and into bench/results/latest.json under "city". The load
average is printed beside every figure: the machine is shared.
"""

import json
import os
import platform
import statistics
import sys
import time
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanfu.settings")

from bench import scratch  # noqa: E402

SOURCE_URL = os.environ.get("DATABASE_URL",
                            "postgres://postgres@127.0.0.1:5432/quanfu_scale_city")
SCRATCH = os.environ.get("BENCH_CITY_SCRATCH_NAME", "quanfu_city_scratch")
KEEP_SCRATCH = os.environ.get("BENCH_CITY_KEEP_SCRATCH") == "1"
REPETITIONS = int(os.environ.get("BENCH_REPETITIONS", 5))
JOB_REPETITIONS = int(os.environ.get("BENCH_JOB_REPETITIONS", 3))
EXPLAIN = os.environ.get("BENCH_EXPLAIN", "")  # "1": the slowest statement; "all": each slow one
EXPLAIN = "" if EXPLAIN == "0" else EXPLAIN
SWEEP_WARNINGS = int(os.environ.get("BENCH_SWEEP_WARNINGS", 200_000))
STEADY_DUE = int(os.environ.get("BENCH_SWEEP_STEADY_DUE", 2_000))
BENCH_WARNING = "基准测试预警（bench/city.py）"
RESULTS = ROOT / "bench" / "results"
GOALS_MS = {"street": 300, "city": 2000, "sweep": 5000, "daily": 60_000}


SCRATCH_URL, FRESH_COPY = scratch.scratch_copy(SOURCE_URL, SCRATCH, keep=KEEP_SCRATCH,
                                               keep_variable="BENCH_CITY_KEEP_SCRATCH")
os.environ["DATABASE_URL"] = SCRATCH_URL

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from bench.measuring import QueryLog, load_average, percentile  # noqa: E402
from grids.choices import AreaKind  # noqa: E402
from grids.models import Area  # noqa: E402
from inbox.runs import write_notice_runs  # noqa: E402
from rhythm import services  # noqa: E402
from rhythm.choices import WarningStatus  # noqa: E402
from rhythm.models import RiskWarning, Snapshot  # noqa: E402
from rhythm.snapshots import week_start  # noqa: E402
from risks.choices import OPEN_STATUSES  # noqa: E402
from risks.clocks import sweep_clocks  # noqa: E402
from risks.models import Risk, StageClock  # noqa: E402
from supervision import dashboards  # noqa: E402
from supervision.scoping import communities_in, get_city_for_dashboard  # noqa: E402

OPEN = [str(status) for status in OPEN_STATUSES]


class RollBack(Exception):
    pass


class Bench:
    def __init__(self):
        settings.DEBUG = False  # no query log of Django's own: measure what production does
        self.results = []

    # Measuring ----------------------------------------------------------------------------

    def measure(self, name: str, goal: str | None, run, *, reset=None,
                rolled_back: bool = False, repetitions: int = REPETITIONS,
                warmup: bool = True) -> dict:
        """Time ``run`` ``repetitions`` times; ``reset`` runs untimed after each run.
        ``rolled_back``: each run inside a transaction rolled back after it."""
        if warmup:
            self._once(run, reset, rolled_back)
        times, statements, outcome = [], 0, None
        for _ in range(repetitions):
            seconds, statements, outcome = self._once(run, reset, rolled_back)
            times.append(seconds)
        row = {"name": name, "median_ms": statistics.median(times) * 1000,
               "p95_ms": percentile(times, 0.95) * 1000, "runs": repetitions,
               "statements": statements, "load_average": load_average()}
        if goal:
            row["goal_ms"] = GOALS_MS[goal]
            row["median_within_goal"] = row["median_ms"] <= GOALS_MS[goal]
        if outcome is not None:
            row["outcome"] = outcome
        self.results.append(row)
        verdict = ("" if not goal else
                   f"  goal {GOALS_MS[goal]:,} ms: "
                   f"{'met' if row['median_within_goal'] else 'MISSED'}")
        print(f"{name:<58} median {row['median_ms']:9.1f} ms  p95 {row['p95_ms']:9.1f} ms  "
              f"{statements:4d} stmts  load {row['load_average']}{verdict}"
              + (f"  → {outcome}" if outcome is not None else ""), flush=True)
        return row

    def _once(self, run, reset, rolled_back):
        try:
            with transaction.atomic() if rolled_back else nullcontext():
                with QueryLog() as log:
                    started = time.perf_counter()
                    outcome = run()
                    seconds = time.perf_counter() - started
                if rolled_back:
                    raise RollBack
        except RollBack:
            pass
        if reset is not None:
            reset()
        return seconds, len(log.entries), outcome

    def explain(self, name: str, run) -> None:
        """EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of one run: the run is
        rolled back to just before it, the statements before the slowest are replayed,
        then the slowest is explained (EXPLAIN ANALYZE executes it); all rolled back."""
        if not EXPLAIN:
            return
        try:
            with transaction.atomic():
                before = transaction.savepoint()
                with QueryLog() as log:
                    run()
                transaction.savepoint_rollback(before)
                slowest = max(range(len(log.entries)), key=lambda index: log.entries[index][0])
                for seconds, sql, _parameters, _many in log.entries:  # where the run's time went
                    print(f"  {seconds * 1000:9.1f} ms  {' '.join(sql.split())[:110]}")
                # BENCH_EXPLAIN=all: every statement of 200 ms or more, in the run's order
                # (each EXPLAIN ANALYZE executes its statement, so the next sees its effect)
                explained = ([index for index, entry in enumerate(log.entries)
                              if entry[0] >= 0.2 and entry[1].lstrip().upper().startswith(
                                  ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"))]
                             if EXPLAIN == "all" else [slowest])
                with connection.cursor() as cursor:
                    for index, (seconds, sql, parameters, many) in enumerate(log.entries):
                        if index > explained[-1]:
                            break
                        if index not in explained:
                            if many:
                                cursor.executemany(sql, parameters)
                            else:
                                cursor.execute(sql, parameters)
                            continue
                        text = connection.ops.compose_sql(sql, parameters)
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + text)
                        plan = "\n".join(row[0] for row in cursor.fetchall())
                        if index != explained[-1]:
                            print(f"\n--- EXPLAIN of statement {index} of {name} "
                                  f"({seconds * 1000:.0f} ms):\n{text[:600]}\n{plan}\n")
                raise RollBack
        except RollBack:
            pass
        print(f"\n--- EXPLAIN of the slowest statement of {name} ({seconds * 1000:.0f} ms):\n"
              f"{text[:600]}{' …' if len(text) > 600 else ''}\n{plan}\n", flush=True)
        self.results.append({"name": f"explain: {name}", "sql": text, "plan": plan})

    # Preparation --------------------------------------------------------------------------

    def prepare(self) -> None:
        scratch.bring_up_to_date(FRESH_COPY)
        busiest = (Risk.objects.values("community__parent").order_by()
                   .annotate(matters=Count("id")).order_by("-matters").first())
        if busiest is None:
            sys.exit("No matters: generate the city first (manage.py generate_scale "
                     "--preset city).")
        self.street = Area.objects.get(pk=busiest["community__parent"])
        self.street_matters = busiest["matters"]
        self.leader = (User.objects.filter(role=Role.STREET_LEADER, area=self.street,
                                           is_active=True).order_by("id").first())
        if self.leader is None:
            sys.exit(f"No street leader for {self.street.name}.")
        self.root, _created = User.objects.get_or_create(
            username="bench_city_root", defaults={"is_superuser": True, "is_staff": True,
                                                  "name": "基准测试"})
        counts = {
            "streets": Area.objects.filter(kind=AreaKind.STREET).count(),
            "communities": Area.objects.filter(kind=AreaKind.COMMUNITY).count(),
            "matters": Risk.objects.count(),
            "open_matters": Risk.objects.filter(status__in=OPEN).count(),
            "warnings": RiskWarning.objects.count(),
            "running_stage_clocks": StageClock.objects.filter(stopped_at=None).count(),
            "busiest_street": self.street.name,
            "busiest_street_matters": self.street_matters,
        }
        self.counts = counts
        print(", ".join(f"{name} {value:,}" if isinstance(value, int) else f"{name} {value}"
                        for name, value in counts.items()))
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            self.jit = cursor.fetchone()[0]
        print(f"PostgreSQL {connection.pg_version}; jit {self.jit} (PGOPTIONS='-c jit=off' "
              f"to compare); {os.cpu_count()} CPUs; load {load_average()}; "
              f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}")

    def fresh(self, user: User) -> User:
        return User.objects.get(pk=user.pk)  # as a request loads it: nothing memoised

    def page(self, user: User, url: str):
        """A GET through Django's test client, logged in once as ``user`` (untimed)."""
        client = Client()
        client.force_login(user)

        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return get

    # (a) and (b): dashboards ---------------------------------------------------------------

    def dashboards(self) -> None:
        street = self.street

        def street_figures():
            user = self.fresh(self.leader)
            dashboards.build(user, kind="street", area=street, street=street,
                             communities=communities_in(user, street))

        def city_figures():
            dashboards.build_city(get_city_for_dashboard(self.fresh(self.root)))

        street_page = self.page(self.leader, f"/supervision/street/{street.pk}/")
        city_page = self.page(self.root, "/supervision/city/")
        label = f"{street.name}, {self.street_matters:,} matters"
        self.measure(f"(a) street dashboard, figures ({label})", "street", street_figures)
        self.measure("(a) street dashboard, page as its leader", "street", street_page)
        self.explain("(a) street dashboard", street_figures)
        self.measure("(b) city dashboard, figures (as generated: 12 live weeks)", None,
                     city_figures)
        self.measure("(b) city dashboard, page as superuser (12 live weeks)", "city",
                     city_page)
        self.explain("(b) city dashboard", city_figures)
        self.steady_state(city_page, city_figures)

    def steady_state(self, city_page, city_figures) -> None:
        """Eleven weekly snapshots per street, made and measured inside a transaction that
        is rolled back; their folds are removed from the cache afterwards."""
        try:
            with transaction.atomic():
                started = time.perf_counter()
                made = self.synthesise_weekly_snapshots()
                print(f"  synthesised {made:,} weekly snapshots in "
                      f"{time.perf_counter() - started:.0f} s")
                snapshots = list(Snapshot.objects.filter(kind=Snapshot.Kind.WEEKLY)
                                 .values_list("pk", "street_id", "period_start", "created_at"))
                weeks = {snapshot[2] for snapshot in snapshots}
                keys = [dashboards.weekly_folds_key(
                    week, [snapshot for snapshot in snapshots if snapshot[2] == week])
                    for week in weeks]
                cache.delete_many(keys)
                self.measure("(b) city dashboard, first page, cache empty (folds all "
                             f"{len(snapshots):,} snapshots)", "city", city_page,
                             repetitions=1, warmup=False)
                self.measure("(b) city dashboard, figures (11 weekly snapshots, cached)",
                             None, city_figures)
                self.measure("(b) city dashboard, page as superuser (11 weekly snapshots)",
                             "city", city_page)
                newest = max(weeks)
                cache.delete(dashboards.weekly_folds_key(
                    newest, [snapshot for snapshot in snapshots if snapshot[2] == newest]))
                self.measure("(b) city dashboard, first page after the weekly job (folds "
                             "the new week's snapshots)", "city", city_page, repetitions=1,
                             warmup=False)
                self.explain("(b) city dashboard, steady state", city_figures)
                cache.delete_many(keys)
                raise RollBack
        except RollBack:
            pass

    def synthesise_weekly_snapshots(self) -> int:
        """Per street, rows shaped like rhythm.snapshots.weekly_rows (one per community ×
        category × level × tier × status, the same keys), stored for the eleven weeks before
        this one: the sizes the weekly job would leave, in one INSERT … SELECT."""
        this_week = week_start(timezone.localdate())
        weeks = [this_week - timedelta(weeks=back) for back in range(1, 12)]
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO rhythm_snapshot (kind, period_start, rows, created_at, street_id) "
                "SELECT 'weekly', week, rows, now(), street_id FROM ("
                "  SELECT a.parent_id AS street_id, jsonb_agg(jsonb_build_object("
                "   'community_id', g.community_id, 'community__name', a.name,"
                "   'category__code', c.code, 'category__name', c.name,"
                "   'level', COALESCE(g.level, ''), 'tier', g.tier, 'status', g.status,"
                "   'total', g.total, 'new', g.new, 'closed_in_week', g.closed,"
                "   'overdue', g.overdue, 'escalated', 0)) AS rows"
                "  FROM (SELECT community_id, category_id, level, tier, status,"
                "        count(*) AS total, count(*) / 50 AS new, count(*) / 80 AS closed,"
                "        count(*) FILTER (WHERE due_on < current_date) AS overdue"
                "        FROM risks_risk GROUP BY 1, 2, 3, 4, 5) g"
                "  JOIN grids_area a ON a.id = g.community_id"
                "  JOIN risks_category c ON c.id = g.category_id GROUP BY a.parent_id"
                ") per_street CROSS JOIN unnest(%s::date[]) AS week "
                "ON CONFLICT (street_id, kind, period_start) DO NOTHING", [weeks])
            return cursor.rowcount

    # (c) the T+2 sweep ---------------------------------------------------------------------

    def open_warnings(self, due: int) -> None:
        """SWEEP_WARNINGS open warnings, ``due`` of them past their deadline: the existing
        ones opened again (their state kept in bench_city_warnings to be put back) and new
        ones on graded open matters for the rest. Committed and vacuumed, so that each run
        starts from tables as a live server would have them."""
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_city_warnings AS "
                           "SELECT id, status, overdue_at, feedback_due FROM rhythm_riskwarning")
            cursor.execute(
                "UPDATE rhythm_riskwarning SET status = %s, overdue_at = NULL, "
                "feedback_due = %s", [WarningStatus.OPEN, now + timedelta(days=1)])
            missing = max(0, SWEEP_WARNINGS - cursor.rowcount)
            cursor.execute(
                "INSERT INTO rhythm_riskwarning (level, content, issued_at, feedback_due, "
                "status, feedback, notified_at, risk_id) "
                "SELECT level, %s, %s, %s, %s, '', %s, id FROM risks_risk "
                f"WHERE status IN ({', '.join(['%s'] * len(OPEN))}) AND level IS NOT NULL "
                "ORDER BY id LIMIT %s",
                [BENCH_WARNING, now - timedelta(days=5), now + timedelta(days=1),
                 WarningStatus.OPEN, now - timedelta(days=5), *OPEN, missing])
            cursor.execute(
                "UPDATE rhythm_riskwarning SET feedback_due = %s WHERE id IN "
                "(SELECT id FROM rhythm_riskwarning ORDER BY id LIMIT %s)",
                [now - timedelta(days=3), due])
            cursor.execute("VACUUM ANALYZE rhythm_riskwarning")
        self.colour_clocks(all_due=due == SWEEP_WARNINGS, now=now)

    def colour_clocks(self, *, all_due: bool, now) -> None:
        """Where the last sweep left off (the clocks' colours are read, not kept): never
        (every clock past its red limit is told of at once: the first sweep after an
        outage) or 15 minutes ago (a 15-minute run). The mark is kept in
        bench_city_clock_sweep to be put back."""
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_city_clock_sweep AS "
                           "SELECT id, swept_until FROM risks_clocksweep")
            since = None if all_due else now - timedelta(minutes=15)
            cursor.execute("DELETE FROM risks_clocksweep")
            cursor.execute("INSERT INTO risks_clocksweep (id, swept_until) VALUES (1, %s)",
                           [since])
            cursor.execute("SELECT COUNT(*) FILTER (WHERE red_at <= %s "
                           "AND (%s::timestamptz IS NULL OR red_at > %s)), "
                           "COUNT(*) FILTER (WHERE yellow_at <= %s AND red_at > %s "
                           "AND (%s::timestamptz IS NULL OR yellow_at > %s)) "
                           "FROM risks_stageclock WHERE stopped_at IS NULL "
                           "AND paused_at IS NULL", [now, since, since, now, now, since, since])
            self.clocks_due = cursor.fetchone()

    def put_clocks_back(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_city_clock_sweep')")
            if cursor.fetchone()[0] is None:
                return
            cursor.execute("DELETE FROM risks_clocksweep")
            cursor.execute("INSERT INTO risks_clocksweep SELECT * FROM bench_city_clock_sweep")
            cursor.execute("DROP TABLE bench_city_clock_sweep")

    def put_warnings_back(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_city_warnings')")
            if cursor.fetchone()[0] is None:
                return
            cursor.execute("DELETE FROM rhythm_riskwarning WHERE content = %s", [BENCH_WARNING])
            cursor.execute(
                "UPDATE rhythm_riskwarning w SET status = b.status, overdue_at = b.overdue_at, "
                "feedback_due = b.feedback_due FROM bench_city_warnings b WHERE b.id = w.id")
            cursor.execute("DROP TABLE bench_city_warnings")
            cursor.execute("VACUUM ANALYZE rhythm_riskwarning")

    def sweep(self) -> None:
        """Each run in a transaction rolled back (the sweep is one transaction), with the
        deferred foreign-key checks its commit would run; the tables vacuumed between runs."""
        def run():
            # the 15-minute job's transactions: warnings and instructions marked, the stage
            # clocks counted; their notices queued (inbox.runs), not yet written
            overdue = services.sweep_overdue(write_notices=False)["warnings_overdue"]
            clocks = sweep_clocks(write_notices=False)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            return overdue + clocks["clocks_red"] + clocks["clocks_yellow"]

        def end_to_end():
            # the same, then the queued notices written, as the job does right after
            marked = run()
            notices = write_notice_runs()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            return f"{marked:,} marked, {notices:,} notices"

        def vacuum():
            with connection.cursor() as cursor:
                cursor.execute("VACUUM rhythm_riskwarning")
                cursor.execute("VACUUM risks_clocksweep")
                cursor.execute("VACUUM inbox_message")

        def clocks_label():
            red, yellow = self.clocks_due
            return (f"; {self.counts['running_stage_clocks']:,} running stage clocks, "
                    f"{red:,} turning red, {yellow:,} yellow")

        try:
            self.open_warnings(due=SWEEP_WARNINGS)
            self.measure(f"(c) T+2 sweep, {SWEEP_WARNINGS:,} open warnings past T+2"
                         + clocks_label(), "sweep", run, reset=vacuum, rolled_back=True,
                         repetitions=JOB_REPETITIONS, warmup=False)
            self.explain("(c) T+2 sweep", run)
            self.measure("(c) the same, end to end: its notices written from the outbox",
                         None, end_to_end, reset=vacuum, rolled_back=True,
                         repetitions=JOB_REPETITIONS, warmup=False)
            self.explain("(c) T+2 sweep end to end", end_to_end)
            self.open_warnings(due=STEADY_DUE)
            self.measure(f"(c) T+2 sweep, {SWEEP_WARNINGS:,} open, {STEADY_DUE:,} past T+2 "
                         "(a 15-minute run)" + clocks_label(), "sweep", run, reset=vacuum,
                         rolled_back=True, repetitions=JOB_REPETITIONS)
            self.open_warnings(due=0)
            self.measure(f"(c) T+2 sweep, {SWEEP_WARNINGS:,} open, none due" + clocks_label(),
                         None, run, rolled_back=True)
        finally:
            self.put_warnings_back()
            self.put_clocks_back()

    # (d) the daily job ---------------------------------------------------------------------

    def forget(self, day) -> None:
        """Remove a day's checklists (what the daily job made)."""
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM rhythm_dailycheckitem WHERE check_list_id IN "
                           "(SELECT id FROM rhythm_dailycheck WHERE day = %s)", [day])
            cursor.execute("DELETE FROM rhythm_dailycheck WHERE day = %s", [day])

    def daily(self) -> None:
        """As on any working day, yesterday's checklists are there (made by the job itself,
        untimed) and the tables' statistics know it: measured on tables emptied and
        analysed, the foreign-key checks of each batch plan a scan of a table believed
        empty and the job takes four times as long. Today's checklists are removed between
        runs (and vacuumed away), yesterday's at the end."""
        today = timezone.localdate()
        yesterday = today - timedelta(days=1)

        def run():
            return services.run_daily_checks(today)

        def reset():
            self.forget(today)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE rhythm_dailycheckitem")
                cursor.execute("VACUUM ANALYZE rhythm_dailycheck")

        self.forget(today)
        self.forget(yesterday)
        services.run_daily_checks(yesterday)
        reset()
        try:
            self.measure("(d) daily job, whole city (commits per batch)", "daily", run,
                         reset=reset, repetitions=JOB_REPETITIONS, warmup=False)
            run()
            self.measure("(d) daily job again (nothing new)", None, run,
                         repetitions=JOB_REPETITIONS)
            self.forget(today)
            self.explain("(d) daily job", run)
        finally:
            self.forget(today)
            self.forget(yesterday)

    # Results ------------------------------------------------------------------------------

    def write(self) -> None:
        RESULTS.mkdir(exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        document = {"benchmark": "city", "at": timezone.now().isoformat(),
                    "host": platform.node(), "cpus": os.cpu_count(),
                    "source_database": urlsplit(SOURCE_URL).path.lstrip("/"),
                    "measured_on": f"{SCRATCH} (a copy, migrated and vacuumed)",
                    "repetitions": REPETITIONS, "job_repetitions": JOB_REPETITIONS,
                    "goals_ms": GOALS_MS, "jit": self.jit, "data": self.counts,
                    "results": self.results}
        text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
        (RESULTS / f"city-{stamp}.json").write_text(text)
        latest_path = RESULTS / "latest.json"
        latest = json.loads(latest_path.read_text()) if latest_path.exists() else {}
        latest["city"] = document
        latest_path.write_text(json.dumps(latest, ensure_ascii=False, indent=2, default=str))
        print(f"results written to bench/results/city-{stamp}.json and latest.json (\"city\")")


def main() -> None:
    bench = Bench()
    try:
        bench.prepare()
        only = set(filter(None, os.environ.get("BENCH_CITY_ONLY", "").split(",")))
        if not only or "dashboards" in only:
            bench.dashboards()
        if not only or "sweep" in only:
            bench.sweep()
        if not only or "daily" in only:
            bench.daily()
        bench.write()
    finally:
        connections.close_all()
        scratch.drop_scratch(SOURCE_URL, SCRATCH, keep=KEEP_SCRATCH)


if __name__ == "__main__":
    main()
