"""The dashboards' chart specifications, drawn by static/js/supervision_charts.js with
ECharts from our static files. Each is the JSON the browser reads (a dict, written into
the page by json_script), made from the board's figures; every chart's numbers are also
in a table on the page, and its bars open the register filtered."""

from django.utils.translation import gettext as _

from risks.choices import RiskLevel, RiskStatus, Tier
from supervision.dashboards.figures import NOT_GRADED, Bar, Dashboard, Scorecard

LEVEL_COLOURS = {RiskLevel.HIGH: "#c62828", RiskLevel.MEDIUM: "#ef6c00",
                 RiskLevel.LOW: "#1565c0", NOT_GRADED: "#9e9e9e"}
STATUS_COLOURS = {RiskStatus.REPORTED: "#90a4ae", RiskStatus.VERIFIED: "#4fc3f7",
                  RiskStatus.RESOLVING: "#1976d2", RiskStatus.RESOLVED: "#43a047",
                  RiskStatus.CLOSED: "#757575", RiskStatus.INVALID: "#bdbdbd"}
TIER_COLOURS = {Tier.COMMUNITY: "#78909c", Tier.STREET: "#6a1b9a", Tier.DISTRICT: "#4a148c"}


def _bar_chart(bars: list[Bar], name: str, colours: dict | None = None,
               horizontal: bool = False) -> dict:
    return {"type": "bar", "horizontal": horizontal,
            "categories": [bar.label for bar in bars],
            "series": [{"name": name, "data": [bar.value for bar in bars]}],
            "colours": [(colours or {}).get(bar.key, "#8b1a1a") for bar in bars],
            "links": [bar.link for bar in bars]}


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def breakdown_charts(board) -> dict:
    """The charts a street, community and city dashboard share: the four breakdowns, the
    rates against the targets and the weekly trend."""
    return {
        "status": _bar_chart(board.by_status, _("Matters"), STATUS_COLOURS),
        "level": _bar_chart(board.by_level, _("Open matters"), LEVEL_COLOURS),
        "category": _bar_chart(board.by_category, _("Open matters"), horizontal=True),
        "tier": _bar_chart(board.by_tier, _("Open matters"), TIER_COLOURS),
        "rates": {
            "type": "bar", "percent": True,
            "categories": [entry.label for entry in board.rates],
            "series": [
                {"name": _("Resolution rate"),
                 "data": [_percent(entry.resolution_rate) for entry in board.rates]},
                {"name": _("Write-off rate"),
                 "data": [_percent(entry.write_off_rate) for entry in board.rates]},
                {"name": _("Target"), "line": True,
                 "data": [_percent(entry.target) for entry in board.rates]},
            ],
            "colours": [LEVEL_COLOURS[entry.level] for entry in board.rates],
            "links": [entry.link for entry in board.rates]},
        "trend": {
            "type": "line",
            "categories": [entry.week.isoformat() for entry in board.trend],
            "series": [{"name": _("New"), "data": [entry.new for entry in board.trend]},
                       {"name": _("Written off"),
                        "data": [entry.closed for entry in board.trend]}],
            "colours": ["#8b1a1a", "#757575"]},
    }


def dashboard_charts(dashboard: Dashboard) -> dict:
    """A street's or community's charts: the shared ones and the heat table."""
    heat = dashboard.heat
    return {
        **breakdown_charts(dashboard),
        "heat": {
            "type": "heatmap",
            "x": [category.name for category in heat.columns],
            "y": [row.label for row in heat.rows],
            "data": [[x, y, cell.value] for y, row in enumerate(heat.rows)
                     for x, cell in enumerate(row.cells)],
            "max": heat.max,
            "links": [[cell.link for cell in row.cells] for row in heat.rows]},
    }


def scorecard_charts(card: Scorecard) -> dict:
    entries = card.entries
    return {
        "write_off": {
            "type": "bar", "horizontal": True, "percent": True,
            "categories": [entry.community.name for entry in entries],
            "series": [{"name": _("Write-off rate"),
                        "data": [_percent(entry.write_off_rate) for entry in entries]}],
            "colours": ["#8b1a1a" for _entry in entries],
            "links": [entry.link for entry in entries]},
        "overdue": {
            "type": "bar", "stacked": True,
            "categories": [entry.community.name for entry in entries],
            "series": [
                {"name": _("Overdue matters"),
                 "data": [entry.overdue_matters for entry in entries]},
                {"name": _("Overdue warnings"),
                 "data": [entry.overdue_warnings for entry in entries]},
                {"name": _("Open findings"),
                 "data": [entry.open_findings for entry in entries]}],
            "colours": ["#c62828", "#ef6c00", "#6a1b9a"],
            "links": [entry.overdue_link for entry in entries]},
    }
