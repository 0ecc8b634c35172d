"""The register's figures, each defined once: the resolution rate (化解率) against the
work plan's targets (high-level matters 100%, medium and low at least 90%).

    化解率 = matters resolved or written off ÷ valid matters of the period

"Done" is resolved (已化解) or written off (已销号, closed); "valid" is every matter
except those checked and found not to be a risk (invalid). Which matters make the period
is the caller's choice: the write-off progress ledger counts the register's filtered
selection, the monthly statistics (and their API) the matters reported before the
month's end, the dashboards every matter of their area today. Each of them counts with
what is here: ledgers.summaries, rhythm.snapshots (and rhythm.api), supervision.dashboards;
tests/test_one_resolution_rate.py holds them to the same number.

One rounding rule for every rate of the figures (resolution, write-off, on-time
feedback, daily check): ``rate()`` gives the ratio to four decimal places (0.01
percentage point), as the monthly snapshots store it; pages and sheets show it to 0.1%.
Whether a level meets its target is decided on the counts, never on a rounded rate
(199 of 200 high-level matters is 99.5%, which rounds to 100% but is not the target).

The register's layer: rhythm, ledgers and supervision import this; it imports nothing
above the register.
"""

from datetime import date

from django.db.models import Count, Q

from risks.choices import OPEN_STATUSES, RiskLevel, RiskStatus

DONE_STATUSES = (RiskStatus.RESOLVED, RiskStatus.CLOSED)
RATE_PLACES = 4
# The targets as whole percentages, so that meeting one is decided exactly on the counts.
TARGET_PERCENT = {RiskLevel.HIGH: 100, RiskLevel.MEDIUM: 90, RiskLevel.LOW: 90}
TARGETS = {level: percent / 100 for level, percent in TARGET_PERCENT.items()}


# The headline counts of the dashboards and the map (在办, 高风险在办, 逾期), each one Q on
# Risk: the register's filters (status=open, level=high, overdue=true) find the same rows.

def open_q() -> Q:
    """Open matters (在办): neither resolved, written off nor found invalid."""
    return Q(status__in=OPEN_STATUSES)


def high_open_q() -> Q:
    """Open high-level matters."""
    return open_q() & Q(level=RiskLevel.HIGH)


def overdue_q(today: date) -> Q:
    """Open matters past their due date (``due_on`` before ``today``)."""
    return open_q() & Q(due_on__lt=today)


def valid_matters(queryset):
    """The matters a rate counts: every one but those found not to be a risk."""
    return queryset.exclude(status=RiskStatus.INVALID)


def is_done(status: str) -> bool:
    return status in DONE_STATUSES


def done_count() -> Count:
    """The aggregate counting the done (resolved or written-off) matters of a group, for
    ``valid_matters(...).values(...).annotate(done=done_count())``."""
    return Count("id", filter=Q(status__in=DONE_STATUSES))


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` to RATE_PLACES decimal places; None when there is nothing to count."""
    return round(part / whole, RATE_PLACES) if whole else None


def resolution_rate(done: int, valid: int) -> float | None:
    """化解率: done matters over valid matters (see the module's docstring)."""
    return rate(done, valid)


def meets_target(level: str, done: int, valid: int) -> bool:
    """Whether ``done`` of ``valid`` matters of ``level`` reach the level's target; a level
    without valid matters has nothing to miss."""
    return valid == 0 or done * 100 >= TARGET_PERCENT[level] * valid
