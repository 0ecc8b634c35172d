"""The scheduled jobs, one function each, for every street in the instance. Celery tasks
(rhythm.tasks) and the management command call these; each is safe to run twice."""

from collections.abc import Callable
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from audit.choices import AuditAction
from audit.services import record_event
from grids.models import Area
from inbox.runs import write_notice_runs
from inbox.services import Notice, deliver, send_pending_emails
from inbox.tasks import write_notice_runs_task
from quanfu.enqueue import send_task_now
from rhythm import services, snapshots
from risks.clocks import sweep_clocks

# What the apps above the rhythm do after the daily and the weekly job, with the job's day
# (supervision warms the city dashboard's weekly folds): registered in their
# AppConfig.ready, since the rhythm never imports them.
_AFTER_DAILY_AND_WEEKLY: list[Callable[[date], object]] = []


def run_after_daily_and_weekly_jobs(hook: Callable[[date], object]) -> None:
    """Call ``hook(day)`` after every daily and weekly job (once, however often registered)."""
    if hook not in _AFTER_DAILY_AND_WEEKLY:
        _AFTER_DAILY_AND_WEEKLY.append(hook)


def _streets():
    return Area.objects.filter(kind="street").order_by("code")


def daily(day: date | None = None) -> dict:
    """07:00 日核: today's checklists for every community with open matters."""
    day = day or timezone.localdate()
    totals = services.run_daily_checks(day)
    if totals["checks"] or totals["items"]:  # INSERT … SELECT: one audit entry for them
        record_event(action=AuditAction.CREATE, target="rhythm:daily_checks",
                     detail=f"{day}: {totals['checks']} checklists, {totals['items']} items")
    _after_daily_and_weekly(day)
    return totals


def _after_daily_and_weekly(day: date) -> None:
    for hook in _AFTER_DAILY_AND_WEEKLY:
        hook(day)


def sweep() -> dict:
    """Every 15 minutes: T+2 warnings and instructions past their deadline, the matters'
    stage clocks turning yellow or red, and any e-mail that could not be sent while the
    broker or a worker was down. The marking transactions queue their notices; a follow-up
    task writes them (inbox.write_notice_runs_task), so this job ends when the marking
    does (bench/city.py: 1.1 s for 200,000 warnings and 410,000 red clocks at once). A run
    the follow-up never wrote (broker or worker down) is written by the next sweep first."""
    leftover = write_notice_runs()
    result = services.sweep_overdue(write_notices=False)
    if result["warnings_overdue"] or result["instructions_overdue"]:  # UPDATEs: one entry
        record_event(action=AuditAction.TRANSITION, target="rhythm:overdue_sweep",
                     detail=f"{result['warnings_overdue']} warnings and "
                            f"{result['instructions_overdue']} instructions now overdue")
    result.update(sweep_clocks(write_notices=False))  # records its own entry
    if result["warnings_overdue"] or result["clocks_red"]:
        send_task_now(write_notice_runs_task)
    result["emails"] = send_pending_emails()
    result["leftover_notices"] = leftover
    return result


def weekly(day: date | None = None) -> dict:
    """Monday 08:00 周调: last week's snapshot for each street; leaders are told."""
    day = day or timezone.localdate()
    last_week = snapshots.week_start(day) - timezone.timedelta(days=7)
    taken = 0
    for street in _streets():
        snapshot, created = snapshots.take_weekly_snapshot(street, last_week)
        taken += created
        leaders = User.objects.filter(role=Role.STREET_LEADER, area=street, is_active=True)
        deliver([Notice(leader, "weekly_report",
                        _("Weekly report of %(start)s is ready") % {"start": last_week},
                        key=f"weekly:{street.pk}:{last_week}",
                        link=f"/rhythm/weekly/?week={last_week}") for leader in leaders])
    _after_daily_and_weekly(day)
    return {"snapshots": taken}


def monthly(day: date | None = None) -> dict:
    """1st of the month 08:00 月统: last month's target rates for each street."""
    day = day or timezone.localdate()
    last_month = (snapshots.month_start(day) - timezone.timedelta(days=1)).replace(day=1)
    taken = sum(snapshots.take_monthly_snapshot(street, last_month)[1] for street in _streets())
    return {"snapshots": taken}


def data_quality(day: date | None = None) -> dict:
    """Weekly 数据填报质量定期反馈: each community's officers get their own figures."""
    day = day or timezone.localdate()
    taken, notices = 0, []
    for street in _streets():
        snapshot, created = snapshots.take_data_quality_snapshot(street, day)
        taken += created
        by_community = {row["community_id"]: row for row in snapshot.rows}
        officers = User.objects.filter(role=Role.COMMUNITY_OFFICER, is_active=True,
                                       area_id__in=by_community)
        for officer in officers:
            row = by_community[officer.area_id]
            body = _("Missing level %(missing_level)s, missing duties %(missing_duties)s, "
                     "missing plan %(missing_plan)s, unconfirmed checks %(unconfirmed_checks)s, "
                     "overdue warnings %(overdue_warnings)s.") % row
            notices.append(Notice(officer, "data_quality",
                                  _("Data quality of %(community)s: %(problems)s to fix")
                                  % row, key=f"quality:{snapshot.pk}", body=body,
                                  link="/rhythm/quality/"))
    deliver(notices)
    return {"snapshots": taken, "notices": len(notices)}
