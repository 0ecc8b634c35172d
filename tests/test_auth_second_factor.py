"""The optional second factor (django-otp TOTP) for leaders and administrators: enrolment
from the profile page, the login's second step, every page and the admin refused until
the code is given, and OTP_REQUIRED_ROLES making it mandatory."""

from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD

VERIFY = reverse("accounts:second_factor_verify")
ENROL = reverse("accounts:second_factor_enrol")


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def code_of(device) -> str:
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


def wrong_code_of(device) -> str:
    return f"{(int(code_of(device)) + 500_000) % 1_000_000:06d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def log_in_with_password(client, username):
    response = client.post(reverse("accounts:login"),
                           {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password step should succeed"
    return response


def let_the_back_off_pass(device):
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1))


# Enrolment ---------------------------------------------------------------------------------

def test_a_street_leader_is_offered_the_enrolment_on_the_profile_page(client, leader):
    client.force_login(leader)
    content = client.get(reverse("accounts:profile")).content.decode()
    assert 'data-testid="enrol-link"' in content


def test_a_community_officer_is_not_offered_it_and_cannot_enrol(client, officer_a):
    client.force_login(officer_a)
    assert 'data-testid="second-factor"' not in client.get(
        reverse("accounts:profile")).content.decode()
    assert client.get(ENROL).status_code == 403
    assert not TOTPDevice.objects.filter(user=officer_a).exists()


def test_the_enrolment_page_shows_a_qr_code_drawn_here_and_the_key(client, leader):
    client.force_login(leader)
    response = client.get(ENROL)
    content = response.content.decode()
    device = TOTPDevice.objects.get(user=leader)
    assert not device.confirmed
    assert "<svg" in content and "<path" in content
    assert "http" not in content.split('data-testid="qr-code"')[1].split("</div>")[0].replace(
        "http://www.w3.org/2000/svg", "")
    from accounts.second_factor import base32_secret

    secret = base32_secret(device)
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in content
    # Reloading keeps the same secret: what was scanned stays valid.
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=leader).count() == 1


def test_a_wrong_code_does_not_confirm_the_enrolment(client, leader):
    client.force_login(leader)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=leader)
    response = client.post(ENROL, {"code": wrong_code_of(device)})
    assert response.status_code == 200
    assert "This code is not right" in response.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed


def test_the_right_code_confirms_the_enrolment_and_this_session_counts_as_verified(
        client, leader):
    client.force_login(leader)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=leader)
    response = client.post(ENROL, {"code": code_of(device)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:profile")
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(reverse("home")).status_code == 200
    assert client.get(ENROL).status_code == 302  # already set up


def test_an_administrator_may_enrol(client, superuser):
    client.force_login(superuser)
    assert client.get(ENROL).status_code == 200


# The login's second step ----------------------------------------------------------------

def test_after_the_password_every_page_asks_for_the_code_first(client, leader):
    enrolled(leader)
    log_in_with_password(client, "leader")
    for path in (reverse("home"), reverse("risks:risk_list"), reverse("accounts:profile"),
                 reverse("accounts:password_change")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY), path
    assert client.get(ENROL)["Location"].startswith(VERIFY)


def test_the_api_refuses_a_session_still_owing_its_code(client, leader):
    enrolled(leader)
    log_in_with_password(client, "leader")
    response = client.get("/api/v1/areas/")
    assert response.status_code == 403
    assert "one-time code" in response.json()["detail"]


def test_the_admin_refuses_an_administrator_still_owing_the_code(client, superuser):
    device = enrolled(superuser)
    log_in_with_password(client, "root")
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.get("/admin/accounts/user/").status_code == 302
    client.post(VERIFY, {"code": code_of(device)})
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_and_the_pages_stay_closed(client, leader):
    device = enrolled(leader)
    log_in_with_password(client, "leader")
    response = client.post(VERIFY, {"code": wrong_code_of(device)})
    assert response.status_code == 200
    assert "This code is not right" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_the_right_code_opens_the_page_first_asked_for(client, leader):
    device = enrolled(leader)
    log_in_with_password(client, "leader")
    asked = client.get(reverse("risks:risk_list"))["Location"]
    response = client.post(asked, {"code": code_of(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("risks:risk_list")
    assert client.get(reverse("risks:risk_list")).status_code == 200


def test_the_right_code_after_a_wrong_one_passes_once_the_back_off_is_over(client, leader):
    device = enrolled(leader)
    log_in_with_password(client, "leader")
    client.post(VERIFY, {"code": wrong_code_of(device)})
    too_soon = client.post(VERIFY, {"code": code_of(device)})
    assert "Too many wrong codes in a row" in too_soon.content.decode()
    let_the_back_off_pass(device)
    assert client.post(VERIFY, {"code": code_of(device)}).status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_code_cannot_be_used_twice(client, leader):
    device = enrolled(leader)
    log_in_with_password(client, "leader")
    code = code_of(device)
    client.post(VERIFY, {"code": code})
    client.post(reverse("accounts:logout"))
    log_in_with_password(client, "leader")
    assert client.post(VERIFY, {"code": code}).status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_the_next_parameter_cannot_send_elsewhere(client, leader):
    device = enrolled(leader)
    log_in_with_password(client, "leader")
    response = client.post(VERIFY + "?next=https://evil.example/", {"code": code_of(device)})
    assert response["Location"] == reverse("home")


def test_a_person_owing_the_code_may_still_log_out(client, leader):
    enrolled(leader)
    log_in_with_password(client, "leader")
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(VERIFY).status_code == 302  # now simply not logged in
    assert client.get(VERIFY)["Location"].startswith(reverse("accounts:login"))


def test_people_without_a_device_are_not_asked(client, leader, officer_a):
    log_in_with_password(client, "leader")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(VERIFY)["Location"] == reverse("home")


def test_removing_the_device_needs_a_current_code(client, leader):
    device = enrolled(leader)
    log_in_with_password(client, "leader")
    client.post(VERIFY, {"code": code_of(device)})
    client.post(reverse("accounts:second_factor_remove"), {"code": "000000"})
    assert TOTPDevice.objects.filter(user=leader).exists()
    let_the_back_off_pass(device)
    device.refresh_from_db()
    # the login's code is spent; the next time step's code is needed
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    client.post(reverse("accounts:second_factor_remove"), {"code": code_of(device)})
    assert not TOTPDevice.objects.filter(user=leader).exists()
    client.post(reverse("accounts:logout"))
    log_in_with_password(client, "leader")
    assert client.get(reverse("home")).status_code == 200


# Mandatory for some roles -----------------------------------------------------------------

def test_a_required_role_without_a_device_must_enrol_before_anything_else(client, leader,
                                                                         settings):
    settings.OTP_REQUIRED_ROLES = ["street_leader"]
    log_in_with_password(client, "leader")
    response = client.get(reverse("risks:risk_list"))
    assert response["Location"].startswith(ENROL)
    assert client.get(VERIFY)["Location"].startswith(ENROL)
    assert "Your role requires a two-step login" in client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=leader)
    client.post(ENROL, {"code": code_of(device)})
    assert client.get(reverse("risks:risk_list")).status_code == 200


def test_a_required_role_cannot_turn_the_second_factor_off(client, leader, settings):
    settings.OTP_REQUIRED_ROLES = ["street_leader"]
    device = enrolled(leader)
    log_in_with_password(client, "leader")
    client.post(VERIFY, {"code": code_of(device)})
    assert client.post(reverse("accounts:second_factor_remove"),
                       {"code": code_of(device)}).status_code == 403
    assert TOTPDevice.objects.filter(user=leader).exists()


def test_administrator_in_the_required_roles_covers_superusers(client, superuser, officer_a,
                                                               settings):
    settings.OTP_REQUIRED_ROLES = ["administrator"]
    log_in_with_password(client, "root")
    assert client.get("/admin/")["Location"].startswith(ENROL)
    other = client.__class__()
    other.force_login(officer_a)
    assert other.get(reverse("home")).status_code == 200


def test_roles_not_required_are_unaffected(client, officer_a, settings):
    settings.OTP_REQUIRED_ROLES = ["street_leader"]
    client.force_login(officer_a)
    assert client.get(reverse("home")).status_code == 200


def test_an_unknown_role_in_the_setting_fails_the_system_check(settings):
    settings.OTP_REQUIRED_ROLES = ["street_leaders"]
    errors = [error for error in run_checks() if error.id == "accounts.E001"]
    assert errors and "street_leaders" in errors[0].msg
