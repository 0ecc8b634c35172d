"""A matter's whole life in a real browser: a grid worker reports it from a phone, the
community officer verifies it, grades it high, names the four duties and the lead,
writes the emergency plan (一事一案), starts and resolves it; a colleague, with the
leader's approval, writes it off (销号) with the resolution note; the timeline shows every
step.

Selectors are data-testid attributes and values, not labels, so that the test holds in
either language of the interface.
"""

import re

import pytest

from risks.approvals import decide_approval, request_approval
from risks.choices import RiskStatus
from risks.models import Risk
from tests.conftest import log_in, pick_person, seed_taxonomy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_VIEWPORT = {"width": 390, "height": 844}
TITLE = "三号楼楼上漏水引发邻里纠纷"
DESCRIPTION = "住户反映楼上卫生间长期渗漏，双方多次争吵，有升级苗头。"
EMERGENCY_PLAN = {
    "start_criteria": "双方发生肢体冲突或扬言伤害对方",
    "stop_criteria": "双方情绪平稳、达成调解协议",
    "command": "街道分管领导任总指挥，社区书记现场指挥",
    "duties": "社区负责劝导，网格员负责稳控，派出所负责处置",
    "measures": "第一时间隔离双方，联系物业维修，组织人民调解",
    "supplies": "执法记录仪、对讲机",
}
RESOLUTION_NOTE = "物业完成维修，双方签订调解协议，予以销号"


@pytest.fixture(autouse=True)
def seeded_categories(transactional_db):
    """The categories as their data migration seeds them: a transactional test that ran
    earlier in this worker has flushed every table. (Seeding is idempotent.)"""
    seed_taxonomy()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def grid_worker_reports_from_a_phone(phone, similar) -> str:
    log_in(phone, "grid_a1")
    phone.wait_for_url("**/")
    phone.click("[data-bs-target='#qf-navigation']")
    phone.click("[data-testid=navigation] a[href='/risks/new/']")
    phone.wait_for_selector("[data-testid=report-form]")
    # One column that fits the screen (the layout is not widened past the phone's width,
    # header included), with buttons big enough for a thumb.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone.evaluate("window.innerWidth") == PHONE_VIEWPORT["width"]
    assert phone.locator("[data-testid=report-submit]").bounding_box()["height"] >= 44
    phone.select_option("#id_category", label="社会矛盾风险")
    phone.fill("#id_title", similar.title)
    phone.fill("#id_description", DESCRIPTION)
    # A similar open matter is suggested while typing; it does not block the report.
    phone.wait_for_selector(f"[data-duplicate='{similar.code}']")
    phone.fill("#id_title", TITLE)
    phone.fill("#id_party_name", "张三丰")
    phone.fill("#id_party_phone", "13812345678")
    phone.click("[data-testid=report-submit]")
    phone.wait_for_url(re.compile(r"/risks/\d+/$"))
    assert phone.locator("[data-testid=badges] [data-status=reported]").count() == 1
    assert "13812345678" not in phone.content()
    matter_url = phone.url
    phone.goto("/risks/")  # the register on a phone: the table scrolls, the page does not
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone.evaluate("window.innerWidth") == PHONE_VIEWPORT["width"]
    return matter_url


def press(page, action: str, expected_status: str) -> None:
    page.click(f"[data-testid=action-{action}]")
    page.wait_for_selector(f"[data-testid=badges] [data-status={expected_status}]")


def test_a_matter_goes_from_report_to_write_off(phone, page, street, grid_worker_a1,
                                                officer_a, colleague_a, leader, report):
    similar = report(officer_a, title="楼上漏水引发邻里纠纷")
    matter_url = grid_worker_reports_from_a_phone(phone, similar)
    risk = Risk.objects.get(title=TITLE)

    log_in(page, "officer_a")
    page.wait_for_url("**/")
    page.goto(matter_url)
    press(page, "verify", RiskStatus.VERIFIED)

    page.click("[data-testid=edit-link]")
    page.select_option("#id_level", "high")
    for field, person in {"dispatch_person": officer_a, "investigate_person": grid_worker_a1,
                          "resolve_person": officer_a, "stabilize_person": grid_worker_a1,
                          "lead": leader}.items():
        pick_person(page, field, person)
    page.click("[data-testid=edit-submit]")
    page.wait_for_selector("[data-testid=badges] [data-level=high]")
    assert page.text_content("[data-testid=lead]").strip() == leader.display_name

    page.click("[data-testid=emergency-plan-link]")
    for field, text in EMERGENCY_PLAN.items():
        page.fill(f"#id_{field}", text)
    page.click("[data-testid=emergency-plan-submit]")
    page.wait_for_selector("[data-testid=emergency-plan] dl")

    press(page, "start", RiskStatus.RESOLVING)
    page.click("[data-testid=action-resolve]")  # resolving says how, in a dialog
    page.wait_for_selector("#action-dialog-resolve.show")
    page.fill("#id_resolve_note", "经调解双方达成协议，已回访确认。")
    page.click("[data-testid=confirm-resolve]")
    page.wait_for_selector(f"[data-testid=badges] [data-status={RiskStatus.RESOLVED}]")
    # whoever resolved it does not write it off (解决一个销号一个): shown disabled, with
    # why; a colleague verifies it and, the matter being high-level, asks the leader's
    # approval
    assert page.locator("[data-testid=action-close]").count() == 0
    assert page.locator("button[data-testid=blocked-close][disabled]").count() == 1
    approval = request_approval(Risk.objects.get(pk=risk.pk), kind="write_off",
                                reason="回访核实已化解，申请销号。", actor=colleague_a)
    decide_approval(approval, approve=True, note="同意销号。", actor=leader)
    page.context.clear_cookies()
    log_in(page, "colleague_a")
    page.wait_for_url("**/")
    page.goto(matter_url)
    page.click("[data-testid=action-close]")
    page.wait_for_selector("#action-dialog-close.show")
    page.fill("#id_close_note", RESOLUTION_NOTE)
    page.click("[data-testid=confirm-close]")
    page.wait_for_selector("[data-testid=badges] [data-status=closed]")

    steps = page.eval_on_selector_all(
        "[data-testid=timeline] > li",
        "items => items.map(item => [item.dataset.kind, item.dataset.action])")
    assert steps == [
        ["created", ""], ["party", ""], ["transition", "verify"],
        ["duty_changed", ""], ["duty_changed", ""], ["duty_changed", ""],
        ["duty_changed", ""], ["edited", ""], ["emergency_plan", ""],
        ["transition", "start"], ["transition", "resolve"], ["approval", "request"],
        ["approval", "approve"], ["transition", "close"],
    ]
    timeline = page.text_content("[data-testid=timeline]")
    assert RESOLUTION_NOTE in timeline
    assert officer_a.display_name in timeline and grid_worker_a1.display_name in timeline
    assert page.text_content("[data-testid=resolution-note]").strip() == RESOLUTION_NOTE
    risk.refresh_from_db()
    assert (risk.status, risk.level, risk.lead) == (RiskStatus.CLOSED, "high", leader)
