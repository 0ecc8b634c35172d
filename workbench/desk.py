"""Whose workbench, and when; and what several parts of it read once: for a person whose
scope is one street (a street leader), the street dashboard's own cube of that street —
the counts of two of the leader's groups and three of the dashboard's headline figures
come from its one grouped scan."""

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.utils import timezone

from grids.choices import AreaKind
from grids.scoping import scope_roots
from supervision.dashboards import folding, queries
from supervision.dashboards.figures import Summary
from supervision.dashboards.folding import Tally
from supervision.scoping import communities_in


@dataclass(frozen=True)
class StreetBoard:
    street: object
    communities: list  # its communities in the person's scope, by code
    tally: Tally  # the matters of the street, folded (open per level and tier, …)
    summary: Summary  # the dashboard's figures of them

    @property
    def community_ids(self) -> list[int]:
        return [community.pk for community in self.communities]


class Desk:
    def __init__(self, user, now: datetime | None = None):
        self.user = user
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)

    @cached_property
    def street(self) -> StreetBoard | None:
        """The street the person's scope is, counted as its dashboard counts it (two
        queries: its communities, the cube); None for any other scope."""
        roots = scope_roots(self.user) or []
        if len(roots) != 1 or roots[0].kind != AreaKind.STREET:
            return None
        street = roots[0]
        communities = communities_in(self.user, street)
        # the cube's rows, folded into the street's total alone (the dashboard also folds
        # them per community: not needed here)
        tally = Tally()
        for row in queries.cube_rows(
                queries.matters_of([community.pk for community in communities]),
                "community_id", self.today):
            tally.add(row)
        return StreetBoard(street=street, communities=communities, tally=tally,
                           summary=folding.summarise(tally))
