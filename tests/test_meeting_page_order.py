"""The meeting page in the order officials read it (issue 18): each agenda item carries
its decision and the action items assigned on it; only the action items of no item (or
of an item the reader does not see) are listed apart; the decision's two fields have two
names."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from meetings import services
from meetings.choices import ItemKind
from meetings.forms import AmendDecisionForm, DecisionForm
from risks.choices import Tier
from tests.meetings_helpers import days_ago, decide, hold, resolving

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting_with_action_items(ready_to_start, officer_a):
    """A draft community meeting: a matter with its decision and two action items on it,
    a topic with none, and one general action item."""
    matter = resolving(ready_to_start, officer_a)
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter], title="花园社区联席会议")
    services.add_agenda_item(meeting, actor=officer_a, topic="本周统计和趋势")
    decide(meeting, officer_a, {})
    on_matter = meeting.items.get(risk=matter)
    for title in ("组织双方再次调解", "一周后回访"):
        services.add_action_item(meeting, actor=officer_a, item=on_matter, title=title,
                                 owner=officer_a, deadline=days_ago(-7))
    services.add_action_item(meeting, actor=officer_a, title="整理本月台账",
                             owner=officer_a, deadline=days_ago(-14))
    return meeting


def article_of(content: str, item_pk: int) -> str:
    start = content.index(f'id="item-{item_pk}"')
    return content[start:content.index("</article>", start)]


def section(content: str, testid: str) -> str:
    start = content.index(f'data-testid="{testid}"')
    return content[start:content.index("</section>", start)]


def test_action_items_are_shown_under_the_agenda_item_they_were_assigned_on(
        client, officer_a, meeting_with_action_items):
    meeting = meeting_with_action_items
    client.force_login(officer_a)
    content = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    on_matter = meeting.items.get(risk__isnull=False)
    topic = meeting.items.get(risk__isnull=True)
    matter_block = article_of(content, on_matter.pk)
    # the decision, then what was assigned on it, in the item's own block
    assert matter_block.index("data-decision=") < matter_block.index("组织双方再次调解")
    assert "一周后回访" in matter_block and "整理本月台账" not in matter_block
    assert f'data-testid="assigned-{topic.pk}"' not in content
    # apart: only the general one, not the two again
    apart = section(content, "action-items")
    assert "整理本月台账" in apart
    assert "组织双方再次调解" not in apart and "一周后回访" not in apart
    assert len(re.findall(r"data-action-item=", content)) == 3


def test_approved_minutes_keep_action_items_beside_their_item(
        client, officer_a, meeting_with_action_items):
    meeting = services.approve_meeting(meeting_with_action_items, actor=officer_a)
    client.force_login(officer_a)
    content = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    matter_block = article_of(content, meeting.items.get(risk__isnull=False).pk)
    assert "组织双方再次调解" in matter_block
    assert "action_item_remove" not in matter_block and "/remove/" not in matter_block


def test_the_decision_fields_have_two_distinct_chinese_names():
    with translation.override("zh-hans"):
        form = DecisionForm(kind=ItemKind.MATTER, tier=Tier.COMMUNITY)
        labels = [str(form.fields[name].label) for name in ("decision", "note")]
        assert labels == ["议定结果", "议定内容"]
        assert str(AmendDecisionForm().fields["note"].label) == "议定内容"


# The tier's dashboard: every figure opens its list; a panel's first rows lead to all ------

MANY = 22  # more than a panel shows (meetings.views.dashboard.LISTED)


@pytest.fixture
def crowded_community_tier(report, officer_a, leader, street):
    """MANY medium matters at A's community tier for ten days, flagged by a five-day rule;
    one of them already on an approved meeting with an overdue action item."""
    from datetime import timedelta

    from django.utils import timezone

    from risks.choices import RiskLevel

    ten_days_ago = timezone.now() - timedelta(days=10)
    matters = [report(officer_a, title=f"久拖事项{number}", level=RiskLevel.MEDIUM,
                      discovered_at=ten_days_ago) for number in range(MANY)]
    services.save_escalation_rule(actor=leader, street=street.street, tier=Tier.COMMUNITY,
                                  level=RiskLevel.MEDIUM, days=5)
    meeting = hold(officer_a, Tier.COMMUNITY, risks=matters[:1], held_on=days_ago(8))
    decide(meeting, officer_a, {})
    services.add_action_item(meeting, actor=officer_a, item=meeting.items.get(),
                             title="限期化解", owner=officer_a, deadline=days_ago(2))
    services.approve_meeting(meeting, actor=officer_a)
    return matters


def listed_count(client, link: str) -> int:
    response = client.get(link)
    assert response.status_code == 200, link
    said = re.search(r'data-testid="result-count"[^>]*>\D*(\d+)',
                     response.content.decode())
    assert said and int(said.group(1)) == response.context["paginator"].count, link
    return int(said.group(1))


def test_each_tier_dashboard_figure_counts_the_list_it_links_to(client, officer_a,
                                                                crowded_community_tier):
    client.force_login(officer_a)
    content = client.get(reverse("meetings:tier_dashboard", args=["community"])
                         ).content.decode()
    figures = {name: (link.replace("&amp;", "&"), int(number)) for link, name, number in
               re.findall(r'<a [^>]*href="([^"]+)" data-figure="(\w+)">(\d+)</a>', content)}
    assert set(figures) == {"open", "awaiting", "flagged", "overdue_items", "overdue_calls"}
    assert figures["awaiting"][1] == MANY - 1 and figures["flagged"][1] == MANY
    assert figures["overdue_items"][1] == 1
    for name, (link, number) in figures.items():
        assert listed_count(client, link) == number, name


@pytest.mark.parametrize("panel,total", [("awaiting", MANY - 1), ("flagged", MANY)])
def test_a_panel_showing_its_first_rows_links_to_all_of_them(client, officer_a,
                                                             crowded_community_tier, panel,
                                                             total):
    client.force_login(officer_a)
    content = client.get(reverse("meetings:tier_dashboard", args=["community"])
                         ).content.decode()
    note = re.search(rf'data-testid="showing-of" data-panel="{panel}">(.*?)</p>', content,
                     re.S)
    assert note, panel
    assert f"显示 20 条，共 {total} 条" in note.group(1)
    link = re.search(r'href="([^"]+)" data-testid="full-list"', note.group(1)).group(1)
    response = client.get(link.replace("&amp;", "&"))
    assert listed_count(client, link.replace("&amp;", "&")) == total
    assert response.content.decode().count("<tr data-matter=") == total


def test_a_matters_warnings_card_showing_five_links_to_all_of_them(client, officer_a,
                                                                   ready_to_start):
    from rhythm.services import issue_warning

    risk = ready_to_start()
    for number in range(7):
        issue_warning(risk, actor=officer_a, content=f"请反馈进展{number}")
    client.force_login(officer_a)
    content = client.get(reverse("risks:risk_detail", args=[risk.pk])).content.decode()
    note = re.search(r'data-testid="showing-of" data-panel="matter_warnings">(.*?)</p>',
                     content, re.S)
    assert note and "显示 5 条，共 7 条" in note.group(1)
    link = re.search(r'href="([^"]+)" data-testid="full-list"', note.group(1)).group(1)
    assert link == f"{reverse('rhythm:warning_list')}?risk={risk.pk}"
    assert listed_count(client, link) == 7


def test_printed_minutes_name_the_item_each_action_item_concerns(
        client, officer_a, meeting_with_action_items):
    meeting = meeting_with_action_items
    client.force_login(officer_a)
    content = client.get(reverse("meetings:meeting_print", args=[meeting.pk])).content.decode()
    topic = meeting.items.get(risk__isnull=False).topic
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", content)
    assert dict(rows) == {"组织双方再次调解": topic, "一周后回访": topic, "整理本月台账": "—"}
