"""How an entry's changed fields read on the page and in the export."""

from django.utils.translation import gettext as _

MISSING = "—"


def _value(value) -> str:
    return MISSING if value is None or value == "" else str(value)


def describe_changes(changes: dict) -> list[str]:
    """One line per changed field: ``status: reported → verified``; a personal field reads
    ``phone: changed (value not recorded)``; other details (a retention entry's anchor)
    read ``key: value``."""
    lines = []
    for name, change in (changes or {}).items():
        if isinstance(change, dict) and change.get("withheld"):
            lines.append(_("%(field)s: changed (personal data, value not recorded)")
                         % {"field": name})
        elif isinstance(change, dict) and {"old", "new"} <= change.keys():
            lines.append(f"{name}: {_value(change['old'])} → {_value(change['new'])}")
        else:
            lines.append(f"{name}: {_value(change)}")
    return lines
