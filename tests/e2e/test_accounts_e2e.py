"""Member accounts over HTTP: roster, import, submit, query, vouchers, info change (F3, F4.2, F5)."""
import io
import signal
import time
from datetime import date
from urllib.parse import quote

from openpyxl import load_workbook
from sqlalchemy import create_engine, text

from services.accounts.templates import OPENING
from shared.pdf import voucher_code
from shared.xlsx import write_template
from tests.e2e.helpers import employer_session
from tests.factories import mobile, resident_id, resident_ids
from tests.pdfs import page_count, text_of


def wait_batch(api, batch_id, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = next(b for b in api.get("/api/v1/openings").json() if b["batch_id"] == batch_id)
        if batch["status"] in ("succeeded", "partial", "failed"):
            return batch
        time.sleep(0.2)
    raise AssertionError(f"batch {batch_id} did not finish in {timeout}s")


def upload(api, data, name="开户.xlsx"):
    return api.post("/api/v1/openings/drafts/import", files={"file": (name, data)})


def test_f3_2_template_import_review_submit_and_voucher(system):
    api, unit = employer_session(system, "开户甲有限公司")
    template = api.get("/api/v1/openings/template.xlsx")
    assert template.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in template.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(template.content))
    ws = wb.worksheets[0]
    rows = [["甲", resident_id(), "5000", mobile()], ["乙", resident_id(), "6000.5", mobile()],
            ["丙", resident_id(), "7000", mobile()], ["丁", "123", "5000", mobile()]]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    imported = upload(api, buffer.getvalue()).json()
    assert imported["imported"] == 3
    assert imported["errors"] == [{"row": 5, "column": "证件号码", "message": imported["errors"][0]["message"]}]
    assert "18位" in imported["errors"][0]["message"]
    drafts = api.get("/api/v1/openings/drafts").json()["items"]
    assert [d["name"] for d in drafts] == ["甲", "乙", "丙"]
    patched = api.request("PATCH", f"/api/v1/openings/drafts/{drafts[1]['id']}", json={"base": "6100.00"})
    assert patched.status_code == 200 and patched.json()["base"] == "6100.00"
    assert api.request("DELETE", f"/api/v1/openings/drafts/{drafts[2]['id']}").status_code == 204
    submitted = api.post("/api/v1/openings/submit")
    assert submitted.status_code == 202 and submitted.json()["task_id"]
    batch = wait_batch(api, submitted.json()["batch_id"])
    assert (batch["status"], batch["total"], batch["opened"]) == ("succeeded", 2, 2)
    voucher = api.get(f"/api/v1/openings/{batch['batch_id']}/voucher.pdf")
    assert voucher.headers["Content-Type"] == "application/pdf"
    assert quote(f"开户清册凭证_{batch['batch_id']}.pdf") in voucher.headers["Content-Disposition"]
    content = text_of(voucher.content)
    assert page_count(voucher.content) == 1
    for expected in ("陕西省住房资金管理中心", "个人开户凭证", batch["batch_id"], "开户甲有限公司",
                     "甲", "乙", "6100.00", "缴存基数合计：11100.00", "开户人数：2"):
        assert expected in content, expected
    code = voucher_code(system.config["VOUCHERS"]["secret"], "opening", batch["batch_id"], unit)
    assert code in content
    check = {"kind": "opening", "number": batch["batch_id"], "unit_account": unit, "code": code}
    assert api.get("/api/v1/vouchers/verify", params=check).json() == {"valid": True}


def test_f4_2_and_f5_member_info_change_and_records(system):
    api, unit = employer_session(system, "开户乙有限公司")
    person = {"name": "钱多多", "id_number": resident_id(), "base": "5000.00", "mobile": mobile()}
    assert api.post("/api/v1/openings/drafts", json=person).status_code == 201
    wait_batch(api, api.post("/api/v1/openings/submit").json()["batch_id"])
    [member] = api.get("/api/v1/members", params={"name": "钱多多"}).json()
    assert api.get("/api/v1/members", params={"name": "钱多多", "account_no": "1"}).status_code == 400
    path = f"/api/v1/members/{member['account_no']}"
    assert api.get(path).json()["status_name"] == "正常"
    refused = api.request("PATCH", path, json={"name": "钱少少"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "COUNTER_ONLY"
    changed = api.request("PATCH", path, json={"household": "陕西省咸阳市", "phone": "029-88888888"})
    assert changed.status_code == 200, changed.text
    [record] = api.get("/api/v1/members/changes").json()
    assert {i["label"] for i in record["items"]} == {"户籍", "固定电话"}
    voucher = api.get(f"/api/v1/members/changes/{record['change_id']}/voucher.pdf")
    content = text_of(voucher.content)
    assert voucher.status_code == 200 and "个人信息修改凭证" in content and "陕西省咸阳市" in content
    # another employer sees none of it
    other, _ = employer_session(system, "开户丙有限公司")
    assert other.get(path).status_code == 404
    assert other.request("PATCH", path, json={"address": "别处"}).status_code == 404
    assert other.get(f"/api/v1/members/changes/{record['change_id']}/voucher.pdf").status_code == 404
    assert other.get("/api/v1/members", params={"account_no": member["account_no"]}).json() == []


def test_f3_2_upload_limits(system):
    api, _ = employer_session(system, "开户丁有限公司")
    too_big = upload(api, b"PK" + b"0" * (10 * 1024 * 1024 + 1))
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "FILE_TOO_LARGE"
    assert "10MB" in too_big.json()["error"]["message"]
    missing = api.post("/api/v1/openings/drafts/import", data={"other": "x"})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "FILE_REQUIRED"
    not_xlsx = upload(api, b"name,id\n")
    assert not_xlsx.status_code == 400 and not_xlsx.json()["error"]["code"] == "BAD_FILE"
    assert api.get("/api/v1/openings/drafts").json()["total"] == 0


def test_f3_2_killed_mid_batch_resumes_and_opens_every_row_exactly_once(system):
    """SIGKILL the accounts process while it opens a large batch; the restarted one finishes it."""
    api, unit = employer_session(system, "开户戊有限公司")
    count = 20_000
    rows = [[f"职工{i}", number, "5000", f"139{i:08d}"] for i, number in
            enumerate(resident_ids(count, first_birth=date(1980, 3, 1)))]
    assert upload(api, write_template(OPENING, rows)).json()["imported"] == count
    batch_id = api.post("/api/v1/openings/submit").json()["batch_id"]
    engine = create_engine(system.env["ACCOUNTS_DB_URL"])
    opened = "select count(*) from members m join opening_batches b on b.id = m.batch_id where b.batch_no = :b"

    def members():
        with engine.connect() as conn:
            return conn.execute(text(opened), {"b": batch_id}).scalar()
    deadline = time.monotonic() + 60
    while members() == 0:
        assert time.monotonic() < deadline, "the batch did not start"
        time.sleep(0.02)
    system.stop_service("accounts", sig=signal.SIGKILL)
    at_kill = members()
    assert 0 < at_kill < count, at_kill
    system.start_service("accounts")
    batch = wait_batch(api, batch_id)
    assert (batch["status"], batch["opened"], batch["failed"]) == ("succeeded", count, 0)
    with engine.connect() as conn:
        row = conn.execute(text(
            "select count(*), count(distinct m.id_number), count(distinct m.opening_row_id) from members m "
            "join opening_batches b on b.id = m.batch_id where b.batch_no = :b"), {"b": batch_id}).one()
        states = dict(conn.execute(text(
            "select r.state, count(*) from opening_rows r join opening_batches b on b.id = r.batch_id "
            "where b.batch_no = :b group by r.state"), {"b": batch_id}).all())
    engine.dispose()
    assert tuple(row) == (count, count, count)
    assert states == {"opened": count}


def test_f4_1_member_ledger_and_f4_2_balance_over_http(system):
    """A member's rows written by the posting code, read back by the clerk over HTTP."""
    from sqlalchemy.orm import Session
    from services.accounts import posting

    api, unit = employer_session(system, "明细账甲有限公司")
    person = {"name": "孙明细", "id_number": resident_id(), "base": "5000.00", "mobile": mobile()}
    assert api.post("/api/v1/openings/drafts", json=person).status_code == 201
    wait_batch(api, api.post("/api/v1/openings/submit").json()["batch_id"])
    [member] = api.get("/api/v1/members", params={"name": "孙明细"}).json()
    assert (member["balance"], member["paid_up_to"]) == ("0.00", None)
    path = f"/api/v1/members/{member['account_no']}/ledger"
    assert api.get(path).json() == []
    engine = create_engine(system.env["ACCOUNTS_DB_URL"])
    for number, kind, day, month in [("HJ-HTTP-1", "01", date(2026, 11, 5), "202611"),
                                     ("BJ-HTTP-2", "02", date(2026, 12, 5), "202608")]:
        rows = [[1, member["account_no"], month, "300.00", "300.00"]]
        with Session(engine) as session:
            posting.post_verification([session], {"verification_no": number, "kind": kind, "unit_account": unit,
                                                  "value_date": day, "total_rows": 1},
                                      lambda v, after, limit: [r for r in rows if r[0] > after],
                                      lambda *args: None, 100)
    engine.dispose()
    ledger = api.get(path)
    assert ledger.status_code == 200, ledger.text
    assert [(r["date"], r["type_name"], r["amount"], r["employer_amount"], r["balance"], r["month"],
             r["reference"]) for r in ledger.json()] == [
        ("2026-11-05", "汇缴", "600.00", "300.00", "600.00", "202611", "HJ-HTTP-1"),
        ("2026-12-05", "补缴", "600.00", "300.00", "1200.00", "202608", "BJ-HTTP-2")]
    december = api.get(path, params={"start": "2026-12-01", "end": "2026-12-31"}).json()
    assert [r["reference"] for r in december] == ["BJ-HTTP-2"]
    bad = api.get(path, params={"start": "2026-12-31", "end": "2026-12-01"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "VALIDATION_ERROR"
    shown = api.get(f"/api/v1/members/{member['account_no']}").json()
    assert (shown["balance"], shown["paid_up_to"]) == ("1200.00", "202611")
    other, _ = employer_session(system, "明细账乙有限公司")
    refused = other.get(path)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "NOT_FOUND"
