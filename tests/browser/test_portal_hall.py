"""The hall's pages in the browser: openings (F3), member query (F4.2), employer change (F6),
consultations and the message centre (F17.1, F2.1), the menus."""
import io
import json
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.helpers import hpf
from tests.factories import mobile, resident_id


def wait_final(page, scope, status="succeeded"):
    progress = page.locator(f"{scope} .task-progress")
    expect(progress).to_have_attribute("data-status", status, timeout=60_000)
    bar = progress.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(bar).to_contain_text("100%")
    return progress


def test_f3_1_open_one_member_and_see_him_in_the_opening_query(hall, clerk):
    api, _, _ = clerk("浏览器开户有限公司")
    page = hall.page
    hall.menu("个人账户管理", "个人开户", "个人开户")
    page.wait_for_url(re.compile(r"/openings$"))
    form = page.locator(".roster-form")
    form.locator("input[name=name]").fill("周浏览")
    good_id = resident_id()
    form.locator("input[name=id_number]").fill(good_id[:17] + ("0" if good_id[17] != "0" else "1"))
    form.locator("input[name=base]").fill("5,000")
    expect(form.get_by_text("证件号码校验位错误，请核对")).to_be_visible()
    form.locator("input[name=id_number]").fill(good_id)
    form.locator("input[name=mobile]").fill("123")
    form.locator("input[name=name]").click()
    expect(form.get_by_text("手机号码须为11位有效号码")).to_be_visible()
    form.locator("input[name=mobile]").fill(mobile())
    form.get_by_role("button", name="添加到清册").click()
    rows = page.locator(".roster-rows")
    expect(rows).to_contain_text("周浏览")
    expect(rows).to_contain_text("5,000.00")
    hall.shot("roster")
    page.get_by_role("button", name="全部提交").click()
    page.locator(".el-message-box").get_by_role("button", name="提交").click()
    wait_final(page, ".roster-task")
    expect(page.locator(".roster-task")).to_contain_text("共 1 条，已处理 1 条，失败 0 条")
    expect(page.locator(".roster-list")).to_contain_text("共 0 条")

    page.locator(".roster-task").get_by_role("button", name="开户查询").click()
    page.wait_for_url(re.compile(r"/openings/query$"))
    batches = page.locator(".opening-batches")
    batch = api.get("/api/v1/openings").json()[0]
    expect(batches).to_contain_text(batch["batch_id"])
    hall.shot("opening-query")
    with page.expect_download() as download:
        batches.get_by_role("button", name="下载凭证").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert download.value.suggested_filename.startswith("开户清册凭证")

    hall.menu("个人账户管理", "个人账户查询", "个人账户信息查询")
    page.locator("input[name=member_query]").fill("周浏览")
    page.get_by_role("button", name="查询").click()
    members = page.locator(".member-rows")
    expect(members).to_contain_text("周浏览")
    expect(members).to_contain_text("5,000.00")
    [member] = api.get("/api/v1/members", params={"name": "周浏览"}).json()
    expect(members).to_contain_text(member["id_number"])  # as the API gives it (masked or not)
    expect(members).to_contain_text(member["account_no"])

    hall.menu("首页")  # 缴存统计 counts him
    expect(page.locator(".stats-card")).to_contain_text("共 1 人")
    expect(page.locator(".headcount-chart canvas")).to_be_visible()


def test_f3_2_upload_with_good_and_bad_rows_then_submit_to_100_percent(hall, clerk, tmp_path):
    api, _, _ = clerk("浏览器批量开户有限公司")
    page = hall.page
    workbook = load_workbook(io.BytesIO(api.get("/api/v1/openings/template.xlsx").content))
    sheet = workbook.worksheets[0]
    rows = [["吴一", resident_id(), "5000", mobile()], ["郑二", resident_id(), "6000.50", mobile()],
            ["王三", "123", "5000", mobile()], ["冯四", resident_id(), "abc", mobile()],
            ["陈五", resident_id(), "7000", mobile()]]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value)
    path = tmp_path / "批量开户.xlsx"
    workbook.save(path)

    hall.goto("/openings")
    with page.expect_download() as template:
        page.get_by_role("button", name="下载模板").click()
    assert template.value.suggested_filename.endswith(".xlsx")
    page.locator(".roster-list input[type=file]").set_input_files(str(path))
    errors = page.locator(".import-errors")
    expect(errors).to_contain_text("本次导入 3 条")
    expect(errors.locator("tbody tr")).to_have_count(2)
    first, second = errors.locator("tbody tr").nth(0), errors.locator("tbody tr").nth(1)
    expect(first).to_contain_text("4")
    expect(first).to_contain_text("证件号码")
    expect(second).to_contain_text("5")
    expect(second).to_contain_text("缴存基数")
    expect(page.locator(".roster-rows tbody tr")).to_have_count(3)
    expect(page.locator(".roster-rows")).to_contain_text("6,000.50")
    hall.shot("import-errors")

    # modify one row, delete another
    page.locator(".roster-rows tbody tr", has_text="陈五").get_by_role("button", name="修改").click()
    page.locator(".roster-form input[name=base]").fill("7200")
    page.get_by_role("button", name="保存修改").click()
    expect(page.locator(".roster-rows")).to_contain_text("7,200.00")
    page.locator(".roster-rows tbody tr", has_text="吴一").get_by_role("button", name="删除").click()
    page.locator(".el-message-box").get_by_role("button", name="删除").click()
    expect(page.locator(".roster-rows tbody tr")).to_have_count(2)

    page.get_by_role("button", name="全部提交").click()
    page.locator(".el-message-box").get_by_role("button", name="提交").click()
    wait_final(page, ".roster-task")
    expect(page.locator(".roster-task")).to_contain_text("共 2 条，已处理 2 条，失败 0 条")
    hall.shot("progress-100")
    page.get_by_role("button", name="查看交易详情").click()
    page.wait_for_url(re.compile(r"/tasks/[^/]+$"))
    expect(page.locator(".task-progress")).to_have_attribute("data-status", "succeeded")
    hall.menu("交易查询", "交易进度查询")
    expect(page.locator(".task-rows")).to_contain_text("个人开户")


def test_f6_1_employer_change_and_its_record(hall, clerk):
    clerk("浏览器变更有限公司")
    page = hall.page
    hall.menu("单位账户管理", "单位信息修改", "单位信息修改")
    page.wait_for_url(re.compile(r"/employer/change$"))
    page.locator("input[name=postal_code]").fill("71")
    page.locator("input[name=address]").click()
    expect(page.get_by_text("邮政编码须为6位数字")).to_be_visible()
    page.locator("input[name=postal_code]").fill("710065")
    page.locator("input[name=address]").fill("陕西省西安市雁塔区科技路1号")
    page.get_by_role("button", name="提交修改").click()
    result = page.locator(".change-result")
    expect(result).to_contain_text("修改成功")
    expect(result).to_contain_text("陕西省西安市雁塔区科技路1号")
    expect(result).to_contain_text("710065")
    hall.shot("result")
    with page.expect_download() as voucher:
        result.get_by_role("button", name="下载凭证").click()
    assert voucher.value.suggested_filename.endswith(".pdf")
    page.get_by_role("button", name="修改记录").click()
    page.wait_for_url(re.compile(r"/employer/changes$"))
    records = page.locator(".employer-changes")
    expect(records).to_contain_text("陕西省西安市雁塔区科技路1号")
    expect(records).to_contain_text("邮政编码")
    hall.menu("单位账户管理", "单位账户查询", "单位基本信息查询")
    expect(page.locator(".employer-info")).to_contain_text("陕西省西安市雁塔区科技路1号")


def test_f17_1_consultation_answered_by_the_centre_reaches_the_message_centre(hall, clerk, system):
    api, _, _ = clerk("浏览器咨询有限公司")
    page = hall.page
    hall.menu("咨询建议")
    page.get_by_text("建议", exact=True).click()
    page.locator("textarea[name=content]").fill("建议网厅增加批量打印凭证的功能。")
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".consultation-rows")).to_contain_text("待答复")
    [consultation] = api.get("/api/v1/consultations").json()
    reply = hpf(system, "centre", "reply-consultation", str(consultation["id"]),
                "--reply", "感谢建议，批量打印功能已列入计划。", "--json")
    assert reply.returncode == 0, reply.stderr
    assert json.loads(reply.stdout)["id"] == consultation["id"]

    hall.menu("首页")
    messages = page.locator(".messages-card")
    expect(messages.locator(".unread-badge")).to_contain_text("1")
    item = messages.locator(".message.unread", has_text="咨询答复")
    expect(item).to_be_visible()
    hall.shot("message-centre")
    item.click()
    expect(page.locator(".el-dialog")).to_contain_text("感谢建议，批量打印功能已列入计划。")
    page.locator(".el-dialog__headerbtn").click()
    expect(messages.locator(".message.unread")).to_have_count(0)

    # 常用功能: add from the list and confirm, then remove in settings mode
    page.locator(".shortcuts-card").get_by_role("button", name="添加").click()
    page.locator(".el-dialog").get_by_text("咨询建议").click()
    page.locator(".el-dialog").get_by_role("button", name="确定").click()
    tile = page.locator(".shortcut", has_text="咨询建议")
    expect(tile).to_be_visible()
    tile.click()
    page.wait_for_url(re.compile(r"/consultations$"))
    expect(page.locator(".consultation-rows")).to_contain_text("感谢建议")
    expect(page.locator(".consultation-rows")).to_contain_text("已答复")
    hall.menu("首页")
    page.locator(".shortcuts-card").get_by_role("button", name="设置").click()
    page.get_by_role("button", name="移除咨询建议").click()
    expect(page.locator(".shortcut", has_text="咨询建议")).to_have_count(0)
    assert api.get("/api/v1/home/shortcuts").json()["shortcuts"] == []


def test_f5_1_member_info_change_and_its_record_with_voucher(hall, clerk):
    api, _, _ = clerk("浏览器个人变更有限公司")
    page = hall.page
    person = {"name": "林改改", "id_number": resident_id(), "base": "4500.00", "mobile": mobile()}
    assert api.post("/api/v1/openings/drafts", json=person).status_code == 201
    task = api.post("/api/v1/openings/submit").json()["task_id"]
    hall.goto(f"/tasks/{task}")  # a task's own page follows it live to the end
    wait_final(page, "")
    [member] = api.get("/api/v1/members", params={"name": "林改改"}).json()

    hall.menu("个人账户管理", "个人账户查询", "个人账户信息查询")
    page.locator("input[name=member_query]").fill("林改改")
    page.get_by_role("button", name="查询").click()
    page.locator(".member-rows").get_by_role("button", name="信息修改").click()
    page.wait_for_url(re.compile(r"/members/change\?account_no="))
    new_mobile = mobile()
    page.locator("input[name=mobile]").fill(new_mobile)
    page.locator("input[name=address]").fill("西安市碑林区东大街2号")
    page.get_by_role("button", name="提交修改").click()
    expect(page.get_by_text("修改结果")).to_be_visible()
    expect(page.locator(".change-items")).to_contain_text("西安市碑林区东大街2号")
    hall.menu("个人账户管理", "个人信息修改", "客户信息修改记录查询")
    records = page.locator(".el-table", has_text="业务编号")
    expect(records).to_contain_text(member["account_no"])
    with page.expect_download() as voucher:
        records.get_by_role("button", name="下载凭证").first.click()
    assert voucher.value.suggested_filename.endswith(".pdf")
