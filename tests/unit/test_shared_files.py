"""Strict xlsx and PDF vouchers (shared by every batch and voucher function)."""
import io
import os
import zipfile
from types import SimpleNamespace

import pytest
from openpyxl import Workbook, load_workbook

from shared.errors import BusinessError
from tests.pdfs import text_of
from shared.pdf import Voucher, check_voucher_code, render_voucher, voucher_code
from shared.xlsx import (Column, Template, _cell_text, normalize_text, read_rows, write_rows,
                         write_template)

TEMPLATE = Template("批量开户", (Column("个人姓名", "name", True), Column("证件号码", "id_number", True),
                                Column("户籍", "household")), ("证件号码须为18位居民身份证号码。",))
LIMITS = {"max_rows": 100, "max_bytes": 10 * 1024 * 1024}


def workbook_bytes(rows, headers=("个人姓名", "证件号码", "户籍")):
    wb = Workbook()
    ws = wb.active
    ws.title = "批量开户"
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_template_has_red_required_headers_text_cells_and_instructions():
    wb = load_workbook(io.BytesIO(write_template(TEMPLATE)))
    ws = wb["批量开户"]
    assert [c.value for c in ws[1]] == ["个人姓名", "证件号码", "户籍"]
    assert ws["A1"].font.color.rgb == "FFC00000" and ws["C1"].font.color is None
    assert ws["B2"].number_format == "@"
    assert "证件号码须为18位居民身份证号码。" in [c.value for c in wb["填写说明"]["A"]]


def test_rows_are_trimmed_and_full_width_is_made_half_width():
    data = workbook_bytes([(" 张三 ", "１１０１０５１９４９１２３１００２ｘ", None), (None, None, None)])
    rows = list(read_rows(data, TEMPLATE, **LIMITS))
    assert rows == [(2, {"name": "张三", "id_number": "11010519491231002x", "household": ""}, [])]


def test_formula_and_lossy_number_are_row_problems():
    # openpyxl, like Excel, stores an 18-digit number as a double: 1.1010519491231e+17
    data = workbook_bytes([("=1+1", 110105194912310021, "")])
    [(_, values, problems)] = list(read_rows(data, TEMPLATE, **LIMITS))
    assert {p["column"] for p in problems} == {"个人姓名", "证件号码"}
    assert any("文本格式" in p["message"] for p in problems)


def test_an_exact_integer_cell_is_accepted_as_text_where_numbers_are_allowed():
    cell = SimpleNamespace(value=13900000001, data_type="n")
    assert _cell_text(cell, Column("手机号码", "mobile")) == ("13900000001", None)


def test_any_number_in_a_text_only_column_is_refused_whoever_wrote_it():
    # SheetJS and ExcelJS write <v>310104199501010050</v> for 310104199501010026: exact-looking, wrong
    cell = SimpleNamespace(value=310104199501010050, data_type="n")
    text, problem = _cell_text(cell, Column("证件号码", "id_number", text_only=True))
    assert text is None and "文本格式" in problem and "Excel" not in problem


@pytest.mark.parametrize("data, message", [
    (b"not a zip at all", "不是有效的Excel"),
    (workbook_bytes([("a", "b", "c")], headers=("姓名", "证件号码", "户籍")), "表头"),
    (workbook_bytes([]), "没有数据行"),
])
def test_bad_files_are_refused_clearly(data, message):
    with pytest.raises(BusinessError, match=message):
        list(read_rows(data, TEMPLATE, **LIMITS))


def test_row_and_size_limits():
    with pytest.raises(BusinessError, match="3行"):
        list(read_rows(workbook_bytes([("a", "b", "c")] * 4), TEMPLATE, max_rows=3, max_bytes=10**7))
    with pytest.raises(BusinessError, match="大小限制"):
        list(read_rows(b"x" * 2048, TEMPLATE, max_rows=3, max_bytes=1024 * 1024 // 1024))


def test_zip_bomb_is_refused_before_parsing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (250 * 1024 * 1024))
    with pytest.raises(BusinessError, match="异常庞大"):
        list(read_rows(buffer.getvalue(), TEMPLATE, **LIMITS))


def test_export_cells_never_become_formulas():
    wb = load_workbook(io.BytesIO(write_rows("报错", ["姓名", "错误原因"], [["=HYPERLINK(\"x\")", "+1"]])))
    row = list(wb.active.iter_rows(min_row=2))[0]
    assert [c.data_type for c in row] == ["s", "s"]
    assert [c.value for c in row] == ["'=HYPERLINK(\"x\")", "'+1"]  # escaped, as the spec asks


def test_normalize_text():
    assert normalize_text("\u3000ＡＢ１２３\u3000") == "AB123"


def test_voucher_pdf_and_code():
    code = voucher_code("k" * 32, "opening", "KH202611270001", "610100000001")
    assert check_voucher_code("k" * 32, "opening", "KH202611270001", "610100000001", code.lower())
    assert not check_voucher_code("k" * 32, "opening", "KH202611270002", "610100000001", code)
    pdf = render_voucher(Voucher("陕西省住房资金管理中心", "个人开户", "KH202611270001", "2026-11-27",
                                 "测试单位", "610100000001", code, ["序号", "姓名"],
                                 [[str(i), f"职工{i}"] for i in range(120)], [("合计人数", "120")]))
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 2


def test_voucher_text_is_never_markup():
    long_cell = "<b>职工</b>" + "长" * 30  # long enough to wrap as a paragraph
    pdf = render_voucher(Voucher("中心", "个人开户", "KH1", "2026-11-27", 'A<B&C公司<img src="/etc/hostname"/>',
                                 "610100000001", "CODE", ["姓名<"], [[long_cell]], [("合计<", "1&2")]))
    text = text_of(pdf)
    assert 'A<B&C公司<img src="/etc/hostname"/>' in text
    assert "姓名<" in text and "<b>职工</b>" in text and "合计<：1&2" in text


def test_vouchers_embed_the_configured_truetype_font():
    from shared.config import load_config
    from shared.pdf import centre_voucher
    config = load_config()
    if not os.path.exists(config["VOUCHERS"]["font"]):
        assert not os.environ.get("CI"), "CI installs the voucher font (.ci/run)"
        pytest.skip("the voucher font is not installed here")
    _, pdf = centre_voucher(config, "opening", business_type="个人开户", number="KH1", business_date="2026-11-27",
                            employer_name="测试单位", unit_account="610100000001", columns=["姓名"], rows=[["张三"]])
    assert b"/FontFile2" in pdf  # the glyphs travel with the file
    assert b"STSong-Light" not in pdf


def test_a_missing_voucher_font_falls_back_to_the_built_in_one():
    from shared.pdf import FALLBACK_FONT, voucher_font
    assert voucher_font("/nonexistent/font.ttc") == FALLBACK_FONT
