"""Notices by e-mail and by the chat robot of a person's unit, at the cadence they chose:
immediate up to the hourly limit (the rest in the next hourly digest), an hourly digest, a
daily digest at 08:00 on working days, or off; the chat robot against a local receiver."""

import base64
import hashlib
import hmac
import json
import threading
import uuid
from datetime import date, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from celery.schedules import crontab
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from inbox import channels
from inbox.choices import Cadence, Channel, ChatPlatform, DeliveryStatus
from inbox.models import ChatDelivery, ChatRobot, Message, NoticePreference
from inbox.services import notify
from quanfu.clock import local_moment

# A Monday morning of an ordinary week.
NOW = local_moment(date(2026, 3, 2), time(10, 20))


def with_email(person, address=None):
    person.email = address or f"{person.username}@example.com"
    person.save(update_fields=["email"])
    return person


def choose(person, **cadences):
    channels.choose_cadences(person, cadences)


def notices(person, count, *, at=NOW - timedelta(minutes=5), prefix="通知", link="/risks/"):
    """``count`` notices in the person's inbox, written ``at``, nothing sent yet (and no
    task sent: the tests run the passes themselves, at the moments they choose)."""
    batch = uuid.uuid4()
    return Message.objects.bulk_create([
        Message(recipient=person, kind="test", title=f"{prefix}{number}", link=link,
                dedupe_key=f"{prefix}:{number}", batch=batch, created_at=at)
        for number in range(1, count + 1)])


# E-mail ---------------------------------------------------------------------------------------

def test_immediate_email_sends_each_notice_under_the_limit(settings, street, officer_a):
    settings.SITE_URL = "https://fxpc.quanfu.example"
    with_email(officer_a)
    notices(officer_a, 3)
    assert channels.send_immediate_notices(NOW) == 3
    assert sorted(message.subject for message in mail.outbox) == ["通知1", "通知2", "通知3"]
    assert mail.outbox[0].to == ["officer_a@example.com"]
    assert "https://fxpc.quanfu.example/risks/" in mail.outbox[0].body
    assert channels.send_immediate_notices(NOW) == 0  # claimed: never twice
    assert not Message.objects.filter(emailed_at__isnull=True).exists()


def test_the_eleventh_notice_in_an_hour_waits_for_one_hourly_digest(settings, street,
                                                                     officer_a):
    assert settings.NOTICES_IMMEDIATE_PER_HOUR == 10
    with_email(officer_a)
    notices(officer_a, 15)
    assert channels.send_immediate_notices(NOW) == 10
    assert channels.send_immediate_notices(NOW + timedelta(minutes=15)) == 0  # the sweep
    assert [message.subject for message in mail.outbox] == [f"通知{n}" for n in range(1, 11)]

    mail.outbox.clear()
    assert channels.send_hourly_digests(local_moment(NOW.date(), time(11, 0))) == 1
    [digest] = mail.outbox
    assert digest.subject == "风险隐患平台有 5 条新通知"
    assert [line for line in digest.body.splitlines() if line[:1].isdigit()] == [
        f"{index}. 通知{n}" for index, n in enumerate(range(11, 16), start=1)]
    assert reverse("inbox:message_list") in digest.body
    assert not Message.objects.filter(emailed_at__isnull=True).exists()


def test_the_limit_counts_the_hour_before_each_notice(street, officer_a):
    with_email(officer_a)
    notices(officer_a, 10, at=NOW - timedelta(minutes=70), prefix="早")
    notices(officer_a, 2, prefix="新")
    # the ten of more than an hour ago do not hold back the two new ones
    assert channels.send_immediate_notices(NOW) == 2
    assert sorted(message.subject for message in mail.outbox) == ["新1", "新2"]


def test_the_inbox_burst_digest_waits_for_the_hourly_digest(street, officer_a):
    with_email(officer_a)
    [folded] = notices(officer_a, 1, prefix="汇总")
    Message.objects.filter(pk=folded.pk).update(folded=12)
    assert channels.send_immediate_notices(NOW) == 0
    assert channels.send_hourly_digests(NOW + timedelta(minutes=40)) == 1
    assert [message.subject for message in mail.outbox] == ["汇总1"]


def test_hourly_cadence_sends_one_digest_an_hour(street, officer_a, colleague_a):
    with_email(officer_a)
    with_email(colleague_a)
    choose(officer_a, email=Cadence.HOURLY)
    notices(officer_a, 3)
    notices(colleague_a, 1, prefix="同事")
    assert channels.send_immediate_notices(NOW) == 1  # the colleague's, at once
    assert [message.to for message in mail.outbox] == [["colleague_a@example.com"]]
    mail.outbox.clear()
    top_of_the_hour = local_moment(NOW.date(), time(11, 0))
    assert channels.send_hourly_digests(top_of_the_hour) == 1
    [digest] = mail.outbox
    assert digest.to == ["officer_a@example.com"]
    assert digest.subject == "风险隐患平台有 3 条新通知"
    assert channels.send_hourly_digests(top_of_the_hour + timedelta(hours=1)) == 0


def test_a_single_waiting_notice_goes_as_itself_not_as_a_digest(street, officer_a):
    with_email(officer_a)
    choose(officer_a, email=Cadence.HOURLY)
    notices(officer_a, 1, prefix="只有一条")
    assert channels.send_hourly_digests(NOW + timedelta(minutes=40)) == 1
    assert [message.subject for message in mail.outbox] == ["只有一条1"]


def test_daily_digest_goes_at_eight_on_working_days_only(street, officer_a):
    """By the official calendar (rhythm's, registered with the inbox by RhythmConfig):
    Saturday 10 October 2026 is a make-up workday (调休), Monday 5 October a holiday."""
    with_email(officer_a)
    choose(officer_a, email=Cadence.DAILY)
    friday = local_moment(date(2026, 10, 9), time(15, 0))
    notices(officer_a, 4, at=friday)
    assert channels.send_immediate_notices(friday + timedelta(minutes=1)) == 0
    assert channels.send_hourly_digests(local_moment(date(2026, 10, 9), time(16, 0))) == 0

    assert channels.send_daily_digests(local_moment(date(2026, 10, 5), time(8, 0))) == 0
    assert channels.send_daily_digests(local_moment(date(2026, 10, 11), time(8, 0))) == 0
    assert mail.outbox == []
    assert channels.send_daily_digests(local_moment(date(2026, 10, 10), time(8, 0))) == 1
    [digest] = mail.outbox
    assert digest.subject == "风险隐患平台有 4 条新通知"


def test_the_first_digest_after_a_holiday_holds_the_holidays_notices(street, officer_a):
    with_email(officer_a)
    choose(officer_a, email=Cadence.DAILY)
    notices(officer_a, 2, at=local_moment(date(2026, 10, 3), time(11, 0)))  # National Day
    # Thursday 8 October, the first working day after the holiday: since Wednesday 30
    # September 08:00, the last working day's digest
    assert channels.send_daily_digests(local_moment(date(2026, 10, 8), time(8, 0))) == 1


def test_daily_and_hourly_digests_are_periodic_jobs():
    from quanfu.periodic import PERIODIC_JOBS

    jobs = {job.task: job.schedule for job in PERIODIC_JOBS}
    assert jobs["inbox.send_hourly_digests_task"] == crontab(minute=0)
    assert jobs["inbox.send_daily_digests_task"] == crontab(minute=0, hour=8)


def test_off_sends_nothing(receiver, street, officer_a):
    with_email(officer_a)
    robot_of(street.community_a, receiver)
    choose(officer_a, email=Cadence.OFF, chat=Cadence.OFF)
    notices(officer_a, 3)
    assert channels.send_immediate_notices(NOW) == 0
    assert channels.send_hourly_digests(NOW + timedelta(minutes=40)) == 0
    assert channels.send_daily_digests(local_moment(date(2026, 3, 3), time(8, 0))) == 0
    assert mail.outbox == [] and receiver.requests == []
    assert not ChatDelivery.objects.exists()


def test_by_default_email_is_immediate_and_chat_off(street, officer_a):
    assert channels.cadences_of(officer_a) == {"email": "immediate", "chat": "off"}
    assert not NoticePreference.objects.exists()


def test_turning_a_channel_on_does_not_bring_the_old_notices(receiver, street, officer_a):
    with_email(officer_a)
    robot_of(street.community_a, receiver)
    choose(officer_a, email=Cadence.OFF)
    notices(officer_a, 30, at=NOW - timedelta(days=2))
    choose(officer_a, email=Cadence.IMMEDIATE, chat=Cadence.IMMEDIATE)
    assert channels.send_immediate_notices(NOW) == 0
    assert channels.send_hourly_digests(NOW + timedelta(minutes=40)) == 0
    assert mail.outbox == [] and receiver.requests == []


def test_people_without_an_address_or_inactive_get_no_email(street, officer_a, colleague_a):
    with_email(colleague_a)
    colleague_a.is_active = False
    colleague_a.save(update_fields=["is_active"])
    notices(officer_a, 1)
    notices(colleague_a, 1)
    assert channels.send_immediate_notices(NOW) == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_a_notice_twice(street, officer_a, colleague_a):
    for person in (officer_a, colleague_a):
        with_email(person)
        notices(person, 8)
    barrier, outcomes = threading.Barrier(2), []

    def worker():
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            outcomes.append(channels.send_pending_emails(NOW))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(outcomes) == 16
    sent = sorted((message.to[0], message.subject) for message in mail.outbox)
    assert len(sent) == len(set(sent)) == 16


def test_the_immediate_pass_costs_a_fixed_number_of_queries(receiver, street, officer_a,
                                                            colleague_a,
                                                            django_assert_num_queries,
                                                            django_capture_on_commit_callbacks):
    robot_of(street.community_a, receiver)
    for person in (officer_a, colleague_a):
        with_email(person)
        choose(person, chat=Cadence.IMMEDIATE)
        notices(person, 6)
    # e-mail: the claim, the claimed notices; chat: the claim, the claimed notices, the
    # robots, the deliveries' insert (their tasks go after commit)
    with django_capture_on_commit_callbacks() as sent_after_commit:
        with django_assert_num_queries(6):
            assert channels.send_immediate_notices(NOW) == 24
    assert len(sent_after_commit) == 12


def test_the_old_name_still_sends(street, officer_a):
    from inbox.services import send_pending_emails

    with_email(officer_a)
    notices(officer_a, 1, at=timezone.now())
    assert send_pending_emails() == 1


def test_a_new_notice_goes_out_after_commit_by_email_and_chat(receiver, street, officer_a,
                                                              django_capture_on_commit_callbacks):
    with_email(officer_a)
    robot_of(street.community_a, receiver)
    choose(officer_a, chat=Cadence.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        notify([officer_a], kind="reported", title="花园社区新上报一件隐患", key="r:1",
               link="/risks/1/")
    assert [message.subject for message in mail.outbox] == ["花园社区新上报一件隐患"]
    assert len(receiver.requests) == 1
    assert "花园社区新上报一件隐患" in receiver.requests[0]["body"]["markdown"]["content"]
    assert ChatDelivery.objects.get().status == DeliveryStatus.SENT


# The chat robot ----------------------------------------------------------------------------------

class Receiver:
    """A robot's webhook on 127.0.0.1: what it was sent, and what it answers."""

    def __init__(self):
        self.requests = []
        self.status = 200
        self.answer = {"errcode": 0, "errmsg": "ok"}
        self.port = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/robot/send?access_token=t0ken"


@pytest.fixture
def receiver(settings):
    settings.CHAT_ROBOT_ALLOW_HTTP = True  # the local receiver speaks plain http
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            parts = urlsplit(self.path)
            state.requests.append({"path": parts.path, "query": parse_qs(parts.query),
                                   "content_type": self.headers["Content-Type"],
                                   "body": json.loads(self.rfile.read(length))})
            data = json.dumps(state.answer).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def robot_of(unit, receiver, *, platform=ChatPlatform.WECOM, secret="", department=None,
             is_active=True):
    return ChatRobot.objects.create(
        name=f"{(department or unit).name}群", platform=platform, url=receiver.url,
        secret=secret, area=None if department else unit, department=department,
        is_active=is_active)


def test_a_wecom_robot_gets_the_notice_as_markdown(receiver, street, officer_a,
                                                   django_capture_on_commit_callbacks):
    robot_of(street.community_a, receiver)
    choose(officer_a, chat=Cadence.IMMEDIATE)
    notices(officer_a, 1, prefix="预警待反馈")
    with django_capture_on_commit_callbacks(execute=True):
        assert channels.send_immediate_notices(NOW) == 1
    [request] = receiver.requests
    assert request["path"] == "/robot/send" and request["query"] == {"access_token": ["t0ken"]}
    assert request["content_type"] == "application/json; charset=utf-8"
    assert request["body"]["msgtype"] == "markdown"
    content = request["body"]["markdown"]["content"]
    assert content.startswith("**预警待反馈1**") and "officer_a" in content
    delivery = ChatDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.error,
            delivery.messages, delivery.recipient) == (DeliveryStatus.SENT, 1, 200, "", 1,
                                                       officer_a)
    assert Message.objects.get().chatted_at == NOW


def test_a_dingtalk_robot_gets_markdown_with_a_valid_sign(receiver, street, officer_a,
                                                          django_capture_on_commit_callbacks):
    secret = "SECabc123"
    robot_of(street.community_a, receiver, platform=ChatPlatform.DINGTALK, secret=secret)
    choose(officer_a, chat=Cadence.IMMEDIATE)
    notices(officer_a, 1, prefix="矛盾纠纷升级")
    with django_capture_on_commit_callbacks(execute=True):
        channels.send_immediate_notices(NOW)
    [request] = receiver.requests
    assert request["body"]["msgtype"] == "markdown"
    assert request["body"]["markdown"]["title"] == "矛盾纠纷升级1"
    assert "**矛盾纠纷升级1**" in request["body"]["markdown"]["text"]
    # verified as DingTalk does: HMAC-SHA256 of "timestamp\nsecret", base64 (parse_qs has
    # undone the URL encoding), and a timestamp of now
    [timestamp], [sign] = request["query"]["timestamp"], request["query"]["sign"]
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert sign == expected
    assert abs(int(timestamp) / 1000 - timezone.now().timestamp()) < 60
    assert request["query"]["access_token"] == ["t0ken"]


def test_a_failing_robot_is_retried_then_given_up_with_the_delivery_recorded(
        settings, receiver, street, officer_a, django_capture_on_commit_callbacks):
    assert settings.CHAT_ROBOT_MAX_ATTEMPTS == 5
    receiver.status = 500
    robot_of(street.community_a, receiver)
    choose(officer_a, chat=Cadence.IMMEDIATE)
    notices(officer_a, 1)
    # tasks run eagerly here: each retry runs at once (a worker waits 30 s, 60 s, …)
    with django_capture_on_commit_callbacks(execute=True):
        channels.send_immediate_notices(NOW)
    assert len(receiver.requests) == 5
    delivery = ChatDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.error) == (
        DeliveryStatus.FAILED, 5, 500, "HTTP 500")
    assert delivery.last_attempt_at is not None


def test_retries_back_off_exponentially_and_stop_at_the_limit(settings, receiver, street,
                                                              officer_a):
    receiver.status = 503
    robot = robot_of(street.community_a, receiver)
    delivery = ChatDelivery.objects.create(robot=robot, recipient=officer_a, payload=
                                           channels.chat_payload(robot.platform, "t", "t"))
    waits = [channels.attempt_chat_delivery(delivery.pk, now=NOW).retry_in for _ in range(5)]
    assert waits == [30, 60, 120, 240, None]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        DeliveryStatus.FAILED, 5, 503)
    assert channels.attempt_chat_delivery(delivery.pk, now=NOW).status == DeliveryStatus.FAILED
    assert len(receiver.requests) == 5  # nothing after giving up


def test_a_platform_errcode_is_a_failure(receiver, street, officer_a):
    receiver.answer = {"errcode": 310000, "errmsg": "sign not match"}
    robot = robot_of(street.community_a, receiver, platform=ChatPlatform.DINGTALK)
    delivery = ChatDelivery.objects.create(robot=robot, recipient=officer_a, payload=
                                           channels.chat_payload(robot.platform, "t", "t"))
    attempt = channels.attempt_chat_delivery(delivery.pk, now=NOW)
    assert (attempt.status, attempt.retry_in) == (DeliveryStatus.PENDING, 30)
    delivery.refresh_from_db()
    assert (delivery.response_code, delivery.error) == (200, "errcode 310000: sign not match")


def test_an_unreachable_robot_is_a_failure(settings, street, officer_a):
    settings.CHAT_ROBOT_ALLOW_HTTP = True
    settings.CHAT_ROBOT_TIMEOUT_SECONDS = 2
    robot = ChatRobot.objects.create(name="断线", url="http://127.0.0.1:9/robot/send",
                                     area=street.community_a, is_active=True)
    delivery = ChatDelivery.objects.create(robot=robot, recipient=officer_a, payload={})
    assert channels.attempt_chat_delivery(delivery.pk, now=NOW).retry_in == 30
    delivery.refresh_from_db()
    assert (delivery.response_code, delivery.error) == (None, "群机器人服务器拒绝连接。")


def test_a_robot_turned_off_meanwhile_gives_up_at_once(receiver, street, officer_a):
    robot = robot_of(street.community_a, receiver, is_active=False)
    delivery = ChatDelivery.objects.create(robot=robot, recipient=officer_a, payload={})
    assert channels.attempt_chat_delivery(delivery.pk, now=NOW).status == DeliveryStatus.FAILED
    assert receiver.requests == []
    assert ChatDelivery.objects.get().error == "群机器人已停用。"


def test_notices_go_to_the_robot_of_the_persons_unit(receiver, street, officer_a,
                                                     grid_worker_a1, section_staff, officer_b):
    community = robot_of(street.community_a, receiver)
    department = robot_of(None, receiver, department=street.department)
    robot_of(street.community_b, receiver, is_active=False)  # off: as if there were none
    found = channels.robots_for([officer_a, grid_worker_a1, section_staff, officer_b])
    assert found == {officer_a.pk: community, grid_worker_a1.pk: community,
                     section_staff.pk: department, officer_b.pk: None}


def test_a_person_whose_unit_has_no_robot_gets_nothing_by_chat(receiver, street, officer_b):
    robot_of(street.community_a, receiver)
    choose(officer_b, chat=Cadence.IMMEDIATE)
    notices(officer_b, 2)
    assert channels.send_immediate_notices(NOW) == 0
    assert not ChatDelivery.objects.exists() and receiver.requests == []
    assert not Message.objects.filter(chatted_at__isnull=True).exists()  # nowhere to go


def test_an_hourly_chat_digest_is_one_post(receiver, street, officer_a,
                                           django_capture_on_commit_callbacks):
    robot_of(street.community_a, receiver)
    choose(officer_a, email=Cadence.OFF, chat=Cadence.HOURLY)
    notices(officer_a, 3, prefix="周调")
    assert channels.send_immediate_notices(NOW) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert channels.send_hourly_digests(local_moment(NOW.date(), time(11, 0))) == 1
    [request] = receiver.requests
    content = request["body"]["markdown"]["content"]
    assert "officer_a：3 条新通知" in content
    assert all(f"周调{n}" in content for n in (1, 2, 3))
    assert ChatDelivery.objects.get().messages == 3


def test_a_lost_delivery_is_handed_out_again(receiver, street, officer_a,
                                             django_capture_on_commit_callbacks):
    robot = robot_of(street.community_a, receiver)
    ChatDelivery.objects.create(robot=robot, recipient=officer_a,
                                created_at=NOW - timedelta(hours=1),
                                payload=channels.chat_payload(robot.platform, "t", "丢失"))
    with django_capture_on_commit_callbacks(execute=True):
        channels.send_hourly_digests(NOW)
    assert len(receiver.requests) == 1
    assert ChatDelivery.objects.get().status == DeliveryStatus.SENT


def test_webhook_urls_must_be_https_outside_development(settings):
    settings.DEBUG = False
    settings.CHAT_ROBOT_ALLOW_HTTP = False
    assert channels.webhook_url_problem("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?"
                                        "key=abc") is None
    assert channels.webhook_url_problem("http://qyapi.weixin.qq.com/x") == (
        "群机器人的 Webhook 地址必须以 https:// 开头。")
    assert channels.webhook_url_problem("ftp://example.com/") is not None
    settings.CHAT_ROBOT_ALLOW_HTTP = True
    assert channels.webhook_url_problem("http://127.0.0.1:8000/") is None


# The admin --------------------------------------------------------------------------------------

def test_admin_sends_a_test_message_to_a_robot(client, superuser, receiver, street):
    robot = robot_of(street.community_a, receiver, is_active=False)  # tried before it is on
    client.force_login(superuser)
    response = client.post(reverse("admin:inbox_chatrobot_changelist"),
                           {"action": "send_test_message", "_selected_action": [robot.pk]},
                           follow=True)
    assert response.status_code == 200
    assert "测试消息已发送" in response.content.decode()
    [request] = receiver.requests
    assert "测试消息" in request["body"]["markdown"]["content"]
    delivery = ChatDelivery.objects.get()
    assert (delivery.status, delivery.recipient, delivery.messages) == (
        DeliveryStatus.SENT, None, 0)


def test_admin_reports_a_failed_test_message(client, superuser, receiver, street):
    receiver.status = 404
    robot = robot_of(street.community_a, receiver)
    client.force_login(superuser)
    response = client.post(reverse("admin:inbox_chatrobot_changelist"),
                           {"action": "send_test_message", "_selected_action": [robot.pk]},
                           follow=True)
    assert "HTTP 404" in response.content.decode()
    assert len(receiver.requests) == 1  # a test is tried once
    assert ChatDelivery.objects.get().status == DeliveryStatus.FAILED


def test_admin_lists_robots_without_their_key(client, superuser, receiver, street):
    robot_of(street.community_a, receiver)
    client.force_login(superuser)
    content = client.get(reverse("admin:inbox_chatrobot_changelist")).content.decode()
    assert "花园社区群" in content and "t0ken" not in content


def test_admin_refuses_a_plain_http_webhook(client, settings, superuser, street):
    settings.DEBUG = False
    client.force_login(superuser)
    response = client.post(reverse("admin:inbox_chatrobot_add"), {
        "name": "花园社区群", "platform": "wecom", "area": street.community_a.pk,
        "url": "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "secret": ""})
    assert response.status_code == 200
    assert "必须以 https:// 开头" in response.content.decode()
    assert not ChatRobot.objects.exists()


def test_admin_adds_a_robot_off_by_default(client, superuser, street):
    client.force_login(superuser)
    response = client.post(reverse("admin:inbox_chatrobot_add"), {
        "name": "花园社区群", "platform": "wecom", "area": street.community_a.pk,
        "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "secret": ""})
    assert response.status_code == 302
    assert ChatRobot.objects.get().is_active is False


# A person's choice on the profile page ----------------------------------------------------------

def test_a_person_chooses_their_cadences_on_the_profile_page(client, street, officer_a,
                                                            django_assert_max_num_queries):
    client.force_login(officer_a)
    # session, user, the second factor (device, rules), the preferences, the robots, the
    # user's area for the robot, the header's count and scope, the menu
    with django_assert_max_num_queries(14):
        page = client.get(reverse("accounts:profile")).content.decode()
    assert "通知方式" in page and "你所在单位尚未启用群机器人。" in page
    response = client.post(reverse("accounts:notice_preferences"),
                           {"email": Cadence.DAILY, "chat": Cadence.HOURLY})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    assert channels.cadences_of(officer_a) == {Channel.EMAIL: "daily", Channel.CHAT: "hourly"}
    page = client.get(reverse("accounts:profile")).content.decode()
    assert '<option value="daily" selected>每日摘要</option>' in page
    assert "通知设置已保存" in page


def test_a_tampered_choice_changes_nothing(client, street, officer_a):
    client.force_login(officer_a)
    client.post(reverse("accounts:notice_preferences"), {"email": "every-second", "chat": "off"})
    assert not NoticePreference.objects.exists()


def test_the_profile_names_the_robot_of_the_persons_unit(client, receiver, street,
                                                         grid_worker_a1):
    robot_of(street.community_a, receiver)
    client.force_login(grid_worker_a1)
    assert "花园社区群" in client.get(reverse("accounts:profile")).content.decode()


def test_people_choose_only_their_own_cadences(client, street, officer_a, colleague_a):
    client.force_login(colleague_a)
    client.post(reverse("accounts:notice_preferences"), {"email": "off", "chat": "off"})
    assert channels.cadences_of(officer_a) == {"email": "immediate", "chat": "off"}
    assert NoticePreference.objects.filter(user=colleague_a).count() == 2

