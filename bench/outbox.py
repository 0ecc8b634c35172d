"""Benchmark of the webhooks' outbox (issue 21): 10,000 matter changes, made through the
services, produce their deliveries to a local receiver within 60 s.

    DATABASE_URL=postgres://…/quanfu_bench_outbox .venv/bin/python bench/outbox.py

It runs in the database of DATABASE_URL (a bench database of its own: it is migrated,
given the demo street if it has no areas, and its webhooks tables are emptied), starts the
reference receiver (bin/webhook-receiver, its own process, dedupe in a SQLite file) on a
free loopback port, subscribes an API client of the street, reports BENCH_MATTERS matters
(their risk.created deliveries drained first, not timed), then:

1. makes BENCH_CHANGES changes (update_risk on the matters in turn, one transaction each:
   each writes its matter's row, its event, its audit entry and one outbox row), timed;
2. runs the worker's job (webhooks.sending.deliver_webhooks: fan-out, then the POSTs,
   WEBHOOK_CONCURRENCY at once) until every delivery is delivered, timed: the goal is
   60 s for the 10,000;
3. checks the receiver took each delivery exactly once, and prints the figures with the
   machine's load average; writes bench/results/outbox-<time>.json (and "outbox" in
   latest.json).
"""

import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanfu.settings")
os.environ["WEBHOOK_ALLOW_LOOPBACK"] = "1"  # the receiver listens on this machine

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from bench.measuring import load_average  # noqa: E402
from grids.choices import AreaKind  # noqa: E402
from grids.demo import load_areas  # noqa: E402
from grids.models import Area  # noqa: E402
from risks.models import Category, Risk  # noqa: E402
from risks.services import report_risks_in_bulk, update_risk  # noqa: E402
from webhooks import sending  # noqa: E402
from webhooks.choices import DeliveryStatus, WebhookEvent  # noqa: E402
from webhooks.models import Delivery, OutboxEvent, Subscription  # noqa: E402
from webhooks.services import subscribe  # noqa: E402

CHANGES = int(os.environ.get("BENCH_CHANGES", 10_000))
MATTERS = int(os.environ.get("BENCH_MATTERS", 200))
GOAL_SECONDS = 60
RESULTS = ROOT / "bench" / "results"
RECEIVER = ROOT / "bin" / "webhook-receiver"


def database_name() -> str:
    return settings.DATABASES["default"]["NAME"]


def prepare():
    """The street, an officer of its first community, an API client of the street."""
    call_command("migrate", verbosity=0)
    street = Area.objects.filter(kind=AreaKind.STREET).order_by("pk").first() or load_areas()
    community = Area.objects.filter(kind=AreaKind.COMMUNITY, parent=street).order_by("pk")[0]
    grid = Area.objects.filter(kind=AreaKind.GRID, parent=community).order_by("pk")[0]
    officer, _ = User.objects.get_or_create(
        username="bench_outbox_officer",
        defaults={"role": Role.COMMUNITY_OFFICER, "area": community, "name": "专干"})
    client, _ = User.objects.get_or_create(
        username="bench_outbox_platform",
        defaults={"role": Role.API_CLIENT, "area": street, "name": "区平台"})
    # a clean outbox: what this run writes is all there is to deliver
    Delivery.objects.all().delete()
    OutboxEvent.objects.all().delete()
    Subscription.objects.all().delete()
    return officer, client, grid


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_receiver(port: int, secret: str, database: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, str(RECEIVER), "--port", str(port), "--secret", secret,
         "--database", str(database)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the receiver did not start")


def drain(expected: int, limit_seconds: float) -> float:
    """Run the worker's job until ``expected`` deliveries are delivered; the seconds it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_seconds:
        sending.deliver_webhooks(seconds=limit_seconds)
        if Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() >= expected:
            break
    return time.perf_counter() - started


def received_rows(database: Path) -> int:
    import sqlite3

    with sqlite3.connect(database) as db:
        return db.execute("SELECT count(*) FROM received").fetchone()[0]


def main() -> None:
    print(f"database {database_name()} ({connection.vendor}); load average {load_average()}")
    officer, client, grid = prepare()
    port = free_port()
    made = subscribe(actor=client, url=f"http://127.0.0.1:{port}/quanfu",
                     events=[WebhookEvent.RISK_CREATED, WebhookEvent.RISK_CHANGED])
    folder = Path(tempfile.mkdtemp(prefix="quanfu-outbox-bench-"))
    receiver = start_receiver(port, made.secret, folder / "received.sqlite3")
    try:
        category = Category.objects.exclude(code="disputes").order_by("position")[0]
        risks = report_risks_in_bulk(actor=officer, reports=[
            {"title": f"基准测试事项 {number}", "description": "推送基准测试",
             "category": category, "area": grid} for number in range(MATTERS)])
        drain(MATTERS, 120)
        print(f"{MATTERS} matters reported and their risk.created delivered")

        # 1. the changes, through the service, one transaction each
        versions = {risk.pk: risk.version for risk in Risk.objects.filter(
            pk__in=[risk.pk for risk in risks])}
        by_id = {risk.pk: risk for risk in risks}
        ids = list(versions)
        started = time.perf_counter()
        for number in range(CHANGES):
            risk = by_id[ids[number % len(ids)]]
            risk = update_risk(risk, actor=officer, version=versions[risk.pk],
                               changes={"description": f"推送基准测试，第 {number} 次修改"})
            versions[risk.pk], by_id[risk.pk] = risk.version, risk
        change_seconds = time.perf_counter() - started
        waiting = OutboxEvent.objects.filter(fanned_out_at=None).count()
        print(f"{CHANGES:,} changes in {change_seconds:.1f} s "
              f"({CHANGES / change_seconds:.0f}/s); outbox rows waiting: {waiting:,}; "
              f"load average {load_average()}")

        # 2. the worker delivers them
        expected = MATTERS + CHANGES
        deliver_seconds = drain(expected, 600)
        delivered = Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count()
        attempts = sum(Delivery.objects.values_list("attempts", flat=True))
        rows = received_rows(folder / "received.sqlite3")
        print(f"{delivered - MATTERS:,} deliveries of the changes in {deliver_seconds:.1f} s "
              f"({(delivered - MATTERS) / deliver_seconds:.0f}/s; goal: {CHANGES:,} within "
              f"{GOAL_SECONDS} s) — {'MET' if deliver_seconds <= GOAL_SECONDS else 'MISSED'}")
        print(f"receiver took {rows:,} deliveries (each once), {attempts:,} attempts made; "
              f"load average {load_average()}")
        assert delivered == expected == rows, (delivered, expected, rows)
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)

    RESULTS.mkdir(exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    document = {
        "benchmark": "outbox", "at": timezone.now().isoformat(), "host": platform.node(),
        "cpus": os.cpu_count(), "database": urlsplit(os.environ.get("DATABASE_URL", "")).path
        .lstrip("/") or database_name(),
        "load_average": load_average(), "goal_seconds": GOAL_SECONDS,
        "settings": {"WEBHOOK_CONCURRENCY": settings.WEBHOOK_CONCURRENCY,
                     "WEBHOOK_BATCH_SIZE": settings.WEBHOOK_BATCH_SIZE},
        "results": {"changes": CHANGES, "matters": MATTERS,
                    "change_seconds": round(change_seconds, 2),
                    "changes_per_second": round(CHANGES / change_seconds, 1),
                    "deliver_seconds": round(deliver_seconds, 2),
                    "deliveries_per_second": round(CHANGES / deliver_seconds, 1),
                    "delivered": delivered, "received_once": rows, "attempts": attempts,
                    "goal_met": deliver_seconds <= GOAL_SECONDS},
    }
    text = json.dumps(document, ensure_ascii=False, indent=2)
    (RESULTS / f"outbox-{stamp}.json").write_text(text)
    latest_path = RESULTS / "latest.json"
    latest = json.loads(latest_path.read_text()) if latest_path.exists() else {}
    latest["outbox"] = document
    latest_path.write_text(json.dumps(latest, ensure_ascii=False, indent=2))
    print(f"results written to bench/results/outbox-{stamp}.json and latest.json (\"outbox\")")


if __name__ == "__main__":
    main()
