"""The duty roster of an area's grids as an .xlsx workbook (网格责任人名册)."""

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from grids.choices import AreaKind, Duty
from grids.models import Area, DutyAssignment

HEADER = ["序号", "社区", "网格编码", "网格", "网格类型", "调度责任人", "摸排责任人",
          "化解责任人", "稳控责任人"]


def roster_workbook(area: Area, exported_by) -> bytes:
    grids = list(
        Area.objects.filter(path__startswith=area.path, kind=AreaKind.GRID)
        .select_related("parent")
        .order_by("code")
    )
    holders: dict[int, dict[str, str]] = {}
    current = DutyAssignment.objects.filter(
        grid__path__startswith=area.path, ends_on__isnull=True
    ).select_related("person")
    for entry in current:
        holders.setdefault(entry.grid_id, {})[entry.duty] = entry.person.display_name

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("网格责任人名册")
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHI", (6, 14, 18, 26, 10, 16, 16, 16, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    header_cells = []
    for title in HEADER:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = bold, fill
        header_cells.append(cell)
    sheet.append(header_cells)
    for number, grid in enumerate(grids, start=1):
        duties = holders.get(grid.pk, {})
        sheet.append([number, grid.parent.name, grid.code, grid.name, grid.get_grid_type_display(),
                      *(duties.get(duty, "") for duty in Duty.values)])
    sheet.append([])
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    sheet.append([f"导出人：{exported_by.display_name}　导出时间：{stamp}"])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
