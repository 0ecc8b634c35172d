"""Logins, logouts, failed logins, lock-outs and wrong one-time codes reach the audit log
through audit.services.record_event (accounts.signals, accounts.audit_trail); while the
audit app lacks it they go to the "accounts.security" logger instead."""

import logging
import time

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

import audit.services
from accounts.middleware import LAST_SEEN_SESSION_KEY
from tests.conftest import PASSWORD


@pytest.fixture
def events(monkeypatch):
    recorded = []

    def record_event(*, action, actor=None, target="", detail="", request=None):
        recorded.append({"action": action, "actor": actor, "target": target, "detail": detail,
                         "address": request.META.get("REMOTE_ADDR") if request else None})

    monkeypatch.setattr(audit.services, "record_event", record_event, raising=False)
    return recorded


def actions(events) -> list[str]:
    return [event["action"] for event in events]


def test_a_login_and_a_logout_are_recorded_with_who_and_from_where(client, officer_a, events):
    client.post(reverse("accounts:login"), {"username": "officer_a", "password": PASSWORD},
                REMOTE_ADDR="10.1.2.3")
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.1.2.3")
    assert actions(events) == ["login", "logout"]
    assert all(event["actor"] == officer_a for event in events)
    assert events[0]["address"] == "10.1.2.3"


def test_a_failed_login_is_recorded_with_the_username_typed_and_no_actor(client, officer_a,
                                                                          events):
    client.post(reverse("accounts:login"), {"username": "officer_a", "password": "wrong"})
    assert actions(events) == ["login_failed"]
    assert events[0]["actor"] is None
    assert events[0]["target"] == "officer_a"
    assert "wrong" not in events[0]["detail"]


def test_a_lockout_is_recorded_once_when_it_begins(client, officer_a, events):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "officer_a", "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": "officer_a", "password": PASSWORD})
    # axes announces the lock-out while it counts the fifth failure, before our receiver
    # of that failure runs.
    assert actions(events) == ["login_failed"] * 4 + ["lockout"] + ["login_failed"] * 2
    assert events[4]["target"] == "officer_a"
    assert events[4]["detail"] == "5 failed logins"
    assert events[-1]["detail"] == "refused: locked out"


def test_an_expired_session_is_recorded_as_a_logout_with_the_reason(client, officer_a,
                                                                     events):
    client.force_login(officer_a)
    session = client.session
    session[LAST_SEEN_SESSION_KEY] = int(time.time() - 3600)
    session.save()
    client.get(reverse("home"))
    assert actions(events) == ["login", "logout"]
    assert events[-1]["detail"] == "session expired after inactivity"


def test_a_wrong_one_time_code_is_recorded_and_the_right_one_completes_the_login(
        client, leader, events):
    device = TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)
    client.post(reverse("accounts:login"), {"username": "leader", "password": PASSWORD})
    right = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    client.post(reverse("accounts:second_factor_verify"),
                {"code": f"{(right + 1) % 1_000_000:06d}"})
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    client.post(reverse("accounts:second_factor_verify"), {"code": f"{right:06d}"})
    assert actions(events) == ["login", "otp_failed", "login"]
    assert events[0]["detail"] == "password accepted; one-time code pending"
    assert events[1]["actor"] == leader
    assert events[2]["detail"] == "one-time code accepted"


def test_without_the_audit_service_the_events_go_to_the_security_logger(
        client, officer_a, monkeypatch, caplog):
    monkeypatch.delattr(audit.services, "record_event", raising=False)
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        client.post(reverse("accounts:login"), {"username": "officer_a", "password": "wrong"})
    assert any(record.name == "accounts.security" and "login_failed" in record.getMessage()
               for record in caplog.records)
