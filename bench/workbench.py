"""Benchmark of the workbench (issue 17): the home page of the busiest street's leader at
the city preset (150 streets, 1,000,000 matters), through Django's test client as that
leader, median of BENCH_REPETITIONS runs (default 20) after two warm-ups — goal ≤ 150 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/quanfu_scale_city \\
        .venv/bin/python bench/workbench.py

Also timed, the same way: the groups alone (workbench.todo.todo_for), the street
dashboard's headline figures alone (workbench.street_figures) and ``me/todo/``. Each
line says how many SQL statements one run sent; BENCH_EXPLAIN=1 adds the five slowest
statements of one page with their times.

It never changes the database it is given: everything — the leader's session, the login's
``last_login``, and any migration the generated database has not had yet — happens inside
one transaction that is rolled back at the end. Results go to
bench/results/workbench-<time>.json and under "workbench" in bench/results/latest.json,
the load average beside every figure: the machine is shared.
"""

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanfu.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/quanfu_scale_city")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from bench.measuring import QueryLog, load_average, percentile  # noqa: E402
from grids.models import Area  # noqa: E402
from risks.models import Risk  # noqa: E402
from workbench.desk import Desk  # noqa: E402
from workbench.street_figures import street_figures  # noqa: E402
from workbench.todo import todo_for  # noqa: E402

REPETITIONS = int(os.environ.get("BENCH_REPETITIONS", 20))
EXPLAIN = os.environ.get("BENCH_EXPLAIN") == "1"
GOAL_MS = 150
RESULTS = ROOT / "bench" / "results"


class RollBack(Exception):
    pass


class Bench:
    def __init__(self):
        settings.DEBUG = False  # no query log of Django's own: measure what production does
        self.results = []
        self.data = {}

    def prepare(self) -> None:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            call_command("migrate", "--noinput", verbosity=0)
            names = [f"{migration.app_label}.{migration.name}" for migration, _ in pending]
            print(f"applied {len(pending)} missing migrations inside the transaction that is "
                  f"rolled back: {', '.join(names)}")
            self.data["migrations_applied_and_rolled_back"] = names
        busiest = (Risk.objects.values("street_id").order_by()
                   .annotate(matters=Count("id")).order_by("-matters").first())
        if busiest is None:
            sys.exit("No matters: generate the city first (make scale-data PRESET=city).")
        self.street = Area.objects.get(pk=busiest["street_id"])
        self.leader = (User.objects.filter(role=Role.STREET_LEADER, area=self.street,
                                           is_active=True).order_by("id").first())
        if self.leader is None:
            sys.exit(f"No street leader for {self.street.name}.")
        self.client = Client()
        self.client.force_login(self.leader)
        self.data.update({
            "matters": Risk.objects.count(),
            "streets": Area.objects.filter(kind="street").count(),
            "busiest_street": self.street.name,
            "busiest_street_matters": busiest["matters"],
            "leader": self.leader.username,
        })
        groups = todo_for(self.fresh())
        self.data["groups"] = {group.kind: group.count for group in groups}
        print(", ".join(f"{name} {value:,}" if isinstance(value, int) else f"{name} {value}"
                        for name, value in self.data.items()), flush=True)
        print(f"PostgreSQL {connection.pg_version}; {os.cpu_count()} CPUs; load {load_average()}; "
              f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}", flush=True)

    def fresh(self) -> User:
        return User.objects.get(pk=self.leader.pk)  # as a request loads it: nothing memoised

    def get(self, url: str):
        def run():
            response = self.client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return run

    def measure(self, name: str, run, *, goal: bool = False) -> None:
        for _ in range(2):
            run()
        times = []
        for _ in range(REPETITIONS):
            with QueryLog() as log:
                started = time.perf_counter()
                run()
                times.append(time.perf_counter() - started)
        row = {"name": name, "median_ms": statistics.median(times) * 1000,
               "p95_ms": percentile(times, 0.95) * 1000, "runs": REPETITIONS,
               "statements": len(log.entries), "load_average": load_average()}
        if goal:
            row["goal_ms"] = GOAL_MS
            row["median_within_goal"] = row["median_ms"] <= GOAL_MS
        self.results.append(row)
        verdict = (f"  goal {GOAL_MS} ms: {'met' if row['median_within_goal'] else 'MISSED'}"
                   if goal else "")
        print(f"{name:<52} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
              f"{row['statements']:3d} stmts  load {row['load_average']}{verdict}", flush=True)
        if EXPLAIN:
            slowest = sorted(log.entries, key=lambda entry: -entry[0])[:5]
            for seconds, sql, _parameters, _many in slowest:
                print(f"    {seconds * 1000:7.1f} ms  {sql[:160]}")

    def run(self) -> None:
        label = f"{self.street.name}, {self.data['busiest_street_matters']:,} matters"
        self.measure(f"home page as the street leader ({label})", self.get("/"), goal=True)
        self.measure("the groups alone (todo_for)", lambda: todo_for(self.fresh()))
        self.measure("the dashboard's four figures alone",
                     lambda: street_figures(Desk(self.fresh())))
        self.measure("me/todo/ as the street leader", self.get("/api/v1/me/todo/"))

    def write(self) -> None:
        RESULTS.mkdir(exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        document = {"benchmark": "workbench", "at": timezone.now().isoformat(),
                    "host": platform.node(), "cpus": os.cpu_count(),
                    "database": urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/"),
                    "measured_in": "one transaction, rolled back", "repetitions": REPETITIONS,
                    "goal_ms": GOAL_MS, "data": self.data, "results": self.results}
        text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
        (RESULTS / f"workbench-{stamp}.json").write_text(text)
        latest_path = RESULTS / "latest.json"
        latest = json.loads(latest_path.read_text()) if latest_path.exists() else {}
        latest["workbench"] = document
        latest_path.write_text(json.dumps(latest, ensure_ascii=False, indent=2, default=str))
        print(f"results written to bench/results/workbench-{stamp}.json and latest.json "
              f"(\"workbench\")")


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The workbench benchmark runs on PostgreSQL (DATABASE_URL=postgres://…).")
    bench = Bench()
    try:
        with transaction.atomic():
            bench.prepare()
            bench.run()
            raise RollBack
    except RollBack:
        pass
    bench.write()


if __name__ == "__main__":
    main()
