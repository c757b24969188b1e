"""Hostile and unusual uploads: each probe a file that once got through, refused or read right."""
import io
import os
import re
import time
import zipfile

import pytest
from openpyxl import Workbook

from shared.errors import BusinessError
from shared.xlsx import INSTRUCTIONS_TITLE, MAX_CELL_BYTES, Column, Template, _has_long_text, read_rows

TEMPLATE = Template("批量开户", (Column("个人姓名", "name", True), Column("证件号码", "id_number", True, text_only=True),
                                Column("户籍", "household")))
HEADERS = ("个人姓名", "证件号码", "户籍")
LIMITS = {"max_rows": 100, "max_bytes": 10 * 1024 * 1024}


def book(*sheets):
    """xlsx bytes of sheets given as (title, rows)."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rewrite(data, name, change):
    """The same archive with one member's bytes changed."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return out.getvalue()


def read(data, **limits):
    return list(read_rows(data, TEMPLATE, **{**LIMITS, **limits}))


def rows_of(n):
    return [HEADERS] + [(f"职工{i}", "11010519491231002X", "") for i in range(n)]


def test_a_lying_dimension_does_not_hide_rows():
    data = book(("批量开户", rows_of(10)))
    data = rewrite(data, "xl/worksheets/sheet1.xml",
                   lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:C4"/>', xml))
    assert len(read(data)) == 10


def test_blank_rows_count_toward_the_row_limit():
    # one data row, then a row far down the sheet: openpyxl walks every gap row in between
    data = rewrite(book(("批量开户", rows_of(1))), "xl/worksheets/sheet1.xml",
                   lambda xml: xml.replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576" t="inlineStr">'
                                                        b"<is><t>x</t></is></c></row></sheetData>"))
    started = time.monotonic()
    with pytest.raises(BusinessError, match="含空行"):
        read(data)
    assert time.monotonic() - started < 5  # refused after the budget, not after a million rows


def test_a_huge_cell_is_refused_before_parsing():
    data = book(("批量开户", [HEADERS, ("张三", "11010519491231002X", "户" * MAX_CELL_BYTES)]))
    with pytest.raises(BusinessError, match="单元格内容超过"):
        read(data)


def test_a_long_text_is_found_wherever_the_stream_cuts_it():
    def streamed(text_bytes):  # a member read a megabyte at a time, the text across the first cut
        return io.BytesIO(b"<a/>" * (1024 * 1024 // 4 - 25) + b"<t>" + text_bytes + b"</t>")
    assert _has_long_text(streamed(b"x" * MAX_CELL_BYTES))
    assert not _has_long_text(streamed(b"x" * (MAX_CELL_BYTES - 3)))  # with "t>", one byte short
    assert _has_long_text(io.BytesIO(b"x" * MAX_CELL_BYTES))  # before any tag
    assert not _has_long_text(io.BytesIO(b""))


def test_a_stored_member_does_not_hide_another_members_ratio():
    # 2 MB of incompressible bytes stored, beside shared strings that deflate a thousand to one:
    # the archive as a whole packs only ~15:1, the shared strings alone ~1000:1
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/media/noise.bin", os.urandom(2 * 1024 * 1024), compress_type=zipfile.ZIP_STORED)
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"<si><t>a</t></si>" * 2_000_000 + b"</sst>",
                         compress_type=zipfile.ZIP_DEFLATED)
    with pytest.raises(BusinessError, match="异常庞大"):
        read(buffer.getvalue(), max_rows=50_000)


def test_a_member_larger_than_the_row_limit_can_need_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", os.urandom(1024).hex().encode() * 2048)  # 4 MB, ratio ~2
    with pytest.raises(BusinessError, match="异常庞大"):
        read(buffer.getvalue(), max_rows=3)


def test_the_data_sheet_is_found_by_its_headers_wherever_it_is():
    data = book((INSTRUCTIONS_TITLE, [("红色表头为必填项",)]), ("Sheet1", rows_of(2)))
    assert [values["name"] for _, values, _ in read(data)] == ["职工0", "职工1"]


def test_a_second_sheet_with_data_is_refused_naming_it():
    data = book(("批量开户", rows_of(2)), ("第二批", rows_of(3)), ("空表", []))
    with pytest.raises(BusinessError, match="第二批") as refused:
        read(data)
    assert "空表" not in refused.value.message


def test_the_header_that_differs_is_named():
    data = book(("批量开户", [("个人姓名", "身份证号", "户籍"), ("张三", "11010519491231002X", "")]))
    with pytest.raises(BusinessError, match="第2列表头应为“证件号码”，文件中为“身份证号”"):
        read(data)


def test_a_leading_apostrophe_marks_text_and_is_not_part_of_it():
    data = book(("批量开户", [HEADERS, ("张三", "'11010519491231002X", "'陕西")]))
    [(_, values, problems)] = read(data)
    assert values["id_number"] == "11010519491231002X" and values["household"] == "陕西" and not problems


def test_a_numeric_id_written_as_a_plain_integer_is_refused():
    data = book(("批量开户", [HEADERS, ("张三", 310104199501010050, "")]))
    [(_, _, problems)] = read(data)
    assert [p["column"] for p in problems] == ["证件号码"] and "文本格式" in problems[0]["message"]


def test_hidden_control_characters_in_a_cell_are_a_row_problem():
    data = book(("批量开户", [HEADERS, ("张\u200b三", "11010519491231002X", "陕\u202e西")]))
    [(_, _, problems)] = read(data)
    assert [p["column"] for p in problems] == ["个人姓名", "户籍"] and "不可见" in problems[0]["message"]
