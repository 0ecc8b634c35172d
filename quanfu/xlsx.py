"""Writing .xlsx files (the ledgers, the audit log, the weekly report, the survey template),
row by row (openpyxl write-only mode): each row goes to a temporary file on disk as it is
appended, so memory stays flat however many rows.

Every sheet has a styled header row, frozen panes, an auto-filter, column widths, real
dates, a last line saying who exported it and when, and a print setup (A4 landscape, fit
to width, the header row on every page, title and scope above, exporter below). Text that
starts with ``=``, ``+``, ``-`` or ``@`` is written as a text cell with Excel's quote
prefix, never as a formula (spreadsheet injection).
"""

import tempfile
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@")
# Excel's limit on the text of one cell.
MAX_CELL_TEXT = 32767

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="8B1A1A")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEADER_BORDER = Border(bottom=Side(style="thin", color="000000"))


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    number_format: str = ""  # e.g. "0.0%" for rates; dates get a date format by themselves


def as_text(value: str) -> str:
    """Remove the control characters a worksheet cannot hold, and cut to Excel's limit."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]


def local_naive(moment: datetime) -> datetime:
    """Excel has no time zones: write the Asia/Shanghai wall-clock time."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(tzinfo=None, microsecond=0)


def header_text(text: str) -> str:
    """Text for a printed page's header or footer: "&" starts a code there, and Excel
    refuses a header or footer longer than 255 characters in all."""
    return as_text(text).replace("&", "&&")[:80]


class LedgerSheet:
    """One worksheet being written. Columns and header first, then rows, then finish()."""

    def __init__(self, workbook: Workbook, title: str, columns: list[Column], scope: str = ""):
        self.worksheet = workbook.create_sheet(title[:31])
        self._print_setup(title, scope)
        self.columns = columns
        self.rows = 0
        self._formatted = {index: column.number_format for index, column in enumerate(columns)
                           if column.number_format}
        self._zone = timezone.get_current_timezone()
        for index, column in enumerate(columns, start=1):
            self.worksheet.column_dimensions[get_column_letter(index)].width = column.width
        self.worksheet.freeze_panes = "B2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(self.worksheet, value=column.header)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.alignment, cell.border = HEADER_ALIGNMENT, HEADER_BORDER
            header.append(cell)
        self.worksheet.append(header)

    def _print_setup(self, title: str, scope: str) -> None:
        """Printed as a ledger is filed: A4 landscape, all columns on the page's width,
        the header row repeated on every page, the title and the scope above, who
        exported it and when below (finish), page numbers."""
        sheet = self.worksheet
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = "9"  # A4 (openpyxl: Worksheet.PAPERSIZE_A4)
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "1:1"
        sheet.print_options.horizontalCentered = True
        sheet.oddHeader.center.text = header_text(title)
        sheet.oddHeader.right.text = header_text(scope)
        sheet.oddFooter.right.text = "第 &P 页，共 &N 页"

    def _text_cell(self, value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.worksheet, value=value)
        cell.data_type = "s"  # openpyxl would otherwise write "=…" as a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
        return cell

    def _cell(self, value, index: int):
        """One value as it is written (the general case; row_values takes the common ones
        without a call per cell)."""
        if isinstance(value, str):
            value = as_text(value)
            if not value:
                return None
            return self._text_cell(value) if value.startswith(FORMULA_TRIGGERS) else value
        if isinstance(value, datetime):
            value = local_naive(value)
        if index in self._formatted and value is not None:
            cell = WriteOnlyCell(self.worksheet, value=value)
            cell.number_format = self._formatted[index]
            return cell
        return value

    def row_values(self, values) -> list:
        """The values of one row as written: text made safe, times in local wall-clock
        time, empty text left out (an empty cell is simply not written). This runs for
        every cell of an export, so plain text and times are handled inline."""
        if self._formatted:
            return [self._cell(value, index) for index, value in enumerate(values)]
        zone, row = self._zone, []
        for value in values:
            kind = type(value)
            if kind is str:
                if not value:
                    value = None
                else:
                    if not value.isprintable() or len(value) > MAX_CELL_TEXT:
                        value = as_text(value)  # control characters, or too long
                    if value.startswith(FORMULA_TRIGGERS):
                        value = self._text_cell(value)
            elif kind is datetime:
                if value.tzinfo is not None:
                    value = value.astimezone(zone)
                value = value.replace(tzinfo=None, microsecond=0)
            elif value is not None and kind is not int and kind is not date:
                value = self._cell(value, -1)
            row.append(value)
        return row

    def append(self, values) -> None:
        self.worksheet.append(self.row_values(values))
        self.rows += 1

    def finish(self, footer: str) -> None:
        """Put the auto-filter over the header and the rows, and the who-and-when line
        below them (outside the filter, so sorting never moves it)."""
        last = get_column_letter(len(self.columns))
        self.worksheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"
        self.worksheet.append([])
        self.worksheet.append([as_text(footer)])
        self.worksheet.oddFooter.left.text = header_text(footer)


class LedgerWorkbook:
    """A write-only workbook saved to a temporary file (deleted when closed)."""

    def __init__(self):
        self.workbook = Workbook(write_only=True)

    def add_sheet(self, title: str, columns: list[Column], scope: str = "") -> LedgerSheet:
        return LedgerSheet(self.workbook, title, columns, scope)

    def save(self):
        """The finished workbook as an open temporary file, positioned at its start."""
        target = tempfile.TemporaryFile(suffix=".xlsx")
        self.workbook.save(target)
        target.seek(0)
        return target


def exported_line(user, moment: datetime | None = None) -> str:
    stamp = local_naive(moment or timezone.now()).strftime("%Y-%m-%d %H:%M")
    return f"导出人：{user.display_name}（{user.username}）　导出时间：{stamp}"
