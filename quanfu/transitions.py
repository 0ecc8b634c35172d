"""The one way a stateful record changes state: a declarative table per model (in
``<app>/transitions.py``) and one guarded runner.

A ``Transition`` says, for one action: the states it may start from, the state it leads
to (``None``: the state stays, e.g. escalating a matter), who may take it, the
preconditions it checks, whether a note is required, and the event kind its history row
gets. ``run`` takes it under a row lock: it checks the version the person read, the role,
the state and the preconditions, then lets the service apply its own fields, saves,
writes the event and schedules the effects after commit. A refusal raises ``Forbidden``,
``RuleBroken`` or ``StaleVersion`` and changes nothing.

Set-based work (the T+2 sweep marking thousands of warnings overdue) goes through
``TransitionTable.move_all``: one conditional UPDATE from the table's source states, so
no code sets a status field by hand (``tests/test_transition_tables.py`` checks both).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.db import models, transaction
from django.utils.translation import gettext as _

from quanfu.errors import Forbidden, RuleBroken, StaleVersion
from quanfu.personal_data import refuse_personal_data

Check = Callable[..., None]  # check(record, actor, **context): raises RuleBroken
Who = Callable[..., bool]  # who(actor, record) -> may this person take the action?


def anyone(actor, record) -> bool:
    return True


def nobody(actor, record) -> bool:
    """A job's action, taken set-based by ``move_all`` (a sweep, a worker): no person."""
    return False


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    # the state it leads to; None: unchanged; a dict: by the state it starts from
    target: str | dict | None
    who: Who = anyone
    who_label: str = ""  # for the docs: who may, in words
    # preconditions on the record alone that decide whether the action is offered at all
    # (a button shown), checked first when it is taken; ``checks`` may need the input
    offered_if: tuple[Check, ...] = ()
    # preconditions on the record alone under which the action is still offered but refused
    # until they are met (a page shows it disabled with the refusal as its reason)
    ready_if: tuple[Check, ...] = ()
    checks: tuple[Check, ...] = ()
    note_required: bool = False
    note_message: str = ""  # the refusal when the note is missing (default: give a reason)
    # the refusal from a state it cannot start from, with %(state)s and %(action)s (default:
    # generic words); for refusals people already know ("These minutes are already approved.")
    state_message: str = ""
    event_kind: str = ""

    def leads_to(self, state: str) -> str:
        if self.target is None:
            return state
        if isinstance(self.target, dict):
            return self.target[state]
        return self.target

    def targets(self) -> set:
        if self.target is None:
            return set()
        return set(self.target.values()) if isinstance(self.target, dict) else {self.target}


@dataclass
class TransitionTable:
    """The allowed transitions of one model's status field, in one place."""

    model: type[models.Model]
    transitions: list[Transition]
    field: str = "status"
    actions: type | None = None  # the TextChoices of the actions, for their labels
    states: type | None = None  # the TextChoices of the states
    # what a stale version is told, with %(current)s and %(yours)s (default: generic words)
    stale_message: str = ""
    by_action: dict = dataclass_field(init=False, repr=False)

    def __post_init__(self):
        self.by_action = {transition.action: transition for transition in self.transitions}

    # Questions ----------------------------------------------------------------------------

    def __getitem__(self, action) -> Transition:
        try:
            return self.by_action[action]
        except KeyError:
            raise RuleBroken(_("Unknown action %(action)s.") % {"action": action},
                             field="action") from None

    def __iter__(self):
        return iter(self.transitions)

    def state_of(self, record) -> str:
        return getattr(record, self.field)

    def allows(self, record, action, actor) -> bool:
        """May ``actor`` take ``action`` on ``record`` now: the state, the role and the
        ``offered_if`` and ``ready_if`` preconditions (the rest, which needs the input, the
        runner checks and explains)?"""
        transition = self.by_action.get(action)
        return (transition is not None and self._offered(transition, record, actor)
                and self.refusal(transition, record, actor) is None)

    def available(self, record, actor) -> list[str]:
        return [transition.action for transition in self.transitions
                if self.allows(record, transition.action, actor)]

    def offers(self, record, actor) -> list[tuple[str, str | None]]:
        """The actions offered to ``actor`` on ``record`` now, in the table's order, each
        with the refusal it would meet (``ready_if``: a missing plan, an approval not yet
        given), or None when it may be taken."""
        return [(transition.action, self.refusal(transition, record, actor))
                for transition in self.transitions
                if self._offered(transition, record, actor)]

    def _offered(self, transition, record, actor) -> bool:
        if self.state_of(record) not in transition.sources:
            return False
        try:
            if not transition.who(actor, record):
                return False
            for check in transition.offered_if:
                check(record, actor)
        except (Forbidden, RuleBroken):  # rules that explain their refusal themselves
            return False
        return True

    @staticmethod
    def refusal(transition, record, actor) -> str | None:
        try:
            for check in transition.ready_if:
                check(record, actor)
        except (Forbidden, RuleBroken) as refused:
            return str(refused.message)
        return None

    def reachable_states(self) -> set:
        return {state for transition in self.transitions for state in transition.targets()}

    def label(self, action) -> str:
        if self.actions is not None and action in self.actions.values:
            return str(self.actions(action).label)
        return str(action)

    def state_label(self, state) -> str:
        if self.states is not None and state in self.states.values:
            return str(self.states(state).label)
        return str(state)

    # Checks -------------------------------------------------------------------------------

    def check(self, record, action, *, actor, note: str = "", **context) -> Transition:
        """Raise the refusal ``action`` meets on ``record`` now, or return its transition:
        the role first (403), then the state, the note and the preconditions (400)."""
        transition = self[action]
        if not transition.who(actor, record):
            raise Forbidden(_("Your role may not do this."))
        state = self.state_of(record)
        if state not in transition.sources:
            message = transition.state_message or _(
                "It is %(state)s now: “%(action)s” is not possible.")
            raise RuleBroken(message % {"state": self.state_label(state),
                                        "action": self.label(action)}, field=self.field)
        if transition.note_required and not (note or "").strip():
            raise RuleBroken(transition.note_message or _("Give a reason in the note."),
                             field="note")
        refuse_personal_data(note=note)
        for check in (*transition.offered_if, *transition.ready_if, *transition.checks):
            check(record, actor, **context)
        return transition

    # Doing --------------------------------------------------------------------------------

    def run(self, record, action, *, actor, note: str = "", version: int | None = None,
            apply: Callable | None = None, record_event: Callable | None = None,
            after_commit: Callable | None = None, lock: bool = True, **context):
        """Take ``action`` on ``record`` in one transaction and return the record as saved.

        ``apply(locked, transition)`` sets the service's own fields and returns their names;
        ``record_event(locked, transition, from_state)`` writes the history row;
        ``after_commit(locked)`` runs once the transaction commits (notices, tasks).
        ``version`` is the one the person read (a stale one: StaleVersion, 409), checked
        when the model keeps a ``version``. ``context`` goes to the preconditions.
        """
        with transaction.atomic():
            locked = self.lock(record, version) if lock else record
            transition = self.check(locked, action, actor=actor, note=note, **context)
            from_state = self.state_of(locked)
            fields = list(apply(locked, transition) or []) if apply else []
            setattr(locked, self.field, transition.leads_to(from_state))
            if hasattr(locked, "version"):
                locked.version += 1
                fields.append("version")
            locked.save(update_fields=list(dict.fromkeys([self.field, *fields])))
            if record_event is not None:
                record_event(locked, transition, from_state)
            if after_commit is not None:
                transaction.on_commit(lambda: after_commit(locked))
        return locked

    def lock(self, record, version: int | None = None):
        """Re-read ``record`` under a row lock (only its own row: PostgreSQL refuses FOR
        UPDATE on the nullable side of an outer join) and check the version read."""
        # FOR NO KEY UPDATE: foreign-key checks of rows naming it never wait (risks.locking)
        locked = (type(record).objects.select_for_update(of=("self",), no_key=True)
                  .get(pk=record.pk))
        current = getattr(locked, "version", None)
        if version is not None and current is not None and int(version) != current:
            message = self.stale_message or _(
                "This was changed by someone else (now version %(current)s, you edited "
                "version %(yours)s). Reload it and apply your change again.")
            raise StaleVersion(message % {"current": current, "yours": version},
                               current_version=current)
        return locked

    def move_all(self, queryset, action, **also) -> int:
        """Take ``action`` on every row of ``queryset`` still in one of its source states,
        in one UPDATE (set-based jobs: no person, no per-row preconditions). Returns the
        number of rows moved; ``also`` sets further columns in the same UPDATE. A target
        by source state (a grade rising one step) is one CASE over the source states."""
        transition = self[action]
        if transition.target is None:
            raise ValueError(f"{action} has no state to move to")
        if isinstance(transition.target, dict):
            target = models.Case(*(models.When(**{self.field: source},
                                               then=models.Value(str(state)))
                                   for source, state in transition.target.items()
                                   if source in transition.sources),
                                 default=models.F(self.field))
        else:
            target = transition.target
        return (queryset.filter(**{f"{self.field}__in": transition.sources})
                .update(**{self.field: target}, **also))

    # Docs ---------------------------------------------------------------------------------

    def as_markdown(self) -> str:
        """The table as Markdown: action, from, to, who, preconditions, event."""
        lines = [f"#### {self.model._meta.label} (`{self.field}`)", "",
                 "| action | from | to | who | note | checks | event |",
                 "|---|---|---|---|---|---|---|"]
        order = list(self.states.values) if self.states is not None else []

        def in_order(states):
            return sorted(states, key=lambda state: (order.index(state) if state in order
                                                     else len(order), state))

        for transition in self.transitions:
            sources = ", ".join(f"`{state}`" for state in in_order(transition.sources))
            if isinstance(transition.target, dict):
                target = "; ".join(f"`{source}` → `{transition.target[source]}`"
                                   for source in in_order(transition.target))
            else:
                target = f"`{transition.target}`" if transition.target else "(unchanged)"
            checks = ", ".join(check.__name__ for check in (
                *transition.offered_if, *transition.ready_if, *transition.checks)) or "—"
            lines.append(
                f"| `{transition.action}` | {sources or '—'} | {target} | "
                f"{transition.who_label or 'anyone who may see it'} | "
                f"{'required' if transition.note_required else '—'} | {checks} | "
                f"{transition.event_kind or '—'} |")
        return "\n".join(lines)


def tables_markdown(tables: Iterable[TransitionTable]) -> str:
    return "\n\n".join(table.as_markdown() for table in tables) + "\n"


def registered_tables() -> list[TransitionTable]:
    """Every app's tables (``TABLES`` in ``<app>/transitions.py``), in app order."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    tables = []
    for config in apps.get_app_configs():
        name = f"{config.name}.transitions"
        if config.name != "quanfu" and find_spec(name) is not None:
            tables += getattr(import_module(name), "TABLES", [])
    return tables
