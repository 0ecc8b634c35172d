"""Sign-in events reach the audit log with who (or the username tried), when and from
where: logins, logouts, failed logins, lock-outs and wrong one-time codes."""

import pytest
from django.urls import reverse

from audit.choices import SIGN_IN_ACTIONS, AuditAction
from audit.models import AuditEntry
from audit.origin import Origin
from audit.services import record_event
from tests.conftest import PASSWORD

LOGIN_URL = reverse("accounts:login")


@pytest.mark.parametrize("action", SIGN_IN_ACTIONS)
def test_each_sign_in_action_can_be_recorded(db, action):
    entry = record_event(action=action, target="officer_x",
                         origin=Origin(ip_address="10.0.0.9", user_agent="curl/8",
                                       source="POST /accounts/login/"))
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.action, stored.actor, stored.username, stored.ip_address) == (
        action, None, "officer_x", "10.0.0.9")


def test_a_failed_login_has_no_actor_but_the_username_tried(client, officer_a):
    client.post(LOGIN_URL, {"username": "officer_a", "password": "not-the-password"},
                REMOTE_ADDR="10.4.4.4", HTTP_USER_AGENT="Mozilla/5.0")
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (entry.actor, entry.username, entry.ip_address, entry.user_agent) == (
        None, "officer_a", "10.4.4.4", "Mozilla/5.0")
    assert entry.origin == "POST /accounts/login/"
    assert "not-the-password" not in entry.detail


def test_a_failed_login_of_an_unknown_name_keeps_the_name(client, db):
    client.post(LOGIN_URL, {"username": "nobody-here", "password": "x"}, REMOTE_ADDR="10.4.4.5")
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (entry.actor_id, entry.username) == (None, "nobody-here")


def test_a_login_and_a_logout_record_the_person(client, officer_a):
    client.post(LOGIN_URL, {"username": "officer_a", "password": PASSWORD},
                REMOTE_ADDR="10.4.4.6")
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.4.4.6")
    entries = AuditEntry.objects.filter(action__in=[AuditAction.LOGIN, AuditAction.LOGOUT])
    assert [(entry.action, entry.actor, entry.ip_address) for entry in entries.order_by("seq")
            ] == [("login", officer_a, "10.4.4.6"), ("logout", officer_a, "10.4.4.6")]
    # the login's last_login bookkeeping is not recorded as a change of the user
    assert not AuditEntry.objects.filter(model_label="accounts.user", action="update").exists()


def test_repeated_failures_record_the_lock_out(client, officer_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN_URL, {"username": "officer_a", "password": "wrong"},
                    REMOTE_ADDR="10.4.4.7")
    lockout = AuditEntry.objects.get(action=AuditAction.LOCKOUT)
    assert (lockout.username, lockout.ip_address) == ("officer_a", "10.4.4.7")
