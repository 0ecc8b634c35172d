"""Stage clocks (issue 16): sign-in, handling, verification and an upper tier's answer,
each with yellow and red limits in working days of the official calendar from the rule
table; started when the stage starts (dispatch, not sign-in), turned yellow and red by
the 15-minute sweep set-based, red told to the unit and the street's centre once; a
paused clock does not run and resuming shifts its limits by the working days paused."""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEntry
from grids.services import create_department
from inbox.models import Message
from quanfu.clock import local_moment
from quanfu.errors import RuleBroken
from rhythm import jobs
from rhythm.models import CalendarDay
from risks import clocks, services
from risks.choices import Action, ClockFlag, ClockStage, RiskStatus
from risks.clocks import END_OF_DAY, add_working_days, working_days_between
from risks.models import ClockRule, Risk, RiskEvent, StageClock
from tests.conftest import make_user
from tests.supervision_helpers import EMERGENCY_PLAN


def at(day: date, hour: int = 10) -> datetime:
    return local_moment(day, datetime.min.time().replace(hour=hour))


def end_of(day: date) -> datetime:
    return local_moment(day, END_OF_DAY)


@pytest.fixture
def moment(monkeypatch):
    """moment(datetime): the clock the services read stands at that moment."""
    def _set(when):
        monkeypatch.setattr(timezone, "now", lambda: when)
        return when

    return _set


@pytest.fixture(autouse=True)
def plain_calendar(db):
    """2026 with no exceptions (the seeded official calendar taken out): the tests say
    which holidays they cross."""
    CalendarDay.objects.filter(day__year=2026).delete()


@pytest.fixture
def national_day(plain_calendar):
    """2026: National Day 1–7 October off, Saturday 10 October a make-up workday (调休)."""
    for offset in range(7):
        CalendarDay.objects.create(day=date(2026, 10, 1) + timedelta(days=offset),
                                   is_workday=False, name="国庆节")
    CalendarDay.objects.create(day=date(2026, 10, 10), is_workday=True, name="国庆节调休")


@pytest.fixture
def social(street):
    return create_department(street=street.street, code="S1-social", name="社会事务办公室")


@pytest.fixture
def social_staff(street, social):
    return make_user("staff_social", Role.SECTION_STAFF, street.street, department=social)


@pytest.fixture
def centre_staff(street):
    return make_user("staff_pingan", Role.SECTION_STAFF, street.street,
                     department=street.department)


@pytest.fixture
def ready(ready_to_start, officer_a):
    """ready(level): a verified, graded matter with its four duties (and, high, its lead
    and emergency plan), ready to start. Made before a test moves the clock: the duty
    roster holds from today."""
    def _ready(level="medium"):
        risk = ready_to_start(level=level)
        if level == "high":
            services.save_emergency_plan(risk, actor=officer_a, **EMERGENCY_PLAN)
        return Risk.objects.get(pk=risk.pk)

    return _ready


def running(risk, stage):
    return StageClock.objects.get(risk=risk, stage=stage, stopped_at=None)


def stages_running(risk):
    return set(StageClock.objects.filter(risk=risk, stopped_at=None)
               .values_list("stage", flat=True))


def colours(clocks_of, now) -> set[str]:
    """The colours of ``clocks_of`` at ``now``."""
    return {clocks.colour(clock, now) for clock in clocks_of}


def fresh(risk):
    return Risk.objects.get(pk=risk.pk)


# The calendar -----------------------------------------------------------------------------

def test_working_days_skip_national_day_and_count_the_make_up_saturday(national_day):
    # Wednesday 30 September: the 1st working day after is Thursday 8 October
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    # 8, 9, Saturday 10 (调休), Monday 12
    assert add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)
    assert working_days_between(at(date(2026, 9, 30)), at(date(2026, 10, 10))) == 3
    assert working_days_between(at(date(2026, 9, 30), 9), at(date(2026, 9, 30), 17)) == 0


def test_without_a_calendar_the_working_days_are_monday_to_friday(db):
    assert add_working_days(date(2030, 10, 4), 1) == date(2030, 10, 7)  # Friday → Monday


# Starting and stopping --------------------------------------------------------------------

def test_clocks_start_at_dispatch_not_at_sign_in(report, officer_a, social, social_staff,
                                                  moment):
    risk = services.verify_risk(report(officer_a), actor=officer_a)
    dispatched = moment(at(date(2026, 6, 1)))  # a Monday
    risk = services.transition_risk(risk, Action.DISPATCH, actor=officer_a, department=social)
    assert stages_running(risk) == {ClockStage.ACCEPT, ClockStage.HANDLE}
    accept = running(risk, ClockStage.ACCEPT)
    assert accept.started_at == dispatched
    assert (accept.yellow_at, accept.red_at) == (end_of(date(2026, 6, 2)), end_of(date(2026, 6, 3)))
    signed = moment(at(date(2026, 6, 3)))
    services.transition_risk(fresh(risk), Action.ACCEPT, actor=social_staff)
    accept.refresh_from_db()
    assert accept.stopped_at == signed and clocks.is_late(accept)  # after its 1 working day
    handle = running(risk, ClockStage.HANDLE)
    assert handle.started_at == dispatched  # handling runs from dispatch, not sign-in


def test_handling_runs_through_returns_and_verification_follows_resolution(
        ready, officer_a, colleague_a, social, social_staff):
    risk = ready("medium")
    risk = services.transition_risk(risk, Action.DISPATCH, actor=officer_a, department=social)
    handle = running(risk, ClockStage.HANDLE)
    risk = services.transition_risk(risk, Action.RETURN, actor=social_staff, note="不归本科室")
    assert stages_running(risk) == {ClockStage.HANDLE}
    risk = services.transition_risk(risk, Action.DISPATCH, actor=officer_a, department=social)
    assert running(risk, ClockStage.HANDLE) == handle  # the same clock kept running
    risk = services.transition_risk(risk, Action.ACCEPT, actor=social_staff)
    risk = services.start_risk(risk, actor=officer_a)
    assert running(risk, ClockStage.HANDLE) == handle  # starting does not restart it
    risk = services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    assert stages_running(risk) == {ClockStage.VERIFY}
    risk = services.transition_risk(risk, Action.REWORK, actor=colleague_a, note="回访发现未解决")
    assert stages_running(risk) == {ClockStage.HANDLE}
    assert running(risk, ClockStage.HANDLE) != handle  # a new handling clock
    risk = services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    risk = services.close_risk(risk, actor=colleague_a, note="双方达成协议，已履行。")
    assert stages_running(risk) == set()
    assert StageClock.objects.filter(risk=risk, stage=ClockStage.HANDLE).count() == 2


def test_a_community_matter_starts_its_handling_clock_when_work_starts(ready,
                                                                        officer_a):
    risk = ready("low")
    assert stages_running(risk) == set()
    risk = services.start_risk(risk, actor=officer_a)
    assert stages_running(risk) == {ClockStage.HANDLE}


def test_an_escalation_runs_the_answer_clock_until_the_upper_tier_acts(ready,
                                                                        officer_a, leader):
    risk = ready("medium")
    risk = services.escalate_risk(risk, actor=officer_a, note="需街道协调")
    first = running(risk, ClockStage.ANSWER)
    risk = services.confirm_grade(risk, actor=leader)
    assert running(risk, ClockStage.ANSWER) == first  # confirming the grade is no answer
    risk = services.escalate_risk(risk, actor=leader, note="需区里协调")
    second = running(risk, ClockStage.ANSWER)
    assert second != first  # a second escalation restarts it
    risk = services.deescalate_risk(risk, actor=leader, note="区里已答复，交回街道")
    assert ClockStage.ANSWER not in stages_running(risk)


def test_voiding_a_matter_stops_every_clock(report, officer_a, social, centre_staff):
    risk = services.verify_risk(report(officer_a), actor=officer_a)
    risk = services.transition_risk(risk, Action.DISPATCH, actor=officer_a, department=social)
    services.transition_risk(risk, Action.REJECT, actor=officer_a, note="重复上报")
    assert stages_running(risk) == set()


# Rules ------------------------------------------------------------------------------------

def test_thresholds_follow_the_level(ready, officer_a, moment):
    matters = {level: ready(level) for level in ("high", "medium", "low")}
    moment(at(date(2026, 6, 1)))  # Monday
    limits = {}
    for level, matter in matters.items():
        risk = services.start_risk(matter, actor=officer_a)
        clock = running(risk, ClockStage.HANDLE)
        limits[level] = (clock.yellow_at, clock.red_at)
    assert limits["high"] == (end_of(date(2026, 6, 8)), end_of(date(2026, 6, 15)))
    assert limits["medium"] == (end_of(date(2026, 6, 15)), end_of(date(2026, 6, 22)))
    assert limits["low"] == (end_of(date(2026, 6, 22)), end_of(date(2026, 6, 29)))


def test_the_most_specific_rule_wins_and_the_defaults_stand_in(report, officer_a,
                                                               categories):
    disputes = categories["disputes"]
    ClockRule.objects.create(stage="handle", level="medium", category=disputes,
                             yellow_days=3, red_days=4)
    ClockRule.objects.create(stage="handle", level=None, category=disputes,
                             yellow_days=7, red_days=8)
    medium = Risk(level="medium", category=disputes)
    low = Risk(level="low", category=disputes)
    not_graded = Risk(level=None, category=disputes)
    other = Risk(level="low", category=next(c for c in categories.values() if c != disputes))
    assert clocks.rule_for(medium, "handle") == (3, 4)  # level and category
    assert clocks.rule_for(low, "handle") == (15, 20)  # the level's rule over the category's
    assert clocks.rule_for(not_graded, "handle") == (7, 8)  # the category's over any
    assert clocks.rule_for(other, "handle") == (15, 20)
    ClockRule.objects.filter(stage="verify").delete()
    assert clocks.rule_for(other, "verify") == (2, 3)  # no row: the street's default


def test_a_clock_across_national_day_counts_the_make_up_saturday(
        national_day, ready, officer_a, moment):
    matter = ready("high")
    moment(at(date(2026, 9, 30)))  # Wednesday before National Day
    risk = services.start_risk(matter, actor=officer_a)
    clock = running(risk, ClockStage.HANDLE)
    # 5 working days: 8, 9, Saturday 10 (调休), 12, 13 October
    assert clock.yellow_at == end_of(date(2026, 10, 13))
    # 10: 14, 15, 16, 19, 20
    assert clock.red_at == end_of(date(2026, 10, 20))


# The sweep --------------------------------------------------------------------------------

def test_the_sweep_turns_clocks_yellow_then_red_and_tells_the_unit_and_centre_once(
        report, officer_a, social, social_staff, centre_staff, moment):
    moment(at(date(2026, 6, 1)))
    matters = []
    for _ in range(2):
        risk = services.verify_risk(report(officer_a), actor=officer_a)
        matters.append(services.transition_risk(risk, Action.DISPATCH, actor=officer_a,
                                                department=social))
    accept = StageClock.objects.filter(stage=ClockStage.ACCEPT)
    result = clocks.sweep_clocks(at(date(2026, 6, 2), 12))
    assert result["clocks_yellow"] == 0 and colours(accept, at(date(2026, 6, 2), 12)) == {""}
    result = clocks.sweep_clocks(at(date(2026, 6, 3), 9))  # past sign-in's 1 working day
    assert result == {"clocks_yellow": 2, "clocks_red": 0, "clock_notices": 0}
    assert colours(accept, at(date(2026, 6, 3), 9)) == {ClockFlag.YELLOW}
    before = AuditEntry.objects.count()
    result = clocks.sweep_clocks(at(date(2026, 6, 4), 9))  # past its 2 working days
    assert (result["clocks_red"], result["clocks_yellow"]) == (2, 0)
    assert colours(accept, at(date(2026, 6, 4), 9)) == {ClockFlag.RED}
    assert AuditEntry.objects.count() == before + 1  # one entry for the sweep
    told = Message.objects.filter(kind="clock_red")
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "staff_pingan", "staff_pingan", "staff_social", "staff_social"]
    notice = told.filter(link=f"/risks/{matters[0].pk}/").first()
    assert matters[0].code in notice.title
    assert clocks.sweep_clocks(at(date(2026, 6, 4), 10))["clock_notices"] == 0
    assert told.count() == 4  # a second sweep adds nothing
    assert colours(StageClock.objects.filter(stage=ClockStage.HANDLE),
                   at(date(2026, 6, 4), 10)) == {""}  # handling is still on time


def test_a_red_matter_of_no_section_tells_the_community_officers(
        ready, officer_a, colleague_a, centre_staff, moment):
    matter = ready("high")
    moment(at(date(2026, 6, 1)))
    risk = services.start_risk(matter, actor=officer_a)
    clocks.sweep_clocks(at(date(2026, 6, 16)))
    assert clocks.colour(running(risk, ClockStage.HANDLE), at(date(2026, 6, 16))) == ClockFlag.RED
    assert set(Message.objects.filter(kind="clock_red")
               .values_list("recipient__username", flat=True)) == {
        "officer_a", "colleague_a", "staff_pingan"}


def test_a_red_matter_dispatched_to_the_centre_tells_its_staff_once(
        report, officer_a, street, centre_staff, moment):
    moment(at(date(2026, 6, 1)))
    risk = services.verify_risk(report(officer_a), actor=officer_a)
    services.transition_risk(risk, Action.DISPATCH, actor=officer_a,
                             department=street.department)
    clocks.sweep_clocks(at(date(2026, 6, 4), 9))  # sign-in past its 2 working days
    assert list(Message.objects.filter(kind="clock_red")
                .values_list("recipient__username", flat=True)) == ["staff_pingan"]


def test_the_sweep_costs_the_same_queries_whatever_the_number_of_clocks(
        ready, officer_a, moment, django_assert_num_queries, django_assert_max_num_queries):
    one, *three = [ready("high") for _ in range(4)]
    moment(at(date(2026, 6, 1)))
    services.start_risk(one, actor=officer_a)
    # the mark, count, the new mark, the audit entry; the notices' outbox: the run queued,
    # claimed, told (one INSERT … SELECT) and marked written
    with django_assert_max_num_queries(10) as first:
        clocks.sweep_clocks(at(date(2026, 6, 16)))
    moment(at(date(2026, 6, 17)))
    for matter in three:
        services.start_risk(matter, actor=officer_a)
    with django_assert_num_queries(len(first.captured_queries)):
        assert clocks.sweep_clocks(at(date(2026, 7, 2)))["clocks_red"] == 3
    red = clocks.colour_q(ClockFlag.RED, at(date(2026, 7, 2)))
    assert StageClock.objects.filter(red).count() == 4


def test_the_fifteen_minute_job_sweeps_the_clocks(ready, officer_a, moment):
    matter = ready("high")
    moment(at(date(2026, 6, 1)))
    risk = services.start_risk(matter, actor=officer_a)
    moment(at(date(2026, 6, 9)))
    result = jobs.sweep()
    assert result["clocks_yellow"] == 1
    assert clocks.colour(running(risk, ClockStage.HANDLE)) == ClockFlag.YELLOW


# Pausing (中止) -----------------------------------------------------------------------------

def test_a_paused_clock_never_turns_yellow_or_red(ready, officer_a, moment):
    matter = ready("high")
    moment(at(date(2026, 6, 1)))
    risk = services.start_risk(matter, actor=officer_a)
    assert clocks.pause_clocks(risk, at=at(date(2026, 6, 2)), actor=officer_a) == 1
    assert clocks.is_paused(risk)
    result = clocks.sweep_clocks(at(date(2026, 7, 1)))  # long past both limits
    assert (result["clocks_yellow"], result["clocks_red"]) == (0, 0)
    assert clocks.colour(running(risk, ClockStage.HANDLE), at(date(2026, 7, 1))) == ClockFlag.GREEN
    assert not Message.objects.filter(kind="clock_red").exists()


def test_a_pause_across_national_day_shifts_the_limits_by_the_working_days_paused(
        national_day, ready, officer_a, moment, api):
    matter = ready("high")
    moment(at(date(2026, 9, 28)))  # Monday
    risk = services.start_risk(matter, actor=officer_a)
    Risk.objects.filter(pk=risk.pk).update(due_on=date(2026, 10, 12))
    clock = running(risk, ClockStage.HANDLE)
    # 29, 30 September, 8, 9, Saturday 10 October (调休)
    assert clock.yellow_at == end_of(date(2026, 10, 10))
    clocks.pause_clocks(fresh(risk), at=at(date(2026, 9, 30)), actor=officer_a)
    # the old limit passes during the pause: nothing fires
    assert clocks.sweep_clocks(at(date(2026, 10, 12)))["clocks_yellow"] == 0
    # resumed on Friday 9 October: 8 and 9 October were paused working days
    moment(at(date(2026, 10, 9), 15))
    risk = fresh(risk)
    assert Action.RESUME in services.available_actions(risk, officer_a)
    risk = services.transition_risk(risk, Action.RESUME, actor=officer_a)
    clock.refresh_from_db()
    assert (clock.paused_at, clock.stopped_at) == (None, None)
    assert clock.yellow_at == end_of(date(2026, 10, 13))  # 12, 13 October
    assert clock.paused_seconds == (at(date(2026, 10, 9), 15)
                                    - at(date(2026, 9, 30))).total_seconds()
    assert fresh(risk).due_on == date(2026, 10, 14)  # 13, 14 October
    event = RiskEvent.objects.filter(risk=risk, action=Action.RESUME).get()
    assert event.changes["working_days"] == 2
    assert not clocks.is_paused(risk)
    assert Action.RESUME not in services.available_actions(fresh(risk), officer_a)
    api.force_authenticate(officer_a)
    [shown] = api.get(f"/api/v1/risks/{risk.pk}/").json()["clocks"]
    assert shown["state"] == "running" and shown["due_at"] == shown["yellow_at"]
    assert shown["paused_seconds"] == clock.paused_seconds and not shown["late"]


def test_a_clock_late_before_its_pause_is_still_late_after_it(ready, officer_a, moment):
    matter = ready("high")
    moment(at(date(2026, 6, 1)))
    risk = services.start_risk(matter, actor=officer_a)
    clocks.sweep_clocks(at(date(2026, 6, 9)))
    assert clocks.colour(running(risk, ClockStage.HANDLE), at(date(2026, 6, 9))) == ClockFlag.YELLOW
    clocks.pause_clocks(risk, at=at(date(2026, 6, 9)))
    days = clocks.resume_clocks(fresh(risk), at=at(date(2026, 6, 19)), actor=officer_a)
    assert days == 8
    clock = running(risk, ClockStage.HANDLE)
    # a working day late when paused, a working day late when resumed: still yellow
    assert clocks.colour(clock, at(date(2026, 6, 19))) == ClockFlag.YELLOW
    assert clock.yellow_at == end_of(date(2026, 6, 18))


def test_resume_is_refused_when_nothing_is_paused(ready, officer_a):
    risk = services.start_risk(ready("high"), actor=officer_a)
    with pytest.raises(RuleBroken) as refused:
        services.transition_risk(risk, Action.RESUME, actor=officer_a)
    assert refused.value.field == "clock"


def test_an_extension_moves_the_handling_clock(ready, officer_a, moment):
    matter = ready("high")
    moment(at(date(2026, 6, 1)))
    risk = services.start_risk(matter, actor=officer_a)
    clocks.sweep_clocks(at(date(2026, 6, 9)))
    assert clocks.extend_clocks(risk, 5, at=at(date(2026, 6, 9)), actor=officer_a) == 1
    clock = running(risk, ClockStage.HANDLE)
    assert clock.yellow_at == end_of(date(2026, 6, 15))
    assert clocks.colour(clock, at(date(2026, 6, 9))) == ClockFlag.GREEN


# The API and the filters ------------------------------------------------------------------

def test_the_api_shows_the_clocks_and_the_rules(report, officer_a, social, api, moment):
    moment(at(date(2026, 6, 1)))
    risk = services.verify_risk(report(officer_a), actor=officer_a)
    services.transition_risk(risk, Action.DISPATCH, actor=officer_a, department=social)
    api.force_authenticate(officer_a)
    moment(at(date(2026, 6, 4)))
    detail = api.get(f"/api/v1/risks/{risk.pk}/").json()
    by_stage = {clock["stage"]: clock for clock in detail["clocks"]}
    assert set(by_stage) == {"accept", "handle"}
    accept = by_stage["accept"]
    assert set(accept) == {"stage", "started_at", "due_at", "yellow_at", "red_at",
                           "paused_seconds", "state", "late"}
    assert accept["state"] == "running" and accept["late"]
    assert not by_stage["handle"]["late"]
    [listed] = api.get("/api/v1/risks/").json()["results"]
    assert listed["clocks"] == detail["clocks"]
    rules = api.get("/api/v1/clock-rules/").json()
    assert {"level": "high", "category": None, "stage": "handle", "yellow_days": 5,
            "red_days": 10} in [{key: rule[key] for key in
                                 ("level", "category", "stage", "yellow_days", "red_days")}
                                for rule in rules]


def test_the_list_reads_the_clocks_of_a_page_in_one_query(
        report, officer_a, social, api, django_assert_num_queries):
    for _ in range(2):
        risk = services.verify_risk(report(officer_a), actor=officer_a)
        services.transition_risk(risk, Action.DISPATCH, actor=officer_a, department=social)
    api.force_authenticate(officer_a)
    with django_assert_num_queries(3) as two:  # count, page, the page's clocks
        api.get("/api/v1/risks/")
    for _ in range(8):
        risk = services.verify_risk(report(officer_a), actor=officer_a)
        services.transition_risk(risk, Action.DISPATCH, actor=officer_a, department=social)
    with django_assert_num_queries(len(two.captured_queries)):
        body = api.get("/api/v1/risks/").json()
    assert all(len(row["clocks"]) == 2 for row in body["results"])


def test_filters_by_clock_colour_and_running_stage(report, ready, officer_a,
                                                   social, api, moment):
    matter = ready("high")
    moment(at(date(2026, 6, 1)))
    waiting = services.verify_risk(report(officer_a), actor=officer_a)
    waiting = services.transition_risk(waiting, Action.DISPATCH, actor=officer_a,
                                       department=social)
    handled = services.start_risk(matter, actor=officer_a)
    report(officer_a)  # no clock at all
    moment(at(date(2026, 6, 4), 9))  # sign-in red, handling not yet yellow
    clocks.sweep_clocks()
    api.force_authenticate(officer_a)

    def listed(**params):
        return {row["id"] for row in api.get("/api/v1/risks/", params).json()["results"]}

    assert listed(clock="red") == {waiting.pk}
    assert listed(clock="yellow") == set()
    moment(at(date(2026, 6, 9), 9))  # handling's 5 working days passed
    clocks.sweep_clocks()
    assert listed(clock="yellow") == {handled.pk}  # the red one is not listed as yellow
    assert listed(clock="red") == {waiting.pk}
    assert listed(stage="accept") == {waiting.pk}
    assert listed(stage="handle") == {waiting.pk, handled.pk}
    assert listed(stage="verify") == set()
    assert api.get("/api/v1/risks/", {"clock": "green"}).status_code == 400


def test_status_of_a_closed_matter_keeps_its_clocks_done(ready, officer_a,
                                                        colleague_a, api):
    risk = services.start_risk(ready("medium"), actor=officer_a)
    risk = services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    risk = services.close_risk(risk, actor=colleague_a, note="已化解")
    assert risk.status == RiskStatus.CLOSED
    api.force_authenticate(officer_a)
    shown = api.get(f"/api/v1/risks/{risk.pk}/").json()["clocks"]
    assert [(clock["stage"], clock["state"]) for clock in shown] == [
        ("handle", "done"), ("verify", "done")]


# The pages --------------------------------------------------------------------------------

@pytest.fixture
def lit(report, ready, officer_a, social, moment):
    """Matters of community A on 4 June 2026: one waiting for sign-in since 1 June (red),
    one being handled (high) since 1 June, yellow after the 9 June sweep."""
    matter = ready("high")
    moment(at(date(2026, 6, 1)))
    waiting = services.verify_risk(report(officer_a), actor=officer_a)
    waiting = services.transition_risk(waiting, Action.DISPATCH, actor=officer_a,
                                       department=social)
    handled = services.start_risk(matter, actor=officer_a)
    clocks.sweep_clocks(at(date(2026, 6, 9), 9))
    moment(at(date(2026, 6, 9), 9))
    return waiting, handled


def test_the_register_shows_the_lights_at_no_query_per_row(
        client, report, officer_a, social, lit, moment, django_assert_num_queries):
    waiting, handled = lit
    client.force_login(officer_a)
    client.get("/risks/")  # the session's first write
    html = client.get("/risks/").content.decode()
    assert 'data-clock="red" data-stage="accept"' in html
    assert 'data-clock="yellow" data-stage="handle"' in html
    with CaptureQueriesContext(connection) as before:
        client.get("/risks/")
    moment(at(date(2026, 6, 1)))
    for _ in range(3):
        matter = services.verify_risk(report(officer_a), actor=officer_a)
        services.transition_risk(matter, Action.DISPATCH, actor=officer_a, department=social)
    moment(at(date(2026, 6, 9), 10))
    clocks.sweep_clocks(at(date(2026, 6, 9), 10))
    with django_assert_num_queries(len(before.captured_queries)):
        html = client.get("/risks/").content.decode()
    assert html.count('data-clock="red"') == 4
    red = client.get("/risks/", {"clock": "red"}).content.decode()
    assert waiting.code in red and handled.code not in red
    assert handled.code in client.get("/risks/", {"stage": "handle", "clock": "yellow"}
                                      ).content.decode()


def test_the_matter_page_lists_its_time_limits(client, officer_a, lit, moment):
    waiting, _handled = lit
    moment(at(date(2026, 6, 9), 9))
    client.force_login(officer_a)
    html = client.get(f"/risks/{waiting.pk}/").content.decode()
    assert 'data-testid="clock-accept" data-state="running"' in html
    assert 'data-testid="clock-handle" data-state="running"' in html
    assert 'data-late="true"' in html


def test_the_street_dashboard_counts_the_lights_and_links_to_them(client, leader, street,
                                                                  lit):
    from supervision import dashboards
    from supervision.scoping import communities_in

    board = dashboards.build(leader, kind="street", area=street.street, street=street.street,
                             communities=communities_in(leader, street.street))
    lights = {flag: (count, link) for flag, _label, count, link in board.clock_lights}
    assert lights["red"][0] == 1 and lights["yellow"][0] == 1
    assert "clock=red" in lights["red"][1] and f"within={street.street.pk}" in lights["red"][1]
    client.force_login(leader)
    html = client.get(f"/supervision/street/{street.street.pk}/").content.decode()
    assert 'data-figure="clock_red"' in html
