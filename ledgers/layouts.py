"""The columns of the one-row-per-matter ledgers, in the words officials use, and how a
matter fills them. The headers are Chinese by definition: they are the ledger's wording.

The disputes ledger follows the dispute-record data items (矛盾纠纷排查化解) of
GB/T 31000-2015 as the city one-stop platform takes them; ledgers/DISPUTES_HANDOVER.md
lists the mapping and the codes.
"""

from django.utils import timezone

from ledgers import wording
from ledgers.choices import ArchiveDocument
from ledgers.matter_rows import Labels, PartyLines, person, place
from ledgers.xlsx import Column
from risks.choices import OPEN_STATUSES, RiskStatus, Tier

ONLINE_COLUMNS = [
    Column("序号", 6), Column("编号", 17), Column("区域编码", 14), Column("社区", 12),
    Column("网格", 18), Column("类别", 14), Column("子类", 20), Column("事项名称", 28),
    Column("简要情况", 40), Column("发现时间", 18), Column("来源", 10), Column("风险等级", 9),
    Column("责任部门", 16), Column("调度责任人", 10), Column("摸排责任人", 10),
    Column("化解责任人", 10), Column("稳控责任人", 10), Column("包案领导", 10),
    Column("当事人", 24), Column("联系电话", 18), Column("化解措施", 36), Column("办结时限", 12),
    Column("当前层级", 9), Column("状态", 10), Column("是否逾期", 9), Column("销号时间", 18),
    Column("销号说明", 30),
]


def is_overdue(row: dict, today) -> bool:
    return bool(row["due_on"] and row["status"] in OPEN_STATUSES and row["due_on"] < today)


def online_cells(number: int, row: dict, parties: PartyLines, labels: Labels, today) -> list:
    community, grid = place(row)
    return [
        number, row["code"], row["area__code"], community, grid, row["category__name"],
        row["subtype__name"] or "", row["title"], row["description"], row["discovered_at"],
        labels.source.get(row["source"], row["source"]),
        labels.level.get(row["level"], "未定级") if row["level"] else "未定级",
        row["department__name"] or "",
        *(person(row, field) for field in ("dispatch_person", "investigate_person",
                                           "resolve_person", "stabilize_person", "lead")),
        parties.names, parties.phones, row["plan__measures"] or "", row["due_on"],
        labels.tier.get(row["tier"], row["tier"]), labels.status.get(row["status"], ""),
        "是" if is_overdue(row, today) else "否", row["closed_at"], row["resolution_note"],
    ]


ARCHIVE_VALUES = ("archive_file__number", "archive_file__location", "archive_file__documents",
                  "archive_file__assigned_at", "archive_file__assigned_by__name",
                  "archive_file__assigned_by__username")
ARCHIVE_COLUMNS = [
    Column("序号", 6), Column("档案编号", 18), Column("编号", 17), Column("社区", 12),
    Column("网格", 18), Column("类别", 14), Column("事项名称", 28), Column("风险等级", 9),
    Column("状态", 10), Column("发现时间", 18), Column("销号时间", 18), Column("存放位置", 24),
    Column("档案材料", 40), Column("归档人", 10), Column("归档时间", 18),
]


def document_list(codes) -> str:
    return "、".join(wording.ARCHIVE_DOCUMENTS[code] for code in ArchiveDocument.values
                    if code in (codes or []))


def archive_cells(number: int, row: dict, parties: PartyLines, labels: Labels, today) -> list:
    community, grid = place(row)
    filed_by = row["archive_file__assigned_by__name"] or row["archive_file__assigned_by__username"]
    return [
        number, row["archive_file__number"] or "未归档", row["code"], community, grid,
        row["category__name"], row["title"],
        labels.level.get(row["level"], "未定级") if row["level"] else "未定级",
        labels.status.get(row["status"], ""), row["discovered_at"], row["closed_at"],
        row["archive_file__location"] or "", document_list(row["archive_file__documents"]),
        filed_by or "", row["archive_file__assigned_at"],
    ]


# GB/T 31000-2015 矛盾纠纷排查化解 items; those this register deliberately does not collect
# (ID documents, sex, ethnicity, education, organisations involved) stay empty.
DISPUTES_COLUMNS = [
    Column("序号", 6), Column("事项编号", 17), Column("矛盾纠纷名称", 28), Column("发生日期", 18),
    Column("发生地点", 24), Column("事件规模", 10), Column("事件类别", 20), Column("涉及人数", 9),
    Column("事件简述", 40), Column("涉及单位", 14), Column("主要当事人姓名", 12),
    Column("证件类型", 9), Column("证件号码", 12), Column("性别", 6), Column("民族", 6),
    Column("学历", 6), Column("联系方式", 14), Column("化解时限", 12), Column("化解方式", 14),
    Column("化解组织", 16), Column("化解责任人", 10), Column("化解责任人联系方式", 14),
    Column("是否化解成功", 10), Column("化解情况", 36), Column("考评日期", 12),
    Column("考评意见", 20),
]
# 事件规模 by the number of parties on record (codes documented for the platform).
SCALES = ((10, "3-群体"), (3, "2-多人"), (0, "1-个体"))
METHODS = {Tier.COMMUNITY: "1-社区调解", Tier.STREET: "2-街道联席会议化解",
           Tier.DISTRICT: "3-区级化解"}


def scale(count: int) -> str:
    return next(label for minimum, label in SCALES if count >= minimum)


def resolved_code(status: str) -> str:
    if status in (RiskStatus.RESOLVED, RiskStatus.CLOSED):
        return "1-是"
    return "2-否" if status == RiskStatus.INVALID else "3-化解中"


def disputes_cells(number: int, row: dict, parties: PartyLines, labels: Labels, today) -> list:
    community, grid = place(row)
    where = f"{community}/{grid}" if grid else community
    organisation = row["department__name"] or (community if row["tier"] == Tier.COMMUNITY
                                                 else "街道办事处")
    closed_at = row["closed_at"]
    return [
        number, row["code"], row["title"], row["discovered_at"], where,
        scale(parties.count), row["subtype__name"] or row["category__name"], parties.count,
        row["description"], "", parties.first_name, "", "", "", "", "", parties.first_phone,
        row["due_on"], METHODS.get(row["tier"], ""), organisation,
        person(row, "resolve_person"), "", resolved_code(row["status"]),
        row["resolution_note"] or row["plan__measures"] or "",
        timezone.localtime(closed_at).date() if closed_at else None,
        "已销号" if row["status"] == RiskStatus.CLOSED else "",
    ]
