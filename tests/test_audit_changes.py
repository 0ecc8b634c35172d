"""The audit log records every create, change, transition and delete of the register's
records — through the pages, the API (session or token), tasks and commands — with who,
what, when and from where; personal fields are recorded as changed, never with values."""

import json
import sys

import pytest
from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from accounts.services import issue_api_token
from audit.choices import AuditAction
from audit.model_changes import audited_models, describe_object
from audit.models import AuditEntry
from audit.origin import process_origin
from grids.models import DutyAssignment
from risks import services
from risks.masking import mask_name
from risks.models import Category, Party, Risk

PHONE = "13812345678"
BROWSER = {"REMOTE_ADDR": "10.1.2.3", "HTTP_USER_AGENT": "Mozilla/5.0 (Test) Firefox/128",
           "HTTP_X_REQUEST_ID": "req-0001"}


def entries_for(instance, action=None):
    entries = AuditEntry.objects.filter(model_label=instance._meta.label_lower,
                                        object_id=str(instance.pk))
    return entries.filter(action=action) if action else entries


def whole_log_text() -> str:
    return json.dumps(list(AuditEntry.objects.values()), ensure_ascii=False, default=str)


@pytest.fixture
def matter(report, grid_worker_a1):
    return report(grid_worker_a1)


def report_data(street, categories, **overrides):
    data = {"area": street.grid_a1.pk, "category": categories["disputes"].pk, "subtype": "",
            "title": "小区广场舞噪音扰民", "description": "晚间广场舞音响过大，居民多次投诉。",
            "source": "grid_patrol", "discovered_at": "", "party_name": "", "party_phone": "",
            "party_relation": "party"}
    data.update(overrides)
    return data


# Through the pages ------------------------------------------------------------------------

def test_reporting_on_the_page_records_who_what_and_from_where(client, grid_worker_a1, street,
                                                               categories):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_create"),
                           report_data(street, categories, party_name="王五丰",
                                       party_phone=PHONE), **BROWSER)
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-0001"
    risk = Risk.objects.get(title="小区广场舞噪音扰民")
    entry = entries_for(risk, AuditAction.CREATE).get()
    assert (entry.actor, entry.username) == (grid_worker_a1, "grid_a1")
    assert entry.object_repr == f"{risk.code} 小区广场舞噪音扰民"
    assert (entry.ip_address, entry.user_agent, entry.request_id) == (
        "10.1.2.3", "Mozilla/5.0 (Test) Firefox/128", "req-0001")
    assert entry.origin == "POST /risks/new/"
    assert timezone.now() - entry.created_at < timezone.timedelta(minutes=1)
    party = Party.objects.get(risk=risk)
    assert entries_for(party, AuditAction.CREATE).get().object_repr == mask_name("王五丰")
    assert "王五丰" not in whole_log_text() and PHONE not in whole_log_text()


def test_changing_a_matter_on_the_page_records_old_and_new_values(client, officer_a, matter):
    client.force_login(officer_a)
    url = reverse("risks:risk_edit", args=[matter.pk])
    initial = client.get(url).context["form"].initial
    data = {name: ("" if value is None else value) for name, value in initial.items()}
    data["discovered_at"] = timezone.localtime(initial["discovered_at"]).strftime(
        "%Y-%m-%dT%H:%M")
    data.update(level="high", title="楼上漏水，已两次调解")
    assert client.post(url, data, REMOTE_ADDR="10.9.9.9").status_code == 302
    entry = entries_for(matter, AuditAction.UPDATE).get()
    assert entry.actor == officer_a and entry.ip_address == "10.9.9.9"
    assert entry.changes["title"] == {"old": "楼上漏水引发邻里纠纷", "new": "楼上漏水，已两次调解"}
    assert entry.changes["level"]["new"] == "high"
    assert "version" not in entry.changes and "updated_at" not in entry.changes


def test_removing_a_party_on_the_page_records_the_delete_without_the_name(client, officer_a,
                                                                          matter):
    services.add_party(matter, actor=officer_a, name="张三丰", phone=PHONE)
    party = Party.objects.get(risk=matter)
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_party_remove", args=[matter.pk, party.pk]),
                           REMOTE_ADDR="10.1.2.4")
    assert response.status_code == 302
    entry = entries_for(party, AuditAction.DELETE).get()
    assert (entry.actor, entry.object_repr, entry.ip_address) == (
        officer_a, mask_name("张三丰"), "10.1.2.4")
    assert entry.origin == f"POST /risks/{matter.pk}/parties/{party.pk}/remove/"
    assert "张三丰" not in whole_log_text() and PHONE not in whole_log_text()


def test_a_transition_on_the_page_is_recorded_as_a_transition(client, officer_a, matter):
    client.force_login(officer_a)
    client.post(reverse("risks:risk_transition", args=[matter.pk]),
                {"action": "verify", "version": matter.version})
    entry = entries_for(matter, AuditAction.TRANSITION).get()
    assert entry.actor == officer_a
    assert entry.changes["status"] == {"old": "reported", "new": "verified"}


def test_a_refused_change_records_nothing(client, grid_worker_a1, matter):
    client.force_login(grid_worker_a1)
    before = AuditEntry.objects.count()
    response = client.post(reverse("risks:risk_transition", args=[matter.pk]),
                           {"action": "verify", "version": matter.version})
    assert response.status_code == 403
    assert AuditEntry.objects.count() == before


# Through the API --------------------------------------------------------------------------

def test_a_transition_through_the_api_records_the_user_and_the_endpoint(api, officer_a,
                                                                        matter):
    api.force_authenticate(officer_a)
    response = api.post(f"/api/v1/risks/{matter.pk}/transition/", {"action": "verify"},
                        format="json", REMOTE_ADDR="10.2.0.1", HTTP_USER_AGENT="district/1.0")
    assert response.status_code == 200
    entry = entries_for(matter, AuditAction.TRANSITION).get()
    assert (entry.actor, entry.ip_address, entry.user_agent) == (officer_a, "10.2.0.1",
                                                                 "district/1.0")
    assert entry.origin == f"POST /api/v1/risks/{matter.pk}/transition/"
    assert entry.request_id  # one made up by the middleware when none was sent
    assert response["X-Request-ID"] == entry.request_id


def test_a_change_by_token_records_the_token_user_and_the_token_use_once(api, officer_a,
                                                                          matter):
    token, key = issue_api_token(officer_a, name="grid app")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.patch(f"/api/v1/risks/{matter.pk}/", {"version": matter.version,
                                                           "title": "经令牌修改"},
                         format="json", REMOTE_ADDR="10.3.0.7")
    assert response.status_code == 200
    change = entries_for(matter, AuditAction.UPDATE).get()
    assert change.actor == officer_a and change.changes["title"]["new"] == "经令牌修改"
    use = AuditEntry.objects.get(action=AuditAction.TOKEN_USE)
    assert (use.actor, use.ip_address, use.detail) == (officer_a, "10.3.0.7", "grid app")
    assert use.target.startswith(f"api-token:{token.pk} ")
    assert key not in whole_log_text() and token.key_hash not in whole_log_text()
    # within the minute, further calls are not written again (nor is last_used_at)
    assert api.get(f"/api/v1/risks/{matter.pk}/").status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.TOKEN_USE).count() == 1


def test_token_use_is_written_again_after_a_minute(api, officer_a, matter):
    token, key = issue_api_token(officer_a)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get("/api/v1/areas/")
    type(token).objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - timezone.timedelta(seconds=61))
    api.get("/api/v1/areas/")
    assert AuditEntry.objects.filter(action=AuditAction.TOKEN_USE).count() == 2


# What is written down ---------------------------------------------------------------------

def test_personal_fields_are_recorded_as_changed_without_values(report, officer_a):
    risk = report(officer_a, parties=[{"name": "李四光", "phone": PHONE}])
    party = Party.objects.get(risk=risk)
    party.phone, party.relation = "13900001111", "witness"
    party.save()
    entry = entries_for(party, AuditAction.UPDATE).get()
    assert entry.changes == {"phone": {"withheld": True},
                             "relation": {"old": "party", "new": "witness"}}
    officer_a.set_password("另一个Secret-2026")
    officer_a.save()
    assert entries_for(officer_a, AuditAction.UPDATE).get().changes == {
        "password": {"withheld": True}}
    text = whole_log_text()
    assert not any(secret in text for secret in ("李四光", PHONE, "13900001111",
                                                 officer_a.password))


def test_a_save_that_changes_only_bookkeeping_writes_nothing(officer_a, matter):
    before = entries_for(matter).count()
    services.add_note(matter, actor=officer_a, note="已回访")  # bumps version, updated_at
    assert entries_for(matter).count() == before


def test_the_audited_models_are_the_documented_list():
    """A new model must be decided on: audited, or listed in NOT_AUDITED with a reason."""
    assert {described.label for described in audited_models().values()} == {
        "accounts.user", "accounts.apitoken",
        "grids.area", "grids.department", "grids.dutyassignment", "grids.areachange",
        "grids.arealineage",
        "risks.category", "risks.subtype", "risks.subjectroute", "risks.risk", "risks.party",
        "risks.resolutionplan", "risks.emergencyplan", "risks.emergencydrill",
        "risks.clockrule", "risks.stageclock", "risks.approval", "risks.followup",
        "risks.attachment",
        "ledgers.archivefile", "ledgers.importedmatter", "ledgers.disputeacknowledgement",
        "meetings.meeting", "meetings.meetingitem", "meetings.actionitem",
        "meetings.whistlecall", "meetings.departmentreport", "meetings.escalationrule",
        "supervision.supervisiongroup", "supervision.inspection", "supervision.finding",
        "supervision.evidence", "supervision.notice", "supervision.listedsupervision",
        "supervision.campaign", "supervision.campaigntask", "supervision.campaignmatter",
        "rhythm.calendarday", "rhythm.calendaryear", "rhythm.riskwarning", "rhythm.dailycheck",
        "rhythm.dailycheckitem", "rhythm.zeroreport", "rhythm.workinstruction",
        "rhythm.instructionrecipient",
        "webhooks.subscription",
    }


def test_describing_a_record_never_reads_a_row(roster_a1):
    duty = DutyAssignment.objects.order_by("pk").first()  # grid and person not loaded
    label = describe_object(duty)
    assert label == f"{duty._meta.verbose_name} #{duty.pk}"
    # str() would have loaded the grid: the guard stopped the query before the database
    assert not DutyAssignment.grid.is_cached(duty)


def test_a_change_costs_the_lock_the_last_entry_and_one_insert(officer_a, matter,
                                                               django_assert_max_num_queries):
    party = services.add_party(matter, actor=officer_a, name="赵六", phone="")
    party = Party.objects.get(pk=party.pk)
    party.relation = "witness"
    # the UPDATE, then the chain: (PostgreSQL: advisory lock,) last entry, INSERT
    with django_assert_max_num_queries(4):
        party.save()


# Tasks and commands -----------------------------------------------------------------------

@shared_task(name="tests.audit_rename_category_task")
def rename_category_task(pk: int, name: str) -> None:
    category = Category.objects.get(pk=pk)
    category.name = name
    category.save()


def test_changes_in_a_task_have_no_actor_and_the_task_origin(client, leader, categories):
    category = categories["cyber"]
    client.force_login(leader)  # a request around it must not lend its user to the task
    rename_category_task.delay(category.pk, "网络安全风险（含电信诈骗）")
    entry = entries_for(category, AuditAction.UPDATE).get()
    assert (entry.actor, entry.username) == (None, "")
    assert entry.origin == "task:tests.audit_rename_category_task"


def test_changes_in_a_command_have_no_actor_and_the_command_origin(monkeypatch, categories):
    monkeypatch.setattr(sys, "argv", ["manage.py", "load_demo"])
    process_origin.cache_clear()
    try:
        category = categories["cyber"]
        category.position += 1
        category.save()
    finally:
        process_origin.cache_clear()
    entry = entries_for(category, AuditAction.UPDATE).get()
    assert (entry.actor, entry.origin) == (None, "command:load_demo")



def test_the_daily_job_records_one_summary_for_its_bulk_insert(report, officer_a, officer_b,
                                                               street):
    from rhythm.tasks import run_daily_checks_task

    for _ in range(3):
        report(officer_a)
    report(officer_b, area=street.grid_b1)
    run_daily_checks_task.delay()
    entry = AuditEntry.objects.get(target="rhythm:daily_checks")
    assert (entry.action, entry.actor) == (AuditAction.CREATE, None)
    assert entry.origin == "task:rhythm.run_daily_checks_task"
    assert entry.detail.endswith("2 checklists, 4 items")
    assert not AuditEntry.objects.filter(model_label="rhythm.dailycheckitem").exists()
    run_daily_checks_task.delay()  # nothing new: nothing written
    assert AuditEntry.objects.filter(target="rhythm:daily_checks").count() == 1
