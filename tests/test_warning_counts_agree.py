"""Counts that agree with rows (issue 18): each card above the T+2 warnings list counts
the rows of the list it links to, and the overdue card counts the rows that say
"逾期 N 天", whether or not the sweep has marked them yet."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rhythm.choices import WarningStatus
from rhythm.services import issue_warning, record_feedback, sweep_overdue

pytestmark = pytest.mark.django_db

WARNINGS_URL = reverse("rhythm:warning_list")


@pytest.fixture
def warnings_of_every_kind(ready_to_start, officer_a):
    """Two swept overdue, one past its deadline the sweep has not reached yet, two awaiting
    feedback in time, one answered."""
    risk = ready_to_start(level="medium")
    long_ago = timezone.now() - timedelta(days=20)
    for number in range(2):
        issue_warning(risk, actor=officer_a, content=f"早前预警{number}", issued_at=long_ago)
    sweep_overdue()
    unswept = issue_warning(risk, actor=officer_a, content="刚过时限",
                            issued_at=timezone.now() - timedelta(days=12))
    assert unswept.status == WarningStatus.OPEN and unswept.feedback_due < timezone.now()
    for number in range(2):
        issue_warning(risk, actor=officer_a, content=f"新预警{number}")
    answered = issue_warning(risk, actor=officer_a, content="已处理")
    record_feedback(answered, actor=officer_a, content="已上门调解")


def card_counts(content: str) -> dict[str, int]:
    return {status: int(count) for status, count in
            re.findall(r'data-count="(\w+)">(\d+)<', content)}


def test_each_warning_card_counts_the_rows_of_the_list_it_links_to(
        client, officer_a, warnings_of_every_kind):
    client.force_login(officer_a)
    response = client.get(WARNINGS_URL)
    content = response.content.decode()
    cards = card_counts(content)
    assert cards == {"overdue": 3, "open": 2, "answered": 1}
    assert sum(cards.values()) == response.context["paginator"].count
    for status, count in cards.items():
        assert f'href="?status={status}"' in content
        listed = client.get(WARNINGS_URL, {"status": status})
        rows = listed.context["warnings"]
        assert listed.context["paginator"].count == len(rows) == count, status
        assert {row.shown_status for row in rows} == {status}  # as each row shows it
        listed_content = listed.content.decode()
        assert listed_content.count("<tr data-warning=") == count
        assert listed_content.count(f'data-status="{status}"') >= count


def test_the_overdue_card_counts_the_rows_that_say_overdue(
        client, officer_a, warnings_of_every_kind):
    client.force_login(officer_a)
    content = client.get(WARNINGS_URL).content.decode()
    said_overdue = content.count('data-overdue="true" data-days-left="-')
    assert said_overdue == card_counts(content)["overdue"] == 3
    # the overdue ones come first, the one the sweep has not reached among them
    statuses = re.findall(r'<tr data-warning="\d+" data-status="(\w+)"', content)
    assert statuses == ["overdue"] * 3 + ["open"] * 2 + ["answered"]
