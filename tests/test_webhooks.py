"""Webhooks with an outbox (issue 21): a client subscribes; changes of matters, warnings
and dispute records are written to the outbox with the change (none for a change rolled
back) and delivered by the worker, signed, with a delivery id the receiver dedupes by,
retried for a day, never redirected, never into the office network, never outside the
client's scope.

The receiver is the reference one (bin/webhook-receiver), listening on a free port of
this machine, loopback allowed for the test (WEBHOOK_ALLOW_LOOPBACK).
"""

import importlib.machinery
import importlib.util
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.roles import Role
from audit.models import AuditEntry
from rhythm.services import issue_warning, record_feedback
from risks import services as risk_services
from tests.conftest import make_user
from webhooks import sending
from webhooks.choices import DeliveryStatus, WebhookEvent
from webhooks.models import Delivery, OutboxEvent, Subscription
from webhooks.services import replay_deliveries, subscribe

RECEIVER_SCRIPT = Path(django_settings.BASE_DIR) / "bin" / "webhook-receiver"
ALL_EVENTS = list(WebhookEvent.values)
INSIDE = "The webhook's host resolves to a private or local address, which is not allowed."


def redirect_refused(code: int) -> str:
    return gettext("The receiver answered with a redirect (HTTP %(code)s), which is not "
                   "followed.") % {"code": code}


def load_receiver_module():
    loader = importlib.machinery.SourceFileLoader("webhook_receiver", str(RECEIVER_SCRIPT))
    spec = importlib.util.spec_from_loader("webhook_receiver", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


receiver_module = load_receiver_module()


class Receiver:
    """The reference receiver run in a thread: ``arrivals`` counts every POST that got
    through the signature check (repeats included), ``rows()`` the deduped deliveries of
    its SQLite file. ``stop()`` and ``start()`` again on the same port, as a crash and a
    restart. ``drop_answer_once`` takes the next delivery, then closes the connection
    without answering (the answer lost on the way back): the register must retry it."""

    def __init__(self, database: Path, secret: str = "", port: int = 0):
        self.database, self.secret, self.port = database, secret, port
        self.arrivals, self.refused, self.drop_answer_once = [], 0, False
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/quanfu"

    def start(self):
        receiver = self
        base = receiver_module.Handler

        class CountingHandler(base):
            def _answer(self, code):
                if code == 204:
                    receiver.arrivals.append(self.headers["X-Quanfu-Delivery"])
                    if receiver.drop_answer_once:
                        receiver.drop_answer_once = False
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                elif code == 401:
                    receiver.refused += 1
                super()._answer(code)

        self.server = receiver_module.make_server("127.0.0.1", self.port, secret=self.secret,
                                                  database=str(self.database),
                                                  on_event=lambda event, delivery: None)
        self.server.RequestHandlerClass = CountingHandler
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.server.received.close()
        self.server = None

    def rows(self):
        store = receiver_module.Received(str(self.database))
        try:
            return store.rows()
        finally:
            store.close()


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    settings.WEBHOOK_CONCURRENCY = 4


@pytest.fixture
def receiver(tmp_path, loopback_allowed):
    started = Receiver(tmp_path / "received.sqlite3").start()
    yield started
    if started.server is not None:
        started.stop()


@pytest.fixture
def moment(monkeypatch):
    """moment(datetime): the clock the services and the worker read stands there."""
    def _set(when):
        monkeypatch.setattr(timezone, "now", lambda: when)
        return when

    return _set


def subscribe_through_api(api, client, url, events=None) -> dict:
    api.force_authenticate(client)
    response = api.post("/api/v1/webhooks/", {"url": url, "events": events or ALL_EVENTS},
                        format="json")
    assert response.status_code == 201, response.content
    return response.json()


def deliver_all():
    """Run the worker's job until it has nothing left to do now."""
    return sending.deliver_webhooks(seconds=30)


def received_events(receiver) -> list[tuple[str, str, int]]:
    return sorted((event, body["object"]["type"], body["object"]["id"])
                  for _id, event, body in receiver.rows())


# The acceptance --------------------------------------------------------------------------

def test_every_committed_change_arrives_once_signed_and_none_rolled_back(
        api, receiver, api_client_user, officer_a, colleague_a, ready_to_start, moment):
    subscription = subscribe_through_api(api, api_client_user, receiver.url)
    receiver.secret = receiver.server.secret = subscription["secret"]
    start = timezone.now()
    moment(start)

    # a matter reported, verified and graded (a dispute: each is also dispute.changed)
    risk = ready_to_start("medium")
    # a change rolled back: no event for it
    written = OutboxEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        risk_services.update_risk(risk, actor=officer_a, version=risk.version,
                                  changes={"title": "撤回的修改"})
        raise RuntimeError("the caller gave up")
    risk.refresh_from_db()
    assert OutboxEvent.objects.count() == written == 6  # 3 changes, each also a dispute's
    receiver.drop_answer_once = True  # the first answer is lost: that delivery comes twice
    deliver_all()

    # the receiver goes down; the register goes on
    receiver.stop()
    warning = issue_warning(risk, actor=officer_a, content="当事人情绪激动")
    record_feedback(warning, actor=officer_a, content="已稳控")
    risk = risk_services.start_risk(risk, actor=officer_a)
    risk = risk_services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    risk = risk_services.close_risk(risk, actor=colleague_a, note="双方达成调解协议")
    deliver_all()
    waiting = Delivery.objects.filter(status=DeliveryStatus.PENDING)
    # 3 changes of the matter (and of its dispute record), 2 of the warning, and the
    # delivery whose answer was lost, not due again yet
    assert waiting.count() == 3 * 2 + 2 + 1
    assert all(delivery.attempts == 1 and delivery.error for delivery in waiting)

    # back on the same port; the retries come once their time has come
    receiver.start()
    moment(start + timedelta(minutes=5))
    deliver_all()

    outbox = OutboxEvent.objects.all()
    expected = sorted((event.event, event.object_type, event.object_id) for event in outbox)
    assert received_events(receiver) == expected  # every committed event, exactly once
    # verified, graded, started, resolved (closing is risk.closed)
    assert [event for event, _type, _id in expected].count(WebhookEvent.RISK_CHANGED) == 4
    assert {WebhookEvent.RISK_CREATED, WebhookEvent.RISK_CLOSED, WebhookEvent.WARNING_ISSUED,
            WebhookEvent.WARNING_ANSWERED, WebhookEvent.DISPUTE_CHANGED} <= {
        event for event, _type, _id in expected}
    versions = sorted(body["data"]["version"] for _id, event, body in receiver.rows()
                      if event.startswith("risk."))
    assert versions == sorted(set(versions))  # one per committed version, none rolled back
    # the lost answer made a repeat, which the receiver's dedupe took once
    assert len(receiver.arrivals) == len(expected) + 1
    assert len(set(receiver.arrivals)) == len(expected) == len(receiver.rows())
    assert receiver.refused == 0  # every signature verified
    assert not Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()
    closed = [body for _id, event, body in receiver.rows() if event == WebhookEvent.RISK_CLOSED]
    assert closed[0]["data"]["status"] == "closed" and closed[0]["data"]["code"] == risk.code


def test_the_post_carries_the_contract_headers_and_a_signature_of_the_exact_body(
        tmp_path, loopback_allowed, api_client_user, ready_to_start):
    seen = []

    class Recording(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            seen.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        made = subscribe(actor=api_client_user, url=f"http://127.0.0.1:{server.server_port}/",
                         events=[WebhookEvent.RISK_CREATED])
        risk = ready_to_start()
        deliver_all()
    finally:
        server.shutdown()
        server.server_close()
    [(headers, body)] = seen  # only the event subscribed to
    delivery = Delivery.objects.get()
    assert headers["X-Quanfu-Event"] == "risk.created"
    assert headers["X-Quanfu-Delivery"] == str(delivery.delivery_id)
    assert receiver_module.signature_is_valid(made.secret, body,
                                              headers["X-Quanfu-Signature"])
    assert not receiver_module.signature_is_valid("another secret", body,
                                                  headers["X-Quanfu-Signature"])
    sent = json.loads(body)
    assert sent["id"] == str(delivery.delivery_id) and sent["event"] == "risk.created"
    assert sent["object"] == {"type": "risk", "id": risk.pk}
    assert sent["data"]["code"] == risk.code
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.response_code == 200


def test_the_receiver_refuses_a_wrong_signature(receiver):
    import http.client

    receiver.server.secret = "the subscription's secret"
    connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
    connection.request("POST", "/", body=b'{"id": "x"}', headers={
        "X-Quanfu-Signature": "sha256=" + "0" * 64, "X-Quanfu-Delivery": "x",
        "X-Quanfu-Event": "risk.changed"})
    assert connection.getresponse().status == 401
    assert receiver.rows() == []


# Where a webhook may go ----------------------------------------------------------------

def test_a_redirecting_receiver_fails_and_the_redirect_is_not_followed(
        loopback_allowed, receiver, api_client_user, ready_to_start):
    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", receiver.url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        subscribe(actor=api_client_user, url=f"http://127.0.0.1:{server.server_port}/",
                  events=ALL_EVENTS)
        ready_to_start()
        deliver_all()
    finally:
        server.shutdown()
        server.server_close()
    deliveries = Delivery.objects.all()
    assert deliveries and all(delivery.status == DeliveryStatus.PENDING
                              and delivery.response_code == 302
                              and delivery.error == redirect_refused(302)
                              for delivery in deliveries)
    assert receiver.arrivals == []  # where it pointed heard nothing


@pytest.mark.parametrize("url", [
    "https://10.1.2.3/hook",  # the office network
    "https://192.168.0.10/hook",
    "https://169.254.169.254/latest/meta-data/",  # link-local (cloud metadata)
    "https://127.0.0.1/hook",  # loopback, not allowed here
    "https://[::1]/hook",
    "http://203.0.113.7/hook",  # plain http to a host nobody allowed
    "ftp://example.com/hook",
    "https://user:password@93.184.216.34/hook",
])
def test_private_plain_http_and_odd_urls_are_refused_at_subscription(api, api_client_user,
                                                                     url):
    api.force_authenticate(api_client_user)
    response = api.post("/api/v1/webhooks/", {"url": url, "events": ALL_EVENTS},
                        format="json")
    assert response.status_code == 400 and "url" in response.json()
    assert not Subscription.objects.exists()


def test_a_host_that_later_resolves_inside_is_refused_at_delivery(
        monkeypatch, api_client_user, ready_to_start):
    addresses = {"hooks.example.org": "93.184.216.34"}
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host in addresses:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addresses[host], port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    subscribe(actor=api_client_user, url="https://hooks.example.org/quanfu",
              events=ALL_EVENTS)
    addresses["hooks.example.org"] = "10.0.0.8"  # re-pointed into the office network
    connected = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connected.append(
        address))
    ready_to_start()
    deliver_all()
    assert connected == []
    assert all(delivery.error == gettext(INSIDE) and delivery.response_code is None
               for delivery in Delivery.objects.all())


def test_an_allowed_host_may_be_plain_http_and_inside(settings, api_client_user):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    made = subscribe(actor=api_client_user, url="http://127.0.0.1:9/hook",
                     events=[WebhookEvent.RISK_CHANGED])
    assert made.subscription.pk and len(made.secret) == 64


# Scope -------------------------------------------------------------------------------------

def test_a_client_of_another_street_or_community_gets_no_event(
        api, receiver, tmp_path, street, api_client_user, ready_to_start, officer_a):
    other_street_client = make_user("huashan_platform", Role.API_CLIENT, street.other_street)
    community_b_client = make_user("dongquan_platform", Role.API_CLIENT, street.community_b)
    community_a_client = make_user("huayuan_platform", Role.API_CLIENT, street.community_a)
    subscriptions = {user.username: subscribe(actor=user, url=receiver.url,
                                              events=ALL_EVENTS).subscription
                     for user in (api_client_user, other_street_client, community_b_client,
                                  community_a_client)}
    risk = ready_to_start()
    issue_warning(risk, actor=officer_a, content="当事人情绪激动")
    deliver_all()
    counts = {name: Delivery.objects.filter(subscription=subscription).count()
              for name, subscription in subscriptions.items()}
    events = OutboxEvent.objects.count()
    assert counts == {"district_platform": events, "huashan_platform": 0,
                      "dongquan_platform": 0, "huayuan_platform": events}


def test_a_district_client_hears_of_each_of_its_streets(
        street, categories, superuser, loopback_allowed, report, officer_a):
    from accounts.district_scope import set_district_streets

    district = make_user("district_hub", Role.API_CLIENT, street.street)
    set_district_streets(district, [street.street, street.other_street], actor=superuser)
    subscribe(actor=district, url="http://127.0.0.1:9/hook", events=[WebhookEvent.RISK_CREATED])
    officer_s2 = make_user("officer_s2", Role.COMMUNITY_OFFICER, street.community_other)
    report(officer_a)
    report(officer_s2, area=street.community_other)
    deliver_all()
    assert sorted(Delivery.objects.values_list("event__street_id", flat=True)) == sorted(
        [street.street.pk, street.other_street.pk])


def test_events_before_the_subscription_are_not_sent(api_client_user, ready_to_start,
                                                     loopback_allowed, moment):
    now = moment(timezone.now())
    ready_to_start()
    moment(now + timedelta(seconds=1))
    subscribe(actor=api_client_user, url="http://127.0.0.1:9/hook", events=ALL_EVENTS)
    deliver_all()
    assert not Delivery.objects.exists()


# Retries -----------------------------------------------------------------------------------

def test_a_delivery_fails_after_a_day_of_retries_with_growing_waits(
        loopback_allowed, api_client_user, report, officer_a, moment):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = moment(timezone.now())
    subscribe(actor=api_client_user, url=f"http://127.0.0.1:{port}/",
              events=[WebhookEvent.RISK_CREATED])
    report(officer_a)
    deliver_all()
    delivery = Delivery.objects.get()
    waits = []
    while delivery.status == DeliveryStatus.PENDING:
        assert delivery.next_attempt_at <= start + timedelta(hours=24)
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        moment(delivery.next_attempt_at)
        deliver_all()
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_attempt_at == start + timedelta(hours=24)
    assert delivery.error == gettext("The receiver refused the connection.")
    assert waits[:4] == [timedelta(seconds=30 * 2 ** n) for n in range(4)]
    assert max(waits) == timedelta(hours=1)
    assert delivery.attempts == len(waits) + 1


def test_a_claimed_attempt_lost_with_its_worker_is_made_again_after_the_lease(
        loopback_allowed, api_client_user, report, officer_a, moment):
    start = moment(timezone.now())
    subscribe(actor=api_client_user, url="http://127.0.0.1:9/",
              events=[WebhookEvent.RISK_CREATED])
    report(officer_a)
    sending.fan_out_events()
    [claimed] = sending.claim_due_deliveries(start, 10)  # ... and the worker died
    assert sending.claim_due_deliveries(start, 10) == []
    assert [d.pk for d in sending.claim_due_deliveries(start + sending.lease(), 10)] == [
        claimed.pk]


# The API and the admin ---------------------------------------------------------------------

def test_only_api_clients_subscribe(api, officer_a, leader, superuser):
    for person in (officer_a, leader, superuser):
        api.force_authenticate(person)
        assert api.get("/api/v1/webhooks/").status_code == 403
        response = api.post("/api/v1/webhooks/", {"url": "https://93.184.216.34/",
                                                  "events": ALL_EVENTS}, format="json")
        assert response.status_code == 403
    assert not Subscription.objects.exists()


def test_the_secret_is_shown_once_and_the_subscription_is_audited_without_it(
        api, api_client_user, loopback_allowed):
    made = subscribe_through_api(api, api_client_user, "http://127.0.0.1:9/hook",
                                 [WebhookEvent.RISK_CLOSED])
    assert len(made["secret"]) == 64
    listed = api.get("/api/v1/webhooks/").json()["results"]
    assert listed == [{"id": made["id"], "url": "http://127.0.0.1:9/hook",
                       "events": ["risk.closed"], "created_at": made["created_at"]}]
    assert "secret" not in api.get(f"/api/v1/webhooks/{made['id']}/").json()
    entry = AuditEntry.objects.filter(model_label="webhooks.subscription").latest("id")
    assert made["secret"] not in json.dumps(entry.changes, ensure_ascii=False)


def test_bad_events_name_the_field(api, api_client_user):
    api.force_authenticate(api_client_user)
    response = api.post("/api/v1/webhooks/", {"url": "https://93.184.216.34/",
                                              "events": ["risk.deleted"]}, format="json")
    assert response.status_code == 400 and "events" in response.json()


def test_deliveries_log_and_unsubscribing(api, api_client_user, street, loopback_allowed,
                                          report, officer_a):
    made = subscribe_through_api(api, api_client_user, "http://127.0.0.1:9/hook")
    report(officer_a)
    deliver_all()
    log = api.get(f"/api/v1/webhooks/{made['id']}/deliveries/").json()["results"]
    assert {row["event"] for row in log} == {"risk.created", "dispute.changed"}
    assert all(row["status"] == "pending" and row["attempts"] == 1 for row in log)

    another = make_user("huashan_platform", Role.API_CLIENT, street.other_street)
    api.force_authenticate(another)
    assert api.get(f"/api/v1/webhooks/{made['id']}/deliveries/").status_code == 404
    assert api.delete(f"/api/v1/webhooks/{made['id']}/").status_code == 404

    api.force_authenticate(api_client_user)
    assert api.delete(f"/api/v1/webhooks/{made['id']}/").status_code == 204
    assert api.get("/api/v1/webhooks/").json()["results"] == []
    Delivery.objects.update(next_attempt_at=timezone.now())
    deliver_all()  # the pending ones stop at their next attempt
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}


def test_a_change_writes_one_outbox_insert_whatever_the_subscriptions(
        api_client_user, street, loopback_allowed, ready_to_start, officer_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(5):
        client = make_user(f"platform_{number}", Role.API_CLIENT, street.street)
        subscribe(actor=client, url="http://127.0.0.1:9/hook", events=ALL_EVENTS)
    risk = ready_to_start()
    before = OutboxEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        risk_services.update_risk(risk, actor=officer_a, version=risk.version,
                                  changes={"title": "楼上漏水引发的邻里纠纷"})
    webhook_statements = [query["sql"] for query in queries.captured_queries
                          if "webhooks_" in query["sql"]]
    assert len(webhook_statements) == 1
    assert webhook_statements[0].startswith('INSERT INTO "webhooks_outboxevent"')
    # risk.changed and, the matter being a dispute, dispute.changed: in that one INSERT
    assert OutboxEvent.objects.count() == before + 2
    assert not Delivery.objects.exists()  # the worker fans out, not the change


def test_the_admin_lists_failures_and_replays_them(client, superuser, api_client_user,
                                                   loopback_allowed, report, officer_a):
    subscribe(actor=api_client_user, url="http://127.0.0.1:9/hook",
              events=[WebhookEvent.RISK_CREATED])
    report(officer_a)
    deliver_all()
    failed = Delivery.objects.get()
    failed.give_up_at = timezone.now()
    failed.save(update_fields=["give_up_at"])
    Delivery.objects.update(next_attempt_at=timezone.now())
    deliver_all()
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED

    client.force_login(superuser)
    changelist = reverse("admin:webhooks_delivery_changelist")
    page = client.get(changelist, {"status__exact": "failed"})
    assert page.status_code == 200 and str(failed.delivery_id) in page.content.decode()
    response = client.post(changelist, {"action": "replay", "index": 0,
                                        "_selected_action": [failed.pk]})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.PENDING and failed.give_up_at > timezone.now()
    assert AuditEntry.objects.filter(target="webhooks.delivery").exists()


def test_only_an_administrator_replays(officer_a):
    from quanfu.errors import Forbidden

    with pytest.raises(Forbidden):
        replay_deliveries(Delivery.objects.all(), actor=officer_a)


def test_the_periodic_job_delivers_every_few_seconds(receiver, api_client_user, report,
                                                     officer_a):
    from quanfu.periodic import PERIODIC_JOBS
    from webhooks.tasks import deliver_webhooks_task

    [job] = [job for job in PERIODIC_JOBS if job.task == "webhooks.deliver_webhooks_task"]
    assert job.schedule <= 5
    made = subscribe(actor=api_client_user, url=receiver.url,
                     events=[WebhookEvent.RISK_CREATED])
    receiver.server.secret = made.secret
    report(officer_a)
    assert deliver_webhooks_task.apply().result == {"events": 2, "attempts": 1}
    assert [event for _id, event, _body in receiver.rows()] == ["risk.created"]
