"""The street leader's workbench shows the four headline figures of the street's dashboard
(open matters, high-level open, overdue warnings, write-off rate against the targets),
counted by the dashboard's own queries, so that both always agree."""

from dataclasses import dataclass

from django.urls import reverse

from risks.choices import RiskLevel, RiskStatus
from supervision.dashboards import queries
from supervision.dashboards.figures import Summary
from supervision.dashboards.links import register_link
from workbench.desk import Desk


@dataclass
class StreetFigures:
    street: object
    dashboard: str
    summary: Summary
    overdue_warnings: int
    open_link: str
    high_open_link: str
    closed_link: str


def street_figures(desk: Desk) -> StreetFigures | None:
    """The figures of the street the person's scope is, or None: the desk's cube (shared
    with the groups) and one query for the overdue warnings."""
    board = desk.street
    if board is None:
        return None
    street = board.street
    return StreetFigures(
        street=street,
        dashboard=reverse("supervision:street_dashboard", args=[street.pk]),
        summary=board.summary,
        overdue_warnings=sum(queries.overdue_warnings(board.community_ids,
                                                      "community_id").values()),
        open_link=register_link(street.pk, open_only=True),
        high_open_link=register_link(street.pk, open_only=True, level=RiskLevel.HIGH),
        closed_link=register_link(street.pk, status=RiskStatus.CLOSED))
