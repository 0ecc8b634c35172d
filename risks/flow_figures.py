"""The flow figures (流转情况) of a period, per community and per section: how matters moved
between the units, each figure counting matters (not events), so that its link to the
register (``?flow=<figure>&flow_month=YYYY-MM``, with ``within=<community>`` or
``flow_department=<id>``; risks.filters) lists exactly the matters counted.

- dispatched: matters dispatched (分流) in the period; a section's: dispatched to it;
- accepted on time: signed for (签收) in the period, the sign-in clock stopped at or before
  its time limit (``yellow_at``); a section's: signed for by it;
- returned: returned (退回) in the period; a section's: returned by it;
- handled on time: the handling clock stopped (resolved) in the period at or before its
  time limit;
- overdue now: a stage clock still running, not paused, past its time limit (yellow or
  red), whatever the period: the stage clocks say which stage is late and whose it is;
  ``due_on`` is the matter's overall deadline and is counted by the dashboards already;
- reworked: sent back for rework in the period;
- extended: an extension of the deadline approved in the period;
- follow-up satisfaction: of the matters with an answered follow-up call in the period
  (satisfied or dissatisfied; unreachable is no answer), those satisfied, as
  risks.figures.rate().

A section's matters besides its own acts (dispatched to, signed for, returned by) are
those it holds: dispatched to it, or owned by it (the clocks' rule too, risks.clocks).
Every figure is counted by a grouped SELECT per source (events, clocks, approvals, calls)
and kind of unit, all of them one UNION ALL: one query for a table of communities and
sections.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from quanfu.clock import local_midnight
from risks.choices import (
    Action,
    ApprovalKind,
    ApprovalState,
    ClockStage,
    EventKind,
    FollowUpOutcome,
)
from risks.figures import rate
from risks.models import Approval, FollowUp, RiskEvent, StageClock

DISPATCHED, ACCEPTED_ON_TIME, RETURNED, HANDLED_ON_TIME = (
    "dispatched", "accepted_on_time", "returned", "handled_on_time")
OVERDUE, REWORKED, EXTENDED = "overdue", "reworked", "extended"
ANSWERED, SATISFIED, DISSATISFIED = "answered", "satisfied", "dissatisfied"

FIGURE_LABELS = {
    DISPATCHED: _("Dispatched"),
    ACCEPTED_ON_TIME: _("Signed for on time"),
    RETURNED: _("Returned"),
    HANDLED_ON_TIME: _("Handled on time"),
    OVERDUE: _("Overdue now"),
    REWORKED: _("Reworked"),
    EXTENDED: _("Extended"),
    ANSWERED: _("Answered follow-up calls"),
    SATISFIED: _("Satisfied follow-up calls"),
    DISSATISFIED: _("Dissatisfied follow-up calls"),
}
FIGURES = tuple(FIGURE_LABELS)
# The columns of the tables (satisfaction is shown as a rate of the answered calls).
COLUMNS = (DISPATCHED, ACCEPTED_ON_TIME, RETURNED, HANDLED_ON_TIME, OVERDUE, REWORKED,
           EXTENDED)


# The period --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A calendar month of the street's time zone."""

    start: date

    @classmethod
    def of(cls, day: date | None = None) -> "Period":
        return cls((day or timezone.localdate()).replace(day=1))

    @property
    def end(self) -> date:
        """The first day after the month."""
        year, month = divmod(self.start.month, 12)
        return date(self.start.year + year, month + 1, 1)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return local_midnight(self.start), local_midnight(self.end)

    @property
    def key(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def previous(self) -> "Period":
        return Period.of(self.start - timedelta(days=1))

    @property
    def following(self) -> "Period":
        return Period(self.end)


# The sources: each figure is a condition on a row of one of them -----------------------------

# The section holding a matter: the one it was dispatched to (pending or signed for), else
# the one owning it.
HOLDER = Coalesce("risk__dispatched_to_id", "risk__department_id")


@dataclass(frozen=True)
class Source:
    model: type
    figures: dict  # figure -> condition (Q) on the model's rows, given (start, end, now)
    section: object  # the section a row counts for (an expression)


def _in(name: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


def _events(start, end, now) -> Source:
    period = _in("created_at", start, end) & Q(kind=EventKind.TRANSITION)
    # dispatch, sign-in and return events name their section (risks.services); a rework
    # goes back to the section holding the matter
    section = Case(When(action=Action.REWORK, then=HOLDER),
                   default=Cast(KT("changes__department_id"), IntegerField()),
                   output_field=IntegerField())
    return Source(RiskEvent, {
        DISPATCHED: period & Q(action=Action.DISPATCH),
        RETURNED: period & Q(action=Action.RETURN),
        REWORKED: period & Q(action=Action.REWORK),
    }, section)


def _clocks(start, end, now) -> Source:
    later_sign_in = StageClock.objects.filter(risk=OuterRef("risk"), stage=ClockStage.ACCEPT,
                                              started_at__gt=OuterRef("started_at"))
    return Source(StageClock, {
        # the sign-in clock of the dispatch that was signed for: the matter's last one
        ACCEPTED_ON_TIME: (Q(stage=ClockStage.ACCEPT, stopped_at__lte=F("yellow_at"))
                           & _in("risk__accepted_at", start, end) & ~Exists(later_sign_in)),
        HANDLED_ON_TIME: (Q(stage=ClockStage.HANDLE, stopped_at__lte=F("yellow_at"))
                          & _in("stopped_at", start, end)),
        OVERDUE: Q(stopped_at=None, paused_at=None, yellow_at__lte=now),
    }, HOLDER)


def _approvals(start, end, now) -> Source:
    return Source(Approval, {
        EXTENDED: (Q(kind=ApprovalKind.EXTENSION, state=ApprovalState.APPROVED)
                   & _in("decided_at", start, end)),
    }, HOLDER)


def _calls(start, end, now) -> Source:
    period = _in("called_at", start, end)
    return Source(FollowUp, {
        ANSWERED: period & Q(outcome__in=[FollowUpOutcome.SATISFIED,
                                          FollowUpOutcome.DISSATISFIED]),
        SATISFIED: period & Q(outcome=FollowUpOutcome.SATISFIED),
        DISSATISFIED: period & Q(outcome=FollowUpOutcome.DISSATISFIED),
    }, HOLDER)


SOURCES = (_events, _clocks, _approvals, _calls)


def _sources(period: Period, now: datetime | None) -> list[Source]:
    start, end = period.bounds
    return [source(start, end, now or timezone.now()) for source in SOURCES]


def _source_of(figure: str, period: Period, now=None) -> Source:
    return next(source for source in _sources(period, now) if figure in source.figures)


# Filtering: the register's ``flow`` filter -------------------------------------------------

def matters_q(figure: str, period: Period, *, section: int | None = None,
              now: datetime | None = None) -> Q:
    """The matters ``figure`` counts in ``period`` (for ``section``, if given), as a
    condition on the register's matters."""
    source = _source_of(figure, period, now)
    rows = source.model.objects.filter(source.figures[figure])
    if section is not None:
        rows = rows.annotate(section=source.section).filter(section=section)
    return Q(pk__in=rows.values("risk_id"))


# Counting ----------------------------------------------------------------------------------

COMMUNITY, SECTION = "community", "section"


def _grouped(source: Source, kind: str, matters: Q):
    """One source's figures per unit of ``kind``: a grouped SELECT of (kind, unit, every
    figure), the figures of other sources 0, so that all of them make one UNION ALL."""
    conditions = list(source.figures.values())
    anywhere = conditions[0]
    for condition in conditions[1:]:
        anywhere |= condition
    unit = F("risk__community_id") if kind == COMMUNITY else source.section
    counts = {figure: (Count("risk_id", distinct=True, filter=source.figures[figure])
                       if figure in source.figures else Value(0, IntegerField()))
              for figure in FIGURES}
    return (source.model.objects.filter(anywhere, matters)
            .annotate(unit_kind=Value(kind, CharField()), unit=unit)
            .values("unit_kind", "unit")
            .annotate(**counts).order_by())


def counts(period: Period, *, community_ids, sections: bool = True,
           now=None) -> dict[str, dict]:
    """{"community": {community id: {figure: matters}}, "section": {section id: …}} of the
    matters of ``community_ids`` (and no sections unless ``sections``): one statement, a
    UNION ALL of each source's grouped figures per kind of unit."""
    matters = Q(risk__community_id__in=list(community_ids))
    kinds = [COMMUNITY, SECTION] if sections else [COMMUNITY]
    parts = [_grouped(source, kind, matters) for kind in kinds
             for source in _sources(period, now)]
    found: dict[str, dict] = {kind: {} for kind in kinds}
    for row in parts[0].union(*parts[1:], all=True):
        figures = found[row.pop("unit_kind")].setdefault(row.pop("unit"), dict.fromkeys(FIGURES, 0))
        for figure, value in row.items():
            figures[figure] += value
    return found


def counts_by(unit: str, period: Period, *, community_ids, now=None) -> dict:
    """{community id or section id: {figure: matters}}: ``unit`` is "community" or
    "section"."""
    return counts(period, community_ids=community_ids, sections=unit == SECTION,
                  now=now)[unit]


# The table ---------------------------------------------------------------------------------

@dataclass
class FlowCell:
    figure: str
    value: int
    link: str


@dataclass
class FlowRow:
    unit_id: int | None
    name: str
    cells: list[FlowCell] = field(default_factory=list)
    answered: int = 0
    satisfied: int = 0
    dissatisfied: int = 0
    satisfaction: float | None = None
    answered_link: str = ""
    dissatisfied_link: str = ""

    @property
    def satisfaction_shown(self) -> str:
        """92.3%, or — when no call was answered (pages show rates to 0.1%)."""
        return "—" if self.satisfaction is None else f"{self.satisfaction * 100:.1f}%"

    def as_dict(self) -> dict:
        """The row in the API's words (rhythm.api's monthly statistics)."""
        return {
            **{cell.figure: cell.value for cell in self.cells},
            "follow_ups_answered": self.answered, "follow_ups_satisfied": self.satisfied,
            "follow_ups_dissatisfied": self.dissatisfied,
            "follow_up_satisfaction": self.satisfaction,
            "links": {**{cell.figure: cell.link for cell in self.cells},
                      ANSWERED: self.answered_link, DISSATISFIED: self.dissatisfied_link},
        }


@dataclass
class FlowTable:
    period: Period
    communities: list[FlowRow]
    total: FlowRow | None
    sections: list[FlowRow]
    columns: list[tuple[str, str]]

    @property
    def parts(self) -> list[dict]:
        """The tables a page shows: communities (and the street's total), then sections."""
        parts = [{"key": "communities", "label": _("Community"),
                  "rows": [*self.communities, *([self.total] if self.total else [])]}]
        if self.sections:
            parts.append({"key": "sections", "label": _("Section"), "rows": self.sections})
        return parts


def register_link(figure: str, period: Period, *, within: int | None = None,
                  section: int | None = None) -> str:
    """The register's list of the matters a figure counts."""
    query = [("flow", figure), ("flow_month", period.key)]
    if within is not None:
        query.insert(0, ("within", str(within)))
    if section is not None:
        query.append(("flow_department", str(section)))
    return f"{reverse('risks:risk_list')}?{urlencode(query)}"


def _row(unit_id, name, figures: dict, period: Period, **where) -> FlowRow:
    def link(figure):
        return register_link(figure, period, **where)

    row = FlowRow(unit_id, name, [FlowCell(figure, figures.get(figure, 0), link(figure))
                                  for figure in COLUMNS])
    row.answered, row.satisfied = figures.get(ANSWERED, 0), figures.get(SATISFIED, 0)
    row.dissatisfied = figures.get(DISSATISFIED, 0)
    row.satisfaction = rate(row.satisfied, row.answered)
    row.answered_link, row.dissatisfied_link = link(ANSWERED), link(DISSATISFIED)
    return row


def flow_table(period: Period, *, street, communities, sections=None,
               now: datetime | None = None) -> FlowTable:
    """The flow figures of ``communities`` (areas, in the order given), with the street's
    total when ``sections`` (the street's, in order) are given too: then the reader sees
    the whole street and gets a row per section. One query."""
    community_ids = [community.pk for community in communities]
    found = counts(period, community_ids=community_ids, sections=sections is not None,
                   now=now)
    by_community = found[COMMUNITY]
    rows = [_row(community.pk, community.name, by_community.get(community.pk, {}), period,
                 within=community.pk) for community in communities]
    total = section_rows = None
    if sections is not None:
        summed = {figure: sum(by_community.get(pk, {}).get(figure, 0) for pk in community_ids)
                  for figure in FIGURES}
        total = _row(None, street.name, summed, period, within=street.pk)
        by_section = found[SECTION]
        section_rows = [_row(section.pk, section.name, by_section.get(section.pk, {}),
                             period, within=street.pk, section=section.pk)
                        for section in sections]
    return FlowTable(period, rows, total, section_rows or [],
                     [(figure, FIGURE_LABELS[figure]) for figure in COLUMNS])
