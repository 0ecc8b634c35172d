"""The load benchmark's baseline (risks/api/baseline.py) answers the register's first page
as the API does — the same count, the same matters in the same order, with their clocks —
so that the API's throughput as a share of it compares like with like."""

import json

import pytest
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from accounts.services import issue_api_token
from risks.api.baseline import first_page


@pytest.mark.postgres
def test_the_baseline_answers_the_apis_first_page(db, leader, report, officer_a):
    for _ in range(3):
        report(officer_a)
    _token, key = issue_api_token(leader, name="bench", days=1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    through_api = api.get("/api/v1/risks/").json()
    request = RequestFactory().get("/api/v1/bench/baseline/risks/",
                                   HTTP_AUTHORIZATION=f"Token {key}")
    bare = json.loads(first_page(request).content)
    assert bare["count"] == through_api["count"] == 3
    assert [row["id"] for row in bare["results"]] == [
        row["id"] for row in through_api["results"]]
    assert all("clocks" in row for row in bare["results"])


def test_the_baseline_refuses_a_caller_without_a_token(db):
    response = first_page(RequestFactory().get("/api/v1/bench/baseline/risks/"))
    assert response.status_code == 401


def test_the_baseline_is_not_mounted_outside_the_benchmark():
    with pytest.raises(NoReverseMatch):
        reverse("bench-baseline")
