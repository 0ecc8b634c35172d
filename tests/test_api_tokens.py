"""Machine clients call the API with a token that is stored only as a hash."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import ApiToken, hash_token_key
from accounts.services import issue_api_token, revoke_api_token


def issue_by_command(username) -> str:
    out, err = StringIO(), StringIO()
    call_command("issue_token", username, stdout=out, stderr=err)
    return out.getvalue().strip()


def test_issue_token_prints_a_key_that_works(api, street, api_client_user):
    key = issue_by_command("district_platform")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/areas/")
    assert response.status_code == 200
    assert response.json()["results"]


def test_only_the_hash_of_the_key_is_stored(street, api_client_user):
    key = issue_by_command("district_platform")
    token = ApiToken.objects.get(user=api_client_user, revoked_at__isnull=True)
    assert token.key_hash == hash_token_key(key)
    assert key not in {token.key_hash, token.key_prefix, token.name}


def test_issuing_again_rotates_the_key(api, street, api_client_user):
    old = issue_by_command("district_platform")
    new = issue_by_command("district_platform")
    api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api.get("/api/v1/areas/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert api.get("/api/v1/areas/").status_code == 200


def test_revoked_and_expired_tokens_are_refused(api, street, api_client_user):
    token, key = issue_api_token(api_client_user)
    revoke_api_token(token)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/areas/").status_code == 401
    token, key = issue_api_token(api_client_user)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/areas/").status_code == 401


def test_use_is_recorded(api, street, api_client_user):
    token, key = issue_api_token(api_client_user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get("/api/v1/areas/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_sees_only_its_users_scope(api, street, officer_a):
    _, key = issue_api_token(officer_a)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"/api/v1/areas/{street.community_b.pk}/").status_code == 404


def test_unknown_user_is_a_clear_error(db):
    with pytest.raises(CommandError, match="nobody"):
        call_command("issue_token", "nobody")


def test_garbage_header_is_401(api, street):
    api.credentials(HTTP_AUTHORIZATION="Token")
    assert api.get("/api/v1/areas/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Token a b")
    assert api.get("/api/v1/areas/").status_code == 401


def test_a_token_used_within_the_minute_costs_no_write(api, street, api_client_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token, key = issue_api_token(api_client_user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get("/api/v1/areas/")
    with CaptureQueriesContext(connection) as queries:
        api.get("/api/v1/areas/")
    assert not [q for q in queries if "accounts_apitoken" in q["sql"]
                and q["sql"].lstrip().upper().startswith("UPDATE")]
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - timedelta(minutes=2))
    api.get("/api/v1/areas/")
    token.refresh_from_db()
    assert token.last_used_at > timezone.now() - timedelta(seconds=30)
