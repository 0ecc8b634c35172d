"""A synthetic city-scale register for benchmarks (issue 8), written with PostgreSQL COPY.

The generator does not go through the services: it measures the register, not the loader.
It takes each table's id range from its sequence in one statement, computes the area
paths and depths itself, and streams every table with psycopg 3 ``cursor.copy()``:

    areas (street → community → grid → micro-grid; invented polygons for every community
    and for the grids of the busiest street, quanfu/shapes.py) → departments → users (a
    street leader, section staff, two officers per community, one grid worker per grid) →
    matters (skewed: a few communities are much busier) → 3–8 events per matter,
    consistent with its status → warnings on some graded open matters → a few meetings →
    the running stage clocks (handling of the matters being resolved, verification of the
    resolved ones).

Randomness comes from one seeded ``random.Random``: the same arguments and seed give the
same data (apart from the ids, which come from the sequences).
"""

import json
import math
import random
import time
from bisect import bisect_right
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time
from itertools import accumulate

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from quanfu import shapes

PRESETS = {
    # 150 streets × 20 = 3,000 communities; × 10 = 30,000 grids; × 3.34 ≈ 100,000 micro-grids.
    "city": dict(streets=150, communities_per_street=20, grids_per_community=10,
                 microgrids_per_grid=3.34, matters=1_000_000),
    "district": dict(streets=20, communities_per_street=20, grids_per_community=10,
                     microgrids_per_grid=3.34, matters=200_000),
    "street": dict(streets=1, communities_per_street=20, grids_per_community=10,
                   microgrids_per_grid=3.34, matters=100_000),
}
DEMO_PASSWORD = "demo12345"
# Invented street outlines stand on a lattice this far apart (~5.5 km; a street is 2–4 km).
STREET_SPACING_DEGREES = 0.05

# Shares of each status, level and tier; the open ones dominate as in a live register.
STATUS_WEIGHTS = {"reported": 12, "verified": 13, "resolving": 35, "resolved": 10,
                  "closed": 27, "invalid": 3}
LEVEL_WEIGHTS = {"high": 10, "medium": 35, "low": 55}
TIER_WEIGHTS = {"community": 85, "street": 12, "district": 3}
SOURCE_WEIGHTS = {"grid_patrol": 50, "hotline_12345": 20, "police_110": 8, "petition": 8,
                  "department": 8, "meeting": 2, "import": 2, "other": 2}
# The transitions that lead from "reported" to each status: (action, from, to).
STATUS_PATH = {
    "reported": [],
    "verified": [("verify", "reported", "verified")],
    "resolving": [("verify", "reported", "verified"), ("start", "verified", "resolving")],
    "resolved": [("verify", "reported", "verified"), ("start", "verified", "resolving"),
                 ("resolve", "resolving", "resolved")],
    "closed": [("verify", "reported", "verified"), ("start", "verified", "resolving"),
               ("resolve", "resolving", "resolved"), ("close", "resolved", "closed")],
    "invalid": [("reject", "reported", "invalid")],
}
OPEN = ("reported", "verified", "resolving")
# Matters to resolve (DOMAIN.md, "a register of matters, not of people"): disputes and
# hazards, never a lawful act to watch or a class of residents to count.
TITLES = ["邻里噪音纠纷", "物业费用争议", "拖欠农民工工资", "房屋漏水纠纷", "停车位纠纷",
          "征地拆迁补偿争议", "商铺租赁纠纷", "家庭矛盾", "网络谣言", "企业拖欠员工工资",
          "高空坠物隐患", "监护照料缺失", "非法集资线索", "电动车违规充电", "装修扰民"]
RESOLVED_NOTE = "已化解，当事人签字确认"
NOTES = ["已电话回访当事人", "网格员入户走访", "社区调解委员会介入", "协调物业召开座谈",
         "当事人情绪稳定", "已报街道综治中心", "持续跟踪中"]
DEPARTMENTS = [("zzb", "综治办"), ("xfb", "信访办"), ("sfs", "司法所"), ("cgk", "城管科"),
               ("pingan", "平安法治和信访办公室")]  # the street's centre, told of red clocks
# The stage clocks' default limits in working days (risks/migrations/0014), read from the
# rule table when it has rows: stage -> {level or None: (yellow, red)}.
CLOCK_DEFAULTS = {"handle": {"high": (5, 10), "medium": (10, 15), "low": (15, 20),
                             None: (15, 20)},
                  "verify": {None: (2, 3)}}


class ScaleError(Exception):
    """The generator refuses to run (wrong database, data already there)."""


@dataclass
class Size:
    streets: int
    communities_per_street: int
    grids_per_community: int
    microgrids_per_grid: float
    matters: int
    seed: int = 1
    events_min: int = 3
    events_max: int = 8
    warning_share: float = 0.3  # of graded open matters

    @classmethod
    def from_preset(cls, name: str, **overrides) -> "Size":
        values = dict(PRESETS[name])
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)


@dataclass
class Report:
    """What was written and how long each phase took."""

    counts: dict[str, int] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(seconds for _, seconds in self.timings)


def reserve_ids(cursor, table: str, count: int) -> int:
    """Take ``count`` consecutive ids from ``table``'s sequence; returns the first.

    One statement moves the sequence past the whole range, so concurrent inserts through
    the ORM get ids after it (a concurrent ``nextval`` between the two calls would only
    widen the gap, never overlap, because setval is relative to our own nextval).
    """
    if count == 0:
        return 0
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
        "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)", [table, table, count])
    last = cursor.fetchone()[0]
    return last - count + 1


def copy_rows(cursor, table: str, columns: list[str], rows) -> int:
    written = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


class Generator:
    def __init__(self, size: Size, *, stdout=None):
        self.size = size
        self.rng = random.Random(size.seed)
        self.now = timezone.now().replace(microsecond=0)
        self.report = Report()
        self.stdout = stdout

    # Phases ---------------------------------------------------------------------------

    def run(self) -> Report:
        with connection.cursor() as django_cursor:
            cursor = django_cursor.cursor  # the psycopg cursor, for copy()
            self.phase("areas", lambda: self.write_areas(cursor))
            self.phase("departments and users", lambda: self.write_users(cursor))
            self.phase("matters", lambda: self.write_matters(cursor))
            self.phase("events", lambda: self.write_events(cursor))
            self.phase("warnings and meetings", lambda: self.write_warnings_and_meetings(cursor))
            self.phase("stage clocks", lambda: self.write_clocks(cursor))
            self.phase("sequences", lambda: self.finish(cursor))
            # Index-only scans need the visibility map that only VACUUM writes (right after
            # generating, the API's first page took 150 ms, its raw SQL 264 ms; after
            # VACUUM, 24 ms and 6 ms). Inside a caller's transaction (the tests), where
            # VACUUM cannot run, the statistics alone.
            vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            self.phase(vacuum, lambda: cursor.execute(vacuum), atomic=False)
        return self.report

    def phase(self, name: str, work, *, atomic: bool = True) -> None:
        started = time.perf_counter()
        with transaction.atomic() if atomic else nullcontext():
            work()
        seconds = time.perf_counter() - started
        self.report.timings.append((name, seconds))
        if self.stdout is not None:
            self.stdout.write(f"  {name:<24} {seconds:8.1f} s")

    # Areas ----------------------------------------------------------------------------

    def write_areas(self, cursor) -> None:
        size = self.size
        communities_count = size.streets * size.communities_per_street
        grids_count = communities_count * size.grids_per_community
        microgrids_per = [int((index + 1) * size.microgrids_per_grid)
                          - int(index * size.microgrids_per_grid) for index in range(grids_count)]
        total = size.streets + communities_count + grids_count + sum(microgrids_per)
        next_id = reserve_ids(cursor, "grids_area", total)
        rows = []
        self.streets, self.communities, self.grids_of = [], [], {}
        self.microgrids_of, self.community_of, self.street_of = {}, {}, {}
        self.path_of = {}
        grid_index = 0
        for street_number in range(size.streets):
            street_id = next_id
            next_id += 1
            street_path = f"{street_id}."
            self.streets.append(street_id)
            self.path_of[street_id] = street_path
            rows.append((street_id, "street", f"G{street_id}", f"生成街道{street_number + 1}", "",
                         street_path, 1, None))
            for community_number in range(size.communities_per_street):
                community_id = next_id
                next_id += 1
                community_path = f"{street_path}{community_id}."
                self.communities.append(community_id)
                self.street_of[community_id] = street_id
                self.path_of[community_id] = community_path
                rows.append((community_id, "community", f"G{community_id}",
                             f"生成社区{street_number + 1}-{community_number + 1}", "",
                             community_path, 2, street_id))
                grids = []
                for grid_number in range(size.grids_per_community):
                    grid_id = next_id
                    next_id += 1
                    grid_path = f"{community_path}{grid_id}."
                    grids.append(grid_id)
                    self.community_of[grid_id] = community_id
                    self.path_of[grid_id] = grid_path
                    grid_type = "dedicated" if grid_number == size.grids_per_community - 1 \
                        and size.grids_per_community > 3 else "basic"
                    rows.append((grid_id, "grid", f"G{grid_id}", f"第{grid_number + 1}网格",
                                 grid_type, grid_path, 3, community_id))
                    microgrids = []
                    for microgrid_number in range(microgrids_per[grid_index]):
                        microgrid_id = next_id
                        next_id += 1
                        microgrids.append(microgrid_id)
                        self.path_of[microgrid_id] = f"{grid_path}{microgrid_id}."
                        rows.append((microgrid_id, "microgrid", f"G{microgrid_id}",
                                     f"微网格{microgrid_number + 1}", "",
                                     self.path_of[microgrid_id], 4, grid_id))
                    self.microgrids_of[grid_id] = microgrids
                    grid_index += 1
                self.grids_of[community_id] = grids
        # Skew: a Pareto weight per community, so a few communities carry many matters (drawn
        # here, where the boundaries need the busiest street, in the order write_matters
        # had them: the same seed still gives the same data).
        self.community_weights = [self.rng.paretovariate(1.16) for _ in self.communities]
        boundaries = self.invent_boundaries()
        self.report.counts["boundaries"] = len(boundaries)
        self.report.counts["areas"] = copy_rows(
            cursor, "grids_area",
            ["id", "kind", "code", "name", "grid_type", "path", "depth", "parent_id",
             "official_code", "boundary", "boundary_simple"],
            ((*row, "", *boundaries.get(row[0], (None, None))) for row in rows))

    def invent_boundaries(self) -> dict[int, tuple[str, str]]:
        """Invented polygons (quanfu.shapes): each street an outline on a square lattice
        around Licheng district, cut into its communities; the busiest street's communities
        (the largest sum of weights) cut into their grids too. {area id: (boundary,
        simplified boundary) as JSON text}. A random generator of its own keeps the rest of
        the data as it was."""
        rng = random.Random(f"{self.size.seed}:boundaries")
        weight_of_street = {}
        for community_id, weight in zip(self.communities, self.community_weights, strict=True):
            street_id = self.street_of[community_id]
            weight_of_street[street_id] = weight_of_street.get(street_id, 0) + weight
        self.busiest_street = max(weight_of_street, key=weight_of_street.get, default=None)
        communities_of = {}
        for community_id in self.communities:
            communities_of.setdefault(self.street_of[community_id], []).append(community_id)
        tolerance = shapes.metres_to_degrees(settings.GRID_BOUNDARY_SIMPLIFY_M,
                                             shapes.LICHENG_CENTRE[1])
        columns = math.ceil(math.sqrt(len(self.streets))) or 1
        found = {}

        def keep(area_id, geometry):
            boundary = shapes.to_geojson(geometry)
            found[area_id] = (json.dumps(boundary), json.dumps(shapes.simplify(
                shapes.from_geojson(boundary), tolerance)))
            return shapes.from_geojson(boundary)

        for number, street_id in enumerate(self.streets):
            row, column = divmod(number, columns)
            centre = (shapes.LICHENG_CENTRE[0] + (column - columns / 2) * STREET_SPACING_DEGREES,
                      shapes.LICHENG_CENTRE[1] + (row - columns / 2) * STREET_SPACING_DEGREES)
            outline = shapes.invent_outline(centre, rng=rng)
            communities = communities_of.get(street_id, [])
            cells = shapes.tessellate(outline, len(communities), rng=rng, relax=1) \
                if communities else []
            for community_id, cell in zip(communities, cells, strict=True):
                community_shape = keep(community_id, cell)
                grids = self.grids_of[community_id] if street_id == self.busiest_street else []
                if grids:
                    for grid_id, grid_cell in zip(grids, shapes.tessellate(
                            community_shape, len(grids), rng=rng), strict=True):
                        keep(grid_id, grid_cell)
        return found

    # Departments and users ------------------------------------------------------------

    def write_users(self, cursor) -> None:
        next_department = reserve_ids(cursor, "grids_department",
                                      len(self.streets) * len(DEPARTMENTS))
        departments = []
        self.departments_of = {}
        for street_id in self.streets:
            ids = []
            for code, name in DEPARTMENTS:
                departments.append((next_department, f"G{street_id}-{code}", name, street_id))
                ids.append(next_department)
                next_department += 1
            self.departments_of[street_id] = ids
        self.report.counts["departments"] = copy_rows(
            cursor, "grids_department", ["id", "code", "name", "street_id"], departments)

        password = make_password(DEMO_PASSWORD)  # hashed once for every generated person
        users = []  # (username, name, role, area_id, department_id)
        for street_id in self.streets:
            users.append((f"scale_leader_{street_id}", "街道领导", "street_leader", street_id,
                          None))
            for department_id in self.departments_of[street_id]:
                users.append((f"scale_staff_{department_id}", "科室人员", "section_staff",
                              street_id, department_id))
        for community_id in self.communities:
            for number in (1, 2):
                users.append((f"scale_officer_{community_id}_{number}", "社区专干",
                              "community_officer", community_id, None))
            for grid_id in self.grids_of[community_id]:
                users.append((f"scale_grid_{grid_id}", "网格员", "grid_worker", grid_id, None))
        first = reserve_ids(cursor, "accounts_user", len(users))
        self.leader_of, self.officers_of, self.worker_of = {}, {}, {}
        rows = []
        for offset, (username, name, role, area_id, department_id) in enumerate(users):
            user_id = first + offset
            if role == "street_leader":
                self.leader_of[area_id] = user_id
            elif role == "community_officer":
                self.officers_of.setdefault(area_id, []).append(user_id)
            elif role == "grid_worker":
                self.worker_of[area_id] = user_id
            # each generated section has one person, who heads it
            rows.append((user_id, password, False, username, "", "", "", False, True, self.now,
                         name, role, area_id, department_id, role == "section_staff"))
        self.report.counts["users"] = copy_rows(
            cursor, "accounts_user",
            ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
             "is_staff", "is_active", "date_joined", "name", "role", "area_id", "department_id",
             "is_department_head"],
            rows)

    # Matters --------------------------------------------------------------------------

    def write_matters(self, cursor) -> None:
        rng, size = self.rng, self.size
        cursor.execute("SELECT id FROM risks_category ORDER BY position, id")
        categories = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT category_id, id FROM risks_subtype WHERE is_active")
        subtypes_of = {}
        for category_id, subtype_id in cursor.fetchall():
            subtypes_of.setdefault(category_id, []).append(subtype_id)

        weights = self.community_weights  # drawn with the areas
        cumulative = list(accumulate(weights))
        total_weight = cumulative[-1]

        def weighted(table):
            keys = list(table)
            return keys, list(accumulate(table.values()))

        statuses, status_cum = weighted(STATUS_WEIGHTS)
        levels, level_cum = weighted(LEVEL_WEIGHTS)
        tiers, tier_cum = weighted(TIER_WEIGHTS)
        sources, source_cum = weighted(SOURCE_WEIGHTS)

        def pick(keys, cum):
            return keys[bisect_right(cum, rng.random() * cum[-1])]

        first = reserve_ids(cursor, "risks_risk", size.matters)
        self.first_matter = first
        # What the events and warnings phases need, kept compact.
        # (id, status, created_at, updated_at, officer, worker, graded, street, community)
        self.matter_facts = []
        self.matter_levels = []  # the level of each, in the same order
        year = self.now.year
        two_years = 2 * 365 * 24 * 3600
        random_value = rng.random
        path_of = self.path_of

        def rows():
            for offset in range(size.matters):
                matter_id = first + offset
                community_id = self.communities[
                    bisect_right(cumulative, random_value() * total_weight)]
                street_id = self.street_of[community_id]
                grids = self.grids_of[community_id]
                where = random_value()
                grid_id = grids[int(random_value() * len(grids))] if grids else None
                if grid_id is None or where < 0.08:
                    area_id, grid_id = community_id, None
                elif where < 0.45 or not self.microgrids_of[grid_id]:
                    area_id = grid_id
                else:
                    microgrids = self.microgrids_of[grid_id]
                    area_id = microgrids[int(random_value() * len(microgrids))]
                assert path_of[area_id].startswith(path_of[community_id])
                status = pick(statuses, status_cum)
                graded = status != "reported" or random_value() < 0.5
                level = pick(levels, level_cum) if graded else None
                tier = pick(tiers, tier_cum) if status not in ("reported", "invalid") \
                    else "community"
                category_id = categories[int(random_value() * len(categories))]
                subtypes = subtypes_of.get(category_id)
                subtype_id = subtypes[int(random_value() * len(subtypes))] \
                    if subtypes and random_value() < 0.8 else None
                discovered = self.now - timedelta(seconds=int(random_value() * two_years) + 3600)
                created = discovered + timedelta(seconds=int(random_value() * 86400))
                age = (self.now - created).total_seconds()
                updated = created + timedelta(
                    seconds=int(age * (random_value() ** 0.5 if status != "reported" else 0.01)))
                if updated > self.now - timedelta(minutes=5):
                    updated = self.now - timedelta(minutes=5)
                officers = self.officers_of[community_id]
                officer = officers[int(random_value() * len(officers))]
                worker = self.worker_of.get(grid_id) or officer
                department_id = None
                if random_value() < 0.3:
                    departments = self.departments_of[street_id]
                    department_id = departments[int(random_value() * len(departments))]
                closed_at = updated if status in ("closed", "invalid") else None
                note = RESOLVED_NOTE if status == "closed" else (
                    "经核实不属于风险隐患" if status == "invalid" else "")
                due_on = (created + timedelta(days=30)).date() if status in OPEN else None
                lead = self.leader_of[street_id] if tier != "community" else None
                self.matter_facts.append((matter_id, status, created, updated, officer, worker,
                                          graded, street_id, community_id))
                self.matter_levels.append(level)
                yield (matter_id, f"QF-{year}-S{matter_id}",
                       TITLES[int(random_value() * len(TITLES))],
                       "生成的基准数据：网格员巡查发现，已登记。", pick(sources, source_cum), level,
                       status, tier, discovered, created, updated, due_on, closed_at, note,
                       1 + len(STATUS_PATH[status]), area_id, category_id, department_id,
                       officer, worker, worker, lead, officer, worker, subtype_id, community_id,
                       grid_id, created if graded else None, street_id)

        self.report.counts["matters"] = copy_rows(
            cursor, "risks_risk",
            ["id", "code", "title", "description", "source", "level", "status", "tier",
             "discovered_at", "created_at", "updated_at", "due_on", "closed_at",
             "resolution_note", "version", "area_id", "category_id", "department_id",
             "dispatch_person_id", "investigate_person_id", "reported_by_id",
             "lead_id", "resolve_person_id", "stabilize_person_id", "subtype_id",
             "community_id", "grid_id", "graded_at", "street_id"],
            rows())

    # Events ---------------------------------------------------------------------------

    def write_events(self, cursor) -> None:
        rng, size = self.rng, self.size
        counts = [rng.randint(max(size.events_min, 1 + len(STATUS_PATH[facts[1]])),
                              max(size.events_max, 1 + len(STATUS_PATH[facts[1]])))
                  for facts in self.matter_facts]
        first = reserve_ids(cursor, "risks_riskevent", sum(counts))
        random_value = rng.random

        def rows():
            event_id = first
            for facts, count in zip(self.matter_facts, counts, strict=True):
                matter_id, status, created, updated, officer, worker, *_rest = facts
                transitions = STATUS_PATH[status]
                notes = count - 1 - len(transitions)
                span = (updated - created).total_seconds()
                moments = sorted(random_value() for _ in range(count - 1))
                # Notes fall anywhere between the transitions, which keep their order
                # along the path; the last transition lands on updated_at.
                markers = [False] * notes + [True] * max(len(transitions) - 1, 0)
                rng.shuffle(markers)
                if transitions:
                    markers.append(True)
                steps = iter(transitions)
                kinds = [("transition", *next(steps)) if is_transition else ("note", "", "", "")
                         for is_transition in markers]
                yield (event_id, "created", "", "", "reported", "{}", "", created, worker,
                       matter_id)
                event_id += 1
                for index, (kind, action, source, target) in enumerate(kinds):
                    moment = created + timedelta(seconds=int(moments[index] * span))
                    if index == len(kinds) - 1 and kind == "transition":
                        moment = updated
                    note = NOTES[int(random_value() * len(NOTES))] if kind == "note" else ""
                    if action == "resolve":  # a resolution says how (the transition's rule)
                        note = RESOLVED_NOTE
                    yield (event_id, kind, action, source, target, "{}", note, moment,
                           officer, matter_id)
                    event_id += 1

        self.report.counts["events"] = copy_rows(
            cursor, "risks_riskevent",
            ["id", "kind", "action", "from_status", "to_status", "changes", "note",
             "created_at", "actor_id", "risk_id"], rows())

    # Warnings and meetings ------------------------------------------------------------

    def write_warnings_and_meetings(self, cursor) -> None:
        rng = self.rng
        chosen = [facts for facts in self.matter_facts
                  if facts[1] in OPEN and facts[6] and rng.random() < self.size.warning_share]
        first = reserve_ids(cursor, "rhythm_riskwarning", len(chosen))
        rows = []
        for offset, (matter_id, _status, created, updated, officer, worker, *_rest) in \
                enumerate(chosen):
            issued = updated - timedelta(seconds=int((updated - created).total_seconds() / 2))
            due = issued + timedelta(days=2)
            state = "answered" if due < self.now and rng.random() < 0.7 else (
                "overdue" if due < self.now else "open")
            rows.append((first + offset, rng.choice(["high", "medium", "low"]),
                         "请于两个工作日内反馈化解进展", issued, due, state,
                         "已反馈" if state == "answered" else "",
                         due - timedelta(hours=5) if state == "answered" else None,
                         due if state == "overdue" else None, issued,
                         worker if state == "answered" else None, officer, matter_id))
        self.report.counts["warnings"] = copy_rows(
            cursor, "rhythm_riskwarning",
            ["id", "level", "content", "issued_at", "feedback_due", "status", "feedback",
             "answered_at", "overdue_at", "notified_at", "answered_by_id", "issued_by_id",
             "risk_id"], rows)

        meetings = []  # one street meeting per street, a community meeting every 5th community
        for street_id in self.streets:
            meetings.append(("street", street_id, self.leader_of[street_id]))
        for community_id in self.communities[::5]:
            meetings.append(("community", community_id, self.officers_of[community_id][0]))
        first = reserve_ids(cursor, "meetings_meeting", len(meetings))
        rows = []
        for offset, (tier, area_id, chair) in enumerate(meetings):
            held = self.now - timedelta(days=rng.randint(1, 90))
            approved = rng.random() < 0.6
            rows.append((first + offset, tier, "joint", "联席会议（生成）", held.date(),
                         "会议室", "", "会议纪要（生成）", "approved" if approved else "draft",
                         held, held if approved else None, 1, chair if approved else None,
                         area_id, chair, chair))
        self.report.counts["meetings"] = copy_rows(
            cursor, "meetings_meeting",
            ["id", "tier", "kind", "title", "held_on", "location", "other_attendees", "minutes",
             "status", "created_at", "approved_at", "version", "approved_by_id", "area_id",
             "chair_id", "created_by_id"], rows)

    # Stage clocks -----------------------------------------------------------------------

    def write_clocks(self, cursor) -> None:
        """A running handling clock for every matter being resolved and a verification
        clock for every resolved one, started when their stage did (the last transition,
        for a verification; earlier for handling), with their limits in working days of
        the calendar's rows (else Monday–Friday) and the colour the sweep would have given
        them by now."""
        rules = {stage: dict(levels) for stage, levels in CLOCK_DEFAULTS.items()}
        cursor.execute("SELECT stage, level, yellow_days, red_days FROM risks_clockrule "
                       "WHERE category_id IS NULL")
        for stage, level, yellow, red in cursor.fetchall():
            rules.setdefault(stage, {})[level] = (yellow, red)
        cursor.execute("SELECT day, is_workday FROM rhythm_calendarday")
        overrides = dict(cursor.fetchall())
        zone = timezone.get_current_timezone()
        ends = {}

        def end_of(day, days):
            """The end of the ``days``-th working day after ``day`` (local 23:59:59)."""
            key = (day, days)
            if key not in ends:
                current, found = day, 0
                while found < days:
                    current += timedelta(days=1)
                    if overrides.get(current, current.weekday() < 5):
                        found += 1
                ends[key] = timezone.make_aware(datetime.combine(current, clock_time(23, 59, 59)),
                                                zone)
            return ends[key]

        chosen = [(facts, level) for facts, level in zip(self.matter_facts, self.matter_levels,
                                                         strict=True)
                  if facts[1] in ("resolving", "resolved")]
        first = reserve_ids(cursor, "risks_stageclock", len(chosen))
        random_value = self.rng.random

        def rows():
            for offset, ((matter_id, status, created, updated, *_rest, street_id, community_id),
                         level) in enumerate(chosen):
                stage = "handle" if status == "resolving" else "verify"
                if stage == "handle":  # started at dispatch or start: some weeks back
                    started = max(created, updated - timedelta(
                        seconds=int(random_value() * 40 * 86400)))
                else:
                    started = updated
                limits = rules[stage]
                yellow_days, red_days = limits.get(level, limits[None])
                day = timezone.localtime(started, zone).date()
                yellow_at, red_at = end_of(day, yellow_days), end_of(day, red_days)
                yield (first + offset, matter_id, street_id, community_id, stage, started,
                       yellow_at, red_at, 0)

        self.report.counts["stage clocks"] = copy_rows(
            cursor, "risks_stageclock",
            ["id", "risk_id", "street_id", "community_id", "stage", "started_at", "yellow_at",
             "red_at", "paused_seconds"], rows())

    def finish(self, cursor) -> None:
        """Leave every sequence at the table's highest id (reserve_ids already moved them
        past the ranges; this also covers ranges a failed run reserved)."""
        for table in ("grids_area", "grids_department", "accounts_user", "risks_risk",
                      "risks_riskevent", "rhythm_riskwarning", "meetings_meeting",
                      "risks_stageclock"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")


def existing_matters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM risks_risk")
        return cursor.fetchone()[0]


def generate(size: Size, *, append: bool = False, stdout=None) -> Report:
    """Write a synthetic dataset of ``size`` into the default database (PostgreSQL only).

    Refuses when the database already holds matters unless ``append`` is true.
    """
    if connection.vendor != "postgresql":
        raise ScaleError(
            f"generate_scale writes with PostgreSQL COPY; the database is {connection.vendor}. "
            "Set DATABASE_URL=postgres://… (see README, 'Running on PostgreSQL').")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM risks_category")
        if not cursor.fetchone()[0]:
            raise ScaleError("No categories: run `manage.py migrate` (a migration seeds them).")
    if not append and existing_matters():
        raise ScaleError("The database already holds matters; pass --append to add to them.")
    return Generator(size, stdout=stdout).run()
