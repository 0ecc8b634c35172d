"""`warnings/` of the REST contract: issue, read, answer — within the caller's scope."""

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
