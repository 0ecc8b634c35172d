"""Sessions end after SESSION_IDLE_MINUTES without a request and SESSION_ABSOLUTE_HOURS
after the login, whatever the activity; the person is sent to the login page and told
why. Time is simulated by moving the session's timestamps back."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.middleware import LAST_SEEN_SESSION_KEY, LOGIN_AT_SESSION_KEY
from tests.conftest import PASSWORD

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def move_clocks_back(client, *, idle_seconds=0, since_login_seconds=0):
    session = client.session
    now = time.time()
    session[LAST_SEEN_SESSION_KEY] = int(now - idle_seconds)
    session[LOGIN_AT_SESSION_KEY] = int(now - max(since_login_seconds, idle_seconds))
    session.save()


def test_the_defaults_are_thirty_minutes_idle_and_twelve_hours_in_all(settings):
    assert settings.SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_ABSOLUTE_HOURS == 12


def test_a_login_starts_both_clocks(client, officer_a):
    client.post(reverse("accounts:login"), {"username": "officer_a", "password": PASSWORD})
    session = client.session
    assert abs(session[LOGIN_AT_SESSION_KEY] - time.time()) < 5
    assert abs(session[LAST_SEEN_SESSION_KEY] - time.time()) < 5


def test_activity_within_the_idle_limit_keeps_the_session_and_restarts_the_clock(client,
                                                                                 officer_a):
    client.force_login(officer_a)
    move_clocks_back(client, idle_seconds=29 * 60)
    assert client.get(reverse("home")).status_code == 200
    assert time.time() - client.session[LAST_SEEN_SESSION_KEY] < 5


def test_an_idle_session_ends_with_a_message_on_the_login_page(client, officer_a):
    client.force_login(officer_a)
    move_clocks_back(client, idle_seconds=31 * 60)
    response = client.get(reverse("risks:risk_list"))
    assert response.status_code == 302
    assert response["Location"] == (reverse("accounts:login") + "?next="
                                    + reverse("risks:risk_list"))
    page = client.get(response["Location"])
    assert "logged out after 30 minutes without activity" in page.content.decode()
    assert client.get(reverse("home")).status_code == 302  # the session is gone


def test_the_idle_limit_comes_from_the_settings(client, officer_a, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client.force_login(officer_a)
    move_clocks_back(client, idle_seconds=6 * 60)
    assert client.get(reverse("home")).status_code == 302


def test_a_session_ends_twelve_hours_after_the_login_however_active(client, officer_a):
    client.force_login(officer_a)
    move_clocks_back(client, idle_seconds=60, since_login_seconds=12 * 3600 + 60)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "you logged in more than 12 hours ago" in response.content.decode()


def test_eleven_hours_after_the_login_an_active_session_goes_on(client, officer_a):
    client.force_login(officer_a)
    move_clocks_back(client, idle_seconds=60, since_login_seconds=11 * 3600)
    assert client.get(reverse("home")).status_code == 200


def test_an_expired_session_on_the_api_is_refused_not_redirected(client, officer_a):
    client.force_login(officer_a)
    assert client.get("/api/v1/areas/").status_code == 200
    move_clocks_back(client, idle_seconds=31 * 60)
    response = client.get("/api/v1/areas/")
    assert response.status_code in {401, 403}
    assert client.get("/api/v1/areas/").status_code in {401, 403}


def test_htmx_requests_are_told_to_load_the_login_page(client, officer_a):
    client.force_login(officer_a)
    move_clocks_back(client, idle_seconds=31 * 60)
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("accounts:login"))


def test_a_session_without_clocks_gets_them_instead_of_ending(client, officer_a):
    client.force_login(officer_a)
    session = client.session
    del session[LOGIN_AT_SESSION_KEY]
    del session[LAST_SEEN_SESSION_KEY]
    session.save()
    assert client.get(reverse("home")).status_code == 200
    assert LOGIN_AT_SESSION_KEY in client.session


def test_secure_cookies_stay_on_in_production():
    code = ("import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'quanfu.settings');"
            "from django.conf import settings;"
            "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
            " settings.SESSION_COOKIE_HTTPONLY)")
    environment = {key: value for key, value in os.environ.items()
                   if key not in {"DATABASE_URL", "REDIS_URL"}}
    environment.update(QUANFU_ENV="production", SECRET_KEY="k" * 60,
                       ALLOWED_HOSTS="quanfu.example")
    result = subprocess.run([sys.executable, "-c", code], env=environment, cwd=PROJECT,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True", "True", "True"], result.stderr


def test_an_active_session_is_written_at_most_once_a_minute(client, officer_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(officer_a)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    assert not [q for q in queries if "django_session" in q["sql"]
                and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    move_clocks_back(client, idle_seconds=61)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    assert [q for q in queries if "django_session" in q["sql"]
            and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
