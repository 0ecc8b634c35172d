"""Audit without escapes (issue 15): a write that bypasses ``save()`` and ``delete()`` —
``QuerySet.update()``, ``bulk_create()``, ``bulk_update()``, the transition engine's
``move_all()``, raw INSERT / UPDATE / DELETE / COPY — sends no signal, so the audit log
hears of it only from the code that does it: one ``record_event`` entry per bulk write,
saying what, how many and which.

The guard reads the project's own source (ast) for such writes on an audited model
(audit.model_changes.audited_models) and asks that the function doing one records an
entry, or that every function calling it does (the daily job records the checklists that
rhythm.services.run_daily_checks inserts). A write of bookkeeping fields only (version,
updated_at, last use: what the log leaves out of a save too) needs none; any other
exception is listed in ALLOWED with its reason. The services fixed for it are then run,
and their entries read back.
"""

import ast
import importlib
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from accounts.services import issue_api_token, revoke_api_token
from audit.choices import AuditAction
from audit.model_changes import IGNORED_FIELDS, audited_models
from audit.models import AuditEntry
from meetings.models import DepartmentReport
from meetings.services import blow_whistle
from rhythm.models import InstructionRecipient
from rhythm.services import send_instruction
from supervision import services as supervision_services
from supervision.choices import ListingGrade

ROOT = Path(__file__).resolve().parents[1]

# Folders not read, each for a reason.
NOT_SCANNED = {
    ".venv": "installed packages",
    "tests": "the tests themselves",
    "migrations": "schema history: a data migration runs once, on historical models, and "
                  "writes its own history rows (risks/migrations/0010 an event per matter)",
    "bench": "benchmark scripts, run against scratch databases of their own",
    "var": "files the app writes", "static": "no Python", "node_modules": "no Python",
}

# The transition engine's set-based move is itself the bulk write: its callers are checked
# as if they called .update() (quanfu.transitions, TransitionTable.move_all).
ENGINE = ("quanfu/transitions.py", "TransitionTable.move_all")

# (file, function): why this function's bulk write, or its call of a function doing one,
# needs no entry of its own. An entry no longer needed fails the test too: remove it then.
ALLOWED = {
    ("grids/services.py", "create_area"):
        "completes the row its own save() just wrote (the path holds the new id); that "
        "save's create entry is the record",
    ("rhythm/services.py", "deliver_issue_notices"):
        "the outbox claims its notices (notified_at): a delivery stamp, not a change of "
        "the warning, whose creation its save() recorded",
    ("quanfu/scale.py", "copy_rows"):
        "the benchmark generator (manage.py generate_scale) streams synthetic rows with "
        "COPY into an empty benchmark database; it stays outside the services on purpose, "
        "and the project core does not import the audit app",
    ("grids/admin.py", "AreaAdmin.move_area"):
        "the tree's own fallback, never run: risks.admin registers the area admin again "
        "with a move through risks.services.move_area, which records the move",
}

RECORDERS = {"record_event"}
BULK_METHODS = {"update", "bulk_create", "bulk_update", "move_all"}
SQL_METHODS = {"execute", "executemany", "copy"}
QUERYSET_STEPS = {"objects", "all", "filter", "exclude", "select_for_update", "select_related",
                  "prefetch_related", "order_by", "using", "distinct", "annotate", "alias",
                  "only", "defer", "none", "complex_filter", "get_queryset"}
# A parameter by these names is taken for a queryset (an admin action's, a helper's).
QUERYSET_NAMES = re.compile(r"^(qs|.*queryset)$")
SQL_WRITE = re.compile(r"\b(?:INSERT\s+INTO|DELETE\s+FROM|COPY)\s+(\S+)"
                       r"|\bUPDATE\s+(\S+)\s+(?:\w+\s+)?SET\b", re.IGNORECASE)
UNNAMED = "a queryset or table the guard cannot name"


@dataclass(frozen=True)
class BulkWrite:
    path: str
    line: int
    function: str  # the enclosing function or method (Class.method), "<module>" if none
    how: str
    target: str  # the model's label, or UNNAMED

    def __str__(self):
        return f"{self.path}:{self.line} in {self.function}(): {self.how} of {self.target}"


@dataclass
class Function:
    path: str
    name: str  # qualified: Class.method
    node: ast.AST

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def calls(self) -> set[str]:
        return {called_name(node) for node in ast.walk(self.node) if isinstance(node, ast.Call)}


def called_name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ""


# Reading one module -------------------------------------------------------------------------

def model_tables() -> dict[str, type]:
    return {model._meta.db_table: model for model in apps.get_models()}


def related_accessors() -> dict[str, set]:
    """{accessor name: models it leads to}: ``user.api_tokens.update(…)`` and the like."""
    found: dict[str, set] = {}
    for model in apps.get_models():
        for relation in model._meta.related_objects:
            found.setdefault(relation.get_accessor_name(), set()).add(relation.related_model)
        for field in model._meta.many_to_many:
            found.setdefault(field.name, set()).add(field.related_model)
    return found


class Module:
    def __init__(self, path: str, source: str):
        self.path = path
        self.tree = ast.parse(source)
        self.dotted = path.removesuffix(".py").replace("/", ".")
        self.imports: dict[str, tuple[str, str | None]] = {}  # alias: (module, name)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = (node.module, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0], None)
        self.classes = {node.name for node in self.tree.body if isinstance(node, ast.ClassDef)}

    def functions(self):
        """Every top-level function and method (nested functions belong to theirs), and
        the module's own statements as "<module>"."""
        statements = [node for node in self.tree.body
                      if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef
                                        | ast.ClassDef)]
        yield Function(self.path, "<module>", ast.Module(body=statements, type_ignores=[]))
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield Function(self.path, node.name, node)
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        yield Function(self.path, f"{node.name}.{item.name}", item)

    def resolve_name(self, name: str):
        """The object a module-level name stands for, through the module's imports."""
        if name in self.imports:
            module, attribute = self.imports[name]
            try:
                imported = importlib.import_module(module)
            except ImportError:
                return None
            if attribute is None:
                return imported
            found = getattr(imported, attribute, None)
            if found is None:
                try:
                    return importlib.import_module(f"{module}.{attribute}")
                except ImportError:
                    return None
            return found
        if name in self.classes:
            try:
                return getattr(importlib.import_module(self.dotted), name, None)
            except ImportError:
                return None
        return None


def is_model(value) -> bool:
    return isinstance(value, type) and issubclass(value, models.Model)


class Reader:
    """The bulk writes of one function, with what each writes to."""

    def __init__(self, module: Module, function: Function, tables: dict, accessors: dict):
        self.module, self.function = module, function
        self.tables, self.accessors = tables, accessors
        self.assigned: dict[str, ast.AST] = {}
        for node in ast.walk(function.node):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._remember(target, node.value)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
                self._remember(node.target, node.value)

    def _remember(self, target, value) -> None:
        if isinstance(target, ast.Name):
            self.assigned.setdefault(target.id, value)
        elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            for one_target, one_value in zip(target.elts, value.elts, strict=False):
                self._remember(one_target, one_value)

    # What an expression is ------------------------------------------------------------------

    def value_of(self, node, depth: int = 0):
        """A model class, a module, UNNAMED for a queryset of a model not named, or None."""
        if depth > 8:
            return None
        if isinstance(node, ast.Name):
            if node.id in self.assigned:
                return self.value_of(self.assigned[node.id], depth + 1)
            found = self.module.resolve_name(node.id)
            if found is None and QUERYSET_NAMES.match(node.id):
                return UNNAMED
            return found
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            inner = self.value_of(node.func.value, depth + 1)
            if node.func.attr in QUERYSET_STEPS and inner is None:
                return UNNAMED
            return inner if is_model(inner) or inner == UNNAMED else None
        if isinstance(node, ast.Attribute):
            inner = self.value_of(node.value, depth + 1)
            if is_model(inner) and node.attr not in QUERYSET_STEPS:
                related = getattr(inner, node.attr, None)
                if isinstance(related, models.Manager):  # a manager by another name
                    return inner
                field = getattr(related, "field", None) or getattr(related, "rel", None)
                return getattr(field, "related_model", None) if field is not None else None
            if is_model(inner) or inner == UNNAMED:
                return inner
            if inner is not None and not is_model(inner):  # a module: risks.models.Risk
                return getattr(inner, node.attr, None)
            if node.attr in self.accessors:
                audited = [model for model in self.accessors[node.attr]
                           if model in audited_models()]
                return audited[0] if audited else None
            return UNNAMED if node.attr == "objects" else None
        return None

    def sql_text(self, node, depth: int = 0) -> str:
        if depth > 8:
            return ""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(part.value if isinstance(part, ast.Constant)
                           else "{" + ast.unparse(part.value) + "}" for part in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.sql_text(node.left, depth + 1) + self.sql_text(node.right, depth + 1)
        if isinstance(node, ast.Name) and node.id in self.assigned:
            return self.sql_text(self.assigned[node.id], depth + 1)
        return ""

    def table_model(self, token: str):
        token = token.strip('"`;(')
        if not token.startswith("{"):
            return self.tables.get(token)
        expression = ast.parse(token.strip("{}"), mode="eval").body
        if isinstance(expression, ast.Name) and expression.id in self.assigned:
            expression = self.assigned[expression.id]
        for node in ast.walk(expression):
            if isinstance(node, ast.Attribute) and node.attr == "db_table" \
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "_meta":
                found = self.value_of(node.value.value)
                return found if is_model(found) else UNNAMED
        return UNNAMED

    # The writes -----------------------------------------------------------------------------

    def bulk_writes(self):
        for node in ast.walk(self.function.node):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            method = node.func.attr
            if method in BULK_METHODS:
                yield from self._orm_write(node, method)
            elif method in SQL_METHODS and node.args:
                for match in SQL_WRITE.finditer(self.sql_text(node.args[0])):
                    target = self.table_model(match.group(1) or match.group(2))
                    statement = match.group(0).split()[0].upper()
                    yield self._write(node, f"raw {statement}", target)

    def _orm_write(self, node: ast.Call, method: str):
        if method == "move_all":  # TransitionTable.move_all(queryset, action, **also)
            queryset = node.args[0] if node.args else None
            target = self.value_of(queryset) if queryset is not None else None
            yield self._write(node, "move_all()", target or UNNAMED)
            return
        if method == "update" and node.args:  # QuerySet.update() takes keywords only
            return
        target = self.value_of(node.func.value)
        if not (is_model(target) or target == UNNAMED):  # a dict, a settings object…
            return
        if method == "update" and all(keyword.arg in IGNORED_FIELDS
                                      for keyword in node.keywords):
            return  # bookkeeping only: a save() of these alone writes no entry either
        yield self._write(node, f"QuerySet.{method}()", target)

    def _write(self, node, how: str, target):
        if is_model(target):
            concrete = target._meta.concrete_model
            if concrete not in audited_models():
                return None
            target = concrete._meta.label_lower
        return BulkWrite(self.function.path, node.lineno, self.function.name, how, target)


# The whole project -------------------------------------------------------------------------

def project_sources() -> dict[str, str]:
    sources = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if any(part in NOT_SCANNED for part in relative.parts[:-1]):
            continue
        sources[relative.as_posix()] = path.read_text(encoding="utf-8")
    return sources


def unrecorded_bulk_writes(sources: dict[str, str], allowed: dict | None = None,
                           used: set | None = None) -> list[BulkWrite]:
    """The bulk writes of audited models with no entry in their function nor in every
    function that calls it (by name, so a caller of a namesake counts too: stricter).
    A function in ``allowed`` counts as recorded; ``used`` collects those that served."""
    allowed, used = allowed or {}, used if used is not None else set()
    tables, accessors = model_tables(), related_accessors()
    functions: list[Function] = []
    writes: list[tuple[Function, BulkWrite]] = []
    for path, source in sources.items():
        module = Module(path, source)
        for function in module.functions():
            functions.append(function)
            if (path, function.name) == ENGINE:
                continue
            reader = Reader(module, function, tables, accessors)
            writes += [(function, write) for write in reader.bulk_writes() if write]
    calls = {id(function): function.calls() for function in functions}

    def records(function: Function, seen: frozenset = frozenset()) -> bool:
        """Calls record_event, itself or through a helper of its own module."""
        if calls[id(function)] & RECORDERS:
            return True
        return any(records(helper, seen | {id(function)}) for helper in functions
                   if helper.path == function.path and id(helper) not in seen
                   and helper is not function and helper.short_name in calls[id(function)])

    def recorded(function: Function, seen: frozenset) -> bool:
        if (function.path, function.name) in allowed:
            used.add((function.path, function.name))
            return True
        if records(function):
            return True
        callers = [caller for caller in functions if caller is not function
                   and function.short_name in calls[id(caller)]]
        if not callers or id(function) in seen:
            return False
        return all(recorded(caller, seen | {id(function)}) for caller in callers)

    return [write for function, write in writes if not recorded(function, frozenset())]


# The guard --------------------------------------------------------------------------------

def test_no_service_writes_an_audited_model_in_bulk_without_an_audit_entry():
    used = set()
    found = unrecorded_bulk_writes(project_sources(), ALLOWED, used)
    assert not found, (
        "Bulk writes of audited models without an audit entry (they send no signal, so "
        "nothing else records them). Call audit.services.record_event once per bulk write "
        "— target, how many rows, which ids or the filter, the fields — in the function or "
        "in every caller, or add it to ALLOWED with the reason:\n"
        + "\n".join(f"  {write}" for write in found))
    stale = sorted(set(ALLOWED) - used)
    assert not stale, ("ALLOWED entries no bulk write needs any more; remove them:\n"
                       + "\n".join(f"  {path} {function}()" for path, function in stale))


# The guard itself: it fails when it should.
GUARDED = '''
from audit.services import record_event
from django.db import connection
from quanfu.transitions import TransitionTable
from risks.models import Risk, RiskCodeCounter
from rhythm.models import DailyCheckItem, RiskWarning

def raise_levels():
    Risk.objects.filter(level="low").update(level="medium")

def raise_levels_recorded():
    count = Risk.objects.filter(level="low").update(level="medium")
    record_event(action="update", target="risks.risk", detail=f"{count} matters")

def through_a_variable(ids):
    matters = Risk.objects.filter(pk__in=ids)
    return matters.update(title="x")

def bookkeeping_only(risk):
    Risk.objects.filter(pk=risk.pk).update(version=1, updated_at=None)

def not_audited():
    RiskCodeCounter.objects.filter(year=2024).update(last=1)

def a_dict(values):
    values.update(level="high")

def sweep(table):
    return table.move_all(RiskWarning.objects.filter(pk=1), "overdue")

def job():
    swept = sweep(None)
    _record(swept)

def _record(swept):
    record_event(action="transition", target="rhythm", detail=str(swept))

def raw_insert():
    item = DailyCheckItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {item} (risk_id) SELECT id FROM risks_risk")

def close_all(modeladmin, request, queryset):
    queryset.update(status="closed")

def raw_select_for_update():
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM risks_risk FOR UPDATE")
'''


def test_the_guard_finds_a_bulk_write_without_an_entry(db):
    found = {(write.function, write.how, write.target)
             for write in unrecorded_bulk_writes({"example/services.py": GUARDED})}
    assert found == {
        ("raise_levels", "QuerySet.update()", "risks.risk"),
        ("through_a_variable", "QuerySet.update()", "risks.risk"),
        ("raw_insert", "raw INSERT", "rhythm.dailycheckitem"),
        ("close_all", "QuerySet.update()", UNNAMED),
    }
    # sweep() is covered by its only caller, job(), which records through its helper


def test_the_guard_names_the_file_line_and_function(db):
    write = unrecorded_bulk_writes({"example/services.py": GUARDED})[0]
    assert str(write) == ("example/services.py:9 in raise_levels(): QuerySet.update() "
                          "of risks.risk")


def test_a_move_all_call_needs_an_entry_like_an_update(db):
    source = GUARDED.replace('record_event(action="transition"', 'print(action="transition"')
    found = {(write.function, write.how, write.target)
             for write in unrecorded_bulk_writes({"example/services.py": source})}
    assert ("sweep", "move_all()", "rhythm.riskwarning") in found


# The bulk writes fixed for it, run -----------------------------------------------------------

def newest_entry(target: str) -> AuditEntry:
    return AuditEntry.objects.filter(target=target).order_by("-seq").first()


def test_rotating_an_api_token_records_the_revoked_ones(api_client_user):
    old, _key = issue_api_token(api_client_user, name="first")
    new, _key = issue_api_token(api_client_user, name="second")
    entry = newest_entry("accounts.apitoken")
    assert entry.action == AuditAction.UPDATE
    assert entry.changes == {"revoked": [old.pk], "user": api_client_user.pk}
    assert api_client_user.username in entry.detail
    assert new.revoked_at is None


def test_revoking_an_api_token_records_it(api_client_user):
    token, _key = issue_api_token(api_client_user)
    revoke_api_token(token)
    assert newest_entry("accounts.apitoken").changes == {"revoked": [token.pk],
                                                        "user": api_client_user.pk}
    before = AuditEntry.objects.count()
    revoke_api_token(token)  # already revoked: nothing written, nothing recorded
    assert AuditEntry.objects.count() == before


def test_sending_an_instruction_records_its_recipients(officer_a, grid_worker_a1, street):
    instruction = send_instruction(actor=officer_a, workers=[grid_worker_a1], kind="patrol",
                                   content="巡查楼道", area=street.grid_a1,
                                   deadline=timezone.now() + timedelta(days=1))
    entry = newest_entry("rhythm.instructionrecipient")
    assert (entry.action, entry.actor) == (AuditAction.CREATE, officer_a)
    recipients = list(InstructionRecipient.objects.filter(instruction=instruction)
                      .values_list("pk", flat=True))
    assert entry.changes == {"instruction": instruction.pk, "recipients": recipients,
                             "workers": [grid_worker_a1.pk]}


def test_blowing_the_whistle_records_the_called_departments(ready_to_start, officer_a,
                                                            street):
    risk = ready_to_start()
    departments = list(street.street.departments.order_by("pk")[:2])
    call = blow_whistle(risk, actor=officer_a, departments=departments, request="请到场",
                        respond_by=timezone.now() + timedelta(hours=4))
    entry = newest_entry("meetings.departmentreport")
    assert (entry.action, entry.actor) == (AuditAction.CREATE, officer_a)
    reports = list(DepartmentReport.objects.filter(call=call).order_by("pk")
                   .values_list("pk", flat=True))
    assert entry.changes == {"call": call.pk, "reports": reports,
                             "departments": [department.pk for department in departments]}


def test_a_listing_grade_rise_is_recorded(leader, street):
    listing = supervision_services.list_for_supervision(
        actor=leader, community=street.community_a, reason="理由",
        deadline=timezone.localdate() + timedelta(days=1))
    supervision_services.escalate_overdue_listings(timezone.localdate() + timedelta(days=2))
    entry = newest_entry("supervision.listedsupervision")
    assert entry.action == AuditAction.UPDATE
    assert entry.changes["grade"] == {f"{ListingGrade.NORMAL}→{ListingGrade.YELLOW}":
                                      [listing.pk]}
    before = AuditEntry.objects.count()
    supervision_services.escalate_overdue_listings(timezone.localdate() + timedelta(days=2))
    assert AuditEntry.objects.count() == before  # nothing rose: nothing recorded


@pytest.mark.parametrize("target", ["rhythm:daily_checks", "rhythm:overdue_sweep"])
def test_the_rhythm_jobs_record_their_set_based_writes(target, ready_to_start, officer_a):
    from rhythm import jobs
    from rhythm.services import issue_warning

    risk = ready_to_start()
    issue_warning(risk, actor=officer_a, content="需反馈",
                  issued_at=timezone.now() - timedelta(days=10))
    (jobs.daily if target == "rhythm:daily_checks" else jobs.sweep)()
    assert newest_entry(target) is not None
