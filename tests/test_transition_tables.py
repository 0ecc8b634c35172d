"""One way to change state: every stateful model's states are reached through its
transition table (``<app>/transitions.py``), no code outside the tables sets a state
field, the engine refuses without changing anything, and docs/transitions.md is the
tables as the code holds them."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from quanfu.errors import Forbidden, RuleBroken, StaleVersion
from quanfu.management.commands.transition_tables import DOCS_PAGE, render
from quanfu.transitions import registered_tables
from risks import services
from risks.choices import Action, RiskStatus
from risks.models import Risk, RiskEvent
from risks.transitions import RISK_TRANSITIONS

PROJECT_APPS = ("accounts", "audit", "grids", "inbox", "ledgers", "meetings", "rhythm",
                "risks", "supervision", "webhooks")
# Fields that hold a record's state, besides "status" (listed supervision's card grade).
STATE_FIELDS = {("supervision", "listedsupervision"): ("status", "grade"),
                ("risks", "approval"): ("state",), ("grids", "areachange"): ("state",)}
# "status" fields that are not a record's state: a progress report keeps the status its task
# was moved to (history, written once with the report).
NOT_STATES = {("supervision", "campaignprogressreport", "status")}
ROOT = Path(settings.BASE_DIR)


def stateful_fields():
    """(model, field name) of every state field of the project's models."""
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            names = STATE_FIELDS.get((label, model._meta.model_name), ("status",))
            for name in names:
                field = next((f for f in model._meta.concrete_fields if f.name == name), None)
                if (field is not None and field.choices
                        and (label, model._meta.model_name, name) not in NOT_STATES):
                    yield model, field


def test_docs_page_is_the_tables_in_the_code():
    assert DOCS_PAGE.read_text(encoding="utf-8") == render(), (
        "docs/transitions.md is out of date: run python manage.py transition_tables --write")


@pytest.mark.parametrize("model,field", list(stateful_fields()),
                         ids=lambda value: getattr(value, "name", str(value)))
def test_every_state_is_reached_through_its_table(model, field):
    tables = [table for table in registered_tables()
              if table.model is model and table.field == field.name]
    assert tables, f"{model._meta.label}.{field.name} has no transition table"
    [table] = tables
    reachable = table.reachable_states() | {field.default}
    values = {value for value, _label in field.choices}
    assert values - reachable == set(), (
        f"{model._meta.label}.{field.name}: no transition leads to {values - reachable}")
    for transition in table:
        assert transition.sources <= values and transition.targets() <= values


# Direct writes of a state field: `x.status = …`, `status=…` in an update(), or a raw
# "SET status". Only the transition modules and the engine may do that; creating a
# record in its initial state (Model(status=…), objects.create) is not a transition.
DIRECT_WRITES = [
    re.compile(r"\.(status|grade|flag|state)\s*=(?!=)"),
    re.compile(r"\.update\((?:[^()]|\([^()]*\))*\b(status|grade|flag|state)\s*="),
    re.compile(r"\bSET\s+\"?(status|grade|flag|state)\"?\s*=", re.IGNORECASE),
]


def source_files():
    for label in PROJECT_APPS:
        for path in sorted((ROOT / label).rglob("*.py")):
            if "migrations" in path.parts or path.name == "transitions.py":
                continue
            yield path


def test_no_code_sets_a_state_field_outside_the_tables():
    found = []
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        for pattern in DIRECT_WRITES:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)[:60]}")
    assert found == [], "state set outside a transition table:\n" + "\n".join(found)


# The engine ---------------------------------------------------------------------------------

def test_a_refused_transition_changes_nothing(report, officer_a, grid_worker_a1):
    risk = report(officer_a)
    before = (Risk.objects.filter(pk=risk.pk).values().get(), RiskEvent.objects.count())
    with pytest.raises(Forbidden):
        services.transition_risk(risk, Action.VERIFY, actor=grid_worker_a1)
    with pytest.raises(RuleBroken):
        services.transition_risk(risk, Action.CLOSE, actor=officer_a, note="说明")
    with pytest.raises(RuleBroken) as missing_note:
        services.transition_risk(risk, Action.REJECT, actor=officer_a, note=" ")
    assert missing_note.value.field == "note"
    with pytest.raises(StaleVersion):
        services.transition_risk(risk, Action.VERIFY, actor=officer_a,
                                 version=risk.version - 1)
    with pytest.raises(RuleBroken) as unknown:
        services.transition_risk(risk, "teleport", actor=officer_a)
    assert unknown.value.field == "action"
    assert (Risk.objects.filter(pk=risk.pk).values().get(), RiskEvent.objects.count()) == before


def test_the_table_answers_what_a_person_may_do_now(report, officer_a, grid_worker_a1):
    risk = report(officer_a)
    assert RISK_TRANSITIONS.available(risk, grid_worker_a1) == []
    assert set(RISK_TRANSITIONS.available(risk, officer_a)) >= {Action.VERIFY, Action.REJECT}
    assert not RISK_TRANSITIONS.allows(risk, Action.CLOSE, officer_a)


def test_move_all_moves_only_rows_in_a_source_state(report, officer_a):
    reported, verified = report(officer_a), report(officer_a, title="另一件")
    services.verify_risk(verified, actor=officer_a)
    moved = RISK_TRANSITIONS.move_all(Risk.objects.all(), Action.VERIFY)
    assert moved == 1  # the one still reported; the verified one is not a source state
    assert Risk.objects.get(pk=reported.pk).status == RiskStatus.VERIFIED
    assert set(Risk.objects.values_list("status", flat=True)) == {RiskStatus.VERIFIED}
