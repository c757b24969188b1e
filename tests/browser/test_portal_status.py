"""The member status pages in the browser: 个人账户封存 and 启封 with 封存启封查询 (F9), 个人账户转入
with 转入查询 (F10) and 个人账户合并 with 合并查询 (F8). What happens at the second employer (its
members opened, paid and sealed) goes over the API, as that employer's own clerk would do it."""
import io
import json
import re
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import expect

from shared.clock import centre_today
from shared.months import month_of
from tests.browser.conftest import employer_with_password
from tests.e2e.helpers import hpf
from tests.factories import mobile, resident_id
from tests.waiting import wait_for


def wait_final(page, scope, status="succeeded"):
    progress = page.locator(f"{scope} .task-progress")
    expect(progress).to_have_attribute("data-status", status, timeout=60_000)
    bar = progress.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(bar).to_contain_text("100%")
    return progress


def money(value):
    return f"{Decimal(value):,.2f}"


def task_done(api, answer):
    assert answer.status_code == 202, answer.text
    task_id = answer.json()["task_id"]
    wait_for(lambda: api.get(f"/api/v1/tasks/{task_id}").json().get("status") in ("succeeded", "failed", "partial"),
             timeout=60, interval=0.2)
    task = api.get(f"/api/v1/tasks/{task_id}").json()
    assert task["status"] == "succeeded", task


def open_members(api, people):
    """Members opened in one batch: [(name, id_number)] → their account numbers, in that order."""
    for name, id_number in people:
        added = api.post("/api/v1/openings/drafts", json={"name": name, "id_number": id_number, "base": "5000.00",
                                                          "mobile": mobile()})
        assert added.status_code == 201, added.text
    task_done(api, api.post("/api/v1/openings/submit"))
    return [api.get("/api/v1/members", params={"id_number": id_number}).json()[0]["account_no"] for _, id_number in people]


def open_member(api, name, id_number, base="5000.00"):
    """One member opened by the hall's own path (roster → submit → task); his account number."""
    added = api.post("/api/v1/openings/drafts", json={"name": name, "id_number": id_number, "base": base, "mobile": mobile()})
    assert added.status_code == 201, added.text
    task_done(api, api.post("/api/v1/openings/submit"))
    [member] = [m for m in api.get("/api/v1/members", params={"id_number": id_number}).json() if m["status"] == "01"]
    return member["account_no"]


def seal_over_api(api, account_no):
    added = api.post("/api/v1/seals/drafts", json={"account_no": account_no, "reason": "离职"})
    assert added.status_code == 201, added.text
    task_done(api, api.post("/api/v1/seals/submit", json={}))


def remit_this_month(system, api, unit):
    """This month's remittance saved, submitted and paid in full at the centre's bank: balances > 0."""
    saved = api.post("/api/v1/remittances", json={"month": month_of(centre_today(system.config))})
    assert saved.status_code == 201, saved.text
    number, total = saved.json()["verification_no"], saved.json()["amount"]
    assert api.post(f"/api/v1/remittances/{number}/submit").status_code == 202
    wait_for(lambda: api.get(f"/api/v1/remittances/{number}").json()["status"] == "awaiting", timeout=60, interval=0.2)
    receipt = hpf(system, "centre", "bank-receipt", "--unit-account", unit, "--amount", total,
                  "--bank-ref", f"B{unit}", "--reference", number, "--json")
    assert receipt.returncode == 0, receipt.stderr
    assert json.loads(receipt.stdout)["result"] == "posted", receipt.stdout
    wait_for(lambda: api.get(f"/api/v1/remittances/{number}").json()["status"] == "posted", timeout=60, interval=0.2)


def choose(page, scope, option, select=".reason-select"):
    """An Element Plus select inside `scope`: open it, click the option."""
    page.locator(f"{scope} {select}").click()
    page.locator(".el-select-dropdown:visible .el-select-dropdown__item", has_text=option).click()


def find_member(page, scope, text, by="个人姓名"):
    """The member search of a page (姓名, 证件号码 or 个人账号); answers its result table."""
    if by != "个人姓名":
        choose(page, scope, by, select=".finder-by")
    page.locator(f"{scope} input[name=finder]").fill(text)
    page.locator(scope).get_by_role("button", name="查询职工").click()
    return page.locator(f"{scope} .finder-rows")


def test_f9_seal_from_the_page_see_it_queried_and_its_unseal_refused_this_month(hall, clerk):
    api, _, _ = clerk("浏览器封存有限公司")
    page = hall.page
    person = resident_id()
    account = open_member(api, "封浏览", person)

    hall.menu("变更业务", "个人账户封存启封", "个人账户封存")
    page.wait_for_url(re.compile(r"/seals$"))
    found = find_member(page, ".roster-form", "封浏览")
    expect(found).to_contain_text(account)
    expect(found).to_contain_text("正常")
    expect(page.locator(".picked-member")).to_contain_text(account)  # the one match is picked at once
    page.locator(".roster-form").get_by_role("button", name="添加到清册").click()
    expect(page.locator(".roster-form .form-error")).to_contain_text("请选择封存原因")
    choose(page, ".roster-form", "离职")
    page.locator(".roster-form").get_by_role("button", name="添加到清册").click()
    rows = page.locator(".roster-rows")
    expect(rows).to_contain_text(account)
    expect(rows).to_contain_text("离职")
    expect(page.locator(".roster-list")).to_contain_text("共 1 条")
    hall.shot("seal-roster")

    rows.locator("tbody tr", has_text=account).locator(".el-checkbox").click()
    page.get_by_role("button", name="提交所选").click()
    page.locator(".el-message-box").get_by_role("button", name="提交").click()
    wait_final(page, ".roster-task")
    expect(page.locator(".roster-task")).to_contain_text("共 1 条，已处理 1 条，失败 0 条")
    expect(page.locator(".roster-list")).to_contain_text("共 0 条")
    [member] = api.get("/api/v1/members", params={"id_number": person}).json()
    assert member["status"] == "02", member
    hall.shot("seal-done")

    page.locator(".roster-task").get_by_role("button", name="封存启封查询").click()
    page.wait_for_url(re.compile(r"/seals/query$"))
    records = page.locator(".status-records")
    [record] = api.get("/api/v1/seals", params={"name": "封浏览"}).json()
    row = records.locator("tbody tr", has_text=account)
    for text in ("封存", "封浏览", "离职", "正常 → 封存", record["changed_on"], record["clerk_name"], record["batch_id"]):
        expect(row).to_contain_text(text)
    hall.shot("seal-query")
    with page.expect_download() as voucher:
        row.get_by_role("button", name="下载凭证").click()
    assert voucher.value.suggested_filename.endswith(".pdf")

    # sealed here this month: the unseal page says what the API says, and adds nothing
    hall.menu("变更业务", "个人账户封存启封", "个人账户启封")
    page.wait_for_url(re.compile(r"/unseals$"))
    found = find_member(page, ".roster-form", account, by="个人账号")
    expect(found).to_contain_text("封存")
    expect(page.locator(".picked-member")).to_contain_text(account)
    choose(page, ".roster-form", "重新就业")
    page.locator(".roster-form input[name=base]").fill("6,000")
    page.locator(".roster-form").get_by_role("button", name="添加到清册").click()
    expect(page.locator(".roster-form .form-error")).to_contain_text("本月在本单位封存的账户当月不能在网上启封")
    expect(page.locator(".roster-list")).to_contain_text("共 0 条")
    hall.shot("unseal-refused")


def test_f10_f8_transfer_in_from_the_merge_prompt_unseal_with_a_new_base_and_merge(hall, clerk, system):
    other, _, other_unit = employer_with_password(system, "浏览器转出有限公司")
    mover, stayer = resident_id(), resident_id()
    moved_account = open_member(other, "转浏览", mover, base="8000.00")
    sealed_there = open_member(other, "启浏览", stayer, base="4000.00")
    remit_this_month(system, other, other_unit)
    balance = other.get(f"/api/v1/members/{moved_account}").json()["balance"]
    assert Decimal(balance) > 0
    seal_over_api(other, moved_account)
    seal_over_api(other, sealed_there)

    api, _, _ = clerk("浏览器转入有限公司")
    page = hall.page
    here = open_member(api, "转浏览", mover)  # the same person, a new account here

    # the merge page sends the clerk to transfer his sealed account in first, name and ID filled in
    hall.menu("个人账户管理", "个人账户合并", "个人账户合并")
    page.wait_for_url(re.compile(r"/merges$"))
    found = find_member(page, ".merge-choose", "转浏览")
    found.locator("tbody tr", has_text=here).get_by_role("button", name="设为转入账户").click()
    prompt = page.locator(".sealed-elsewhere")
    expect(prompt).to_contain_text("该职工在其他单位有封存账户，请先办理内部转移转入")
    expect(prompt).to_contain_text(moved_account)
    expect(page.get_by_role("button", name="合并", exact=True)).to_be_disabled()
    hall.shot("merge-prompt")
    prompt.get_by_role("button", name="办理内部转移转入").click()
    page.wait_for_url(re.compile(r"/transfers\?"))
    form = page.locator(".roster-form")
    expect(form.locator("input[name=name]")).to_have_value("转浏览")
    expect(form.locator("input[name=id_number]")).to_have_value(mover)
    choose(page, ".roster-form", "调入本单位")
    form.get_by_role("button", name="添加到清册").click()
    rows = page.locator(".roster-rows")
    expect(rows).to_contain_text(moved_account)
    expect(rows).to_contain_text(other_unit)
    # a second person typed in
    form.locator("input[name=name]").fill("启浏览")
    form.locator("input[name=id_number]").fill(stayer)
    choose(page, ".roster-form", "调入本单位")
    form.get_by_role("button", name="添加到清册").click()
    expect(rows).to_contain_text(sealed_there)
    expect(page.locator(".roster-list")).to_contain_text("共 2 条")
    hall.shot("transfer-roster")
    page.get_by_role("button", name="全部提交").click()
    page.locator(".el-message-box").get_by_role("button", name="提交").click()
    wait_final(page, ".roster-task")
    expect(page.locator(".roster-task")).to_contain_text("共 2 条，已处理 2 条，失败 0 条")

    page.locator(".roster-task").get_by_role("button", name="转入查询").click()
    page.wait_for_url(re.compile(r"/transfers/query$"))
    moved = page.locator(".status-records tbody tr", has_text=moved_account)
    for text in ("转浏览", other_unit, "调入本单位", money(balance)):
        expect(moved).to_contain_text(text)
    expect(page.locator(".status-records tbody tr", has_text=sealed_there)).to_contain_text("启浏览")
    hall.shot("transfer-query")
    with page.expect_download() as voucher:
        moved.get_by_role("button", name="下载凭证").click()
    assert voucher.value.suggested_filename.endswith(".pdf")

    # sealed at the other employer, so this one may unseal it now, with a new base
    hall.menu("变更业务", "个人账户封存启封", "个人账户启封")
    find_member(page, ".roster-form", stayer, by="证件号码")
    expect(page.locator(".picked-member")).to_contain_text(sealed_there)
    choose(page, ".roster-form", "重新就业")
    page.locator(".roster-form input[name=base]").fill("6,500")
    page.locator(".roster-form").get_by_role("button", name="添加到清册").click()
    expect(page.locator(".roster-rows")).to_contain_text("6,500.00")
    page.get_by_role("button", name="全部提交").click()
    page.locator(".el-message-box").get_by_role("button", name="提交").click()
    wait_final(page, ".roster-task")
    unsealed = api.get(f"/api/v1/members/{sealed_there}").json()
    assert (unsealed["status"], unsealed["base"]) == ("01", "6500.00"), unsealed
    page.locator(".roster-task").get_by_role("button", name="封存启封查询").click()
    row = page.locator(".status-records tbody tr", has_text=sealed_there)
    for text in ("启封", "封存 → 正常", "6,500.00"):
        expect(row).to_contain_text(text)
    hall.shot("unseal-query")

    # now the two accounts of one person here merge: the balance moves
    hall.menu("个人账户管理", "个人账户合并", "个人账户合并")
    found = find_member(page, ".merge-choose", mover, by="证件号码")
    found.locator("tbody tr", has_text=moved_account).get_by_role("button", name="设为转出账户").click()
    found.locator("tbody tr", has_text=here).get_by_role("button", name="设为转入账户").click()
    expect(page.locator(".merge-from")).to_contain_text(money(balance))
    expect(page.locator(".merge-to")).to_contain_text(here)
    expect(page.get_by_role("button", name="合并", exact=True)).to_be_enabled()  # checked: nothing sealed elsewhere now
    expect(page.locator(".sealed-elsewhere")).to_have_count(0)
    page.get_by_role("button", name="合并", exact=True).click()
    page.locator(".el-message-box").get_by_role("button", name="确定合并").click()
    result = page.locator(".merge-result")
    expect(result).to_contain_text("合并成功")
    expect(result.locator(".merge-amount")).to_have_text(f"{money(balance)} 元")
    expect(result).to_contain_text(moved_account)
    expect(result).to_contain_text(here)
    hall.shot("merge-result")
    with page.expect_download() as voucher:
        result.get_by_role("button", name="下载凭证").click()
    assert voucher.value.suggested_filename.endswith(".pdf")
    assert api.get(f"/api/v1/members/{here}").json()["balance"] == balance
    assert api.get(f"/api/v1/members/{moved_account}").json()["status"] == "03"  # 合并销户

    result.get_by_role("button", name="合并查询").click()
    page.wait_for_url(re.compile(r"/merges/query"))
    [merge] = api.get("/api/v1/merges", params={"to_account": here}).json()
    merged = page.locator(".merge-records tbody tr", has_text=merge["merge_no"])
    expect(merged).to_contain_text(money(balance))
    expect(merged).to_contain_text(moved_account)
    with page.expect_download() as voucher:
        merged.get_by_role("button", name="下载凭证").click()
    assert voucher.value.suggested_filename.endswith(".pdf")


def test_f9_2_f10_1_batch_seal_with_row_errors_and_a_transfer_choosing_among_sealed_accounts(hall, clerk, system, tmp_path):
    # one person sealed at two other employers: the transfer asks which account comes over
    person = resident_id()
    sealed = []
    for name in ("浏览器原单位甲有限公司", "浏览器原单位乙有限公司"):
        other, _, other_unit = employer_with_password(system, name)
        account = open_member(other, "选浏览", person)
        seal_over_api(other, account)
        sealed.append((account, other_unit))

    api, _, _ = clerk("浏览器批量封存有限公司")
    page = hall.page
    first, second = open_members(api, [("批封甲", resident_id()), ("批封乙", resident_id())])

    hall.menu("变更业务", "个人账户封存启封", "个人账户封存")
    with page.expect_download() as template:
        page.get_by_role("button", name="下载模板").click()
    assert template.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(open(template.value.path(), "rb").read()))
    sheet = workbook.worksheets[0]
    rows = [[first, "批封甲", "离职"], [second, "批封乙", "不想缴了"], ["61019999999999", "无此人", "离职"]]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value)
    path = tmp_path / "批量封存.xlsx"
    workbook.save(path)
    page.locator(".roster-list input[type=file]").set_input_files(str(path))
    errors = page.locator(".import-errors")
    expect(errors).to_contain_text("本次导入 1 条")
    expect(errors.locator("tbody tr")).to_have_count(2)
    bad_reason, unknown = errors.locator("tbody tr").nth(0), errors.locator("tbody tr").nth(1)
    expect(bad_reason.locator("td").first).to_have_text("3")
    expect(bad_reason).to_contain_text("原因须为以下之一")
    expect(unknown.locator("td").first).to_have_text("4")
    expect(unknown).to_contain_text("个人账号")
    with page.expect_download() as error_file:
        errors.get_by_role("button", name="下载报错文件").click()
    assert error_file.value.suggested_filename.endswith(".xlsx")
    expect(page.locator(".roster-rows tbody tr")).to_have_count(1)
    expect(page.locator(".roster-rows")).to_contain_text(first)
    hall.shot("seal-import-errors")
    page.get_by_role("button", name="全部提交").click()
    page.locator(".el-message-box").get_by_role("button", name="提交").click()
    wait_final(page, ".roster-task")
    assert api.get(f"/api/v1/members/{first}").json()["status"] == "02"
    assert api.get(f"/api/v1/members/{second}").json()["status"] == "01"

    hall.menu("变更业务", "内部转移", "个人账户转入")
    form = page.locator(".roster-form")
    form.locator("input[name=name]").fill("选浏览")
    form.locator("input[name=id_number]").fill(person)
    choose(page, ".roster-form", "调入本单位")
    form.get_by_role("button", name="添加到清册").click()
    expect(form.locator(".form-error")).to_contain_text("请选择要转入的个人账号")
    choices = form.locator(".transfer-candidates .el-radio")
    expect(choices).to_have_count(2)
    hall.shot("transfer-choice")
    (account, unit) = sealed[1]
    choices.filter(has_text=account).click()
    form.get_by_role("button", name="添加到清册").click()
    row = page.locator(".roster-rows tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(account)
    expect(row).to_contain_text(unit)
    page.get_by_role("button", name="全部提交").click()
    page.locator(".el-message-box").get_by_role("button", name="提交").click()
    wait_final(page, ".roster-task")
    assert [m["account_no"] for m in api.get("/api/v1/members", params={"id_number": person}).json()] == [account]
