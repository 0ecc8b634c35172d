"""The blocks of a matter's page that the apps above the register add, and the next steps
they offer on it: meetings (the whistle calls with their report-ins, the meetings that
discussed it and their decisions), supervision (listed supervision and its grade, the
campaigns it is worked on under, the findings on it with their evidence) and ledgers (its
archive file). The register never imports those apps: each registers its panel from its
AppConfig.ready, and the page draws the panels in order.

A panel's ``build(risk, user)`` reads through its own app's scoping, costs a fixed number
of queries however much the matter holds (tests/test_matter_hub.py pins the whole page),
and returns a ``PanelContent``, or None when it has nothing for this user. Its next steps
are links with the matter already chosen, offered only to those whose role and scope the
action's own permission table allows; the forms they open come back to the matter's page
when they were opened from it (``returns_to_matter``)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

# Where a panel is drawn: the wide column (before the history) or the narrow one.
MAIN, SIDE = "main", "side"

# A form opened from a matter's page carries ``back=matter`` (in its query string, or as
# a hidden field of a form posted from the page) and, when it is done, goes back there.
BACK, TO_MATTER = "back", "matter"


@dataclass(frozen=True)
class NextStep:
    """A button on the matter's page: an action of another app, the matter chosen."""

    name: str  # the button's data-testid is "next-<name>"
    label: str
    url: str
    style: str = "outline-primary"


@dataclass(frozen=True)
class PanelContent:
    """What one panel shows (``context``, None: no block, only steps) and offers."""

    context: dict | None
    steps: tuple[NextStep, ...] = ()


@dataclass(frozen=True)
class MatterPanel:
    name: str
    order: int
    build: Callable[[object, object], PanelContent | None]
    template: str
    column: str = SIDE
    # a template drawn among the badges under the matter's title (e.g. 黄牌), from the
    # same context; None: the panel adds no badge
    badge_template: str | None = None


_PANELS: dict[str, MatterPanel] = {}


def register_matter_panel(name: str, *, order: int, build, template: str,
                          column: str = SIDE, badge_template: str | None = None) -> None:
    """Add a panel to every matter's page, drawn in its column by ``order`` after the
    register's own blocks. Registering again under the same name replaces it."""
    if column not in (MAIN, SIDE):
        raise ValueError(f"A matter panel goes in the {MAIN} or the {SIDE} column.")
    _PANELS[name] = MatterPanel(name=name, order=order, build=build, template=template,
                                column=column, badge_template=badge_template)


def registered_panels() -> list[MatterPanel]:
    return sorted(_PANELS.values(), key=lambda panel: (panel.order, panel.name))


@dataclass
class BuiltPanels:
    panels: list[dict] = field(default_factory=list)
    steps: list[NextStep] = field(default_factory=list)

    def in_column(self, column: str) -> list[dict]:
        return [panel for panel in self.panels if panel["column"] == column]

    @property
    def with_badges(self) -> list[dict]:
        return [panel for panel in self.panels if panel["badge_template"]]


def build_matter_panels(risk, user) -> BuiltPanels:
    """Every registered panel's block and steps for this matter and user."""
    built = BuiltPanels()
    for panel in registered_panels():
        content = panel.build(risk, user)
        if content is None:
            continue
        if content.context is not None:
            built.panels.append({"name": panel.name, "template": panel.template,
                                 "column": panel.column,
                                 "badge_template": panel.badge_template,
                                 "data": content.context})
        built.steps.extend(content.steps)
    return built


def matter_page_url(risk_id, anchor: str = "") -> str:
    return reverse("risks:risk_detail", args=[risk_id]) + (f"#{anchor}" if anchor else "")


def with_back_to_matter(url: str) -> str:
    """``url`` (which may hold a query already) marked to come back to the matter."""
    return f"{url}{'&' if '?' in url else '?'}{BACK}={TO_MATTER}"


def returns_to_matter(request) -> bool:
    """Was this form opened (or posted) from a matter's page?"""
    return TO_MATTER in (request.GET.get(BACK), request.POST.get(BACK))
