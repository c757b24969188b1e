"""Strict xlsx: the project's own templates, a careful streaming reader, formula-safe writers.

openpyxl parses XML with defusedxml when it is installed (it is a dependency), so entity
bombs are refused by the parser; the archive's declared sizes are checked before opening.
"""
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from shared.errors import BusinessError
from shared.text import full_width as full_width_form, has_hidden, normalize_text

TEXT_FORMAT = "@"
REQUIRED_FONT = Font(bold=True, color="FFC00000")
OPTIONAL_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFF2F2F2")
FORMULA_STARTS = ("=", "+", "-", "@")
MAX_EXACT_NUMBER = 10 ** 15  # doubles keep 15 significant digits; beyond, Excel has lost some
# What a file may unpack to follows from the rows it may hold: a cell of a template row takes
# well under this many bytes of sheet XML (or of shared strings), formatting included.
BYTES_PER_CELL = 256
SPARE_MEMBER_BYTES = 1024 * 1024      # styles, themes, a small workbook's overhead
MAX_COMPRESSION_RATIO = 100           # per member; real sheets pack 5-20 to one
MAX_CELL_BYTES = 8 * 1024             # the longest text any template column takes is far shorter
BLANK_ROWS_ALLOWED = 2000             # formatted empty rows (the template has 1,000) beyond the data
INSTRUCTIONS_TITLE = "填写说明"


def text_pattern(required=False, trimmed=True, full_width=False):
    """The OpenAPI pattern of text a rule takes when it does not start with FORMULA_STARTS: looked
    at after trimming when `trimmed`, full-width forms too when `full_width` (normalize_text comes
    first), not blank when `required`."""
    starts = "".join(re.escape(c) + (full_width_form(c) if full_width else "") for c in FORMULA_STARTS)
    blank = r"\s" if trimmed else ""
    first = f"[^{blank}{starts}]"
    return (r"^\s*" if trimmed else "^") + (first if required else f"({first}|$)")


@dataclass(frozen=True)
class Column:
    header: str          # Chinese header, exactly as in the template
    key: str             # field name in the service
    required: bool = False
    text_only: bool = False  # a number here cannot be trusted (an 18-digit ID loses digits)
    width: int = 18
    note: str = ""


@dataclass(frozen=True)
class Template:
    title: str                      # sheet title, also checked on upload
    columns: tuple
    instructions: tuple = field(default_factory=tuple)

    @property
    def headers(self):
        return [c.header for c in self.columns]


def file_error(message):
    return BusinessError("BAD_FILE", message, status=400)


# ---------- writing ----------

def write_template(template, rows=()):
    """The template as xlsx bytes: red required headers, every cell text-formatted, instructions."""
    wb = Workbook()
    ws = wb.active
    ws.title = template.title
    for index, column in enumerate(template.columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = REQUIRED_FONT if column.required else OPTIONAL_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        if column.note:
            cell.comment = Comment(column.note, "公积金中心")
        letter = cell.column_letter
        ws.column_dimensions[letter].width = column.width
        ws.column_dimensions[letter].number_format = TEXT_FORMAT
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            _set_text(ws.cell(row=r, column=c), value)
    # text format on the cells a clerk will fill, so Excel keeps 18-digit IDs as typed
    for r in range(2, max(len(rows) + 2, 1002)):
        for c in range(1, len(template.columns) + 1):
            ws.cell(row=r, column=c).number_format = TEXT_FORMAT
    ws.freeze_panes = "A2"
    notes = wb.create_sheet(INSTRUCTIONS_TITLE)
    notes.column_dimensions["A"].width = 100
    lines = ["红色表头为必填项，黑色表头为选填项。", "所有单元格均为文本格式，请勿修改表头、增删列或输入公式。",
             *template.instructions]
    for r, line in enumerate(lines, start=1):
        notes.cell(row=r, column=1, value=line)
    return _save(wb)


def write_rows(title, headers, rows):
    """A plain export (e.g. an error file): bold headers, every value a text cell."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font = OPTIONAL_FONT
        header_cells.append(cell)
    ws.append(header_cells)
    for values in rows:
        ws.append([_text_cell(ws, value) for value in values])
    return _save(wb)


def _text_cell(ws, value):
    cell = WriteOnlyCell(ws)
    _set_text(cell, value)
    return cell


def export_text(value):
    """A value as exported text; one that a spreadsheet would take for a formula is escaped."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _set_text(cell, value):
    """Every exported value is an escaped string cell: nothing a clerk opens runs as a formula."""
    cell.value = export_text(value)
    cell.data_type = "s"
    cell.number_format = TEXT_FORMAT


def _save(wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---------- error files (报错文件) ----------

ROW_HEADER, REASON_HEADER = "行号", "错误原因"
ERROR_SHEET_TITLE = "报错明细"


def _reason(error):
    column, message = error.get("column"), error["message"]
    return message if not column or message.startswith(column) else f"{column}：{message}"


def error_sheet(errors):
    """(headers, rows) of the error file: the template's columns as the clerk filled them
    (first-seen order), then 行号 and 错误原因; one line per failed row, its reasons joined."""
    headers, lines, by_row = [], [], {}
    for error in errors:
        for header in error.get("original") or {}:
            if header not in headers:
                headers.append(header)
        row = error.get("row")
        if row is not None and row in by_row:
            by_row[row]["reasons"].append(_reason(error))
            by_row[row]["original"] = by_row[row]["original"] or error.get("original") or {}
            continue
        line = {"row": row, "original": error.get("original") or {}, "reasons": [_reason(error)]}
        lines.append(line)
        if row is not None:
            by_row[row] = line
    rows = [[line["original"].get(h, "") for h in headers] + [line["row"], "；".join(line["reasons"])]
            for line in lines]
    return headers + [ROW_HEADER, REASON_HEADER], rows


def error_file(errors):
    """The error file's xlsx bytes: the rows as the clerk filled them, with 行号 and 错误原因."""
    headers, rows = error_sheet(errors)
    return write_rows(ERROR_SHEET_TITLE, headers, rows)


# ---------- reading ----------

def _member_limit(template, max_rows):
    return (max_rows + BLANK_ROWS_ALLOWED) * len(template.columns) * BYTES_PER_CELL + SPARE_MEMBER_BYTES


def _has_long_text(member):
    """Whether any text between two tags of a streamed member reaches MAX_CELL_BYTES. (Splitting
    at each `<` is a third of the time a regex for a long run took over a 10,000-row sheet.)"""
    tail = b""
    while chunk := member.read(1024 * 1024):
        runs = (tail + chunk).split(b"<")
        tail = runs.pop()  # it may go on in the next chunk
        if max(map(len, runs), default=0) >= MAX_CELL_BYTES or len(tail) >= MAX_CELL_BYTES:
            return True
    return False


def _check_archive(data, template, max_rows, max_bytes):
    """Refuse, before any parsing, what would cost far more to unpack than its rows can need.

    Each member is judged on its own (one stored member must not hide another's ratio): its
    size against what the row limit can need, its compression ratio, and (for sheets and shared
    strings, read as a stream) the length of its longest text."""
    if len(data) > max_bytes:
        raise file_error(f"文件超过{max_bytes // (1024 * 1024)}MB的大小限制")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise file_error("文件不是有效的Excel（.xlsx）文件，请使用下载的模板") from None
    huge = file_error("文件解压后内容异常庞大，已拒绝处理")
    limit = _member_limit(template, max_rows)
    with archive:
        infos = archive.infolist()
        if "xl/workbook.xml" not in {i.filename for i in infos}:
            raise file_error("文件不是有效的Excel（.xlsx）文件，请使用下载的模板")
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limit or (info.file_size > SPARE_MEMBER_BYTES and ratio > MAX_COMPRESSION_RATIO):
                raise huge
        try:
            for info in infos:
                if info.filename.startswith(("xl/worksheets/", "xl/sharedStrings")):
                    with archive.open(info) as member:
                        if _has_long_text(member):
                            raise file_error(f"文件中有单元格内容超过{MAX_CELL_BYTES}字节，请检查后重新上传")
        # a damaged member, or one packed by a method zipfile does not read (it raises NotImplementedError)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
            raise file_error(UNREADABLE) from None


def _cell_text(cell, column):
    """(text, problem) for one cell; a formula, or a number where digits may have been lost, is a problem."""
    header, value = column.header, cell.value
    if value is None:
        return "", None
    if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=")):
        return None, f"{header}：不允许使用公式，请直接填写内容"
    if isinstance(value, bool):
        return None, f"{header}：格式不正确"
    if isinstance(value, (int, float)) and column.text_only:
        # a spreadsheet number holds about 16 digits: whatever program wrote it, an 18-digit
        # ID stored as one may already be another person's number
        return None, f"{header}：该单元格按数字保存，长数字会丢失末位，请将该列设为文本格式后重新填写"
    if isinstance(value, float):
        if abs(value) >= MAX_EXACT_NUMBER:
            return None, f"{header}：该单元格按数字保存，长数字会丢失末位，请将该列设为文本格式后重新填写"
        return (str(int(value)) if value.is_integer() else repr(value)), None
    if isinstance(value, int):
        return str(value), None
    if not isinstance(value, str):  # dates and times: the templates take text only
        return None, f"{header}：请按文本格式填写"
    text = normalize_text(value)
    if has_hidden(text):
        return None, f"{header}：含有不可见的控制字符，请删除后重新填写"
    return (text[1:].strip() if text.startswith("'") else text), None  # a typed text marker


UNREADABLE = "无法读取该Excel文件，请使用下载的模板重新填写"


def _parsed(rows):
    """Sheet XML is parsed while it streams: a corrupt or hostile sheet fails here, not at open."""
    try:
        yield from rows
    except Exception:  # the parser's reason means nothing to a clerk
        raise file_error(UNREADABLE) from None


class _RowBudget:
    """Every row a parse walks through, blank or not, counts: gaps and blank rows cost time too."""

    def __init__(self, max_rows):
        self.left = max_rows + BLANK_ROWS_ALLOWED + 1  # the header row
        self.max_rows = max_rows

    def take(self):
        self.left -= 1
        if self.left < 0:
            raise file_error(f"数据行（含空行）超过{self.max_rows}行的上限，请删除多余的空行或分批上传")


def _rows(ws, budget):
    ws.reset_dimensions()  # the declared <dimension> may lie: read to the sheet's real end
    for cells in _parsed(ws.iter_rows()):
        budget.take()
        yield cells


def _header(cells):
    headers = [normalize_text(c.value) if c.value is not None else "" for c in cells or ()]
    while headers and headers[-1] == "":
        headers.pop()
    return headers


def _header_problem(template, headers):
    """The message naming the first header that differs from the template's."""
    expected = template.headers
    for index in range(max(len(expected), len(headers))):
        want = expected[index] if index < len(expected) else None
        got = headers[index] if index < len(headers) else None
        if want != got:
            where = f"第{index + 1}列表头"
            if want is None:
                detail = f"{where}“{got}”不在模板中"
            elif not got:
                detail = f"{where}应为“{want}”，文件中为空"
            else:
                detail = f"{where}应为“{want}”，文件中为“{got}”"
            break
    return file_error(f"表头与模板不一致：{detail}。请下载最新模板并按原样填写（表头应为："
                      + "、".join(expected) + "）")


def _has_values(rows):
    return any(cell.value is not None and str(cell.value).strip() for cells in rows for cell in cells)


def _data_sheet(wb, template, budget):
    """(sheet, its rows after the header): the sheet whose header row is the template's.

    Any other sheet with content is refused rather than silently left unread."""
    found, others, blamed = None, [], None
    for ws in wb.worksheets:
        if ws.title == INSTRUCTIONS_TITLE:
            continue
        rows = _rows(ws, budget)
        headers = _header(next(rows, None))
        if found is None and headers == template.headers:
            found = (ws, rows)
            continue
        if headers and (blamed is None or ws.title == template.title):
            blamed = headers
        if headers or _has_values(rows):
            others.append(ws.title)
    if found is None:
        if blamed is None:
            raise file_error("文件中没有数据行")
        raise _header_problem(template, blamed)
    if others:
        raise file_error(f"工作表“{'、'.join(others)}”中也有内容，请只在“{found[0].title}”工作表中填写数据，"
                         "其他工作表请删除或清空")
    return found


def read_rows(data, template, *, max_rows, max_bytes):
    """Stream the data rows of an uploaded template.

    Yields (row_number, values_by_key, problems) for each non-empty row; problems are
    {row, column, message} in Chinese. File-level faults raise BAD_FILE before any row.
    """
    _check_archive(data, template, max_rows, max_bytes)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # a corrupt or hostile file: the parser's reason means nothing to a clerk
        raise file_error(UNREADABLE) from None
    try:
        budget = _RowBudget(max_rows)
        _, rows = _data_sheet(wb, template, budget)
        count = 0
        for row_number, cells in enumerate(rows, start=2):
            values, problems = {c.key: "" for c in template.columns}, []
            for column, cell in zip(template.columns, cells):
                text, problem = _cell_text(cell, column)
                if problem:  # the cell as the clerk wrote it, for the error file
                    problems.append({"row": row_number, "column": column.header, "message": problem,
                                     "value": "" if cell.value is None else str(cell.value)})
                values[column.key] = text or ""
            if not any(values.values()) and not problems:
                continue
            count += 1
            if count > max_rows:
                raise file_error(f"数据行超过{max_rows}行的上限，请分批上传")
            yield row_number, values, problems
        if count == 0:
            raise file_error("文件中没有数据行")
    finally:
        wb.close()
