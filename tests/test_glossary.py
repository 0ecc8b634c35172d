"""One word for one thing (issue 18): the words docs/glossary.md sets aside appear nowhere
in the translations, the templates or the code's Chinese strings."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| *([^|]+?) *\| *([^|]+?) *\|")


def rejected_words() -> dict[str, str]:
    rows = {}
    for line in (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines():
        found = ROW.match(line)
        if found and found.group(1) not in ("用词", "---"):
            rows[found.group(2)] = found.group(1)
    return rows


def searched_files():
    yield ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    yield from (ROOT / "templates").rglob("*.html")
    for app in ("accounts", "grids", "risks", "rhythm", "meetings", "ledgers", "supervision",
                "inbox", "audit", "workbench", "quanfu"):
        yield from (path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts)


def test_the_glossary_sets_words_aside():
    assert {"细类", "网格巡查"} <= set(rejected_words())


def test_no_page_ledger_or_label_uses_a_word_the_glossary_sets_aside():
    rejected = rejected_words()
    found = []
    for path in searched_files():
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}: {word} (use {rejected[word]})"
                  for word in rejected if word in text]
    assert not found, found
