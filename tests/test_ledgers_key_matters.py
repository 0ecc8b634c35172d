"""The key-matters ledger: the decisions in force (approved minutes) on the matters in
the user's scope, with the meeting, the decision, the owners and the deadlines."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from meetings import services as meeting_services
from meetings.choices import Decision
from risks import services as risk_services
from risks.choices import Tier


@pytest.fixture
def decided(ready_to_start, officer_a):
    """A matter of community A on which the community joint meeting decided to follow up,
    with an action item for the officer, and a draft meeting that decided nothing yet."""
    risk = risk_services.start_risk(ready_to_start(), actor=officer_a)
    meeting = meeting_services.create_meeting(
        actor=officer_a, tier=Tier.COMMUNITY, title="花园社区联席会议",
        held_on=timezone.localdate(), chair=officer_a, minutes="研究了漏水纠纷。", risks=[risk])
    item = meeting.items.get()
    meeting_services.record_decision(item, actor=officer_a, decision=Decision.FOLLOW_UP,
                                     note="三日内组织双方调解")
    meeting_services.add_action_item(meeting, actor=officer_a, title="组织调解",
                                     deadline=timezone.localdate() + timedelta(days=3),
                                     owner=officer_a, item=item)
    meeting_services.approve_meeting(meeting, actor=officer_a)
    meeting_services.create_meeting(actor=officer_a, tier=Tier.COMMUNITY, title="未批准的会议",
                                    held_on=timezone.localdate(), risks=[risk])
    return risk


def rows_of(client, **filters):
    response = client.get(reverse("api:ledger-export", args=["key_matters"]), filters)
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    return [dict(zip(headers, row, strict=False))
            for row in sheet.iter_rows(min_row=2, values_only=True)
            if row[1] is not None]


def test_key_matters_lists_the_decisions_in_force(client, officer_a, decided):
    client.force_login(officer_a)
    [row] = rows_of(client)
    assert row["编号"] == decided.code and row["会议名称"] == "花园社区联席会议"
    assert row["会议层级"] == "社区" and row["议定结果"] == "本级跟进"
    assert row["议定事项"] == "三日内组织双方调解"
    assert row["责任人（责任单位）"] == "officer_a" and row["落实情况"] == "办理中"
    assert row["办结时限"].date() == timezone.localdate() + timedelta(days=3)


def test_key_matters_of_another_community_are_not_exported(client, officer_b, decided):
    client.force_login(officer_b)
    assert rows_of(client) == []


def test_key_matters_follow_the_registers_filters(client, leader, decided):
    client.force_login(leader)
    assert len(rows_of(client, level="medium")) == 1
    assert rows_of(client, level="high") == []


def test_key_matters_page_shows_the_decision(client, officer_a, decided):
    client.force_login(officer_a)
    page = client.get(reverse("ledgers:ledger_page", args=["key_matters"])).content.decode()
    assert decided.code in page and "三日内组织双方调解" in page
