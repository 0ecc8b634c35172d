"""What a request to the register costs, in queries: fixed, whatever the number of rows
(issue 8; times are measured by bench/, never here)."""

import pytest

from quanfu.api.filtering import names_a_filter
from risks.filters import RiskFilterSet


@pytest.mark.parametrize("rows", [2, 30])
def test_a_signed_in_list_page_costs_five_queries_whatever_its_rows(client, report, officer_a,
                                                                     rows,
                                                                     django_assert_num_queries):
    for _ in range(rows):
        report(officer_a)
    client.force_login(officer_a)
    client.get("/api/v1/risks/")  # starts the session's clocks (a write, once a minute)
    # the session; the person with their area and department; the count; the page; the
    # page's stage clocks
    with django_assert_num_queries(5):
        response = client.get("/api/v1/risks/")
    assert response.json()["count"] == rows


def test_a_token_list_page_costs_four_queries(api, report, officer_a,
                                              django_assert_num_queries):
    from accounts.services import issue_api_token

    report(officer_a)
    _token, key = issue_api_token(officer_a, name="district platform", days=1)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get("/api/v1/risks/")  # the first use is written down (last use, audit log)
    # the token with its person, area and department; the count; the page; its clocks
    with django_assert_num_queries(4):
        assert api.get("/api/v1/risks/").status_code == 200


def test_only_parameters_naming_a_filter_build_the_filterset():
    filters = RiskFilterSet.base_filters
    assert not names_a_filter({"page": "2", "page_size": "50", "cursor": "x"}, filters)
    assert names_a_filter({"status": "open"}, filters)
    assert names_a_filter({"within": "3"}, filters)
    # widgets that read suffixed names (ranges: x_min/x_max, x_after/x_before)
    assert names_a_filter({"updated_after_min": "1"}, {"updated_after": object()})


def test_a_bad_filter_value_is_still_refused_with_its_field(api, officer_a):
    api.force_authenticate(officer_a)
    response = api.get("/api/v1/risks/", {"status": "nonsense"})
    assert response.status_code == 400 and "status" in response.json()
