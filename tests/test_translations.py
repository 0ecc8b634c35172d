"""The UI is Chinese: every message has a zh-hans translation, compiled and current."""

from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_is_translated():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    compiled = {entry.msgid: entry.msgstr or entry.msgstr_plural.get(0) for entry in mo}
    source = {entry.msgid: entry.msgstr or entry.msgstr_plural.get(0)
              for entry in po.translated_entries()}
    assert compiled == source, "run `make messages` to recompile django.mo"
