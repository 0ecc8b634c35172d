"""Tables that fit (issue 18): the register, the T+2 warnings and the audit log, as a
street leader sees them with a street's worth of rows. At 1366 px no page scrolls
sideways and no short value (a code, an area, a date, the action, who and what in the
audit log) wraps past two lines; at 390 px the lists are cards and the page is no wider
than the phone.

Selectors are data-testid and data-col attributes, not labels.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from grids.models import Area
from rhythm.services import issue_warning, sweep_overdue
from tests.conftest import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "/risks/": ("risk-table", ("code", "area", "level", "status", "due", "action")),
    "/rhythm/warnings/": ("warning-table", ("code", "area", "level", "due", "status",
                                            "action")),
    "/audit/": ("audit-table", ("date", "who", "action")),
}

LONG_TITLES = [
    "小区业主与物业公司因停车位收费标准调整引发的群体性矛盾纠纷",
    "装修公司拖欠十二名工人三个月工资多次讨要未果",
    "网吧违规接纳未成年人上网且未按规定登记身份信息",
]

# The columns' content (not the row) must not be taller than two lines of its text.
TALL_CELLS = """([table, columns]) => {
  const tall = [];
  let measured = 0;
  for (const cell of document.querySelectorAll(`[data-testid=${table}] tbody td[data-col]`)) {
    if (!columns.includes(cell.dataset.col) || !cell.offsetParent) continue;
    measured += 1;
    const style = getComputedStyle(cell);
    const line = parseFloat(style.lineHeight) || 1.5 * parseFloat(style.fontSize);
    const range = document.createRange();
    range.selectNodeContents(cell);
    const height = range.getBoundingClientRect().height;
    if (height > 2 * line + 4) tall.push(`${cell.dataset.col}: ${Math.round(height)}px `
                                         + `(line ${line}px) ${cell.innerText.slice(0, 30)}`);
  }
  return {measured, tall};
}"""


@pytest.fixture
def a_streets_rows(street, ready_to_start, report, officer_a):
    """Thirty matters in long-named grids, graded and not, with long titles; warnings on a
    dozen of them, overdue, just past their deadline and in time."""
    Area.objects.filter(pk=street.grid_a1.pk).update(name="全福第1网格")
    graded = []
    for number in range(30):
        title = LONG_TITLES[number % len(LONG_TITLES)] + f"（{number}）"
        area = street.grid_a2 if number % 3 else street.grid_a1
        if number % 2:
            graded.append(ready_to_start(level=("high", "medium", "low")[number % 3],
                                         title=title, area=area))
        else:
            report(officer_a, title=title, area=area)
    long_ago = timezone.now() - timedelta(days=30)
    for risk in graded[:5]:
        issue_warning(risk, actor=officer_a, issued_at=long_ago,
                      content="当事人情绪激动，争执可能升级，请责任单位立即上门核实并反馈调解进展。")
    sweep_overdue()
    for risk in graded[5:8]:
        issue_warning(risk, actor=officer_a, issued_at=timezone.now() - timedelta(days=10),
                      content="双方再次争吵，请于T+2内反馈稳控措施落实情况。")
    for risk in graded[8:12]:
        issue_warning(risk, actor=officer_a,
                      content="区平台推送预警：请反馈当事人近况及下一步措施。")
    return graded


def test_the_three_lists_fit_a_laptop_and_a_phone(page, leader, a_streets_rows):
    log_in(page, "leader", PASSWORD)
    page.wait_for_url("**/")
    page.set_viewport_size({"width": 1366, "height": 800})
    for url, (table, columns) in PAGES.items():
        page.goto(url)
        assert page.locator(f"[data-testid={table}] tbody tr").count() >= 10, url
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, url
        # the table itself fits too: no column is pushed out of sight to the right
        wrap = page.locator(f"[data-testid={table}]")
        assert wrap.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth"), url
        cells = page.evaluate(TALL_CELLS, [table, list(columns)])
        assert cells["measured"] >= 10 * len(columns), url
        assert cells["tall"] == [], url
        # long text is cut, with the whole of it on hover
        truncated = page.locator(f"[data-testid={table}] tbody .qf-truncate[title]")
        assert truncated.count() > 0, url
        # the secondary columns come out behind "更多列", without a page wider than the screen
        page.click("label[for$=more-columns]")
        assert page.locator(f"[data-testid={table}] th.qf-more").first.is_visible(), url
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, url
        assert wrap.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth"), url

    page.set_viewport_size({"width": 390, "height": 844})
    for url, (table, _columns) in PAGES.items():
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        # one card per row: the table's head is hidden, each row a block
        assert not page.locator(f"[data-testid={table}] thead").is_visible(), url
        assert page.locator(f"[data-testid={table}] tbody tr").first.evaluate(
            "row => getComputedStyle(row).display") == "block", url
    page.screenshot(path="/tmp/shots/h6/test_audit_390.png")
