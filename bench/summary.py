"""The figures of issues 8 and 22 against their goals, from bench/results/latest.json
(written by bench/register.py, bench/load.py, bench/city.py, bench/ledgers_bench.py and
bench/concurrency.py; `make
bench-all` runs them all, then this). Prints one table; a figure whose benchmark has not
run is shown as "not measured". Adds the table as "summary" to latest.json.

    .venv/bin/python bench/summary.py
"""

import json
import sys
from pathlib import Path

LATEST = Path(__file__).resolve().parent / "results" / "latest.json"


def _register(latest, scenario):
    for row in latest.get("register", {}).get("results", []):
        if row["scenario"].startswith(scenario):
            return row
    return None


def _city(latest, name):
    for row in latest.get("city", {}).get("results", []):
        if row["name"].startswith(name):
            return row
    return None


def figures(latest: dict) -> list[tuple[str, str, str, bool | None]]:
    """(figure, measured, goal, met) rows; measured None when not measured."""
    rows = []

    def add(figure, value, unit, goal, met):
        rows.append((figure, None if value is None else f"{value:,.1f} {unit}".strip(), goal,
                     None if value is None else met(value)))

    first = _register(latest, "API list, first page")
    add("API list, first page: median", first and first["django"]["median_ms"], "ms",
        "≤ 60 ms", lambda value: value <= 60)
    add("API list, first page: ratio to raw SQL", first and first["ratio"], "×", "≤ 4×",
        lambda value: value <= 4)
    deep = _register(latest, "API list, page 200 (next cursor)")
    add("API list, page 200 by cursor: median", deep and deep["django"]["median_ms"], "ms",
        "as fast as the first page (≤ 1.5× it)",
        lambda value: first is not None and value <= 1.5 * first["django"]["median_ms"])
    sync = _register(latest, "sync walk")
    add("sync walk", sync and sync["matters_per_second"], "matters/s", "≥ 2,000 matters/s",
        lambda value: value >= 2000)
    street = _city(latest, "(a) street dashboard, page")
    add("street dashboard page: median", street and street["median_ms"], "ms", "≤ 300 ms",
        lambda value: value <= 300)
    city = _city(latest, "(b) city dashboard, page as superuser (11 weekly")
    add("city dashboard page: median", city and city["median_ms"], "ms", "≤ 2,000 ms",
        lambda value: value <= 2000)
    for name, label in (("(c) T+2 sweep, 200,000 open warnings past",
                         "all 200,000 past due: the marking transactions"),
                        ("(c) T+2 sweep, 200,000 open, 2,000", "2,000 of 200,000 past due")):
        sweep = _city(latest, name)
        add(f"T+2 sweep, {label}", sweep and sweep["median_ms"], "ms", "≤ 5,000 ms",
            lambda value: value <= 5000)
    end_to_end = _city(latest, "(c) the same, end to end")
    add("T+2 sweep, all 200,000 past due: end to end, notices written",
        end_to_end and end_to_end["median_ms"], "ms", "reported (goal 5,000 ms)",
        lambda value: value <= 5000)
    daily = _city(latest, "(d) daily job, whole city")
    add("daily job, whole city", daily and daily["median_ms"], "ms", "≤ 60,000 ms",
        lambda value: value <= 60_000)
    ledgers = latest.get("ledgers")
    export = ledgers and ledgers["export"]
    add("Excel export of 100,000 matters", export and export["seconds"], "s",
        "≤ 1.3× openpyxl's own limit",
        lambda value: ledgers["export_over_limit"] <= 1.3)
    add("Excel export: peak memory", export and export["peak_mb"], "MB", "< 300 MB",
        lambda value: value < 300)
    imported = ledgers and ledgers.get("import")
    add("import of 10,000 rows", imported and imported["seconds"], "s", "< 30 s",
        lambda value: value < 30)
    load = latest.get("load", {})
    best = load.get("best_within_p95")
    add("API under load at p95 ≤ 200 ms", best and best["requests_per_second"], "req/s",
        f"≥ 150 req/s where gunicorn has cores of its own ({load.get('workers', '?')} workers "
        f"shared {load.get('cpus', '?')} CPUs)", lambda value: value >= 150)
    share = load.get("share_of_baseline")
    add("API under load: share of the raw-SQL baseline's req/s",
        share is not None and share * 100 or None, "%", "≥ 70 %", lambda value: value >= 70)
    concurrency = latest.get("concurrency", {})
    ratio = concurrency.get("audit_ratio")
    add("many hands: writes/s without the audit log ÷ with it", ratio, "×", "≤ 1.3×",
        lambda value: value <= 1.3)
    return rows


def main() -> None:
    if not LATEST.exists():
        sys.exit("No bench/results/latest.json yet: run the benchmarks first (make bench-all).")
    latest = json.loads(LATEST.read_text())
    rows = figures(latest)
    width = max(len(row[0]) for row in rows)
    print(f"{'figure':<{width}}  {'measured':>18}  goal")
    for figure, measured, goal, met in rows:
        verdict = "" if met is None else ("  met" if met else "  MISSED")
        print(f"{figure:<{width}}  {measured or 'not measured':>18}  {goal}{verdict}")
    latest["summary"] = [{"figure": figure, "measured": measured, "goal": goal, "met": met}
                         for figure, measured, goal, met in rows]
    LATEST.write_text(json.dumps(latest, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
