"""`warnings/` of the REST contract: issue, read, answer — within the caller's scope; and
`statistics/monthly/`: the monthly statistics' counts and rates, within the caller's scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rhythm.models import RiskWarning
from rhythm.services import issue_warning


@pytest.fixture
def graded(ready_to_start):
    return ready_to_start(level="high")


def test_district_platform_issues_a_warning_in_the_past(api, graded, api_client_user):
    api.force_authenticate(api_client_user)
    issued = (timezone.now() - timedelta(days=1)).isoformat()
    response = api.post("/api/v1/warnings/", {"risk": graded.pk, "content": "纸质预警补录",
                                              "issued_at": issued}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {"id", "risk", "level", "content", "issued_at", "feedback_due",
                         "status"}
    assert body["status"] == "open" and body["level"] == "high"
    assert body["feedback_due"].endswith("+08:00")


def test_feedback_answers_the_warning(api, graded, officer_a, grid_worker_a1):
    warning = issue_warning(graded, actor=officer_a, content="需反馈")
    api.force_authenticate(grid_worker_a1)
    response = api.post(f"/api/v1/warnings/{warning.pk}/feedback/", {"content": "已稳控"},
                        format="json")
    assert response.status_code == 200 and response.json()["status"] == "answered"
    again = api.post(f"/api/v1/warnings/{warning.pk}/feedback/", {"content": "再次"},
                     format="json")
    assert again.status_code == 400


def test_warnings_outside_scope_are_404_and_cannot_be_issued(api, graded, officer_a,
                                                              officer_b):
    warning = issue_warning(graded, actor=officer_a, content="需反馈")
    api.force_authenticate(officer_b)
    assert api.get(f"/api/v1/warnings/{warning.pk}/").status_code == 404
    assert api.post(f"/api/v1/warnings/{warning.pk}/feedback/", {"content": "x"},
                    format="json").status_code == 404
    response = api.post("/api/v1/warnings/", {"risk": graded.pk, "content": "x"},
                        format="json")
    assert response.status_code == 400 and "risk" in response.json()
    assert api.get("/api/v1/warnings/").json()["results"] == []
    assert RiskWarning.objects.count() == 1


def test_supervisor_reads_but_cannot_issue(api, graded, supervisor_a):
    api.force_authenticate(supervisor_a)
    response = api.post("/api/v1/warnings/", {"risk": graded.pk, "content": "x"},
                        format="json")
    assert response.status_code == 403
    assert not RiskWarning.objects.exists()


@pytest.mark.parametrize("count", [2, 30])
def test_warning_list_runs_a_fixed_number_of_queries(api, ready_to_start, officer_a, count,
                                                     django_assert_max_num_queries):
    for _ in range(count):
        issue_warning(ready_to_start(), actor=officer_a, content="需反馈")
    api.force_authenticate(officer_a)
    with django_assert_max_num_queries(2):  # count and page
        response = api.get("/api/v1/warnings/", {"status": "open", "page_size": 100})
    assert len(response.json()["results"]) == count


# statistics/monthly/ (月统) ----------------------------------------------------------------

STATISTICS_URL = "/api/v1/statistics/monthly/"


def this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


@pytest.fixture
def month_of_matters(ready_to_start, report, officer_a, officer_b, street, categories):
    """In A: a low-level matter resolved, another only graded, one found invalid, a
    public-order one not graded yet; in B: one reported."""
    from risks.services import reject_risk, resolve_risk, start_risk

    resolve_risk(start_risk(ready_to_start(level="low"), actor=officer_a), actor=officer_a,
                 note="已调解")
    ready_to_start(level="low", title="另一件低风险事项")
    reject_risk(report(officer_a, title="误报"), actor=officer_a, note="经核实不属于风险")
    report(officer_a, title="电动车盗窃", category=categories["public_order"])
    report(officer_b, area=street.grid_b1, title="东泉停车纠纷")


def community_rows(body) -> dict:
    return {row["name"]: row for row in body["communities"]}


def test_monthly_statistics_by_community_level_and_category(api, leader, street,
                                                            month_of_matters):
    api.force_authenticate(leader)
    response = api.get(STATISTICS_URL, {"month": this_month()})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["month"], body["street"], body["kept_at"]) == (
        this_month(), street.street.pk, None)
    rows = community_rows(body)
    assert set(rows) == {"花园社区", "东泉社区"}
    garden = rows["花园社区"]
    assert (garden["community"], garden["valid"], garden["done"], garden["closed"]) == (
        street.community_a.pk, 3, 1, 0)
    assert garden["resolution_rate"] == 0.3333 and garden["write_off_rate"] == 0.0
    assert [level["level"] for level in garden["levels"]] == ["high", "medium", "low"]
    low = garden["levels"][2]
    assert low == {"level": "low", "valid": 2, "done": 1, "resolution_rate": 0.5,
                   "target": 0.9, "met": False}
    assert garden["levels"][0] == {"level": "high", "valid": 0, "done": 0,
                                   "resolution_rate": None, "target": 1.0, "met": True}
    assert {category["category"]: (category["valid"], category["done"])
            for category in garden["categories"]} == {"disputes": (2, 1),
                                                      "public_order": (1, 0)}
    total = body["street_total"]
    assert total["community"] is None and total["name"] == "全福街道"
    assert total["valid"] == 4


@pytest.mark.parametrize(("persona", "communities", "street_total"), [
    ("officer_a", {"花园社区"}, False), ("officer_b", {"东泉社区"}, False),
    ("supervisor_a", {"花园社区"}, False), ("section_staff", {"花园社区", "东泉社区"}, True),
    ("api_client_user", {"花园社区", "东泉社区"}, True), ("other_street_leader", set(), True),
])
def test_monthly_statistics_within_the_callers_scope(api, request, month_of_matters, persona,
                                                     communities, street_total):
    api.force_authenticate(request.getfixturevalue(persona))
    body = api.get(STATISTICS_URL).json()  # the current month when none is given
    assert body["month"] == this_month()
    assert set(community_rows(body)) == communities
    assert (body["street_total"] is not None) == street_total


def test_monthly_statistics_refusals(api, grid_worker_a1, other_street_leader, street,
                                     month_of_matters):
    assert api.get(STATISTICS_URL).status_code == 401
    api.force_authenticate(grid_worker_a1)
    assert api.get(STATISTICS_URL).status_code == 403
    api.force_authenticate(other_street_leader)
    assert api.get(STATISTICS_URL, {"street": street.street.pk}).status_code == 404
    for month in ("2026-13", "26-01", "1999-12", "2026-1"):
        response = api.get(STATISTICS_URL, {"month": month})
        assert response.status_code == 400 and "month" in response.json(), month


def test_a_kept_month_is_served_as_kept_even_from_an_older_snapshot(api, leader, street,
                                                                    month_of_matters):
    from rhythm.models import Snapshot
    from rhythm.snapshots import take_monthly_snapshot

    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    snapshot, _created = take_monthly_snapshot(street.street, last_month)
    # a month kept before the categories and the overall done count were kept
    older_rows = [{key: value for key, value in row.items()
                   if key not in ("categories", "done", "resolution_rate")}
                  for row in snapshot.rows]
    Snapshot.objects.filter(pk=snapshot.pk).update(rows=older_rows)
    api.force_authenticate(leader)
    body = api.get(STATISTICS_URL, {"month": f"{last_month:%Y-%m}"}).json()
    assert body["kept_at"] is not None
    assert body["street_total"]["categories"] == [] and body["street_total"]["done"] is None


# The scope (the reader's streets), the kept snapshot (none), the month's rows (by
# community × level × category, and the warnings' feedback), the flow figures (the street's
# sections, and all figures in one UNION ALL). Measured 6 for 4 and for 40 matters.
STATISTICS_QUERIES = 6


@pytest.mark.parametrize("how_many", [2, 20])
def test_monthly_statistics_run_a_fixed_number_of_queries(api, leader, officer_a, officer_b,
                                                          report, street, how_many,
                                                          django_assert_max_num_queries):
    for number in range(how_many):
        report(officer_a, title=f"事项{number}")
        report(officer_b, area=street.grid_b1, title=f"东泉{number}")
    api.force_authenticate(leader)
    with django_assert_max_num_queries(STATISTICS_QUERIES):
        response = api.get(STATISTICS_URL)
    assert response.json()["street_total"]["valid"] == 2 * how_many


def test_the_schema_documents_monthly_statistics(client, leader):
    client.force_login(leader)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/statistics/monthly/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {"month", "street"}
    assert "化解率" in operation["description"]
    assert set(operation["responses"]) >= {"200", "400", "401", "403", "404"}
