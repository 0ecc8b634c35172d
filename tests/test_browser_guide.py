"""The guide's screenshots (操作指南, issue 18), taken by doing each section's task as its
role in a real browser at 1366 px: a grid worker reports a matter and files a zero report;
the community officer verifies, dispatches, checks the day's list, holds the community's
joint meeting, writes off and exports a ledger; the section signs for a matter; the street
leader approves a write-off and approves a street meeting's minutes; the supervisor records
an inspection.

Each screenshot is saved into var/screenshots/guide/<name>.png; with QUANFU_GUIDE_STATIC=1
(`make guide-screenshots`) also into static/guide/, which the guide's pages show. The names
are the guide's own (guide.sections): tests/test_guide.py checks that this file takes
exactly those.

Selectors are data-testid attributes and values, not labels.
"""

import os
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from guide.sections import SCREENSHOT_FOLDER, every_screenshot
from meetings.models import Meeting, MeetingItem
from rhythm.models import DailyCheckItem, ZeroReport
from rhythm.services import run_daily_checks
from risks import approvals, services
from risks.choices import ApprovalState, RiskStatus, Tier
from risks.models import Approval, Risk, Subtype
from supervision.models import Inspection, SupervisionGroup
from tests.conftest import PASSWORD, log_in, seed_taxonomy
from tests.meetings_helpers import resolving

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1366, 768
SAVED = Path(settings.BASE_DIR) / "var" / "screenshots" / SCREENSHOT_FOLDER
STATIC = Path(settings.BASE_DIR) / "static" / SCREENSHOT_FOLDER
# Small files: a screenshot of one page's view, not of a long page.
LARGEST_SCREENSHOT = 400_000
# The people of the screenshots, by invented names (tests/conftest.py names them by login).
NAMES = {"grid_a1": "刘晨", "officer_a": "周静", "colleague_a": "吴敏", "staff_social": "孙磊",
         "leader": "陈立新", "supervisor_a": "何建国"}


@pytest.fixture(autouse=True)
def seeded_categories(transactional_db):
    seed_taxonomy()


@pytest.fixture
def desk(browser, live_server):
    """desk(username) -> a logged-in page at 1366 × 768, in its own browser context."""
    contexts = []

    def _open(username):
        for login, name in NAMES.items():
            User.objects.filter(username=login).update(name=name)
        context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                      viewport={"width": WIDTH, "height": HEIGHT})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, username, PASSWORD)
        page.wait_for_url("**/")
        return page

    yield _open
    for context in contexts:
        context.close()


def shoot(page, name, *, part=None):
    """Save the screenshot ``name`` of the guide: the window, or only ``part`` (a selector)
    where the rest of the page would say nothing."""
    assert name in every_screenshot(), f"{name} is not a screenshot of the guide"
    page.evaluate("document.activeElement && document.activeElement.blur()")
    SAVED.mkdir(parents=True, exist_ok=True)
    path = SAVED / f"{name}.png"
    if part:
        page.locator(part).first.screenshot(path=str(path), animations="disabled")
    else:  # the window, down to where the page's content ends (or a dialog's backdrop)
        bottom = page.evaluate(CONTENT_BOTTOM)
        page.screenshot(path=str(path), animations="disabled",
                        clip={"x": 0, "y": 0, "width": WIDTH, "height": min(HEIGHT, bottom)})
    assert 5_000 < path.stat().st_size < LARGEST_SCREENSHOT, path
    if os.environ.get("QUANFU_GUIDE_STATIC") == "1":
        STATIC.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, STATIC / f"{name}.png")


CONTENT_BOTTOM = """() => document.querySelector('.modal.show') ? innerHeight : Math.ceil(Math.max(
    ...[...document.querySelectorAll('main > *, [data-testid=navigation] > *')]
        .map(element => element.getBoundingClientRect().bottom)) + 24)"""


def open_dialog(page, action):
    page.click(f"[data-testid=action-{action}]")
    page.wait_for_selector(f"#action-dialog-{action}.show")
    page.wait_for_timeout(300)  # the dialog's fade


def confirm_with_note(page, action, note):
    open_dialog(page, action)
    page.fill(f"#id_{action}_note", note)
    page.click(f"[data-testid=confirm-{action}]")


def test_a_matter_from_report_to_write_off(desk, street, grid_worker_a1, officer_a,
                                           roster_a1, social_staff):
    wages = Subtype.objects.get(code="labour_wages")

    # 网格员 · 排查上报
    worker = desk("grid_a1")
    worker.goto("/risks/new/")
    worker.select_option("#id_category", str(wages.category_id))
    worker.select_option("#id_subtype", str(wages.pk))
    worker.fill("#id_title", "装修公司拖欠十二名工人工资")
    worker.fill("#id_description", "工人反映装修公司拖欠三个月工资，多次讨要未果，需协调企业支付。")
    shoot(worker, "grid_report")
    worker.click("[data-testid=report-submit]")
    worker.wait_for_url(re.compile(r"/risks/\d+/$"))
    risk = Risk.objects.get(title="装修公司拖欠十二名工人工资")
    matter = f"/risks/{risk.pk}/"

    # 社区工作人员 · 核实定级
    officer = desk("officer_a")
    officer.goto(matter)
    shoot(officer, "officer_verify")
    officer.click("[data-testid=action-verify]")
    officer.wait_for_selector("[data-testid=badges] [data-status=verified]")
    officer.click("[data-testid=edit-link]")
    officer.select_option("#id_level", "medium")
    officer.click("[data-testid=edit-submit]")
    officer.wait_for_selector("[data-testid=badges] [data-level=medium]")

    # 社区工作人员 · 分流至科室
    open_dialog(officer, "dispatch")
    assert officer.input_value("[data-testid=dispatch-department]") == str(
        social_staff.department_id)
    shoot(officer, "officer_dispatch")
    officer.click("[data-testid=confirm-dispatch]")
    officer.wait_for_selector("[data-testid=dispatch-state]")

    # 科室工作人员 · 签收
    section = desk("staff_social")
    section.goto(matter)
    section.wait_for_selector("[data-testid=action-accept]")
    shoot(section, "section_accept")
    section.click("[data-testid=action-accept]")
    section.wait_for_selector("[data-testid=clock-accept][data-state=done]")
    section.click("[data-testid=action-start]")
    section.wait_for_selector("[data-testid=badges] [data-status=resolving]")
    confirm_with_note(section, "resolve", "已协调企业支付拖欠工资，当事人签字确认。")
    section.wait_for_selector("[data-testid=badges] [data-status=resolved]")

    # 社区工作人员 · 核验销号
    officer.goto(matter)
    open_dialog(officer, "close")
    officer.fill("#id_close_note", "回访工人，工资已足额支付，予以销号。")
    shoot(officer, "officer_write_off")
    officer.click("[data-testid=confirm-close]")
    officer.wait_for_selector("[data-testid=badges] [data-status=closed]")
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.CLOSED


def test_the_zero_report_and_the_daily_check(desk, street, report, grid_worker_a1, officer_a,
                                             roster_a1):
    # 网格员 · 零报告
    worker = desk("grid_a1")
    worker.goto("/rhythm/today/")
    worker.wait_for_selector("[data-testid=file-zero-report]")
    shoot(worker, "grid_zero_report")
    worker.click("[data-testid=file-zero-report]")
    worker.wait_for_selector("[data-testid=zero-report-filed]")
    assert ZeroReport.objects.filter(grid=street.grid_a1).count() == 1

    # 社区工作人员 · 日核
    for title in ("楼道堆放杂物堵塞消防通道", "小区门口流动摊贩占道经营", "楼上漏水引发邻里纠纷"):
        report(officer_a, title=title)
    run_daily_checks(timezone.localdate())
    officer = desk("officer_a")
    officer.goto("/rhythm/daily/")  # an officer sees one community: its checklist opens
    officer.wait_for_selector("[data-testid=checklist]")
    officer.locator("[data-testid=confirm-unchanged]").first.click()
    officer.wait_for_selector("[data-testid=check-progress][data-confirmed='1']")
    shoot(officer, "officer_daily_check")
    officer.once("dialog", lambda dialog: dialog.accept())  # it asks before confirming all
    officer.click("[data-testid=confirm-rest-unchanged]")
    officer.wait_for_selector("[data-testid=confirm-rest-unchanged]", state="detached")
    assert not DailyCheckItem.objects.filter(confirmed_at__isnull=True).exists()


def choose_person(page, field, person):
    """Choose ``person`` in the people picker ``field`` (searched by name), or in its plain
    select where the picker has not started."""
    if "tomselected" not in (page.get_attribute(f"#id_{field}", "class") or ""):
        page.select_option(f"#id_{field}", str(person.pk))
        return
    page.click(f"#id_{field}-ts-control")
    page.keyboard.type(person.name)
    page.click(f"#id_{field}-ts-dropdown [data-value='{person.pk}']")


def convene(page, *, tier, area, title, chair):
    page.goto("/meetings/new/")
    page.select_option("#id_tier", tier)
    page.select_option("#id_area", str(area.pk))
    page.fill("#id_title", title)
    choose_person(page, "chair", chair)
    page.fill("#id_minutes", "研究本级矛盾纠纷和风险隐患，逐项议定。")
    page.click("[data-testid=save-meeting]")
    page.wait_for_selector("[data-testid=agenda]")
    return Meeting.objects.get(title=title)


def decide(page, item, decision, note):
    box = page.locator(f"[data-testid=decision-{item.pk}]")
    box.locator("select").select_option(decision)
    box.locator("textarea").fill(note)
    page.click(f"[data-testid=save-decision-{item.pk}]")
    page.wait_for_selector(f"[data-testid=decision-{item.pk}] [data-decision={decision}]")


def test_the_community_and_the_street_joint_meetings(desk, street, ready_to_start, officer_a,
                                                      leader):
    matter = resolving(ready_to_start, officer_a, title="小区车位纠纷多次调解未果")

    # 社区工作人员 · 社区联席会议
    officer = desk("officer_a")
    community = convene(officer, tier="community", area=street.community_a,
                        title="花园社区联席会议", chair=officer_a)
    officer.wait_for_selector(f"[data-proposed-risk='{matter.code}']")
    officer.click("[data-testid=adopt-proposal]")
    item = MeetingItem.objects.get(meeting=community, risk=matter)
    decide(officer, item, "escalate", "社区调解未果，提请街道联席会议。")
    shoot(officer, "officer_meeting")
    officer.click("[data-testid=approve]")
    officer.click("[data-testid=confirm-approve]")
    officer.wait_for_selector("[data-testid=meeting-header] [data-status=approved]")
    assert Risk.objects.get(pk=matter.pk).tier == Tier.STREET

    # 街道领导 · 街道联席会议
    chair = desk("leader")
    joint = convene(chair, tier="street", area=street.street, title="全福街道联席会议",
                    chair=leader)
    chair.wait_for_selector(f"[data-proposed-risk='{matter.code}']")
    chair.click("[data-testid=adopt-proposal]")
    item = MeetingItem.objects.get(meeting=joint, risk=matter)
    decide(chair, item, "settle", "经街道协调双方达成协议，予以销号。")
    chair.click("[data-testid=approve]")
    chair.wait_for_selector("#approve-dialog.show")
    chair.wait_for_timeout(300)
    shoot(chair, "leader_meeting")
    chair.click("[data-testid=confirm-approve]")
    chair.wait_for_selector("[data-testid=meeting-header] [data-status=approved]")
    assert Risk.objects.get(pk=matter.pk).status == RiskStatus.CLOSED


def test_the_leader_approves_a_write_off(desk, street, ready_to_start, officer_a, colleague_a,
                                         leader):
    risk = ready_to_start(level="high", title="小区围墙倒塌隐患引发业主纠纷")
    services.save_emergency_plan(risk, actor=officer_a, start_criteria="围墙出现裂缝扩大",
                                 stop_criteria="围墙加固完成", command="街道分管领导指挥",
                                 duties="社区疏导，物业加固", measures="设置警戒线",
                                 supplies="警戒带")
    risk = services.start_risk(risk, actor=officer_a)
    risk = services.resolve_risk(risk, actor=colleague_a, note="已上门调解，双方达成协议。")
    approval = approvals.request_approval(risk, kind="write_off", actor=officer_a,
                                          reason="围墙已加固并经业主确认，申请销号。")

    # 街道领导 · 销号审批
    chair = desk("leader")
    chair.goto("/risks/approvals/")
    chair.wait_for_selector(f"[data-testid=approve-{approval.pk}]")
    shoot(chair, "leader_approval")
    chair.click(f"[data-testid=approve-{approval.pk}]")
    chair.wait_for_selector("[data-testid=decided-row]")
    assert Approval.objects.get(pk=approval.pk).state == ApprovalState.APPROVED


def test_the_supervisor_records_an_inspection(desk, street, supervisor_a):
    group = SupervisionGroup.objects.get(leader=supervisor_a)

    # 督导组 · 督导检查
    supervisor = desk("supervisor_a")
    supervisor.goto("/supervision/inspections/")
    supervisor.click("[data-testid=inspection-create]")
    supervisor.wait_for_selector("[data-testid=inspection-form]")
    supervisor.select_option("#id_group", str(group.pk))
    supervisor.select_option("#id_community", str(street.community_a.pk))
    supervisor.fill("#id_held_on", (timezone.localdate() - timedelta(days=1)).isoformat())
    supervisor.select_option("#id_kind", "concentrated")
    supervisor.select_option("#id_manner", "unannounced")
    supervisor.fill("#id_checked", "暗访网格员入户走访情况，抽查风险隐患台账。")
    shoot(supervisor, "supervisor_inspection")
    supervisor.click("[data-testid=inspection-submit]")
    supervisor.wait_for_url(re.compile(r"/supervision/inspections/\d+/$"))
    assert Inspection.objects.filter(group=group, community=street.community_a).count() == 1


def test_the_officer_exports_a_ledger(desk, street, report, officer_a, grid_worker_a1):
    for title in ("楼道堆放杂物堵塞消防通道", "小区门口流动摊贩占道经营"):
        report(grid_worker_a1, title=title)

    # 社区工作人员 · 导出台账
    officer = desk("officer_a")
    officer.goto("/ledgers/")
    officer.click("[data-ledger=online]")
    officer.wait_for_selector("[data-testid=export-link]")
    shoot(officer, "ledger_export")
    with officer.expect_download() as download:
        officer.click("[data-testid=export-link]")
    assert download.value.suggested_filename.endswith(".xlsx")
