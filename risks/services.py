"""Every change to a matter goes through here: reporting, editing, the transitions, notes,
parties, plans. Each function runs in one transaction, checks the actor's role and the
matter's state, bumps the version, and writes the event that makes the history (倒查).

Scope is not checked here: callers fetch matters through risks.scoping, so a matter
outside the actor's scope is never handed to these functions.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.pickers import may_lead
from accounts.roles import DUTY_ROLES
from audit.choices import AuditAction
from audit.models import AccessLog
from audit.services import Origin, log_access, record_event
from grids.choices import AreaKind, Duty
from grids.models import Area
from grids.restructuring import check_open
from grids.scoping import visible_areas
from grids.services import move_subtree, rosters_on
from quanfu.errors import AlreadyRecorded, Forbidden, RuleBroken, StaleVersion
from quanfu.personal_data import mask_personal_data, refuse_personal_data
from risks import attachments, clocks, notices, permissions, webhook_events
from risks.approvals import mark_used
from risks.choices import (
    Action,
    ApprovalKind,
    EventKind,
    RiskLevel,
    RiskStatus,
)
from risks.duplicates import suggest_duplicates
from risks.models import (
    DUTY_FIELDS,
    EmergencyDrill,
    EmergencyPlan,
    EmergencyPlanRevision,
    Party,
    ResolutionPlan,
    Risk,
    RiskCodeCounter,
    RiskEvent,
    StageClock,
)
from risks.transitions import RISK_TRANSITIONS, next_tier, usable_approval

# full_clean would look each related object up again (one query per foreign key); they
# are instances the services already checked, so only the plain fields are validated.
UNCHECKED_ON_SAVE = ["code", "version", *(field.name for field in Risk._meta.fields
                                          if field.is_relation)]
# Nor does it ask the database about the check constraints (a query each, per matter of a
# bulk): the one there is, a point kept whole, is clean_location's rule, and the database
# holds it anyway.
CLEAN_OPTIONS = {"exclude": UNCHECKED_ON_SAVE, "validate_constraints": False}

EDITABLE_FIELDS = ("title", "description", "category", "subtype", "area", "department",
                   "source", "discovered_at", "due_on", "people_involved", "address",
                   "location_lat", "location_lng")
ASSIGNABLE_FIELDS = ("level", "lead", *DUTY_FIELDS.values())
REPORTABLE_AREA_KINDS = {AreaKind.COMMUNITY, AreaKind.GRID, AreaKind.MICROGRID}


# Codes ------------------------------------------------------------------------------------

def next_risk_code(year: int) -> str:
    """QF-<year>-<number>, unique even when many matters are reported at once: the
    counter row is incremented with an UPDATE, which holds the row's lock until commit."""
    return reserve_risk_codes(year, 1)[0]


def reserve_risk_codes(year: int, count: int) -> list[str]:
    """``count`` consecutive codes of ``year`` from one UPDATE of the counter row (raised by
    ``count``; the row stays locked until commit, so a concurrent reporter waits and then
    takes the numbers after these). Must run inside the caller's transaction."""
    prefix = settings.RISK_CODE_PREFIX
    for _attempt in range(3):
        updated = RiskCodeCounter.objects.filter(prefix=prefix, year=year).update(
            last_number=F("last_number") + count)
        if updated:
            last = RiskCodeCounter.objects.get(prefix=prefix, year=year).last_number
            return [f"{prefix}-{year}-{number:06d}" for number in range(last - count + 1,
                                                                        last + 1)]
        try:
            with transaction.atomic():
                RiskCodeCounter.objects.create(prefix=prefix, year=year, last_number=0)
        except IntegrityError:
            pass  # another request created this year's counter first: increment it
    raise RuntimeError("could not allocate a matter code")


# Guards -----------------------------------------------------------------------------------

_require = permissions.require


def _lock(risk: Risk, version: int | None) -> Risk:
    """Re-read the matter under a row lock and check the version the actor saw."""
    return RISK_TRANSITIONS.lock(risk, version)


def _save(risk: Risk, fields: list[str], now=None) -> None:
    risk.save_change(fields, now)


def _event(risk: Risk, kind: str, actor, **fields) -> RiskEvent:
    return RiskEvent.objects.create(risk=risk, kind=kind, actor=actor, **fields)


def _display(value) -> str | int | None:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _default_due_on(level: str | None) -> date | None:
    if not level:
        return None
    return timezone.localdate() + timedelta(days=settings.RISK_DUE_DAYS[level])


def roster_grid_id(area: Area) -> int | None:
    """The grid whose duty roster applies to a matter in ``area`` (its id)."""
    if area.kind == AreaKind.GRID:
        return area.pk
    if area.kind == AreaKind.MICROGRID:
        return area.parent_id
    return None


def _check_person_in_scope(person, risk_area: Area, field: str) -> None:
    if person is None:
        return
    if person.role not in DUTY_ROLES:
        raise RuleBroken(_("%(person)s cannot hold a duty on a matter.")
                         % {"person": person.display_name}, field=field)
    if not person.is_active or person.area_id is None:
        raise RuleBroken(_("%(person)s is not an active member of staff.")
                         % {"person": person.display_name}, field=field)
    if field == "lead" and not may_lead(person):
        raise RuleBroken(_("%(person)s cannot lead a matter: its lead is a street leader or "
                           "the head of a section.") % {"person": person.display_name},
                         field=field)
    # A person on duty works in the matter's area, above it (community, street) or below it.
    if not (risk_area.is_within(person.area) or person.area.is_within(risk_area)):
        raise RuleBroken(_("%(person)s does not work in %(area)s.")
                         % {"person": person.display_name, "area": risk_area.name}, field=field)


def _check_area(actor, area: Area) -> None:
    _check_area_kind(area)
    if not visible_areas(actor).filter(pk=area.pk).exists():
        raise _area_outside_scope()


def _check_area_kind(area: Area) -> None:
    if area.kind not in REPORTABLE_AREA_KINDS:
        raise RuleBroken(_("A matter belongs to a community, a grid or a micro-grid."),
                         field="area")
    check_open(area)  # a split, merged or retired area takes no new matter


def _area_outside_scope() -> RuleBroken:
    return RuleBroken(_("That area is outside your scope."), field="area")


def _check_subtype(category, subtype) -> None:
    if subtype is None:
        return
    if not subtype.is_active:
        raise RuleBroken(retired_subtype_message(subtype), field="subtype")
    if subtype.category_id != category.pk:
        raise RuleBroken(_("The subtype %(subtype)s is not in the category %(category)s.")
                         % {"subtype": subtype.name, "category": category.name}, field="subtype")


def clean_location(location) -> tuple[float | None, float | None]:
    """A matter's point (WGS84) as (latitude, longitude): ``{"lat": n, "lng": n}`` or a
    (lat, lng) pair; None (or both parts empty) is no point. Raises RuleBroken on the field
    ``location`` for half a point, a value that is not a number, or one out of range."""
    if location is None:
        return None, None
    if isinstance(location, dict):
        lat, lng = location.get("lat"), location.get("lng")
    else:
        lat, lng = location
    if lat in (None, "") and lng in (None, ""):
        return None, None
    if lat in (None, "") or lng in (None, ""):
        raise RuleBroken(_("Give both the latitude and the longitude of the location, or "
                           "neither."), field="location")
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError) as error:
        raise RuleBroken(_("The latitude and the longitude of the location are numbers."),
                         field="location") from error
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise RuleBroken(_("The latitude of the location lies between -90 and 90."),
                         field="location")
    if not (math.isfinite(lng) and -180 <= lng <= 180):
        raise RuleBroken(_("The longitude of the location lies between -180 and 180."),
                         field="location")
    return lat, lng


def retired_subtype_message(subtype) -> str:
    """Why a retired subtype is refused, naming what replaced it (for reports, imports
    and the API alike)."""
    replacement = subtype.replaced_by
    if replacement is None:
        return _("The subtype %(subtype)s is no longer used; choose another.") % {
            "subtype": subtype.name}
    return _("The subtype %(subtype)s is no longer used; use %(replacement)s "
             "(%(code)s) instead.") % {"subtype": subtype.name, "replacement": replacement.name,
                                       "code": replacement.code}


def relink_matters_under(area: Area) -> int:
    """After ``area`` moved in the tree, point its matters at their new street, community
    and grid (one UPDATE; the matters' own history is untouched). Whatever lies above the
    moved area is the same for all of them; below it nothing changed."""
    ancestors = area.ancestor_ids()
    columns = ["street_id", "community_id", "grid_id"][:max(len(ancestors) - 1, 0)]
    if not columns:
        return 0
    links = dict(zip(columns, ancestors, strict=False))
    matters = Risk.objects.filter(area__path__startswith=area.path)
    clock_links = {column: value for column, value in links.items() if column != "grid_id"}
    if clock_links:  # the clocks keep their matter's street and community
        StageClock.objects.filter(risk__area__path__startswith=area.path).update(**clock_links)
    return matters.update(**links)


@transaction.atomic
def move_area(area: Area, new_parent: Area, *, actor=None) -> Area:
    """Put ``area`` and its subtree under ``new_parent`` (grids.services.move_subtree, which
    refuses a cycle or a broken kind order with a ValidationError) and point the matters
    below it at their new street, community and grid. The relink is one UPDATE that sends
    no signal, so one audit entry stands for it, naming the move and how many matters.
    Above both the tree and the register: the tree never imports the register."""
    # from the row: an admin form has already set the new parent on ``area``
    old_parent_id, old_path = Area.objects.filter(pk=area.pk).values_list(
        "parent_id", "path").get()
    before = list(Risk.objects.filter(area__path__startswith=old_path)
                  .values_list("pk", "street_id", "community_id", "grid_id"))
    moved = move_subtree(area, new_parent)
    relinked = relink_matters_under(moved)
    _record_relinked(before, actor)
    record_event(action=AuditAction.UPDATE, actor=actor, target="risks.risk",
                 detail=f"{moved.code} {moved.name} moved under {new_parent.code} "
                        f"{new_parent.name}: {relinked} matters relinked",
                 changes={"area": moved.pk, "from_parent": old_parent_id,
                          "to_parent": new_parent.pk, "matters": relinked})
    return moved


def _record_relinked(before: list[tuple], actor) -> None:
    """An event on each matter a move relinked (its street, community or grid, from → to),
    and a new version of it, so that its history and the district's sync walk see it.
    Called by move_area, which records the move in the audit log."""
    if not before:
        return
    now = timezone.now()
    links = {pk: (street_id, community_id, grid_id) for pk, street_id, community_id, grid_id
             in Risk.objects.filter(pk__in=[row[0] for row in before])
             .values_list("pk", "street_id", "community_id", "grid_id")}
    ids = {value for row in before for value in row[1:] if value}
    ids |= {value for row in links.values() for value in row if value}
    names = dict(Area.objects.filter(pk__in=ids).values_list("pk", "name"))
    events = []
    for pk, *old in before:
        changes = {field: [names.get(was), names.get(now_id)] for field, was, now_id
                   in zip(("street", "community", "grid"), old, links[pk], strict=True)
                   if was != now_id}
        if changes:
            events.append(RiskEvent(risk_id=pk, kind=EventKind.AREA_MOVED, actor=actor,
                                    changes=changes, created_at=now))
    RiskEvent.objects.bulk_create(events)
    moved = [event.risk_id for event in events]
    Risk.objects.filter(pk__in=moved).update(version=F("version") + 1, updated_at=now)
    # the other systems hear of each relinked matter (risk.changed), in the same transaction
    webhook_events.tell_moved(list(Risk.objects.filter(pk__in=moved).select_related("category")))


# Reporting --------------------------------------------------------------------------------

@dataclass
class ReportResult:
    risk: Risk
    suggestions: list  # possible duplicates: [(Risk, similarity)], never blocking


@dataclass
class _Draft:
    """A report that passed every check: its matter (unsaved, without its code yet), the
    four duty holders and the parties (unsaved)."""

    risk: Risk
    holders: dict
    parties: list[Party]


@dataclass
class _ReportFacts:
    """What checking reports needs from the database, read before the checks: the areas
    in the actor's scope (ids) and the duty rosters of the grids concerned (by grid id).
    A single report reads them for its area, a bulk for all its areas at once."""

    areas_in_scope: set
    rosters: dict

    @classmethod
    def read(cls, actor, areas) -> "_ReportFacts":
        area_ids = {area.pk for area in areas}
        in_scope = set(visible_areas(actor).filter(pk__in=area_ids)
                       .values_list("pk", flat=True))
        grid_ids = {grid_id for area in areas if (grid_id := roster_grid_id(area))}
        return cls(in_scope, rosters_on(grid_ids) if grid_ids else {})


def _draft_report(actor, facts: _ReportFacts, now, *, title: str, description: str, category,
                  area: Area, subtype=None, department=None, source: str = "grid_patrol",
                  discovered_at=None, level: str | None = None, due_on: date | None = None,
                  duties: dict | None = None, lead=None, parties: list[dict] | None = None,
                  people_involved: int | None = None, address: str = "",
                  location=None, external_ref: str | None = None) -> _Draft:
    """Check one report by the register's rules, in this order, and build its matter.
    Reads nothing but what ``facts`` holds (and the actor's department and explicitly
    named people, when not already loaded). Raises Forbidden or RuleBroken (with the field).
    """
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise RuleBroken(_("A matter needs a title."), field="title")
    if not description:
        raise RuleBroken(_("Describe the matter briefly."), field="description")
    address = (address or "").strip()
    refuse_personal_data(title=title, description=description, address=address)
    location_lat, location_lng = clean_location(location)
    _check_area_kind(area)
    if area.pk not in facts.areas_in_scope:
        raise _area_outside_scope()
    _check_subtype(category, subtype)
    if department is None and actor.department_id and actor.role == "section_staff":
        department = actor.department  # a section reports what it answers for (属事)
    if department is not None and department.street_id != area.ancestor_ids()[0]:
        raise RuleBroken(_("That department belongs to another street."), field="department")
    if level and not permissions.user_may(actor, permissions.ASSIGN):
        raise Forbidden(_("Your role may not grade matters."), field="level")
    discovered_at = discovered_at or now
    if discovered_at > now + timedelta(minutes=5):
        raise RuleBroken(_("The time of discovery cannot be in the future."),
                         field="discovered_at")

    holders = {duty: None for duty in Duty.values}
    holders.update(facts.rosters.get(roster_grid_id(area)) or {})
    for duty, person in (duties or {}).items():
        holders[duty] = person
    for duty, person in holders.items():
        _check_person_in_scope(person, area, DUTY_FIELDS[duty])
    _check_person_in_scope(lead, area, "lead")

    risk = Risk(
        code="", title=title, description=description, category=category, subtype=subtype,
        department=department, source=source, discovered_at=discovered_at, level=level or None,
        due_on=due_on or _default_due_on(level), reported_by=actor, lead=lead,
        people_involved=people_involved, address=address,
        location_lat=location_lat, location_lng=location_lng,
        external_ref=(external_ref or "").strip() or None,
        graded_at=now if level else None,
        created_at=now, updated_at=now,
        **{DUTY_FIELDS[duty]: person for duty, person in holders.items()},
    )
    risk.place_in(area)
    risk.full_clean(**CLEAN_OPTIONS)
    return _Draft(risk, holders, [_clean_party(risk, **party) for party in parties or []])


def _created_event(risk: Risk, holders: dict, actor) -> RiskEvent:
    return RiskEvent(risk=risk, kind=EventKind.CREATED, actor=actor, to_status=risk.status,
                     changes={"level": risk.level,
                              **{duty: _display(person) for duty, person in holders.items()}})


@transaction.atomic
def report_risk(*, actor, title: str, description: str, category, area: Area, subtype=None,
                department=None, source: str = "grid_patrol", discovered_at=None,
                level: str | None = None, due_on: date | None = None,
                duties: dict | None = None, lead=None, parties: list[dict] | None = None,
                people_involved: int | None = None, address: str = "", location=None,
                external_ref: str | None = None, suggest: bool = True) -> ReportResult:
    """Enter a new matter (排查上报). Its four duties default from the grid's roster
    (逐个网格明确责任人) unless given. Suggests possible duplicates; never blocks on them.
    ``address`` is free text (no ID or mobile numbers); ``location`` an optional WGS84
    point, ``{"lat": n, "lng": n}`` (risks.services.clean_location).

    Raises Forbidden if the actor may not report, RuleBroken on bad input (with the field).
    ``suggest=False`` skips the duplicate suggestions (an import checks duplicates itself).
    ``external_ref``: the sending system's own id; the same one sent again by the same
    actor raises AlreadyRecorded naming the matter that holds it (409), and nothing is
    written.
    """
    _require(actor, permissions.REPORT)
    now = timezone.now()
    draft = _draft_report(
        actor, _ReportFacts.read(actor, [area]), now, title=title, description=description,
        category=category, area=area, subtype=subtype, department=department, source=source,
        discovered_at=discovered_at, level=level, due_on=due_on, duties=duties, lead=lead,
        parties=parties, people_involved=people_involved, address=address, location=location,
        external_ref=external_ref)
    risk = draft.risk
    _refuse_known_external_ref(actor, risk.external_ref)
    # Read before the code: the counter row stays locked until commit, and every other
    # report of the year waits for it (the candidates are read and compared in Python).
    suggestions = suggest_duplicates(area=area, category=category, title=risk.title,
                                     description=risk.description,
                                     seen_by=actor) if suggest else []
    risk.code = next_risk_code(timezone.localtime(now).year)
    if risk.external_ref is None:
        risk.save()
    else:
        try:
            with transaction.atomic():  # a savepoint: a concurrent repeat may win the race
                risk.save()
        except IntegrityError:
            _refuse_known_external_ref(actor, risk.external_ref)
            raise
    _created_event(risk, draft.holders, actor).save()
    webhook_events.tell_reported([risk])
    for party in draft.parties:
        party.risk = risk
        party.save()
        _party_added_event(party, actor).save()
    notices.tell_reported(risk, actor=actor, now=now)
    return ReportResult(risk=risk, suggestions=suggestions)


def _refuse_known_external_ref(actor, external_ref: str | None) -> None:
    """Raise AlreadyRecorded if ``actor`` already reported a matter with ``external_ref``
    (unique per reporter: risk_one_external_ref_per_reporter)."""
    if external_ref is None:
        return
    existing = (Risk.objects.filter(reported_by=actor, external_ref=external_ref)
                .values_list("pk", flat=True).first())
    if existing is not None:
        raise AlreadyRecorded(_("You already sent a matter with this external reference."),
                              existing_id=existing)


class ReportsRefused(RuleBroken):
    """Some reports of a bulk were refused, so none was saved. ``refusals`` holds
    (position in the bulk, the Forbidden or RuleBroken error) for every refused report."""

    def __init__(self, refusals: list[tuple[int, Exception]]):
        first = refusals[0][1]
        super().__init__(first.message, field=first.field)
        self.refusals = refusals


# Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
BULK_INSERT_ROWS = 1000


@transaction.atomic
def report_risks_in_bulk(*, actor, reports: list[dict]) -> list[Risk]:
    """Enter many new matters at once (an imported survey sheet): each report is checked by
    the very rules of report_risk (``reports`` are its keyword arguments), then all are
    saved together, or none. Each matter gets its code, its duties from its grid's roster,
    its 'created' event and its parties with their events, as report_risk gives them;
    no duplicates are suggested (an import checks duplicates itself).

    A fixed number of queries whatever the number of reports (per BULK_INSERT_ROWS
    rows): the scope and the rosters are read once, the codes are reserved with one
    UPDATE of the year's counter, and matters, events and parties are inserted in bulk.

    Raises Forbidden if the actor may not report; ReportsRefused listing every refused
    report (nothing saved then). Returns the matters in the order of ``reports``.
    """
    _require(actor, permissions.REPORT)
    if not reports:
        return []
    now = timezone.now()
    facts = _ReportFacts.read(actor, {report["area"].pk: report["area"] for report in reports}
                              .values())
    _load_people_areas(reports)
    drafts, refusals = [], []
    for position, report in enumerate(reports):
        try:
            drafts.append(_draft_report(actor, facts, now, **report))
        except (Forbidden, RuleBroken) as error:
            refusals.append((position, error))
    if refusals:
        raise ReportsRefused(refusals)

    codes = reserve_risk_codes(timezone.localtime(now).year, len(drafts))
    for draft, code in zip(drafts, codes, strict=True):
        draft.risk.code = code
    risks = Risk.objects.bulk_create([draft.risk for draft in drafts],
                                     batch_size=BULK_INSERT_ROWS)
    events, parties = [], []
    for draft in drafts:
        events.append(_created_event(draft.risk, draft.holders, actor))
        for party in draft.parties:
            party.risk = draft.risk
            parties.append(party)
    Party.objects.bulk_create(parties, batch_size=BULK_INSERT_ROWS)
    events += [_party_added_event(party, actor) for party in parties]
    RiskEvent.objects.bulk_create(events, batch_size=BULK_INSERT_ROWS)
    webhook_events.tell_reported(risks)
    # bulk_create sends no post_save: one entry of the audit log stands for the lot
    record_event(action=AuditAction.CREATE, actor=actor, target="risks.risk",
                 detail=f"{len(risks)} matters reported together ({codes[0]} … {codes[-1]}), "
                        f"{len(parties)} parties",
                 changes={"matters": len(risks), "first_code": codes[0],
                          "last_code": codes[-1], "parties": len(parties)})
    notices.tell_reported_together(risks, actor=actor, now=now)
    return risks


def _load_people_areas(reports: list[dict]) -> None:
    """The areas of the people named in reports (duties, lead), read in one query, for
    the scope check of each (roster holders come with theirs)."""
    from django.db.models import prefetch_related_objects

    people = [person for report in reports
              for person in [*(report.get("duties") or {}).values(), report.get("lead")]
              if person is not None]
    prefetch_related_objects(people, "area")


# Editing ----------------------------------------------------------------------------------

@transaction.atomic
def update_risk(risk: Risk, *, actor, version: int | None, changes: dict) -> Risk:
    """Change a matter's facts, level, duties or lead. ``version`` is the one the actor
    read: a stale one raises StaleVersion (409). Every duty change is its own event;
    other changes are one event listing each field's old and new value. ``location``
    (``{"lat": n, "lng": n}`` or None) changes both of the matter's coordinates.
    """
    risk = _lock(risk, version)
    if "location" in changes:
        changes = dict(changes)
        changes["location_lat"], changes["location_lng"] = clean_location(
            changes.pop("location"))
    if "address" in changes:
        changes = {**changes, "address": (changes["address"] or "").strip()}
    unknown = set(changes) - set(EDITABLE_FIELDS) - set(ASSIGNABLE_FIELDS)
    if unknown:
        raise RuleBroken(_("These fields cannot be changed: %(fields)s.")
                         % {"fields": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    if any(field in EDITABLE_FIELDS for field in changes):
        _require(actor, permissions.EDIT, risk)
    if any(field in ASSIGNABLE_FIELDS for field in changes):
        _require(actor, permissions.ASSIGN, risk)
    if not risk.is_open and risk.status != RiskStatus.RESOLVED:
        raise RuleBroken(_("A written-off or invalid matter cannot be changed; reopen it "
                           "first."), field="status")

    changed = {field: value for field, value in changes.items()
               if getattr(risk, field) != value}
    if not changed:
        return risk
    refuse_personal_data(**{field: changed[field] for field in ("title", "description",
                                                                 "address")
                            if field in changed})
    # Starting demanded a level and four named persons; clearing one afterwards would
    # leave a matter being resolved that could never have started.
    cleared = [field for field in ("level", *DUTY_FIELDS.values())
               if field in changed and not changed[field]]
    if cleared and risk.status in (RiskStatus.RESOLVING, RiskStatus.RESOLVED):
        raise RuleBroken(_("A matter being resolved keeps its level and its four responsible "
                           "persons: name someone else instead of clearing one."),
                         field=cleared[0])
    approval = _approval_for_edit(risk, changed)
    old = {field: getattr(risk, field) for field in changed}
    for field, value in changed.items():
        setattr(risk, field, value)
    if "area" in changed:
        _check_area(actor, risk.area)
        risk.place_in(risk.area)
    if "category" in changed or "subtype" in changed:
        _check_subtype(risk.category, risk.subtype)
    for field in (*DUTY_FIELDS.values(), "lead"):
        if field in changed:
            _check_person_in_scope(changed[field], risk.area, field)
    also_store = []
    if "level" in changed:
        risk.graded_at = timezone.now()
        also_store.append("graded_at")
    if "level" in changed and risk.level and not risk.due_on:
        risk.due_on = _default_due_on(risk.level)
        changed["due_on"], old["due_on"] = risk.due_on, None
    risk.full_clean(**CLEAN_OPTIONS)
    stored = list(changed) + also_store + (["community", "grid"] if "area" in changed else [])
    _save(risk, stored)
    if approval is not None:
        mark_used(approval, at=risk.updated_at)

    duty_by_field = {field: duty for duty, field in DUTY_FIELDS.items()}
    plain = {}
    for field in changed:
        if field in duty_by_field:
            event = _event(risk, EventKind.DUTY_CHANGED, actor, changes={
                "duty": duty_by_field[field],
                "from": _display(old[field]), "to": _display(changed[field])})
            notices.tell_named(risk, field, changed[field], actor=actor, event=event,
                               now=risk.updated_at)
        else:
            plain[field] = [_display(old[field]), _display(changed[field])]
    if plain:
        event = _event(risk, EventKind.EDITED, actor, changes=plain)
        if "lead" in changed:
            notices.tell_named(risk, "lead", changed["lead"], actor=actor, event=event,
                               now=risk.updated_at)
    webhook_events.tell_changed(risk)
    return risk


def _approval_for_edit(risk: Risk, changed: dict):
    """Lowering a high-level matter's level takes an approved downgrade to that level (the
    approval to use, once); a later deadline than the matter had, or none at all, takes an
    approved extension, which moves the deadline itself (risks.approvals)."""
    if "due_on" in changed and risk.due_on is not None and (
            changed["due_on"] is None or changed["due_on"] > risk.due_on):
        raise RuleBroken(_("A later deadline needs a street leader's approval: request an "
                           "extension."), field="approval")
    if "level" not in changed or risk.level != RiskLevel.HIGH:
        return None
    approval = (usable_approval(risk, ApprovalKind.DOWNGRADE, level=changed["level"])
                if changed["level"] else None)
    if approval is None:
        raise RuleBroken(_("Lowering a high-level matter's level needs a street leader's "
                           "approval: request a downgrade to that level first."),
                         field="approval")
    return approval


# Transitions ------------------------------------------------------------------------------

def _set_transition_fields(risk: Risk, action: str, *, note: str, now, actor,
                           department, by_meeting: bool = False) -> list[str]:
    """The matter's own fields an action sets, besides its status (the engine's apply);
    returns their names."""
    fields = ["updated_at"]
    risk.updated_at = now
    if action == Action.CONFIRM_GRADE:
        risk.graded_at = now
        fields.append("graded_at")
    if action == Action.CLOSE:
        risk.resolution_note, risk.closed_at = note, now
        fields += ["resolution_note", "closed_at"]
    if action == Action.REOPEN:
        risk.closed_at = None
        fields.append("closed_at")
    if action in (Action.ESCALATE, Action.DEESCALATE):
        risk.tier = next_tier(risk, 1 if action == Action.ESCALATE else -1)
        fields.append("tier")
    if action == Action.DISPATCH:
        risk.dispatched_to, risk.dispatched_at, risk.accepted_at = department, now, None
        fields += ["dispatched_to", "dispatched_at", "accepted_at"]
    if action == Action.ACCEPT:  # 签收: the section owns it now (谁主管谁负责)
        risk.accepted_at, risk.department_id = now, risk.dispatched_to_id
        fields += ["accepted_at", "department"]
    if action == Action.RETURN:
        risk.returns += 1
        risk.dispatched_to, risk.dispatched_at = None, None
        fields += ["returns", "dispatched_to", "dispatched_at"]
    if action == Action.RESOLVE:
        # a joint meeting's settlement is the meeting's, and the meeting verifies it
        risk.resolved_by = None if by_meeting else actor
        fields.append("resolved_by")
    if action == Action.REWORK:
        risk.reworks += 1
        risk.resolved_by = None
        fields += ["reworks", "resolved_by"]
    return fields


def transition_risk(risk: Risk, action: str, *, actor, note: str = "",
                    version: int | None = None, department=None,
                    by_meeting: bool = False) -> Risk:
    """Apply one of the contract's actions (risks/transitions.py), guarded in one place by
    the engine: the version read, the actor's role and tier, the status it starts from, the
    note and the action's own preconditions. Writes the transition's event.

    ``by_meeting``: carried out as a joint meeting's decision (meetings.services), which
    settles and verifies at once.

    Raises Forbidden (403), RuleBroken (400) or StaleVersion (409); changes nothing then.
    """
    note = (note or "").strip()
    before = {}  # what the event reports as changed: the tier, the section concerned

    def apply(locked, transition):
        before.update(tier=locked.tier, section=department or locked.dispatched_to,
                      now=timezone.now())
        approval = (usable_approval(locked, ApprovalKind.WRITE_OFF)
                    if transition.action == Action.CLOSE and locked.level == RiskLevel.HIGH
                    else None)
        if approval is not None:  # the leader's approval the check found: used up now
            mark_used(approval, at=before["now"])
        return _set_transition_fields(locked, transition.action, note=note,
                                      now=before["now"], actor=actor, department=department,
                                      by_meeting=by_meeting)

    def record(locked, transition, from_status):
        changes = {"tier": [before["tier"], locked.tier]} if locked.tier != before["tier"] else {}
        if transition.action in (Action.DISPATCH, Action.ACCEPT, Action.RETURN):
            changes["department"] = str(before["section"])
            # the section by id too: the flow figures count per section (risks.flow_figures)
            changes["department_id"] = getattr(before["section"], "pk", None)
        if transition.action == Action.CONFIRM_GRADE:  # nothing moves: say what was confirmed
            changes = {"level": locked.level}
        # the stages' clocks start and stop with the action (a resume says what it shifted)
        changes.update(clocks.on_transition(locked, transition.action, from_status,
                                            before["now"]))
        event = _event(locked, transition.event_kind, actor, action=transition.action,
                       from_status=from_status, to_status=locked.status, note=note,
                       changes=changes)
        notices.tell_transition(locked, transition.action, actor=actor, event=event,
                                section=before["section"], now=before["now"])
        webhook_events.tell_changed(locked, transition.action)

    return RISK_TRANSITIONS.run(risk, action, actor=actor, note=note, version=version,
                                apply=apply, record_event=record, department=department,
                                by_meeting=by_meeting)


def verify_risk(risk, *, actor, note="", version=None):
    return transition_risk(risk, Action.VERIFY, actor=actor, note=note, version=version)


def reject_risk(risk, *, actor, note, version=None):
    return transition_risk(risk, Action.REJECT, actor=actor, note=note, version=version)


def start_risk(risk, *, actor, note="", version=None):
    return transition_risk(risk, Action.START, actor=actor, note=note, version=version)


def resolve_risk(risk, *, actor, note="", version=None, by_meeting=False):
    return transition_risk(risk, Action.RESOLVE, actor=actor, note=note, version=version,
                           by_meeting=by_meeting)


def close_risk(risk, *, actor, note, version=None, by_meeting=False):
    return transition_risk(risk, Action.CLOSE, actor=actor, note=note, version=version,
                           by_meeting=by_meeting)


def reopen_risk(risk, *, actor, note, version=None):
    return transition_risk(risk, Action.REOPEN, actor=actor, note=note, version=version)


def escalate_risk(risk, *, actor, note, version=None):
    return transition_risk(risk, Action.ESCALATE, actor=actor, note=note, version=version)


def deescalate_risk(risk, *, actor, note, version=None):
    return transition_risk(risk, Action.DEESCALATE, actor=actor, note=note, version=version)


def confirm_grade(risk, *, actor, note="", version=None):
    return transition_risk(risk, Action.CONFIRM_GRADE, actor=actor, note=note, version=version)


def available_actions(risk: Risk, user) -> list[str]:
    """The actions ``user`` may take on ``risk`` now (for the buttons on its page)."""
    return RISK_TRANSITIONS.available(risk, user)


# Notes, parties, plans --------------------------------------------------------------------

@transaction.atomic
def add_note(risk: Risk, *, actor, note: str) -> RiskEvent:
    """A progress note, or a grid worker's answer to an instruction."""
    _require(actor, permissions.NOTE, risk)
    return record_note(risk, actor=actor, note=note)


@transaction.atomic
def record_note(risk: Risk, *, actor, note: str) -> RiskEvent:
    """A note that another app's step writes on the matter's history in the actor's name
    (a section called by a whistle reporting in): that app's own rule let the actor take
    the step, so the register's rule on notes is not asked again."""
    note = (note or "").strip()
    if not note:
        raise RuleBroken(_("The note is empty."), field="note")
    refuse_personal_data(note=note)
    risk = _lock(risk, None)
    _save(risk, [])
    return _event(risk, EventKind.NOTE, actor, note=note)


# Photos and files (risks.attachments) ------------------------------------------------------

def _attached_event(item, actor) -> RiskEvent:
    return _event(item.risk, EventKind.NOTE, actor, action=attachments.ATTACH_ACTION,
                  changes={"attachment": item.original_name})


def attach_files(risk: Risk, uploads: list, *, actor, field: str = "file") -> list:
    """Add photos or files to a matter (现场照片、材料), all or none: a photo is re-encoded
    without its metadata and keeps a thumbnail, a PDF is kept as sent (risks.attachments).
    Bumps the matter's version once; writes one event "attachment added" per file.

    Preconditions: the actor may write a note on the matter or reported it; the matter is
    neither written off nor void; every file passes risks.attachments.prepare_upload.
    Raises Forbidden, or RuleBroken on ``field``; nothing is kept then.
    """
    attachments.require_may_attach(actor, risk, field=field)
    if not uploads:
        raise RuleBroken(_("Choose a file."), field=field)
    # decoding photos takes time: before the matter's row is locked
    prepared = [attachments.prepare_upload(upload, field=field) for upload in uploads]
    with attachments.removed_on_failure() as written, transaction.atomic():
        risk = _lock(risk, None)
        attachments.require_may_attach(actor, risk, field=field)  # it may have closed since
        items = [attachments.store(risk, file, actor=actor, written=written)
                 for file in prepared]
        _save(risk, [])
        for item in items:
            _attached_event(item, actor)
    return items


def attach_file(risk: Risk, upload, *, actor):
    """One photo or file (the API's ``risks/{id}/attachments/``): see attach_files."""
    return attach_files(risk, [upload], actor=actor)[0]


def report_risk_with_photos(*, actor, photos, **report) -> ReportResult:
    """report_risk, with the photos taken on the spot attached to the new matter in the
    same transaction: all or nothing. Every photo is checked (and re-encoded) before
    anything is written; one refused refuses the report (RuleBroken on ``photos``)."""
    _require(actor, permissions.REPORT)
    prepared = [attachments.prepare_upload(photo, field="photos") for photo in photos]
    with attachments.removed_on_failure() as written, transaction.atomic():
        result = report_risk(actor=actor, **report)
        for photo in prepared:
            item = attachments.store(result.risk, photo, actor=actor, written=written)
            _attached_event(item, actor)
    return result


def _clean_party(risk: Risk, *, name: str, phone: str = "", relation: str = "party") -> Party:
    """A party checked and ready to save (the matter itself may not be saved yet)."""
    name, phone = (name or "").strip(), (phone or "").strip().replace(" ", "")
    if not name:
        raise RuleBroken(_("A party needs a name."), field="name")
    if phone and not phone.replace("-", "").isdigit():
        raise RuleBroken(_("A phone number has only digits (and dashes)."), field="phone")
    party = Party(risk=risk, name=name, phone=phone, relation=relation)
    party.full_clean(exclude=["risk"])  # the matter is the caller's, already checked
    return party


def _party_added_event(party: Party, actor) -> RiskEvent:
    return RiskEvent(risk=party.risk, kind=EventKind.PARTY, actor=actor,
                     changes={"added": str(party), "relation": party.relation})


def _add_party(risk: Risk, actor, *, name: str, phone: str = "", relation: str = "party"
               ) -> Party:
    party = _clean_party(risk, name=name, phone=phone, relation=relation)
    party.save()
    _party_added_event(party, actor).save()
    return party


@transaction.atomic
def add_party(risk: Risk, *, actor, name: str, phone: str = "", relation: str = "party"
              ) -> Party:
    _require(actor, permissions.PARTY, risk)
    risk = _lock(risk, None)
    party = _add_party(risk, actor, name=name, phone=phone, relation=relation)
    _save(risk, [])
    return party


@transaction.atomic
def remove_party(party: Party, *, actor) -> None:
    risk = _lock(party.risk, None)
    _require(actor, permissions.PARTY, risk)
    label = str(party)
    party.delete()
    _save(risk, [])
    _event(risk, EventKind.PARTY, actor, changes={"removed": label})


def reveal_parties(risk: Risk, *, actor, origin: Origin | None = None) -> list[Party]:
    """The parties in the clear, for a user holding the unmask permission; the read is
    written to the access log (who, what, when, from where)."""
    if not permissions.may_unmask(actor):
        raise Forbidden(_("You may not see parties' personal data unmasked."))
    parties = list(risk.parties.all())
    log_access(actor=actor, action=AccessLog.Action.UNMASKED_READ, target=f"risk:{risk.code}",
               detail=f"{len(parties)} parties", origin=origin)
    return parties


@transaction.atomic
def save_resolution_plan(risk: Risk, *, actor, measures: str, owner=None,
                         target_date: date | None = None) -> ResolutionPlan:
    """Write or revise the matter's resolution plan (一事一策)."""
    risk = _lock(risk, None)
    _require(actor, permissions.PLAN, risk)
    if not (measures or "").strip():
        raise RuleBroken(_("Write the measures of the plan."), field="measures")
    refuse_personal_data(measures=measures)
    _check_person_in_scope(owner, risk.area, "owner")
    plan, created = ResolutionPlan.objects.update_or_create(
        risk=risk, defaults={"measures": measures.strip(), "owner": owner,
                             "target_date": target_date})
    _save(risk, [])
    _event(risk, EventKind.PLAN, actor, changes={
        "measures": plan.measures, "owner": _display(owner), "target_date": _display(target_date),
        "created": created})
    return plan


@transaction.atomic
def save_emergency_plan(risk: Risk, *, actor, reason: str = "", **content) -> EmergencyPlan:
    """Write the emergency plan (一事一案) or revise it; a revision keeps the earlier text
    and needs a reason."""
    risk = _lock(risk, None)
    _require(actor, permissions.PLAN, risk)
    missing = [field for field in EmergencyPlan.CONTENT_FIELDS
               if not (content.get(field) or "").strip()]
    if missing:
        raise RuleBroken(_("Fill in every part of the emergency plan."), field=missing[0])
    content = {field: content[field].strip() for field in EmergencyPlan.CONTENT_FIELDS}
    refuse_personal_data(**content, reason=reason)
    plan = EmergencyPlan.objects.select_for_update().filter(risk=risk).first()
    if plan is None:
        plan = EmergencyPlan.objects.create(risk=risk, **content)
        _event(risk, EventKind.EMERGENCY_PLAN, actor, changes={"revision": 1})
    elif plan.snapshot() != content:
        if not reason.strip():
            raise RuleBroken(_("Say why the emergency plan is revised."), field="reason")
        EmergencyPlanRevision.objects.create(plan=plan, revision=plan.revision,
                                             content=plan.snapshot(), reason=reason.strip(),
                                             revised_by=actor)
        for field, value in content.items():
            setattr(plan, field, value)
        plan.revision += 1
        plan.save()
        _event(risk, EventKind.EMERGENCY_PLAN, actor, note=reason.strip(),
               changes={"revision": plan.revision})
    else:
        return plan
    _save(risk, [])
    return plan


@transaction.atomic
def record_drill(plan: EmergencyPlan, *, actor, held_on: date, participants: str,
                 summary: str, findings: str = "") -> EmergencyDrill:
    """Record a drill of the emergency plan (定期组织演练)."""
    risk = _lock(plan.risk, None)
    _require(actor, permissions.PLAN, risk)
    if not (participants or "").strip() or not (summary or "").strip():
        raise RuleBroken(_("Say who took part and how the drill went."), field="summary")
    refuse_personal_data(participants=participants, summary=summary, findings=findings)
    if held_on > timezone.localdate():
        raise RuleBroken(_("A drill is recorded after it was held."), field="held_on")
    drill = EmergencyDrill.objects.create(plan=plan, held_on=held_on,
                                          participants=participants.strip(),
                                          summary=summary.strip(), findings=findings.strip(),
                                          recorded_by=actor)
    _save(risk, [])
    _event(risk, EventKind.DRILL, actor, note=summary.strip(),
           changes={"held_on": held_on.isoformat()})
    return drill


@transaction.atomic
def link_duplicate(risk: Risk, original: Risk, *, actor, version: int | None = None) -> Risk:
    """Mark ``risk`` as a duplicate of ``original`` and set it aside as invalid."""
    if risk.pk == original.pk:
        raise RuleBroken(_("A matter cannot duplicate itself."), field="duplicate_of")
    risk = _lock(risk, version)
    _require(actor, Action.REJECT, risk)
    if risk.status not in RISK_TRANSITIONS[Action.REJECT].sources:
        raise RuleBroken(_("Only a matter not yet being resolved can be linked as a "
                           "duplicate."), field="status")
    note = _("Duplicate of %(code)s") % {"code": original.code}

    def apply(locked, transition):  # set aside as invalid: the reject transition
        locked.duplicate_of, locked.updated_at = original, timezone.now()
        return ["duplicate_of", "updated_at"]

    def record(locked, transition, from_status):
        changes = {"duplicate_of": original.code,
                   **clocks.on_transition(locked, Action.REJECT, from_status, locked.updated_at)}
        _event(locked, EventKind.LINKED, actor, action=Action.REJECT, from_status=from_status,
               to_status=locked.status, note=note, changes=changes)
        webhook_events.tell_changed(locked, Action.REJECT)

    return RISK_TRANSITIONS.run(risk, Action.REJECT, actor=actor, note=note, apply=apply,
                                record_event=record, lock=False)


# Personal data in free text -------------------------------------------------------------

MASKABLE_FIELDS = ("title", "description", "resolution_note", "address")


@transaction.atomic
def mask_personal_data_in_risk(risk: Risk, *, actor=None, fields=MASKABLE_FIELDS) -> Risk:
    """Mask the identity and mobile numbers written into the matter's own text (run by
    ``scan_personal_data --mask``; actor None is the system). Bumps the version and writes
    one 'masked' event naming the fields masked, never their text. Fields with nothing to
    mask are left alone; with nothing to mask at all, nothing is written.

    The history is append-only: numbers in earlier events stay as written.
    """
    risk = _lock(risk, None)
    if actor is not None:
        _require(actor, permissions.EDIT, risk)
    masked = []
    for field in fields:
        if field not in MASKABLE_FIELDS:
            raise RuleBroken(_("These fields cannot be changed: %(fields)s.")
                             % {"fields": field}, field=field)
        text = getattr(risk, field)
        masked_text = mask_personal_data(text)
        if masked_text != text:
            setattr(risk, field, masked_text)
            masked.append(field)
    if masked:
        _save(risk, masked)
        _event(risk, EventKind.MASKED, actor, changes={"fields": masked})
    return risk


# Bulk -------------------------------------------------------------------------------------

@dataclass
class BulkOutcome:
    risk: Risk
    error: str = ""


def bulk_apply(risks_and_versions: list[tuple[Risk, int]], operation, *, actor
               ) -> list[BulkOutcome]:
    """Apply ``operation(risk, version)`` to each selected matter in its own transaction:
    each one writes its events and respects its version and the actor's role; one
    refusal does not undo the others, and is reported with its reason."""
    outcomes = []
    for risk, version in risks_and_versions:
        try:
            outcomes.append(BulkOutcome(operation(risk, version)))
        except (Forbidden, RuleBroken, StaleVersion) as error:
            outcomes.append(BulkOutcome(risk, str(error.message)))
    return outcomes
