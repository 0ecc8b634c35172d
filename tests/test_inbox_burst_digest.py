"""Digests instead of floods (issue 17): beyond NOTICES_IMMEDIATE_PER_HOUR notices in the
last hour, a person gets one digest per kind and hour, counting what it stands for, written
by the same single statement as the notices; one event costs the same queries whatever
the number of people told."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from inbox.models import Message
from inbox.services import notify_people
from risks import notices, services
from tests.conftest import make_user

LIMIT = 10


@pytest.fixture(autouse=True)
def limit(settings):
    settings.NOTICES_IMMEDIATE_PER_HOUR = LIMIT


@pytest.fixture
def half_past(monkeypatch):
    """The clock the services read stands at half past an hour (moved with ``.move``)."""
    class Clock:
        now = timezone.make_aware(datetime(2026, 6, 3, 10, 30))

        def move(self, **delta):
            self.now += timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def centre_colleague(street):
    return make_user("staff_pingan2", Role.SECTION_STAFF, street.street,
                     department=street.department)


def matters(officer, street, categories, count):
    return services.report_risks_in_bulk(actor=officer, reports=[
        {"title": f"排查事项{n}", "description": "楼道堆放杂物，邻里争执。",
         "category": categories["disputes"], "area": street.grid_a1} for n in range(count)])


def notify(person, n, *, kind="test", now=None):
    return notify_people(User.objects.filter(pk=person.pk), kind=kind, title=f"通知{n}",
                         key=f"test:{n}", digest_title="本小时另有 %(count)s 条测试通知",
                         digest_link="/inbox/", now=now)


def test_a_thousand_escalations_give_each_person_ten_notices_and_one_digest(
        client, half_past, street, categories, officer_a, section_staff, centre_colleague):
    escalated = matters(officer_a, street, categories, 1000)
    for risk in escalated:
        services.escalate_risk(risk, actor=officer_a, note="社区调解未果，提请街道。")
    for person in (section_staff, centre_colleague):
        theirs = Message.objects.filter(recipient=person, kind=notices.TIER)
        assert theirs.filter(folded=0).count() == LIMIT
        [digest] = theirs.filter(folded__gt=0)
        assert digest.folded == 1000 - LIMIT
        assert digest.title.startswith("本小时另有 990 条通知")
        client.force_login(person)
        page = client.get(digest.link)  # the register: the matters changed in this hour
        assert page.status_code == 200
        assert escalated[-1].code in page.content.decode()
    assert not Message.objects.filter(recipient=officer_a, kind=notices.TIER).exists()


def test_an_escalation_costs_the_same_queries_whatever_the_number_told(
        street, categories, officer_a, section_staff, django_assert_num_queries):
    first, second = matters(officer_a, street, categories, 2)
    with CaptureQueriesContext(connection) as one_told:
        services.escalate_risk(first, actor=officer_a, note="社区调解未果。")
    for n in range(6):
        make_user(f"staff_pingan_{n}", Role.SECTION_STAFF, street.street,
                  department=street.department)
    with django_assert_num_queries(len(one_told.captured_queries)) as seven_told:
        services.escalate_risk(second, actor=officer_a, note="社区调解未果。")
    assert Message.objects.filter(kind=notices.TIER, dedupe_key__contains=f":{second.pk}:"
                                  ).count() == 7
    inserts = [query["sql"] for query in seven_told.captured_queries
               if "INSERT INTO inbox_message" in query["sql"]]
    assert len(inserts) == 1 and "WITH people" in inserts[0]


def test_the_digest_counts_up_and_is_unread_again(half_past, officer_a):
    for n in range(LIMIT + 2):
        notify(officer_a, n)
    digest = Message.objects.get(recipient=officer_a, folded__gt=0)
    assert (digest.folded, digest.title) == (2, "本小时另有 2 条测试通知")
    Message.objects.filter(pk=digest.pk).update(read_at=timezone.now())
    half_past.move(minutes=5)
    notify(officer_a, LIMIT + 2)
    digest.refresh_from_db()
    assert (digest.folded, digest.read_at, digest.created_at) == (3, None, half_past.now)
    assert Message.objects.filter(recipient=officer_a).count() == LIMIT + 1


def test_digests_are_per_kind_and_hour(half_past, officer_a):
    for n in range(LIMIT + 1):
        notify(officer_a, n)
    notify(officer_a, "other", kind="other")
    half_past.move(minutes=31)  # the next clock hour, still within the last hour's burst
    notify(officer_a, LIMIT + 1)
    digests = Message.objects.filter(recipient=officer_a, folded__gt=0)
    assert sorted(digests.values_list("kind", "folded")) == [
        ("other", 1), ("test", 1), ("test", 1)]


def test_after_a_quiet_hour_notices_come_one_by_one_again(half_past, officer_a, colleague_a):
    for n in range(LIMIT + 3):
        notify(officer_a, n)
    half_past.move(minutes=61)
    notify(officer_a, "later")
    assert Message.objects.get(recipient=officer_a, dedupe_key="test:later").folded == 0
    assert not Message.objects.filter(recipient=colleague_a).exists()


def test_a_notice_sent_again_is_neither_doubled_nor_folded(half_past, officer_a):
    for n in range(LIMIT):  # up to the limit: the next would be folded
        notify(officer_a, n)
    assert notify(officer_a, 0) == 0  # already delivered: no digest counts it
    assert not Message.objects.filter(recipient=officer_a, folded__gt=0).exists()


def test_nobody_to_tell_writes_nothing(officer_a):
    assert notify_people(User.objects.none(), kind="test", title="通知", key="k",
                         digest_title="%(count)s", digest_link="/") == 0
    assert not Message.objects.exists()


def test_new_notices_are_emailed_after_commit(officer_a, django_capture_on_commit_callbacks):
    officer_a.email = "officer_a@example.com"
    officer_a.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notify(officer_a, 0)
    # the outbox's own rules (inbox.channels) decide how they go; the notices are in it
    assert "通知0" in [message.subject for message in mail.outbox]
