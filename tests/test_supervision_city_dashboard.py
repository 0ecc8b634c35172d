"""The city dashboard (the work plan's district/city level): every street of the user's
scope, a row each, with the street dashboard's breakdowns and rates. Its numbers are
checked against counts made by hand from the matters built below through the services;
its scope (the superuser sees every street, a user whose scope spans several streets sees
those and only their communities, a street leader or officer gets 404); and its query
count, which does not grow with the number of streets."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from grids.choices import AreaKind, Duty
from grids.services import create_area
from rhythm import services as rhythm_services
from rhythm.models import Snapshot
from rhythm.snapshots import week_start
from risks import services as risk_services
from risks.choices import RiskLevel, RiskStatus, Tier
from supervision import dashboards
from supervision.scoping import get_city_for_dashboard
from tests.conftest import make_user
from tests.supervision_helpers import VARIED, MatterMaker, Spec, group_for

CITY_URL = "/supervision/city/"

# The other street (华山街道, one community): four matters, counted by hand below.
OTHER = [
    Spec("other", "cyber", RiskLevel.HIGH, RiskStatus.REPORTED, overdue=True),
    Spec("other", "disputes", RiskLevel.LOW, RiskStatus.RESOLVED),
    Spec("other", "disputes", RiskLevel.MEDIUM, RiskStatus.CLOSED),
    Spec("other", "mass_interest", RiskLevel.MEDIUM, RiskStatus.INVALID),
]

# Counted by hand from VARIED (tests/supervision_helpers.py: 13 matters in 全福街道) and
# OTHER. valid = not invalid; write-off rate = closed / valid.
QUANFU = {"total": 13, "open": 8, "high_open": 2, "overdue_matters": 3,
          "write_off_rate": round(3 / 12, 4), "levels_below_target": 3}
HUASHAN = {"total": 4, "open": 1, "high_open": 1, "overdue_matters": 1,
           "write_off_rate": round(1 / 3, 4), "levels_below_target": 1}
CITY = {"total": 17, "open": 9, "high_open": 3, "overdue_matters": 4, "closed": 4,
        "valid": 15, "write_off_rate": round(4 / 15, 4), "levels_below_target": 3}
# Per level over both streets: (not invalid, resolved or written off).
CITY_LEVELS = {RiskLevel.HIGH: (4, 1), RiskLevel.MEDIUM: (5, 2), RiskLevel.LOW: (5, 3)}
CITY_STATUS = {RiskStatus.REPORTED: 4, RiskStatus.VERIFIED: 3, RiskStatus.RESOLVING: 2,
               RiskStatus.RESOLVED: 2, RiskStatus.CLOSED: 4, RiskStatus.INVALID: 2}
CITY_OPEN_LEVEL = {RiskLevel.HIGH: 3, RiskLevel.MEDIUM: 3, RiskLevel.LOW: 2, "none": 1}
CITY_OPEN_CATEGORY = {"disputes": 4, "public_order": 2, "cyber": 3, "mass_interest": 0}
CITY_OPEN_TIER = {Tier.COMMUNITY: 7, Tier.STREET: 2, Tier.DISTRICT: 0}


@pytest.fixture(autouse=True)
def empty_cache():
    """Weekly snapshots' folds are cached by id; ids come back after a rollback."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def officer_other(street):
    return make_user("officer_s2", Role.COMMUNITY_OFFICER, street.community_other)


@pytest.fixture
def maker(street, categories, officer_a, officer_b, officer_other, leader, roster_a1):
    maker = MatterMaker(street, categories, officer_a, officer_b, leader)
    # The other street's community has no grid: its matters sit on the community itself,
    # with their duties named (as MatterMaker does outside community A).
    maker.officers["other"] = officer_other
    maker.areas["other"] = street.community_other
    return maker


@pytest.fixture
def city(maker):
    return maker.many(VARIED + OTHER)


def fresh(user):
    return type(user).objects.get(pk=user.pk)  # as a request loads it: nothing memoised


def city_board(user):
    return dashboards.build_city(get_city_for_dashboard(fresh(user)))


def row_of(board, street_area):
    return next(row for row in board.rows if row.area == street_area)


# The figures, against the counts made by hand -----------------------------------------------

def test_city_figures_equal_the_hand_counts(city, superuser):
    figures = city_board(superuser).figures
    assert {name: getattr(figures, name) for name in CITY} == CITY
    assert figures.streets == 2


def test_each_street_row_equals_its_hand_counts(city, superuser, street):
    board = city_board(superuser)
    assert [row.area for row in board.rows] == [street.street, street.other_street]
    for street_area, expected in ((street.street, QUANFU), (street.other_street, HUASHAN)):
        row = row_of(board, street_area)
        assert {name: getattr(row, name) for name in expected} == expected, street_area.name


def test_a_street_row_equals_that_streets_own_dashboard(city, superuser, leader, street):
    from supervision.scoping import communities_in

    own = dashboards.build(leader, kind="street", area=street.street, street=street.street,
                           communities=communities_in(leader, street.street)).figures
    row = row_of(city_board(superuser), street.street)
    for name in ("total", "open", "high_open", "overdue_matters", "write_off_rate",
                 "levels_below_target"):
        assert getattr(row, name) == getattr(own, name), name


def test_city_breakdowns_equal_the_hand_counts(city, superuser):
    board = city_board(superuser)
    assert {bar.key: bar.value for bar in board.by_status} == CITY_STATUS
    assert {bar.key: bar.value for bar in board.by_level} == CITY_OPEN_LEVEL
    assert {bar.key: bar.value for bar in board.by_tier} == CITY_OPEN_TIER
    categories = {bar.key: bar.value for bar in board.by_category}
    assert {code: categories[code] for code in CITY_OPEN_CATEGORY} == CITY_OPEN_CATEGORY
    assert sum(categories.values()) == CITY["open"]


def test_city_rates_per_level_equal_the_hand_counts(city, superuser):
    for entry in city_board(superuser).rates:
        valid, done = CITY_LEVELS[entry.level]
        assert (entry.valid, entry.done) == (valid, done), entry.level
        assert entry.resolution_rate == round(done / valid, 4)
        assert entry.met is False  # none reaches its target in this data


def test_overdue_warnings_per_street_count_only_warnings_past_t_plus_2(
        city, superuser, leader, other_street_leader, street):
    """Warnings issued through the service; one answered in time; the sweep run as if
    three weeks had passed marks the others overdue."""
    from risks.models import Risk

    graded_open = Risk.objects.filter(level__isnull=False, status__in=[
        RiskStatus.REPORTED, RiskStatus.VERIFIED, RiskStatus.RESOLVING])
    in_quanfu = list(graded_open.filter(community__parent=street.street).order_by("pk"))
    in_huashan = list(graded_open.filter(community__parent=street.other_street))
    warnings = [rhythm_services.issue_warning(risk, actor=leader, content="请反馈化解进展")
                for risk in in_quanfu]
    warnings += [rhythm_services.issue_warning(risk, actor=other_street_leader,
                                               content="请反馈化解进展")
                 for risk in in_huashan]
    rhythm_services.record_feedback(warnings[0], actor=leader, content="已化解")
    rhythm_services.sweep_overdue(timezone.now() + timedelta(weeks=3))
    board = city_board(superuser)
    assert row_of(board, street.street).overdue_warnings == len(in_quanfu) - 1 == 6
    assert row_of(board, street.other_street).overdue_warnings == len(in_huashan) == 1
    assert board.figures.overdue_warnings == 7


# The trend --------------------------------------------------------------------------------

def test_trend_counts_this_week_live_for_every_street(city, superuser):
    this_week = city_board(superuser).trend[-1]
    assert this_week.week == week_start(timezone.localdate())
    assert (this_week.new, this_week.closed, this_week.source) == (17, 4, "live")


def test_trend_folds_weekly_snapshots_and_counts_streets_without_one_live(city, superuser,
                                                                          street):
    """Last week: 全福 has its weekly snapshot, 华山 none (counted live: nothing then).
    Two weeks ago: both have one. The snapshots' figures differ from the live counts on
    purpose, to show which source each week read."""
    last_week = week_start(timezone.localdate()) - timedelta(weeks=1)
    two_weeks_ago = last_week - timedelta(weeks=1)
    snapshot(street.street, last_week, [(street.community_a, 5, 2), (street.community_b, 1, 1)])
    snapshot(street.street, two_weeks_ago, [(street.community_a, 3, 0)])
    snapshot(street.other_street, two_weeks_ago, [(street.community_other, 4, 4)])
    trend = {entry.week: entry for entry in city_board(superuser).trend}
    assert (trend[last_week].new, trend[last_week].closed) == (6, 3)
    assert trend[last_week].source == "mixed"
    assert (trend[last_week].snapshot_streets, trend[last_week].live_streets) == (1, 1)
    assert (trend[two_weeks_ago].new, trend[two_weeks_ago].closed) == (7, 4)
    assert trend[two_weeks_ago].source == "snapshot"


def snapshot(street_area, week, counts):
    """A weekly snapshot as rhythm.snapshots stores it, with chosen figures."""
    return Snapshot.objects.create(street=street_area, kind=Snapshot.Kind.WEEKLY,
                                   period_start=week, rows=[
                                       {"community_id": community.pk, "new": new,
                                        "closed_in_week": closed}
                                       for community, new, closed in counts])


def test_weekly_snapshots_are_read_once_then_their_folds_come_from_the_cache(
        city, superuser, street):
    last_week = week_start(timezone.localdate()) - timedelta(weeks=1)
    snapshot(street.street, last_week, [(street.community_a, 5, 2)])
    snapshot(street.other_street, last_week, [(street.community_other, 1, 0)])
    scope = get_city_for_dashboard(fresh(superuser))
    with CaptureQueriesContext(connection) as first:
        first_trend = dashboards.build_city(scope).trend
    with CaptureQueriesContext(connection) as second:
        second_trend = dashboards.build_city(scope).trend
    assert first_trend == second_trend
    assert len(second.captured_queries) == len(first.captured_queries) - 1
    assert not any('"rows"' in query["sql"] for query in second.captured_queries)


def test_the_daily_job_folds_the_weeks_snapshots_before_anyone_opens_the_page(
        city, superuser, street):
    from rhythm import jobs

    last_week = week_start(timezone.localdate()) - timedelta(weeks=1)
    snapshot(street.street, last_week, [(street.community_a, 5, 2)])
    snapshot(street.other_street, last_week, [(street.community_other, 1, 0)])
    cache.clear()  # as after a restart of the cache
    jobs.daily(timezone.localdate())
    scope = get_city_for_dashboard(fresh(superuser))
    with CaptureQueriesContext(connection) as page:
        trend = {entry.week: entry for entry in dashboards.build_city(scope).trend}
    assert not any('"rows"' in query["sql"] for query in page.captured_queries)
    assert (trend[last_week].new, trend[last_week].closed) == (6, 2)


def test_a_failing_cache_only_costs_the_snapshot_query(city, superuser, street, monkeypatch):
    last_week = week_start(timezone.localdate()) - timedelta(weeks=1)
    snapshot(street.street, last_week, [(street.community_a, 5, 2)])

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", broken)
    monkeypatch.setattr(cache, "set_many", broken)
    trend = {entry.week: entry for entry in city_board(superuser).trend}
    assert (trend[last_week].new, trend[last_week].closed) == (5, 2)


# Scope ------------------------------------------------------------------------------------

def test_superuser_lands_on_the_city_dashboard(client, superuser):
    client.force_login(superuser)
    response = client.get("/supervision/")
    assert response.status_code == 302 and response["Location"] == CITY_URL


def test_city_page_shows_every_street_linking_to_its_dashboard(city, client, superuser,
                                                               street):
    client.force_login(superuser)
    response = client.get(CITY_URL)
    assert response.status_code == 200
    page = response.content.decode()
    for street_area in (street.street, street.other_street):
        url = f"/supervision/street/{street_area.pk}/"
        assert f'href="{url}"' in page
        assert client.get(url).status_code == 200
    assert 'data-chart="status-data"' in page and 'id="status-data"' in page
    assert "<script>" not in page.replace('<script src=', '')  # json_script only, no code
    street_page = client.get(f"/supervision/street/{street.street.pk}/").content.decode()
    assert f'href="{CITY_URL}"' in street_page


@pytest.mark.parametrize("persona", ["leader", "other_street_leader", "officer_a",
                                     "supervisor_a"])
def test_a_scope_within_one_street_gets_404(request, client, street, persona):
    """The city view is above a street: a street leader's view stops at their street
    (their street's dashboard), an officer's at their community; outside is 404."""
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(CITY_URL).status_code == 404
    assert f'href="{CITY_URL}"' not in client.get("/supervision/", follow=True) \
        .content.decode()


@pytest.mark.parametrize("persona", ["section_staff", "grid_worker_a1"])
def test_roles_without_dashboards_get_403(request, client, street, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(CITY_URL).status_code == 403


def test_anonymous_is_sent_to_log_in(client, street):
    response = client.get(CITY_URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_supervisor_of_two_streets_sees_both_and_only_their_communities(
        city, client, street):
    """Groups in both streets: community A of 全福 and 华山's community. Community B's
    matters are not counted; 全福's row does not open the street's dashboard (the street
    as a whole is outside the scope) and links nowhere."""
    supervisor = make_user("supervisor_two_streets", Role.SUPERVISOR, street.street)
    group_for(street, supervisor, [street.community_a], code="S1-SG7")
    huashan_group = group_for(street, supervisor, [street.community_other], code="S2-SG1")
    huashan_group.street = street.other_street
    huashan_group.save(update_fields=["street"])
    board = city_board(supervisor)
    assert [row.area for row in board.rows] == [street.street, street.other_street]
    quanfu = row_of(board, street.street)
    # Community A in VARIED: 9 matters, open 1 2 3 8 9, high open 1, overdue 1 and 3,
    # written off 5 and 6 of 8 valid.
    assert {name: getattr(quanfu, name) for name in (
        "total", "open", "high_open", "overdue_matters", "write_off_rate")} == {
        "total": 9, "open": 5, "high_open": 1, "overdue_matters": 2,
        "write_off_rate": round(2 / 8, 4)}
    assert (quanfu.whole, quanfu.dashboard, quanfu.link) == (False, "", "")
    assert row_of(board, street.other_street).total == HUASHAN["total"]
    assert board.figures.total == 9 + 4
    client.force_login(supervisor)
    assert client.get(CITY_URL).status_code == 200


def test_whole_city_is_counted_with_no_area_filter(city, superuser):
    """No path test and no list of community ids for the whole city."""
    with CaptureQueriesContext(connection) as context:
        city_board(superuser)
    sql = " ".join(query["sql"] for query in context.captured_queries)
    assert "LIKE" not in sql.upper() and '"community_id" IN' not in sql


def test_a_narrower_scope_is_one_prefix_test_per_root_never_an_id_list(city, street):
    supervisor = make_user("supervisor_two_streets", Role.SUPERVISOR, street.street)
    group_for(street, supervisor, [street.community_a, street.community_other],
              code="S1-SG7")
    with CaptureQueriesContext(connection) as context:
        city_board(supervisor)
    cube_sql = next(query["sql"] for query in context.captured_queries
                    if "risks_risk" in query["sql"] and "SUM(" in query["sql"])
    assert cube_sql.upper().count("LIKE") == 2
    assert '"community_id" IN' not in cube_sql


def test_bars_and_rows_link_to_the_register_showing_the_same_count(city, client, superuser,
                                                                   street):
    client.force_login(superuser)
    board = city_board(superuser)
    bars = [*board.by_status, *board.by_level, *board.by_category, *board.by_tier]
    for bar in [bar for bar in bars if bar.link]:
        assert client.get(bar.link).context["paginator"].count == bar.value, bar.key
    for row in board.rows:
        assert client.get(row.link).context["paginator"].count == row.open
        assert client.get(row.overdue_link).context["paginator"].count == \
            row.overdue_matters


# Query counts -----------------------------------------------------------------------------

# The figures: categories, the weekly snapshots' ids, the street cube (with the trend's
# live weeks), overdue warnings per street. The page adds the streets in scope and what
# every page costs (session, user, inbox count …). Not one per street or per community.
CITY_QUERIES = 4


def more_streets(street, categories, count):
    """``count`` more streets, each with a community, an officer and a matter."""
    for number in range(count):
        street_area = create_area(kind=AreaKind.STREET, code=f"S{3 + number}",
                                  name=f"第{3 + number}街道")
        community = create_area(kind=AreaKind.COMMUNITY, code=f"S{3 + number}-A",
                                name=f"第{3 + number}社区", parent=street_area)
        officer = make_user(f"officer_s{3 + number}", Role.COMMUNITY_OFFICER, community)
        risk_services.report_risk(
            actor=officer, title="新街道的事项", description="用于城市看板查询数的测试。",
            category=categories["disputes"], area=community, level=RiskLevel.LOW,
            duties={duty: officer for duty in Duty.values})


def page_queries(client, superuser) -> int:
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as context:
        assert client.get(CITY_URL).status_code == 200
    return len(context.captured_queries)


def test_city_figures_run_a_fixed_number_of_queries_at_2_and_5_streets(
        city, superuser, street, categories, django_assert_num_queries):
    scope = get_city_for_dashboard(fresh(superuser))
    assert len(scope.streets) == 2
    with django_assert_num_queries(CITY_QUERIES):
        dashboards.build_city(scope)
    more_streets(street, categories, 3)
    scope = get_city_for_dashboard(fresh(superuser))
    assert len(scope.streets) == 5
    with django_assert_num_queries(CITY_QUERIES):
        board = dashboards.build_city(scope)
    assert board.figures.total == CITY["total"] + 3


def test_city_page_runs_the_same_number_of_queries_at_2_and_5_streets(
        city, client, superuser, street, categories):
    at_two = page_queries(client, superuser)
    more_streets(street, categories, 3)
    assert page_queries(client, superuser) == at_two


def test_weekly_snapshots_of_every_street_add_one_query_then_none(
        city, superuser, street, categories, django_assert_num_queries):
    more_streets(street, categories, 3)
    scope = get_city_for_dashboard(fresh(superuser))
    for weeks_back in range(1, dashboards.TREND_WEEKS):
        week = week_start(timezone.localdate()) - timedelta(weeks=weeks_back)
        for street_area in scope.streets:
            snapshot(street_area, week, [])
    with django_assert_num_queries(CITY_QUERIES + 1):  # the snapshots' rows, once
        dashboards.build_city(scope)
    with django_assert_num_queries(CITY_QUERIES):
        board = dashboards.build_city(scope)
    assert [entry.source for entry in board.trend] == ["snapshot"] * 11 + ["live"]
