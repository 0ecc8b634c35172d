"""How an entry's changed fields read on the page and in the export: each field by its
verbose name, each value as people read it (a choice by its label, a person or a record
by name, a boolean as 是/否, a moment as local date and time), not as stored."""

from collections import defaultdict
from datetime import datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MISSING = "—"


def _model(label: str):
    try:
        return apps.get_model(label) if label else None
    except (LookupError, ValueError):
        return None


def _field(model, name: str):
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


def _record_field(model, name: str):
    """The field a key of ``changes`` names: the field itself, or, for the set-based entries
    that stand for many rows (``{"call": 3, "reports": [..], "departments": [..]}``), the
    field a plural key counts (``departments`` → ``department``). None for a key that names
    the recorded rows themselves (the related name of one of their keys) or nothing."""
    field = _field(model, name)
    if field is None and name.endswith("s"):
        field = _field(model, name[:-1])
    return field


def _names_the_rows(model, name: str) -> bool:
    """Whether ``name`` is the related name under which the rows recorded hang from their
    parent (``reports`` of a whistle call's department reports)."""
    if model is None:
        return False
    return any(getattr(field.remote_field, "related_name", None) == name
               for field in model._meta.get_fields()
               if isinstance(field, models.ForeignKey))


def _each(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def _name_of(record) -> str:
    display = getattr(record, "display_name", None)
    return display() if callable(display) else str(record)


class ChangeWords:
    """The changes of a set of entries (a page, a batch of an export) in words. The
    records their foreign keys name are read once per related model, not per line."""

    def __init__(self, entries):
        self.entries = list(entries)
        wanted = defaultdict(set)
        for label, changes in self._changes():
            model = _model(label)
            for name, change in (changes or {}).items():
                field = _record_field(model, name)
                if not isinstance(field, models.ForeignKey):
                    continue
                values = (change.get("old"), change.get("new")) if isinstance(change, dict) \
                    else (change,)
                for value in values:
                    for one in _each(value):
                        if one not in (None, ""):
                            wanted[field.related_model].add(one)
        self.names = {}
        for related, ids in wanted.items():
            keys = []
            for value in ids:
                try:
                    keys.append(related._meta.pk.to_python(value))
                except ValidationError:  # a value no key can be: shown as it is
                    continue
            found = related._default_manager.in_bulk(keys)
            self.names[related] = {str(pk): _name_of(record) for pk, record in found.items()}

    def _changes(self):
        for entry in self.entries:
            changes = entry.get("changes") if isinstance(entry, dict) else entry.changes
            yield record_label(entry), changes

    def lines(self, label: str, changes: dict) -> list[str]:
        """One line per changed field: ``状态：已上报 → 已核实``; a personal field reads
        as changed without its values; other details read ``key: value``."""
        model, lines = _model(label), []
        for name, change in (changes or {}).items():
            field = _record_field(model, name)
            if field is not None:
                title = capfirst(str(field.verbose_name))
            elif _names_the_rows(model, name):
                title = capfirst(str(model._meta.verbose_name_plural))
            else:
                title = name
            if isinstance(change, dict) and change.get("withheld"):
                lines.append(_("%(field)s: changed (personal data, value not recorded)")
                             % {"field": title})
            elif isinstance(change, dict) and {"old", "new"} <= change.keys():
                lines.append(_("%(field)s: %(old)s → %(new)s") % {
                    "field": title, "old": self.value(field, change["old"]),
                    "new": self.value(field, change["new"])})
            else:
                lines.append(_("%(field)s: %(value)s") % {
                    "field": title, "value": self.value(field, change)})
        return lines

    def value(self, field, value) -> str:
        if isinstance(value, list | tuple):
            return "、".join(self.value(field, one) for one in value) or MISSING
        if value is None or value == "":
            return MISSING
        if field is None:
            return str(value)
        if isinstance(field, models.ForeignKey):
            return self.names.get(field.related_model, {}).get(str(value), str(value))
        if field.choices:
            labels = {str(key): label for key, label in field.flatchoices}
            return str(labels.get(str(value), value))
        if isinstance(field, models.BooleanField):
            return _("yes") if str(value) in ("True", "true", "1") else _("no")
        if isinstance(field, models.DateTimeField):
            try:
                moment = datetime.fromisoformat(str(value))
            except ValueError:
                return str(value)
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return moment.strftime("%Y-%m-%d %H:%M")
        return str(value)


def record_label(entry) -> str:
    """The record type an entry (an AuditEntry or a row of its values) is about: its model,
    or, for an entry that stands for many rows written at once, the model its target names
    (``meetings.departmentreport``)."""
    def read(name):
        return (entry.get(name) if isinstance(entry, dict) else getattr(entry, name)) or ""

    if read("model_label"):
        return read("model_label")
    target = read("target")
    return target if _model(target) is not None else ""


# Entries of the scheduled jobs, which name the job rather than a record.
JOB_TARGETS = {
    "rhythm:daily_checks": gettext_lazy("daily checklists of every community"),
    "rhythm:overdue_sweep": gettext_lazy("15-minute sweep of warnings and instructions"),
    "risks:clock_sweep": gettext_lazy("15-minute sweep of stage clocks"),
}


def word_entries(entries, record_types: dict) -> None:
    """Give each entry of a page what the audit log shows: ``record_type`` (the verbose
    name of ``record_types``), ``change_words``, ``who`` (the actor by name; the user name
    is on hover) and ``target_words`` (a person by name, rows written at once by their
    type). One query per kind of record the changes name."""
    words = ChangeWords(entries)
    for entry in entries:
        label = record_label(entry)
        entry.record_type = record_types.get(label, label)
        entry.change_words = words.lines(label, entry.changes)
        entry.who = entry.actor.display_name if entry.actor else entry.username
        if label and not entry.model_label:
            entry.target_words = entry.record_type
        elif entry.actor and entry.target == entry.username:
            entry.target_words = entry.who
        elif entry.target in JOB_TARGETS:
            entry.target_words = JOB_TARGETS[entry.target]
        else:
            entry.target_words = entry.target


def describe_changes(changes: dict, label: str = "") -> list[str]:
    """The lines of one entry (reads the records its foreign keys name: for a page or a
    batch, build one ChangeWords instead)."""
    return ChangeWords([{"model_label": label, "changes": changes}]).lines(label, changes)
