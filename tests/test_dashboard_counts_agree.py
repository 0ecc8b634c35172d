"""Counts that agree with rows (issue 18), on the dashboards: every figure of a street's
or a community's dashboard links to the list it counts, and that list, opened with the
test client, holds exactly that many rows. The numbers are read from the pages as an
official reads them, not from the view's context."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services as meeting_services
from rhythm.choices import WarningStatus
from rhythm.services import issue_warning, sweep_overdue
from risks.choices import OPEN_STATUSES, RiskLevel, Tier
from risks.models import Risk
from supervision import services as supervision_services
from tests.meetings_helpers import days_ago, hold
from tests.supervision_helpers import VARIED, MatterMaker, days_from_today, find, inspect

pytestmark = pytest.mark.django_db

LINK = re.compile(r"<a\b([^>]*)>(.*?)</a>", re.S)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def busy_street(street, categories, officer_a, officer_b, leader, roster_a1, supervisor_a):
    """Matters of every kind in A and B; warnings overdue (swept, and past T+2 but not
    swept yet) and in time; overdue action items of a street and a community meeting;
    findings (one past its deadline); matters and a community under listed supervision."""
    matters = MatterMaker(street, categories, officer_a, officer_b, leader).many(VARIED)
    graded_open = [risk for risk in matters
                   if risk.status in OPEN_STATUSES and risk.level is not None]
    long_ago = timezone.now() - timedelta(days=20)
    for risk in graded_open:
        issue_warning(risk, actor=leader, content="请反馈化解进展", issued_at=long_ago)
    sweep_overdue()
    for risk in graded_open[:2]:
        issue_warning(risk, actor=leader, content="刚过时限",
                      issued_at=timezone.now() - timedelta(days=12))
        issue_warning(risk, actor=leader, content="时限内")
    at_street = next(risk for risk in graded_open if risk.tier == Tier.STREET)
    in_a = next(risk for risk in graded_open
                if risk.tier == Tier.COMMUNITY and risk.community_id == street.community_a.pk)
    for actor, tier, risk in ((leader, Tier.STREET, at_street),
                              (officer_a, Tier.COMMUNITY, in_a)):
        meeting = hold(actor, tier, risks=[risk], held_on=days_ago(10))
        for item in meeting.items.all():
            meeting_services.record_decision(item, actor=actor, decision="follow_up",
                                             note="继续跟进")
        meeting_services.add_action_item(meeting, actor=actor, item=meeting.items.get(),
                                         title="限期化解", owner=actor, deadline=days_ago(3))
        meeting_services.add_action_item(meeting, actor=actor, title="补齐台账", owner=actor,
                                         deadline=days_from_today(5))
        meeting_services.approve_meeting(meeting, actor=actor)
    inspection = inspect(supervisor_a, street.community_a)
    find(supervisor_a, inspection)
    find(supervisor_a, inspection, deadline=inspection.held_on)
    high = next(risk for risk in graded_open if risk.level == RiskLevel.HIGH)
    supervision_services.list_for_supervision(actor=leader, reason="久拖未决",
                                              deadline=days_from_today(10), risk=high)
    supervision_services.list_for_supervision(actor=leader, reason="矛盾集中",
                                              deadline=days_from_today(10),
                                              community=street.community_b)
    return matters


def figure_links(content: str) -> list[tuple[str, str, int]]:
    """(figure, link, number) of every link marked data-figure (or data-grade)."""
    found = []
    for attributes, inner in LINK.findall(content):
        name = re.search(r'data-(?:figure|grade-count)="(\w+)"', attributes)
        href = re.search(r'href="([^"]+)"', attributes)
        if not name or not href:
            continue
        numbers = re.findall(r"\d+", TAG.sub(" ", inner))
        if name.group(1) == "write_off_rate" or not numbers:
            continue  # a rate: its link's rows are checked against its numerator below
        found.append((name.group(1), href.group(1).replace("&amp;", "&"), int(numbers[-1])))
    return found


def unlinked_figures(content: str) -> list[str]:
    """Figures shown as a number with no link (data-figure on a plain element)."""
    plain = re.findall(r'<(?:div|span|td)\b[^>]*data-figure="(\w+)"[^>]*>\s*\d', content)
    return sorted(set(plain))


def rows_of_list(client, link: str) -> int:
    """The number of rows the linked list holds, as the list page says it ("N 条")."""
    response = client.get(link)
    assert response.status_code == 200, link
    content = response.content.decode()
    said = re.search(r'data-testid="result-count"[^>]*>\D*(\d+)', content)
    assert said, f"{link} says no count"
    assert int(said.group(1)) == response.context["paginator"].count
    return int(said.group(1))


def assert_every_figure_counts_its_list(client, page: str) -> list[str]:
    content = client.get(page).content.decode()
    links = figure_links(content)
    assert links
    for figure, link, number in links:
        assert rows_of_list(client, link) == number, (figure, link)
    return [figure for figure, _link, _number in links]


def test_each_street_dashboard_figure_counts_the_list_it_links_to(client, leader, street,
                                                                    busy_street):
    client.force_login(leader)
    page = reverse("supervision:street_dashboard", args=[street.street.pk])
    figures = assert_every_figure_counts_its_list(client, page)
    for figure in ("open", "high_open", "overdue_matters", "overdue_warnings",
                   "overdue_action_items", "open_findings", "clock_red", "clock_yellow",
                   "listings_red", "listings_yellow", "listings_normal"):
        assert figure in figures, figure


def test_each_community_dashboard_figure_counts_the_list_it_links_to(client, officer_a,
                                                                       street, busy_street):
    client.force_login(officer_a)
    page = reverse("supervision:community_dashboard", args=[street.community_a.pk])
    figures = assert_every_figure_counts_its_list(client, page)
    for figure in ("open", "high_open", "overdue_matters", "overdue_warnings",
                   "overdue_action_items", "open_findings"):
        assert figure in figures, figure


@pytest.mark.parametrize("persona", ["leader", "officer_a"])
def test_dashboard_figures_that_count_a_list_link_to_it(client, street, busy_street,
                                                        persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    page = (reverse("supervision:street_dashboard", args=[street.street.pk])
            if persona == "leader" else
            reverse("supervision:community_dashboard", args=[street.community_a.pk]))
    content = client.get(page).content.decode()
    # a rate links to its numerator; the daily check's progress is its checklist's page;
    # the trend's weekly new and written-off matters (from the weekly snapshots) have no
    # list filtered to a week
    assert set(unlinked_figures(content)) <= {"write_off_rate", "daily_confirmed",
                                              "daily_total", "new", "closed"}


def test_the_overdue_warnings_figure_counts_those_the_warning_list_calls_overdue(
        client, leader, street, busy_street):
    """Past T+2 without feedback, whether or not the sweep has marked them yet: what the
    warnings page's own 逾期 card and its rows say."""
    client.force_login(leader)
    board = client.get(reverse("supervision:street_dashboard", args=[street.street.pk]))
    shown = board.context["board"].figures.overdue_warnings
    swept = Risk.objects.filter(warnings__status=WarningStatus.OVERDUE).count()
    assert shown == swept + 2
    listed = client.get(reverse("rhythm:warning_list"), {"status": "overdue"})
    assert listed.content.decode().count('data-overdue="true" data-days-left="-') == shown


def test_the_write_off_rate_links_to_the_written_off_matters_it_counts(client, leader,
                                                                        street, busy_street):
    client.force_login(leader)
    board = client.get(reverse("supervision:street_dashboard", args=[street.street.pk]))
    figures = board.context["board"].figures
    assert rows_of_list(client, figures.links.closed) == figures.closed


# The data quality page ----------------------------------------------------------------------

@pytest.fixture
def gaps(busy_street, report, officer_a, officer_b, street):
    """Matters whose record lacks what their stage needs, in both communities: verified
    without a level, verified without named duties (B has no roster), being resolved
    without a plan."""
    from risks import services as risk_services

    for _number in range(2):
        risk_services.verify_risk(report(officer_a, title="未定级事项"), actor=officer_a)
    ungraded_b = report(officer_b, area=street.grid_b1, title="东泉未定级事项")
    risk_services.verify_risk(ungraded_b, actor=officer_b)
    without_duties = risk_services.verify_risk(
        report(officer_b, area=street.grid_b1, title="缺少责任人", level=RiskLevel.LOW),
        actor=officer_b)
    assert without_duties.resolve_person_id is None
    return busy_street


def test_each_data_quality_figure_counts_the_matters_or_warnings_it_links_to(
        client, leader, street, gaps):
    client.force_login(leader)
    response = client.get(reverse("rhythm:data_quality"))
    content = response.content.decode()
    rows = {row["community"]: row for row in response.context["rows"]}
    linked = {}
    for cell in re.findall(r'<td class="text-end" data-figure="(\w+)">(.*?)</td>', content):
        figure, inner = cell
        link = re.search(r'href="([^"]+)"[^>]*>(\d+)<', inner)
        if link:
            url = link.group(1).replace("&amp;", "&")
            linked.setdefault(figure, []).append(url)
            assert rows_of_list(client, url) == int(link.group(2)), (figure, url)
        else:
            assert figure == "unconfirmed_checks" or inner.strip() == "0", (figure, inner)
    # every figure but the checklist items (no list of them) links from each non-zero cell
    assert {"missing_level", "missing_duties", "overdue_warnings"} <= set(linked)
    assert rows["花园社区"]["missing_level"] == 2 and rows["东泉社区"]["missing_level"] == 1
    assert rows["东泉社区"]["missing_duties"] >= 1
    # the street's total row opens the street's matters
    assert any(f"within={street.street.pk}" in url for url in linked["missing_level"])


def test_the_register_lists_a_data_gap_with_its_name(client, leader, street, gaps):
    client.force_login(leader)
    response = client.get(reverse("risks:risk_list"), {"gap": "level"})
    content = response.content.decode()
    assert 'data-testid="gap-notice"' in content and "未定级" in content
    assert response.context["paginator"].count == 3


def test_the_listed_supervision_table_showing_its_first_rows_links_to_all(
        client, leader, street, busy_street, monkeypatch):
    from supervision.dashboards import queries

    monkeypatch.setattr(queries, "LISTINGS_SHOWN", 1)  # two active: one shown
    client.force_login(leader)
    content = client.get(reverse("supervision:street_dashboard", args=[street.street.pk])
                         ).content.decode()
    note = re.search(r'data-testid="showing-of" data-panel="listings">(.*?)</p>', content,
                     re.S)
    assert note and "显示 1 条，共 2 条" in note.group(1)
    link = re.search(r'href="([^"]+)" data-testid="full-list"', note.group(1)).group(1)
    assert rows_of_list(client, link.replace("&amp;", "&")) == 2


def test_each_city_dashboard_figure_counts_the_list_it_links_to(client, superuser, street,
                                                                  busy_street):
    client.force_login(superuser)
    figures = assert_every_figure_counts_its_list(client, reverse("supervision:city_dashboard"))
    for figure in ("open", "high_open", "overdue_matters", "overdue_warnings"):
        assert figures.count(figure) >= 2, figure  # the card and the whole street's row


def test_each_group_scorecard_figure_counts_the_list_it_links_to(client, supervisor_a,
                                                                  busy_street):
    from tests.supervision_helpers import group_of

    client.force_login(supervisor_a)
    page = reverse("supervision:group_dashboard", args=[group_of(supervisor_a).pk])
    figures = assert_every_figure_counts_its_list(client, page)
    for figure in ("open", "high_open", "overdue_matters", "overdue_warnings",
                   "open_findings"):
        assert figure in figures, figure
