"""The money pages in the browser: 汇缴核定 and 汇缴查询 (F12.1, F12.2), 缴存办理 (F14.1), 单位明细
(F7.2), 汇补缴不符暂存款 (F7.3), 个人明细账 and member info (F4.1, F4.2), 缴存统计 on the home page
(F2.1); the centre's bank receipts come from `hpf centre bank-receipt`, as its bank would send them."""
import io
import json
import re
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import expect

from shared.clock import centre_today
from shared.months import month_of
from tests.e2e.helpers import hpf
from tests.factories import mobile, resident_id
from tests.waiting import wait_for


def label(month):
    return f"{month[:4]}年{month[4:]}月"


def centre(system, *args):
    result = hpf(system, "centre", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def open_members(api, people):
    """Members opened by the hall's own path (pending roster → submit → task), over the API."""
    for name, base in people:
        added = api.post("/api/v1/openings/drafts", json={"name": name, "id_number": resident_id(), "base": base,
                                                          "mobile": mobile()})
        assert added.status_code == 201, added.text
    task_id = api.post("/api/v1/openings/submit").json()["task_id"]
    wait_for(lambda: api.get(f"/api/v1/tasks/{task_id}").json().get("status") == "succeeded", timeout=60, interval=0.2)


def status_of(api, number):
    return api.get(f"/api/v1/remittances/{number}").json()["status"]


def wait_final(page, scope, status="succeeded"):
    progress = page.locator(f"{scope} .task-progress")
    expect(progress).to_have_attribute("data-status", status, timeout=60_000)
    bar = progress.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(bar).to_contain_text("100%")
    return progress


def money(value):
    return f"{Decimal(value):,.2f}"


def test_f12_1_a_whole_month_from_verification_to_the_ledgers_and_home(hall, clerk, system):
    api, _, unit = clerk("浏览器汇缴有限公司")
    page = hall.page
    open_members(api, [("汇缴甲", "5000.00"), ("汇缴乙", "6500.00")])
    month = month_of(centre_today(system.config))

    hall.menu("缴存业务", "汇缴核定", "汇缴核定")
    page.wait_for_url(re.compile(r"/remittances$"))
    form = page.locator(".remittance-form")
    expect(form.locator("input").first).to_have_value(label(month))  # the month due: the first one
    expect(form).to_contain_text("尚未汇缴")
    form.get_by_role("button", name="保存").click()
    card = page.locator(".remittance-card")
    expect(card).to_contain_text("已保存")
    [saved] = api.get("/api/v1/remittances").json()
    number = saved["verification_no"]
    employer_part, employee_part, total = (Decimal(saved[k]) for k in ("employer_amount", "employee_amount", "amount"))
    assert (saved["headcount"], employer_part + employee_part) == (2, total) and total > 0
    for text in (number, label(month), "2 人", money(employer_part), money(employee_part), money(total),
                 f"首次汇缴：增加2人，金额增加{money(total)}元"):
        expect(card).to_contain_text(text)
    hall.shot("saved")

    card.get_by_role("button", name="提交").click()
    page.locator(".el-message-box").get_by_role("button", name="提交").click()
    wait_final(page, ".remittance-task")
    expect(card).to_contain_text("待缴款")
    expect(card.locator(".payment-reference .reference")).to_have_text(number)
    expect(card.locator(".payment-reference")).to_contain_text(money(total))
    hall.shot("awaiting-payment")
    with page.expect_download() as voucher:
        card.get_by_role("button", name="下载汇缴书").click()
    assert voucher.value.suggested_filename.endswith(".pdf")

    receipt = centre(system, "bank-receipt", "--unit-account", unit, "--amount", f"{total:.2f}",
                     "--bank-ref", f"B{unit}", "--reference", number)
    assert receipt["result"] == "posted", receipt
    wait_for(lambda: status_of(api, number) == "posted", timeout=60, interval=0.2)
    card.get_by_role("button", name="刷新").click()
    expect(card.locator(".status")).to_have_text("已入账")
    expect(page.locator(".remittance-form")).to_contain_text(label(month))  # 缴至月份
    hall.shot("posted")

    hall.menu("缴存业务", "汇缴核定", "汇缴查询")
    rows = page.locator(".remittance-rows")
    expect(rows).to_contain_text(number)
    expect(rows).to_contain_text("已入账")
    expect(rows).to_contain_text(money(total))
    with page.expect_download() as roster:
        rows.get_by_role("button", name="下载清册").first.click()
    sheet = load_workbook(io.BytesIO(open(roster.value.path(), "rb").read())).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "汇缴甲" in cells and "汇缴乙" in cells
    assert roster.value.suggested_filename.endswith(".xlsx")
    hall.shot("query")

    hall.menu("单位账户管理", "单位账户查询", "单位明细查询")
    ledger = page.locator(".ledger-rows")
    expect(ledger).to_contain_text(f"{label(month)}汇缴入账")
    expect(ledger).to_contain_text(number)
    expect(ledger.locator("tbody tr")).to_have_count(1)
    expect(ledger.locator("tbody tr").first).to_contain_text(money(total))
    hall.shot("employer-ledger")

    hall.menu("个人账户管理", "个人账户查询", "个人明细账查询")
    page.locator("input[name=member_query]").fill("汇缴甲")
    page.get_by_role("button", name="查询").click()
    [member] = api.get("/api/v1/members", params={"name": "汇缴甲"}).json()
    [row] = api.get(f"/api/v1/members/{member['account_no']}/ledger").json()
    first_share = Decimal(row["amount"])
    assert first_share > 0 and row["balance"] == row["amount"]
    summary = page.locator(".member-summary")
    expect(summary.locator(".member-balance")).to_have_text(money(first_share))
    expect(summary).to_contain_text(label(month))  # 缴至月份
    member_rows = page.locator(".member-ledger tbody tr")
    expect(member_rows).to_have_count(1)
    expect(member_rows.first).to_contain_text(label(month))
    expect(member_rows.first).to_contain_text(number)
    expect(member_rows.first).to_contain_text(money(first_share))
    hall.shot("member-ledger")

    hall.menu("个人账户管理", "个人账户查询", "个人账户信息查询")  # F4.2 shows the balance and 缴至月份 too
    page.wait_for_url(re.compile(r"/members$"))  # not the ledger page's field of the same name, still there
    expect(page.locator(".member-rows")).to_be_visible()
    page.locator("input[name=member_query]").fill("汇缴甲")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".member-rows")).to_contain_text(money(first_share))
    expect(page.locator(".member-rows")).to_contain_text(label(month))

    hall.menu("首页")
    stats = page.locator(".stats-card")
    expect(stats.locator(".paid-up-to")).to_contain_text(label(month))
    expect(stats.locator(".monthly-latest")).to_have_text(f"{label(month)}：{money(total)} 元")
    expect(stats.locator(".monthly-chart canvas")).to_be_visible()


def test_f7_3_a_short_receipt_waits_in_suspense_with_the_prompt_to_contact_the_centre(hall, clerk, system):
    api, _, unit = clerk("浏览器暂存款有限公司")
    page = hall.page
    open_members(api, [("同名职工", "5000.00"), ("同名职工", "5000.00")])
    month = month_of(centre_today(system.config))
    saved = api.post("/api/v1/remittances", json={"month": month}).json()
    number = saved["verification_no"]
    assert api.post(f"/api/v1/remittances/{number}/submit").status_code == 202
    wait_for(lambda: status_of(api, number) == "awaiting", timeout=30, interval=0.2)
    short = Decimal(saved["amount"]) - Decimal("100.00")
    receipt = centre(system, "bank-receipt", "--unit-account", unit, "--amount", f"{short:.2f}",
                     "--bank-ref", f"S{unit}", "--reference", number)
    assert receipt["result"] == "suspense", receipt

    hall.menu("单位账户管理", "单位账户查询", "汇补缴不符暂存款查询")
    page.wait_for_url(re.compile(r"/employer/suspense$"))
    expect(page.locator(".suspense-prompt")).to_contain_text("请联系中心")
    expect(page.locator(".suspense-prompt")).to_contain_text(f"{short:.2f}元到账资金尚未入账")  # the API's words
    items = page.locator(".suspense-rows")
    expect(items).to_contain_text("金额不足")
    expect(items).to_contain_text("暂存中")
    expect(items).to_contain_text(money(short))
    expect(page.locator(".suspense-totals")).to_contain_text(money(short))
    hall.shot("suspense")

    hall.menu("单位账户管理", "单位账户查询", "单位明细查询")  # the suspense entry in the employer ledger
    ledger = page.locator(".ledger-rows")
    expect(ledger).to_contain_text("汇补缴不符暂存")
    expect(ledger).to_contain_text("暂存款")
    page.locator(".ledger-type").click()
    page.locator(".el-select-dropdown__item", has_text=re.compile("^汇缴$")).click()
    page.get_by_role("button", name="查询").click()
    expect(ledger).to_contain_text("所选期间没有资金变动")  # by business type: no 汇缴 posted yet

    hall.menu("缴存业务", "缴存办理")  # still unpaid
    expect(page.locator(".payment-rows")).to_contain_text(number)
    hall.menu("缴存业务", "汇缴核定", "汇缴核定")  # the open verification is shown as the page opens
    expect(page.locator(".remittance-card .payment-reference .reference")).to_have_text(number)

    # F4.1: a name that matches two members: pick one
    hall.menu("个人账户管理", "个人账户查询", "个人明细账查询")
    page.locator("input[name=member_query]").fill("同名职工")
    page.get_by_role("button", name="查询").click()
    choices = page.locator(".member-choices tbody tr")
    expect(choices).to_have_count(2)
    second = choices.nth(1)
    account_no = second.locator("td").first.inner_text().strip()
    second.get_by_role("button", name="查看明细").click()
    expect(page.locator(".member-summary")).to_contain_text(account_no)
    expect(page.locator(".member-summary .member-balance")).to_have_text("0.00")
    expect(page.locator(".member-ledger")).to_contain_text("所选期间没有资金变动")
    hall.shot("same-name")


def test_f14_1_a_saved_verification_discarded_and_a_submitted_one_cancelled(hall, clerk, system):
    api, _, unit = clerk("浏览器取消核定有限公司")
    page = hall.page
    open_members(api, [("撤销甲", "5000.00")])
    month = month_of(centre_today(system.config))

    hall.menu("缴存业务", "汇缴核定", "汇缴核定")
    form = page.locator(".remittance-form")
    form.get_by_role("button", name="保存").click()
    card = page.locator(".remittance-card")
    expect(card.locator(".status")).to_have_text("已保存")
    [discarded] = api.get("/api/v1/remittances").json()
    card.get_by_role("button", name="作废").click()
    page.locator(".el-message-box").get_by_role("button", name="作废").click()
    expect(card.locator(".status")).to_have_text("已作废")
    expect(card.get_by_role("button", name="提交")).to_have_count(0)
    hall.shot("discarded")

    form.get_by_role("button", name="保存").click()  # the month is free again
    expect(card.locator(".status")).to_have_text("已保存")
    card.get_by_role("button", name="提交").click()
    page.locator(".el-message-box").get_by_role("button", name="提交").click()
    wait_final(page, ".remittance-task")
    expect(card.locator(".status")).to_have_text("待缴款")
    submitted = next(v for v in api.get("/api/v1/remittances").json() if v["status"] == "awaiting")

    hall.menu("缴存业务", "缴存办理")
    page.wait_for_url(re.compile(r"/payments$"))
    rows = page.locator(".payment-rows")
    expect(rows).to_contain_text(submitted["verification_no"])
    expect(rows).to_contain_text(label(month))
    expect(rows).to_contain_text("待缴款")
    with page.expect_download() as voucher:
        rows.get_by_role("button", name="下载凭证").first.click()
    assert voucher.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as roster:
        rows.get_by_role("button", name="下载清册").first.click()
    assert roster.value.suggested_filename.endswith(".xlsx")
    hall.shot("unpaid")
    rows.get_by_role("button", name="取消核定").first.click()
    dialog = page.locator(".el-message-box")
    expect(dialog).to_contain_text(submitted["verification_no"])
    hall.shot("confirm-cancel")
    dialog.get_by_role("button", name="确定取消").click()
    expect(rows).to_contain_text("没有待缴款的核定")
    assert status_of(api, submitted["verification_no"]) == "cancelled"

    hall.menu("缴存业务", "汇缴核定", "汇缴查询")
    history = page.locator(".remittance-rows")
    expect(history.locator("tbody tr")).to_have_count(2)
    expect(history.locator("tbody tr", has_text=submitted["verification_no"])).to_contain_text("已撤销")
    expect(history.locator("tbody tr", has_text=discarded["verification_no"])).to_contain_text("已作废")
    hall.shot("history")
