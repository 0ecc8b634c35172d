"""Ledger exports (.xlsx): scope, the register's filters, masking and its log, formula
injection, the sheet's shape, large exports as background jobs, and fixed query counts."""

import threading
from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.services import issue_api_token
from audit.models import AccessLog
from inbox.models import Message
from ledgers import services
from ledgers.choices import ExportStatus
from ledgers.models import ExportJob
from risks import services as risk_services

PHONE = "13812345678"


def export_url(name: str) -> str:
    return reverse("api:ledger-export", args=[name])


def read_sheet(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(BytesIO(content)).worksheets[0]


def column_values(sheet, header: str) -> list:
    headers = [cell.value for cell in sheet[1]]
    index = headers.index(header)
    return [row[index] for row in sheet.iter_rows(min_row=2, values_only=True)
            if any(value is not None for value in row) and not str(row[0]).startswith("导出人")]


@pytest.fixture
def matter_a(report, officer_a):
    risk = report(officer_a, title="楼上漏水纠纷")
    risk_services.add_party(risk, actor=officer_a, name="张三丰", phone=PHONE)
    return risk


@pytest.fixture
def matter_b(report, officer_b, street):
    return report(officer_b, area=street.grid_b1, title="东泉停车纠纷",
                  description="车位归属引发争执。")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# Scope ------------------------------------------------------------------------------------

@pytest.mark.parametrize("persona,sees_a,sees_b", [
    ("grid_worker_a1", True, False), ("officer_a", True, False), ("officer_b", False, True),
    ("supervisor_a", True, False), ("leader", True, True), ("social_staff", False, False),
])
def test_export_holds_only_the_matters_in_scope(client, request, matter_a, matter_b, persona,
                                                sees_a, sees_b):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(export_url("online"))
    assert response.status_code == 200
    codes = set(column_values(read_sheet(response), "编号"))
    assert codes == ({matter_a.code} if sees_a else set()) | ({matter_b.code} if sees_b else set())


def test_officer_cannot_export_another_communitys_matters_by_filter(client, officer_a, street,
                                                                    matter_b):
    client.force_login(officer_a)
    assert client.get(export_url("online"), {"within": street.community_b.pk}).status_code == 404
    response = client.get(export_url("online"), {"area": street.grid_b1.pk})
    assert column_values(read_sheet(response), "编号") == []


def test_anonymous_export_is_refused(api, matter_a):
    assert api.get(export_url("online")).status_code == 401


def test_token_client_exports_with_the_registers_filters(api, api_client_user, report,
                                                         officer_a, matter_a, categories):
    other = report(officer_a, title="校门口摊贩占道", category=categories["public_order"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(api_client_user)[1]}")
    response = api.get(export_url("online"), {"category": "public_order"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert column_values(read_sheet(response), "编号") == [other.code]


def test_invalid_filter_is_a_400_as_on_the_register(client, leader, matter_a):
    client.force_login(leader)
    response = client.get(export_url("online"), {"level": "extreme"})
    assert response.status_code == 400
    assert "level" in response.json()


def test_unknown_ledger_is_404(client, leader, street):
    client.force_login(leader)
    assert client.get(export_url("nonsense")).status_code == 404


# Masking and the access log ---------------------------------------------------------------

def test_parties_are_masked_and_the_export_is_logged(client, leader, matter_a):
    client.force_login(leader)
    response = client.get(export_url("online"), {"unmask": "false"})
    sheet = read_sheet(response)
    everything = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    assert PHONE not in everything and "张三丰" not in everything
    assert column_values(sheet, "联系电话") == ["138****5678"]
    assert column_values(sheet, "当事人") == ["张**（当事人）"]
    log = AccessLog.objects.get()
    assert (log.actor, log.action, log.target) == (leader, AccessLog.Action.EXPORT,
                                                   "ledger:online")


def test_unmasking_without_the_permission_is_refused_and_nothing_leaks(client, leader,
                                                                       matter_a):
    client.force_login(leader)
    response = client.get(export_url("online"), {"unmask": "true"})
    assert response.status_code == 403
    assert PHONE.encode() not in response.content
    assert not AccessLog.objects.filter(action=AccessLog.Action.UNMASKED_READ).exists()


def test_unmasker_gets_the_clear_data_and_the_read_is_logged(client, unmasker, matter_a):
    client.force_login(unmasker)
    sheet = read_sheet(client.get(export_url("disputes"), {"unmask": "true"}))
    assert column_values(sheet, "联系方式") == [PHONE]
    assert column_values(sheet, "主要当事人姓名") == ["张三丰"]
    actions = set(AccessLog.objects.filter(actor=unmasker).values_list("action", flat=True))
    assert actions == {AccessLog.Action.EXPORT, AccessLog.Action.UNMASKED_READ}


def test_unmasker_exports_masked_unless_asking(client, unmasker, matter_a):
    client.force_login(unmasker)
    sheet = read_sheet(client.get(export_url("online")))
    assert column_values(sheet, "联系电话") == ["138****5678"]
    assert not AccessLog.objects.filter(action=AccessLog.Action.UNMASKED_READ).exists()


# The sheet itself -------------------------------------------------------------------------

def test_formula_looking_text_stays_text(client, officer_a, report):
    risk = report(officer_a, title="=HYPERLINK(\"http://evil\",\"点我\")",
                  description="+1+cmd|' /C calc'!A0")
    risk_services.add_party(risk, actor=officer_a, name="@SUM(A1)", phone="")
    client.force_login(officer_a)
    sheet = read_sheet(client.get(export_url("online")))
    headers = [cell.value for cell in sheet[1]]
    row = sheet[2]
    for header in ("事项名称", "简要情况", "当事人"):
        cell = row[headers.index(header)]
        assert cell.data_type == "s", header
        assert cell.quotePrefix is True, header
    assert row[headers.index("事项名称")].value.startswith("=HYPERLINK")


def test_sheet_has_header_freeze_filter_widths_dates_and_footer(client, leader, matter_a):
    client.force_login(leader)
    sheet = read_sheet(client.get(export_url("online")))
    headers = [cell.value for cell in sheet[1]]
    for header in ("序号", "编号", "社区", "网格", "类别", "子类", "事项名称", "简要情况",
                   "发现时间", "来源", "风险等级", "调度责任人", "摸排责任人", "化解责任人",
                   "稳控责任人", "包案领导", "化解措施", "当前层级", "状态", "销号时间"):
        assert header in headers
    assert sheet["A1"].font.bold and sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(headers)).column_letter}2"
    assert sheet.column_dimensions["H"].width > 20
    assert isinstance(sheet.cell(2, headers.index("发现时间") + 1).value, datetime)
    assert sheet.cell(2, headers.index("社区") + 1).value == "花园社区"
    assert sheet.cell(2, headers.index("网格") + 1).value == "花园第1网格"
    footer = [row[0] for row in sheet.iter_rows(values_only=True)][-1]
    assert footer.startswith("导出人：leader") and "导出时间" in footer


def test_disputes_ledger_follows_the_platform_layout(client, leader, matter_a, report,
                                                     officer_a, categories):
    report(officer_a, title="电动车盗窃", category=categories["public_order"])
    client.force_login(leader)
    sheet = read_sheet(client.get(export_url("disputes")))
    assert column_values(sheet, "事项编号") == [matter_a.code]
    # the count the reporter entered (none here), never the number of named parties
    assert column_values(sheet, "涉及人数") == [None]
    assert column_values(sheet, "证件号码") == [None]  # deliberately not collected
    assert column_values(sheet, "是否化解成功") == ["3-化解中"]


def test_progress_ledger_rates_against_targets(client, leader, officer_a, colleague_a,
                                               ready_to_start):
    risk = ready_to_start("medium")
    risk = risk_services.start_risk(risk, actor=officer_a)
    risk = risk_services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    risk_services.close_risk(risk, actor=colleague_a, note="双方达成调解协议")
    ready_to_start("medium", title="另一件中风险事项")
    client.force_login(leader)
    sheet = read_sheet(client.get(export_url("progress")))
    assert column_values(sheet, "社区") == ["花园社区", "合计"]
    assert column_values(sheet, "中风险化解率") == [0.5, 0.5]
    assert column_values(sheet, "中风险达标（≥90%）") == ["否", "否"]
    assert column_values(sheet, "高风险达标（100%）") == ["是", "是"]


def test_baseline_ledger_counts_by_community_category_and_level(client, leader, report,
                                                                officer_a, officer_b, street,
                                                                categories):
    report(officer_a)
    report(officer_a, title="又一起纠纷")
    report(officer_b, area=street.grid_b1, category=categories["cyber"], title="网络诈骗")
    client.force_login(leader)
    sheet = read_sheet(client.get(export_url("baseline")))
    rows = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]]
    assert [(row[1], row[2], row[6], row[7]) for row in rows] == [
        ("花园社区", "社会矛盾风险", 2, 2), ("东泉社区", "网络安全风险", 1, 1),
        ("合计", None, 3, 3)]


# Large exports ----------------------------------------------------------------------------

def test_large_export_becomes_a_job_that_lands_in_the_inbox(client, settings, media, leader,
                                                            officer_a, report,
                                                            django_capture_on_commit_callbacks):
    settings.LEDGER_EXPORT_SYNC_ROWS = 2
    settings.CELERY_TASK_ALWAYS_EAGER = True
    codes = {report(officer_a, title=f"纠纷{n}").code for n in range(3)}
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(export_url("online"))
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE and job.row_count == 3
    assert response.json()["id"] == job.pk
    message = Message.objects.get(recipient=leader, kind="ledger_export")
    assert message.link == reverse("ledgers:export_download", args=[job.pk])
    downloaded = client.get(message.link)
    assert set(column_values(read_sheet(downloaded), "编号")) == codes
    assert client.get(reverse("api:ledger-export-job", args=[job.pk])).json()["download"]


def test_a_job_is_downloaded_only_by_who_asked(client, settings, media, leader, officer_a,
                                               report):
    settings.LEDGER_EXPORT_SYNC_ROWS = 0
    report(officer_a)
    outcome = services.export_ledger(actor=leader, ledger="online",
                                     params=_query(""), unmask=False)
    services.run_export_job(outcome.job.pk)
    assert services.run_export_job(outcome.job.pk) is None  # claimed once only
    client.force_login(officer_a)
    assert client.get(reverse("ledgers:export_download", args=[outcome.job.pk])).status_code \
        == 404
    assert client.get(reverse("api:ledger-export-download", args=[outcome.job.pk])
                      ).status_code == 404


def _query(text):
    from django.http import QueryDict

    return QueryDict(text)



# Export jobs when the broker is down, and jobs left behind ------------------------------

@pytest.fixture
def sent_jobs(monkeypatch):
    """The ids of the export jobs handed to the broker, which takes nothing (no worker)."""
    from ledgers.tasks import write_ledger_export_task

    sent = []
    monkeypatch.setattr(write_ledger_export_task, "apply_async",
                        lambda args=(), kwargs=None, **options: sent.append(args[0]))
    return sent


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the exports' sweep at ``minutes`` from now, and what it sends after commit."""
    def run(minutes: int) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            return services.requeue_stale_exports(now=later(minutes))
    return run


@pytest.fixture
def request_export(django_capture_on_commit_callbacks, settings, leader):
    settings.LEDGER_EXPORT_SYNC_ROWS = 0

    def run(ledger="online") -> ExportJob:
        with django_capture_on_commit_callbacks(execute=True):
            return services.export_ledger(actor=leader, ledger=ledger, params=_query(""),
                                          unmask=False).job
    return run


def later(minutes: int):
    return timezone.now() + timedelta(minutes=minutes)


def test_an_export_job_is_requested_and_logged_while_the_broker_is_down(
        client, settings, media, leader, officer_a, report, monkeypatch, sweep,
        django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    from ledgers.tasks import write_ledger_export_task

    settings.LEDGER_EXPORT_SYNC_ROWS = 0
    report(officer_a)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(write_ledger_export_task, "apply_async", broker_down)
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(export_url("online"))
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.PENDING and response.json()["id"] == job.pk
    assert AccessLog.objects.filter(actor=leader, action="export", target="ledger:online",
                                    detail__contains=f"job={job.pk}").exists()

    assert sweep(11)["handed_out"] == 1  # the broker is still down: nothing lost
    job.refresh_from_db()
    assert job.status == ExportStatus.PENDING
    monkeypatch.undo()  # the broker is back (tasks run inline): the next sweep catches up
    assert sweep(22)["handed_out"] == 1
    job.refresh_from_db()
    assert (job.status, job.runs) == (ExportStatus.DONE, 1)
    assert Message.objects.filter(recipient=leader, kind="ledger_export").count() == 1


def test_the_sweep_hands_a_stale_pending_job_out_exactly_once(officer_a, report, sent_jobs,
                                                               request_export, sweep):
    report(officer_a)
    job = request_export()
    assert sent_jobs == [job.pk]  # handed out when requested; the message got lost
    assert sweep(5)["handed_out"] == 0  # not stale yet
    assert sweep(11)["handed_out"] == 1
    assert sweep(11)["handed_out"] == 0
    assert sweep(15)["handed_out"] == 0  # handed out again 4 minutes ago
    assert sent_jobs == [job.pk, job.pk]
    job.refresh_from_db()
    assert job.status == ExportStatus.PENDING


def test_the_sweep_leaves_finished_and_running_jobs_alone(media, officer_a, report,
                                                          sent_jobs, request_export, sweep):
    report(officer_a)
    finished = request_export()
    services.run_export_job(finished.pk)
    running = request_export("archive")
    claim_as_a_worker(running)  # being written, for less than the limit
    assert sweep(30) == {"handed_out": 0, "failed": 0}
    assert sent_jobs == [finished.pk, running.pk]


def test_a_run_cut_short_is_handed_out_again_then_failed_after_the_last_run(
        leader, officer_a, report, sent_jobs, request_export, sweep):
    report(officer_a)
    job = request_export()
    claim_as_a_worker(job)  # a worker took it, and died half-way
    assert sweep(30)["handed_out"] == 0
    assert sweep(61)["handed_out"] == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.PENDING and sent_jobs == [job.pk, job.pk]

    for _second_to_last_run in range(2, services.EXPORT_MAX_RUNS):
        claim_as_a_worker(job)
        assert sweep(61)["handed_out"] == 1
    claim_as_a_worker(job)  # the last run allowed, cut short too
    assert sweep(61) == {"handed_out": 0, "failed": 1}
    job.refresh_from_db()
    assert (job.status, job.runs) == (ExportStatus.FAILED, services.EXPORT_MAX_RUNS)
    assert Message.objects.get(recipient=leader, kind="ledger_export").title == "台账导出失败"


def claim_as_a_worker(job: ExportJob) -> None:
    """A worker's claim of the job, as run_export_job takes it, and nothing after."""
    from django.db.models import F

    from ledgers.choices import ExportAction
    from ledgers.transitions import EXPORT_TRANSITIONS

    assert EXPORT_TRANSITIONS.move_all(ExportJob.objects.filter(pk=job.pk),
                                       ExportAction.CLAIM, started_at=timezone.now(),
                                       runs=F("runs") + 1)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_hand_a_job_out_once(settings, leader, officer_a, report,
                                                sent_jobs):
    settings.LEDGER_EXPORT_SYNC_ROWS = 0
    report(officer_a)
    job = services.export_ledger(actor=leader, ledger="online", params=_query(""),
                                 unmask=False).job
    now, barrier, outcomes = later(11), threading.Barrier(2), []

    def sweep():
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            outcomes.append(services.requeue_stale_exports(now=now)["handed_out"])
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [0, 1]
    assert sent_jobs == [job.pk, job.pk]  # when requested, then by one sweep only


# Query counts and memory ------------------------------------------------------------------

# Session, user, the user's scope, the count for the 5,000-row decision, the matters (one
# joined SELECT), their parties (one SELECT per chunk of 2,000 matters), the access log's
# entry (the audit chain's last link, then the insert), and the session save of
# SESSION_SAVE_EVERY_REQUEST (savepoint, update, release).
EXPORT_QUERIES = 11


@pytest.mark.parametrize("rows", [10, 200])
def test_export_runs_a_fixed_number_of_queries(client, leader, officer_a, report, rows,
                                               django_assert_max_num_queries):
    for number in range(rows):
        risk = report(officer_a, title=f"纠纷{number}", description=f"情况{number}")
        if number % 3 == 0:
            risk_services.add_party(risk, actor=officer_a, name="李四", phone=PHONE)
    client.force_login(leader)
    for ledger in ("online", "archive", "disputes", "key_matters", "baseline", "progress"):
        with django_assert_max_num_queries(EXPORT_QUERIES):
            response = client.get(export_url(ledger))
            read_sheet(response)


def test_streaming_writer_uses_flat_memory(leader, street):
    """Write-only mode: memory does not grow with the rows (2,000 vs 200 rows; traced
    allocation is slow, so the rows are few)."""
    import tracemalloc

    from quanfu.xlsx import Column, LedgerWorkbook

    def peak(rows):
        tracemalloc.start()
        workbook = LedgerWorkbook()
        sheet = workbook.add_sheet("台账", [Column(str(n)) for n in range(15)])
        for number in range(rows):
            sheet.append([number, "QF-2026-000001", "花园社区", "楼上漏水引发邻里纠纷" * 3,
                          datetime(2026, 1, 1, 8, 0), date(2026, 2, 1), "高", "=1+1",
                          "处理中", "张*", "138****5678", "", None, 3.5, "街道"])
        sheet.finish("导出人")
        with workbook.save():
            pass
        result = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return result

    assert LedgerWorkbook().workbook.write_only
    small, large = peak(200), peak(2000)
    assert large < small * 1.5


def test_cells_are_written_safe_local_and_without_empty_text(leader, street):
    """The conversion every exported cell goes through (LedgerSheet.row_values): control
    characters removed, text cut to Excel's limit, formula-looking text kept as text,
    times as Asia/Shanghai wall-clock time, empty text not written at all."""
    from datetime import UTC

    from quanfu.xlsx import MAX_CELL_TEXT, Column, LedgerWorkbook

    workbook = LedgerWorkbook()
    sheet = workbook.add_sheet("台账", [Column(str(number)) for number in range(7)])
    moment = datetime(2026, 3, 5, 1, 30, 15, 123456, tzinfo=UTC)
    sheet.append(["行一\x07\n行二", "长" * (MAX_CELL_TEXT + 10), "-1+1", "", None, moment,
                  date(2026, 4, 1)])
    sheet.finish("导出人")
    with workbook.save() as content:
        row = next(load_workbook(content).worksheets[0].iter_rows(min_row=2))
    assert row[0].value == "行一\n行二"
    assert len(row[1].value) == MAX_CELL_TEXT
    assert (row[2].value, row[2].data_type, row[2].quotePrefix) == ("-1+1", "s", True)
    assert row[3].value is None and row[4].value is None
    assert row[5].value == datetime(2026, 3, 5, 9, 30, 15)
    assert row[6].value == datetime(2026, 4, 1)


def test_an_exported_ledger_prints_on_a4_landscape_with_its_title_scope_and_exporter(
        client, officer_a, matter_a):
    client.force_login(officer_a)
    sheet = read_sheet(client.get(export_url("disputes")))
    assert (sheet.page_setup.orientation, sheet.page_setup.paperSize) == ("landscape", 9)
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"  # the header row on every printed page
    assert "台账" in sheet.oddHeader.center.text
    assert sheet.oddHeader.right.text == officer_a.area.name
    assert "导出人" in sheet.oddFooter.left.text and "&P" in sheet.oddFooter.right.text
