"""One definition of the resolution rate (化解率, risks.figures): the write-off progress
ledger (page and .xlsx), the monthly statistics, the street and community dashboards and
the API's monthly statistics give the same number for the same community's matters,
level by level, and judge the targets alike (issue 14, item 5)."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ledgers.exports import RATE_DEFINITION
from rhythm.snapshots import month_start, monthly_rows
from risks.choices import RiskLevel, RiskStatus
from risks.figures import TARGETS, meets_target, resolution_rate
from supervision import dashboards
from supervision.scoping import communities_in
from tests.supervision_helpers import MatterMaker, Spec

HIGH, MEDIUM, LOW = RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW
REPORTED, VERIFIED, RESOLVING = RiskStatus.REPORTED, RiskStatus.VERIFIED, RiskStatus.RESOLVING
RESOLVED, CLOSED, INVALID = RiskStatus.RESOLVED, RiskStatus.CLOSED, RiskStatus.INVALID

# Community A's matters: resolved and written-off ones count as done, the invalid ones
# not at all, the ungraded one only in the community's overall rate.
COMMUNITY_A = [
    Spec("a", "disputes", HIGH, CLOSED), Spec("a", "disputes", HIGH, RESOLVED),
    Spec("a", "public_order", HIGH, RESOLVING),
    Spec("a", "disputes", MEDIUM, CLOSED), Spec("a", "disputes", MEDIUM, CLOSED),
    Spec("a", "public_order", MEDIUM, RESOLVED), Spec("a", "disputes", MEDIUM, VERIFIED),
    Spec("a", "disputes", MEDIUM, INVALID),
    Spec("a", "disputes", LOW, RESOLVED), Spec("a", "disputes", LOW, RESOLVED),
    Spec("a", "disputes", LOW, RESOLVED), Spec("a", "public_order", LOW, INVALID),
    Spec("a", "disputes", None, REPORTED),
]
# By hand: high 2 of 3, medium 3 of 4 (the invalid one left out), low 3 of 3.
EXPECTED = {HIGH: (2, 3), MEDIUM: (3, 4), LOW: (3, 3)}
EXPECTED_OVERALL = (8, 11)  # the ungraded reported one is valid, not done
# Community B's matters, which must change nothing in A's figures.
COMMUNITY_B = [Spec("b", "disputes", HIGH, RESOLVING), Spec("b", "cyber", LOW, CLOSED)]


@pytest.fixture
def matters(street, categories, officer_a, officer_b, leader, roster_a1):
    maker = MatterMaker(street, categories, officer_a, officer_b, leader)
    return maker.many(COMMUNITY_A + COMMUNITY_B)


def progress_ledger_page(client, user, community):
    """The write-off progress ledger's row of the community, as its page shows it."""
    client.force_login(user)
    response = client.get(reverse("ledgers:ledger_page", args=["progress"]),
                          {"within": community.pk})
    assert response.status_code == 200
    content = response.content.decode()
    assert "化解率 = 已化解和已销号的事项 ÷ 统计期内有效事项（不含核实无风险的事项）" in content
    [row] = [row for row in response.context["progress_rows"]
             if row.community == community.name]
    return row


def progress_ledger_sheet(client, user, community) -> dict:
    """The .xlsx of the same ledger: {header: value} of the community's row."""
    client.force_login(user)
    response = client.get(reverse("api:ledger-export", args=["progress"]),
                          {"within": community.pk})
    content = b"".join(response.streaming_content)
    sheet = load_workbook(BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    headers = rows[0]
    [row] = [row for row in rows[1:] if row[1] == community.name]
    assert any(RATE_DEFINITION in str(line[0]) for line in rows if line and line[0])
    return dict(zip(headers, row, strict=True))


def api_monthly_row(api, user, community) -> dict:
    api.force_authenticate(user)
    response = api.get("/api/v1/statistics/monthly/",
                       {"month": f"{timezone.localdate():%Y-%m}"})
    assert response.status_code == 200, response.json()
    [row] = [row for row in response.json()["communities"] if row["community"] == community.pk]
    return row


LEVEL_NAMES = {HIGH: "高风险", MEDIUM: "中风险", LOW: "低风险"}


def test_ledger_monthly_statistics_dashboards_and_api_give_the_same_rate(
        matters, client, api, leader, officer_a, api_client_user, street):
    community = street.community_a
    ledger = progress_ledger_page(client, leader, community)
    sheet = progress_ledger_sheet(client, leader, community)
    [monthly] = [row for row in monthly_rows(street.street, month_start(timezone.localdate()))
                 if row["community_id"] == community.pk]
    street_board = dashboards.build(leader, kind="street", area=street.street,
                                    street=street.street,
                                    communities=communities_in(leader, street.street))
    [street_row] = [row for row in street_board.rows if row.area == community]
    community_board = dashboards.build(officer_a, kind="community", area=community,
                                       street=street.street, communities=[community])
    from_api = api_monthly_row(api, api_client_user, community)

    for level, (done, valid) in EXPECTED.items():
        expected = resolution_rate(done, valid)
        met = meets_target(level, done, valid)
        dashboard_entry = next(entry for entry in street_row.rates if entry.level == level)
        community_entry = next(entry for entry in community_board.rates
                               if entry.level == level)
        api_entry = next(entry for entry in from_api["levels"] if entry["level"] == level)
        rates = {
            "progress ledger": ledger.levels[level].rate,
            "progress ledger .xlsx": sheet[f"{LEVEL_NAMES[level]}化解率"],
            "monthly statistics": monthly["levels"][level]["rate"],
            "street dashboard": dashboard_entry.resolution_rate,
            "community dashboard": community_entry.resolution_rate,
            "API": api_entry["resolution_rate"],
        }
        assert rates == dict.fromkeys(rates, expected), level
        assert {ledger.levels[level].meets_target, monthly["levels"][level]["met"],
                dashboard_entry.met, community_entry.met, api_entry["met"]} == {met}
        assert (ledger.levels[level].done, ledger.levels[level].total) == (done, valid)
        assert (api_entry["done"], api_entry["valid"]) == (done, valid)
        assert api_entry["target"] == TARGETS[level] == community_entry.target

    overall = resolution_rate(*EXPECTED_OVERALL)
    assert ledger.rate == sheet["化解率"] == monthly["resolution_rate"] == \
        from_api["resolution_rate"] == overall


def test_the_ledger_counts_resolved_as_well_as_written_off_and_says_the_write_offs_apart(
        matters, client, leader, street):
    ledger = progress_ledger_page(client, leader, street.community_a)
    # high: one written off and one resolved, both done; only the first is 销号
    assert (ledger.levels[HIGH].done, ledger.levels[HIGH].closed) == (2, 1)
    assert (ledger.done, ledger.closed, ledger.total) == (8, 3, 11)
    sheet = progress_ledger_sheet(client, leader, street.community_a)
    assert (sheet["已化解（含销号）"], sheet["已销号"], sheet["有效事项"]) == (8, 3, 11)
    assert sheet["高风险达标（100%）"] == "否" and sheet["低风险达标（≥90%）"] == "是"


def test_the_dashboard_and_the_monthly_page_say_which_matters_count(matters, client, leader,
                                                                    street):
    client.force_login(leader)
    definition = "化解率 = 已化解和已销号的事项 ÷ 统计期内有效事项（不含核实无风险的事项）"
    dashboard = client.get(reverse("supervision:street_dashboard", args=[street.street.pk]))
    assert definition in dashboard.content.decode()
    monthly = client.get(reverse("rhythm:monthly_stats"))
    assert definition in monthly.content.decode()


@pytest.mark.parametrize(("level", "done", "valid", "met"), [
    (HIGH, 0, 0, True),          # nothing to miss
    (HIGH, 19999, 20000, False),  # 99.995% rounds to 100% and is still short of it
    (MEDIUM, 9, 10, True),       # exactly 90%
    (MEDIUM, 62, 70, False),
    (LOW, 63, 70, True),
])
def test_a_target_is_met_on_the_counts_not_on_the_rounded_rate(level, done, valid, met):
    assert meets_target(level, done, valid) is met


def test_a_rate_is_kept_to_four_places_and_none_without_matters():
    assert resolution_rate(2, 3) == 0.6667
    assert resolution_rate(0, 0) is None
