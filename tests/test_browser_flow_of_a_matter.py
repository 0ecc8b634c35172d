"""The flow of a matter in a real browser (issue 16's acceptance): a grid worker reports a
wage dispute; the community officer verifies it and dispatches it to the social affairs
section (属事); the section returns it with a reason; the street's centre dispatches it
again; the section signs for it and resolves it; its own write-off is refused; the
officer writes it off. A high-level matter's write-off waits for the leader's approval,
and a paused clock crosses a holiday without firing and resumes with its deadline moved
by the working days it was paused.

Selectors are data-testid attributes and values, not labels.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.models import Message
from quanfu.clock import local_date
from rhythm.models import CalendarDay
from risks import clocks, services
from risks.choices import ApprovalState, ClockFlag, ClockStage, RiskStatus
from risks.models import Approval, Risk, StageClock, Subtype
from tests.conftest import PASSWORD, log_in, pick_person, seed_taxonomy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "装修公司拖欠十二名工人工资"
DESCRIPTION = "工人反映装修公司拖欠三个月工资，多次讨要未果，需协调企业支付。"


@pytest.fixture(autouse=True)
def seeded_categories(transactional_db):
    seed_taxonomy()


def as_user(page, username):
    page.context.clear_cookies()
    log_in(page, username, PASSWORD)
    page.wait_for_url("**/")


def press(page, action):
    page.click(f"[data-testid=action-{action}]")


def with_note(page, action, note):
    page.click(f"[data-testid=action-{action}]")
    page.wait_for_selector(f"#action-dialog-{action}.show")
    page.fill(f"#id_{action}_note", note)
    page.click(f"[data-testid=confirm-{action}]")


def dispatch_to(page, department):
    page.click("[data-testid=action-dispatch]")
    page.wait_for_selector("#action-dialog-dispatch.show")
    page.select_option("[data-testid=dispatch-department]", str(department.pk))
    page.click("[data-testid=confirm-dispatch]")
    page.wait_for_selector("[data-testid=dispatch-state]")


def status_of(risk) -> str:
    return Risk.objects.get(pk=risk.pk).status


def test_a_matter_flows_between_the_community_the_centre_and_a_section(
        page, street, grid_worker_a1, officer_a, section_staff, social_staff, leader):
    social = social_staff.department
    wages = Subtype.objects.get(code="labour_wages")

    # the grid worker reports it
    as_user(page, "grid_a1")
    page.goto("/risks/new/")
    page.select_option("#id_category", str(wages.category_id))
    page.select_option("#id_subtype", str(wages.pk))
    page.fill("#id_title", TITLE)
    page.fill("#id_description", DESCRIPTION)
    page.click("[data-testid=report-submit]")
    page.wait_for_url(re.compile(r"/risks/\d+/$"))
    matter_url = page.url
    risk = Risk.objects.get(title=TITLE)

    # the officer verifies, grades and names the four duties, then dispatches it to the
    # section its subtype proposes
    as_user(page, "officer_a")
    page.goto(matter_url)
    press(page, "verify")
    page.wait_for_selector("[data-testid=badges] [data-status=verified]")
    page.click("[data-testid=edit-link]")
    page.select_option("#id_level", "medium")
    for field, person in {"dispatch_person": officer_a, "investigate_person": grid_worker_a1,
                          "resolve_person": officer_a,
                          "stabilize_person": grid_worker_a1}.items():
        pick_person(page, field, person)
    page.click("[data-testid=edit-submit]")
    page.wait_for_selector("[data-testid=badges] [data-level=medium]")
    page.click("[data-testid=action-dispatch]")
    page.wait_for_selector("#action-dialog-dispatch.show")
    # the subject line proposes the social affairs section
    assert page.input_value("[data-testid=dispatch-department]") == str(social.pk)
    page.click("[data-testid=confirm-dispatch]")
    page.wait_for_selector("[data-testid=dispatch-state]")
    assert social.name in page.text_content("[data-testid=dispatch-state]")
    # the sign-in clock started at dispatch
    page.wait_for_selector("[data-testid=clock-accept][data-state=running]")

    # the section returns it with a reason
    as_user(page, "staff_social")
    page.goto(matter_url)
    with_note(page, "return", "经核实该企业注册地不在本街道，请中心重新研判。")
    # no longer theirs: back to their register, not to a page they may not open
    page.wait_for_url(re.compile(r"/risks/$"))
    assert Risk.objects.get(pk=risk.pk).returns == 1

    # the street's centre dispatches it again
    as_user(page, "staff_pingan")
    page.goto(matter_url)
    assert "1" in page.text_content("[data-testid=dispatch-state]")  # returned once
    dispatch_to(page, social)

    # the section signs for it, works on it and resolves it
    as_user(page, "staff_social")
    page.goto(matter_url)
    press(page, "accept")
    page.wait_for_selector("[data-testid=clock-accept][data-state=done]")
    press(page, "start")
    page.wait_for_selector("[data-testid=badges] [data-status=resolving]")
    with_note(page, "resolve", "已协调企业支付拖欠工资，当事人签字确认。")
    page.wait_for_selector("[data-testid=badges] [data-status=resolved]")
    # its own write-off is not offered, and refused when sent anyway
    assert page.locator("[data-testid=action-close]").count() == 0
    version = Risk.objects.get(pk=risk.pk).version
    response = page.request.post(f"{matter_url}transition/", form={
        "csrfmiddlewaretoken": page.input_value("input[name=csrfmiddlewaretoken] >> nth=0"),
        "action": "close", "note": "已支付工资", "version": str(version)})
    assert response.status == 403 and "由他人核验销号" in response.text()
    assert status_of(risk) == RiskStatus.RESOLVED

    # the officer verifies and writes it off
    as_user(page, "officer_a")
    page.goto(matter_url)
    page.wait_for_selector("[data-testid=clock-verify][data-state=running]")
    with_note(page, "close", "回访工人，工资已足额支付，予以销号。")
    page.wait_for_selector("[data-testid=badges] [data-status=closed]")
    steps = page.eval_on_selector_all(
        "[data-testid=timeline] > li", "items => items.map(item => item.dataset.action)")
    assert [step for step in steps if step] == [
        "verify", "dispatch", "return", "dispatch", "accept", "start", "resolve", "close"]


@pytest.fixture
def high_resolved(ready_to_start, officer_a, colleague_a):
    """A high-level matter of community A, resolved by a colleague of officer A."""
    risk = ready_to_start(level="high", title="小区围墙倒塌隐患引发业主纠纷")
    services.save_emergency_plan(risk, actor=officer_a, start_criteria="围墙出现裂缝扩大",
                                 stop_criteria="围墙加固完成", command="街道分管领导指挥",
                                 duties="社区疏导，物业加固", measures="设置警戒线",
                                 supplies="警戒带")
    risk = services.start_risk(risk, actor=officer_a)
    return services.resolve_risk(risk, actor=colleague_a, note="已上门调解，双方达成协议。")


def test_a_high_level_write_off_waits_for_the_leaders_approval(page, high_resolved,
                                                               officer_a, leader):
    matter_url = f"/risks/{high_resolved.pk}/"
    as_user(page, "officer_a")
    page.goto(matter_url)
    # without the approval the write-off is shown disabled, naming the approval
    assert page.locator("[data-testid=action-close]").count() == 0
    assert page.locator("button[data-testid=blocked-close][disabled]").count() == 1
    assert "审批" in page.text_content("[data-testid=blocked-close-reason]")
    assert status_of(high_resolved) == RiskStatus.RESOLVED
    page.click("[data-testid=request-write_off]")
    page.wait_for_selector("#approval-dialog-write_off.show")
    page.fill("#approval-dialog-write_off textarea", "围墙已加固并经业主确认，申请销号。")
    page.click("[data-testid=send-write_off]")
    page.wait_for_selector("[data-testid=approval-write_off][data-state=pending]")

    # the leader sees it counted in the navigation and approves it on the approvals page
    as_user(page, "leader")
    page.goto("/risks/approvals/")
    approval = Approval.objects.get(risk=high_resolved)
    assert page.text_content("[data-testid=count-write_off]").strip() == "1"
    page.click(f"[data-testid=approve-{approval.pk}]")
    page.wait_for_selector("[data-testid=decided-row]")
    assert Approval.objects.get(pk=approval.pk).state == ApprovalState.APPROVED

    # now the officer writes it off
    as_user(page, "officer_a")
    page.goto(matter_url)
    with_note(page, "close", "围墙已加固，回访业主无异议，予以销号。")
    page.wait_for_selector("[data-testid=badges] [data-status=closed]")
    assert Approval.objects.get(pk=approval.pk).used_at is not None


def working_days_after(day, count, holidays):
    current, found = day, 0
    while found < count:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            found += 1
    return current


def test_a_paused_clock_crosses_a_holiday_without_firing_and_resumes_shifted(
        page, ready_to_start, officer_a, leader):
    risk = services.start_risk(ready_to_start(level="medium", title="商铺租金纠纷"),
                               actor=officer_a)
    matter_url = f"/risks/{risk.pk}/"
    as_user(page, "officer_a")
    page.goto(matter_url)
    page.click("[data-testid=request-pause]")
    page.wait_for_selector("#approval-dialog-pause.show")
    page.fill("#approval-dialog-pause textarea", "双方已诉至法院，等待判决，申请中止计时。")
    page.click("[data-testid=send-pause]")
    page.wait_for_selector("[data-testid=approval-pause][data-state=pending]")
    as_user(page, "leader")
    page.goto("/risks/approvals/")
    approval = Approval.objects.get(risk=risk)
    page.click(f"[data-testid=approve-{approval.pk}]")
    page.wait_for_selector("[data-testid=decided-row]")

    # Twelve days pass while the clock is paused, a five-day holiday among them; the
    # clock's limits fall inside the pause: the sweep must leave it alone.
    now = timezone.now()
    paused_at = now - timedelta(days=12)
    holidays = {local_date(paused_at) + timedelta(days=offset) for offset in range(3, 8)}
    CalendarDay.objects.bulk_create([CalendarDay(day=day, is_workday=False, name="假期")
                                     for day in sorted(holidays)])
    clock = StageClock.objects.get(risk=risk, stage=ClockStage.HANDLE)
    StageClock.objects.filter(pk=clock.pk).update(
        started_at=paused_at - timedelta(days=1), paused_at=paused_at,
        yellow_at=paused_at + timedelta(days=2), red_at=paused_at + timedelta(days=4))
    clock.refresh_from_db()
    notices_before = Message.objects.count()
    clocks.sweep_clocks(now)
    clock.refresh_from_db()
    assert clocks.colour(clock, now) == ClockFlag.GREEN
    assert Message.objects.count() == notices_before
    as_user(page, "officer_a")
    page.goto(matter_url)
    page.wait_for_selector("[data-testid=clock-handle][data-state=paused]")

    # the officer resumes it: its limits move later by the working days it was paused
    press(page, "resume")
    page.wait_for_selector("[data-testid=clock-handle][data-state=running]")
    paused_days = sum(1 for offset in range(1, (local_date(now) - local_date(paused_at)).days + 1)
                      if (day := local_date(paused_at) + timedelta(days=offset)).weekday() < 5
                      and day not in holidays)
    resumed = StageClock.objects.get(pk=clock.pk)
    assert local_date(resumed.yellow_at) == working_days_after(local_date(clock.yellow_at),
                                                               paused_days, holidays)
    assert local_date(resumed.red_at) == working_days_after(local_date(clock.red_at),
                                                            paused_days, holidays)
    assert resumed.paused_at is None and resumed.paused_seconds >= 12 * 86400 - 60
