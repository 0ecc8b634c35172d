"""Reading a grid workers' survey sheet (排查登记表, .xlsx) and checking it whole before
anything is saved: every error is collected with its sheet, row, column and field, in
Chinese, so that the sheet can be corrected in one pass.

Columns are found by their header, in any order; columns this sheet does not know (序号,
状态, … of an exported ledger) are ignored. A row whose 编号 is a matter of the register,
or whose 外部编号 was imported before, is recognised and left alone, so importing the
same sheet (or an exported ledger) twice creates nothing twice.
"""

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from grids.choices import AreaKind
from grids.scoping import visible_areas
from ledgers import wording
from ledgers.models import ImportedMatter
from quanfu.clock import local_date, local_midnight
from quanfu.personal_data import REFUSAL, find_personal_data
from risks import permissions
from risks.choices import RiskLevel, RiskStatus, Source
from risks.models import Category, Risk, Subtype
from risks.scoping import visible_risks

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a zip bomb is refused before it is opened
MAX_ROWS = 20000
MACRO_PARTS = ("xl/vbaProject.bin", "xl/macrosheets/")
REPORTABLE_KINDS = (AreaKind.COMMUNITY, AreaKind.GRID, AreaKind.MICROGRID)
FOOTER_PREFIX = "导出人"


@dataclass(frozen=True)
class SheetColumn:
    header: str
    field: str
    required: bool = False
    width: float = 14
    hint: str = ""


COLUMNS = [
    SheetColumn("外部编号", "reference", width=16,
                hint="本表内唯一的编号（如 G01-2026-001），用于防止重复导入"),
    SheetColumn("区域编码", "area", True, 16, "社区、网格或微网格的编码，见“区域编码”页"),
    SheetColumn("类别", "category", True, 16, "七类风险之一，填名称或代码"),
    SheetColumn("子类", "subtype", width=22, hint="属于所填类别的子类，填名称或代码"),
    SheetColumn("事项名称", "title", True, 28, "不超过200字"),
    SheetColumn("简要情况", "description", True, 40),
    SheetColumn("发现时间", "discovered_at", True, 18, "日期或日期时间，如 2026-03-05 14:30"),
    SheetColumn("来源", "source", width=12, hint="默认为“导入”"),
    SheetColumn("风险等级", "level", width=10, hint="高、中、低；不填为未定级（需有定级权限）"),
    SheetColumn("办结时限", "due_on", width=12, hint="日期"),
    SheetColumn("当事人", "party_names", width=18, hint="姓名，多人用“；”分隔"),
    SheetColumn("联系电话", "party_phones", width=18, hint="与当事人一一对应，用“；”分隔"),
    SheetColumn("涉及人数", "people_involved", width=10,
                hint="涉及多少人，填整数（可不填）；不必逐一填写姓名"),
]
REGISTER_CODE_HEADER = "编号"
HEADER_FIELDS = {column.header: column for column in COLUMNS}
LEVEL_WORDS = {"高": RiskLevel.HIGH, "高风险": RiskLevel.HIGH, "中": RiskLevel.MEDIUM,
               "中风险": RiskLevel.MEDIUM, "低": RiskLevel.LOW, "低风险": RiskLevel.LOW}
UNGRADED_WORDS = {"", "未定级"}
SEPARATORS = re.compile(r"[；;、,，\n]+")
PARTY_LABEL = re.compile(r"（[^）]*）|\([^)]*\)")
DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
                       r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


class UnreadableSheet(Exception):
    """The file cannot be read as a survey sheet at all (not .xlsx, macros, too big…)."""


@dataclass(frozen=True)
class SheetError:
    sheet: str
    row: int
    column: str  # the column letter, "" for an error about the whole row or file
    field: str  # the column's header
    message: str

    def __str__(self):
        where = f"第{self.row}行" + (f"{self.column}列（{self.field}）" if self.column else "")
        return f"{self.sheet}：{where}：{self.message}"


@dataclass
class PlannedMatter:
    row: int
    reference: str
    arguments: dict  # the keyword arguments of risks.services.report_risk


@dataclass
class SheetCheck:
    sheet: str = ""
    errors: list = field(default_factory=list)
    planned: list = field(default_factory=list)
    recognised: list = field(default_factory=list)  # (row, code): already in the register
    columns: dict = field(default_factory=dict)  # field → column index (1-based)

    @property
    def is_valid(self) -> bool:
        return not self.errors


# The file ---------------------------------------------------------------------------------

def open_workbook(upload, name: str = ""):
    """The workbook of an uploaded file, or UnreadableSheet with a message to show."""
    if name and not name.lower().endswith(".xlsx"):
        if name.lower().endswith((".xlsm", ".xltm", ".xlam")):
            raise UnreadableSheet("含宏的工作簿（.xlsm）不予导入，请另存为 .xlsx 后再上传。")
        raise UnreadableSheet("只能导入 .xlsx 格式的 Excel 文件。")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise UnreadableSheet(f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请分批导入。")
    if size == 0:
        raise UnreadableSheet("文件是空的。")
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            if any(member.filename.startswith(MACRO_PARTS) for member in members):
                raise UnreadableSheet("工作簿含有宏，不予导入，请另存为不含宏的 .xlsx 后再上传。")
            if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
                raise UnreadableSheet("文件解压后过大，请分批导入。")
        upload.seek(0)
        return load_workbook(upload, read_only=True, data_only=True)
    except UnreadableSheet:
        raise
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise UnreadableSheet("文件已损坏或不是有效的 .xlsx 文件。") from error


# Cells ------------------------------------------------------------------------------------

def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def as_datetime(value) -> datetime | None:
    """A cell as an aware Asia/Shanghai datetime; None if it is not a date."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    else:
        match = DATE_TEXT.match(text(value))
        if not match:
            return None
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
        try:
            moment = datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def as_date(value) -> date | None:
    moment = as_datetime(value)
    return local_date(moment) if moment else None


# Lookups: one query each, whatever the number of rows -------------------------------------

@dataclass
class Lookups:
    areas: dict  # code → Area in the user's scope
    categories: dict  # name or code → Category
    subtypes: dict  # name or code → Subtype
    sources: dict  # label or code → code
    may_grade: bool

    @classmethod
    def for_user(cls, user) -> "Lookups":
        areas = {area.code: area for area in visible_areas(user).filter(kind__in=REPORTABLE_KINDS)}
        categories, subtypes = {}, {}
        for category in Category.objects.filter(is_active=True):
            categories[category.code] = categories[category.name] = category
        # Retired subtypes too: a sheet naming one is told what replaced it.
        for subtype in Subtype.objects.select_related("category", "replaced_by"):
            subtypes[subtype.code] = subtypes[subtype.name] = subtype
        sources = {word: code for code, word in wording.SOURCES.items()}
        sources.update({code: code for code in Source.values})
        return cls(areas, categories, subtypes, sources,
                   permissions.user_may(user, permissions.ASSIGN))


# The whole sheet --------------------------------------------------------------------------

def check_sheet(workbook, user) -> SheetCheck:
    worksheet = workbook.worksheets[0]
    check = SheetCheck(sheet=worksheet.title)
    rows = worksheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header or not _read_header(check, header):
        return check
    lookups = Lookups.for_user(user)
    raw_rows = []
    for number, values in enumerate(rows, start=2):
        if not any(text(value) for value in values):
            continue
        if text(values[0]).startswith(FOOTER_PREFIX):
            continue  # the who-and-when line of an exported ledger
        raw_rows.append((number, values))
        if len(raw_rows) > MAX_ROWS:
            check.errors.append(SheetError(check.sheet, number, "", "",
                                           f"一次最多导入 {MAX_ROWS} 行，请分批导入。"))
            return check
    if not raw_rows:
        check.errors.append(SheetError(check.sheet, 2, "", "", "表格没有数据行。"))
        return check
    known = _known_matters(user, raw_rows, check)
    imported = _imported_references(lookups, raw_rows, check)
    seen_references, seen_matters = {}, {}
    for number, values in raw_rows:
        _check_row(check, lookups, user, number, values, known, imported, seen_references,
                   seen_matters)
    _check_against_register(check)
    return check


def _read_header(check: SheetCheck, header) -> bool:
    positions = {}
    for index, value in enumerate(header, start=1):
        name = text(value).rstrip("*＊ ")
        if name in HEADER_FIELDS or name == REGISTER_CODE_HEADER:
            key = HEADER_FIELDS[name].field if name in HEADER_FIELDS else "code"
            if key in positions:
                check.errors.append(SheetError(check.sheet, 1, get_column_letter(index), name,
                                               "列名重复。"))
            positions[key] = index
    missing = [column.header for column in COLUMNS
               if column.required and column.field not in positions]
    if missing:
        check.errors.append(SheetError(
            check.sheet, 1, "", "",
            "表头不对：缺少必填列 " + "、".join(missing) + "。请使用下载的导入模板。"))
    check.columns = positions
    return not check.errors


def _cell(check: SheetCheck, values, key: str):
    index = check.columns.get(key)
    if index is None or index > len(values):
        return None
    return values[index - 1]


def _error(check: SheetCheck, number: int, key: str, message: str) -> None:
    index = check.columns.get(key)
    header = next((column.header for column in COLUMNS if column.field == key),
                  REGISTER_CODE_HEADER if key == "code" else "")
    check.errors.append(SheetError(check.sheet, number,
                                   get_column_letter(index) if index else "", header, message))


def _known_matters(user, raw_rows, check) -> dict:
    codes = {text(_cell(check, values, "code")) for _n, values in raw_rows} - {""}
    if not codes:
        return {}
    return dict(visible_risks(user).filter(code__in=codes).values_list("code", "pk"))


def _imported_references(lookups: Lookups, raw_rows, check) -> dict:
    references = {text(_cell(check, values, "reference")) for _n, values in raw_rows} - {""}
    streets = {area.ancestor_ids()[0] for area in lookups.areas.values()}
    if not references or not streets:
        return {}
    found = ImportedMatter.objects.filter(street_id__in=streets, reference__in=references)
    return {(entry.street_id, entry.reference): entry.risk.code
            for entry in found.select_related("risk")}


def _check_row(check, lookups, user, number, values, known, imported, seen_references,
               seen_matters) -> None:
    code = text(_cell(check, values, "code"))
    if code:
        if code in known:
            check.recognised.append((number, code))
            return
        _error(check, number, "code", f"编号 {code} 不在登记册中或不在您的范围内；"
                                      "新事项请留空此列。")
        return
    errors_before = len(check.errors)
    arguments = {"source": Source.IMPORT}
    reference = text(_cell(check, values, "reference"))
    if len(reference) > 64:
        _error(check, number, "reference", "外部编号不能超过64个字符。")
    elif reference and reference in seen_references:
        _error(check, number, "reference",
               f"外部编号 {reference} 与第{seen_references[reference]}行重复。")
    elif reference:
        seen_references[reference] = number

    area_code = text(_cell(check, values, "area"))
    area = lookups.areas.get(area_code)
    if not area_code:
        _error(check, number, "area", "必须填写区域编码。")
    elif area is None:
        _error(check, number, "area", f"区域编码 {area_code} 不存在，或不在您的范围内，"
                                      "或不是社区、网格、微网格。")
    else:
        arguments["area"] = area
        street_id = area.ancestor_ids()[0]
        if reference and (street_id, reference) in imported:
            check.recognised.append((number, imported[(street_id, reference)]))
            return

    category_name = text(_cell(check, values, "category"))
    category = lookups.categories.get(category_name)
    if not category_name:
        _error(check, number, "category", "必须填写类别。")
    elif category is None:
        _error(check, number, "category", f"类别“{category_name}”不存在。")
    else:
        arguments["category"] = category
    subtype_name = text(_cell(check, values, "subtype"))
    if subtype_name:
        subtype = lookups.subtypes.get(subtype_name)
        if subtype is None:
            _error(check, number, "subtype", f"子类“{subtype_name}”不存在。")
        elif not subtype.is_active:
            replacement = subtype.replaced_by
            _error(check, number, "subtype",
                   f"子类“{subtype.name}”已停用，请改填“{replacement.name}”（{replacement.code}）。"
                   if replacement else f"子类“{subtype.name}”已停用，请选择其他子类。")
        elif category is not None and subtype.category_id != category.pk:
            _error(check, number, "subtype",
                   f"子类“{subtype.name}”不属于类别“{category.name}”。")
        else:
            arguments["subtype"] = subtype

    title = text(_cell(check, values, "title"))
    if not title:
        _error(check, number, "title", "必须填写事项名称。")
    elif len(title) > 200:
        _error(check, number, "title", "事项名称不能超过200字。")
    elif find_personal_data(title):
        _error(check, number, "title", str(REFUSAL))
    arguments["title"] = title
    description = text(_cell(check, values, "description"))
    if not description:
        _error(check, number, "description", "必须填写简要情况。")
    elif find_personal_data(description):
        _error(check, number, "description", str(REFUSAL))
    arguments["description"] = description
    _people_involved(check, number, values, arguments)

    raw_time = _cell(check, values, "discovered_at")
    discovered_at = as_datetime(raw_time)
    if not text(raw_time):
        _error(check, number, "discovered_at", "必须填写发现时间。")
    elif discovered_at is None:
        _error(check, number, "discovered_at",
               f"“{text(raw_time)}”不是日期，请写成 2026-03-05 或 2026-03-05 14:30。")
    elif discovered_at > timezone.now() + timedelta(minutes=5):
        _error(check, number, "discovered_at", "发现时间不能晚于现在。")
    else:
        arguments["discovered_at"] = discovered_at

    source = text(_cell(check, values, "source"))
    if source:
        if source in lookups.sources:
            arguments["source"] = lookups.sources[source]
        else:
            _error(check, number, "source", f"来源“{source}”不在可选值中。")

    level_word = text(_cell(check, values, "level"))
    if level_word not in UNGRADED_WORDS:
        level = LEVEL_WORDS.get(level_word) or (level_word if level_word in RiskLevel.values
                                                else None)
        if level is None:
            _error(check, number, "level", f"风险等级“{level_word}”应为 高、中、低 或留空。")
        elif not lookups.may_grade:
            _error(check, number, "level", "您的角色不能定级，请将风险等级留空。")
        else:
            arguments["level"] = level

    raw_due = _cell(check, values, "due_on")
    if text(raw_due):
        due_on = as_date(raw_due)
        if due_on is None:
            _error(check, number, "due_on", f"“{text(raw_due)}”不是日期。")
        else:
            arguments["due_on"] = due_on

    parties = _parties(check, number, values)
    if parties:
        arguments["parties"] = parties

    if len(check.errors) == errors_before:
        key = (area.pk, title, local_date(discovered_at))
        if key in seen_matters:
            _error(check, number, "title",
                   f"与第{seen_matters[key]}行是同一事项（区域、名称、发现日期相同）。")
            return
        seen_matters[key] = number
        check.planned.append(PlannedMatter(number, reference, arguments))


def _people_involved(check, number, values, arguments) -> None:
    raw = _cell(check, values, "people_involved")
    if not text(raw):
        return
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    count = (raw if isinstance(raw, int) and not isinstance(raw, bool)
             else int(text(raw)) if text(raw).isdigit() else None)
    if count is None or count < 1:
        _error(check, number, "people_involved", f"涉及人数“{text(raw)}”应为不小于1的整数。")
    else:
        arguments["people_involved"] = count


def _parties(check, number, values) -> list[dict]:
    names = [PARTY_LABEL.sub("", part).strip()
             for part in SEPARATORS.split(text(_cell(check, values, "party_names")))]
    names = [name for name in names if name]
    phones = [part.strip().replace(" ", "")
              for part in SEPARATORS.split(text(_cell(check, values, "party_phones")))]
    phones = [phone for phone in phones if phone]
    if any("*" in name for name in names) or any("*" in phone for phone in phones):
        _error(check, number, "party_names" if any("*" in n for n in names) else "party_phones",
               "脱敏后的姓名或电话（含 *）不能导入，请填写原始信息或留空。")
        return []
    if len(phones) > len(names):
        _error(check, number, "party_phones", "电话比当事人多，请一一对应。")
        return []
    for phone in phones:
        if not phone.replace("-", "").isdigit() or len(phone) > 20:
            _error(check, number, "party_phones", f"电话“{phone}”只能由数字和“-”组成。")
            return []
    for name in names:
        if len(name) > 50:
            _error(check, number, "party_names", "当事人姓名不能超过50字。")
            return []
    return [{"name": name, "phone": phones[index] if index < len(phones) else ""}
            for index, name in enumerate(names)]


def _check_against_register(check: SheetCheck) -> None:
    """A planned matter with the same area, name and day of discovery as one in the
    register is a duplicate: one query over the areas and days concerned."""
    if not check.planned:
        return
    area_ids = {plan.arguments["area"].pk for plan in check.planned}
    moments = [plan.arguments["discovered_at"] for plan in check.planned]
    start = local_midnight(local_date(min(moments)))
    end = local_midnight(local_date(max(moments)) + timedelta(days=1))
    existing = {}
    candidates = (Risk.objects.filter(area_id__in=area_ids, discovered_at__gte=start,
                                      discovered_at__lt=end)
                  .exclude(status=RiskStatus.INVALID)
                  .values_list("area_id", "title", "discovered_at", "code"))
    for area_id, title, discovered_at, code in candidates:
        existing[(area_id, title, local_date(discovered_at))] = code
    still_planned = []
    for plan in check.planned:
        arguments = plan.arguments
        key = (arguments["area"].pk, arguments["title"], local_date(arguments["discovered_at"]))
        if key in existing:
            _error(check, plan.row, "title", f"登记册中已有同一事项 {existing[key]}"
                                             "（区域、名称、发现日期相同）。")
        else:
            still_planned.append(plan)
    check.planned = still_planned


# The copy with the bad cells marked -------------------------------------------------------

ERROR_FILL_COLOUR = "FFC7CE"


def marked_copy(upload, check: SheetCheck):
    """The uploaded workbook with every bad cell filled red and commented, and a last
    column saying what is wrong with each row: an open temporary file."""
    import tempfile

    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    upload.seek(0)
    workbook = load_workbook(upload)
    worksheet = workbook.worksheets[0]
    fill = PatternFill("solid", fgColor=ERROR_FILL_COLOUR)
    note_column = worksheet.max_column + 1
    worksheet.cell(row=1, column=note_column, value="错误说明").fill = fill
    by_row: dict[int, list[str]] = {}
    for error in check.errors:
        cell = worksheet[f"{error.column or 'A'}{error.row}"]
        cell.fill = fill
        comment = f"{cell.comment.text}\n{error.message}" if cell.comment else error.message
        cell.comment = Comment(comment, "导入检查")
        by_row.setdefault(error.row, []).append(
            f"{error.field}：{error.message}" if error.field else error.message)
    for row, messages in by_row.items():
        worksheet.cell(row=row, column=note_column, value="；".join(messages)).fill = fill
    target = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(target)
    target.seek(0)
    return target
