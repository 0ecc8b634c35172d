"""Benchmark of the map (挂图作战, issue 20) on the city preset (150 streets, 3,000
communities, ~30,000 grids, 1,000,000 matters):

    DATABASE_URL=postgres://…/quanfu_scale_city .venv/bin/python bench/map.py
    BENCH_REPETITIONS=3 .venv/bin/python bench/map.py      # fewer runs while developing

It never changes the database it is given. As bench/city.py does, it copies it first
(``CREATE DATABASE quanfu_map_scratch TEMPLATE …``, ~2 GB, a minute), migrates the copy
(the generated database predates the areas' boundaries) and VACUUM ANALYZEs it, then gives
the copy invented boundaries (grids.tessellation.invent_boundaries: the same street and
centre always give the same shapes, so a rerun draws the same map): every street of the
city with its communities, on a lattice of street centres around Licheng, and the busiest
street's grids too. The copy is dropped at the end (BENCH_MAP_KEEP_SCRATCH=1 keeps it; a
later run then reuses it and its boundaries).

Measured, each over BENCH_REPETITIONS runs (default 5) after a warm-up, median and p95,
with the number of SQL statements, through Django's test client as a request does it:

(a) ``areas/map/?within=<busiest street>&kind=grid`` as that street's leader, for each
    figure (its ~200 grids, each with its simplified boundary) — goal ≤ 300 ms;
(b) ``areas/map/?kind=community`` as the superuser: the whole city's 3,000 communities
    with their simplified boundaries — goal ≤ 2 s;
and, for the record, the map's own page of the busiest street's grids (every figure, the
located matters) and that street's dashboard with its map.

BENCH_EXPLAIN=1 adds EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of (a) and (b).
Results go to bench/results/map-<time>.json and into bench/results/latest.json under
"map". The load average is printed beside every figure: the machine is shared.
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

from bench import scratch  # noqa: E402

SOURCE_URL = os.environ.get("DATABASE_URL",
                            "postgres://postgres@127.0.0.1:5432/quanfu_scale_city")
SCRATCH = os.environ.get("BENCH_MAP_SCRATCH_NAME", "quanfu_map_scratch")
KEEP_SCRATCH = os.environ.get("BENCH_MAP_KEEP_SCRATCH") == "1"
REPETITIONS = int(os.environ.get("BENCH_REPETITIONS", 5))
EXPLAIN = os.environ.get("BENCH_EXPLAIN", "") not in ("", "0")
RESULTS = ROOT / "bench" / "results"
GOALS_MS = {"street": 300, "city": 2000}
STREET_SPACING_DEGREES = 0.05  # streets are 2–4 km across: a lattice of 5.5 km × 4.4 km
LATTICE_COLUMNS = 15


SCRATCH_URL, FRESH_COPY = scratch.scratch_copy(SOURCE_URL, SCRATCH, keep=KEEP_SCRATCH,
                                               keep_variable="BENCH_MAP_KEEP_SCRATCH")
os.environ["DATABASE_URL"] = SCRATCH_URL

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from bench.measuring import QueryLog, load_average, percentile  # noqa: E402
from grids.choices import AreaKind  # noqa: E402
from grids.models import Area  # noqa: E402
from grids.tessellation import invent_boundaries  # noqa: E402
from quanfu.shapes import LICHENG_CENTRE  # noqa: E402
from risks.models import Risk  # noqa: E402
from supervision.dashboards.area_map import METRICS  # noqa: E402


class Bench:
    def __init__(self):
        settings.DEBUG = False  # no query log of Django's own: measure what production does
        self.results = []

    def measure(self, name: str, goal: str | None, run) -> dict:
        run()  # warm-up
        times, statements, size = [], 0, 0
        for _ in range(REPETITIONS):
            with QueryLog() as log:
                started = time.perf_counter()
                size = run()
                times.append(time.perf_counter() - started)
            statements = len(log.entries)
        row = {"name": name, "median_ms": statistics.median(times) * 1000,
               "p95_ms": percentile(times, 0.95) * 1000, "runs": REPETITIONS,
               "statements": statements, "bytes": size, "load_average": load_average()}
        if goal:
            row["goal_ms"] = GOALS_MS[goal]
            row["median_within_goal"] = row["median_ms"] <= GOALS_MS[goal]
        self.results.append(row)
        verdict = ("" if not goal else f"  goal {GOALS_MS[goal]:,} ms: "
                   f"{'met' if row['median_within_goal'] else 'MISSED'}")
        print(f"{name:<62} median {row['median_ms']:8.1f} ms  p95 {row['p95_ms']:8.1f} ms  "
              f"{statements:3d} stmts  {size / 1024:7.0f} KiB  load {row['load_average']}"
              f"{verdict}", flush=True)
        return row

    def explain(self, name: str, run) -> None:
        """EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of one run (all reads)."""
        if not EXPLAIN:
            return
        with QueryLog() as log:
            run()
        seconds, sql, parameters, _many = max(log.entries, key=lambda entry: entry[0])
        text = connection.ops.compose_sql(sql, parameters)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + text)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"\n--- EXPLAIN of the slowest statement of {name} ({seconds * 1000:.0f} ms):\n"
              f"{text[:600]}\n{plan}\n", flush=True)
        self.results.append({"name": f"explain: {name}", "sql": text, "plan": plan})

    def prepare(self) -> None:
        scratch.bring_up_to_date(FRESH_COPY)
        busiest = (Risk.objects.values("street").order_by()
                   .annotate(matters=Count("id")).order_by("-matters").first())
        if busiest is None:
            sys.exit("No matters: generate the city first (manage.py generate_scale "
                     "--preset city).")
        self.street = Area.objects.get(pk=busiest["street"])
        self.leader = (User.objects.filter(role=Role.STREET_LEADER, area=self.street,
                                           is_active=True).order_by("id").first())
        if self.leader is None:
            sys.exit(f"No street leader for {self.street.name}.")
        self.root, _created = User.objects.get_or_create(
            username="bench_map_root", defaults={"is_superuser": True, "is_staff": True,
                                                 "name": "基准测试"})
        self.draw_boundaries()
        self.grids = Area.objects.filter(kind=AreaKind.GRID,
                                         path__startswith=self.street.path).count()
        self.counts = {
            "streets": Area.objects.filter(kind=AreaKind.STREET).count(),
            "communities": Area.objects.filter(kind=AreaKind.COMMUNITY).count(),
            "communities_with_boundary": Area.objects.filter(
                kind=AreaKind.COMMUNITY, boundary_simple__isnull=False).count(),
            "matters": Risk.objects.count(),
            "busiest_street": self.street.name,
            "busiest_street_matters": busiest["matters"],
            "busiest_street_grids": self.grids,
            "busiest_street_grids_with_boundary": Area.objects.filter(
                kind=AreaKind.GRID, path__startswith=self.street.path,
                boundary_simple__isnull=False).count(),
        }
        print(", ".join(f"{name} {value:,}" if isinstance(value, int) else f"{name} {value}"
                        for name, value in self.counts.items()))
        print(f"PostgreSQL {connection.pg_version}; {os.cpu_count()} CPUs; load {load_average()}")

    def draw_boundaries(self) -> None:
        """Every street and its communities on a lattice of centres around Licheng, the
        busiest street's grids too (invent_boundaries: the same shapes on every run)."""
        missing = Area.objects.filter(kind=AreaKind.COMMUNITY, boundary__isnull=True).exists()
        busiest_missing = Area.objects.filter(kind=AreaKind.GRID, boundary__isnull=True,
                                              path__startswith=self.street.path).exists()
        if not missing and not busiest_missing:
            print("boundaries already drawn (a kept copy)")
            return
        started = time.perf_counter()
        drawn = 0
        streets = list(Area.objects.filter(kind=AreaKind.STREET).order_by("code"))
        for index, street in enumerate(streets):
            row, column = divmod(index, LATTICE_COLUMNS)
            centre = (LICHENG_CENTRE[0] + (column - LATTICE_COLUMNS / 2) * STREET_SPACING_DEGREES,
                      LICHENG_CENTRE[1] + row * STREET_SPACING_DEGREES * 0.8)
            drawn += invent_boundaries(street, centre=centre, grids=street.pk == self.street.pk)
        print(f"invented the boundaries of {drawn:,} areas in "
              f"{time.perf_counter() - started:.0f} s")

    def page(self, user: User, url: str):
        """A GET through Django's test client, logged in once as ``user`` (untimed); the
        run answers the body's size."""
        client = Client()
        client.force_login(user)

        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return len(response.content)
        return get

    def run(self) -> None:
        street = self.street
        for metric in METRICS:
            self.measure(f"(a) areas/map/ busiest street, {self.grids} grids, {metric}",
                         "street", self.page(self.leader, f"/api/v1/areas/map/?within="
                                                          f"{street.pk}&kind=grid&metric="
                                                          f"{metric}"))
        self.explain("(a) areas/map/ busiest street, grids, open",
                     self.page(self.leader, f"/api/v1/areas/map/?within={street.pk}"
                                            "&kind=grid&metric=open"))
        city = self.page(self.root, "/api/v1/areas/map/?kind=community&metric=open")
        self.measure(f"(b) areas/map/ whole city, {self.counts['communities']:,} "
                     "communities, open", "city", city)
        self.explain("(b) areas/map/ whole city, communities, open", city)
        self.measure("map page: busiest street's grids (every figure, points)", None,
                     self.page(self.leader, f"/supervision/map/?within={street.pk}"
                                            "&kind=grid"))
        self.measure("street dashboard page with its map (busiest street)", None,
                     self.page(self.leader, f"/supervision/street/{street.pk}/"))

    def write(self) -> None:
        RESULTS.mkdir(exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        document = {"benchmark": "map", "at": timezone.now().isoformat(),
                    "host": platform.node(), "cpus": os.cpu_count(),
                    "source_database": urlsplit(SOURCE_URL).path.lstrip("/"),
                    "measured_on": f"{SCRATCH} (a copy, migrated, vacuumed, with invented "
                                   "boundaries)",
                    "repetitions": REPETITIONS, "goals_ms": GOALS_MS, "data": self.counts,
                    "results": self.results}
        text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
        (RESULTS / f"map-{stamp}.json").write_text(text)
        latest_path = RESULTS / "latest.json"
        latest = json.loads(latest_path.read_text()) if latest_path.exists() else {}
        latest["map"] = document
        latest_path.write_text(json.dumps(latest, ensure_ascii=False, indent=2, default=str))
        print(f"results written to bench/results/map-{stamp}.json and latest.json (\"map\")")


def main() -> None:
    bench = Bench()
    try:
        bench.prepare()
        bench.run()
        bench.write()
    finally:
        connection.close()
        scratch.drop_scratch(SOURCE_URL, SCRATCH, keep=KEEP_SCRATCH)


if __name__ == "__main__":
    main()
