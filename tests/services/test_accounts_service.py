"""Accounts service in a container against the real RabbitMQ and PostgreSQL (F3, F4.2, F5)."""
import base64
import io
import zipfile
from datetime import date

import pytest
from kombu import Connection, Exchange, Queue
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from services.accounts.service import AccountsService
from services.contributions.service import ContributionsService
from shared.clock import centre_today
from services.employer.service import EmployerService
from shared.errors import BusinessError
from shared.pdf import check_voucher_code
from shared.tasks import task_queue
from tests.factories import business_date, employer_data, mobile, resident_id
from tests.pdfs import text_of
from tests.waiting import final_snapshot, wait_for

HEADERS = ["个人姓名", "证件号码", "缴存基数", "手机号码", "户籍", "家庭住址", "固定电话"]


@pytest.fixture(scope="module", autouse=True)
def services(start_service):
    for service in (EmployerService, ContributionsService, AccountsService):
        start_service(service)


@pytest.fixture(scope="module")
def listener(config):
    """Task snapshots and `members_opened` events, as other services receive them."""
    with Connection(config["AMQP_URI"]) as conn:
        snapshots = task_queue("accounts-test")(conn.default_channel)
        events = Queue("accounts-test.members_opened", routing_key="members_opened",
                       exchange=Exchange("accounts.events", type="topic", durable=True))(conn.default_channel)
        for queue in (snapshots, events):
            queue.declare()
        yield snapshots, events
        for queue in (snapshots, events):
            queue.delete()


@pytest.fixture
def employer(rpc):
    data = employer_data()
    registered = rpc.employer.register_employer(data)
    return registered["unit_account"], registered["clerks"][0]["id"], data["clerks"][0]["name"]


def draft(**overrides):
    return {"name": "李四", "id_number": resident_id(), "base": "5000.00", "mobile": mobile(), **overrides}


def xlsx(rows, headers=HEADERS, template=None):
    """A filled copy of the project's template (or a plain workbook with other headers)."""
    if template is not None:
        wb = load_workbook(io.BytesIO(template))
        ws = wb.worksheets[0]
    else:
        wb = Workbook()
        ws = wb.active
        ws.append(headers)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


def template_bytes(rpc):
    return base64.b64decode(rpc.accounts.opening_template()["content_base64"])


def test_f3_1_add_draft_applies_every_rule(rpc, employer):
    unit, _, _ = employer
    added = rpc.accounts.add_opening_draft(unit, draft(name="王五"))
    assert added["base"] == "5000.00" and added["row_no"] is None
    cases = [
        (draft(id_number=resident_id(birth=date(1950, 1, 1))), "AGE_OUT_OF_RANGE"),
        (draft(id_number=resident_id(birth=date(date.today().year - 57, 1, 1), male=False)), "AGE_OUT_OF_RANGE"),
        (draft(id_number=resident_id(birth=date(date.today().year - 15, 1, 1))), "AGE_OUT_OF_RANGE"),
        (draft(base="100.00"), "VALIDATION_ERROR"),
        (draft(base="5000.123"), "VALIDATION_ERROR"),
        (draft(mobile="12345"), "VALIDATION_ERROR"),
        (draft(id_number="E12345678"), "VALIDATION_ERROR"),
        (draft(id_number=added["id_number"]), "VALIDATION_ERROR"),
    ]
    for data, code in cases:
        with pytest.raises(BusinessError) as err:
            rpc.accounts.add_opening_draft(unit, data)
        assert err.value.code == code, (data, err.value.details)
    with pytest.raises(BusinessError) as err:
        rpc.accounts.add_opening_draft(unit, draft(id_number=resident_id(birth=date(1950, 1, 1))))
    assert err.value.message == "职工年龄超出网上办理范围，请至中心柜台办理"
    # a 56-year-old man may open online, a 56-year-old woman may not
    rpc.accounts.add_opening_draft(unit, draft(id_number=resident_id(birth=date(date.today().year - 57, 1, 1))))
    page = rpc.accounts.list_opening_drafts(unit)
    assert page["total"] == 2


def test_f3_1_lowercase_x_is_x_and_drafts_can_be_changed(rpc, employer):
    unit, _, _ = employer
    number = next(n for n in iter(resident_id, None) if n.endswith("X"))
    added = rpc.accounts.add_opening_draft(unit, draft(id_number=number.lower()))
    assert added["id_number"] == number
    changed = rpc.accounts.update_opening_draft(unit, added["id"], {"base": "6000.5"})
    assert changed["base"] == "6000.50" and changed["id_number"] == number
    with pytest.raises(BusinessError) as err:
        rpc.accounts.update_opening_draft(unit, added["id"], {"base": "1.00"})
    assert err.value.code == "VALIDATION_ERROR"
    rpc.accounts.delete_opening_draft(unit, added["id"])
    assert rpc.accounts.list_opening_drafts(unit)["total"] == 0


def test_f3_2_template_is_text_formatted_with_red_required_headers(rpc, config):
    wb = load_workbook(io.BytesIO(template_bytes(rpc)))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == HEADERS
    assert all(ws.cell(row=1, column=i).font.color.rgb == "FFC00000" for i in range(1, 5))
    assert ws.cell(row=1, column=5).font.color is None
    assert ws.cell(row=2, column=2).number_format == "@"
    assert len(wb.sheetnames) == 2
    assert rpc.accounts.opening_template()["filename"] == "批量开户模板.xlsx"
    instructions = [row[0].value for row in wb.worksheets[1].iter_rows()]
    assert f"每次最多上传{config['ACCOUNTS']['max_import_rows']}行，文件不超过10MB。" in instructions


def test_f3_2_import_keeps_good_rows_and_reports_bad_ones(rpc, employer):
    unit, _, _ = employer
    good = resident_id()
    full_width = resident_id()
    rows = [
        ["  赵六 ", good, "5000", mobile(), "陕西西安", "雁塔区1号", ""],
        ["钱七", "".join(chr(ord(c) + 0xFEE0) for c in full_width), "４５００.５", mobile(), "", "", ""],
        ["孙八", float(good[:15] + "000"), "5000", mobile(), "", "", ""],
        ["周九", "=A1", "5000", mobile(), "", "", ""],
        ["吴十", resident_id(), "99999999", mobile(), "", "", ""],
        ["郑一", good, "5000", mobile(), "", "", ""],
    ]
    result = rpc.accounts.import_opening_file(unit, xlsx(rows, template=template_bytes(rpc)))
    assert result["imported"] == 2
    errors = {(e["row"], e["column"]): e["message"] for e in result["errors"]}
    assert "文本格式" in errors[(4, "证件号码")]
    assert "公式" in errors[(5, "证件号码")]
    assert "缴存基数须在" in errors[(6, "缴存基数")]
    assert "已存在" in errors[(7, "证件号码")]
    assert len(result["errors"]) == 4
    sheet = load_workbook(io.BytesIO(base64.b64decode(result["error_file"]["content_base64"]))).active
    lines = [[c.value for c in row] for row in sheet.iter_rows()]
    assert lines[0] == HEADERS + ["行号", "错误原因"]
    assert [(line[0], line[7]) for line in lines[1:]] == [("孙八", "4"), ("周九", "5"), ("吴十", "6"), ("郑一", "7")]
    assert lines[1][1] == str(float(good[:15] + "000"))  # the cell as written, not a blank
    assert lines[2][1] == "'=A1" and "公式" in lines[2][8]  # kept as text, never a formula
    items = rpc.accounts.list_opening_drafts(unit)["items"]
    assert [(d["name"], d["id_number"], d["base"], d["row_no"]) for d in items] == [
        ("赵六", good, "5000.00", 2), ("钱七", full_width, "4500.50", 3)]


def bomb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * (300 * 1024 * 1024))
    return buffer.getvalue()


def entity_bomb(template):
    """The template with a billion-laughs DOCTYPE in its shared strings."""
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 9)) + "]>"
    source = zipfile.ZipFile(io.BytesIO(base64.b64decode(xlsx([["甲", "&lol8;", "5000", "13900000000"]],
                                                                template=template))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet1"):
                data = laughs.encode() + data.replace(b"&amp;lol8;", b"&lol8;")
            target.writestr(info, data)
    return buffer.getvalue()


def many_rows(count):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("身份证批量开户")
    ws.append(HEADERS)
    for i in range(count):
        ws.append(["甲", "110101199001011234", "5000", "13900000000"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_f3_2_bad_files_are_refused_clearly_and_store_nothing(rpc, employer):
    unit, _, _ = employer
    template = template_bytes(rpc)
    encode = lambda data: base64.b64encode(data).decode()  # noqa: E731
    cases = [
        (encode(b"%PDF-1.4 not a workbook"), "不是有效的Excel"),
        (encode(bomb()), "异常庞大"),
        (encode(entity_bomb(template)), "无法读取"),
        (xlsx([["甲", resident_id(), "5000", mobile()]], headers=["姓名", "身份证", "基数", "手机"]), "表头与模板不一致"),
        (xlsx([], template=template), "没有数据行"),
        (encode(b"PK" + b"\0" * (10 * 1024 * 1024)), "大小限制"),
        (encode(many_rows(50_001)), "50000行"),
        ("not base64!", "无法识别"),
    ]
    for content, message in cases:
        with pytest.raises(BusinessError) as err:
            rpc.accounts.import_opening_file(unit, content)
        assert err.value.code == "BAD_FILE" and message in err.value.message, err.value.message
    assert rpc.accounts.list_opening_drafts(unit)["total"] == 0


def test_f3_1_submit_opens_members_reports_the_task_and_emits_members_opened(rpc, employer, listener, config):
    unit, clerk_id, clerk_name = employer
    snapshots, events = listener
    rows = [draft(name=f"职工{i}") for i in range(3)]
    for row in rows:
        rpc.accounts.add_opening_draft(unit, row)
    submitted = rpc.accounts.submit_openings(unit, clerk_id)
    final = final_snapshot(snapshots, submitted["task_id"])
    assert (final["status"], final["total"], final["done"], final["failed"]) == ("succeeded", 3, 3, 0)
    assert final["kind"] == "open_accounts" and final["title"] == "个人开户"
    assert final["submitted_by"] == clerk_name and final["employer_id"] == unit
    event = wait_for(lambda: events.get(no_ack=True)).payload
    assert event["unit_account"] == unit and event["batch_no"] == submitted["batch_id"]
    opened = {m["id_number"]: m for m in event["members"]}
    assert set(opened) == {r["id_number"] for r in rows}
    assert all(m["base"] == "5000.00" for m in opened.values())
    assert len({m["account_no"] for m in opened.values()}) == 3
    member = rpc.accounts.get_member(unit, opened[rows[0]["id_number"]]["account_no"])
    assert member["status"] == "01" and member["status_name"] == "正常" and member["name"] == "职工0"
    assert rpc.accounts.list_opening_drafts(unit)["total"] == 0
    counts = rpc.accounts.member_counts(unit)
    assert counts["total"] == 3
    assert [(s["code"], s["name"], s["count"]) for s in counts["by_status"]] == [
        ("01", "正常", 3), ("02", "封存", 0), ("03", "合并销户", 0), ("06", "冻结", 0)]
    [batch] = rpc.accounts.list_openings(unit, {"start": business_date().isoformat()})
    assert (batch["batch_id"], batch["status"], batch["opened"]) == (submitted["batch_id"], "succeeded", 3)
    voucher = rpc.accounts.opening_voucher(unit, batch["batch_id"])
    assert voucher["filename"] == f"开户清册凭证_{batch['batch_id']}.pdf"
    content = text_of(base64.b64decode(voucher["content_base64"]))
    code = content.split("验证码：")[1][:19]
    assert check_voucher_code(config["VOUCHERS"]["secret"], "opening", batch["batch_id"], unit, code)
    assert all(m["account_no"] in content for m in opened.values()) and "职工2" in content
    # opening the same person again is refused at once
    with pytest.raises(BusinessError) as err:
        rpc.accounts.add_opening_draft(unit, draft(id_number=rows[0]["id_number"]))
    assert "已有正常状态" in err.value.details[0]["message"]
    with pytest.raises(BusinessError) as err:
        rpc.accounts.submit_openings(unit, clerk_id)
    assert err.value.code == "ROSTER_EMPTY"


def test_f3_1_a_row_failing_at_submission_fails_alone(rpc, employer, listener, db_engine):
    unit, clerk_id, _ = employer
    snapshots, _ = listener
    first = draft(name="先开户")
    rpc.accounts.add_opening_draft(unit, first)
    rpc.accounts.add_opening_draft(unit, draft(name="同批次"))
    rpc.accounts.submit_openings(unit, clerk_id)
    # the same person entered the roster again while the first batch was still running
    with db_engine("accounts").begin() as conn:
        conn.execute(text("insert into opening_drafts (unit_account, row_no, name, id_number, base, mobile, "
                          "household, address, phone, created_at) values (:u, 7, '重复者', :n, 5000, "
                          "'13900000001', '', '', '', now())"), {"u": unit, "n": first["id_number"]})
    rpc.accounts.add_opening_draft(unit, second := draft(name="第二批"))
    submitted = rpc.accounts.submit_openings(unit, clerk_id)
    final = final_snapshot(snapshots, submitted["task_id"])
    assert (final["status"], final["done"], final["failed"]) == ("partial", 1, 1)
    [error] = final["errors"]
    assert error["row"] == 7 and error["column"] == "证件号码" and "已有正常状态" in error["message"]
    assert error["original"]["个人姓名"] == "重复者" and error["original"]["证件号码"] == first["id_number"]
    assert rpc.accounts.find_members(unit, {"id_number": second["id_number"]})[0]["name"] == "第二批"
    assert len(rpc.accounts.find_members(unit, {"id_number": first["id_number"]})) == 1


def open_members(rpc, unit, clerk_id, snapshots, rows):
    for row in rows:
        rpc.accounts.add_opening_draft(unit, row)
    final_snapshot(snapshots, rpc.accounts.submit_openings(unit, clerk_id)["task_id"])
    return [rpc.accounts.find_members(unit, {"id_number": row["id_number"]})[0] for row in rows]


def test_f4_2_member_info_by_exactly_one_criterion(rpc, employer, listener):
    unit, clerk_id, _ = employer
    a, b, _ = open_members(rpc, unit, clerk_id, listener[0],
                           [draft(name="同名"), draft(name="同名"), draft(name="别名")])
    assert {m["account_no"] for m in rpc.accounts.find_members(unit, {"name": "同名"})} == \
        {a["account_no"], b["account_no"]}
    assert rpc.accounts.find_members(unit, {"account_no": a["account_no"]})[0]["id_number"] == a["id_number"]
    assert rpc.accounts.find_members(unit, {"id_number": a["id_number"].lower()})[0]["name"] == "同名"
    for query in ({}, {"name": "同名", "id_number": a["id_number"]}):
        with pytest.raises(BusinessError) as err:
            rpc.accounts.find_members(unit, query)
        assert err.value.code == "VALIDATION_ERROR"
    details = rpc.accounts.get_member(unit, a["account_no"])
    assert details["sex"] in ("男", "女") and details["id_type_name"] == "居民身份证"


def test_f5_1_info_change_is_recorded_and_identity_goes_to_the_counter(rpc, employer, listener, config):
    unit, clerk_id, clerk_name = employer
    [member] = open_members(rpc, unit, clerk_id, listener[0], [draft(name="改信息")])
    for field in ("name", "id_number", "id_type"):
        with pytest.raises(BusinessError) as err:
            rpc.accounts.change_member(unit, member["account_no"], clerk_id, {field: "x", "address": "新地址"})
        assert err.value.code == "COUNTER_ONLY" and "柜台" in err.value.message
    new_mobile = mobile()
    change = rpc.accounts.change_member(unit, member["account_no"], clerk_id,
                                        {"address": "西安市新城区2号", "mobile": new_mobile, "household": ""})
    assert change["clerk_name"] == clerk_name
    assert {(i["field"], i["old"], i["new"]) for i in change["items"]} == {
        ("address", "", "西安市新城区2号"), ("mobile", member["mobile"], new_mobile)}
    assert rpc.accounts.get_member(unit, member["account_no"])["mobile"] == new_mobile
    with pytest.raises(BusinessError) as err:
        rpc.accounts.change_member(unit, member["account_no"], clerk_id, {"mobile": "123"})
    assert err.value.code == "VALIDATION_ERROR"
    today = centre_today(config).isoformat()  # the centre's day, whatever the machine's zone
    [record] = rpc.accounts.list_member_changes(unit, {"start": today, "end": today})
    assert record["change_id"] == change["change_id"]
    voucher = rpc.accounts.member_change_voucher(unit, change["change_id"])
    assert voucher["filename"] == f"个人信息修改凭证_{change['change_id']}.pdf"
    content = text_of(base64.b64decode(voucher["content_base64"]))
    code = content.split("验证码：")[1][:19]
    assert check_voucher_code(config["VOUCHERS"]["secret"], "member_change", change["change_id"], unit, code)
    assert "个人信息修改凭证" in content and "西安市新城区2号" in content and clerk_name in content


def test_another_employers_records_are_not_found(rpc, employer, listener):
    unit, clerk_id, _ = employer
    other = rpc.employer.register_employer(employer_data())["unit_account"]
    [member] = open_members(rpc, unit, clerk_id, listener[0], [draft()])
    mine = rpc.accounts.add_opening_draft(unit, draft())
    change = rpc.accounts.change_member(unit, member["account_no"], clerk_id, {"address": "某地"})
    [batch] = rpc.accounts.list_openings(unit)
    calls = [
        lambda: rpc.accounts.get_member(other, member["account_no"]),
        lambda: rpc.accounts.change_member(other, member["account_no"], clerk_id, {"address": "别处"}),
        lambda: rpc.accounts.update_opening_draft(other, mine["id"], {"base": "6000"}),
        lambda: rpc.accounts.delete_opening_draft(other, mine["id"]),
        lambda: rpc.accounts.opening_voucher(other, batch["batch_id"]),
        lambda: rpc.accounts.member_change_voucher(other, change["change_id"]),
    ]
    for call in calls:
        with pytest.raises(BusinessError) as err:
            call()
        assert err.value.status == 404
    assert rpc.accounts.find_members(other, {"account_no": member["account_no"]}) == []
    assert rpc.accounts.list_openings(other) == [] and rpc.accounts.list_member_changes(other) == []
    assert rpc.accounts.member_counts(other)["total"] == 0
    assert rpc.accounts.get_member(unit, member["account_no"])["address"] == "某地"


def test_a_clerk_removed_at_the_counter_can_no_longer_submit_or_change(rpc, employer, listener):
    unit, clerk_id, _ = employer
    [member] = open_members(rpc, unit, clerk_id, listener[0], [draft()])
    rpc.accounts.add_opening_draft(unit, draft())
    rpc.employer.counter_change_employer(unit, {"clerks": [{"name": "新经办", "id_number": resident_id(),
                                                            "mobile": mobile()}]}, "柜员李")
    calls = [lambda: rpc.accounts.submit_openings(unit, clerk_id),
             lambda: rpc.accounts.change_member(unit, member["account_no"], clerk_id, {"address": "别处"})]
    for call in calls:
        with pytest.raises(BusinessError) as err:
            call()
        assert (err.value.code, err.value.status, err.value.message) == ("FORBIDDEN", 403, "经办人信息已变更，请重新登录")
    assert rpc.accounts.list_opening_drafts(unit)["total"] == 1 and len(rpc.accounts.list_openings(unit)) == 1
    assert rpc.accounts.get_member(unit, member["account_no"])["address"] == member["address"]
    assert rpc.accounts.list_member_changes(unit) == []
