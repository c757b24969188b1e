"""The 补缴 pages in the browser: 补缴核定 (F13.1) with its roster, 补缴查询 (F13.3), 补缴 in 缴存办理
(F14.1) and the member's 个人明细账 (F4.1) once the centre's bank receipt posts it; the month
supplemented is one already posted by a remittance (so it is not after 缴至月份)."""
import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import expect

from shared.clock import centre_today
from shared.months import add_months, month_of
from tests.browser.test_portal_money import centre, label, money, open_members, status_of, wait_final
from tests.waiting import wait_for


def remit_and_post(system, api, unit, month):
    """The month's remittance verified, submitted and paid by the bank: 缴至月份 becomes `month`."""
    saved = api.post("/api/v1/remittances", json={"month": month})
    assert saved.status_code == 201, saved.text
    number = saved.json()["verification_no"]
    assert api.post(f"/api/v1/remittances/{number}/submit").status_code == 202
    wait_for(lambda: status_of(api, number) == "awaiting", timeout=30, interval=0.2)
    receipt = centre(system, "bank-receipt", "--unit-account", unit, "--amount", saved.json()["amount"],
                     "--bank-ref", f"R{unit}", "--reference", number)
    assert receipt["result"] == "posted", receipt
    wait_for(lambda: status_of(api, number) == "posted", timeout=60, interval=0.2)


def supplementary(api, number):
    return next((v for v in api.get("/api/v1/supplementaries").json() if v["verification_no"] == number), None)


def test_f13_1_a_supplementary_roster_from_the_page_to_the_member_ledger(hall, clerk, system):
    api, _, unit = clerk("浏览器补缴有限公司")
    page = hall.page
    open_members(api, [("补缴甲", "5000.00"), ("补缴乙", "6000.00")])
    month = month_of(centre_today(system.config))
    remit_and_post(system, api, unit, month)
    [member] = api.get("/api/v1/members", params={"name": "补缴甲"}).json()

    hall.menu("缴存业务", "补缴核定", "补缴核定")
    page.wait_for_url(re.compile(r"/supplementaries$"))
    form = page.locator(".supplementary-form")
    expect(form.locator(".supplementary-range")).to_contain_text(f"至 {label(month)}（缴至月份）")
    expect(form.locator(".supplementary-month input")).to_have_value(label(month))  # the latest month offered
    form.locator("input[name=finder]").fill("补缴甲")
    form.get_by_role("button", name="查询职工").click()
    expect(form.locator(".picked-member")).to_contain_text(member["account_no"])  # the one match is picked

    # over the month's cap: the API's refusal, in its own words, and nothing on the roster
    form.locator("input[name=amount]").fill("99999")
    form.locator("input[name=reason]").fill("漏缴")
    refused = api.post("/api/v1/supplementaries/drafts", json={"account_no": member["account_no"], "month": month,
                                                                "amount": "99999.00", "reason": "漏缴"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "OVER_MONTHLY_CAP", refused.text
    form.get_by_role("button", name="添加到清册").click()
    expect(page.locator(".roster-form .form-error")).to_contain_text(refused.json()["error"]["message"])
    expect(page.locator(".roster-list")).to_contain_text("待补缴清册（共 0 条")
    hall.shot("over-cap")

    form.locator("input[name=amount]").fill("300")
    form.get_by_role("button", name="添加到清册").click()
    rows = page.locator(".roster-rows tbody tr")
    expect(rows).to_have_count(1)
    [draft] = api.get("/api/v1/supplementaries/drafts").json()["items"]
    assert Decimal(draft["employer_part"]) + Decimal(draft["employee_part"]) == Decimal("300.00"), draft
    for text in (member["account_no"], "补缴甲", label(month), "300.00", money(draft["employer_part"]),
                 money(draft["employee_part"]), "漏缴"):
        expect(rows.first).to_contain_text(text)
    expect(page.locator(".roster-amount")).to_have_text("300.00")
    hall.shot("added")

    rows.first.get_by_role("button", name="修改").click()
    edit = page.locator(".roster-edit")
    expect(page.locator(".roster-form")).to_contain_text("修改第 1 条记录（补缴甲）")
    edit.locator("input[name=amount]").fill("360")
    edit.get_by_role("button", name="保存修改").click()
    expect(rows.first).to_contain_text("360.00")
    [draft] = api.get("/api/v1/supplementaries/drafts").json()["items"]
    assert (draft["amount"], Decimal(draft["employer_part"]) + Decimal(draft["employee_part"])) == ("360.00", Decimal("360.00"))
    expect(rows.first).to_contain_text(money(draft["employer_part"]))
    expect(page.locator(".roster-amount")).to_have_text("360.00")
    expect(page.locator(".supplementary-form")).to_be_visible()  # back to adding

    page.locator(".roster-list").get_by_role("button", name="全部提交").click()
    dialog = page.locator(".el-message-box")
    expect(dialog).to_contain_text("合计 360.00 元")
    dialog.get_by_role("button", name="提交").click()
    result = page.locator(".roster-task .supplementary-result")
    wait_final(page, ".roster-task")
    number = result.locator(".reference").inner_text().strip()
    verification = supplementary(api, number)
    assert verification and verification["kind"] == "02" and verification["amount"] == "360.00", verification
    expect(result.locator(".verification-no")).to_have_text(number)
    expect(result).to_contain_text("请按补缴书向中心收款账户转账，并在转账附言中填写核定号")
    expect(result.locator(".amount")).to_have_text("360.00")
    expect(result.locator(".status")).to_have_text("待缴款")
    expect(page.locator(".roster-list")).to_contain_text("待补缴清册（共 0 条")
    with page.expect_download() as voucher:
        result.get_by_role("button", name="下载补缴书").click()
    assert voucher.value.suggested_filename.endswith(".pdf")
    hall.shot("submitted")

    result.get_by_role("button", name="去缴存办理").click()
    page.wait_for_url(re.compile(r"/payments\?kind=supplementary$"))
    payments = page.locator(".payment-rows")
    expect(payments).to_contain_text(number)
    expect(payments).to_contain_text("补缴")
    expect(payments).to_contain_text("360.00")
    expect(payments).to_contain_text("待缴款")
    hall.shot("payments")

    hall.menu("缴存业务", "补缴核定", "补缴查询")
    history = page.locator(".supplementary-rows")
    expect(history).to_contain_text(number)
    expect(history).to_contain_text("待缴款")
    expect(history).to_contain_text("360.00")
    with page.expect_download() as voucher:
        history.get_by_role("button", name="下载补缴书").first.click()
    assert voucher.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as roster:
        history.get_by_role("button", name="下载清册").first.click()
    sheet = load_workbook(io.BytesIO(open(roster.value.path(), "rb").read())).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "补缴甲" in cells and "补缴乙" not in cells
    hall.shot("query")

    receipt = centre(system, "bank-receipt", "--unit-account", unit, "--amount", "360.00",
                     "--bank-ref", f"S{unit}", "--reference", number)
    assert receipt["result"] == "posted", receipt
    wait_for(lambda: supplementary(api, number)["status"] == "posted", timeout=60, interval=0.2)
    page.get_by_role("button", name="查询").click()
    expect(history.locator("tbody tr", has_text=number)).to_contain_text("已入账")
    history.get_by_role("button", name="详情").first.click()
    card = page.locator(".el-dialog .verification")
    expect(card).to_contain_text("已入账：补缴 360.00 元已记入单位及职工账户")
    page.keyboard.press("Escape")

    hall.menu("个人账户管理", "个人账户查询", "个人明细账查询")
    page.locator("input[name=member_query]").fill("补缴甲")
    page.get_by_role("button", name="查询").click()
    supplemented = page.locator(".member-ledger tbody tr", has_text=number)
    expect(supplemented).to_have_count(1)
    expect(supplemented).to_contain_text("补缴")
    expect(supplemented).to_contain_text(label(month))
    expect(supplemented).to_contain_text("360.00")
    expect(page.locator(".member-ledger tbody tr")).to_have_count(2)  # the month's remittance and its 补缴
    hall.shot("member-ledger")


def test_f13_2_the_template_with_good_and_refused_rows_then_delete_and_clear(hall, clerk, system, tmp_path):
    api, _, unit = clerk("浏览器批量补缴有限公司")
    page = hall.page
    open_members(api, [("批补甲", "5000.00"), ("批补乙", "6000.00")])
    month = month_of(centre_today(system.config))
    remit_and_post(system, api, unit, month)
    accounts = {name: api.get("/api/v1/members", params={"name": name}).json()[0]["account_no"] for name in ("批补甲", "批补乙")}
    workbook = load_workbook(io.BytesIO(api.get("/api/v1/supplementaries/template.xlsx").content))
    sheet = workbook.worksheets[0]
    rows = [[accounts["批补甲"], month, "200", "少缴"], [accounts["批补乙"], add_months(month, 1), "200", "少缴"],
            ["99999999999999", month, "200", "少缴"], [accounts["批补乙"], month, "150.5", "漏缴"]]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value)
    path = tmp_path / "批量补缴.xlsx"
    workbook.save(path)

    hall.menu("缴存业务", "补缴核定", "补缴核定")
    with page.expect_download() as template:
        page.get_by_role("button", name="下载模板").click()
    assert template.value.suggested_filename.endswith(".xlsx")
    page.locator(".roster-list input[type=file]").set_input_files(str(path))
    errors = page.locator(".import-errors")
    expect(errors).to_contain_text("本次导入 2 条")
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors.locator("tbody tr").nth(0)).to_contain_text("不能晚于缴至月份")  # the API's words for row 3
    expect(errors.locator("tbody tr").nth(0).locator("td").first).to_have_text("3")
    expect(errors.locator("tbody tr").nth(1).locator("td").first).to_have_text("4")
    with page.expect_download() as error_file:
        errors.get_by_role("button", name="下载报错文件").click()
    assert error_file.value.suggested_filename.endswith(".xlsx")
    roster = page.locator(".roster-rows tbody tr")
    expect(roster).to_have_count(2)
    expect(page.locator(".roster-amount")).to_have_text("350.50")
    hall.shot("import-errors")

    roster.filter(has_text="批补甲").get_by_role("button", name="删除").click()
    page.locator(".el-message-box").get_by_role("button", name="删除").click()
    expect(roster).to_have_count(1)
    expect(page.locator(".roster-amount")).to_have_text("150.50")
    page.locator(".roster-list").get_by_role("button", name="清空").click()
    page.locator(".el-message-box").get_by_role("button", name="清空").click()
    expect(page.locator(".roster-rows")).to_contain_text("清册中暂无记录")
    expect(page.locator(".roster-amount")).to_have_text("0.00")
    assert api.get("/api/v1/supplementaries/drafts").json()["total"] == 0
