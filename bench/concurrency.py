"""Benchmark of many hands at once (issue 22): 32 people writing through the services for
60 s, with the audit log on and off, and the checks that nothing was lost.

    .venv/bin/python bench/concurrency.py                  # 32 threads × 60 s, all runs
    .venv/bin/python bench/concurrency.py --threads 8 --seconds 10 --runs audit,no-audit

PostgreSQL only. It builds a database of its own, ``quanfu_bench_concurrency`` on the
server of BENCH_CONCURRENCY_SERVER (default postgres://postgres@127.0.0.1:5432): dropped
and created again, migrated, given the demo street (``load_demo``) and the bench's world
(below), vacuumed. Each run then works on a fresh copy of it
(``CREATE DATABASE quanfu_bench_concurrency_run TEMPLATE …``), in a process of its own, so
the runs start from the same rows and one run's switches never reach another.

The world, built through the services in BENCH_CELLS of the demo's communities (default 4;
threads are spread over them): per community two community officers and two grid workers
made for the bench (the grid's duty roster names them), BENCH_SHARED matters (default 24)
being resolved — graded, their four duties named — which everyone works on at once, and
BENCH_CYCLING matters (default 12) that go round resolve → close → reopen, with a few
warnings already issued.

Each thread is one person after another of its community, doing one operation after
another, each in its own transaction (the service's), chosen at random by weight:

- ``report``: a grid worker reports a new matter (risks.services.report_risk);
- ``edit``: an officer reads a shared matter and raises its number of people involved by
  one, sending the version read (update_risk; a changed version: StaleVersion, a 409);
- ``transition``: an officer takes a cycling matter its next step (resolve, close by the
  other officer, rework, reopen), or confirms a shared matter's grade, with the version
  read (transition_risk);
- ``note``: a progress note on a shared matter (add_note);
- ``warning``: an officer issues a warning on a shared matter (rhythm.services.issue_warning);
- ``feedback``: a grid worker answers one of the open warnings (record_feedback);
- ``meeting``: an officer convenes a community meeting with 10–20 shared matters on its
  agenda and records a follow-up decision on each (``meeting_draft``, one transaction),
  then approves the minutes, which carries the 10–20 decisions out on the matters
  (``meeting_approval``: meetings.services.approve_meeting, the lock order of
  risks/locking.py).

Figures per run: writes per second (committed transactions), p95 latency per kind, 409
conflicts, deadlocks (psycopg's DeadlockDetected), serialization failures, refusals by the
register's rules and other errors (both should be 0; printed). The checks: no lost update —
each shared matter's number of people involved equals its first value plus the edits that
succeeded, and each matter's version its first plus one per committed change that bumps it
(edits, transitions, notes, warnings, feedback, decisions carried out); every 409 a real
conflict (the version had changed since it was read). With the audit log on, the sealer
runs as in production (every 5 s, like the beat task); after the run ``chain.seal()`` seals
what is left, timed, and ``chain.verify()`` must find the chain intact.

Runs (``--runs``, default all three):

- ``audit``: AUDIT_SEALING=deferred, as production on PostgreSQL;
- ``no-audit``: the audit app switched off as far as it can be while every module still
  calls it (``audit_switched_off`` says exactly what): its model receivers disconnected
  (post_init, post_save, post_delete of every audited model) and audit.services'
  record_event, log_access and record_model_change replaced by no-ops, in audit.services
  and in every module that imported them by name; nothing else changes;
- ``inline``: the audit log on with AUDIT_SEALING=inline, the old global lock held by every
  writer until it commits: what the sealer bought.

The ratio writes/s without the audit log ÷ with it is the goal's figure (≤ 1.3×). The
people are threads of one Python process (which runs one thread's Python at a time) on the
machine that also runs PostgreSQL: the figures are what one process of the app writes
there, not the server's capacity. The load average is printed beside every figure: the
machine is shared (where this was written: 2 cores, also serving other work). Tasks the
services queue go to the broker of REDIS_URL and no worker takes them: give the bench a
Redis database of its own. Results go to bench/results/concurrency-<time>.json and
into bench/results/latest.json under "concurrency". tests/test_concurrency_bench.py runs the
same code briefly (4 threads × 3 s) and checks its correctness logic.
"""

import argparse
import contextlib
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict, deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanfu.settings")

SERVER = os.environ.get("BENCH_CONCURRENCY_SERVER", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_CONCURRENCY_DATABASE", "quanfu_bench_concurrency")
RUN_DATABASE = f"{DATABASE}_run"
RESULTS = ROOT / "bench" / "results"
GOAL_RATIO = 1.3
SEAL_EVERY_SECONDS = 5.0  # quanfu/periodic.py: the audit-sealer beat task
RUNS = {
    "audit": {"audit": True, "sealing": "deferred",
              "label": "audit log on, sealed by the sealer (AUDIT_SEALING=deferred)"},
    "no-audit": {"audit": False, "sealing": "deferred",
                 "label": "audit app switched off (see audit_switched_off)"},
    "inline": {"audit": True, "sealing": "inline",
               "label": "audit log on, chained by each writer (AUDIT_SEALING=inline)"},
}
# How often each operation is chosen (a street office on a Monday morning).
WEIGHTS = {"report": 12, "edit": 30, "transition": 18, "note": 10, "warning": 10,
           "feedback": 10, "meeting": 4}
# How many versions of its matter each committed operation makes (the version check).
VERSION_BUMPS = {"edit": 1, "transition": 1, "note": 1, "warning": 1, "feedback": 1}
NOTES = ["已电话回访当事人", "网格员入户走访", "社区调解委员会介入", "协调物业召开座谈",
         "当事人情绪稳定", "持续跟踪中"]
TITLES = ["邻里噪音纠纷", "物业费用争议", "房屋漏水纠纷", "停车位纠纷", "装修扰民",
          "电动车违规充电"]
AUDIT_FUNCTIONS = ("record_event", "log_access", "record_model_change")


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(SERVER)._replace(path=f"/{name}"))


if __name__ == "__main__" and "--child" not in sys.argv:
    os.environ["DATABASE_URL"] = database_url(DATABASE)  # the parent prepares the template

import django  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models.signals import post_delete, post_init, post_save  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from audit import chain  # noqa: E402
from audit import services as audit_services  # noqa: E402
from audit.context import AuditContext, bind, unbind  # noqa: E402
from audit.model_changes import audited_models  # noqa: E402
from audit.models import AuditEntry  # noqa: E402
from audit.origin import Origin  # noqa: E402
from bench.measuring import load_average, percentile  # noqa: E402
from grids.choices import AreaKind, Duty  # noqa: E402
from grids.models import Area  # noqa: E402
from grids.services import assign_grid_duty  # noqa: E402
from meetings import services as meeting_services  # noqa: E402
from meetings.choices import Decision  # noqa: E402
from quanfu.errors import Forbidden, RiskError, RuleBroken, StaleVersion  # noqa: E402
from rhythm import services as rhythm_services  # noqa: E402
from rhythm.models import RiskWarning  # noqa: E402
from risks import services as risk_services  # noqa: E402
from risks.choices import Action, RiskStatus, Tier  # noqa: E402
from risks.models import Category, Risk  # noqa: E402

# The world ---------------------------------------------------------------------------------

@dataclass
class Cell:
    """One community of the world: its people and its matters (ids)."""

    community: int
    grid: int
    officers: list[int]
    workers: list[int]
    shared: list[int]
    cycling: list[int]
    warnings: list[int]


@dataclass
class World:
    category: int
    cells: list[Cell]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "World":
        data = json.loads(text)
        return cls(data["category"], [Cell(**cell) for cell in data["cells"]])


def _bench_user(username: str, role: str, area: Area) -> User:
    user = User(username=username, role=role, area=area, name=username)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def _matter(reporter, officer, grid: Area, category, number: int) -> Risk:
    """A graded matter being resolved, its four duties named by the grid's roster."""
    risk = risk_services.report_risk(
        actor=reporter, title=f"{TITLES[number % len(TITLES)]}（基准{number}）",
        description="多方共同处理的事项，用于并发基准测试。", category=category, area=grid,
        suggest=False).risk
    risk = risk_services.verify_risk(risk, actor=officer)
    risk = risk_services.update_risk(risk, actor=officer, version=risk.version,
                                     changes={"level": "medium", "people_involved": 1})
    return risk_services.start_risk(risk, actor=officer)


def build_world(communities, *, shared: int = 24, cycling: int = 12, warnings: int = 6,
                prefix: str = "bench") -> World:
    """Make the bench's people and matters in ``communities`` through the services."""
    category = Category.objects.order_by("id").first()
    cells = []
    for community in communities:
        grid = Area.objects.filter(path__startswith=community.path,
                                   kind=AreaKind.GRID).order_by("code").first()
        suffix = community.code.lower().replace("-", "_")
        officers = [_bench_user(f"{prefix}_officer_{suffix}_{n}", Role.COMMUNITY_OFFICER,
                                community) for n in (1, 2)]
        workers = [_bench_user(f"{prefix}_grid_{suffix}_{n}", Role.GRID_WORKER, grid)
                   for n in (1, 2)]
        roster = {Duty.DISPATCH: officers[0], Duty.INVESTIGATE: workers[0],
                  Duty.RESOLVE: officers[0], Duty.STABILIZE: workers[1]}
        for duty, person in roster.items():
            assign_grid_duty(grid, duty, person, actor=None)
        shared_matters = [_matter(workers[n % 2], officers[0], grid, category, n)
                          for n in range(shared)]
        cycling_matters = [_matter(workers[n % 2], officers[0], grid, category, n)
                           for n in range(cycling)]
        issued = [rhythm_services.issue_warning(shared_matters[n % shared], actor=officers[1],
                                                content="请于两个工作日内反馈化解进展。")
                  for n in range(warnings)]
        cells.append(Cell(community.pk, grid.pk, [user.pk for user in officers],
                          [user.pk for user in workers], [risk.pk for risk in shared_matters],
                          [risk.pk for risk in cycling_matters],
                          [warning.pk for warning in issued]))
    return World(category.pk, cells)


# The audit app switched off ------------------------------------------------------------------

def _no_audit_entry(*args, **kwargs):
    return None


@contextlib.contextmanager
def audit_switched_off():
    """Switch the audit log off as far as possible while every module still calls it; yields
    what was switched off (for the results). Undone on leaving."""
    from audit import signals

    models = list(audited_models())
    for model in models:
        uid = f"audit:{model._meta.label_lower}"
        post_init.disconnect(sender=model, dispatch_uid=uid)
        post_save.disconnect(sender=model, dispatch_uid=uid)
        post_delete.disconnect(sender=model, dispatch_uid=uid)
    originals = {name: getattr(audit_services, name) for name in AUDIT_FUNCTIONS}
    patched = []
    for module in list(sys.modules.values()):
        for name, original in originals.items():
            if getattr(module, name, None) is original:
                setattr(module, name, _no_audit_entry)
                patched.append((module, name, original))
    try:
        yield {
            "receivers_disconnected": [f"post_init, post_save, post_delete of "
                                       f"{model._meta.label}" for model in models],
            "functions_made_no_ops": sorted(f"{module.__name__}.{name}"
                                            for module, name, _ in patched),
            "kept": "everything else: the services, their transactions, events, notices, "
                    "webhook outbox rows; the audit tables stay (no entries are written)",
        }
    finally:
        for module, name, original in patched:
            setattr(module, name, original)
        signals.connect_model_receivers()


# The workload ----------------------------------------------------------------------------------

def _kind_of_failure(error: BaseException) -> str:
    if isinstance(error, StaleVersion):
        return "conflict"
    if isinstance(error, (RuleBroken, Forbidden, RiskError)):
        return "refused"
    seen = error
    while seen is not None:
        if isinstance(seen, psycopg.errors.DeadlockDetected):
            return "deadlock"
        if isinstance(seen, psycopg.errors.SerializationFailure):
            return "serialization"
        seen = seen.__cause__ or seen.__context__
    return "other"


@dataclass
class Figures:
    seconds: float = 0.0
    threads: int = 0
    ok: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # (kind, failure) -> n
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    errors: list = field(default_factory=list)  # refusals and other errors: (kind, text)
    false_conflicts: int = 0  # a 409 although the version had not changed
    lost_updates: int = 0
    version_mismatches: int = 0
    matters_checked: int = 0
    sealer: dict = field(default_factory=dict)

    @property
    def writes(self) -> int:
        return sum(self.ok.values())

    def failure_total(self, failure: str) -> int:
        return sum(n for (_, kind), n in self.failures.items() if kind == failure)

    @property
    def deadlocks(self) -> int:
        return self.failure_total("deadlock")

    @property
    def serialization_failures(self) -> int:
        return self.failure_total("serialization")

    @property
    def conflicts(self) -> int:
        return self.failure_total("conflict")

    @property
    def other_errors(self) -> int:
        return self.failure_total("other")

    @property
    def refused(self) -> int:
        return self.failure_total("refused")

    def as_dict(self) -> dict:
        kinds = sorted(set(self.ok) | {kind for kind, _ in self.failures})
        return {
            "threads": self.threads, "seconds": round(self.seconds, 2),
            "writes": self.writes,
            "writes_per_second": round(self.writes / self.seconds, 1) if self.seconds else 0,
            "by_kind": {kind: {
                "committed": self.ok[kind],
                "p50_ms": _ms(self.latencies[kind], 0.50),
                "p95_ms": _ms(self.latencies[kind], 0.95),
                "conflicts_409": self.failures[(kind, "conflict")],
                "deadlocks": self.failures[(kind, "deadlock")],
                "serialization_failures": self.failures[(kind, "serialization")],
                "refused": self.failures[(kind, "refused")],
                "other_errors": self.failures[(kind, "other")]} for kind in kinds},
            "conflicts_409": self.conflicts, "false_conflicts": self.false_conflicts,
            "deadlocks": self.deadlocks, "serialization_failures": self.serialization_failures,
            "refused": self.refused, "other_errors": self.other_errors,
            "errors_seen": self.errors[:20],
            "lost_updates": self.lost_updates, "version_mismatches": self.version_mismatches,
            "matters_checked": self.matters_checked, "sealer_during_run": self.sealer,
        }


def _ms(values, share):
    return round(percentile(values, share) * 1000, 1) if values else None


class Workload:
    """``threads`` people of the world's communities, each doing one operation after another
    for ``seconds``; then the checks. ``sealer``: seal the audit chain every
    SEAL_EVERY_SECONDS meanwhile, as the beat task does (deferred sealing only)."""

    def __init__(self, world: World, *, threads: int, seconds: float, seed: int = 22,
                 sealer: bool = True):
        self.world, self.threads, self.seconds, self.seed = world, threads, seconds, seed
        self.sealer = sealer
        self.figures = Figures(threads=threads)
        self.lock = threading.Lock()
        self.people = User.objects.in_bulk([pk for cell in world.cells
                                            for pk in (*cell.officers, *cell.workers)])
        self.areas = Area.objects.in_bulk([pk for cell in world.cells
                                           for pk in (cell.community, cell.grid)])
        self.category = Category.objects.get(pk=world.category)
        self.open_warnings = {cell.community: deque(cell.warnings) for cell in world.cells}
        tracked = [pk for cell in world.cells for pk in (*cell.shared, *cell.cycling)]
        self.first = {row[0]: (row[1], row[2]) for row in Risk.objects.filter(pk__in=tracked)
                      .values_list("pk", "people_involved", "version")}
        self.edits = Counter()  # matter -> committed edits
        self.bumps = Counter()  # matter -> versions its committed changes made
        self.edit_bases = defaultdict(set)  # matter -> versions a committed edit started from

    # Running ---------------------------------------------------------------------------

    def run(self) -> Figures:
        stop = threading.Event()
        started = time.perf_counter()
        deadline = started + self.seconds
        workers = [threading.Thread(target=self._person, args=(number, deadline),
                                    name=f"bench-{number}") for number in range(self.threads)]
        sealer = threading.Thread(target=self._seal_meanwhile, args=(stop,), name="sealer")
        sealing = self.sealer and chain.deferred()
        if sealing:
            sealer.start()
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        self.figures.seconds = time.perf_counter() - started
        stop.set()
        if sealing:
            sealer.join()
        self.check()
        return self.figures

    def _seal_meanwhile(self, stop: threading.Event) -> None:
        seals, sealed, spent = 0, 0, 0.0
        try:
            while not stop.wait(SEAL_EVERY_SECONDS):
                began = time.perf_counter()
                sealed += chain.seal()
                spent += time.perf_counter() - began
                seals += 1
        except Exception as error:  # reported as an error of its own
            self.figures.errors.append(("sealer", repr(error)))
            self.figures.failures[("sealer", "other")] += 1
        finally:
            connection.close()
        self.figures.sealer = {"seals": seals, "entries": sealed, "seconds": round(spent, 3)}

    def _person(self, number: int, deadline: float) -> None:
        rng = random.Random(self.seed * 1000 + number)
        cell = self.world.cells[number % len(self.world.cells)]
        kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
        try:
            while time.perf_counter() < deadline:
                kind = rng.choices(kinds, weights)[0]
                getattr(self, f"_do_{kind}")(rng, cell)
        finally:
            connection.close()

    def _timed(self, kind: str, actor, work, *, matter=None, bumps=0, read_version=None):
        """Run ``work()`` (one transaction) as ``actor``; count it. Returns its result, or
        None if it failed."""
        token = bind(AuditContext(origin=Origin(ip_address="127.0.0.1",
                                                source=f"bench:concurrency {kind}"),
                                  request=SimpleNamespace(user=actor)))
        began = time.perf_counter()
        try:
            result = work()
        except Exception as error:
            failure = _kind_of_failure(error)
            with self.lock:
                self.figures.failures[(kind, failure)] += 1
                if failure == "conflict" and read_version is not None and \
                        error.current_version == read_version:
                    self.figures.false_conflicts += 1
                if failure in ("refused", "other"):
                    detail = str(error) if failure == "refused" else \
                        "".join(traceback.format_exception(error)[-3:])
                    self.figures.errors.append((kind, f"{type(error).__name__}: {detail}"))
            return None
        finally:
            unbind(token)
        elapsed = time.perf_counter() - began
        with self.lock:
            self.figures.ok[kind] += 1
            self.figures.latencies[kind].append(elapsed)
            if matter is not None and bumps:
                self.bumps[matter] += bumps
        return result if result is not None else True

    def _person_of(self, rng, ids):
        return self.people[rng.choice(ids)]

    # The operations ------------------------------------------------------------------------

    def _do_report(self, rng, cell):
        worker = self._person_of(rng, cell.workers)
        self._timed("report", worker, lambda: risk_services.report_risk(
            actor=worker, title=rng.choice(TITLES), category=self.category,
            description="群众反映的新情况，网格员上报。", area=self.areas[cell.grid]))

    def _do_edit(self, rng, cell):
        officer = self._person_of(rng, cell.officers)
        matter = rng.choice(cell.shared)
        risk = Risk.objects.get(pk=matter)  # the page the officer read
        seen, people = risk.version, risk.people_involved
        done = self._timed("edit", officer, lambda: risk_services.update_risk(
            risk, actor=officer, version=seen, changes={"people_involved": people + 1}),
            matter=matter, bumps=1, read_version=seen)
        if done:
            with self.lock:
                self.edits[matter] += 1
                if seen in self.edit_bases[matter]:  # two edits built on the same version
                    self.figures.lost_updates += 1
                self.edit_bases[matter].add(seen)

    def _do_transition(self, rng, cell):
        officer = self._person_of(rng, cell.officers)
        if rng.random() < 0.25:  # a shared matter's grade confirmed: its status stays
            matter, action = rng.choice(cell.shared), Action.CONFIRM_GRADE
            risk = Risk.objects.get(pk=matter)
        else:
            matter = rng.choice(cell.cycling)
            risk = Risk.objects.get(pk=matter)
            if risk.status == RiskStatus.RESOLVING:
                action = Action.RESOLVE
            elif risk.status == RiskStatus.RESOLVED:
                action = Action.CLOSE if rng.random() < 0.8 else Action.REWORK
                if action == Action.CLOSE and risk.resolved_by_id == officer.pk:
                    officer = self.people[next(pk for pk in cell.officers if pk != officer.pk)]
            else:
                action = Action.REOPEN
        seen = risk.version
        self._timed("transition", officer, lambda: risk_services.transition_risk(
            risk, action, actor=officer, version=seen,
            note="" if action == Action.CONFIRM_GRADE else rng.choice(NOTES)),
            matter=matter, bumps=1, read_version=seen)

    def _do_note(self, rng, cell):
        person = self._person_of(rng, cell.officers + cell.workers)
        matter = rng.choice(cell.shared)
        risk = Risk.objects.get(pk=matter)
        self._timed("note", person, lambda: risk_services.add_note(
            risk, actor=person, note=rng.choice(NOTES)), matter=matter, bumps=1)

    def _do_warning(self, rng, cell):
        officer = self._person_of(rng, cell.officers)
        matter = rng.choice(cell.shared)
        risk = Risk.objects.get(pk=matter)
        warning = self._timed("warning", officer, lambda: rhythm_services.issue_warning(
            risk, actor=officer, content="请于两个工作日内反馈化解进展。"),
            matter=matter, bumps=1)
        if warning:
            with self.lock:
                self.open_warnings[cell.community].append(warning.pk)

    def _do_feedback(self, rng, cell):
        with self.lock:
            queue = self.open_warnings[cell.community]
            warning_id = queue.popleft() if queue else None
        if warning_id is None:
            return self._do_warning(rng, cell)
        worker = self._person_of(rng, cell.workers)
        warning = RiskWarning.objects.get(pk=warning_id)
        self._timed("feedback", worker, lambda: rhythm_services.record_feedback(
            warning, actor=worker, content=rng.choice(NOTES)), matter=warning.risk_id, bumps=1)

    def _do_meeting(self, rng, cell):
        officer = self._person_of(rng, cell.officers)
        agenda = rng.sample(cell.shared, min(len(cell.shared), rng.randint(10, 20)))

        def draft():
            with transaction.atomic():
                meeting = meeting_services.create_meeting(
                    actor=officer, tier=Tier.COMMUNITY, title="社区联席会议",
                    held_on=timezone.localdate(), area=self.areas[cell.community],
                    chair=officer, minutes="会议研究了提请事项，明确了责任和时限。",
                    risks=list(Risk.objects.filter(pk__in=agenda)))
                for item in meeting.items.select_related("risk"):
                    meeting_services.record_decision(item, actor=officer,
                                                     decision=Decision.FOLLOW_UP,
                                                     note="议定：继续跟进，按期反馈。")
                return meeting

        meeting = self._timed("meeting_draft", officer, draft)
        if not meeting:
            return
        approved = self._timed("meeting_approval", officer,
                               lambda: meeting_services.approve_meeting(meeting, actor=officer))
        if approved:
            with self.lock:
                for matter in agenda:  # each decision carried out: a note on the matter
                    self.bumps[matter] += 1

    # The checks -------------------------------------------------------------------------------

    def check(self) -> None:
        """Lost updates: every shared matter's number of people involved is its first value
        plus its committed edits; every tracked matter's version its first plus one per
        committed change that makes a version."""
        now = dict((row[0], (row[1], row[2])) for row in Risk.objects
                   .filter(pk__in=list(self.first)).values_list("pk", "people_involved",
                                                                 "version"))
        for matter, (people, version) in self.first.items():
            people_now, version_now = now[matter]
            if people is not None and people_now != people + self.edits[matter]:
                self.figures.lost_updates += abs(people + self.edits[matter] - people_now)
            if version_now != version + self.bumps[matter]:
                self.figures.version_mismatches += 1
        self.figures.matters_checked = len(self.first)


def seal_and_verify() -> dict:
    """Seal what is left, timed; then verify the whole chain, timed."""
    waiting_before, _oldest = chain.unsealed()
    began = time.perf_counter()
    sealed = chain.seal()
    sealing = time.perf_counter() - began
    began = time.perf_counter()
    verification = chain.verify()
    verifying = time.perf_counter() - began
    return {"unsealed_after_run": waiting_before, "sealed": sealed,
            "seal_seconds": round(sealing, 3), "verify_seconds": round(verifying, 3),
            "entries_in_chain": verification.entries, "intact": verification.intact,
            "broken": str(verification.broken) if verification.broken else None,
            "unsealed_left": verification.unsealed}


# One run (a child process) -----------------------------------------------------------------

def child(arguments) -> None:
    run = RUNS[arguments.run]
    world = World.from_json(Path(arguments.world).read_text())
    load_before = load_average()
    switched_off = None
    with (audit_switched_off() if not run["audit"] else contextlib.nullcontext()) as off:
        switched_off = off
        entries_before = AuditEntry.objects.count()
        figures = Workload(world, threads=arguments.threads, seconds=arguments.seconds,
                           seed=arguments.seed).run()
        entries_written = AuditEntry.objects.count() - entries_before
    result = {"run": arguments.run, "label": run["label"], "audit": run["audit"],
              "audit_sealing": settings.AUDIT_SEALING, "database": RUN_DATABASE,
              "load_average_before": load_before, "load_average_after": load_average(),
              "audit_entries_written": entries_written, **figures.as_dict()}
    if switched_off is not None:
        result["audit_switched_off"] = switched_off
    result["chain"] = seal_and_verify() if run["audit"] else None
    Path(arguments.out).write_text(json.dumps(result, ensure_ascii=False, default=str))
    connections.close_all()


# The parent: the database, the runs, the report -------------------------------------------

def admin_connection():
    return psycopg.connect(database_url("postgres"), autocommit=True)


def prepare(cells: int, shared: int, cycling: int) -> World:
    from django.core.management import call_command

    with admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{RUN_DATABASE}" WITH (FORCE)')
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    began = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_demo", verbosity=0)
    communities = list(Area.objects.filter(kind=AreaKind.COMMUNITY).order_by("code")[:cells])
    world = build_world(communities, shared=shared, cycling=cycling)
    chain.seal()  # every run starts from a sealed chain
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"prepared {DATABASE}: migrated, demo street, {len(communities)} communities × "
          f"({shared} shared + {cycling} cycling matters) in "
          f"{time.perf_counter() - began:.0f} s")
    connections.close_all()
    return world


def run_in_child(name: str, world_file: str, arguments) -> dict:
    with admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{RUN_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{RUN_DATABASE}" TEMPLATE "{DATABASE}"')
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    environment = {**os.environ, "DATABASE_URL": database_url(RUN_DATABASE),
                   "AUDIT_SEALING": RUNS[name]["sealing"]}
    try:
        subprocess.run([sys.executable, __file__, "--child", "--run", name, "--world",
                        world_file, "--out", out, "--threads", str(arguments.threads),
                        "--seconds", str(arguments.seconds), "--seed", str(arguments.seed)],
                       env=environment, check=True)
        return json.loads(Path(out).read_text())
    finally:
        Path(out).unlink(missing_ok=True)
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{RUN_DATABASE}" WITH (FORCE)')


def show(result: dict) -> None:
    print(f"\n{result['run']}: {result['label']}")
    print(f"  {result['writes_per_second']:8.1f} writes/s  ({result['writes']} committed in "
          f"{result['seconds']} s, {result['threads']} threads)  "
          f"load {result['load_average_before']} → {result['load_average_after']}")
    for kind, row in result["by_kind"].items():
        print(f"  {kind:<17} {row['committed']:6d} committed  p50 {row['p50_ms'] or 0:7.1f} ms"
              f"  p95 {row['p95_ms'] or 0:7.1f} ms  409s {row['conflicts_409']:4d}"
              f"  deadlocks {row['deadlocks']}  refused {row['refused']}"
              f"  other {row['other_errors']}")
    print(f"  409 conflicts {result['conflicts_409']} (not real: {result['false_conflicts']}), "
          f"deadlocks {result['deadlocks']}, serialization failures "
          f"{result['serialization_failures']}, refused {result['refused']}, other errors "
          f"{result['other_errors']}")
    print(f"  lost updates {result['lost_updates']}, version mismatches "
          f"{result['version_mismatches']} ({result['matters_checked']} matters checked); "
          f"audit entries written {result['audit_entries_written']}")
    for kind, text in result["errors_seen"]:
        print(f"    {kind}: {text.strip()[:400]}")
    if result.get("chain"):
        chain_figures, sealer = result["chain"], result["sealer_during_run"]
        print(f"  sealer during the run: {sealer.get('seals', 0)} seals, "
              f"{sealer.get('entries', 0)} entries, {sealer.get('seconds', 0)} s; after it: "
              f"{chain_figures['sealed']} entries sealed in {chain_figures['seal_seconds']} s; "
              f"verify: {'intact' if chain_figures['intact'] else 'BROKEN'} "
              f"({chain_figures['entries_in_chain']} entries, "
              f"{chain_figures['verify_seconds']} s)")
    if result.get("audit_switched_off"):
        off = result["audit_switched_off"]
        print(f"  switched off: {len(off['receivers_disconnected'])} models' receivers; "
              f"no-ops: {', '.join(off['functions_made_no_ops'])}")


def verdict(result: dict) -> list[str]:
    """What must hold in every run; deadlocks and serialization failures only where the
    register runs as in production (the inline run shows what the old global lock did)."""
    problems = []
    must_be_zero = ["lost_updates", "version_mismatches", "false_conflicts", "other_errors",
                    "refused"]
    if result["run"] != "inline":
        must_be_zero += ["deadlocks", "serialization_failures"]
    for name in must_be_zero:
        if result[name]:
            problems.append(f"{result['run']}: {name} {result[name]}")
    if result.get("chain") and not result["chain"]["intact"]:
        problems.append(f"{result['run']}: the chain does not verify")
    return problems


def write(document: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    (RESULTS / f"concurrency-{stamp}.json").write_text(text)
    latest_path = RESULTS / "latest.json"
    latest = json.loads(latest_path.read_text()) if latest_path.exists() else {}
    latest["concurrency"] = document
    latest_path.write_text(json.dumps(latest, ensure_ascii=False, indent=2, default=str))
    print(f"results written to bench/results/concurrency-{stamp}.json and latest.json "
          f"(\"concurrency\")")


def parent(arguments) -> None:
    names = [name.strip() for name in arguments.runs.split(",") if name.strip()]
    unknown = set(names) - set(RUNS)
    if unknown:
        sys.exit(f"--runs: unknown {', '.join(sorted(unknown))}; choose from {', '.join(RUNS)}")
    print(f"many hands: {arguments.threads} threads × {arguments.seconds:.0f} s per run; "
          f"{os.cpu_count()} CPUs shared with PostgreSQL and whatever else runs here; "
          f"load {load_average()}")
    world = prepare(arguments.cells, arguments.shared, arguments.cycling)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as world_file:
        world_file.write(world.to_json())
    results = []
    try:
        for name in names:
            result = run_in_child(name, world_file.name, arguments)
            show(result)
            results.append(result)
    finally:
        Path(world_file.name).unlink(missing_ok=True)
        if not arguments.keep:
            with admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    by_name = {result["run"]: result for result in results}

    def ratio(slow, fast):
        if slow in by_name and fast in by_name and by_name[slow]["writes_per_second"]:
            return round(by_name[fast]["writes_per_second"] / by_name[slow]["writes_per_second"],
                         3)
        return None

    audit_ratio, inline_ratio = ratio("audit", "no-audit"), ratio("inline", "no-audit")
    sealer_gain = ratio("inline", "audit")
    print()
    if audit_ratio is not None:
        print(f"writes/s without the audit log ÷ with it (deferred sealing): {audit_ratio:.2f}× "
              f"(goal ≤ {GOAL_RATIO}×: {'met' if audit_ratio <= GOAL_RATIO else 'MISSED'})")
    if inline_ratio is not None:
        print(f"the same with inline sealing (the old global lock): {inline_ratio:.2f}×")
    if sealer_gain is not None:
        print(f"writes/s with the sealer ÷ with inline sealing: {sealer_gain:.2f}×")
    problems = [problem for result in results for problem in verdict(result)]
    print("checks: " + ("all held (0 deadlocks, 0 lost updates, every 409 real, chain "
                        "verified)" if not problems else "; ".join(problems)))
    print(f"load average now {load_average()} ({os.cpu_count()} CPUs, shared)")
    write({"benchmark": "concurrency", "at": timezone.now().isoformat(),
           "host": platform.node(), "cpus": os.cpu_count(),
           "machine_note": f"{os.cpu_count()} cores shared by the load generator (the "
                           "threads of one Python process), PostgreSQL and other work",
           "threads": arguments.threads, "seconds_per_run": arguments.seconds,
           "cells": arguments.cells, "shared_matters_per_cell": arguments.shared,
           "cycling_matters_per_cell": arguments.cycling, "weights": WEIGHTS,
           "database": f"{DATABASE} (migrated, load_demo, the bench's world; each run on a "
                       f"fresh copy, {RUN_DATABASE})",
           "audit_ratio": audit_ratio, "audit_ratio_goal": GOAL_RATIO,
           "audit_ratio_inline": inline_ratio, "sealer_over_inline": sealer_gain,
           "checks_held": not problems, "problems": problems, "runs": results})
    if problems:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int,
                        default=int(os.environ.get("BENCH_CONCURRENCY_THREADS", 32)))
    parser.add_argument("--seconds", type=float,
                        default=float(os.environ.get("BENCH_CONCURRENCY_SECONDS", 60)))
    parser.add_argument("--runs", default=os.environ.get("BENCH_CONCURRENCY_RUNS",
                                                         "audit,no-audit,inline"))
    parser.add_argument("--cells", type=int, default=int(os.environ.get("BENCH_CELLS", 4)))
    parser.add_argument("--shared", type=int, default=int(os.environ.get("BENCH_SHARED", 24)))
    parser.add_argument("--cycling", type=int, default=int(os.environ.get("BENCH_CYCLING", 12)))
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--keep", action="store_true", help="keep the prepared database")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--world", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/concurrency.py needs PostgreSQL.")
    if arguments.child:
        child(arguments)
    else:
        parent(arguments)


if __name__ == "__main__":
    main()
