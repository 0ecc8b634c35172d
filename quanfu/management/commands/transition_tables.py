"""Print every state machine's transition table as Markdown, or write them into
docs/transitions.md (``--write``), the page the README links; a test keeps the page equal
to the tables in the code."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from quanfu.transitions import registered_tables, tables_markdown

DOCS_PAGE = Path(settings.BASE_DIR) / "docs" / "transitions.md"
HEADER = """# State machines

Every state a record of the register can be in, and every way it moves, as the code holds
them (`<app>/transitions.py`, run by `quanfu/transitions.py`). Written by
`python manage.py transition_tables --write`; `tests/test_transition_tables.py` fails when
this page and the code disagree.

"""


def render() -> str:
    return HEADER + tables_markdown(registered_tables())


class Command(BaseCommand):
    help = "Print the transition tables as Markdown (--write: into docs/transitions.md)."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true",
                            help="write docs/transitions.md instead of printing")

    def handle(self, *args, write=False, **options):
        text = render()
        if write:
            DOCS_PAGE.parent.mkdir(exist_ok=True)
            DOCS_PAGE.write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {DOCS_PAGE}")
        else:
            self.stdout.write(text, ending="")
