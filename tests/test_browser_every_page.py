"""Every page of every role's menu, as officials see it (issue 18's acceptance).

For the grid worker, the community officer, the section staff, the street leader and the
supervisor, at 1366 px (a laptop) and 390 px (a phone), the walk reads the links of the
role's own menu from the rendered page and opens each, failing on: a page wider than the
window, a short value (≤ 12 characters) in a table cell wrapping past two lines, an
English word in what is shown (outside ``ALLOWED_WORDS``, proper nouns and codes, and text
marked lang="en" on purpose), a raw field key or an ISO timestamp shown, a console error,
a request to another host, an answer of 4xx/5xx, a serious or critical axe-core violation
(tests/vendor/axe-core, injected by the test, never served by the app) and a body font
under 16 px (older officials read it).
On the phone the menu opens and closes again; on the laptop the keyboard's focus shows;
the register (or the role's second page) is also opened at 683 px, a laptop zoomed to 200 %.

Every defect is collected over the whole walk and listed in one assertion at the end, so
one run shows them all. Screenshots go to var/screenshots/walk/<role>/<page>-<width>.png
(the README names the folder; the 操作指南 uses them).
"""

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from meetings import services as meetings_services
from meetings.choices import Decision
from rhythm.services import issue_warning, sweep_overdue
from risks.choices import RiskLevel, RiskStatus, Tier
from supervision import services as supervision_services
from tests.conftest import log_in, make_user
from tests.meetings_helpers import hold
from tests.supervision_helpers import (
    VARIED,
    MatterMaker,
    Spec,
    days_from_today,
    find,
    inspect,
    seed_campaigns,
)

# axe-core is given to every page of the walk as an init script: it runs outside the page's
# Content-Security-Policy (script-src 'self' refuses an inline <script>, as add_script_tag
# would insert it), and the browser keeps it once for the whole context.
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "walk"

# role (folder of its screenshots) -> (persona fixture, username)
ROLES = {
    "grid_worker": ("grid_worker_a1", "grid_a1"),
    "community_officer": ("officer_a", "officer_a"),
    "section_staff": ("section_staff", "staff_pingan"),
    "street_leader": ("leader", "leader"),
    "supervisor": ("supervisor_a", "supervisor_a"),
}
WIDTHS = (1366, 390)
ZOOMED = 683  # 1366 px at 200 %
# People have names, not usernames, on the pages.
NAMES = {"grid_a1": "王网格", "officer_a": "李专干", "staff_pingan": "赵科员",
         "leader": "张主任", "supervisor_a": "刘督导", "officer_b": "陈专干"}

TITLES = ["小区业主与物业公司因停车位收费引发纠纷", "装修公司拖欠工人工资多次讨要未果",
          "楼上漏水引发邻里纠纷", "网吧违规接纳未成年人上网"]

# Words that stay in Latin letters in the Chinese interface: proper nouns and codes.
ALLOWED_WORDS = {"API", "Excel", "ID", "IP", "PDF", "OpenAPI", "JSON", "QF", "PNG", "JPG",
                 "JPEG", "xlsx", "A4"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_+.\-]*")
RAW_KEY = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
SERIOUS = ("serious", "critical")

# Reports a Content-Security-Policy violation to the console (an init script runs outside
# the page's policy), where the walk catches it as a console error.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Refused ${event.blockedURI || "inline code"} (${event.violatedDirective})`);
});
"""

# What the page shows, measured in the page: widths, short cells taller than two lines,
# the visible text (with the options of visible selects and the placeholders), the font.
MEASURE = """() => {
  const tall = [];
  for (const cell of document.querySelectorAll("table td, table th")) {
    if (!cell.offsetParent) continue;
    const text = cell.innerText.trim();
    if (!text || text.length > 12 || cell.querySelector("input, select, textarea")) continue;
    const style = getComputedStyle(cell);
    const line = parseFloat(style.lineHeight) || 1.5 * parseFloat(style.fontSize);
    const range = document.createRange();
    range.selectNodeContents(cell);
    const height = range.getBoundingClientRect().height;
    if (height > 2 * line + 4) tall.push(`${text} (${Math.round(height)} px)`);
  }
  const extra = [];
  const fields = document.querySelectorAll("select, input[placeholder], textarea[placeholder]");
  for (const field of fields) {
    if (!field.offsetParent) continue;
    if (field.tagName === "SELECT") {
      for (const option of field.options) extra.push(option.text);
    } else {
      extra.push(field.placeholder);
    }
  }
  // text marked as English on purpose (lang="en": the error page's line for English readers)
  const english = [...document.body.querySelectorAll("[lang^=en]")].map((e) => e.innerText);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    tall,
    text: english.reduce((text, part) => text.replace(part, ""), document.body.innerText)
          + "\\n" + extra.join("\\n"),
    fontSize: parseFloat(getComputedStyle(document.body).fontSize),
    language: document.documentElement.lang,
  };
}"""

# Whether the focused element shows it: an outline or a focus ring (box-shadow).
FOCUS_SHOWN = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow && style.boxShadow !== "none";
  return {visible: element === document.body || outline || ring,
          element: element.outerHTML.slice(0, 80)};
}"""

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((violation) => ["serious", "critical"].includes(violation.impact))
    .map((violation) => `${violation.impact} ${violation.id}: ${violation.help} — ` +
         violation.nodes.slice(0, 3).map((node) => node.target.join(" ")).join(", "));
}"""


@pytest.fixture
def a_street_at_work(street, categories, officer_a, officer_b, leader, grid_worker_a1,
                     section_staff, supervisor_a, roster_a1):
    """Matters of every status, level and tier in both communities, warnings (overdue and
    in time), a street meeting with an action item, a whistle call, an inspection with a
    finding, listed supervision: no list of the walk is empty."""
    seed_campaigns()
    maker = MatterMaker(street, categories, officer_a, officer_b, leader)
    maker.verifiers = {  # the officers who write off what the first resolved, named
        "a": make_user("verifier_a", Role.COMMUNITY_OFFICER, street.community_a, name="周专干"),
        "b": make_user("verifier_b", Role.COMMUNITY_OFFICER, street.community_b, name="吴专干")}
    specs = [*VARIED, Spec("a", "disputes", RiskLevel.HIGH, RiskStatus.RESOLVING),
             Spec("a", "disputes", RiskLevel.MEDIUM, RiskStatus.RESOLVING, Tier.STREET)]
    # titles as officials write them (the builder's own name the spec in English)
    matters = maker.many([replace(spec, title=f"{TITLES[number % len(TITLES)]}（{number}）")
                          for number, spec in enumerate(specs)])
    open_graded = [risk for risk in matters if risk.level and risk.is_open]
    long_ago = timezone.now() - timedelta(days=20)
    def officer_of(risk):
        return officer_a if risk.community_id == street.community_a.pk else officer_b

    for risk in open_graded[:2]:
        issue_warning(risk, actor=officer_of(risk), issued_at=long_ago,
                      content="当事人情绪激动，请立即上门核实。")
    sweep_overdue()
    for risk in open_graded[2:4]:
        issue_warning(risk, actor=officer_of(risk), content="请于T+2内反馈稳控措施落实情况。")
    escalated = [risk for risk in matters if risk.tier == Tier.STREET and risk.is_open]
    meeting = hold(leader, Tier.STREET, risks=escalated[:2], title="全福街道第十二次联席会议")
    item = meeting.items.first()
    meetings_services.record_decision(item, actor=leader, decision=Decision.FOLLOW_UP,
                                      note="由平安办牵头，三日内约谈双方。")
    meetings_services.add_action_item(meeting, actor=leader, item=item, title="约谈双方当事人",
                                      deadline=days_from_today(3), owner=section_staff)
    meetings_services.blow_whistle(open_graded[0], actor=grid_worker_a1,
                                   departments=[street.department],
                                   respond_by=timezone.now() + timedelta(days=1),
                                   request="请平安办派人到场协调。")
    inspection = inspect(supervisor_a, street.community_a)
    find(supervisor_a, inspection)
    supervision_services.list_for_supervision(actor=supervisor_a, reason="久拖未决，挂牌督办。",
                                              deadline=days_from_today(7),
                                              risk=open_graded[0])
    for username, name in NAMES.items():
        User.objects.filter(username=username).update(name=name)
    return matters


def page_name(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.strip("/").replace("/", "-") or "home"
    if parts.query:
        name += "-" + re.sub(r"[^A-Za-z0-9]+", "-", parts.query).strip("-")
    return name


def english_words(text: str) -> set[str]:
    words = set()
    for token in WORD.findall(text):
        token = token.rstrip(".-:")
        if re.search(r"\d", token) or "_" in token or "." in token:
            continue  # a code (QF-2026-0001, T+2, S1-A-G1); keys and file names apart
        if len(token) >= 2 and token not in ALLOWED_WORDS:
            words.add(token)
    return words


class Walk:
    """One role at one width: a browser context that watches every request, answer and
    console message, and the defects found, each with where it was found."""

    def __init__(self, browser, base_url, role, width, failures):
        self.role, self.width, self.failures = role, width, failures
        self.host = urlsplit(base_url).netloc
        self.context = browser.new_context(base_url=base_url, locale="zh-CN",
                                           viewport={"width": width, "height": 900})
        self.context.set_default_timeout(10_000)
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.context.add_init_script(path=AXE)
        self.page = self.context.new_page()
        self.url = "(log in)"
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.fail(f"script error: {error}"))
        self.page.on("request", self._request)
        self.page.on("response", self._response)

    def fail(self, what: str) -> None:
        self.failures.append(f"{self.role} {self.width}px {self.url}: {what}")

    def _console(self, message):
        if message.type == "error":
            self.fail(f"console error: {message.text}")

    def _request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.host:
            self.fail(f"request to another host: {request.url}")

    def _response(self, response):
        if response.status >= 400:
            self.fail(f"answer {response.status} for {response.url}")

    def menu_links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all("[data-testid=navigation] a.nav-link",
                                               "links => links.map(a => a.getAttribute('href'))")
        return list(dict.fromkeys(hrefs))

    def visit(self, url: str) -> None:
        self.url = url
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        self.check()
        folder = SCREENSHOTS / self.role
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=folder / f"{page_name(url)}-{self.width}.png")

    def check(self) -> None:
        shown = self.page.evaluate(MEASURE)
        if shown["scrollWidth"] > shown["innerWidth"]:
            self.fail(f"page {shown['scrollWidth']} px wide in a {shown['innerWidth']} px window")
        for cell in shown["tall"]:
            self.fail(f"short value wraps past two lines: {cell}")
        # A page that declares itself English (the API's Swagger page, for the developers
        # of the platforms that call it) is not read for English words, keys and times.
        text = shown["text"] if not shown["language"].startswith("en") else ""
        words = english_words(text)
        if words:
            self.fail(f"English words: {', '.join(sorted(words))}")
        keys = set(RAW_KEY.findall(text))
        if keys:
            self.fail(f"raw field keys: {', '.join(sorted(keys))}")
        times = set(ISO_TIME.findall(text))
        if times:
            self.fail(f"ISO timestamps: {', '.join(sorted(times))}")
        if shown["fontSize"] < 16:
            self.fail(f"body font {shown['fontSize']} px, under 16 px")
        for violation in self.page.evaluate(RUN_AXE):
            self.fail(f"axe {violation}")

    def menu_closes(self) -> None:
        """On the phone the menu opens from its button and closes again."""
        self.url = "/"
        self.page.goto("/")
        navigation = self.page.locator("[data-testid=navigation]")
        self.page.click("[data-testid=menu-button]")
        navigation.wait_for(state="visible")
        self.page.wait_for_selector("#qf-navigation.show:not(.showing)")  # slid in
        self.page.click("[data-testid=navigation-more] summary")  # the groups, unfolded
        self.page.screenshot(path=SCREENSHOTS / self.role / f"menu-{self.width}.png")
        self.page.locator("#qf-navigation .btn-close").click()
        try:
            navigation.wait_for(state="hidden", timeout=3_000)
        except Exception:  # noqa: BLE001 - reported with the rest
            self.fail("the phone menu does not close")

    def focus_is_visible(self) -> None:
        """The first few stops of the keyboard show where the focus is (WCAG 2.4.7)."""
        self.url = "/"
        self.page.goto("/")
        for _stop in range(4):
            self.page.keyboard.press("Tab")
            shown = self.page.evaluate(FOCUS_SHOWN)
            if not shown["visible"]:
                self.fail(f"focus not visible on {shown['element']}")

    def close(self):
        self.context.close()


def test_the_walk_tells_english_words_raw_keys_and_iso_times_from_codes():
    shown = ("风险隐患台账 QF-2026-000001 T+2 API Excel 导出（.xlsx） S1-A-G1 Risk register "
             "feedback_due: 2026-10-09T23:59:59+08:00")
    assert english_words(shown) == {"Risk", "register"}
    assert RAW_KEY.findall(shown) == ["feedback_due"]
    assert ISO_TIME.findall(shown) == ["2026-10-09T23:59"]
    assert page_name("/rhythm/warnings/?status=open") == "rhythm-warnings-status-open"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_of_every_role_fits_reads_in_chinese_and_passes_axe(
        browser, live_server, request, a_street_at_work):
    failures: list[str] = []
    visited = 0
    for role, (persona, username) in ROLES.items():
        request.getfixturevalue(persona)
        for width in WIDTHS:
            walk = Walk(browser, live_server.url, role, width, failures)
            try:
                log_in(walk.page, username)
                walk.page.wait_for_url("**/")
                links = walk.menu_links()
                assert len(links) >= 5, (role, width, links)
                for url in links:
                    walk.visit(url)
                    visited += 1
                if width < 768:
                    walk.menu_closes()
                else:
                    walk.focus_is_visible()
                    walk.page.set_viewport_size({"width": ZOOMED, "height": 900})
                    walk.width = ZOOMED
                    walk.visit("/risks/" if "/risks/" in links else links[1])
            finally:
                walk.close()
    assert visited >= 50
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "defects.txt").write_text("\n".join(failures) + "\n", encoding="utf-8")
    assert not failures, f"{len(failures)} defects:\n" + "\n".join(failures)
