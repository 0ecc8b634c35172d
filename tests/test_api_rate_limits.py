"""Rate limits (issue 21): each API token may send API_RATE_PER_MINUTE requests a minute;
beyond that the answer is 429 with Retry-After, counted per token in the cache (Redis in
production), and nothing is done."""

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.services import issue_api_token
from risks.models import Risk
from tests.conftest import make_user

RISKS_URL = "/api/v1/risks/"


def token_client(user) -> APIClient:
    _token, key = issue_api_token(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def three_a_minute(settings):
    settings.API_RATE_PER_MINUTE = 3


def test_a_token_past_its_rate_gets_429_with_retry_after(three_a_minute, api_client_user):
    client = token_client(api_client_user)
    assert [client.get(RISKS_URL).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(RISKS_URL)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "detail" in refused.json()


def test_a_refused_write_does_nothing(three_a_minute, api_client_user, street, categories):
    client = token_client(api_client_user)
    for _ in range(3):
        client.get(RISKS_URL)
    body = {"title": "占道经营纠纷", "description": "商户与居民争执。", "category": "disputes",
            "area": street.grid_a1.pk}
    assert client.post(RISKS_URL, body, format="json").status_code == 429
    assert not Risk.objects.exists()


def test_each_token_has_its_own_count(three_a_minute, api_client_user, street):
    city = make_user("city_platform", Role.API_CLIENT, street.street)
    first, second = token_client(api_client_user), token_client(city)
    for _ in range(3):
        first.get(RISKS_URL)
    assert first.get(RISKS_URL).status_code == 429
    assert second.get(RISKS_URL).status_code == 200


def test_people_signed_in_on_the_site_are_not_counted(three_a_minute, client, officer_a):
    client.force_login(officer_a)
    assert {client.get(RISKS_URL).status_code for _ in range(5)} == {200}


def test_zero_means_no_limit(settings, api_client_user):
    settings.API_RATE_PER_MINUTE = 0
    client = token_client(api_client_user)
    assert {client.get(RISKS_URL).status_code for _ in range(5)} == {200}


def test_the_schema_documents_the_429(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "429" in schema["paths"]["/api/v1/risks/"]["get"]["responses"]
