"""The audit log's page and export: only the street leader and administrators open them;
filters by who, action, record type, dates, IP and text; newest first in keyset pages;
the export is itself recorded; the page costs the same queries however long the log."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.choices import AuditAction
from audit.models import AuditEntry
from audit.origin import Origin
from audit.services import record_event, record_model_change
from quanfu.navigation import items_for

LIST_URL = reverse("audit:entry_list")
EXPORT_URL = reverse("audit:entry_export")


def shown_seqs(response) -> list[int]:
    return [entry.seq for entry in response.context["page"].entries]


@pytest.fixture
def log(db, leader, officer_a, monkeypatch):
    """A few entries of each kind; the failed login was 40 days ago."""
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now - timedelta(days=40))
    failed = record_event(action=AuditAction.LOGIN_FAILED, target="ghost",
                          origin=Origin(ip_address="10.0.0.2", source="POST /accounts/login/"))
    monkeypatch.undo()
    login = record_event(action=AuditAction.LOGIN, actor=leader,
                         origin=Origin(ip_address="10.0.0.1", user_agent="Firefox"))
    export = record_event(action=AuditAction.EXPORT, actor=officer_a, target="ledger:matters",
                          detail="rows=12 filters=level=high",
                          origin=Origin(ip_address="10.0.0.3"))
    return {"failed": failed, "login": login, "export": export}


@pytest.mark.parametrize("persona,expected", [
    ("leader", 200), ("superuser", 200), ("officer_a", 403), ("grid_worker_a1", 403),
    ("section_staff", 403), ("supervisor_a", 403), ("api_client_user", 403),
])
def test_the_page_and_the_export_by_role(client, request, log, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    exports = AuditEntry.objects.filter(action=AuditAction.EXPORT).count()
    assert client.get(LIST_URL).status_code == expected
    assert client.get(EXPORT_URL).status_code == expected
    if expected == 403:  # a refused export writes no file and no entry
        assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == exports


def test_anonymous_visitors_are_sent_to_login(client, log):
    for url in (LIST_URL, EXPORT_URL):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_street_leader_reads_the_entries_of_their_street_only(client, leader,
                                                                other_street_leader, superuser,
                                                                log, officer_a):
    own_failure = record_event(action=AuditAction.LOGIN_FAILED, target="officer_a")
    matter_change = AuditEntry.objects.filter(model_label="accounts.user",
                                              object_id=str(officer_a.pk)).get()
    in_street = {log["login"].seq, log["export"].seq, own_failure.seq, matter_change.seq}

    def shown(user):
        client.force_login(user)
        return set(shown_seqs(client.get(LIST_URL)))

    assert in_street <= shown(leader) and log["failed"].seq not in shown(leader)
    assert not (in_street | {log["failed"].seq}) & shown(other_street_leader)
    assert in_street | {log["failed"].seq} <= shown(superuser)
    client.force_login(other_street_leader)
    response = client.get(EXPORT_URL)
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert "officer_a" not in str(list(workbook.active.iter_rows(values_only=True)))


def test_the_navigation_offers_the_page_to_leaders_only(leader, officer_a, superuser):
    def offered(user):
        return "audit:entry_list" in {item["url_name"] for item in items_for(user)}

    assert offered(leader) and offered(superuser) and not offered(officer_a)


@pytest.mark.parametrize("query,expected", [
    ({"who": "leader"}, ["login"]),
    ({"who": "ghost"}, ["failed"]),
    ({"action": "export"}, ["export"]),
    ({"ip": "10.0.0.2"}, ["failed"]),
    ({"q": "level=high"}, ["export"]),
    ({"q": "ghost"}, ["failed"]),
    ({"action": "login", "who": "officer_a"}, []),
])
def test_the_page_filters(client, superuser, log, query, expected):
    client.force_login(superuser)
    response = client.get(LIST_URL, query)
    seqs = set(shown_seqs(response)) & {entry.seq for entry in log.values()}
    assert seqs == {log[name].seq for name in expected}


def test_the_page_filters_by_date_range(client, superuser, log):
    client.force_login(superuser)
    today = timezone.localdate()
    recent = shown_seqs(client.get(LIST_URL, {"since": today - timedelta(days=1)}))
    assert log["failed"].seq not in recent and log["login"].seq in recent
    old = shown_seqs(client.get(LIST_URL, {"since": today - timedelta(days=41),
                                           "until": today - timedelta(days=39)}))
    assert old == [log["failed"].seq]


def test_the_page_filters_by_record_type(client, superuser, log, categories):
    category = categories["cyber"]  # instance-wide data: of no street, for administrators
    category.position += 1
    category.save()
    client.force_login(superuser)
    response = client.get(LIST_URL, {"model": "risks.category"})
    entries = response.context["page"].entries
    assert [(entry.model_label, entry.object_id) for entry in entries] == [
        ("risks.category", str(category.pk))]
    assert "position" in response.content.decode()


@pytest.mark.parametrize("query", [{"since": "not-a-date"}, {"until": "9999-12-31"},
                                   {"before": "abc"}, {"after": "-5"}, {"model": "nope"},
                                   {"before": str(2**70)}])
def test_bad_filter_values_never_break_the_page(client, leader, log, query):
    client.force_login(leader)
    assert client.get(LIST_URL, query).status_code == 200


def test_newest_first_in_keyset_pages(client, leader, db):
    for number in range(120):
        record_event(action=AuditAction.EXPORT, actor=leader, target=f"ledger:{number}")
    client.force_login(leader)
    newest = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True)
    first = client.get(LIST_URL, {"action": "export"})
    assert shown_seqs(first) == list(newest.filter(action="export")[:50])
    page = first.context["page"]
    assert page.newer_than is None and page.older_than == shown_seqs(first)[-1]
    second = client.get(LIST_URL, {"action": "export", "before": page.older_than})
    assert shown_seqs(second) == list(newest.filter(action="export")[50:100])
    back = client.get(LIST_URL, {"action": "export", "after": second.context["page"].newer_than})
    assert shown_seqs(back) == shown_seqs(first)
    assert f"action=export&amp;before={page.older_than}" in first.content.decode()


def test_the_page_costs_the_same_queries_however_many_entries(client, leader, log):
    client.force_login(leader)
    client.get(LIST_URL)  # warm the per-process caches (content types, audited models)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST_URL)
    for number in range(60):
        record_event(action=AuditAction.EXPORT, actor=leader, target=f"ledger:{number}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST_URL)
    assert len(response.context["page"].entries) == 50
    # session, user, the leader's area and unread messages (base page), the page of
    # entries, and the session's save (savepoint, update, release): one query for the
    # log itself, whose usernames and record types are on the entries
    assert len(many) == len(few) <= PAGE_QUERIES
    assert sum("audit_auditentry" in query["sql"] for query in many.captured_queries) == 1


PAGE_QUERIES = 8


def test_the_export_has_the_filtered_entries_and_is_itself_recorded(client, leader, log):
    record_event(action=AuditAction.EXPORT, actor=leader, target="=HYPERLINK(\"x\")")
    client.force_login(leader)
    response = client.get(EXPORT_URL, {"action": "export"}, REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    targets = [row[8] for row in rows[1:] if row and isinstance(row[0], int)]
    assert targets == ['=HYPERLINK("x")', "ledger:matters"]
    formula_cell = workbook.active.cell(row=2, column=9)
    assert formula_cell.data_type == "s"  # text, never a formula
    assert "导出人" in rows[-1][0]
    recorded = AuditEntry.objects.filter(action=AuditAction.EXPORT, target="audit-log").get()
    assert (recorded.actor, recorded.ip_address) == (leader, "10.7.7.7")
    assert recorded.detail == "rows=2 filters=action=export"


def test_changed_fields_read_in_words_with_names_labels_and_local_times(
        client, leader, officer_a, report):
    """Not ``status: reported → verified`` or ``approved_by: — → 2``: the field's name, the
    choice's label, the person's name, the moment in local time, 是/否."""
    matter = report(officer_a)
    record_model_change(AuditAction.UPDATE, matter, changes={
        "status": {"old": "reported", "new": "verified"},
        "lead": {"old": None, "new": str(leader.pk)},
        "due_on": {"old": "2026-10-09", "new": "2026-10-12"},
        "closed_at": {"old": None, "new": "2026-10-09T23:59:59+08:00"},
    })
    client.force_login(leader)
    page = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "状态：已上报 → 已核实" in page
    assert f"包案领导：— → {leader.display_name}" in page
    assert "2026-10-09 23:59" in page and "T23:59:59" not in page
    assert "status:" not in page and "lead:" not in page


def test_the_page_names_the_people_of_its_changes_in_one_query(client, leader, officer_a,
                                                                report):
    matter = report(officer_a)
    client.force_login(leader)
    client.get(LIST_URL)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST_URL)
    for _ in range(5):
        record_model_change(AuditAction.UPDATE, matter, changes={
            "lead": {"old": str(officer_a.pk), "new": str(leader.pk)}})
    with CaptureQueriesContext(connection) as many:
        client.get(LIST_URL)
    assert len(many) <= len(one) + 1  # the people the changes name, read at once


def test_the_filters_offer_all_instead_of_dashes(client, leader, log):
    client.force_login(leader)
    page = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "---------" not in page and '<option value="" selected>全部</option>' in page
    assert "起始日期" in page and "截止日期" in page and "主送" not in page


def test_people_read_by_name_and_rows_written_at_once_by_their_fields(
        client, leader, officer_a, ready_to_start, street):
    """Not ``officer_a`` nor ``call: 1; reports: [1]; departments: [1]``: the person's name
    (the user name on hover), and the called departments by name under their field."""
    from meetings.services import blow_whistle

    type(officer_a).objects.filter(pk=officer_a.pk).update(name="李专干")
    blow_whistle(ready_to_start(), actor=officer_a, departments=[street.department],
                 request="请到场", respond_by=timezone.now() + timedelta(hours=4))
    client.force_login(leader)
    page = client.get(LIST_URL, {"who": "officer_a"},
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'title="officer_a">李专干</span>' in page
    assert f"科室：{street.department.name}" in page
    assert "meetings.departmentreport" not in page.split('data-testid="audit-table"')[1]
    assert "departments:" not in page and "reports:" not in page and "call:" not in page
