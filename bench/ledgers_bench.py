"""Benchmark of the ledgers' Excel: exporting 100,000 matters and importing 10,000 rows,
and, in the same run, the limit: openpyxl write-only writing the same rows from memory,
without the database. Each phase runs in its own process so that its peak memory (max
RSS) is its own.

    .venv/bin/python bench/ledgers_bench.py            # 100,000 matters, 10,000 rows
    .venv/bin/python bench/ledgers_bench.py 20000 2000  # smaller; 0 rows: no import
    .venv/bin/python bench/ledgers_bench.py 100000 10000 --database-url postgres://…/db
    .venv/bin/python bench/ledgers_bench.py 100000 10000 --repeat 1   # one turn only

Export and limit run in turns (three by default) and the fastest of each is compared: on
a machine shared with other work, a single run measures that work as much as the code.

By default it builds a throw-away SQLite database in a temporary folder (never the
project's own). ``--database-url`` measures on PostgreSQL instead: the database named must
be empty (the bench migrates and fills it, and leaves it filled; drop and create it again
before the next run). Either way: the demo street, then the matters with bulk_create. That
is the one place matters are not reported through risks.services: a benchmark needs
100,000 of them in seconds, and what is measured is reading and writing them. The import
goes through ledgers.services.import_survey_sheet, as an upload does.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOALS = "export ≤ 1.3 × limit and < 300 MB peak; import < 30 s"


def setup_django(database: str) -> None:
    """``database``: a PostgreSQL URL, or the path of the SQLite file."""
    sys.path.insert(0, str(ROOT))
    if database.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = database
    else:
        os.environ["SQLITE_PATH"] = database
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanfu.settings")
    import django

    django.setup()


def peak_mb(usage) -> float:
    return usage.ru_maxrss / 1024  # Linux reports kilobytes


def run_phase(database: str, phase: str, *arguments) -> dict:
    command = [sys.executable, __file__, "--phase", phase, database, *map(str, arguments)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if status:
        raise SystemExit(f"phase {phase} failed")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["peak_mb"] = round(peak_mb(usage), 1)
    print(phase, json.dumps(result, ensure_ascii=False), file=sys.stderr, flush=True)
    return result


# Phases (each in its own process) ---------------------------------------------------------

def phase_prepare(database: str, matters: int) -> dict:
    setup_django(database)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.demo import load_users
    from grids.demo import load_areas, load_departments
    from grids.models import Area
    from risks.models import Category, Party, Risk

    if connection.introspection.table_names():
        raise SystemExit("the bench needs an empty database: this one has tables already")
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        street = load_areas()
        load_users(street, load_departments(street))
    grids = list(Area.objects.filter(kind="grid"))
    categories = list(Category.objects.prefetch_related("subtypes"))
    started = time.perf_counter()
    now = timezone.now()
    batch, levels = [], ["high", "medium", "low", None]
    for number in range(matters):
        grid = grids[number % len(grids)]
        category = categories[number % len(categories)]
        subtypes = list(category.subtypes.all())
        risk = Risk(code=f"BENCH-{number + 1:06d}", title=f"事项{number}：楼上漏水引发邻里纠纷",
                    description="住户反映楼上卫生间长期渗漏，双方多次争吵。", category=category,
                    subtype=subtypes[number % len(subtypes)], level=levels[number % 4],
                    discovered_at=now, created_at=now, updated_at=now,
                    due_on=now.date(), source="grid_patrol")
        risk.place_in(grid)
        batch.append(risk)
        if len(batch) == 5000:
            Risk.objects.bulk_create(batch)
            batch = []
    Risk.objects.bulk_create(batch)
    risk_ids = list(Risk.objects.values_list("pk", flat=True)[: matters // 3])
    Party.objects.bulk_create([Party(risk_id=pk, name="张三丰", phone="13812345678")
                               for pk in risk_ids], batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would soon: plans on real numbers
    return {"matters": Risk.objects.count(), "seconds": round(time.perf_counter() - started, 1)}


def phase_export(database: str) -> dict:
    setup_django(database)
    from accounts.models import User
    from ledgers import services
    from ledgers.queries import filtered_risks, ledger_filterset

    leader = User.objects.get(username="leader")
    started, cpu_started = time.perf_counter(), time.process_time()
    queryset = filtered_risks(ledger_filterset(leader, {}))
    content, rows = services.write_ledger("online", queryset, user=leader, unmask=False)
    size = content.seek(0, 2)
    content.close()
    return {"rows": rows, "seconds": round(time.perf_counter() - started, 1),
            "cpu_seconds": round(time.process_time() - cpu_started, 1),
            "megabytes": round(size / 1e6, 1)}


def phase_limit(database: str) -> dict:
    """openpyxl write-only writing the very cell values the export writes (after the
    export's own conversion: local times, safe text, empty text left out), read into
    memory first (not timed): the floor the export is measured against."""
    setup_django(database)
    from django.utils import timezone
    from openpyxl import Workbook

    from accounts.models import User
    from ledgers.exports import MATTER_LAYOUTS
    from ledgers.matter_rows import Labels, matter_rows
    from ledgers.queries import filtered_risks, ledger_filterset
    from quanfu.xlsx import LedgerSheet

    leader = User.objects.get(username="leader")
    layout, labels, today = MATTER_LAYOUTS["online"], Labels.chinese(), timezone.localdate()
    queryset = filtered_risks(ledger_filterset(leader, {}))
    workbook = Workbook(write_only=True)
    sheet = LedgerSheet(workbook, "台账", layout.columns)  # the header, and the conversion
    rows = [sheet.row_values(layout.cells(number, row, parties, labels, today))
            for number, (row, parties) in enumerate(
                matter_rows(queryset, unmask=False, labels=labels), start=1)]
    started, cpu_started = time.perf_counter(), time.process_time()
    for row in rows:
        sheet.worksheet.append(row)
    with tempfile.TemporaryFile() as target:
        workbook.save(target)
    return {"rows": len(rows), "seconds": round(time.perf_counter() - started, 1),
            "cpu_seconds": round(time.process_time() - cpu_started, 1)}


def phase_import(database: str, rows: int) -> dict:
    setup_django(database)
    from datetime import datetime
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from accounts.models import User
    from grids.models import Area
    from ledgers import services
    from ledgers.survey_sheet import COLUMNS

    officer = User.objects.get(username="leader")
    grids = list(Area.objects.filter(kind="grid").values_list("code", flat=True))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([column.header for column in COLUMNS])
    for number in range(rows):
        sheet.append([f"BENCH-{number:06d}", grids[number % len(grids)], "社会矛盾风险", "邻里纠纷",
                      f"导入事项{number}", "住户反映楼道堆放杂物。", datetime(2026, 3, 5, 9, 30),
                      "网格排查", "", "", "王五", "13900001111"])
    buffer = BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("bench.xlsx", buffer.getvalue())
    started, cpu_started = time.perf_counter(), time.process_time()
    outcome = services.import_survey_sheet(upload, actor=officer, name="bench.xlsx")
    return {"rows": rows, "created": len(outcome.created), "errors": len(outcome.check.errors),
            "seconds": round(time.perf_counter() - started, 1),
            "cpu_seconds": round(time.process_time() - cpu_started, 1)}


PHASES = {"prepare": phase_prepare, "export": phase_export, "limit": phase_limit,
          "import": phase_import}


def option(arguments: list[str], name: str, default: str) -> str:
    """The value after ``name`` in ``arguments`` (both taken out), or ``default``."""
    if name not in arguments:
        return default
    position = arguments.index(name)
    value = arguments[position + 1]
    del arguments[position:position + 2]
    return value


def fastest(runs: list[dict]) -> dict:
    """The fastest of repeated runs (what the code costs; slower runs measured the other
    work on the machine), with every run's seconds and the highest peak memory."""
    best = dict(min(runs, key=lambda run: run["seconds"]))
    best["runs"] = [run["seconds"] for run in runs]
    best["peak_mb"] = max(run["peak_mb"] for run in runs)
    return best


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        phase, database, *arguments = sys.argv[2:]
        print(json.dumps(PHASES[phase](database, *map(int, arguments))))
        return
    arguments = sys.argv[1:]
    database_url = option(arguments, "--database-url", "")
    repeat = int(option(arguments, "--repeat", "3"))
    matters = int(arguments[0]) if arguments else 100_000
    import_rows = int(arguments[1]) if len(arguments) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        database = database_url or str(Path(folder) / "bench.sqlite3")
        results = {"database": "postgresql" if database_url else "sqlite",
                   "prepare": run_phase(database, "prepare", matters)}
        # export and limit take turns (export first, then limit first, …), so that both
        # meet the same load from other work, rising or falling
        runs = {"export": [], "limit": []}
        for turn in range(repeat):
            for phase in ("export", "limit") if turn % 2 == 0 else ("limit", "export"):
                runs[phase].append(run_phase(database, phase))
        results["export"], results["limit"] = fastest(runs["export"]), fastest(runs["limit"])
        if import_rows:
            results["import"] = run_phase(database, "import", import_rows)
    export, limit = results["export"], results["limit"]
    results["export_over_limit"] = round(export["seconds"] / max(limit["seconds"], 0.1), 2)
    # CPU seconds are less sensitive to other work on the machine than wall-clock seconds
    # (on PostgreSQL they leave out the server's own work, which runs in its process)
    results["export_over_limit_cpu"] = round(
        min(run["cpu_seconds"] for run in runs["export"])
        / max(min(run["cpu_seconds"] for run in runs["limit"]), 0.1), 2)
    results["load_average"] = [round(load, 1) for load in os.getloadavg()]
    results["goals"] = GOALS
    print(json.dumps(results, ensure_ascii=False, indent=2))
    write(results)


def write(results: dict) -> None:
    """bench/results/ledgers-<time>.json, and "ledgers" in bench/results/latest.json."""
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    document = {"benchmark": "ledgers", "at": stamp, **results}
    (folder / f"ledgers-{stamp}.json").write_text(json.dumps(document, ensure_ascii=False,
                                                             indent=2))
    latest_path = folder / "latest.json"
    latest = json.loads(latest_path.read_text()) if latest_path.exists() else {}
    latest["ledgers"] = document
    latest_path.write_text(json.dumps(latest, ensure_ascii=False, indent=2, default=str))
    print(f"results written to bench/results/ledgers-{stamp}.json and latest.json")


if __name__ == "__main__":
    main()
