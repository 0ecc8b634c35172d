"""One matter through the three-tier joint meetings in a real browser: the community's
joint meeting takes it from the proposed agenda and refers it up; the street joint
meeting finds it proposed, settles it with an action item for the community officer and
approves the minutes; the officer completes the action item.

Selectors are data-testid attributes and values, not labels, so that the test holds in
either language of the interface.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from meetings.choices import ActionItemStatus, MeetingStatus
from meetings.models import ActionItem, Meeting, MeetingItem
from risks.choices import Action, RiskStatus, Tier
from risks.models import Risk, RiskEvent
from tests.conftest import log_in, pick_person, seed_taxonomy
from tests.meetings_helpers import resolving

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def seeded_categories(transactional_db):
    """A transactional test that ran earlier in this worker flushed the seeded rows."""
    seed_taxonomy()


@pytest.fixture
def person(browser, live_server):
    """person(username) -> a logged-in page in its own browser context."""
    contexts = []

    def _open(username):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, username)
        page.wait_for_url("**/")
        return page

    yield _open
    for context in contexts:
        context.close()


def convene(page, *, tier, area, title, chair, minutes):
    page.goto("/meetings/new/")
    page.select_option("#id_tier", tier)
    page.select_option("#id_area", str(area.pk))
    page.fill("#id_title", title)
    pick_person(page, "chair", chair)
    page.fill("#id_minutes", minutes)
    page.click("[data-testid=save-meeting]")
    page.wait_for_selector("[data-testid=agenda]")
    return Meeting.objects.get(title=title)


def decide(page, item, decision, note):
    box = page.locator(f"[data-testid=decision-{item.pk}]")
    box.locator("select").select_option(decision)
    box.locator("textarea").fill(note)
    page.click(f"[data-testid=save-decision-{item.pk}]")
    page.wait_for_selector(f"[data-testid=decision-{item.pk}] [data-decision={decision}]")


def approve(page):
    page.click("[data-testid=approve]")
    page.click("[data-testid=confirm-approve]")
    page.wait_for_selector("[data-testid=meeting-header] [data-status=approved]")


def test_a_matter_climbs_to_the_street_meeting_is_settled_and_its_action_item_done(
        person, street, ready_to_start, officer_a, leader):
    matter = resolving(ready_to_start, officer_a, title="小区车位纠纷多次调解未果")

    officer = person("officer_a")
    community = convene(officer, tier="community", area=street.community_a,
                        title="花园社区联席会议", chair=officer_a, minutes="研究本社区矛盾纠纷。")
    officer.wait_for_selector(f"[data-proposed-risk='{matter.code}']")
    officer.click("[data-testid=adopt-proposal]")
    item = MeetingItem.objects.get(meeting=community, risk=matter)
    decide(officer, item, "escalate", "社区调解未果，提请街道联席会议。")
    approve(officer)
    assert Risk.objects.get(pk=matter.pk).tier == Tier.STREET

    chair = person("leader")
    joint = convene(chair, tier="street", area=street.street, title="全福街道联席会议",
                    chair=leader, minutes="听取社区提请事项汇报，逐项研究。")
    chair.wait_for_selector(f"[data-proposed-risk='{matter.code}']")
    chair.click("[data-testid=adopt-proposal]")
    item = MeetingItem.objects.get(meeting=joint, risk=matter)
    decide(chair, item, "settle", "经街道协调双方达成协议，予以销号。")
    chair.click("[data-testid=action-items] summary")
    form = chair.locator("[data-testid=action-item-form]")
    form.locator("#id_title").fill("一个月后回访双方")
    pick_person(chair, "owner", officer_a)
    form.locator("#id_deadline").fill((timezone.localdate() + timedelta(days=30)).isoformat())
    form.locator("#id_item").select_option(str(item.pk))
    chair.click("[data-testid=save-action-item]")
    chair.wait_for_selector(f"[data-testid=assigned-{item.pk}] [data-action-item]")
    approve(chair)
    assert Meeting.objects.get(pk=joint.pk).status == MeetingStatus.APPROVED
    settled = Risk.objects.get(pk=matter.pk)
    assert settled.status == RiskStatus.CLOSED
    assert list(RiskEvent.objects.filter(risk=matter, action__in=[
        Action.ESCALATE, Action.RESOLVE, Action.CLOSE]).values_list("action", flat=True)) == [
        Action.ESCALATE, Action.RESOLVE, Action.CLOSE]

    officer.goto("/meetings/action-items/?mine=true&status=open")
    officer.click("[data-testid=action-item-table] a")
    officer.click("[data-testid=action-complete]")
    officer.fill("#dialog-complete textarea", "已回访，双方履行协议，无反复。")
    officer.click("[data-testid=confirm-complete]")
    officer.wait_for_selector("[data-testid=action-item-header] [data-status=done]")
    assert ActionItem.objects.get().status == ActionItemStatus.DONE
