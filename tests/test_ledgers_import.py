"""Importing survey sheets: checked whole, saved all or nothing, every error with its
sheet, row, column and field; bad files refused clearly; nothing imported twice."""

import zipfile
from datetime import datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from ledgers import services
from ledgers.models import ImportedMatter
from ledgers.survey_sheet import COLUMNS, UnreadableSheet
from quanfu.errors import Forbidden
from risks.models import Party, Risk, RiskEvent

HEADERS = [column.header for column in COLUMNS]
IMPORT_URL = reverse("ledgers:survey_import")


def sheet_row(**values) -> list:
    row = {"外部编号": "", "区域编码": "S1-A-G1", "类别": "社会矛盾风险", "子类": "邻里纠纷",
           "事项名称": "楼道堆物纠纷", "简要情况": "邻里因楼道堆放杂物争执。",
           "发现时间": datetime(2026, 3, 5, 9, 30), "来源": "网格排查", "风险等级": "",
           "办结时限": "", "当事人": "", "联系电话": "", "涉及人数": ""}
    row.update(values)
    return [row[header] for header in HEADERS]


def workbook_bytes(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "排查登记表"
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name="排查登记表.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def import_rows(actor, rows, dry_run=False):
    return services.import_survey_sheet(upload(workbook_bytes(rows)), actor=actor,
                                        name="sheet.xlsx", dry_run=dry_run)


def register_state():
    return Risk.objects.count(), RiskEvent.objects.count(), Party.objects.count(), \
        ImportedMatter.objects.count()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_good_sheet_creates_each_matter_through_the_register(officer_a, categories, street,
                                                               roster_a1):
    outcome = import_rows(officer_a, [
        sheet_row(外部编号="G1-001", 当事人="王五；赵六", 联系电话="13900001111"),
        sheet_row(外部编号="G1-002", 事项名称="电动车盗窃", 类别="public_order",
                  子类="theft_robbery_fraud", 区域编码="S1-A-G1-M1", 风险等级="中",
                  办结时限="2026-04-01"),
    ])
    assert outcome.check.errors == [] and len(outcome.created) == 2
    first, second = sorted(outcome.created, key=lambda risk: risk.pk)
    assert first.source == "grid_patrol" and first.reported_by == officer_a
    assert first.dispatch_person == officer_a  # the grid's roster, as report_risk does
    assert [party.name for party in first.parties.all()] == ["王五", "赵六"]
    assert second.level == "medium" and str(second.due_on) == "2026-04-01"
    assert first.events.filter(kind="created").exists()
    assert ImportedMatter.objects.filter(reference="G1-001", risk=first).exists()


def test_one_bad_cell_saves_nothing_and_names_the_cell(officer_a, categories, street):
    before = register_state()
    rows = [sheet_row(外部编号=f"G1-{n:03d}", 事项名称=f"纠纷{n}") for n in range(30)]
    rows[17][HEADERS.index("发现时间")] = "三月五日"
    outcome = import_rows(officer_a, rows)
    assert register_state() == before
    assert outcome.created == []
    [error] = outcome.check.errors
    assert (error.sheet, error.row, error.column, error.field) == ("排查登记表", 19, "G",
                                                                   "发现时间")
    assert "不是日期" in error.message
    assert str(error).startswith("排查登记表：第19行G列（发现时间）")


def test_every_error_is_reported_in_one_pass(officer_a, categories, street):
    outcome = import_rows(officer_a, [
        sheet_row(区域编码="S1-B-G1"),  # another community
        sheet_row(类别="不存在的类别"),
        sheet_row(子类="网络诈骗与套路贷"),  # belongs to another category
        sheet_row(事项名称=""),
        sheet_row(风险等级="特高"),
        sheet_row(联系电话="138****5678", 当事人="张*"),
        sheet_row(发现时间=datetime(2099, 1, 1)),
    ])
    found = {(error.row, error.field) for error in outcome.check.errors}
    assert found == {(2, "区域编码"), (3, "类别"), (4, "子类"), (5, "事项名称"), (6, "风险等级"),
                     (7, "当事人"), (8, "发现时间")}
    assert not Risk.objects.exists()


def test_a_grid_worker_cannot_grade_by_import(grid_worker_a1, categories, street):
    outcome = import_rows(grid_worker_a1, [sheet_row(风险等级="高")])
    assert [error.field for error in outcome.check.errors] == ["风险等级"]
    assert not Risk.objects.exists()


def test_duplicates_in_the_sheet_and_against_the_register(officer_a, report, categories,
                                                          street):
    existing = report(officer_a, title="老问题", discovered_at=datetime(2026, 3, 1, 8, 0)
                      .astimezone())
    outcome = import_rows(officer_a, [
        sheet_row(外部编号="X1"), sheet_row(外部编号="X1", 事项名称="另一件"),
        sheet_row(事项名称="同一件", 外部编号="X2"), sheet_row(事项名称="同一件", 外部编号="X3"),
        sheet_row(事项名称="老问题", 发现时间="2026-03-01", 外部编号="X4"),
    ])
    messages = {error.row: error.message for error in outcome.check.errors}
    assert "与第2行重复" in messages[3]
    assert "与第4行是同一事项" in messages[5]
    assert existing.code in messages[6]
    assert Risk.objects.count() == 1


def test_reimporting_the_same_sheet_creates_nothing_twice(officer_a, categories, street):
    rows = [sheet_row(外部编号="G1-001"), sheet_row(外部编号="G1-002", 事项名称="另一件")]
    assert len(import_rows(officer_a, rows).created) == 2
    again = import_rows(officer_a, rows)
    assert again.check.errors == [] and again.created == []
    assert [row for row, _code in again.check.recognised] == [2, 3]
    assert Risk.objects.count() == 2


def test_dry_run_previews_and_saves_nothing(officer_a, categories, street):
    outcome = import_rows(officer_a, [sheet_row(), sheet_row(事项名称="另一件")], dry_run=True)
    assert len(outcome.check.planned) == 2 and outcome.created == []
    assert not Risk.objects.exists()


def test_export_then_import_round_trip(client, leader, officer_a, report, categories):
    """An exported online ledger reads back whole: every row recognised by its code, no
    error, nothing created twice."""
    codes = {report(officer_a, title=f"纠纷{n}").code for n in range(3)}
    client.force_login(leader)
    response = client.get(reverse("api:ledger-export", args=["online"]))
    exported = b"".join(response.streaming_content)
    outcome = services.import_survey_sheet(upload(exported), actor=leader, name="台账.xlsx")
    assert outcome.check.errors == []
    assert {code for _row, code in outcome.check.recognised} == codes
    assert Risk.objects.count() == 3


def test_exported_rows_without_codes_import_as_new_matters(client, leader, officer_a, report,
                                                           categories, street):
    """The other way round: the exported cells (area codes, Chinese category, subtype,
    source and level words, real dates) are what the import reads."""
    report(officer_a, title="旧事项")
    client.force_login(leader)
    exported = b"".join(client.get(reverse("api:ledger-export", args=["online"]))
                        .streaming_content)
    workbook = load_workbook(BytesIO(exported))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(2, headers.index("编号") + 1).value = None
    sheet.cell(2, headers.index("事项名称") + 1).value = "新事项"
    sheet.cell(2, headers.index("当事人") + 1).value = None
    sheet.cell(2, headers.index("联系电话") + 1).value = None
    buffer = BytesIO()
    workbook.save(buffer)
    outcome = services.import_survey_sheet(upload(buffer.getvalue()), actor=leader,
                                           name="台账.xlsx")
    assert outcome.check.errors == [] and [risk.title for risk in outcome.created] == ["新事项"]


@pytest.mark.parametrize("content,name,expected", [
    (b"not a zip at all", "sheet.xlsx", "损坏"),
    (b"", "sheet.xlsx", "空"),
    (b"a,b\n1,2\n", "sheet.csv", ".xlsx"),
    (b"PK", "sheet.xlsm", "宏"),
])
def test_bad_files_are_refused_clearly(officer_a, content, name, expected):
    with pytest.raises(UnreadableSheet) as refused:
        services.import_survey_sheet(upload(content, name), actor=officer_a, name=name)
    assert expected in str(refused.value)


def test_a_workbook_with_macros_inside_is_refused(officer_a):
    buffer = BytesIO(workbook_bytes([sheet_row()]))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00macro")
    with pytest.raises(UnreadableSheet, match="宏"):
        services.import_survey_sheet(upload(buffer.getvalue()), actor=officer_a,
                                     name="sheet.xlsx")


def test_wrong_headers_and_empty_sheets_are_reported(officer_a, categories, street):
    wrong = services.import_survey_sheet(
        upload(workbook_bytes([["x", "y"]], headers=["姓名", "地址"])), actor=officer_a,
        name="sheet.xlsx")
    assert "表头不对" in wrong.check.errors[0].message
    empty = import_rows(officer_a, [])
    assert "没有数据行" in empty.check.errors[0].message


def test_a_supervisor_may_not_import(supervisor_a, categories):
    with pytest.raises(Forbidden):
        import_rows(supervisor_a, [sheet_row()])


def test_upload_page_lists_errors_and_offers_the_marked_copy(client, officer_a, colleague_a,
                                                             categories, street):
    client.force_login(officer_a)
    content = workbook_bytes([sheet_row(), sheet_row(区域编码="NOPE")])
    response = client.post(IMPORT_URL, {"sheet": upload(content)})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-row="3" data-column="B"' in page
    link = response.context["marked_copy"]
    marked = client.get(reverse("ledgers:marked_copy", args=[link]))
    sheet = load_workbook(BytesIO(b"".join(marked.streaming_content))).worksheets[0]
    assert sheet["B3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert "区域编码" in sheet.cell(3, sheet.max_column).value
    assert not Risk.objects.exists()
    client.force_login(colleague_a)  # the copy is its uploader's only
    assert client.get(reverse("ledgers:marked_copy", args=[link])).status_code == 404


def test_upload_page_refuses_a_bad_file_without_a_500(client, officer_a):
    client.force_login(officer_a)
    response = client.post(IMPORT_URL, {"sheet": upload(b"garbage", "x.xlsx")})
    assert response.status_code == 400
    assert "损坏" in response.content.decode()


def test_template_download_has_the_columns_and_the_users_areas(client, officer_a, categories):
    client.force_login(officer_a)
    response = client.get(reverse("ledgers:survey_template"))
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert [cell.value.rstrip("*") for cell in workbook.worksheets[0][1]] == HEADERS
    area_codes = [row[0] for row in workbook["区域编码"].iter_rows(min_row=2, values_only=True)
                  if row[0] and not str(row[0]).startswith("导出人")]
    assert "S1-A-G1" in area_codes and "S1-B-G1" not in area_codes


def test_large_sheet_with_one_bad_cell_saves_nothing(officer_a, categories, street):
    """A large sheet is checked whole and fast: the bad cell is named, nothing is saved."""
    rows = [sheet_row(外部编号=f"G1-{n:05d}", 事项名称=f"纠纷{n}") for n in range(3000)]
    rows[2500][HEADERS.index("区域编码")] = "S9-X"
    outcome = import_rows(officer_a, rows)
    assert [(error.row, error.column) for error in outcome.check.errors] == [(2502, "B")]
    assert not Risk.objects.exists()


# The sheet's lookups (areas, categories, subtypes), the references imported before, the
# register's matters on the days concerned; then risks.services.report_risks_in_bulk
# (scope, rosters, the code counter's update and read, one INSERT each of matters, parties
# and events, the webhooks' outbox, its audit entry: see test_risk_bulk_report), the
# references' INSERT, the import's audit entry, and savepoints. Nothing is read or written
# per row; only SQLite's 999 parameters per statement split the matters' INSERT every ~36
# rows (PostgreSQL: 1,000).
IMPORT_QUERIES = 27


@pytest.mark.parametrize("rows", [5, 50])
def test_import_costs_the_same_queries_for_5_or_50_rows(officer_a, categories, street,
                                                        roster_a1, rows,
                                                        django_assert_max_num_queries):
    import_rows(officer_a, [sheet_row(外部编号="G1-000", 事项名称="第一件")])  # the counter
    sheet = [sheet_row(外部编号=f"G1-{n:03d}", 事项名称=f"纠纷{n}", 风险等级="低",
                       当事人="王五", 联系电话="13900001111") for n in range(1, rows + 1)]
    with django_assert_max_num_queries(IMPORT_QUERIES):
        outcome = import_rows(officer_a, sheet)
    assert outcome.check.errors == [] and len(outcome.created) == rows
    assert Party.objects.count() == rows
    assert ImportedMatter.objects.count() == rows + 1


def test_a_reference_taken_meanwhile_undoes_the_whole_import(officer_a, categories, street,
                                                             monkeypatch):
    """Another import saved the same 外部编号 between this sheet's check and its save:
    the row is named and nothing of this sheet is saved."""
    from ledgers import survey_sheet

    rows = [sheet_row(外部编号="G1-001"), sheet_row(外部编号="G1-002", 事项名称="另一件")]
    monkeypatch.setattr(survey_sheet, "_imported_references", lambda *arguments: {})
    import_rows(officer_a, [sheet_row(外部编号="G1-002", 事项名称="别人先导入的")])
    before = register_state()
    outcome = import_rows(officer_a, rows)
    assert outcome.created == []
    assert [(error.row, error.field) for error in outcome.check.errors] == [(3, "外部编号")]
    assert register_state() == before


def test_an_import_is_written_to_the_audit_log(officer_a, categories, street):
    from audit.models import AuditEntry

    import_rows(officer_a, [sheet_row(外部编号="G1-001"), sheet_row(事项名称="另一件")])
    entry = AuditEntry.objects.get(action="import")
    assert (entry.actor, entry.target) == (officer_a, "ledger:survey_import")
    assert "2 matters created" in entry.detail
