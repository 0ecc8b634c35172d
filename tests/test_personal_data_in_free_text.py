"""No identity numbers or mobile numbers in free text (DOMAIN.md): the detector, the refusal
in every free-text field of every app (service, API, page, import cell) naming the field and
changing nothing, and ``scan_personal_data`` reporting and masking what was written before."""

from datetime import datetime, timedelta
from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from inbox.models import Message
from ledgers import services as ledger_services
from ledgers.models import ArchiveFile
from ledgers.survey_sheet import COLUMNS
from meetings import services as meeting_services
from meetings.choices import Decision
from meetings.models import (
    ActionItem,
    ActionItemProgress,
    Amendment,
    DepartmentReport,
    Meeting,
    MeetingItem,
    WhistleCall,
)
from quanfu.errors import RuleBroken
from quanfu.personal_data import (
    MOBILE,
    RESIDENT_ID,
    find_personal_data,
    mask_personal_data,
    refuse_personal_data,
)
from rhythm import services as rhythm_services
from rhythm.choices import CheckOutcome
from rhythm.models import DailyCheckItem, InstructionRecipient, RiskWarning, WorkInstruction
from risks import services as risk_services
from risks.choices import EventKind, RiskStatus, Tier
from risks.models import (
    EmergencyDrill,
    EmergencyPlan,
    EmergencyPlanRevision,
    Party,
    ResolutionPlan,
    Risk,
    RiskEvent,
)
from supervision import services as supervision_services
from supervision.choices import TaskStatus
from supervision.models import (
    CampaignProgressReport,
    CampaignTask,
    Finding,
    FindingEvent,
    Inspection,
    ListedSupervision,
    ListingEvent,
    Notice,
)
from tests.meetings_helpers import decide, hold, resolving
from tests.supervision_helpers import (
    EMERGENCY_PLAN,
    days_from_today,
    find,
    group_of,
    inspect,
    seed_campaigns,
)

MESSAGE = "请勿在描述中填写身份证号或手机号；当事人电话请在“当事人”中登记"

# Resident identity numbers whose check character is right (GB 11643), and look-alikes.
VALID_IDS = ["370102199001011231", "44030419851012002X", "11010519491231002x"]
WRONG_CHECK_CHARACTER = ["370102199001011234", "440304198510120021"]
BORN_IN_THE_FUTURE = "370102203001011230"  # right check character, born 2030
NO_SUCH_BIRTH_DATE = "370102199013011239"  # right check character, month 13

# What the refusal tests write, one in turn per case: every form goes through some service.
OFFENDING_TEXTS = ["当事人电话13812345678，请回访", f"身份证号{VALID_IDS[0]}",
                   "联系 +86 139-1234-5678", f"证件：{VALID_IDS[1]}。"]


# The detector ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [*VALID_IDS, f"身份证号：{VALID_IDS[0]}，现住",
                                  "３７０１０２１９９００１０１１２３１"])  # full-width digits
def test_an_identity_number_with_its_check_character_is_found(text):
    assert [match.kind for match in find_personal_data(text)] == [RESIDENT_ID]


@pytest.mark.parametrize("text", [*WRONG_CHECK_CHARACTER, BORN_IN_THE_FUTURE,
                                  NO_SUCH_BIRTH_DATE])
def test_eighteen_digits_that_are_no_identity_number_pass(text):
    assert find_personal_data(text) == []
    refuse_personal_data(description=text)


@pytest.mark.parametrize("text", ["13812345678", "电话13812345678。", "138-1234-5678",
                                  "138 1234 5678", "+86 13812345678", "+86-138-1234-5678",
                                  "008613812345678", "手机：１３８１２３４５６７８",
                                  "19912345678"])
def test_a_mobile_number_is_found_in_its_common_forms(text):
    assert [match.kind for match in find_personal_data(text)] == [MOBILE]


@pytest.mark.parametrize("text", [
    "20240520", "2024-05-20 14:30", "2024年5月20日上午", "20240520143000",
    "赔偿金额50000元", "欠薪1380000元", "涉及43户128人",
    "与QF-2026-000123为同一事项", "QF-2026-138123",
    "银行卡号12345678901234567890",  # 20 digits: not an identity number, not a phone
    "订单号138123456789", "编号12812345678", "2021-1380-1234",
])
def test_dates_amounts_matter_codes_and_long_numbers_pass(text):
    assert find_personal_data(text) == []
    refuse_personal_data(description=text)


def test_masking_keeps_the_text_and_the_ends_of_each_number():
    text = f"身份证{VALID_IDS[1]}，电话138-1234-5678，另见QF-2026-000123"
    masked = mask_personal_data(text)
    assert masked == "身份证440304********002X，电话138****5678，另见QF-2026-000123"
    assert find_personal_data(masked) == [] and mask_personal_data(masked) == masked


def test_the_refusal_names_the_first_field_holding_a_number():
    with pytest.raises(RuleBroken) as refused:
        refuse_personal_data(title="楼道堆物", description="电话13812345678", note=VALID_IDS[0])
    assert refused.value.field == "description"
    assert str(refused.value.message) == MESSAGE  # the UI speaks Chinese by default


# The refusal in every free-text field, through the services --------------------------------

@pytest.fixture
def matter(report, officer_a, roster_a1):
    return report(officer_a)


@pytest.fixture
def resolved(ready_to_start, officer_a):
    risk = risk_services.start_risk(ready_to_start(title="车位纠纷"), actor=officer_a)
    return risk_services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")


@pytest.fixture
def emergency_plan(matter, officer_a):
    return risk_services.save_emergency_plan(matter, actor=officer_a, **EMERGENCY_PLAN)


@pytest.fixture
def resolving_matter(ready_to_start, officer_a):
    return resolving(ready_to_start, officer_a)


@pytest.fixture
def draft_meeting(officer_a, resolving_matter):
    return hold(officer_a, Tier.COMMUNITY, risks=[resolving_matter])


@pytest.fixture
def action_item(officer_a, resolving_matter):
    """An action item of approved minutes, owned by officer A."""
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[resolving_matter], title="上月联席会议")
    action_item = meeting_services.add_action_item(
        meeting, actor=officer_a, item=meeting.items.get(), title="回访当事人", owner=officer_a,
        deadline=timezone.localdate() + timedelta(days=7))
    decide(meeting, officer_a, {resolving_matter: Decision.FOLLOW_UP})
    meeting_services.approve_meeting(meeting, actor=officer_a)
    return ActionItem.objects.get(pk=action_item.pk)


@pytest.fixture
def approved_meeting(action_item):
    return Meeting.objects.get(pk=action_item.meeting_id)


@pytest.fixture
def whistle_call(matter, grid_worker_a1, street, section_staff):
    return meeting_services.blow_whistle(
        matter, actor=grid_worker_a1, departments=[street.department], request="请到场协调",
        respond_by=timezone.now() + timedelta(hours=4))


@pytest.fixture
def inspection(supervisor_a, street):
    return inspect(supervisor_a, street.community_a)


@pytest.fixture
def finding(supervisor_a, inspection):
    return find(supervisor_a, inspection)


@pytest.fixture
def submitted_finding(finding, officer_a):
    return supervision_services.submit_rectification(finding, actor=officer_a,
                                                     note="已补齐台账")


@pytest.fixture
def notice(supervisor_a, finding):
    return supervision_services.draft_notice(actor=supervisor_a, group=group_of(supervisor_a),
                                             findings=[finding])


@pytest.fixture
def listing(supervisor_a, street):
    return supervision_services.list_for_supervision(
        actor=supervisor_a, reason="台账长期未更新", deadline=days_from_today(10),
        community=street.community_a)


@pytest.fixture
def campaign(db):
    return next(iter(seed_campaigns().values()))


@pytest.fixture
def campaign_task(campaign, leader, officer_a, street):
    return supervision_services.add_campaign_task(
        campaign, actor=leader, title="排查出租房屋", deadline=days_from_today(30),
        owner_community=street.community_a)


@pytest.fixture
def graded(ready_to_start):
    return ready_to_start()


@pytest.fixture
def open_warning(graded, officer_a):
    return rhythm_services.issue_warning(graded, actor=officer_a, content="请两日内反馈")


@pytest.fixture
def check_item(matter):
    rhythm_services.run_daily_checks(timezone.localdate())
    return DailyCheckItem.objects.get(risk=matter)


@pytest.fixture
def instruction_recipient(matter, officer_a, grid_worker_a1):
    instruction = rhythm_services.send_instruction(
        actor=officer_a, workers=[grid_worker_a1], kind="visit", content="今日入户走访",
        deadline=timezone.now() + timedelta(hours=4), risk=matter)
    return instruction.recipients.get()


def later():
    return timezone.now() + timedelta(hours=4)


# (case, the field named, the fixtures it needs, the service call with the offending text)
CASES = [
    # the register
    ("report title", "title", ["report", "officer_a"],
     lambda report, officer, text: report(officer, title=text)),
    ("report description", "description", ["report", "officer_a"],
     lambda report, officer, text: report(officer, description=text)),
    ("edit title", "title", ["matter", "officer_a"],
     lambda risk, officer, text: risk_services.update_risk(
         risk, actor=officer, version=risk.version, changes={"title": text})),
    ("edit description", "description", ["matter", "officer_a"],
     lambda risk, officer, text: risk_services.update_risk(
         risk, actor=officer, version=risk.version, changes={"description": text})),
    ("transition note", "note", ["matter", "officer_a"],
     lambda risk, officer, text: risk_services.reject_risk(risk, actor=officer, note=text)),
    ("resolution note", "note", ["resolved", "colleague_a"],
     lambda risk, officer, text: risk_services.close_risk(risk, actor=officer, note=text)),
    ("progress note", "note", ["matter", "grid_worker_a1"],
     lambda risk, worker, text: risk_services.add_note(risk, actor=worker, note=text)),
    ("resolution plan", "measures", ["matter", "officer_a"],
     lambda risk, officer, text: risk_services.save_resolution_plan(risk, actor=officer,
                                                                    measures=text)),
    *[(f"emergency plan {field}", field, ["matter", "officer_a"],
       lambda risk, officer, text, field=field: risk_services.save_emergency_plan(
           risk, actor=officer, **{**EMERGENCY_PLAN, field: text}))
      for field in EmergencyPlan.CONTENT_FIELDS],
    ("emergency plan revision reason", "reason", ["emergency_plan", "officer_a"],
     lambda plan, officer, text: risk_services.save_emergency_plan(
         plan.risk, actor=officer, reason=text, **{**EMERGENCY_PLAN, "measures": "加派人手"})),
    *[(f"drill {field}", field, ["emergency_plan", "officer_a"],
       lambda plan, officer, text, field=field: risk_services.record_drill(
           plan, actor=officer, held_on=timezone.localdate(),
           **{"participants": "社区干部5人", "summary": "演练顺利", "findings": "",
              field: text}))
      for field in ("participants", "summary", "findings")],
    ("archive note", "note", ["matter", "officer_a"],
     lambda risk, officer, text: ledger_services.file_archive(risk, actor=officer,
                                                              note=text)),
    # meetings
    *[(f"meeting {field}", field, ["officer_a"],
       lambda officer, text, field=field: hold(officer, Tier.COMMUNITY, **{field: text}))
      for field in ("title", "location", "other_attendees", "minutes")],
    ("draft minutes", "minutes", ["draft_meeting", "officer_a"],
     lambda meeting, officer, text: meeting_services.update_meeting(meeting, actor=officer,
                                                                    minutes=text)),
    ("agenda topic", "topic", ["draft_meeting", "officer_a"],
     lambda meeting, officer, text: meeting_services.add_agenda_item(meeting, actor=officer,
                                                                     topic=text)),
    ("decision", "note", ["draft_meeting", "officer_a"],
     lambda meeting, officer, text: meeting_services.record_decision(
         meeting.items.get(), actor=officer, decision=Decision.FOLLOW_UP, note=text)),
    ("amended minutes", "minutes", ["approved_meeting", "officer_a"],
     lambda meeting, officer, text: meeting_services.amend_minutes(
         meeting, actor=officer, minutes=text, reason="笔误")),
    ("amendment reason", "reason", ["approved_meeting", "officer_a"],
     lambda meeting, officer, text: meeting_services.amend_minutes(
         meeting, actor=officer, minutes="更正后的纪要", reason=text)),
    ("amended decision", "note", ["approved_meeting", "officer_a"],
     lambda meeting, officer, text: meeting_services.amend_decision(
         meeting.items.get(), actor=officer, note=text, reason="笔误")),
    ("action item", "title", ["draft_meeting", "officer_a"],
     lambda meeting, officer, text: meeting_services.add_action_item(
         meeting, actor=officer, title=text, owner=officer, deadline=days_from_today(7))),
    ("action item progress", "note", ["action_item", "officer_a"],
     lambda item, officer, text: meeting_services.add_progress_note(item, actor=officer,
                                                                    note=text)),
    ("action item completed", "note", ["action_item", "officer_a"],
     lambda item, officer, text: meeting_services.complete_action_item(item, actor=officer,
                                                                       note=text)),
    ("whistle request", "request", ["matter", "grid_worker_a1", "street"],
     lambda risk, worker, street, text: meeting_services.blow_whistle(
         risk, actor=worker, departments=[street.department], request=text,
         respond_by=later())),
    ("report-in plan", "plan", ["whistle_call", "section_staff"],
     lambda call, staff, text: meeting_services.report_in(call.reports.get(), actor=staff,
                                                          plan=text)),
    ("report-in responder", "responder", ["whistle_call", "section_staff"],
     lambda call, staff, text: meeting_services.report_in(call.reports.get(), actor=staff,
                                                          plan="立即派员", responder=text)),
    # supervision
    ("inspection checked", "checked", ["supervisor_a", "street"],
     lambda supervisor, street, text: inspect(supervisor, street.community_a, checked=text)),
    ("inspection summary", "summary", ["supervisor_a", "street"],
     lambda supervisor, street, text: inspect(supervisor, street.community_a, summary=text)),
    ("finding description", "description", ["supervisor_a", "inspection"],
     lambda supervisor, inspection, text: find(supervisor, inspection, description=text)),
    ("finding rectification required", "rectification_required",
     ["supervisor_a", "inspection"],
     lambda supervisor, inspection, text: find(supervisor, inspection,
                                               rectification_required=text)),
    ("rectification", "note", ["finding", "officer_a"],
     lambda finding, officer, text: supervision_services.submit_rectification(
         finding, actor=officer, note=text)),
    ("rectification returned", "note", ["submitted_finding", "supervisor_a"],
     lambda finding, supervisor, text: supervision_services.return_rectification(
         finding, actor=supervisor, note=text)),
    ("rectification accepted", "note", ["submitted_finding", "supervisor_a"],
     lambda finding, supervisor, text: supervision_services.accept_rectification(
         finding, actor=supervisor, note=text)),
    ("notice drafted", "body", ["finding", "supervisor_a"],
     lambda finding, supervisor, text: supervision_services.draft_notice(
         actor=supervisor, group=group_of(supervisor), findings=[finding], body=text)),
    ("notice edited", "title", ["notice", "supervisor_a"],
     lambda notice, supervisor, text: supervision_services.update_notice(
         notice, actor=supervisor, title=text, body=notice.body,
         findings=list(notice.findings.all()))),
    ("listing reason", "reason", ["matter", "supervisor_a"],
     lambda risk, supervisor, text: supervision_services.list_for_supervision(
         actor=supervisor, reason=text, deadline=days_from_today(10), risk=risk)),
    ("listing lifted", "note", ["listing", "supervisor_a"],
     lambda listing, supervisor, text: supervision_services.lift_supervision(
         listing, actor=supervisor, note=text)),
    ("campaign task", "title", ["campaign", "leader", "street"],
     lambda campaign, leader, street, text: supervision_services.add_campaign_task(
         campaign, actor=leader, title=text, deadline=days_from_today(30),
         owner_community=street.community_a)),
    ("campaign progress", "note", ["campaign_task", "officer_a"],
     lambda task, officer, text: supervision_services.report_task_progress(
         task, actor=officer, note=text, progress=50, status=TaskStatus.IN_PROGRESS)),
    # the rhythm
    ("warning", "content", ["graded", "officer_a"],
     lambda risk, officer, text: rhythm_services.issue_warning(risk, actor=officer,
                                                               content=text)),
    ("warning feedback", "content", ["open_warning", "grid_worker_a1"],
     lambda warning, worker, text: rhythm_services.record_feedback(warning, actor=worker,
                                                                   content=text)),
    ("instruction", "content", ["matter", "officer_a", "grid_worker_a1"],
     lambda risk, officer, worker, text: rhythm_services.send_instruction(
         actor=officer, workers=[worker], kind="visit", content=text, deadline=later(),
         risk=risk)),
    ("instruction answer", "answer", ["instruction_recipient", "grid_worker_a1"],
     lambda recipient, worker, text: rhythm_services.answer_instruction(
         recipient, actor=worker, answer=text)),
    ("daily check", "note", ["check_item", "officer_a"],
     lambda item, officer, text: rhythm_services.confirm_check_item(
         item, actor=officer, outcome=CheckOutcome.CHANGED, note=text)),
]

WATCHED_MODELS = [
    Risk, RiskEvent, Party, ResolutionPlan, EmergencyPlan, EmergencyPlanRevision,
    EmergencyDrill, ArchiveFile, Meeting, MeetingItem, ActionItem, ActionItemProgress,
    Amendment, WhistleCall, DepartmentReport, Inspection, Finding, FindingEvent, Notice,
    ListedSupervision, ListingEvent, CampaignTask, CampaignProgressReport, RiskWarning,
    WorkInstruction, InstructionRecipient, DailyCheckItem, Message,
]


def everything():
    """Every row that a refused write could have touched."""
    return {model.__name__: list(model.objects.order_by("pk").values())
            for model in WATCHED_MODELS}


@pytest.mark.parametrize("field,fixtures,write,text", [
    pytest.param(field, fixtures, write, OFFENDING_TEXTS[index % len(OFFENDING_TEXTS)], id=case)
    for index, (case, field, fixtures, write) in enumerate(CASES)])
def test_each_free_text_field_refuses_numbers_and_changes_nothing(request, field, fixtures,
                                                                  write, text):
    arguments = [request.getfixturevalue(name) for name in fixtures]
    before = everything()
    with pytest.raises(RuleBroken) as refused:
        write(*arguments, text)
    assert (refused.value.field, str(refused.value.message)) == (field, MESSAGE)
    assert everything() == before


def test_an_edit_leaving_old_text_alone_is_not_refused(matter, officer_a):
    """Text written before the rule is masked by the scan, not held against other edits."""
    Risk.objects.filter(pk=matter.pk).update(description="旧记录：电话13812345678")
    edited = risk_services.update_risk(Risk.objects.get(pk=matter.pk), actor=officer_a,
                                       version=matter.version, changes={"title": "楼道堆物"})
    assert edited.title == "楼道堆物"


# The API and the pages ---------------------------------------------------------------------

def test_api_refuses_a_report_naming_the_description(api, officer_a, street, categories):
    api.force_authenticate(officer_a)
    response = api.post("/api/v1/risks/", {
        "title": "物业费纠纷", "description": "业主王某，电话 138 1234 5678。",
        "category": "disputes", "area": street.grid_a1.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"description": [MESSAGE]}
    assert not Risk.objects.exists()


def test_api_refuses_an_edit_naming_the_title(api, matter, officer_a):
    before = everything()
    api.force_authenticate(officer_a)
    response = api.patch(f"/api/v1/risks/{matter.pk}/", {
        "version": matter.version, "title": f"{VALID_IDS[0]}的纠纷"}, format="json")
    assert response.status_code == 400 and response.json() == {"title": [MESSAGE]}
    assert everything() == before


@pytest.mark.parametrize("path,body", [
    ("transition", {"action": "reject", "note": "经查，电话13812345678不是本人"}),
    ("notes", {"note": f"已核实身份证{VALID_IDS[2]}"}),
])
def test_api_refuses_notes_naming_the_note(api, matter, officer_a, path, body):
    before = everything()
    api.force_authenticate(officer_a)
    response = api.post(f"/api/v1/risks/{matter.pk}/{path}/", body, format="json")
    assert response.status_code == 400 and response.json() == {"note": [MESSAGE]}
    assert everything() == before


def test_api_refuses_warning_feedback_naming_the_content(api, open_warning, grid_worker_a1):
    before = everything()
    api.force_authenticate(grid_worker_a1)
    response = api.post(f"/api/v1/warnings/{open_warning.pk}/feedback/",
                        {"content": "已联系当事人13812345678"}, format="json")
    assert response.status_code == 400 and response.json() == {"content": [MESSAGE]}
    assert everything() == before


def test_report_page_shows_the_refusal_next_to_the_title(client, grid_worker_a1, street,
                                                         categories):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_create"), {
        "area": street.grid_a1.pk, "category": categories["disputes"].pk, "subtype": "",
        "title": f"{VALID_IDS[0]}家中漏水", "description": "楼上卫生间渗漏。",
        "source": "grid_patrol", "discovered_at": "", "party_name": "", "party_phone": "",
        "party_relation": "party"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"title": [MESSAGE]}
    assert not Risk.objects.exists()


def test_note_page_shows_the_refusal_next_to_the_note(client, matter, grid_worker_a1):
    before = everything()
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_note_add", args=[matter.pk]),
                           {"note": "当事人手机13812345678"})
    assert response.status_code == 400
    assert 'data-testid="error-note"' in response.content.decode()
    assert everything() == before


def test_finding_page_shows_the_refusal_next_to_the_description(client, supervisor_a,
                                                                inspection):
    before = everything()
    client.force_login(supervisor_a)
    response = client.post(f"/supervision/inspections/{inspection.pk}/findings/", {
        "severity": "general", "subject": "work", "description": "网格员电话13812345678未公示",
        "rectification_required": "补齐台账。", "deadline": days_from_today(5).isoformat()})
    assert response.status_code == 400
    assert response.context["finding_form"].errors == {"description": [MESSAGE]}
    assert everything() == before


# The survey sheet --------------------------------------------------------------------------

HEADERS = [column.header for column in COLUMNS]


def sheet_upload(rows: list[dict]) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "排查登记表"
    sheet.append(HEADERS)
    for number, values in enumerate(rows):
        row = {"区域编码": "S1-A-G1", "类别": "社会矛盾风险", "事项名称": f"楼道堆物纠纷{number}",
               "简要情况": "邻里因楼道堆放杂物争执。", "发现时间": datetime(2026, 3, 5, 9, 30),
               **values}
        sheet.append([row.get(header, "") for header in HEADERS])
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("排查登记表.xlsx", buffer.getvalue())


def test_an_imported_cell_holding_a_number_names_its_row_and_column(officer_a, categories,
                                                                    street, roster_a1):
    outcome = ledger_services.import_survey_sheet(sheet_upload([
        {},
        {"简要情况": "王某（电话13812345678）反映漏水"},
        {"事项名称": f"{VALID_IDS[1]}欠薪", "当事人": "王某", "联系电话": "13812345678"},
    ]), actor=officer_a, name="sheet.xlsx")
    found = [(error.row, error.column, error.field, error.message)
             for error in outcome.check.errors]
    column = {header: get_column_letter(HEADERS.index(header) + 1) for header in HEADERS}
    assert found == [(3, column["简要情况"], "简要情况", MESSAGE),
                     (4, column["事项名称"], "事项名称", MESSAGE)]
    assert outcome.created == [] and not Risk.objects.exists()  # all or nothing


# scan_personal_data ------------------------------------------------------------------------

@pytest.fixture
def written_before(report, officer_a, roster_a1):
    """Matters and history written before the rule: the services refuse such text now, so
    it is put in place with plain updates, as old rows would hold it."""
    with_numbers = report(officer_a, title="漏水纠纷", description="楼上漏水")
    Risk.objects.filter(pk=with_numbers.pk).update(
        title=f"漏水纠纷{VALID_IDS[0]}",
        description="楼上住户电话138-1234-5678，另见QF-2026-000123")
    RiskEvent.objects.create(risk=with_numbers, kind=EventKind.NOTE, actor=officer_a,
                             note="回访当事人13912345678")
    RiskEvent.objects.create(risk=with_numbers, kind=EventKind.EDITED, actor=officer_a,
                             changes={"title": [f"旧名称{VALID_IDS[1]}", "漏水纠纷"]})
    clean = report(officer_a, title="停车纠纷", description="车位归属引发争执，涉及12户。")
    return Risk.objects.get(pk=with_numbers.pk), clean


def scan(*arguments) -> list[str]:
    out = StringIO()
    call_command("scan_personal_data", *arguments, stdout=out)
    return out.getvalue().splitlines()


def test_scan_reports_matter_codes_and_fields_and_changes_nothing(written_before):
    risk, clean = written_before
    before = everything()
    lines = scan("--batch-size", "1")  # one row per query: the batches follow each other
    events = list(risk.events.order_by("pk"))
    assert lines == [
        f"{risk.code}\ttitle\tidentity number ×1",
        f"{risk.code}\tdescription\tmobile number ×1",
        f"{risk.code}\tevent {events[-2].pk} (note) note\tmobile number ×1\t"
        "not masked: the history is append-only",
        f"{risk.code}\tevent {events[-1].pk} (edited) changes\tidentity number ×1\t"
        "not masked: the history is append-only",
        "Matters holding identity or mobile numbers: 1 (2 fields; run with --mask to mask "
        "them).",
        "Events holding them: 2 (the history is append-only: reported, never masked).",
    ]
    assert not any(VALID_IDS[0] in line or "1234-5678" in line for line in lines)
    assert everything() == before


def test_scan_with_mask_masks_in_place_with_an_event_each(written_before):
    risk, clean = written_before
    events_before = list(RiskEvent.objects.order_by("pk").values())
    lines = scan("--mask")
    assert "Matters holding identity or mobile numbers: 1 (2 fields; masked)." in lines
    masked = Risk.objects.get(pk=risk.pk)
    assert masked.title == "漏水纠纷370102********1231"
    assert masked.description == "楼上住户电话138****5678，另见QF-2026-000123"
    assert masked.version == risk.version + 1 and masked.updated_at > risk.updated_at
    event = masked.events.get(kind=EventKind.MASKED)
    assert event.changes == {"fields": ["title", "description"]} and event.actor is None
    # the history stays as written: one event added, none changed
    assert list(RiskEvent.objects.exclude(pk=event.pk).order_by("pk").values()) == events_before
    untouched = Risk.objects.get(pk=clean.pk)
    assert (untouched.version, untouched.events.count()) == (clean.version, 1)
    again = scan("--mask")
    assert "Matters holding identity or mobile numbers: 0 (0 fields; masked)." in again
    assert masked.events.filter(kind=EventKind.MASKED).count() == 1


def test_masking_a_written_off_matters_resolution_note(resolved, colleague_a):
    closed = risk_services.close_risk(resolved, actor=colleague_a, note="双方和解")
    Risk.objects.filter(pk=closed.pk).update(resolution_note="和解，回访电话13812345678")
    masked = risk_services.mask_personal_data_in_risk(closed, fields=["resolution_note"])
    assert masked.resolution_note == "和解，回访电话138****5678"
    assert masked.status == RiskStatus.CLOSED
    assert masked.events.filter(kind=EventKind.MASKED,
                                changes={"fields": ["resolution_note"]}).exists()
