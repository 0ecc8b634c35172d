"""The monthly statistics (月统) as .xlsx (``statistics/monthly.xlsx``): the rows of the
monthly page and of ``statistics/monthly/`` (rhythm.report_scope.monthly_rows, counted
once by rhythm.snapshots with risks.figures' one definition of each rate), one sheet by
community, one by level, one by category, in the official Chinese wording whatever the
reader's page language, written by quanfu.xlsx. Every export is written to the access
log."""

from audit.models import AccessLog
from audit.services import Origin, log_access
from ledgers.wording import LEVELS
from quanfu.xlsx import Column, LedgerWorkbook, exported_line
from risks.choices import RiskLevel

RATE = "0.00%"
COMMUNITY_COLUMNS = [
    Column("社区", 18), Column("有效事项", 10), Column("已化解（含已销号）", 12),
    Column("已销号", 10), Column("化解率", 10, RATE), Column("销号率", 10, RATE),
    Column("应反馈预警", 11), Column("按时反馈", 10), Column("按时反馈率", 11, RATE),
]
LEVEL_COLUMNS = [
    Column("社区", 18), Column("风险等级", 9), Column("有效事项", 10),
    Column("已化解（含已销号）", 12), Column("化解率", 10, RATE), Column("目标", 9, RATE),
    Column("是否达标", 9),
]
CATEGORY_COLUMNS = [
    Column("社区", 18), Column("风险类别", 18), Column("有效事项", 10),
    Column("已化解（含已销号）", 12), Column("已销号", 10), Column("化解率", 10, RATE),
]


def write_monthly_statistics(rows: list[dict], *, street, start, user):
    """(temporary file, rows written) of the month's rows as the page shows them to
    ``user`` (their communities, and the street's row for a reader of the whole street,
    last)."""
    workbook = LedgerWorkbook()
    footer = f"{street.name} 月统计（{start:%Y年%m月}）　{exported_line(user)}"
    written = 0

    sheet = workbook.add_sheet("按社区", COMMUNITY_COLUMNS, scope=street.name)
    for row in rows:
        sheet.append([row["community"], row["total"], row.get("done"), row["closed"],
                      row.get("resolution_rate"), row["write_off_rate"], row["feedback_due"],
                      row["feedback_on_time"], row["on_time_feedback_rate"]])
    sheet.finish(footer)
    written += sheet.rows

    sheet = workbook.add_sheet("按等级", LEVEL_COLUMNS, scope=street.name)
    for row in rows:
        for level in RiskLevel.values:
            figures = row["levels"][level]
            sheet.append([row["community"], LEVELS[level], figures["total"], figures["done"],
                          figures["rate"], figures["target"],
                          "是" if figures["met"] else "否"])
    sheet.finish(footer)
    written += sheet.rows

    sheet = workbook.add_sheet("按类别", CATEGORY_COLUMNS, scope=street.name)
    for row in rows:
        for figures in row.get("categories", {}).values():
            sheet.append([row["community"], figures["name"], figures["total"],
                          figures["done"], figures["closed"], figures["rate"]])
    sheet.finish(footer)
    written += sheet.rows
    return workbook.save(), written


def export_monthly_statistics(rows: list[dict], *, street, start, actor,
                              origin: Origin | None = None):
    """Write the workbook and log the export (who, which street and month, how many rows)."""
    content, written = write_monthly_statistics(rows, street=street, start=start, user=actor)
    log_access(actor=actor, action=AccessLog.Action.EXPORT,
               target=f"monthly:{street.code}:{start:%Y-%m}", detail=f"rows={written}",
               origin=origin)
    return content


def filename(street, start) -> str:
    return f"{street.name}月统计-{start:%Y%m}.xlsx"
