"""The rhythm of the work plan: T+2 warnings and their sweep, daily checks (日核), zero
reports, work instructions. Snapshots live in rhythm.snapshots.

Jobs are idempotent by construction: rows claimed with a conditional UPDATE, or inserted
under a unique constraint with ON CONFLICT DO NOTHING; never check-then-act. Sweeps are
set-based: their query count does not grow with the number of rows they touch.
"""

import time
from datetime import date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from audit.choices import AuditAction
from audit.services import record_event
from grids.models import Area
from inbox.runs import queue_run, write_notice_runs
from inbox.services import Notice, SetBasedNotices, deliver, insert_notices
from quanfu.clock import local_day_bounds
from quanfu.errors import Forbidden, RuleBroken
from quanfu.personal_data import refuse_personal_data
from rhythm.calendar import feedback_due_for
from rhythm.choices import CheckOutcome, InstructionStatus, ReplyAction, WarningStatus
from rhythm.models import (
    DailyCheck,
    DailyCheckItem,
    InstructionRecipient,
    RiskWarning,
    WorkInstruction,
    ZeroReport,
)
from rhythm.permissions import require
from rhythm.transitions import INSTRUCTION_TRANSITIONS, WARNING_TRANSITIONS
from risks import notices
from risks.choices import OPEN_STATUSES, EventKind
from risks.locking import lock_matters
from risks.models import DUTY_FIELDS, Risk, RiskEvent
from risks.scoping import visible_risks
from risks.services import add_note
from webhooks import outbox
from webhooks.choices import WebhookEvent

_PEOPLE_FIELDS = [f"risk__{field}_id" for field in DUTY_FIELDS.values()] + ["risk__lead_id"]


def _risk_event(risk: Risk, actor, note: str, **changes) -> None:
    # Touches the matter (version, updated_at) so the sync walk carries the news.
    Risk.objects.filter(pk=risk.pk).update(version=F("version") + 1,
                                           updated_at=timezone.now())
    RiskEvent.objects.create(risk=risk, kind=EventKind.WARNING, actor=actor, note=note,
                             changes=changes)


# Warnings (预警) --------------------------------------------------------------------------

@transaction.atomic
def issue_warning(risk: Risk, *, actor, content: str, issued_at: datetime | None = None
                  ) -> RiskWarning:
    """Issue a warning on a graded, open matter. The feedback is due by the end of the
    second working day after the day of issue (T+2). ``issued_at`` may lie in the past
    (a warning from the district platform or on paper), never in the future. The
    responsible persons are told through the inbox (delivered here, or by the sweep)."""
    require(actor, "issue_warning")
    risk = Risk.objects.select_for_update(no_key=True).get(pk=risk.pk)  # risks.locking
    if not risk.level:
        raise RuleBroken(_("Grade the matter before issuing a warning on it."), field="risk")
    if not risk.is_open:
        raise RuleBroken(_("A warning is issued on an open matter."), field="risk")
    if not (content or "").strip():
        raise RuleBroken(_("Say what the warning is about."), field="content")
    refuse_personal_data(content=content)
    now = timezone.now()
    issued_at = issued_at or now
    if issued_at > now + timezone.timedelta(minutes=5):
        raise RuleBroken(_("A warning cannot be issued in the future."), field="issued_at")
    warning = RiskWarning.objects.create(
        risk=risk, level=risk.level, content=content.strip(), issued_at=issued_at,
        issued_by=actor, feedback_due=feedback_due_for(issued_at))
    _risk_event(risk, actor, content.strip(), warning=warning.pk,
                feedback_due=timezone.localtime(warning.feedback_due).isoformat())
    _tell_other_systems(warning, risk, WebhookEvent.WARNING_ISSUED)
    deliver_issue_notices(now)
    return warning


@transaction.atomic
def record_feedback(warning: RiskWarning, *, actor, content: str) -> RiskWarning:
    """Answer a warning (反馈): closes it, on time or late. Answering twice is refused
    (rhythm/transitions.py: WARNING_TRANSITIONS)."""
    # the lock order of risks/locking.py: its matter first, then the warning (its row only)
    lock_matters([warning.risk_id])
    warning = (RiskWarning.objects.select_for_update(of=("self",), no_key=True)
               .select_related("risk").get(pk=warning.pk))
    content = (content or "").strip()
    now = timezone.now()

    def apply(locked, transition):
        locked.feedback, locked.answered_at, locked.answered_by = content, now, actor
        return ["feedback", "answered_at", "answered_by"]

    def record(locked, transition, from_status):
        _risk_event(locked.risk, actor, content, warning=locked.pk, feedback=True,
                    on_time=locked.answered_on_time)
        _tell_other_systems(locked, locked.risk, WebhookEvent.WARNING_ANSWERED)
        _tell_issuer(locked, actor=actor, now=now)

    return WARNING_TRANSITIONS.run(warning, ReplyAction.ANSWER, actor=actor, lock=False,
                                   apply=apply, record_event=record, content=content)


def _tell_other_systems(warning: RiskWarning, risk: Risk, event: str) -> None:
    """The webhooks' event of a warning (issue 21), in the warning's transaction: the
    warning as the API shows it, scoped by its matter's street and community."""
    def moment(value):
        return timezone.localtime(value).isoformat() if value else None

    outbox.record(event, "warning", warning.pk, street_id=risk.street_id,
                  community_id=risk.community_id,
                  payload={"id": warning.pk, "risk": risk.pk, "level": warning.level,
                           "status": warning.status, "issued_at": moment(warning.issued_at),
                           "feedback_due": moment(warning.feedback_due),
                           "answered_at": moment(warning.answered_at)})


def _tell_issuer(warning: RiskWarning, *, actor, now) -> int:
    """Whoever issued the warning hears that it was answered, on its page."""
    risk = warning.risk
    return notices.tell(
        notices.person(warning.issued_by_id), actor=actor, kind=notices.WARNING_ANSWERED,
        title=_("Your warning on %(code)s was answered: %(title)s")
        % {"code": risk.code, "title": risk.title},
        key=f"warning:{warning.pk}:answered", body=warning.feedback,
        link=reverse("rhythm:warning_detail", args=[warning.pk]), now=now,
        digest_link=reverse("rhythm:warning_list"))


def _community_officers(community_ids) -> dict[int, list[User]]:
    officers: dict[int, list[User]] = {}
    for user in User.objects.filter(role=Role.COMMUNITY_OFFICER, is_active=True,
                                    area_id__in=set(community_ids)):
        officers.setdefault(user.area_id, []).append(user)
    return officers


def _people_of(rows) -> dict[int, User]:
    ids = {row[field] for row in rows for field in _PEOPLE_FIELDS if row[field]}
    return User.objects.in_bulk(ids)


def deliver_issue_notices(now: datetime | None = None) -> int:
    """The outbox of new warnings: tell each one's responsible persons, once. Runs when a
    warning is issued and again in every sweep, so nothing is lost while a worker or the
    broker is down. Three queries whatever the number of warnings."""
    now = now or timezone.now()
    claimed = RiskWarning.objects.filter(notified_at__isnull=True).update(notified_at=now)
    if not claimed:
        return 0
    rows = list(RiskWarning.objects.filter(notified_at=now)
                .values("id", "risk_id", "risk__code", "risk__title", "feedback_due",
                        *_PEOPLE_FIELDS))
    people = _people_of(rows)
    notices = []
    for row in rows:
        due = timezone.localtime(row["feedback_due"]).strftime("%Y-%m-%d %H:%M")
        for field in _PEOPLE_FIELDS:
            person = people.get(row[field])
            notices.append(Notice(
                person, "warning_issued",
                _("Warning on %(code)s %(title)s: feedback due %(due)s")
                % {"code": row["risk__code"], "title": row["risk__title"], "due": due},
                key=f"warning:{row['id']}:issued", link=f"/risks/{row['risk_id']}/"))
    deliver(notices, fetch=False)
    return len(rows)


def sweep_overdue(now: datetime | None = None, *, write_notices: bool = True
                  ) -> dict[str, int]:
    """The T+2 sweep (every 15 minutes): mark unanswered warnings and instructions past
    their deadline overdue, tell the responsible persons and their community's officers,
    and deliver any issue notices still pending. Running it twice changes nothing more.
    The notices of overdue warnings are written after the marking transaction, in one of
    their own (``write_notices=False`` leaves them queued for ``write_notice_runs``)."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = deliver_issue_notices(now)
        overdue = WARNING_TRANSITIONS.move_all(
            RiskWarning.objects.filter(feedback_due__lt=now), ReplyAction.MARK_OVERDUE,
            overdue_at=now)
        if overdue:  # told right after this transaction (inbox.runs): it stays short
            queue_run(OVERDUE_RUN, now, items=overdue)
        instructions = INSTRUCTION_TRANSITIONS.move_all(
            InstructionRecipient.objects.filter(instruction__deadline__lt=now),
            ReplyAction.MARK_OVERDUE, overdue_at=now)
        if instructions:
            _notify_overdue_instructions(now)
    if overdue and write_notices:
        write_notice_runs(kinds=[OVERDUE_RUN])
    return {"warnings_overdue": overdue, "instructions_overdue": instructions,
            "issue_notices": pending}


# A person told of more warnings than this in one sweep gets one digest instead: a sweep
# after a holiday (or the first on a new platform) would otherwise fill inboxes by the
# thousand (bench/city.py: 610,000 messages, 32 s, for 200,000 warnings at once).
OVERDUE_DIGEST_AFTER = 5


OVERDUE_RUN = "warnings_overdue"


def write_overdue_warning_notices(run) -> int:
    """The writer of a sweep's queued run of overdue warnings (inbox.runs)."""
    return _notify_overdue_warnings(run.moment, run.items)


def _notify_overdue_warnings(now: datetime, count: int = 0) -> int:
    """Tell the duty holders, the lead and the community's officers of every warning that
    just went overdue: a notice per matter, or one digest for a person with more than
    OVERDUE_DIGEST_AFTER of them in this sweep. One INSERT … SELECT, whatever the number
    of warnings; the unique (recipient, dedupe_key) makes a second run add nothing."""
    warning, risk, user = (RiskWarning._meta.db_table, Risk._meta.db_table,
                           User._meta.db_table)
    person_columns = [f"{field}_id" for field in DUTY_FIELDS.values()] + ["lead_id"]
    # The warnings just marked, read once with their matters' people and what a notice
    # says of them; then who is told of which (narrow rows: ids only), how many each; the
    # texts only for the notices sent.
    due = ("SELECT w.id AS warning_id, r.id AS risk_id, r.code, r.title, r.community_id, "
           + ", ".join(f"r.{column}" for column in person_columns)
           + f" FROM {warning} w JOIN {risk} r ON r.id = w.risk_id WHERE w.overdue_at = %s")
    recipients = " UNION ".join(
        [f"SELECT warning_id, {column} AS person_id FROM due WHERE {column} IS NOT NULL"
         for column in person_columns]
        + [f"SELECT due.warning_id, u.id FROM due JOIN {user} u "
           "ON u.area_id = due.community_id AND u.role = %s AND u.is_active"])
    prefix = _("Overdue warning, no feedback by T+2 (consider escalating): ")
    return insert_notices(SetBasedNotices(
        ctes=f"due AS ({due}), recipients AS ({recipients})",
        ctes_params=[connection.ops.adapt_datetimefield_value(now), Role.COMMUNITY_OFFICER],
        item="'warning_overdue' AS kind, "
             "SUBSTR(%s || told.code || ' ' || told.title, 1, 200) AS title, "
             "'/risks/' || told.risk_id || '/' AS link, "
             "'warning:' || recipients.warning_id || ':overdue' AS dedupe_key",
        item_params=[prefix],
        joins="JOIN due AS told ON told.warning_id = recipients.warning_id",
        digest_kind="warnings_overdue",
        digest_title=_("%(count)s warnings went overdue without feedback by T+2: consider "
                       "escalating them"),
        digest_link=reverse("rhythm:warning_list") + "?status=" + WarningStatus.OVERDUE,
        digest_key=f"warnings:overdue:{now.isoformat()}",
        digest_after=OVERDUE_DIGEST_AFTER, items=count), now)


def _notify_overdue_instructions(now: datetime) -> None:
    rows = list(InstructionRecipient.objects.filter(overdue_at=now)
                .values("id", "worker_id", "instruction_id", "instruction__issued_by_id",
                        "instruction__content"))
    people = User.objects.in_bulk({row["worker_id"] for row in rows}
                                  | {row["instruction__issued_by_id"] for row in rows})
    notices = []
    for row in rows:
        title = _("Overdue instruction: %(content)s") % {
            "content": row["instruction__content"][:60]}
        for person_id in (row["worker_id"], row["instruction__issued_by_id"]):
            notices.append(Notice(people.get(person_id), "instruction_overdue", title,
                                  key=f"instruction:{row['id']}:overdue",
                                  link="/rhythm/instructions/"))
    deliver(notices, fetch=False)


def matters_with_overdue_warnings(queryset):
    """The matters flagged for escalation by an unanswered, overdue warning."""
    return queryset.filter(warnings__status=WarningStatus.OVERDUE).distinct()


# Daily checks (日核) and zero reports -----------------------------------------------------

def run_daily_checks(day: date) -> dict[str, int]:
    """Open one checklist per community with open matters, listing each open matter.

    Communities are taken in batches of RHYTHM_DAILY_BATCH, each batch two
    INSERT … SELECT statements in its own transaction: a worker killed half-way loses at
    most one batch, and the unique constraints make the rerun add only what is missing.
    """
    statuses = tuple(str(status) for status in OPEN_STATUSES)
    marks = ", ".join(["%s"] * len(statuses))
    check, item, risk = (DailyCheck._meta.db_table, DailyCheckItem._meta.db_table,
                         Risk._meta.db_table)
    # order_by() clears Risk's default ordering, which DISTINCT would otherwise include
    community_ids = list(Risk.objects.filter(status__in=statuses).order_by("community_id")
                         .values_list("community_id", flat=True).distinct())
    size = max(1, settings.RHYTHM_DAILY_BATCH)
    totals = {"checks": 0, "items": 0}
    for start in range(0, len(community_ids), size):
        batch = community_ids[start:start + size]
        in_batch = ", ".join(["%s"] * len(batch))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {check} (community_id, day, created_at) "
                f"SELECT DISTINCT community_id, %s, %s FROM {risk} "
                f"WHERE status IN ({marks}) AND community_id IN ({in_batch}) "
                "ON CONFLICT (community_id, day) DO NOTHING",
                [day, timezone.now(), *statuses, *batch])
            totals["checks"] += max(cursor.rowcount, 0)
            cursor.execute(
                f"INSERT INTO {item} (check_list_id, risk_id, outcome, note) "
                f"SELECT c.id, r.id, '', '' FROM {risk} r JOIN {check} c "
                "ON c.community_id = r.community_id AND c.day = %s "
                f"WHERE r.status IN ({marks}) AND r.community_id IN ({in_batch}) "
                "ON CONFLICT (check_list_id, risk_id) DO NOTHING",
                [day, *statuses, *batch])
            totals["items"] += max(cursor.rowcount, 0)
        if settings.RHYTHM_BATCH_PAUSE_SECONDS and start + size < len(community_ids):
            time.sleep(settings.RHYTHM_BATCH_PAUSE_SECONDS)
    return totals


@transaction.atomic
def confirm_check_item(item: DailyCheckItem, *, actor, outcome: str, note: str = ""
                       ) -> DailyCheckItem:
    """An officer confirms one matter of today's checklist: unchanged, or changed with a
    note (which also goes on the matter's history)."""
    require(actor, "confirm_daily_check")
    # the lock order of risks/locking.py: its matter first, then the item (its row only)
    lock_matters([item.risk_id])
    item = DailyCheckItem.objects.select_for_update(of=("self",), no_key=True).select_related(
        "check_list", "risk").get(pk=item.pk)
    if item.check_list.day != timezone.localdate():
        raise RuleBroken(_("Only today's checklist can be confirmed."), field="day")
    if outcome not in CheckOutcome.values:
        raise RuleBroken(_("Say whether the matter is unchanged or changed."), field="outcome")
    note = (note or "").strip()
    if outcome == CheckOutcome.CHANGED and not note:
        raise RuleBroken(_("Say what changed."), field="note")
    refuse_personal_data(note=note)
    item.outcome, item.note = outcome, note
    item.confirmed_at, item.confirmed_by = timezone.now(), actor
    item.save(update_fields=["outcome", "note", "confirmed_at", "confirmed_by"])
    if outcome == CheckOutcome.CHANGED:
        add_note(item.risk, actor=actor, note=_("Daily check: %(note)s") % {"note": note})
    return item


@transaction.atomic
def confirm_rest_unchanged(check_list: DailyCheck, *, actor) -> int:
    """其余事项无变化: an officer confirms, in one step, every item of today's checklist
    not yet answered as unchanged. Items already answered (unchanged, or changed with
    their note) keep their answer; items of matters the actor may not see are left alone.

    One conditional UPDATE, whatever the number of items (an item answered meanwhile no
    longer matches it and keeps its answer), and one audit entry for the checklist
    rather than one per item. Returns how many items it confirmed."""
    require(actor, "confirm_daily_check")
    if check_list.day != timezone.localdate():
        raise RuleBroken(_("Only today's checklist can be confirmed."), field="day")
    confirmed = DailyCheckItem.objects.filter(
        check_list=check_list, confirmed_at__isnull=True, risk__in=visible_risks(actor),
    ).update(outcome=CheckOutcome.UNCHANGED, note="", confirmed_at=timezone.now(),
             confirmed_by=actor)
    if confirmed:
        record_event(action=AuditAction.UPDATE, actor=actor,
                     target=f"rhythm:daily_check:{check_list.pk}",
                     detail=f"{check_list.day}: {confirmed} remaining items of the checklist "
                            "confirmed unchanged in one step")
    return confirmed


def file_zero_report(grid: Area, *, actor, day: date | None = None) -> ZeroReport:
    """A grid worker reports that nothing new was found in their grid on a day, today by
    default (零报告; a phone that was offline sends it later). Filing twice on one day keeps
    the first (``filed_now`` on the answer says which). Refused: a day still to come, and
    a day on which matters were reported in the grid (they are its report)."""
    require(actor, "zero_report")
    today = timezone.localdate()
    day = day or today
    own = actor.area_id is not None and (grid.is_within(actor.area)
                                         or actor.area.is_within(grid))
    if grid.kind != "grid" or not own:
        raise Forbidden(_("You report for your own grid."))
    if day > today:
        raise RuleBroken(_("A zero report is for today or a day past, not a day to come."),
                         field="day")
    start, end = local_day_bounds(day)
    if Risk.objects.filter(grid=grid, created_at__gte=start, created_at__lt=end).exists():
        raise RuleBroken(_("Matters were reported in %(grid)s on that day: no zero report "
                           "is needed.") % {"grid": grid.name}, field="day")
    report, created = ZeroReport.objects.get_or_create(grid=grid, day=day,
                                                       defaults={"reporter": actor})
    report.filed_now = created
    return report


def silent_grids(area: Area, day: date):
    """Grids under ``area`` with neither a new matter nor a zero report on ``day``."""
    start, end = local_day_bounds(day)
    reported = Risk.objects.filter(created_at__gte=start, created_at__lt=end,
                                   grid__isnull=False).values("grid_id")
    zero = ZeroReport.objects.filter(day=day).values("grid_id")
    return (Area.objects.filter(path__startswith=area.path, kind="grid")
            .exclude(pk__in=reported).exclude(pk__in=zero).select_related("parent")
            .order_by("code"))


# Work instructions (工作指令) -------------------------------------------------------------

@transaction.atomic
def send_instruction(*, actor, workers: list[User], kind: str, content: str,
                     deadline: datetime, risk: Risk | None = None, area: Area | None = None
                     ) -> WorkInstruction:
    """Send grid workers an instruction about a matter or an area, with a deadline."""
    require(actor, "send_instruction")
    if not workers:
        raise RuleBroken(_("Choose at least one grid worker."), field="workers")
    if not (content or "").strip():
        raise RuleBroken(_("Write the instruction."), field="content")
    refuse_personal_data(content=content)
    if deadline <= timezone.now():
        raise RuleBroken(_("The deadline must lie ahead."), field="deadline")
    area = area or (risk.area if risk else None)
    if area is None:
        raise RuleBroken(_("Say which matter or area the instruction is about."), field="area")
    for worker in workers:
        if worker.role != Role.GRID_WORKER or not (worker.area.is_within(area)
                                                    or area.is_within(worker.area)):
            raise RuleBroken(_("%(person)s is not a grid worker of %(area)s.")
                             % {"person": worker.display_name, "area": area.name},
                             field="workers")
    instruction = WorkInstruction.objects.create(risk=risk, area=area, kind=kind,
                                                 content=content.strip(), deadline=deadline,
                                                 issued_by=actor)
    recipients = InstructionRecipient.objects.bulk_create(
        [InstructionRecipient(instruction=instruction, worker=worker) for worker in workers])
    # bulk_create sends no post_save: one audit entry stands for the recipients
    record_event(action=AuditAction.CREATE, actor=actor, target="rhythm.instructionrecipient",
                 detail=f"instruction {instruction.pk} sent to {len(recipients)} grid workers",
                 changes={"instruction": instruction.pk,
                          "recipients": [recipient.pk for recipient in recipients],
                          "workers": [worker.pk for worker in workers]})
    deliver([Notice(worker, "instruction", _("Instruction: %(content)s")
                    % {"content": instruction.content[:60]},
                    key=f"instruction:{instruction.pk}", link="/rhythm/instructions/")
             for worker in workers])
    return instruction


@transaction.atomic
def answer_instruction(recipient: InstructionRecipient, *, actor, answer: str
                       ) -> InstructionRecipient:
    """The grid worker answers an instruction sent to them, on time or late; answering
    twice is refused (rhythm/transitions.py: INSTRUCTION_TRANSITIONS)."""
    # the lock order of risks/locking.py: the matter it is about first, then its row only
    lock_matters(InstructionRecipient.objects.filter(pk=recipient.pk)
                 .values_list("instruction__risk_id", flat=True))
    recipient = InstructionRecipient.objects.select_for_update(
        of=("self",), no_key=True).select_related("instruction").get(pk=recipient.pk)
    answer = (answer or "").strip()

    def apply(locked, transition):
        locked.answer, locked.answered_at = answer, timezone.now()
        return ["answer", "answered_at"]

    def record(locked, transition, from_status):
        if locked.instruction.risk_id:  # on the matter's history, as a note
            add_note(locked.instruction.risk, actor=actor,
                     note=_("Answer to instruction: %(answer)s") % {"answer": locked.answer})

    return INSTRUCTION_TRANSITIONS.run(recipient, ReplyAction.ANSWER, actor=actor, lock=False,
                                       apply=apply, record_event=record, answer=answer)


def open_instructions_for(user):
    return (InstructionRecipient.objects.filter(worker=user)
            .filter(Q(status=InstructionStatus.OPEN) | Q(status=InstructionStatus.OVERDUE))
            .select_related("instruction", "instruction__risk"))
