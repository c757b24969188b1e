"""Strict xlsx: the project's own templates, a careful streaming reader, formula-safe writers.

openpyxl parses XML with defusedxml when it is installed (it is a dependency), so entity
bombs are refused by the parser; the archive's declared sizes are checked before opening.
"""
import io
import zipfile
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from shared.errors import BusinessError

TEXT_FORMAT = "@"
REQUIRED_FONT = Font(bold=True, color="FFC00000")
OPTIONAL_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFF2F2F2")
FORMULA_STARTS = ("=", "+", "-", "@")
MAX_EXACT_NUMBER = 10 ** 15  # doubles keep 15 significant digits; beyond, Excel has lost some
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
INSTRUCTIONS_TITLE = "填写说明"


@dataclass(frozen=True)
class Column:
    header: str          # Chinese header, exactly as in the template
    key: str             # field name in the service
    required: bool = False
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


# ---------- reading ----------

_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: ord(" ")}


def normalize_text(value):
    """Trim; full-width ASCII (digits, letters, punctuation) and ideographic spaces to half-width."""
    return str(value).translate(_HALF_WIDTH).strip()


def _check_archive(data, max_bytes):
    if len(data) > max_bytes:
        raise file_error(f"文件超过{max_bytes // (1024 * 1024)}MB的大小限制")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise file_error("文件不是有效的Excel（.xlsx）文件，请使用下载的模板") from None
    with archive:
        infos = archive.infolist()
        if "xl/workbook.xml" not in {i.filename for i in infos}:
            raise file_error("文件不是有效的Excel（.xlsx）文件，请使用下载的模板")
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos) or 1
        if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO and total > max_bytes:
            raise file_error("文件解压后内容异常庞大，已拒绝处理")


def _cell_text(cell, header):
    """(text, problem) for one cell; a formula or a number Excel has rounded is a problem."""
    value = cell.value
    if value is None:
        return "", None
    if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=")):
        return None, f"{header}：不允许使用公式，请直接填写内容"
    if isinstance(value, bool):
        return None, f"{header}：格式不正确"
    if isinstance(value, float):
        if abs(value) >= MAX_EXACT_NUMBER:
            return None, (f"{header}：该单元格被Excel按数字保存，已变成科学计数法并丢失末尾数字，"
                          "请将该列设为文本格式后重新填写")
        return (str(int(value)) if value.is_integer() else repr(value)), None
    if isinstance(value, int):
        return str(value), None
    if not isinstance(value, str):  # dates and times: the templates take text only
        return None, f"{header}：请按文本格式填写"
    return normalize_text(value), None


UNREADABLE = "无法读取该Excel文件，请使用下载的模板重新填写"


def _parsed(rows):
    """Sheet XML is parsed while it streams: a corrupt or hostile sheet fails here, not at open."""
    try:
        yield from rows
    except Exception:  # the parser's reason means nothing to a clerk
        raise file_error(UNREADABLE) from None


def read_rows(data, template, *, max_rows, max_bytes):
    """Stream the data rows of an uploaded template.

    Yields (row_number, values_by_key, problems) for each non-empty row; problems are
    {row, column, message} in Chinese. File-level faults raise BAD_FILE before any row.
    """
    _check_archive(data, max_bytes)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # a corrupt or hostile file: the parser's reason means nothing to a clerk
        raise file_error(UNREADABLE) from None
    try:
        ws = wb[template.title] if template.title in wb.sheetnames else wb.worksheets[0]
        rows = _parsed(ws.iter_rows())
        header_row = next(rows, None)
        headers = [normalize_text(c.value) if c.value is not None else "" for c in header_row or ()]
        while headers and headers[-1] == "":
            headers.pop()
        if headers != template.headers:
            raise file_error("表头与模板不一致，请下载最新模板并按原样填写（表头应为："
                             + "、".join(template.headers) + "）")
        count = 0
        for row_number, cells in enumerate(rows, start=2):
            values, problems = {c.key: "" for c in template.columns}, []
            for column, cell in zip(template.columns, cells):
                text, problem = _cell_text(cell, column.header)
                if problem:
                    problems.append({"row": row_number, "column": column.header, "message": problem})
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
