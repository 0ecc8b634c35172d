"""The in-app inbox: notices arrive once, are counted in the header, and stay private."""

import uuid

from django.core import mail
from django.urls import reverse

from inbox.models import Message
from inbox.services import Notice, deliver, notify, unread_count


def test_a_notice_is_delivered_once_per_person_and_key(street, officer_a, colleague_a):
    first = notify([officer_a, colleague_a], kind="warning", title="预警逾期", key="w:1")
    again = notify([officer_a, colleague_a], kind="warning", title="预警逾期", key="w:1")
    assert len(first) == 2 and again == []
    assert Message.objects.count() == 2


def test_many_notices_go_in_one_insert(street, officer_a, colleague_a,
                                       django_assert_num_queries):
    notices = [Notice(officer_a, "warning", f"预警{n}", f"w:{n}") for n in range(50)]
    with django_assert_num_queries(2):  # the insert, then reading back what was new
        created = deliver(notices, email=False)
    assert len(created) == 50


def test_new_notices_are_emailed_after_commit(street, officer_a,
                                              django_capture_on_commit_callbacks):
    officer_a.email = "officer_a@example.com"
    officer_a.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notify([officer_a], kind="warning", title="预警逾期", key="w:9")
        notify([officer_a], kind="warning", title="预警逾期", key="w:9")
    assert [message.to for message in mail.outbox] == [["officer_a@example.com"]]


def test_header_shows_the_unread_count(client, street, officer_a):
    notify([officer_a], kind="warning", title="预警逾期", key="w:2", email=False)
    client.force_login(officer_a)
    content = client.get("/").content.decode()
    assert 'data-testid="inbox-unread">1<' in content
    assert unread_count(officer_a) == 1


def test_opening_a_message_marks_it_read_and_follows_its_link(client, street, officer_a):
    message = notify([officer_a], kind="x", title="t", key="k", link="/areas/",
                     email=False)[0]
    client.force_login(officer_a)
    response = client.post(f"/inbox/{message.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/areas/"
    assert unread_count(officer_a) == 0


def test_nobody_opens_another_persons_message(client, street, officer_a, officer_b):
    message = notify([officer_a], kind="x", title="t", key="k", email=False)[0]
    client.force_login(officer_b)
    assert client.post(f"/inbox/{message.pk}/open/").status_code == 404
    assert client.get("/inbox/").content.decode().count("list-group-item") == 0


def test_a_link_to_another_site_is_not_followed(client, street, officer_a):
    message = notify([officer_a], kind="x", title="t", key="k",
                     link="https://evil.example/", email=False)[0]
    client.force_login(officer_a)
    assert client.post(f"/inbox/{message.pk}/open/")["Location"] == "/inbox/"


def test_the_inbox_folds_repeats_of_one_kind_about_one_matter_into_a_line_with_a_count(
        client, street, officer_a):
    for number in range(3):
        notify([officer_a], kind="warning_issued", title=f"预警{number}", key=f"w:{number}",
               link="/risks/7/")
    notify([officer_a], kind="warning_issued", title="另一事项", key="w:other",
           link="/risks/8/")
    notify([officer_a], kind="export_ready", title="导出完成", key="e:1")
    client.force_login(officer_a)
    page = client.get(reverse("inbox:message_list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    lines = page.context["page_obj"].object_list
    assert [(line["message"].title, line["count"]) for line in lines] == [
        ("导出完成", 1), ("另一事项", 1), ("预警2", 3)]
    assert "共 3 条" in page.content.decode()
    newest = lines[2]["message"]
    client.post(reverse("inbox:message_open", args=[newest.pk]))
    assert Message.objects.filter(link="/risks/7/", read_at__isnull=True).count() == 0
    assert Message.objects.filter(link="/risks/8/", read_at__isnull=True).count() == 1


def test_a_burst_digest_is_not_folded_with_the_notices_before_it(client, street, officer_a):
    for number in range(2):
        notify([officer_a], kind="approval", title=f"审批{number}", key=f"a:{number}",
               link="/risks/approvals/")
    Message.objects.create(recipient=officer_a, kind="approval", title="本小时另有 16 条通知：审批",
                           link="/risks/approvals/", dedupe_key="digest:approval:1",
                           batch=uuid.uuid4(), folded=16)
    client.force_login(officer_a)
    lines = client.get(reverse("inbox:message_list")).context["page_obj"].object_list
    assert sorted((line["message"].title, line["count"]) for line in lines) == [
        ("审批1", 2), ("本小时另有 16 条通知：审批", 1)]
