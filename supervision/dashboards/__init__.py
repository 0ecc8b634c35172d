"""The figures of the dashboards: the city's (every street in scope), the street's, a
community's and a supervision group's scorecard. Everything is counted by the database —
grouped aggregates, never matters loaded into Python — in a fixed number of queries
whatever the number of matters:

- one grouped scan of the matters (the "cube": per community or grid × category ×
  status, with how many of each level and tier and how many past their due date, and
  the trend's live weeks as COUNT … FILTER), from which the totals, the rates, the heat
  table and the per-row figures are folded (aggregates of aggregates);
- the weekly trend from the rhythm's weekly snapshots where they exist, the other weeks
  (always the current one) counted in the same scan;
- last month's rates from the rhythm's monthly snapshot, the data quality from
  rhythm.snapshots.data_quality_rows;
- one small query each for overdue warnings, overdue action items, findings, listed
  supervision, campaigns, the top overdue matters and today's daily check.

The city dashboard counts every matter in scope with no id list at all: the cube is
grouped per community × status in a subquery and rolled up to streets by one join; the
whole city has no area filter, a narrower scope one path-prefix test per root. Its trend
folds the streets' weekly snapshots, whose per-community folds are cached (a snapshot
never changes), and counts live only the weeks a street has no snapshot for. On
PostgreSQL both cubes read a covering index (supervision migration 0005) instead of the
table.

Which communities a dashboard counts is decided by supervision.scoping from the user's
scope, and dashboards are for roles whose view of the register is territorial
(supervision.permissions.DASHBOARD): for them ``community_id IN (those communities)``
is exactly the matters risks.scoping.visible_risks gives within the area.

The package, bottom up:

- figures.py: what a dashboard shows, as dataclasses (an area's Summary and the rows,
  top figures, trend and boards built on it);
- queries.py: the SQL (the cube, the snapshots, the small queries);
- folding.py: the cube's rows folded into figures, the weekly trend, and the weekly
  snapshots' folds kept in the cache;
- charts.py: the ECharts specifications;
- links.py: the links to the register;
- boards.py: the three boards put together (build, build_city, scorecard).
"""

from supervision.dashboards.boards import build, build_city, scorecard
from supervision.dashboards.figures import (
    Bar,
    CityDashboard,
    Dashboard,
    Scorecard,
)
from supervision.dashboards.folding import TREND_WEEKS, warm_city_folds, weekly_folds_key
from supervision.dashboards.links import register_link
from supervision.dashboards.queries import GRADE_RANK

__all__ = [
    "GRADE_RANK",
    "TREND_WEEKS",
    "Bar",
    "CityDashboard",
    "Dashboard",
    "Scorecard",
    "build",
    "build_city",
    "register_link",
    "scorecard",
    "warm_city_folds",
    "weekly_folds_key",
]
