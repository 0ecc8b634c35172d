"""Whistle and report-in (网格吹哨、部门报到): a grid or community calls departments to a
matter by a deadline; each reports in; a department not reported by the deadline is
overdue; the call closes when all have reported."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.models import Message
from meetings import services
from meetings.choices import WhistleStatus
from meetings.models import DepartmentReport, WhistleCall
from meetings.overdue import overdue_reports
from meetings.scoping import visible_whistle_calls
from quanfu.errors import Forbidden, RuleBroken
from risks.choices import EventKind
from risks.models import RiskEvent
from tests.meetings_helpers import second_department


@pytest.fixture
def matter(report, grid_worker_a1):
    return report(grid_worker_a1)


@pytest.fixture
def urban(street):
    return second_department(street)


def blow(risk, actor, departments, *, called_hours_ago=0, respond_in_hours=24):
    now = timezone.now()
    return services.blow_whistle(
        risk, actor=actor, departments=departments, request="请到场联合处置。",
        called_at=now - timedelta(hours=called_hours_ago),
        respond_by=now + timedelta(hours=respond_in_hours - called_hours_ago))


def test_grid_worker_calls_departments_and_they_are_told(grid_worker_a1, matter, street,
                                                         section_staff, urban):
    department, urban_staff = urban
    call = blow(matter, grid_worker_a1, [street.department, department])
    assert call.status == WhistleStatus.OPEN
    assert set(call.reports.values_list("department__code", "reported_at")) == {
        ("S1-pingan", None), ("S1-urban", None)}
    assert set(Message.objects.values_list("recipient__username", flat=True)) == {
        "staff_pingan", "staff_urban"}
    note = RiskEvent.objects.filter(risk=matter, kind=EventKind.NOTE).last()
    assert note.actor == grid_worker_a1 and "平安法治和信访办公室" in note.note


@pytest.mark.parametrize("persona", ["section_staff", "supervisor_a", "api_client_user"])
def test_only_grids_communities_and_leaders_blow_the_whistle(request, matter, street, persona):
    with pytest.raises(Forbidden):
        blow(matter, request.getfixturevalue(persona), [street.department])
    assert not WhistleCall.objects.exists()


def test_whistle_on_a_matter_outside_the_scope_is_refused(officer_b, matter, street):
    with pytest.raises(Forbidden):
        blow(matter, officer_b, [street.department])


@pytest.mark.parametrize("change,field", [
    ({"departments": []}, "departments"),
    ({"request": " "}, "request"),
    ({"respond_by": "past"}, "respond_by"),
])
def test_a_call_names_departments_says_why_and_gives_a_later_deadline(officer_a, matter, street,
                                                                      change, field):
    arguments = {"departments": [street.department], "request": "请到场。",
                 "respond_by": timezone.now() + timedelta(hours=2)}
    arguments.update(change)
    if arguments["respond_by"] == "past":
        arguments["respond_by"] = timezone.now() - timedelta(minutes=1)
    with pytest.raises(RuleBroken) as refused:
        services.blow_whistle(matter, actor=officer_a, **arguments)
    assert refused.value.field == field
    assert not WhistleCall.objects.exists()


def test_departments_of_another_street_cannot_be_called(officer_a, matter, street):
    from grids.services import create_department

    foreign = create_department(street=street.other_street, code="S2-x", name="华山某办")
    with pytest.raises(RuleBroken) as refused:
        blow(matter, officer_a, [foreign])
    assert refused.value.field == "departments"


def test_call_closes_when_every_department_has_reported_in(grid_worker_a1, matter, street,
                                                            section_staff, urban):
    department, urban_staff = urban
    call = blow(matter, grid_worker_a1, [street.department, department])
    first = call.reports.get(department=street.department)
    services.report_in(first, actor=section_staff, plan="今日派员到场", responder="王科长")
    assert WhistleCall.objects.get(pk=call.pk).status == WhistleStatus.OPEN
    services.report_in(call.reports.get(department=department), actor=urban_staff,
                       plan="明日上午联合检查")
    closed = WhistleCall.objects.get(pk=call.pk)
    assert closed.status == WhistleStatus.CLOSED and closed.closed_at is not None
    reported = DepartmentReport.objects.get(pk=first.pk)
    assert (reported.responder, reported.reported_by) == ("王科长", section_staff)
    assert Message.objects.filter(recipient=grid_worker_a1).exists()  # the caller is told


def test_a_department_reports_only_for_itself(grid_worker_a1, matter, street, section_staff,
                                              urban, officer_a):
    department, urban_staff = urban
    call = blow(matter, grid_worker_a1, [street.department])
    report = call.reports.get()
    for someone_else in (urban_staff, officer_a):
        with pytest.raises(Forbidden):
            services.report_in(report, actor=someone_else, plan="代为报到")
    assert DepartmentReport.objects.get(pk=report.pk).reported_at is None


def test_a_leader_may_record_a_report_in_for_a_department(grid_worker_a1, matter, street,
                                                          leader):
    call = blow(matter, grid_worker_a1, [street.department])
    services.report_in(call.reports.get(), actor=leader, plan="电话报到", responder="平安办李某")
    assert WhistleCall.objects.get(pk=call.pk).status == WhistleStatus.CLOSED


def test_a_department_reports_in_once(grid_worker_a1, matter, street, section_staff):
    call = blow(matter, grid_worker_a1, [street.department])
    services.report_in(call.reports.get(), actor=section_staff, plan="到场")
    with pytest.raises(RuleBroken):
        services.report_in(call.reports.get(), actor=section_staff, plan="再次到场")


def test_report_in_needs_a_plan(grid_worker_a1, matter, street, section_staff):
    call = blow(matter, grid_worker_a1, [street.department])
    with pytest.raises(RuleBroken) as refused:
        services.report_in(call.reports.get(), actor=section_staff, plan="")
    assert refused.value.field == "plan"


def test_department_not_reported_by_the_deadline_is_overdue(grid_worker_a1, matter, street,
                                                             section_staff, leader, urban):
    department, urban_staff = urban
    call = blow(matter, grid_worker_a1, [street.department, department], called_hours_ago=30)
    assert {report.department for report in overdue_reports(leader)} == {
        street.department, department}
    services.report_in(call.reports.get(department=department), actor=urban_staff, plan="迟到")
    late = DepartmentReport.objects.get(call=call, department=department)
    assert late.was_late and not late.is_overdue()
    assert [report.department for report in overdue_reports(leader)] == [street.department]
    assert [report.department for report in overdue_reports(section_staff)] == [
        street.department]


def test_overdue_reminders_are_sent_once(grid_worker_a1, matter, street, section_staff):
    blow(matter, grid_worker_a1, [street.department], called_hours_ago=30)
    Message.objects.all().delete()  # forget the call's own notices
    assert services.send_overdue_reminders() == 2  # the department's staff and the caller
    assert services.send_overdue_reminders() == 0


def test_section_staff_see_calls_to_their_department(grid_worker_a1, matter, street,
                                                     section_staff, urban):
    department, urban_staff = urban
    call = blow(matter, grid_worker_a1, [street.department])
    assert list(visible_whistle_calls(section_staff)) == [call]  # not their matter, their call
    assert list(visible_whistle_calls(urban_staff)) == []


def test_reminder_task_runs_the_reminders(grid_worker_a1, matter, street, section_staff):
    from meetings.tasks import send_overdue_reminders_task

    blow(matter, grid_worker_a1, [street.department], called_hours_ago=30)
    Message.objects.all().delete()
    assert send_overdue_reminders_task() == 2
    assert send_overdue_reminders_task() == 0
