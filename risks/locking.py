"""The one lock order of the register's writes that lock several rows, so that two of
them never wait for each other (PostgreSQL would abort one after deadlock_timeout):

1. matters (risks.Risk), by id ascending — every matter the operation may change, before
   it changes any;
2. then the other records: meetings, their items, approvals, warnings;
3. the audit chain's lock last (only with inline sealing, audit.chain): an entry is written
   as each change is made, so every row lock must already be held by then.

A single-matter transition follows it by locking its one matter first. A service that
changes several matters (a meeting's approval carrying out its decisions) calls
``lock_matters`` with all of them before anything else.

Matters are locked FOR NO KEY UPDATE (what an UPDATE of the row takes itself), not FOR
UPDATE: writers still wait for one another, but a row that merely names a matter (an
event, an agenda item, a warning) never waits for them. Django's foreign keys are checked
at COMMIT (DEFERRABLE INITIALLY DEFERRED: FOR KEY SHARE on each matter named, in the order
the rows were written), and under FOR UPDATE those checks deadlocked with an approval
locking its matters by id (bench/concurrency.py: a meeting's draft committing its agenda).
"""

from collections.abc import Iterable

from risks.models import Risk


def lock_matters(ids: Iterable[int | None]) -> list[int]:
    """Lock the matters ``ids`` (None ignored) in id order, in the caller's transaction;
    returns the ids locked, ascending."""
    ordered = sorted({pk for pk in ids if pk is not None})
    if ordered:
        list(Risk.objects.select_for_update(no_key=True).filter(pk__in=ordered).order_by("pk")
             .values_list("pk", flat=True))
    return ordered
