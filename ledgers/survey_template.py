"""The survey sheet template (排查登记表导入模板): the columns of the import, and the
values they accept (categories and subtypes, sources, levels, the user's area codes)."""

from grids.scoping import visible_areas
from ledgers import wording
from ledgers.survey_sheet import COLUMNS, REPORTABLE_KINDS
from quanfu.xlsx import Column, LedgerWorkbook, exported_line
from risks.models import Subtype


def survey_template(user):
    """An open temporary file: sheet 1 the blank survey sheet, then the instructions,
    the categories and subtypes, and the area codes within the user's scope."""
    workbook = LedgerWorkbook()
    sheet = workbook.add_sheet("排查登记表", [
        Column(f"{column.header}*" if column.required else column.header, column.width)
        for column in COLUMNS])
    sheet.finish("")

    guide = workbook.add_sheet("填写说明", [Column("列名", 12), Column("必填", 6),
                                            Column("说明", 60)])
    for column in COLUMNS:
        guide.append([column.header, "是" if column.required else "", column.hint])
    sources = "、".join(wording.SOURCES.values())
    guide.append(["来源可选值", "", sources])
    guide.append(["风险等级可选值", "", "高、中、低（留空为未定级）"])
    guide.finish(exported_line(user))

    kinds = workbook.add_sheet("类别与子类", [Column("类别", 16), Column("类别代码", 16),
                                             Column("子类", 40), Column("子类代码", 22)])
    subtypes = (Subtype.objects.filter(is_active=True, category__is_active=True)
                .select_related("category"))
    for subtype in subtypes:
        kinds.append([subtype.category.name, subtype.category.code, subtype.name,
                      subtype.code])
    kinds.finish(exported_line(user))

    areas = workbook.add_sheet("区域编码", [Column("区域编码", 18), Column("名称", 24),
                                            Column("类型", 10)])
    for area in visible_areas(user).filter(kind__in=REPORTABLE_KINDS).order_by("path"):
        areas.append([area.code, area.name, wording.AREA_KINDS.get(area.kind, area.kind)])
    areas.finish(exported_line(user))
    return workbook.save()
