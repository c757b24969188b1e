"""The annual base verification in the browser: 年度核定 (F11.1) from the pre-filled template to the
new bases and rates, refused until June of the HPF year is posted, and 年度核定查询 (F11.2) with its
roster and voucher. The employer first remits June of the year, so that year is the one it owes."""
import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import expect

from shared.clock import centre_today
from shared.months import hpf_year_of
from tests.browser.conftest import api_login
from tests.browser.test_portal_money import centre, label, money, open_members, wait_final
from tests.browser.test_portal_supplementary import remit_and_post
from tests.e2e.helpers import PASSWORD, Api
from tests.factories import credit_code, mobile, resident_id


def employer_from(system, hall, name, first_month):
    """A new employer first remitting `first_month`, its password changed, its clerk logged in in the
    browser: (api, unit)."""
    clerk = {"name": "孙经办", "id_number": resident_id(), "mobile": mobile()}
    out = centre(system, "register-employer", "--name", name, "--uscc", credit_code(), "--clerk-name", clerk["name"],
                 "--clerk-id", clerk["id_number"], "--clerk-mobile", clerk["mobile"], "--first-month", first_month)
    assert out["first_month"] == first_month, out
    data, unit = {"name": name, "clerks": [clerk]}, out["unit_account"]
    api = Api(system.base_url)
    first = api_login(system, api, data, unit, out["initial_password"])
    assert first.status_code == 200, first.text
    api.token = first.json()["token"]
    changed = api.post("/api/v1/auth/password", json={"old_password": out["initial_password"], "new_password": PASSWORD})
    assert changed.status_code == 204, changed.text
    second = api_login(system, api, data, unit, PASSWORD)
    api.token = second.json()["token"]
    hall.login(data, unit, PASSWORD)
    hall.page.wait_for_url(re.compile(r"/home$"))
    return api, unit


def the_year(system):
    return hpf_year_of(centre_today(system.config))


def test_f11_1_refused_until_june_is_posted(hall, system):
    year = the_year(system)
    api, _ = employer_from(system, hall, "浏览器年度核定未入账有限公司", f"{year}06")
    page = hall.page
    open_members(api, [("未核定甲", "5000.00")])

    hall.menu("变更业务", "年度核定", "年度核定")
    page.wait_for_url(re.compile(r"/annual$"))
    due = page.locator(".annual-due")
    expect(due.locator(".annual-year")).to_contain_text(f"{year}年度（{year}年7月至{year + 1}年6月）")
    expect(due.locator(".annual-status")).to_have_text("未办理")
    expect(due.locator(".annual-refusal")).to_contain_text(f"{year}年6月汇缴入账后方可办理{year}年度缴存基数核定")
    expect(due.locator(".annual-refusal")).to_contain_text("尚未汇缴")
    expect(due.locator(".annual-policy .base-cap")).to_have_text("27,000.00")  # the year's bounds, shown already
    rows = page.locator(".annual-rows")
    expect(rows.locator(".annual-upload button")).to_be_disabled()
    expect(rows.locator("input[type=file]")).to_be_disabled()
    expect(rows.get_by_role("button", name="下载模板")).to_be_disabled()
    expect(page.locator(".annual-submit")).to_have_count(0)  # nothing to submit
    refused = api.get(f"/api/v1/annual/{year}/template.xlsx")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "JUNE_NOT_POSTED", refused.text
    hall.shot("refused")


def test_f11_1_and_f11_2_template_review_rates_submit_then_query(hall, system, tmp_path):
    year = the_year(system)
    june, july = f"{year}06", f"{year}07"
    api, unit = employer_from(system, hall, "浏览器年度核定有限公司", june)
    page = hall.page
    people = [("核定甲", "5000.00"), ("核定乙", "6000.00"), ("核定丙", "7000.00"), ("核定丁", "4000.00")]
    open_members(api, people)
    accounts = {name: api.get("/api/v1/members", params={"name": name}).json()[0]["account_no"] for name, _ in people}
    remit_and_post(system, api, unit, june)
    # July waits for the year's verification
    early = api.post("/api/v1/remittances", json={"month": july})
    assert early.status_code == 400 and early.json()["error"]["code"] == "ANNUAL_VERIFICATION_REQUIRED", early.text
    status = api.get("/api/v1/annual/due").json()
    assert (status["year"], status["can_start"], status["refusal"]) == (year, True, None), status

    hall.menu("变更业务", "年度核定", "年度核定")
    page.wait_for_url(re.compile(r"/annual$"))
    due = page.locator(".annual-due")
    expect(due.locator(".annual-year")).to_contain_text(f"{year}年度")
    expect(due.locator(".annual-status")).to_have_text("未办理")
    expect(due.locator(".annual-refusal")).to_have_count(0)
    expect(due.locator(".base-floor")).to_have_text(money(status["base_floor"]))
    expect(due.locator(".base-cap")).to_have_text(money(status["base_cap"]))
    expect(due.locator(".rate-range")).to_have_text("5% 至 12%")
    note = "未列入的职工保留原缴存基数" if status["keeps_unlisted"] else "须列入全部职工"
    expect(due.locator(".annual-policy")).to_contain_text(note)
    expect(page.locator("input[name=employer_rate]")).to_have_value("12")  # the rates in force, as percents
    expect(page.locator("input[name=employee_rate]")).to_have_value("12")
    hall.shot("due")

    # the template lists the June members with their bases; 丁 is left out, 乙 goes over the cap
    rows = page.locator(".annual-rows")
    with page.expect_download() as template:
        rows.get_by_role("button", name="下载模板").click()
    assert template.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(open(template.value.path(), "rb").read()))
    sheet = book["年度核定清册"]
    listed = {row[0].value: row for row in sheet.iter_rows(min_row=2) if row[0].value}
    assert set(listed) == set(accounts.values()), listed
    for name, base in people:
        row = listed[accounts[name]]
        assert (row[1].value, Decimal(str(row[3].value))) == (name, Decimal(base))
    over = str(Decimal(status["base_cap"]) + Decimal("0.01"))
    listed[accounts["核定甲"]][4].value = "8000"
    listed[accounts["核定乙"]][4].value = over
    listed[accounts["核定丙"]][4].value = "7500"
    over_row = listed[accounts["核定乙"]][0].row
    sheet.delete_rows(listed[accounts["核定丁"]][0].row)
    if over_row > listed[accounts["核定丁"]][0].row:
        over_row -= 1
    path = tmp_path / "年度核定清册.xlsx"
    book.save(path)

    # uploaded, cleared (清空清册) and uploaded again: the second upload is the list
    table = page.locator(".annual-table tbody tr")
    counts = page.locator(".annual-counts")
    rows.locator("input[type=file]").set_input_files(str(path))
    expect(table).to_have_count(2)
    rows.get_by_role("button", name="清空清册").click()
    page.locator(".el-message-box").get_by_role("button", name="清空").click()
    expect(page.locator(".annual-table")).to_contain_text("清册中暂无记录")
    expect(counts.locator(".count-unlisted")).to_have_text("4")
    assert api.get(f"/api/v1/annual/{year}/rows").json()["total"] == 0
    rows.locator("input[type=file]").set_input_files(str(path))
    errors = page.locator(".import-errors")
    expect(errors).to_contain_text("本次导入 2 条")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr").first.locator("td").first).to_have_text(str(over_row))
    expect(errors.locator("tbody tr").first).to_contain_text(f"新缴存基数须在{year}年度上下限")
    with page.expect_download() as error_file:
        errors.get_by_role("button", name="下载报错文件").click()
    assert error_file.value.suggested_filename.endswith(".xlsx")
    expect(table).to_have_count(2)
    first = table.filter(has_text="核定甲")
    expect(first).to_contain_text(accounts["核定甲"])
    expect(first).to_contain_text("5,000.00")
    expect(first).to_contain_text("8,000.00")
    expect(table.filter(has_text="核定丙")).to_contain_text("7,500.00")
    expect(counts.locator(".count-total")).to_have_text("2")
    expect(counts.locator(".count-changed")).to_have_text("2")
    expect(counts.locator(".count-roster")).to_have_text("4")
    expect(counts.locator(".count-unlisted")).to_have_text("2")
    unlisted = page.locator(".annual-unlisted")
    for text in ("核定乙", accounts["核定乙"], "核定丁", "4,000.00", note):
        expect(unlisted).to_contain_text(text)
    expect(unlisted).not_to_contain_text("核定甲")
    hall.shot("review")

    # one row corrected: over the cap first (the API's words in the dialog), then a good base
    table.filter(has_text="核定丙").get_by_role("button", name="修改").click()
    dialog = page.locator(".annual-edit")
    expect(dialog).to_contain_text("核定丙")
    dialog.locator("input[name=new_base]").fill(over)
    dialog.get_by_role("button", name="保存修改").click()
    expect(dialog.locator(".edit-error")).to_contain_text(f"新缴存基数须在{year}年度上下限")
    dialog.locator("input[name=new_base]").fill("7600")
    dialog.get_by_role("button", name="保存修改").click()
    expect(dialog).to_be_hidden()
    expect(table.filter(has_text="核定丙")).to_contain_text("7,600.00")
    drafts = {d["account_no"]: d["new_base"] for d in api.get(f"/api/v1/annual/{year}/rows").json()["items"]}
    assert drafts == {accounts["核定甲"]: "8000.00", accounts["核定丙"]: "7600.00"}, drafts

    # a rate out of the year's range is refused on the page; 10% is taken, the employee's stays
    page.locator("input[name=employer_rate]").fill("13")
    page.get_by_role("button", name="提交核定").click()
    expect(page.locator(".annual-submit")).to_contain_text("单位缴存比例须在5%至12%之间")
    expect(page.locator(".el-message-box")).to_have_count(0)
    page.locator("input[name=employer_rate]").fill("10")
    page.get_by_role("button", name="提交核定").click()
    box = page.locator(".el-message-box")
    expect(box).to_contain_text(f"确定提交{year}年度缴存基数核定吗？清册 2 人，其中基数变化 2 人")
    expect(box).to_contain_text("单位缴存比例调整为 10%")
    expect(box).not_to_contain_text("个人缴存比例调整")
    box.get_by_role("button", name="提交").click()
    wait_final(page, ".annual-task")
    result = page.locator(".annual-result")
    expect(result.locator(".result-status")).to_have_text("已核定")
    expect(result).to_contain_text(f"{year}年度缴存基数核定")
    expect(page.locator(".annual-last")).to_contain_text(f"{year}年度核定")
    expect(page.locator(".annual-last-status")).to_have_text("已核定")
    expect(page.locator(".annual-last")).to_contain_text("单位 10% / 个人 12%")
    [record] = api.get("/api/v1/annual").json()
    assert (record["year"], record["status"], record["headcount"], record["changed"]) == (year, "done", 4, 2), record
    expect(page.locator(".annual-no")).to_have_text(record["annual_no"])
    # the next year is the one owed now, once its June is posted
    expect(due.locator(".annual-year")).to_contain_text(f"{year + 1}年度")
    expect(due.locator(".annual-refusal")).to_contain_text(f"{year + 1}年6月汇缴入账后方可办理")
    hall.shot("done")

    bases = {name: api.get(f"/api/v1/members/{accounts[name]}").json()["base"] for name, _ in people}
    assert bases == {"核定甲": "8000.00", "核定乙": "6000.00", "核定丙": "7600.00", "核定丁": "4000.00"}, bases
    unit_info = api.get("/api/v1/employer").json()
    rates = (Decimal(unit_info["employer_rate"]), Decimal(unit_info["employee_rate"]))
    assert rates == (Decimal("0.10"), Decimal("0.12")), unit_info
    saved = api.post("/api/v1/remittances", json={"month": july})
    assert saved.status_code == 201, saved.text

    hall.menu("变更业务", "年度核定", "年度核定查询")
    page.wait_for_url(re.compile(r"/annual/query$"))
    history = page.locator(".annual-records")
    line = history.locator("tbody tr", has_text=record["annual_no"])
    expect(line).to_have_count(1)
    for text in (f"{year}年度", "已核定", "12% / 12%", "10% / 12%", label(july), record["business_date"]):
        expect(line).to_contain_text(text)
    with page.expect_download() as voucher:
        line.get_by_role("button", name="下载凭证").click()
    assert voucher.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as roster:
        line.get_by_role("button", name="下载清册").click()
    assert roster.value.suggested_filename.endswith(".xlsx")
    cells = [str(c.value) for row in load_workbook(io.BytesIO(open(roster.value.path(), "rb").read())).active.iter_rows()
             for c in row if c.value is not None]
    assert {"核定甲", "核定乙", "核定丙", "核定丁"} <= set(cells), cells
    hall.shot("query")
