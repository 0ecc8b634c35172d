"""Which warnings are overdue: past their T+2 deadline without feedback, whether or not
the sweep (every 15 minutes, or not at all on a site without its worker) has marked them
yet. The warnings page, its cards, the data quality page and the dashboards all count by
this one rule, so that a figure and the rows it links to agree."""

from django.db.models import Case, CharField, F, Q, Value, When

from rhythm.choices import WarningStatus


def overdue_warning_q(now, prefix: str = "") -> Q:
    """Warnings overdue at ``now``; ``prefix`` reaches them through a relation."""
    return (Q(**{f"{prefix}status": WarningStatus.OVERDUE})
            | Q(**{f"{prefix}status": WarningStatus.OPEN, f"{prefix}feedback_due__lt": now}))


def status_as_of(now):
    """A warning's status as the page tells it: an open one past its deadline reads as
    overdue (an expression over RiskWarning; nothing is saved)."""
    return Case(When(overdue_warning_q(now), then=Value(WarningStatus.OVERDUE.value)),
                default=F("status"), output_field=CharField())
