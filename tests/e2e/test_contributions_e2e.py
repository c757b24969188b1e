"""Monthly remittance over HTTP and `hpf centre`, with the real accounts service writing member rows
(F12, F14.1, B1, F7.2, F7.3, F4.1)."""
import io
import json
import signal
import time
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import create_engine, text

from shared.clock import centre_today
from shared.months import add_months, month_of
from tests.e2e.helpers import employer_session, hpf
from tests.factories import credit_code, mobile, resident_id
from tests.pdfs import text_of
from tests.posting import balance_mismatches, balances, ledger_of, open_members
from tests.waiting import wait_for


def remittance_first_month(engine, unit_account):
    with engine.connect() as conn:
        return conn.execute(text("select first_month from employer_accounts where unit_account = :u"),
                            {"u": unit_account}).scalar()


def centre(system, *args):
    result = hpf(system, "centre", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def wait_status(api, number, status, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = api.get(f"/api/v1/remittances/{number}").json()["status"]
        if current == status:
            return
        time.sleep(0.2)
    raise AssertionError(f"{number} did not become {status} in {timeout}s (is {current})")


def wait_task(api, task_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = api.get(f"/api/v1/tasks/{task_id}")
        if task.status_code == 200 and task.json()["status"] == "succeeded":
            return task.json()
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} did not succeed")


def test_f12_1_killed_while_member_rows_are_written_every_member_is_credited_exactly_once(system):
    """20,000 members; SIGKILL the accounts process while it writes their rows; restart it."""
    api, unit = employer_session(system, "汇缴戊有限公司")
    engine = create_engine(system.env["ACCOUNTS_DB_URL"])
    count = 20_000
    accounts = open_members(engine, system.config, unit, count)
    month = month_of(centre_today(system.config))
    saved = api.post("/api/v1/remittances", json={"month": month})
    assert saved.status_code == 201, saved.text
    number = saved.json()["verification_no"]
    assert (saved.json()["headcount"], saved.json()["amount"]) == (count, "24000000.00")  # 5000 × (12% + 12%)
    submitted = api.post(f"/api/v1/remittances/{number}/submit")
    assert submitted.status_code == 202, submitted.text
    wait_task(api, submitted.json()["task_id"])
    receipt = centre(system, "bank-receipt", "--unit-account", unit, "--amount", "24000000.00",
                     "--bank-ref", f"KILL{unit}", "--reference", number)
    assert (receipt["result"], receipt["verification_no"]) == ("posted", number)
    deadline = time.monotonic() + 60
    while ledger_of(engine, number)[0] == 0:
        assert time.monotonic() < deadline, "posting did not start"
        time.sleep(0.01)
    system.stop_service("accounts", sig=signal.SIGKILL)
    at_kill = ledger_of(engine, number)[0]
    assert 0 < at_kill < count, at_kill
    assert api.get(f"/api/v1/remittances/{number}").json()["status"] == "posting"
    system.start_service("accounts")
    wait_status(api, number, "posted")
    assert ledger_of(engine, number) == (count, count)
    assert balance_mismatches(engine, unit) == []
    assert set(balances(engine, accounts).values()) == {Decimal("1200.00")}
    engine.dispose()
    ledger = api.get(f"/api/v1/members/{accounts[0]}/ledger").json()
    assert [(row["amount"], row["reference"], row["month"]) for row in ledger] == [("1200.00", number, month)]
    messages = api.get("/api/v1/messages").json()["items"]
    assert any("汇缴入账" in m["title"] and number in m["body"] for m in messages), messages
    stats = api.get("/api/v1/home/stats").json()["monthly"]
    assert stats["paid_up_to"] == month and stats["items"][-1]["amount"] == "24000000.00"


def test_f12_f14_f7_the_hall_and_the_centre_walk_through(system):
    api, unit = employer_session(system, "汇缴己有限公司")
    other, _ = employer_session(system, "汇缴庚有限公司")
    engine = create_engine(system.env["ACCOUNTS_DB_URL"])
    accounts = open_members(engine, system.config, unit, 3)
    month = month_of(centre_today(system.config))
    # save, discard (kept as 已作废), save again
    first = api.post("/api/v1/remittances", json={"month": month}).json()
    assert (first["headcount"], first["amount"], first["status"]) == (3, "3600.00", "saved")
    assert api.request("DELETE", f"/api/v1/remittances/{first['verification_no']}").json()["status"] == "discarded"
    cancelled = api.post("/api/v1/remittances", json={"month": month}).json()["verification_no"]
    assert api.post(f"/api/v1/remittances/{cancelled}/submit").status_code == 202
    wait_status(api, cancelled, "awaiting", timeout=10)
    undone = api.post(f"/api/v1/payments/{cancelled}/cancel")
    assert undone.status_code == 200 and undone.json()["status_name"] == "已撤销"
    saved = api.post("/api/v1/remittances", json={"month": month}).json()  # the month is free again
    number = saved["verification_no"]
    again = api.post("/api/v1/remittances", json={"month": month})
    assert again.status_code == 409 and again.json()["error"]["code"] == "OPEN_REMITTANCE"
    assert other.get(f"/api/v1/remittances/{number}").status_code == 404
    assert other.get(f"/api/v1/remittances/{number}/voucher.pdf").status_code == 404
    # submit, pay short: suspense, with the prompt to contact the centre
    api.post(f"/api/v1/remittances/{number}/submit")
    wait_status(api, number, "awaiting", timeout=10)
    payments = api.get("/api/v1/payments?kind=remittance").json()
    assert [p["verification_no"] for p in payments] == [number]
    voucher = api.get(f"/api/v1/remittances/{number}/voucher.pdf")
    assert voucher.status_code == 200 and voucher.headers["Content-Type"] == "application/pdf"
    shown = text_of(voucher.content)
    assert number in shown and "叁仟陆佰元整" in shown and "3600.00" in shown
    code = voucher.headers["X-Verification-Code"]
    check = api.get("/api/v1/vouchers/verify", params={"kind": "remittance", "number": number,
                                                        "unit_account": unit, "code": code})
    assert check.json() == {"valid": True}
    sheet = load_workbook(io.BytesIO(api.get(f"/api/v1/remittances/{number}/roster.xlsx").content)).active
    assert [row[1].value for row in sheet.iter_rows(min_row=2)][:3] == accounts
    short = centre(system, "bank-receipt", "--unit-account", unit, "--amount", "3000.00", "--bank-ref",
                   f"S1{unit}", "--reference", number)
    rest = centre(system, "bank-receipt", "--unit-account", unit, "--amount", "600.00", "--bank-ref", f"S2{unit}")
    assert (short["result"], rest["result"]) == ("suspense", "suspense") and "金额不足" in short["reason"]
    assert centre(system, "bank-receipt", "--unit-account", unit, "--amount", "600.00", "--bank-ref",
                  f"S2{unit}") == rest  # the same notice again: the same answer
    conflict = hpf(system, "centre", "bank-receipt", "--unit-account", unit, "--amount", "601.00", "--bank-ref",
                   f"S2{unit}")
    assert conflict.returncode == 1 and "BANK_REF_CONFLICT" in conflict.stderr
    suspense = api.get("/api/v1/employer/suspense").json()
    assert suspense["balance"] == "3600.00" and "联系中心" in suspense["message"]
    # the centre applies both items to the verification: posted
    applied = centre(system, "apply-suspense", "--unit-account", unit, "--verification", number,
                     "--item", str(short["suspense_item"]), "--item", str(rest["suspense_item"]))
    assert applied["result"] == "posting"
    wait_status(api, number, "posted")
    suspense = api.get("/api/v1/employer/suspense").json()
    assert (suspense["balance"], suspense["applied"], suspense["message"]) == ("0.00", "3600.00", None)
    ledger = api.get("/api/v1/employer/ledger").json()
    assert [(e["book"], e["amount"], e["balance"]) for e in ledger] == [
        ("suspense", "3000.00", "3000.00"), ("suspense", "600.00", "3600.00"),
        ("suspense", "-3600.00", "0.00"), ("posted", "3600.00", "3600.00")]
    assert [e["type_name"] for e in api.get("/api/v1/employer/ledger?type=01").json()] == ["汇缴"]
    cancel = api.post(f"/api/v1/payments/{number}/cancel")
    assert cancel.status_code == 409 and cancel.json()["error"]["code"] == "ALREADY_POSTED"
    # money with no reference, refunded by the centre
    stray = centre(system, "bank-receipt", "--unit-account", unit, "--amount", "10.00", "--bank-ref", f"S3{unit}")
    refunded = centre(system, "refund-suspense", "--unit-account", unit, "--item", str(stray["suspense_item"]))
    assert refunded == {"result": "refunded", "items": [stray["suspense_item"]], "amount": "10.00"}
    bad = hpf(system, "centre", "bank-receipt", "--unit-account", unit, "--amount", "-5", "--bank-ref", "NEG")
    assert bad.returncode == 1 and "VALIDATION_ERROR" in bad.stderr
    assert {r["status"] for r in api.get("/api/v1/remittances").json()} == {"discarded", "cancelled", "posted"}
    assert balances(engine, accounts) == {a: Decimal("1200.00") for a in accounts}
    engine.dispose()


def test_centre_sets_a_policy_and_registers_with_a_first_remittance_month(system):
    policy = centre(system, "set-policy", "--year", "2091", "--base-floor", "2400.00", "--base-cap", "30000.00",
                    "--interest-rate", "0.0175", "--day-basis", "360")
    assert (policy["year"], policy["base_floor"], policy["day_basis"], policy["interest_rate"]) == (
        2091, "2400.00", "360", "0.017500")
    wrong = hpf(system, "centre", "set-policy", "--year", "2091", "--base-floor", "40000.00")
    assert wrong.returncode == 1 and "POLICY_INVALID" in wrong.stderr
    first = add_months(month_of(centre_today(system.config)), -2)
    registered = centre(system, "register-employer", "--name", "首月测试有限公司", "--uscc", credit_code(),
                        "--clerk-name", "周经办", "--clerk-id", resident_id(), "--clerk-mobile", mobile(),
                        "--first-month", first)
    assert registered["first_month"] == first
    engine = create_engine(system.env["CONTRIBUTIONS_DB_URL"])
    kept = wait_for(lambda: remittance_first_month(engine, registered["unit_account"]))
    engine.dispose()
    assert kept == first  # carried to the remittance account
    bad = hpf(system, "centre", "register-employer", "--name", "首月错误有限公司", "--uscc", credit_code(),
              "--clerk-name", "周经办", "--clerk-id", resident_id(), "--clerk-mobile", mobile(),
              "--first-month", "2026-01")
    assert bad.returncode == 1 and "VALIDATION_ERROR" in bad.stderr


def test_f12_1_contributions_killed_while_posting_ends_posted_with_every_row_once(system):
    """SIGKILL the contributions process just after it accepted the receipt; start it again."""
    api, unit = employer_session(system, "汇缴辛有限公司")
    engine = create_engine(system.env["ACCOUNTS_DB_URL"])
    count = 5_000
    open_members(engine, system.config, unit, count)
    number = api.post("/api/v1/remittances", json={"month": month_of(centre_today(system.config))}).json()[
        "verification_no"]
    wait_task(api, api.post(f"/api/v1/remittances/{number}/submit").json()["task_id"])
    receipt = centre(system, "bank-receipt", "--unit-account", unit, "--amount", "6000000.00",
                     "--bank-ref", f"KILLC{unit}", "--reference", number)
    assert receipt["result"] == "posted"
    system.stop_service("contributions", sig=signal.SIGKILL)
    system.start_service("contributions")
    system.wait_ready()
    wait_status(api, number, "posted", timeout=180)
    assert ledger_of(engine, number) == (count, count)
    assert balance_mismatches(engine, unit) == []
    engine.dispose()
