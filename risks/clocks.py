"""The clocks of a matter's stages (sign-in, handling, verification, an upper tier's
answer), counted in working days of the official calendar.

A stage's clock starts when the stage starts (dispatch, not sign-in) and stops when it
ends; ``yellow_at`` (the stage's time limit) and ``red_at`` are the ends of the
``yellow_days``-th and ``red_days``-th working day after the start day, from the most
specific ClockRule. A paused clock (中止, approved by a street leader) does not run:
resuming shifts its limits, and the matter's ``due_on``, by the working days paused.
A clock's colour is read, never stored: yellow once its time limit has passed, red once
its red limit has (for a paused clock, as of its pause). The 15-minute sweep
(``sweep_clocks``) tells the unit and the street's centre once when one turns red.

The calendar lives in the rhythm app, above the register: it registers its overrides
with ``use_calendar`` (rhythm.apps); without one, Monday–Friday are the working days.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from audit.choices import AuditAction
from audit.services import record_event
from grids.models import Department
from inbox.runs import queue_run, write_notice_runs
from inbox.services import SetBasedNotices, insert_notices
from quanfu.clock import local_date, local_moment
from risks import routing
from risks.choices import Action, ClockFlag, ClockStage, EventKind, RiskStatus
from risks.models import ClockRule, ClockSweep, Risk, RiskEvent, StageClock

Overrides = Callable[[date, date], dict[date, bool]]
_calendar: list[Overrides] = []

# Far enough to cross the longest holiday (Spring Festival, National Day: 8–9 days).
_LOOKAHEAD_DAYS = 31
END_OF_DAY = time(23, 59, 59)

# The street's defaults (risks/migrations/0014_seed_clock_rules.py), for a stage the
# table has no row for: stage -> {level or None: (yellow, red)}.
DEFAULT_RULES = {
    ClockStage.ACCEPT: {None: (1, 2)},
    ClockStage.HANDLE: {"high": (5, 10), "medium": (10, 15), "low": (15, 20), None: (15, 20)},
    ClockStage.VERIFY: {None: (2, 3)},
    ClockStage.ANSWER: {None: (3, 5)},
}


# The calendar -----------------------------------------------------------------------------

def use_calendar(overrides: Overrides | None) -> None:
    """Count working days with ``overrides(start, end) -> {day: is_workday}`` (the official
    calendar's exceptions); any other day is a working day Monday–Friday."""
    _calendar[:] = [overrides] if overrides is not None else []


def _overrides(start: date, end: date) -> dict[date, bool]:
    return _calendar[0](start, end) if _calendar else {}


def _is_workday(day: date, overrides: dict[date, bool]) -> bool:
    return overrides.get(day, day.weekday() < 5)


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day strictly after ``day`` (``day`` itself for n <= 0)."""
    if n <= 0:
        return day
    overrides = _overrides(day, day + timedelta(days=_LOOKAHEAD_DAYS * n))
    current, found = day, 0
    while found < n:
        current += timedelta(days=1)
        if _is_workday(current, overrides):
            found += 1
    return current


def working_days_between(start: datetime, end: datetime) -> int:
    """The working days after the day of ``start`` up to and including the day of ``end``
    (whole days: a pause within one day counts none, one across a weekend the Monday)."""
    first, last = local_date(start), local_date(end)
    if last <= first:
        return 0
    overrides = _overrides(first, last)
    return sum(1 for offset in range(1, (last - first).days + 1)
               if _is_workday(first + timedelta(days=offset), overrides))


def end_of_working_day(day: date, n: int) -> datetime:
    """The end (local 23:59:59) of the ``n``-th working day after ``day``."""
    return local_moment(add_working_days(day, n), END_OF_DAY)


def _shift(moment: datetime, days: int) -> datetime:
    return local_moment(add_working_days(local_date(moment), days), END_OF_DAY)


# The rules --------------------------------------------------------------------------------

def _specificity(rule: ClockRule) -> int:
    return (2 if rule.level else 0) + (1 if rule.category_id else 0)


def rule_for(risk: Risk, stage: str) -> tuple[int, int]:
    """(yellow_days, red_days) of ``stage`` for ``risk``: the most specific rule (level and
    category, then level, then category, then any), or the street's defaults."""
    rules = ClockRule.objects.filter(
        Q(level=risk.level) | Q(level=None) if risk.level else Q(level=None),
        Q(category_id=risk.category_id) | Q(category=None), stage=stage)
    best = max(rules, key=_specificity, default=None)
    if best is not None:
        return best.yellow_days, best.red_days
    defaults = DEFAULT_RULES[ClockStage(stage)]
    return defaults.get(risk.level, defaults[None])


# Starting and stopping --------------------------------------------------------------------

def _running(risk: Risk):
    return StageClock.objects.filter(risk=risk, stopped_at=None)


def start_clock(risk: Risk, stage: str, now: datetime) -> StageClock:
    """Start ``stage``'s clock (stopping the one running first: one per stage)."""
    stop_clocks(risk, now, stages=[stage])
    yellow, red = rule_for(risk, stage)
    day = local_date(now)
    return StageClock.objects.create(risk=risk, street_id=risk.street_id,
                                     community_id=risk.community_id, stage=stage, started_at=now,
                                     yellow_at=end_of_working_day(day, yellow),
                                     red_at=end_of_working_day(day, red))


def stop_clocks(risk: Risk, now: datetime, *, stages=None) -> int:
    """Stop the running clocks of ``stages`` (all by default); a paused one ends its pause
    first, so that its limits are those it ran against."""
    clocks = _running(risk)
    if stages is not None:
        clocks = clocks.filter(stage__in=stages)
    stopped = 0
    for clock in clocks:
        if clock.paused_at is not None:
            _end_pause(clock, now)
        clock.stopped_at = now
        clock.save(update_fields=["stopped_at", "paused_at", "paused_seconds", "yellow_at",
                                  "red_at"])
        stopped += 1
    return stopped


def _has_running(risk: Risk, stage: str) -> bool:
    return _running(risk).filter(stage=stage).exists()


# Actions that are no answer of the upper tier to an escalation.
_NOT_AN_ANSWER = {Action.CONFIRM_GRADE, Action.ESCALATE, Action.RESUME}


def on_transition(risk: Risk, action: str, from_status: str, now: datetime) -> dict:
    """Start and stop the stages' clocks for ``action`` just taken on ``risk`` (locked, in
    the transition's transaction; ``risk.status`` is the status it moved to). Returns what
    the action's event reports of the clocks (a resume: the days shifted)."""
    if action == Action.RESUME:
        return _resume(risk, now)
    if action in (Action.CLOSE, Action.REJECT):
        stop_clocks(risk, now)
        return {}
    if action not in _NOT_AN_ANSWER:
        stop_clocks(risk, now, stages=[ClockStage.ANSWER])
    if action == Action.ESCALATE:
        start_clock(risk, ClockStage.ANSWER, now)  # a second escalation restarts it
    elif action == Action.DISPATCH:
        start_clock(risk, ClockStage.ACCEPT, now)
        if not _has_running(risk, ClockStage.HANDLE):
            start_clock(risk, ClockStage.HANDLE, now)
    elif action in (Action.ACCEPT, Action.RETURN):
        stop_clocks(risk, now, stages=[ClockStage.ACCEPT])
    elif action == Action.START:
        if not _has_running(risk, ClockStage.HANDLE):
            start_clock(risk, ClockStage.HANDLE, now)
    elif action == Action.RESOLVE:
        stop_clocks(risk, now, stages=[ClockStage.HANDLE])
        start_clock(risk, ClockStage.VERIFY, now)
    elif action in (Action.REWORK, Action.REOPEN) and risk.status == RiskStatus.RESOLVING:
        stop_clocks(risk, now, stages=[ClockStage.VERIFY])
        start_clock(risk, ClockStage.HANDLE, now)
    return {}


# Pausing (中止) -----------------------------------------------------------------------------

def is_paused(risk: Risk) -> bool:
    return _running(risk).filter(paused_at__isnull=False).exists()


def _clock_event(risk: Risk, actor, note: str, **changes) -> RiskEvent:
    return RiskEvent.objects.create(risk=risk, kind=EventKind.CLOCK, actor=actor, note=note,
                                    changes=changes)


def pause_clocks(risk: Risk, *, at: datetime, actor=None, note: str = "") -> int:
    """Pause every running clock of the matter (an approved pause); returns how many.
    Paused, a clock neither runs nor turns yellow or red."""
    clocks = list(_running(risk).filter(paused_at=None))
    for clock in clocks:  # a few at most: one per stage
        clock.paused_at = at
        clock.save(update_fields=["paused_at"])
    if clocks:
        _clock_event(risk, actor, note, paused=[clock.stage for clock in clocks])
    return len(clocks)


def _end_pause(clock: StageClock, at: datetime) -> int:
    """End ``clock``'s pause at ``at`` (fields set, not saved): the paused seconds added,
    its limits moved later by the working days paused; returns those days."""
    days = working_days_between(clock.paused_at, at)
    clock.paused_seconds += max(int((at - clock.paused_at).total_seconds()), 0)
    clock.paused_at = None
    if days:
        clock.yellow_at, clock.red_at = _shift(clock.yellow_at, days), _shift(clock.red_at, days)
    return days


def resume_clocks(risk: Risk, *, at: datetime, actor=None, note: str = "") -> int:
    """End the pause of the matter's clocks: their limits, and the matter's ``due_on``,
    move later by the working days paused; a flag no longer true is cleared. Writes a
    clock event; returns the working days shifted (0 if nothing was paused)."""
    changes = _resume(risk, at)
    if changes:
        _clock_event(risk, actor, note, **changes)
    return changes.get("working_days", 0)


def _resume(risk: Risk, at: datetime) -> dict:
    """resume_clocks without its event: what changed, for the event ({} if nothing)."""
    clocks = list(_running(risk).filter(paused_at__isnull=False))
    if not clocks:
        return {}
    paused_since = min(clock.paused_at for clock in clocks)
    shifted = 0
    for clock in clocks:
        shifted = max(shifted, _end_pause(clock, at))
        clock.save(update_fields=["paused_at", "paused_seconds", "yellow_at", "red_at"])
    changes = {"paused_since": paused_since.isoformat(), "resumed": len(clocks),
               "working_days": shifted}
    if shifted and risk.due_on:
        before = risk.due_on
        risk.due_on = add_working_days(before, shifted)
        risk.save(update_fields=["due_on"])
        changes["due_on"] = [before.isoformat(), risk.due_on.isoformat()]
    return changes


def extend_clocks(risk: Risk, working_days: int, *, at: datetime, actor=None,
                  note: str = "") -> int:
    """Move the running handling clock's limits later by ``working_days`` (an approved
    extension; the matter's ``due_on`` is the approval's). Returns the clocks moved."""
    clocks = list(_running(risk).filter(stage=ClockStage.HANDLE))
    for clock in clocks:
        clock.yellow_at = _shift(clock.yellow_at, working_days)
        clock.red_at = _shift(clock.red_at, working_days)
        clock.save(update_fields=["yellow_at", "red_at"])
    if clocks:
        _clock_event(risk, actor, note, extended=len(clocks), working_days=working_days)
    return len(clocks)


# Colours ----------------------------------------------------------------------------------

def _stand(now: datetime):
    """The moment a clock's colour is read at: its pause, or ``now`` if it runs."""
    return Coalesce(F("paused_at"), Value(now, output_field=DateTimeField()))


def colour_q(colour: str, now: datetime) -> Q:
    """Clocks of that colour at ``now``: red past the red limit, yellow past the time
    limit only; a paused clock as of its pause. Stopped clocks have none. Written as a
    running and a paused branch (not COALESCE(paused_at, now)) so that PostgreSQL
    estimates a street's lights from its statistics of the limits."""
    running, paused = Q(paused_at=None), Q(paused_at__isnull=False)
    if colour == ClockFlag.RED:
        return lit_q(now) & ((running & Q(red_at__lte=now))
                             | (paused & Q(red_at__lte=F("paused_at"))))
    if colour == ClockFlag.YELLOW:
        return lit_q(now) & ((running & Q(red_at__gt=now))
                             | (paused & Q(red_at__gt=F("paused_at"))))
    raise ValueError(colour)


def matters_with_clock_q(colour: str, now: datetime) -> Exists:
    """Matters (a condition on Risk) with a running clock of that colour at ``now``: the
    register's ``clock=`` filter. The clock's own street, equal to the matter's, lets
    PostgreSQL read only the street's lights (clock_street_lights_idx) instead of every lit
    clock of the city."""
    return Exists(StageClock.objects.filter(colour_q(colour, now), risk=OuterRef("pk"),
                                            street=OuterRef("street")))


def lit_q(now: datetime) -> Q:
    """Clocks yellow or red at ``now`` (``yellow_at <= now`` holds for each: a pause lies in
    the past)."""
    return Q(stopped_at=None, yellow_at__lte=now) & (
        Q(paused_at=None) | Q(paused_at__isnull=False, yellow_at__lte=F("paused_at")))


def with_colour(clocks: QuerySet, now: datetime) -> QuerySet:
    """``clocks`` with their colour at ``now`` as ``flag`` ("red", "yellow" or "")."""
    stand = _stand(now)
    return clocks.annotate(flag=Case(
        When(stopped_at__isnull=False, then=Value(ClockFlag.GREEN)),
        When(red_at__lte=stand, then=Value(ClockFlag.RED)),
        When(yellow_at__lte=stand, then=Value(ClockFlag.YELLOW)),
        default=Value(ClockFlag.GREEN), output_field=CharField()))


def colour(clock: StageClock, now: datetime | None = None) -> str:
    """One clock's colour at ``now`` (by default the present)."""
    if clock.stopped_at is not None:
        return ClockFlag.GREEN
    stand = clock.paused_at or now or timezone.now()
    if clock.red_at <= stand:
        return ClockFlag.RED
    return ClockFlag.YELLOW if clock.yellow_at <= stand else ClockFlag.GREEN


def sweep_clocks(now: datetime | None = None, *, write_notices: bool = True
                 ) -> dict[str, int]:
    """Every 15 minutes: tell the unit and the street's centre of each running, unpaused
    clock whose red limit passed since the last sweep, once; count those that turned
    yellow or red. Nothing about the clocks is written, whatever their number (the first
    sweep after an outage: bench/city.py); a fixed number of statements; a second run
    changes nothing. The notices are queued (inbox.runs) and written after the sweep's
    transaction, in one of their own (``write_notices=False`` leaves them queued)."""
    now = now or timezone.now()
    # One transaction (the notices' work_mem is set for it), without a savepoint of its own
    # inside a caller's. Two sweeps at once would tell of the same clocks: the notices'
    # unique (recipient, dedupe_key) keeps one of each.
    with transaction.atomic(savepoint=False):
        since = ClockSweep.objects.filter(pk=1).values_list("swept_until", flat=True).first()
        if since is not None and since >= now:  # a sweep of a later moment ran already
            return {"clocks_yellow": 0, "clocks_red": 0, "clock_notices": 0}
        red, yellow = _crossed(now, since)
        if red:
            queue_run(RED_RUN, now, since=since, items=red)
        ClockSweep.objects.bulk_create([ClockSweep(pk=1, swept_until=now)],
                                       update_conflicts=True, unique_fields=["id"],
                                       update_fields=["swept_until"])
        if red or yellow:
            record_event(action=AuditAction.TRANSITION, target="risks:clock_sweep",
                         detail=f"{yellow} stage clocks turned yellow, {red} red")
    notices = write_notice_runs(kinds=[RED_RUN]) if red and write_notices else 0
    return {"clocks_yellow": yellow, "clocks_red": red, "clock_notices": notices}


def _crossed(now: datetime, since: datetime | None) -> tuple[int, int]:
    """How many running, unpaused clocks turned red, and how many only yellow, in
    (since, now]: one count over the two sweep indexes."""
    turned_red = Q(red_at__lte=now) & (Q(red_at__gt=since) if since else Q())
    turned_yellow = (Q(yellow_at__lte=now, red_at__gt=now)
                     & (Q(yellow_at__gt=since) if since else Q()))
    counts = (StageClock.objects.filter(stopped_at=None, paused_at=None)
              .filter(turned_red | turned_yellow)
              .aggregate(red=Count("pk", filter=turned_red),
                         yellow=Count("pk", filter=turned_yellow)))
    return counts["red"], counts["yellow"]


RED_RUN = "clocks_red"


def write_red_clock_notices(run) -> int:
    """The writer of a sweep's queued run of red clocks (inbox.runs)."""
    return _notify_red(run.moment, run.since, run.items)


# A person told of more red clocks than this in one sweep gets one digest instead (the
# first sweep after a long holiday would otherwise fill the centre's inboxes).
RED_DIGEST_AFTER = 5


def _notify_red(now: datetime, since: datetime | None, count: int) -> int:
    """Tell the unit (the section it was dispatched to or owned by; the community's
    officers for a matter of no section) and the street's centre of every clock whose red
    limit passed in (since, now]: a notice per clock, or a digest for a person with more
    than RED_DIGEST_AFTER. One INSERT … SELECT; the unique (recipient, dedupe_key) makes a
    second run add nothing."""
    clock, risk, user, department = (StageClock._meta.db_table, Risk._meta.db_table,
                                     User._meta.db_table, Department._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    due = ("SELECT c.id AS clock_id, c.stage, r.id AS risk_id, r.code, r.title, "
           "r.community_id, r.street_id, "
           "COALESCE(r.dispatched_to_id, r.department_id) AS section_id "
           f"FROM {clock} c JOIN {risk} r ON r.id = c.risk_id "
           "WHERE c.stopped_at IS NULL AND c.paused_at IS NULL AND c.red_at <= %s"
           + (" AND c.red_at > %s" if since else ""))
    due_params = [adapt(now)] + ([adapt(since)] if since else [])
    # Three arms that never meet (officers; the unit's staff; the centre's, unless the
    # centre is the unit), so UNION ALL: no deduplication over a sweep's rows.
    recipients = (
        f"SELECT due.clock_id, u.id AS person_id FROM due JOIN {user} u "
        "ON u.area_id = due.community_id AND u.role = %s AND u.is_active "
        "WHERE due.section_id IS NULL "
        f"UNION ALL SELECT due.clock_id, u.id FROM due JOIN {user} u "
        "ON u.department_id = due.section_id AND u.role = %s AND u.is_active "
        f"UNION ALL SELECT due.clock_id, u.id FROM due JOIN {department} d "
        "ON d.street_id = due.street_id AND d.code LIKE %s "
        "AND (due.section_id IS NULL OR d.id <> due.section_id) "
        f"JOIN {user} u ON u.department_id = d.id AND u.role = %s AND u.is_active")
    stage_label = ("CASE told.stage " + " ".join("WHEN %s THEN %s" for _stage in ClockStage)
                   + " END")
    stage_params = [value for stage in ClockStage for value in (stage.value, str(stage.label))]
    before, after = _("Red light, %(stage)s past its limit: ").split("%(stage)s")
    return insert_notices(SetBasedNotices(
        ctes=f"due AS ({due}), recipients AS ({recipients})",
        ctes_params=[*due_params, Role.COMMUNITY_OFFICER, Role.SECTION_STAFF,
                     f"%-{routing.CENTRE_KIND}", Role.SECTION_STAFF],
        item="'clock_red' AS kind, "
             f"SUBSTR(%s || {stage_label} || %s || told.code || ' ' || told.title, 1, 200) "
             "AS title, '/risks/' || told.risk_id || '/' AS link, "
             "'clock:' || recipients.clock_id || ':red' AS dedupe_key",
        item_params=[before, *stage_params, after],
        joins="JOIN due AS told ON told.clock_id = recipients.clock_id",
        digest_kind="clocks_red",
        digest_title=_("%(count)s stage clocks turned red: see the register's red lights"),
        digest_link="/risks/?clock=red",
        digest_key=f"clocks:red:{now.isoformat()}",
        digest_after=RED_DIGEST_AFTER, items=count), now)


# Reading ----------------------------------------------------------------------------------

def flagged_clocks(to_attr: str = "flagged_clocks", now: datetime | None = None) -> Prefetch:
    """A matter's running clocks that are yellow or red (red first) with their ``flag``,
    for the badges of a page of matters: one query for the page."""
    now = now or timezone.now()
    return Prefetch("clocks", to_attr=to_attr, queryset=(
        with_colour(StageClock.objects.filter(lit_q(now)), now)
        .order_by("flag", "started_at")))  # "red" sorts before "yellow"


def clock_state(clock: StageClock) -> str:
    if clock.stopped_at is not None:
        return "done"
    return "paused" if clock.paused_at is not None else "running"


def is_late(clock: StageClock, now: datetime | None = None) -> bool:
    """Past its time limit: stopped after it, or (still running) now after it; a paused
    clock by the moment it was paused."""
    end = clock.stopped_at or clock.paused_at or now or timezone.now()
    return end > clock.yellow_at
