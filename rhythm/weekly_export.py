"""The weekly report (周调) as .xlsx: the page's tables, one sheet each, in the official
Chinese wording whatever the reader's page language (like the ledgers), written row by
row by quanfu.xlsx (header styled and frozen, who exported it and when on the last
line). Every export is written to the access log."""

from django.utils import timezone

from audit.models import AccessLog
from audit.services import Origin, log_access
from ledgers.wording import LEVELS, TIERS
from quanfu.clock import local_date
from quanfu.xlsx import Column, LedgerWorkbook, exported_line

SECTION_SHEETS = {
    "community__name": ("按社区", "社区"),
    "category__name": ("按类别", "风险类别"),
    "level": ("按等级", "风险等级"),
    "tier": ("按层级", "办理层级"),
}
FIGURE_COLUMNS = [
    ("total", "总数"), ("new", "本周新增"), ("verified", "已核实"), ("resolving", "化解中"),
    ("resolved", "已化解"), ("closed", "已销号"), ("closed_in_week", "本周销号"),
    ("overdue", "逾期"), ("escalated", "本周升级"), ("change", "较上周增减"),
]
STALE_COLUMNS = [Column("序号", 6), Column("事项编号", 16), Column("事项标题", 36),
                 Column("社区", 14), Column("风险等级", 9), Column("定级时间", 18),
                 Column("距今天数", 9)]


def line_name(key: str, name: str) -> str:
    if key == "level":
        return LEVELS.get(name, "未定级")
    if key == "tier":
        return TIERS.get(name, name)
    return name or "—"


def write_weekly_report(report: dict, *, street, user):
    """(temporary file, rows written) of the report, as the page shows it to ``user``."""
    workbook = LedgerWorkbook()
    period = f"{report['week_start']:%Y-%m-%d} 至 {report['week_end']:%Y-%m-%d}"
    rows = 0
    for section in report["sections"]:
        title, name_header = SECTION_SHEETS[section["key"]]
        sheet = workbook.add_sheet(title, [Column(name_header, 18)] + [
            Column(header, 10) for _field, header in FIGURE_COLUMNS], scope=street.name)
        for line in section["lines"]:
            sheet.append([line_name(section["key"], line["name"])]
                         + [line[field] for field, _header in FIGURE_COLUMNS])
        sheet.finish(f"{street.name} 周调统计（{period}）　{exported_line(user)}")
        rows += sheet.rows
    sheet = workbook.add_sheet("定级过期事项", STALE_COLUMNS, scope=street.name)
    today = timezone.localdate()
    for number, risk in enumerate(report["stale"], start=1):
        graded_on = local_date(risk.graded_at) if risk.graded_at else None
        sheet.append([number, risk.code, risk.title, risk.community.name,
                      LEVELS.get(risk.level or "", "未定级"), risk.graded_at,
                      (today - graded_on).days if graded_on else ""])
    sheet.finish(f"{street.name} 周调统计（{period}）　{exported_line(user)}")
    rows += sheet.rows
    return workbook.save(), rows


def export_weekly_report(report: dict, *, street, actor, origin: Origin | None = None):
    """Write the workbook and log the export (who, which street and week, how many rows)."""
    content, rows = write_weekly_report(report, street=street, user=actor)
    log_access(actor=actor, action=AccessLog.Action.EXPORT,
               target=f"weekly:{street.code}:{report['week_start']:%Y-%m-%d}",
               detail=f"rows={rows}", origin=origin)
    return content


def filename(street, report: dict) -> str:
    return f"{street.name}周调统计-{report['week_start']:%Y%m%d}.xlsx"
