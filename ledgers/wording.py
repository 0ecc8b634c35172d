"""The Chinese words the ledgers write for the register's codes. A ledger is an official
document in Chinese whatever the reader's page language, like its column headers, so
these words are fixed here rather than taken from the UI's translation catalogue."""

SOURCES = {
    "grid_patrol": "网格排查", "hotline_12345": "12345热线", "police_110": "110警情",
    "petition": "信访", "department": "部门移交", "meeting": "会议交办", "import": "导入",
    "other": "其他",
}
LEVELS = {"high": "高", "medium": "中", "low": "低"}
TIERS = {"community": "社区", "street": "街道", "district": "区"}
STATUSES = {
    "reported": "已上报", "verified": "已核实", "resolving": "化解中", "resolved": "已化解",
    "closed": "已销号", "invalid": "无效",
}
RELATIONS = {
    "party": "当事人", "complainant": "申请人", "respondent": "被申请人",
    "guardian": "监护人或家属", "witness": "证人", "contact": "联系人", "other": "其他",
}
AREA_KINDS = {"street": "街道", "community": "社区", "grid": "网格", "microgrid": "微网格"}
ARCHIVE_DOCUMENTS = {
    "registration": "排查登记表", "verification": "核实记录", "grading": "研判定级表",
    "resolution_plan": "化解方案（一事一策）", "emergency_plan": "应急预案（一事一案）",
    "mediation_agreement": "调解协议书", "meeting_minutes": "联席会议纪要",
    "write_off_approval": "销号审批表", "follow_up": "回访记录", "photos": "影像资料",
}
