"""The columns of the one-row-per-matter ledgers, in the words officials use, and how a
matter fills them. The headers are Chinese by definition: they are the ledger's wording.

The disputes ledger follows the dispute-record data items (矛盾纠纷排查化解) of
GB/T 31000-2015 as the city one-stop platform takes them; ledgers/DISPUTES_HANDOVER.md
lists the mapping and the codes.
"""


from ledgers import wording
from ledgers.choices import ArchiveDocument
from ledgers.matter_rows import Labels, PartyLines, person, place
from quanfu.clock import local_date
from quanfu.xlsx import Column
from risks.choices import OPEN_STATUSES, RiskStatus, Tier

ONLINE_COLUMNS = [
    Column("序号", 6), Column("编号", 17), Column("区域编码", 14), Column("社区", 12),
    Column("网格", 18), Column("类别", 14), Column("子类", 20), Column("事项名称", 28),
    Column("简要情况", 40), Column("地址", 24), Column("涉及人数", 9), Column("发现时间", 18),
    Column("来源", 10), Column("风险等级", 9),
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
        row["subtype__name"] or "", row["title"], row["description"], row["address"],
        row["people_involved"],
        row["discovered_at"],
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


# The dispute-record items of GB/T 31000-2015 (矛盾纠纷排查化解) in the platform's order:
# (stable English key of the API feed, the standard's item name as the .xlsx header,
# column width). Items this register deliberately does not collect (ID documents, sex,
# ethnicity, education) and what it does not hold (organisations involved, the
# responsible person's phone) stay empty: None.
DISPUTE_ITEMS = (
    ("code", "事项编号", 17), ("name", "矛盾纠纷名称", 28), ("occurred_at", "发生日期", 18),
    ("place", "发生地点", 24), ("scale", "事件规模", 10), ("category", "事件类别", 20),
    ("people_involved", "涉及人数", 9), ("summary", "事件简述", 40),
    ("organisations_involved", "涉及单位", 14), ("main_party_name", "主要当事人姓名", 12),
    ("main_party_id_type", "证件类型", 9), ("main_party_id_number", "证件号码", 12),
    ("main_party_sex", "性别", 6), ("main_party_ethnicity", "民族", 6),
    ("main_party_education", "学历", 6), ("main_party_phone", "联系方式", 14),
    ("resolution_deadline", "化解时限", 12), ("resolution_method", "化解方式", 14),
    ("resolution_organisation", "化解组织", 16), ("responsible_person", "化解责任人", 10),
    ("responsible_person_phone", "化解责任人联系方式", 14), ("resolved", "是否化解成功", 10),
    ("resolution", "化解情况", 36), ("evaluated_on", "考评日期", 12),
    ("evaluation", "考评意见", 20),
)
NOT_HELD = ("organisations_involved", "main_party_id_type", "main_party_id_number",
            "main_party_sex", "main_party_ethnicity", "main_party_education",
            "responsible_person_phone")
DISPUTES_COLUMNS = [Column("序号", 6),
                    *(Column(header, width) for _key, header, width in DISPUTE_ITEMS)]
# 事件规模 by the number of people involved (涉及人数, entered by the reporter), never by the
# number of named parties (codes documented for the platform).
SCALES = ((10, "3-群体"), (3, "2-多人"), (1, "1-个体"))
METHODS = {Tier.COMMUNITY: "1-社区调解", Tier.STREET: "2-街道联席会议化解",
           Tier.DISTRICT: "3-区级化解"}


def scale(people_involved: int | None) -> str | None:
    if not people_involved:
        return None
    return next(label for minimum, label in SCALES if people_involved >= minimum)


def resolved_code(status: str) -> str:
    if status in (RiskStatus.RESOLVED, RiskStatus.CLOSED):
        return "1-是"
    return "2-否" if status == RiskStatus.INVALID else "3-化解中"


def dispute_record(row: dict, parties: PartyLines) -> dict:
    """A matter as a dispute record: {item key: value} for every item of DISPUTE_ITEMS
    (the .xlsx columns and the API feed's fields both come from here)."""
    community, grid = place(row)
    organisation = row["department__name"] or (community if row["tier"] == Tier.COMMUNITY
                                                 else "街道办事处")
    closed_at = row["closed_at"]
    record = dict.fromkeys(NOT_HELD)
    record.update({
        "code": row["code"], "name": row["title"], "occurred_at": row["discovered_at"],
        # the matter's address, when the reporter gave one, follows its grid
        "place": " ".join(part for part in (f"{community}/{grid}" if grid else community,
                                             row["address"]) if part),
        "scale": scale(row["people_involved"]),
        "category": row["subtype__name"] or row["category__name"],
        "people_involved": row["people_involved"], "summary": row["description"],
        "main_party_name": parties.first_name, "main_party_phone": parties.first_phone,
        "resolution_deadline": row["due_on"],
        "resolution_method": METHODS.get(row["tier"], ""),
        "resolution_organisation": organisation,
        "responsible_person": person(row, "resolve_person"),
        "resolved": resolved_code(row["status"]),
        "resolution": row["resolution_note"] or row["plan__measures"] or "",
        "evaluated_on": local_date(closed_at) if closed_at else None,
        "evaluation": "已销号" if row["status"] == RiskStatus.CLOSED else "",
    })
    return record


def disputes_cells(number: int, row: dict, parties: PartyLines, labels: Labels, today) -> list:
    record = dispute_record(row, parties)
    return [number, *(record[key] for key, _header, _width in DISPUTE_ITEMS)]
