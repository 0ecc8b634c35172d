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
                field = _field(model, name)
                if isinstance(field, models.ForeignKey) and isinstance(change, dict):
                    for value in (change.get("old"), change.get("new")):
                        if value not in (None, ""):
                            wanted[field.related_model].add(value)
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
            if isinstance(entry, dict):
                yield entry.get("model_label", ""), entry.get("changes")
            else:
                yield entry.model_label, entry.changes

    def lines(self, label: str, changes: dict) -> list[str]:
        """One line per changed field: ``状态：已上报 → 已核实``; a personal field reads
        as changed without its values; other details read ``key: value``."""
        model, lines = _model(label), []
        for name, change in (changes or {}).items():
            field = _field(model, name)
            title = capfirst(str(field.verbose_name)) if field is not None else name
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


def describe_changes(changes: dict, label: str = "") -> list[str]:
    """The lines of one entry (reads the records its foreign keys name: for a page or a
    batch, build one ChangeWords instead)."""
    return ChangeWords([{"model_label": label, "changes": changes}]).lines(label, changes)
