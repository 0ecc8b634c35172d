"""A token for the grid worker's phone (``auth/token/``): signed in with the password (and the
one-time code where the website asks for one), under the same lock-out rules as the login
page; signed out from the app (DELETE) or, when the phone is lost, from the profile page."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import DEVICE_TOKENS_PER_PERSON, issue_device_token
from audit.models import AuditEntry
from tests.conftest import PASSWORD
from tests.test_auth_second_factor import code_of, wrong_code_of

TOKEN = "/api/v1/auth/token/"
PROFILE = reverse("accounts:profile")
REVOKE = reverse("accounts:token_revoke")


@pytest.fixture(autouse=True)
def no_throttle_history():
    """The sign-in throttle counts in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def phone():
    client = APIClient()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(TOKEN, {"username": username, "password": password, **extra},
                       format="json")


def opens_the_api(key) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/areas/").status_code == 200


# Signing in ---------------------------------------------------------------------------------

def test_a_grid_worker_gets_a_token_for_the_phone_that_opens_the_api(phone, grid_worker_a1,
                                                                      settings):
    response = sign_in(phone, "grid_a1")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert opens_the_api(body["token"])
    token = ApiToken.objects.get(user=grid_worker_a1)
    assert token.name == f"手机 {timezone.localdate():%Y-%m-%d}"
    assert body["token"] not in (token.key_hash, token.key_prefix)  # only its hash is kept
    lifetime = token.expires_at - timezone.now()
    assert timedelta(days=settings.API_DEVICE_TOKEN_DAYS - 1) < lifetime \
        <= timedelta(days=settings.API_DEVICE_TOKEN_DAYS)
    login = AuditEntry.objects.get(action="login", actor=grid_worker_a1)
    assert token.key_prefix in login.detail
    assert AuditEntry.objects.filter(model_label="accounts.apitoken", action="create",
                                     actor=grid_worker_a1).exists()


def test_the_phone_may_name_itself(phone, grid_worker_a1):
    assert sign_in(phone, "grid_a1", name="华为 Mate 60").status_code == 201
    assert ApiToken.objects.get(user=grid_worker_a1).name == "华为 Mate 60"


def test_a_second_phone_does_not_sign_the_first_out(phone, grid_worker_a1):
    first = sign_in(phone, "grid_a1").json()["token"]
    second = sign_in(phone, "grid_a1").json()["token"]
    assert opens_the_api(first) and opens_the_api(second)


def test_beyond_the_limit_of_devices_the_oldest_is_signed_out(phone, grid_worker_a1):
    keys = [sign_in(phone, "grid_a1").json()["token"]
            for _ in range(DEVICE_TOKENS_PER_PERSON + 1)]
    assert not opens_the_api(keys[0])
    assert all(opens_the_api(key) for key in keys[1:])


def test_a_wrong_password_is_refused_and_counted_like_on_the_login_page(phone, grid_worker_a1):
    response = sign_in(phone, "grid_a1", "wrong-password")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["The username or the password is not right."]}
    assert AccessAttempt.objects.get(username="grid_a1").failures_since_start == 1
    assert AuditEntry.objects.filter(action="login_failed", username="grid_a1").exists()
    assert not ApiToken.objects.exists()


def test_an_unknown_username_gets_the_same_answer(phone, grid_worker_a1):
    unknown = sign_in(phone, "nobody_here", "wrong-password")
    known = sign_in(phone, "grid_a1", "wrong-password")
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())


def test_the_fifth_wrong_password_locks_and_then_even_the_right_one_is_refused(phone,
                                                                              grid_worker_a1):
    answers = [sign_in(phone, "grid_a1", "wrong-password") for _ in range(5)]
    assert [answer.status_code for answer in answers] == [400, 400, 400, 400, 429]
    assert "Logging in is blocked until" in answers[-1].json()["detail"]
    locked = sign_in(phone, "grid_a1")
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert "Logging in is blocked until" in locked.json()["detail"]
    assert not ApiToken.objects.exists()


def test_failures_on_the_login_page_lock_the_app_too(client, phone, grid_worker_a1):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "grid_a1", "password": "wrong"})
    assert sign_in(phone, "grid_a1").status_code == 429


def test_a_successful_sign_in_forgets_the_earlier_failures(phone, grid_worker_a1):
    for _ in range(3):
        sign_in(phone, "grid_a1", "wrong-password")
    assert sign_in(phone, "grid_a1").status_code == 201
    assert not AccessAttempt.objects.filter(username="grid_a1").exists()


def test_sign_ins_from_one_address_are_throttled(phone, grid_worker_a1):
    answers = [sign_in(phone, "grid_a1").status_code for _ in range(11)]
    assert answers == [201] * 10 + [429]


def test_a_machine_client_gets_its_key_from_an_administrator(phone, api_client_user):
    response = sign_in(phone, "district_platform")
    assert response.status_code == 403
    assert "administrator" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_an_expired_token_still_sent_along_does_not_stop_the_sign_in(phone, grid_worker_a1):
    phone.credentials(HTTP_AUTHORIZATION="Token expired-or-revoked")
    assert sign_in(phone, "grid_a1").status_code == 201


# The second factor ------------------------------------------------------------------------------

def test_a_person_with_an_authenticator_app_must_give_its_code(phone, leader):
    device = TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)
    missing = sign_in(phone, "leader")
    assert missing.status_code == 400 and "otp" in missing.json()
    wrong = sign_in(phone, "leader", otp=wrong_code_of(device))
    assert wrong.status_code == 400 and "otp" in wrong.json()
    assert AuditEntry.objects.filter(action="otp_failed", actor=leader).exists()
    assert not ApiToken.objects.exists()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=None, throttling_failure_count=0)
    right = sign_in(phone, "leader", otp=code_of(device))
    assert right.status_code == 201
    assert opens_the_api(right.json()["token"])


def test_a_role_that_requires_the_second_factor_must_set_it_up_first(phone, grid_worker_a1,
                                                                      settings):
    settings.OTP_REQUIRED_ROLES = ["grid_worker"]
    response = sign_in(phone, "grid_a1")
    assert response.status_code == 403
    assert "authenticator app" in response.json()["detail"]
    assert not ApiToken.objects.exists()


# Signing out --------------------------------------------------------------------------------

def test_the_app_signs_itself_out(phone, grid_worker_a1):
    other_phone = sign_in(phone, "grid_a1").json()["token"]
    key = sign_in(phone, "grid_a1").json()["token"]
    phone.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert phone.delete(TOKEN).status_code == 204
    assert not opens_the_api(key)
    assert phone.get("/api/v1/areas/").status_code == 401  # the revoked token is refused
    assert opens_the_api(other_phone)
    assert AuditEntry.objects.filter(target="accounts.apitoken",
                                     detail__contains="revoked").exists()


def test_signing_out_needs_a_token(phone, grid_worker_a1):
    assert phone.delete(TOKEN).status_code == 401
    phone.force_login(grid_worker_a1)
    assert phone.delete(TOKEN).status_code == 400


# The profile page ------------------------------------------------------------------------------

def test_the_profile_page_lists_my_apps_and_not_anyone_elses(client, grid_worker_a1, officer_a):
    mine, _ = issue_device_token(grid_worker_a1, name="我的手机")
    theirs, _ = issue_device_token(officer_a, name="别人的手机")
    client.force_login(grid_worker_a1)
    content = client.get(PROFILE).content.decode()
    assert "我的手机" in content and f"{mine.key_prefix}…" in content
    assert "别人的手机" not in content and theirs.key_prefix not in content
    assert f'data-testid="revoke-token-{mine.pk}"' in content


def test_a_lost_phone_is_signed_out_from_the_profile_page(client, grid_worker_a1):
    token, key = issue_device_token(grid_worker_a1, name="丢失的手机")
    client.force_login(grid_worker_a1)
    response = client.post(REVOKE, {"token": token.pk}, follow=True)
    assert response.redirect_chain == [(PROFILE, 302)]
    assert "的登录已撤销" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not opens_the_api(key)
    assert "丢失的手机" not in client.get(PROFILE).content.decode()


def test_someone_elses_token_cannot_be_signed_out(client, grid_worker_a1, officer_a):
    theirs, key = issue_device_token(officer_a)
    client.force_login(grid_worker_a1)
    for named in (theirs.pk, "", "abc", "9" * 30):
        assert client.post(REVOKE, {"token": named}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert opens_the_api(key)
    assert client.get(REVOKE).status_code == 405
