"""Throughput of the API under concurrent load (issue 8): gunicorn on loopback, `wrk`.

    make bench-load                       # on the scale database (make scale-data first)
    BENCH_LOAD_WORKERS=4 BENCH_LOAD_SECONDS=30 BENCH_LOAD_ROUNDS=5 make bench-load

It starts gunicorn (production settings, BENCH_LOAD_WORKERS sync workers, default 3 as in
docker-compose.yml) on a free loopback port, issues a temporary API token to the busiest
street's leader (revoked at the end), and drives `GET /api/v1/risks/` with wrk at rising
numbers of connections. For each level it records requests per second and the latency
percentiles (p50, p95, p99 from wrk's own histogram through a Lua `done` hook), and reports
the best throughput whose p95 stays within 200 ms. wrk is Debian's package (`apt-get
install wrk`; bin/bench-setup installs it when run as root), never a download.

In the same run, at each level, the same wrk settings drive the baseline: the same first
page (scope, order, columns, count, clocks) from a bare Django view that sends one raw SQL
statement building the JSON in PostgreSQL, behind the same middleware and token check
(risks/api/baseline.py, mounted by BENCH_BASELINE=1 for this gunicorn only). The figure is
the API's best req/s within p95 ≤ 200 ms as a share of the baseline's (goal ≥ 70 %). Every
level is run BENCH_LOAD_ROUNDS times (default 3), the API and the baseline taking turns, and
a level's figures are the medians of its rounds: on two shared CPUs one 20-second run of
either can be 10 % off its neighbour. The
absolute goal (≥ 150 req/s) holds where gunicorn has cores of its own, which it does not
here (gunicorn, PostgreSQL and wrk share the machine's CPUs: said beside the figures).

Results go to bench/results/load-<time>.json and are merged into bench/results/latest.json.
"""

import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanfu.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import ApiToken, User  # noqa: E402
from accounts.services import issue_api_token  # noqa: E402
from bench.measuring import load_average  # noqa: E402
from risks.models import Risk  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", 3))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", 10))
ROUNDS = int(os.environ.get("BENCH_LOAD_ROUNDS", 3))
CONNECTIONS = [int(n) for n in os.environ.get("BENCH_LOAD_CONNECTIONS", "2,4,8,16").split(",")]
P95_LIMIT_MS = 200
PATHS = os.environ.get("BENCH_LOAD_PATH", "/api/v1/risks/")
BASELINE_PATH = "/api/v1/bench/baseline/risks/"
SHARE_GOAL = 0.70

# wrk's Lua hook: print the figures as one JSON line after the run.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "errors": %d, "non_2xx": %d,'
    .. ' "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def busiest_street_leader() -> User:
    busiest = (Risk.objects.values("community__parent").order_by()
               .annotate(n=Count("id")).order_by("-n").first())
    leader = (User.objects.filter(role="street_leader", area=busiest and
                                  busiest["community__parent"], is_active=True)
              .order_by("id").first())
    if leader is None:
        sys.exit("No street leader with matters: run `make scale-data` first.")
    return leader


def start_gunicorn(port: int) -> subprocess.Popen:
    environment = dict(os.environ, QUANFU_ENV="production",
                       SECRET_KEY=secrets.token_urlsafe(48), ALLOWED_HOSTS="127.0.0.1",
                       SECURE_SSL_REDIRECT="0", LOG_LEVEL="WARNING", BENCH_BASELINE="1",
                       API_RATE_PER_MINUTE="0")  # the per-token limit would measure itself
    command = [sys.executable, "-m", "gunicorn", "quanfu.wsgi:application",
               "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
               "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=environment)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    sys.exit("gunicorn did not answer /health/ within 30 s")


def run_wrk(url: str, token: str, connections: int, script: str) -> dict:
    threads = max(1, min(2, connections))
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{SECONDS}s", "--timeout", "5s",
         "-H", f"Authorization: Token {token}", "-s", script, url],
        capture_output=True, text=True, check=True).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    figures["connections"] = connections
    figures["requests_per_second"] = figures["requests"] / figures["seconds"]
    return figures


def main():
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk (or run bin/bench-setup as root)")
    leader = busiest_street_leader()
    token, key = issue_api_token(leader, name="bench-load", days=1)
    port = free_port()
    server = start_gunicorn(port)
    rows, baseline_rows = [], []
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        url = f"http://127.0.0.1:{port}{PATHS}"
        check = urllib.request.Request(url, headers={"Authorization": f"Token {key}"})
        with urllib.request.urlopen(check, timeout=10) as response:
            first = json.load(response)
        print(f"{Risk.objects.count():,} matters; street leader {leader.username} sees "
              f"{first.get('count', '?'):,} through {PATHS}; gunicorn {WORKERS} workers, "
              f"{SECONDS} s a run, {ROUNDS} rounds a level (medians), {os.cpu_count()} CPUs "
              "(wrk shares them)")
        baseline_url = f"http://127.0.0.1:{port}{BASELINE_PATH}"
        check = urllib.request.Request(baseline_url, headers={"Authorization": f"Token {key}"})
        with urllib.request.urlopen(check, timeout=10) as response:
            bare = json.load(response)
        if bare["count"] != first.get("count"):
            sys.exit(f"the baseline counts {bare['count']}, the API {first.get('count')}")
        print(f"{'':>12}{'connections':>12}{'req/s':>10}{'p50':>9}{'p95':>9}{'p99':>9}"
              f"{'errors':>8}  load")
        for connections in CONNECTIONS:
            runs = {"API": [], "baseline": []}
            for _round in range(ROUNDS):
                for name, target in (("API", url), ("baseline", baseline_url)):
                    run = run_wrk(target, key, connections, script.name)
                    run["load_average"] = load_average()
                    runs[name].append(run)
            for name, kept in (("API", rows), ("baseline", baseline_rows)):
                row = median_of(runs[name])
                kept.append(row)
                each = " ".join(f"{run['requests_per_second']:.0f}" for run in runs[name])
                print(f"{name:>12}{connections:>12}{row['requests_per_second']:>10.1f}"
                      f"{row['p50_ms']:>7.1f}ms{row['p95_ms']:>7.1f}ms{row['p99_ms']:>7.1f}ms"
                      f"{row['errors'] + row['non_2xx']:>8}  {row['load_average']}  "
                      f"(rounds: {each})",
                      flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        ApiToken.objects.filter(pk=token.pk).delete()
        Path(script.name).unlink(missing_ok=True)
    best, baseline_best = best_within_p95(rows), best_within_p95(baseline_rows)
    share = (best["requests_per_second"] / baseline_best["requests_per_second"]
             if best and baseline_best else None)
    for name, row in (("API", best), ("baseline", baseline_best)):
        if row:
            print(f"{name}: best within p95 ≤ {P95_LIMIT_MS} ms: "
                  f"{row['requests_per_second']:.1f} req/s at {row['connections']} connections "
                  f"(p95 {row['p95_ms']:.1f} ms)")
        else:
            print(f"{name}: no level kept p95 within {P95_LIMIT_MS} ms")
    if share is not None:
        print(f"the API at {share:.0%} of the baseline's req/s (goal ≥ {SHARE_GOAL:.0%}: "
              f"{'met' if share >= SHARE_GOAL else 'MISSED'}); ≥ 150 req/s is for a gunicorn "
              f"with cores of its own: here {WORKERS} workers share {os.cpu_count()} CPUs "
              "with PostgreSQL and wrk")
    document = {"benchmark": "load", "at": timezone.now().isoformat(), "host": platform.node(),
                "cpus": os.cpu_count(), "workers": WORKERS, "seconds": SECONDS,
                "rounds": ROUNDS, "path": PATHS,
                "matters": Risk.objects.count(), "levels": rows, "best_within_p95": best,
                "baseline_path": BASELINE_PATH, "baseline_levels": baseline_rows,
                "baseline_best_within_p95": baseline_best, "share_of_baseline": share,
                "share_goal": SHARE_GOAL, "load_average": load_average()}
    write(document)


def median_of(runs: list[dict]) -> dict:
    """A level's figures: the median of its rounds, figure by figure, and the rounds."""
    row = {key: statistics.median(run[key] for run in runs)
           for key in ("requests_per_second", "p50_ms", "p95_ms", "p99_ms", "max_ms")}
    row.update(connections=runs[0]["connections"], seconds=runs[0]["seconds"],
               requests=sum(run["requests"] for run in runs),
               errors=sum(run["errors"] for run in runs),
               non_2xx=sum(run["non_2xx"] for run in runs),
               load_average=runs[-1]["load_average"], rounds=runs)
    return row


def best_within_p95(rows: list[dict]) -> dict | None:
    within = [row for row in rows if row["p95_ms"] <= P95_LIMIT_MS
              and row["errors"] + row["non_2xx"] == 0]
    return max(within, key=lambda row: row["requests_per_second"], default=None)


def write(document: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(document, ensure_ascii=False, indent=2)
    (RESULTS / f"load-{stamp}.json").write_text(text)
    latest_path = RESULTS / "latest.json"
    latest = json.loads(latest_path.read_text()) if latest_path.exists() else {}
    latest["load"] = document
    latest_path.write_text(json.dumps(latest, ensure_ascii=False, indent=2, default=str))
    print(f"results written to bench/results/load-{stamp}.json and latest.json")


if __name__ == "__main__":
    main()
