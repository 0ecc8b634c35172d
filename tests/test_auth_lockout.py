"""Login throttling and lock-out (django-axes, accounts.lockout): five failures lock the
username and the client address for the cool-off, whatever the password; the message
says until when; nothing tells whether a username exists."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.lockout import locked_until
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def attempt(client, username, password, address="127.0.0.1", path=LOGIN, **headers):
    return client.post(path, {"username": username, "password": password},
                       REMOTE_ADDR=address, **headers)


def is_logged_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def fail(client, username, times, address="127.0.0.1", **headers):
    return [attempt(client, username, "wrong-password", address, **headers)
            for _ in range(times)]


def let_the_cool_off_pass(minutes=16):
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=minutes))


def test_four_wrong_passwords_still_let_the_right_one_in(client, officer_a):
    responses = fail(client, "officer_a", 4)
    assert {response.status_code for response in responses} == {200}
    assert attempt(client, "officer_a", PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_the_fifth_wrong_password_locks_and_says_until_when(client, officer_a):
    *_, fifth = fail(client, "officer_a", 5)
    assert fifth.status_code == 429
    content = fifth.content.decode()
    assert "Too many failed log-in attempts" in content
    until = locked_until_for("officer_a")
    # Shown rounded up to the minute, so that trying again at the time shown works.
    rounded_up = (until + timedelta(seconds=59, microseconds=999999)).replace(second=0,
                                                                             microsecond=0)
    local = timezone.localtime(rounded_up)  # with its date when it falls on another day
    shown = date_format(local, "H:i" if local.date() == timezone.localdate() else "Y-m-d H:i")
    assert f"Logging in is blocked until {shown}" in content
    newest = AccessAttempt.objects.latest("attempt_time").attempt_time
    assert timedelta(minutes=15) <= until - newest < timedelta(minutes=16)


def locked_until_for(username, address="127.0.0.1"):
    from django.test import RequestFactory

    request = RequestFactory().post(LOGIN, {"username": username}, REMOTE_ADDR=address)
    return locked_until(request, {"username": username})


def test_a_locked_username_is_refused_even_with_the_right_password(client, officer_a):
    fail(client, "officer_a", 5)
    response = attempt(client, "officer_a", PASSWORD)
    assert response.status_code == 429
    assert "Logging in is blocked until" in response.content.decode()
    assert not is_logged_in(client)


def test_the_username_is_locked_from_other_addresses_too(client, officer_a):
    fail(client, "officer_a", 5, address="10.0.0.1")
    assert attempt(client, "officer_a", PASSWORD, address="10.0.0.2").status_code == 429
    assert not is_logged_in(client)


def test_the_lock_opens_after_the_cool_off(client, officer_a):
    fail(client, "officer_a", 5)
    let_the_cool_off_pass()
    assert attempt(client, "officer_a", PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_attempts_during_the_lock_do_not_push_its_end_further(client, officer_a):
    fail(client, "officer_a", 5)
    before = locked_until_for("officer_a")
    fail(client, "officer_a", 3)
    attempt(client, "officer_a", PASSWORD)
    assert locked_until_for("officer_a") == before
    assert AccessAttempt.objects.get().failures_since_start == 5


def test_one_address_failing_for_many_usernames_is_locked_for_every_username(
        client, officer_a, colleague_a):
    for number in range(5):
        attempt(client, f"guess{number}", "wrong-password", address="10.0.0.9")
    response = attempt(client, "officer_a", PASSWORD, address="10.0.0.9")
    assert response.status_code == 429
    assert not is_logged_in(client)
    # The people themselves, from their own desks, are not locked.
    assert attempt(client, "colleague_a", PASSWORD, address="10.0.0.10").status_code == 302


def test_an_unknown_username_gets_the_same_message_as_a_wrong_password(client, officer_a):
    unknown = attempt(client, "nobody_here", "wrong-password")
    known = attempt(client, "officer_a", "wrong-password")
    assert unknown.status_code == known.status_code == 200
    assert unknown.context["form"].non_field_errors() == known.context["form"].non_field_errors()
    assert "nobody_here" not in str(unknown.context["form"].non_field_errors())


def test_an_inactive_account_gets_the_same_message_as_a_wrong_password(client, officer_a,
                                                                       colleague_a):
    colleague_a.is_active = False
    colleague_a.save()
    inactive = attempt(client, "colleague_a", PASSWORD)
    wrong = attempt(client, "officer_a", "wrong-password")
    assert inactive.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()


def test_an_unknown_username_is_locked_like_a_known_one(client, db):
    *_, fifth = fail(client, "nobody_here", 5, address="10.0.0.3")
    assert fifth.status_code == 429


def test_a_successful_login_forgets_that_usernames_failures(client, officer_a):
    fail(client, "officer_a", 4)
    attempt(client, "officer_a", PASSWORD)
    client.post(reverse("accounts:logout"))
    responses = fail(client, "officer_a", 4)
    assert {response.status_code for response in responses} == {200}


def test_someone_elses_login_from_the_same_address_does_not_clear_my_failures(
        client, officer_a, colleague_a):
    fail(client, "officer_a", 4, address="10.0.0.5")
    assert attempt(client, "colleague_a", PASSWORD, address="10.0.0.5").status_code == 302
    client.post(reverse("accounts:logout"))
    assert fail(client, "officer_a", 1, address="10.0.0.5")[0].status_code == 429


def test_the_admin_login_counts_and_locks_the_same_way(client, superuser):
    for _ in range(5):
        response = attempt(client, "root", "wrong-password", path="/admin/login/")
    assert response.status_code == 429
    assert attempt(client, "root", PASSWORD, path="/admin/login/").status_code == 429
    assert client.get("/admin/").status_code == 302


def test_an_administrator_can_unlock_a_person(client, officer_a, superuser):
    fail(client, "officer_a", 5, address="10.0.0.7")
    admin = client.__class__()
    admin.force_login(superuser)
    response = admin.post(reverse("admin:accounts_user_changelist"),
                          {"action": "unlock_logins", "_selected_action": [officer_a.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="officer_a").exists()
    assert attempt(client, "officer_a", PASSWORD, address="10.0.0.7").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_address_lock(client, db):
    for number in range(5):
        attempt(client, f"guess{number}", "wrong", address="10.0.0.9",
                HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    response = attempt(client, "guess9", "wrong", address="10.0.0.9",
                       HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_address_it_forwarded_is_counted(client, officer_a,
                                                                    colleague_a, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for number in range(5):
        # The client forged the first entry; the proxy appended the real address.
        attempt(client, f"guess{number}", "wrong", address=proxy,
                HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, 198.51.100.7")
    assert AccessAttempt.objects.filter(ip_address="198.51.100.7").count() == 5
    locked = attempt(client, "officer_a", PASSWORD, address=proxy,
                     HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert locked.status_code == 429
    # Another client behind the same proxy is not locked.
    other = attempt(client, "colleague_a", PASSWORD, address=proxy,
                    HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 302
