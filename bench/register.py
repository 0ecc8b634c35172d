"""Benchmark of the register on generated data, as a ratio to raw SQL (issue 8).

Run through `make bench` after `make scale-data PRESET=street` (PostgreSQL, database
`quanfu_scale`). For each scenario it times the request through Django's test client as a
street leader (session auth, no network) and, in the same run, the same rows fetched in raw
SQL through psycopg (the fastest possible answer: one count and one page query with the
same predicates, ordering and columns, then the page's stage clocks, which every row of
the API and every badge of the page carries), then prints median, p95, the ratio of the
medians and the number of SQL queries per request, and writes bench/results/register-<time>.json and
"register" in bench/results/latest.json. With BENCH_EXPLAIN=1 it also records EXPLAIN ANALYZE of the
slowest query of each scenario.

Figures drift on shared machines; the ratio to raw SQL measured in the same run is the one
to compare across runs. Like bench/rhythm_jobs.py it never changes the app's data.
"""

import json
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanfu.settings")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.measuring import QueryLog, load_average, percentile  # noqa: E402
from grids.models import Area  # noqa: E402
from quanfu.api.sync import encode_cursor  # noqa: E402
from risks.models import Risk  # noqa: E402

REPETITIONS = int(os.environ.get("BENCH_REPETITIONS", 15))
SYNC_MATTERS = int(os.environ.get("BENCH_SYNC_MATTERS", 10_000))
SYNC_PAGE_SIZE = int(os.environ.get("BENCH_SYNC_PAGE_SIZE", 100))
EXPLAIN = os.environ.get("BENCH_EXPLAIN") == "1"
RESULTS = Path(__file__).resolve().parent / "results"
PAGE_SIZE = 50  # quanfu.api.pagination.PageNumberPagination and the list page

# The columns the API serialises (ids for people and areas, codes for category/subtype).
API_COLUMNS = """r.id, r.code, r.title, r.description, c.code, s.code, r.area_id,
    r.department_id, r.source, r.level, r.status, r.tier, r.discovered_at, r.created_at,
    r.updated_at, r.due_on, r.closed_at, r.dispatch_person_id, r.investigate_person_id,
    r.resolve_person_id, r.stabilize_person_id, r.lead_id, r.version, r.reported_by_id,
    r.resolution_note, r.duplicate_of_id, r.graded_at, r.people_involved, r.dispatched_to_id,
    r.dispatched_at, r.accepted_at, r.returns, r.reworks, r.address, r.location_lat,
    r.location_lng"""
# A page's stage clocks (the API's ``clocks`` of each row, the list page's badges): one
# statement for the page's matters, as the register reads them.
PAGE_CLOCKS = """SELECT risk_id, stage, started_at, yellow_at, red_at, paused_at, paused_seconds,
    stopped_at FROM risks_stageclock WHERE risk_id = ANY(%s) ORDER BY started_at, id"""
# The register keeps each matter's street and community on its row (risks.scoping), so the
# fastest raw answer filters those columns too: the same predicates as the ORM's SQL.
FROM = """FROM risks_risk r
    JOIN risks_category c ON c.id = r.category_id
    LEFT JOIN risks_subtype s ON s.id = r.subtype_id"""


def timed(work, repetitions=REPETITIONS, warmup=2):
    for _ in range(warmup):
        work()
    times = []
    for _ in range(repetitions):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return {"median_ms": statistics.median(times) * 1000,
            "p95_ms": percentile(times, 0.95) * 1000, "runs": repetitions}


class Bench:
    def __init__(self):
        settings.DEBUG = False  # no query log: measure what production does
        # No automatic prepared statements: like Django, every query is planned with its
        # values (a generic plan cannot use the path prefix index for LIKE $1).
        self.raw = psycopg.connect(self.psycopg_url(), autocommit=True, prepare_threshold=None)
        # The busiest street's leader, and its busiest community: the worst case in scope.
        busiest_street = (Risk.objects.values("community__parent").order_by()
                          .annotate(n=django.db.models.Count("id")).order_by("-n").first())
        self.leader = (User.objects.filter(role="street_leader", username__startswith="scale_",
                                           area=busiest_street and
                                           busiest_street["community__parent"])
                       .order_by("id").first())
        if self.leader is None:
            sys.exit("No generated street leader: run `make scale-data PRESET=street` first.")
        self.street = self.leader.area
        self.client = Client()
        self.client.force_login(self.leader)
        busiest = (Risk.objects.filter(community__parent=self.street)
                   .values("community").order_by().annotate(n=django.db.models.Count("id"))
                   .order_by("-n").first())
        self.community = Area.objects.get(pk=busiest["community"])
        self.rows = []

    @staticmethod
    def psycopg_url():
        database = settings.DATABASES["default"]
        return psycopg.conninfo.make_conninfo(
            dbname=database["NAME"], user=database.get("USER") or None,
            password=database.get("PASSWORD") or None, host=database.get("HOST") or None,
            port=database.get("PORT") or None)

    # Measurement -------------------------------------------------------------------------

    def get(self, url, expect=200):
        response = self.client.get(url)
        if response.status_code != expect:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response

    def raw_page(self, where: str, parameters: list, offset: int, columns=API_COLUMNS,
                 extra_from="", keyset=None):
        """COUNT and one page; ``keyset`` (updated_at, id) starts the page after that row
        instead of at an OFFSET."""
        def work():
            with self.raw.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM risks_risk r WHERE {where}", parameters)
                cursor.fetchone()
                page_where, page_parameters = where, list(parameters)
                if keyset:
                    page_where += (" AND r.updated_at <= %s AND (r.updated_at < %s OR r.id < %s)")
                    page_parameters += [keyset[0], keyset[0], keyset[1]]
                cursor.execute(f"SELECT {columns} {FROM} {extra_from} WHERE {page_where} "
                               "ORDER BY r.updated_at DESC, r.id DESC LIMIT %s OFFSET %s",
                               [*page_parameters, PAGE_SIZE, 0 if keyset else offset])
                rows = cursor.fetchall()
                cursor.execute(PAGE_CLOCKS, [[row[0] for row in rows]])
                cursor.fetchall()
        return work

    def scenario(self, name, url, raw_work, *, expect=200):
        with QueryLog() as queries:
            response = self.get(url, expect)
        django_figures = timed(lambda: self.get(url, expect))
        raw_figures = timed(raw_work) if raw_work else None
        row = {"scenario": name, "url": url, "django": django_figures, "raw_sql": raw_figures,
               "queries": len(queries), "bytes": len(response.content),
               "load_average": load_average()}
        if raw_figures:
            row["ratio"] = django_figures["median_ms"] / raw_figures["median_ms"]
        if EXPLAIN:
            row["explain"] = self.explain_slowest(queries)
        self.rows.append(row)
        self.print_row(row)

    def explain_slowest(self, queries):
        selects = [entry for entry in queries.entries
                   if entry[1].lstrip().upper().startswith("SELECT")]
        if not selects:
            return None
        _seconds, sql, parameters, _many = max(selects, key=lambda entry: entry[0])
        slowest = connection.ops.compose_sql(sql, parameters)
        with self.raw.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        return {"sql": slowest, "plan": plan}

    @staticmethod
    def print_header():
        print(f"{'scenario':<44}{'django med':>11}{'p95':>9}{'raw med':>10}{'p95':>8}"
              f"{'ratio':>8}{'queries':>9}  load")

    @staticmethod
    def print_row(row):
        raw = row["raw_sql"]
        print(f"{row['scenario']:<44}{row['django']['median_ms']:>9.1f}ms"
              f"{row['django']['p95_ms']:>7.1f}ms"
              + (f"{raw['median_ms']:>8.2f}ms{raw['p95_ms']:>6.2f}ms{row['ratio']:>7.1f}×"
                 if raw else f"{'':>8}  {'':>6}  {'':>7} ")
              + f"{row['queries']:>9}  {row.get('load_average', '')}", flush=True)

    # Scenarios ---------------------------------------------------------------------------

    def run(self):
        street_where = "r.street_id = %s"
        street = [self.street.pk]
        community = [self.street.pk, self.community.pk]
        total = Risk.objects.filter(street=self.street).count()
        print(f"{Risk.objects.count():,} matters in the database, {total:,} in street "
              f"{self.street.code} (leader {self.leader.username}); busiest community "
              f"{self.community.code}; {REPETITIONS} runs each, database {connection.vendor}")
        self.print_header()
        api = "/api/v1/risks/"
        self.scenario("API list, first page", api, self.raw_page(street_where, street, 0))
        deep = min(200, max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE))
        self.scenario(f"API list, page {deep} (?page=, OFFSET)", f"{api}?page={deep}",
                      self.raw_page(street_where, street, (deep - 1) * PAGE_SIZE))
        # the same page reached by following `next` (a keyset cursor)
        before = (Risk.objects.filter(street=self.street).order_by("-updated_at", "-id")
                  .values_list("updated_at", "id")[(deep - 1) * PAGE_SIZE - 1])
        self.scenario(f"API list, page {deep} (next cursor)",
                      f"{api}?{urlencode({'cursor': encode_cursor(*before)})}",
                      self.raw_page(street_where, street, 0, keyset=before))
        self.scenario("API list, within= busiest community",
                      f"{api}?within={self.community.pk}",
                      self.raw_page(f"{street_where} AND r.community_id = %s", community, 0))
        self.scenario("API list, status=resolving&level=high",
                      f"{api}?status=resolving&level=high",
                      self.raw_page(f"{street_where} AND r.status = %s AND r.level = %s",
                                    [*street, "resolving", "high"], 0))
        resolving = Risk.objects.filter(community=self.community, status="resolving").count()
        page = min(20, max(1, (resolving + PAGE_SIZE - 1) // PAGE_SIZE))
        self.scenario(f"API list, within= + status, page {page}",
                      f"{api}?within={self.community.pk}&status=resolving&page={page}",
                      self.raw_page(f"{street_where} AND r.community_id = %s AND r.status = %s",
                                    [*community, "resolving"], (page - 1) * PAGE_SIZE))
        html_columns = (API_COLUMNS + ", a.name, a.code, d.name")
        self.scenario("register list page (HTML)", "/risks/",
                      self.raw_page(street_where, street, 0, columns=html_columns,
                                    extra_from="JOIN grids_area a ON a.id = r.area_id "
                                               "LEFT JOIN grids_department d "
                                               "ON d.id = r.department_id"))
        self.sync_walk()

    def sync_walk(self):
        """Walk SYNC_MATTERS changed matters with ``ordering=updated_at`` cursor pages."""
        horizon = timezone.now() - timedelta(seconds=settings.SYNC_SETTLE_SECONDS)
        stamps = (Risk.objects.filter(street=self.street, updated_at__lte=horizon)
                  .order_by("-updated_at", "-id").values_list("updated_at", flat=True))
        since = stamps[SYNC_MATTERS] if stamps.count() > SYNC_MATTERS else stamps.last()
        url = "/api/v1/risks/?" + urlencode({"updated_after": since.isoformat(),
                                             "ordering": "updated_at",
                                             "page_size": SYNC_PAGE_SIZE})

        def walk():
            seen, next_url, pages = 0, url, 0
            while next_url:
                body = self.get(next_url).json()
                seen += len(body["results"])
                pages += 1
                next_url = body.get("next")
            return seen, pages

        def raw_walk():
            seen, cursor_at = 0, None
            with self.raw.cursor() as cursor:
                while True:
                    where = "r.street_id = %s AND r.updated_at > %s AND r.updated_at <= %s"
                    parameters = [self.street.pk, since, horizon]
                    if cursor_at:
                        where += " AND (r.updated_at, r.id) > (%s, %s)"
                        parameters += list(cursor_at)
                    cursor.execute(f"SELECT {API_COLUMNS} {FROM} WHERE {where} "
                                   "ORDER BY r.updated_at, r.id LIMIT %s",
                                   [*parameters, SYNC_PAGE_SIZE + 1])
                    rows = cursor.fetchall()
                    page = rows[:SYNC_PAGE_SIZE]
                    seen += len(page)
                    if len(rows) <= SYNC_PAGE_SIZE:
                        return seen
                    cursor_at = (page[-1][14], page[-1][0])

        with QueryLog() as queries:
            seen, pages = walk()
        repetitions = max(3, REPETITIONS // 5)
        django_figures = timed(walk, repetitions=repetitions, warmup=1)
        raw_figures = timed(raw_walk, repetitions=repetitions, warmup=1)
        row = {"scenario": f"sync walk, {seen:,} matters in {pages} pages", "url": url,
               "django": django_figures, "raw_sql": raw_figures,
               "ratio": django_figures["median_ms"] / raw_figures["median_ms"],
               "queries": len(queries), "matters": seen,
               "matters_per_second": seen / (django_figures["median_ms"] / 1000),
               "load_average": load_average()}
        if EXPLAIN:
            row["explain"] = self.explain_slowest(queries)
        self.rows.append(row)
        self.print_row(row)
        print(f"sync walk: {row['matters_per_second']:,.0f} matters/s through the API "
              f"(raw SQL {seen / (raw_figures['median_ms'] / 1000):,.0f}/s)")

    def write(self):
        RESULTS.mkdir(exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        document = {"benchmark": "register", "at": timezone.now().isoformat(),
                    "host": platform.node(), "cpus": os.cpu_count(),
                    "matters": Risk.objects.count(), "street": self.street.code,
                    "repetitions": REPETITIONS, "load_average": load_average(),
                    "results": self.rows}
        text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
        (RESULTS / f"register-{stamp}.json").write_text(text)
        latest_path = RESULTS / "latest.json"
        latest = json.loads(latest_path.read_text()) if latest_path.exists() else {}
        latest["register"] = document
        latest_path.write_text(json.dumps(latest, ensure_ascii=False, indent=2, default=str))
        print(f"results written to bench/results/register-{stamp}.json and latest.json")


def main():
    bench = Bench()
    bench.run()
    bench.write()


if __name__ == "__main__":
    main()
