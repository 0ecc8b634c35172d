"""Writing each ledger as an .xlsx workbook from an already scoped and filtered queryset.
Who may export and what is logged is decided in ledgers.services."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from grids.scoping import scope_roots
from ledgers import key_matters, layouts, summaries
from ledgers.choices import Ledger
from ledgers.matter_rows import Labels, matter_rows
from quanfu.xlsx import Column, LedgerWorkbook, exported_line
from risks import figures

DISPUTES_CATEGORY = "disputes"
TITLES = {
    Ledger.ONLINE: "线上平台录入台账",
    Ledger.ARCHIVE: "线下档案台账",
    Ledger.KEY_MATTERS: "重点事项台账",
    Ledger.BASELINE: "底数台账",
    Ledger.PROGRESS: "销号进度台账",
    Ledger.DISPUTES: "矛盾纠纷台账",
}
MASKED_NOTE = "当事人信息已脱敏"
UNMASKED_NOTE = "含未脱敏个人信息，严格保密，不得外传"


def every_matter(queryset):
    return queryset


def disputes_only(queryset):
    return queryset.filter(category__code=DISPUTES_CATEGORY)


@dataclass(frozen=True)
class RowLayout:
    """A ledger of one row per matter (or per decision on a matter): its columns, which
    rows of the filtered register it lists, how they are read and how a row fills in."""

    columns: list[Column]
    cells: Callable
    select: Callable = every_matter
    read: Callable = matter_rows
    extra_values: tuple = ()


MATTER_LAYOUTS = {
    Ledger.ONLINE: RowLayout(layouts.ONLINE_COLUMNS, layouts.online_cells),
    Ledger.ARCHIVE: RowLayout(layouts.ARCHIVE_COLUMNS, layouts.archive_cells,
                              extra_values=layouts.ARCHIVE_VALUES),
    Ledger.DISPUTES: RowLayout(layouts.DISPUTES_COLUMNS, layouts.disputes_cells,
                               select=disputes_only),
    Ledger.KEY_MATTERS: RowLayout(key_matters.KEY_MATTERS_COLUMNS, key_matters.key_matter_cells,
                                  select=key_matters.decided_items,
                                  read=key_matters.key_matter_rows),
}


def ledger_matters(ledger: str, queryset):
    """The rows a one-row-per-matter ledger lists, from the filtered register."""
    return MATTER_LAYOUTS[ledger].select(queryset)


def scope_name(user) -> str:
    """The areas the exporter sees, for the printed page's header ("全福街道")."""
    roots = scope_roots(user)
    return "全部区域" if roots is None else "、".join(root.name for root in roots)


def footer(user, unmask: bool) -> str:
    return f"{exported_line(user)}　{UNMASKED_NOTE if unmask else MASKED_NOTE}"


def write_matter_ledger(ledger: str, queryset, *, user, unmask: bool):
    """(temporary file, rows): one row per matter, written as it is read."""
    layout = MATTER_LAYOUTS[ledger]
    labels, today = Labels.chinese(), timezone.localdate()
    workbook = LedgerWorkbook()
    sheet = workbook.add_sheet(TITLES[ledger], layout.columns, scope=scope_name(user))
    rows = layout.read(layout.select(queryset), unmask=unmask, labels=labels,
                       extra_values=layout.extra_values)
    for number, (row, parties) in enumerate(rows, start=1):
        sheet.append(layout.cells(number, row, parties, labels, today))
    sheet.finish(footer(user, unmask))
    return workbook.save(), sheet.rows


BASELINE_COLUMNS = [Column("序号", 6), Column("社区", 14), Column("类别", 16),
                    Column("高风险", 9), Column("中风险", 9), Column("低风险", 9),
                    Column("未定级", 9), Column("合计", 9)]
BASELINE_LEVELS = (*summaries.LEVELS, summaries.UNGRADED)


def write_baseline(queryset, *, user, unmask: bool = False):
    result = summaries.baseline(queryset)
    workbook = LedgerWorkbook()
    sheet = workbook.add_sheet(TITLES[Ledger.BASELINE], BASELINE_COLUMNS, scope=scope_name(user))
    for number, row in enumerate(result.rows, start=1):
        sheet.append([number, row.community, row.category,
                      *(row.count(level) for level in BASELINE_LEVELS), row.total])
    sheet.append(["", "合计", "", *(result.totals.get(level, 0) for level in BASELINE_LEVELS),
                  result.total])
    sheet.finish(exported_line(user))
    return workbook.save(), sheet.rows


LEVEL_NAMES = {"high": "高风险", "medium": "中风险", "low": "低风险"}
RATE = "0.0%"
# Which matters the rates count (risks.figures), said on the sheet as on the page.
RATE_DEFINITION = ("化解率 = 已化解和已销号的事项 ÷ 统计期内有效事项（不含核实无风险的事项）；"
                   "销号率 = 已销号的事项 ÷ 有效事项")


def progress_columns() -> list[Column]:
    columns = [Column("序号", 6), Column("社区", 14), Column("有效事项", 9),
               Column("已化解（含销号）", 11), Column("化解率", 9, RATE),
               Column("已销号", 9), Column("销号率", 9, RATE)]
    for level in summaries.LEVELS:
        name, target = LEVEL_NAMES[level], figures.TARGETS[level]
        goal = "100%" if target == 1 else f"≥{target:.0%}"
        columns += [Column(f"{name}有效事项", 10), Column(f"{name}已化解（含销号）", 12),
                    Column(f"{name}化解率", 10, RATE), Column(f"{name}已销号", 10),
                    Column(f"{name}达标（{goal}）", 12)]
    return [*columns, Column("逾期", 8)]


def progress_cells(number, row: summaries.ProgressRow) -> list:
    cells = [number, row.community, row.total, row.done, row.rate, row.closed,
             row.write_off_rate]
    for level in summaries.LEVELS:
        level_row = row.levels[level]
        cells += [level_row.total, level_row.done, level_row.rate, level_row.closed,
                  "是" if level_row.meets_target else "否"]
    return [*cells, row.overdue]


def write_progress(queryset, *, user, unmask: bool = False):
    rows, whole = summaries.progress(queryset)
    workbook = LedgerWorkbook()
    sheet = workbook.add_sheet(TITLES[Ledger.PROGRESS], progress_columns(),
                               scope=scope_name(user))
    for number, row in enumerate(rows, start=1):
        sheet.append(progress_cells(number, row))
    sheet.append(progress_cells("", whole))
    sheet.finish(f"{exported_line(user)}　{RATE_DEFINITION}")
    return workbook.save(), sheet.rows
