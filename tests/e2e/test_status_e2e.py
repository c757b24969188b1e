"""Member status changes over HTTP in the whole system (F8, F9, F10): employer A remits for a member
and seals him; employer B opens a new account for him, transfers the sealed one in and merges it
into the new one: the balance arrives whole and the ledgers on both sides sum to it."""
import json
import time
from decimal import Decimal

from shared.clock import centre_today
from shared.months import month_of
from tests.e2e.helpers import employer_session, hpf
from tests.factories import mobile, resident_id
from tests.pdfs import text_of


def wait_task(api, task_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = api.get(f"/api/v1/tasks/{task_id}").json()
        if task.get("status") in ("succeeded", "partial", "failed"):
            return task
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} did not end")


def wait_status(api, number, status, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.get(f"/api/v1/remittances/{number}").json()["status"] == status:
            return
        time.sleep(0.2)
    raise AssertionError(f"{number} did not become {status}")


def open_one(api, person):
    assert api.post("/api/v1/openings/drafts", json=person).status_code == 201
    task = wait_task(api, api.post("/api/v1/openings/submit").json()["task_id"])
    assert task["status"] == "succeeded", task
    return [m for m in api.get("/api/v1/members", params={"id_number": person["id_number"]}).json()
            if m["status"] == "01"][0]


def ledger_sum(api, account_no):
    return sum((Decimal(row["amount"]) for row in api.get(f"/api/v1/members/{account_no}/ledger").json()),
               Decimal("0"))


def test_f9_f10_f8_a_seals_b_transfers_in_and_merges_the_balance_arrives_whole(system):
    a, unit_a = employer_session(system, "转移甲有限公司")
    b, unit_b = employer_session(system, "转移乙有限公司")
    person = {"name": "转移职工", "id_number": resident_id(), "base": "5000.00", "mobile": mobile()}
    at_a = open_one(a, person)

    # A remits the month for him and the bank's notice posts it
    month = month_of(centre_today(system.config))
    verification = a.post("/api/v1/remittances", json={"month": month}).json()
    number = verification["verification_no"]
    assert a.post(f"/api/v1/remittances/{number}/submit").status_code == 202
    wait_status(a, number, "awaiting", timeout=30)
    receipt = hpf(system, "centre", "bank-receipt", "--unit-account", unit_a, "--amount", verification["amount"],
                  "--bank-ref", f"TR{unit_a}", "--reference", number, "--json")
    assert json.loads(receipt.stdout)["result"] == "posted", receipt.stdout + receipt.stderr
    wait_status(a, number, "posted")
    balance = Decimal(a.get(f"/api/v1/members/{at_a['account_no']}").json()["balance"])
    assert balance == Decimal(verification["amount"]) > 0
    amount = verification["amount"]

    # B cannot open him while he is normal at A, nor take his account in
    refused = b.post("/api/v1/openings/drafts", json=person)
    assert refused.status_code == 400 and "内部转移转入" in refused.text
    transfer_in = {"name": person["name"], "id_number": person["id_number"], "reason": "调入本单位"}
    early = b.post("/api/v1/transfers/drafts", json=transfer_in)
    assert early.status_code == 409 and early.json()["error"]["code"] == "MEMBER_NOT_SEALED"

    # A seals him
    assert a.get("/api/v1/seals/reasons").json()["reasons"][0] == "离职"
    draft = a.post("/api/v1/seals/drafts", json={"name": person["name"], "reason": "调出"})
    assert draft.status_code == 201, draft.text
    sealed = a.post("/api/v1/seals/submit", json={"draft_ids": [draft.json()["id"]]})
    assert sealed.status_code == 202
    assert wait_task(a, sealed.json()["task_id"])["status"] == "succeeded"
    assert a.get(f"/api/v1/members/{at_a['account_no']}").json()["status_name"] == "封存"
    [record] = a.get("/api/v1/seals", params={"id_number": person["id_number"]}).json()
    assert record["kind_name"] == "封存" and record["batch_id"] == sealed.json()["batch_id"]
    voucher = a.get(f"/api/v1/seals/{record['batch_id']}/voucher.pdf")
    assert voucher.status_code == 200 and at_a["account_no"] in text_of(voucher.content)

    # B opens a new account for him, transfers the sealed one in, sees the other one before merging
    at_b = open_one(b, person)
    elsewhere = b.get("/api/v1/merges/sealed-elsewhere", params={"account_no": at_b["account_no"]}).json()
    assert [m["account_no"] for m in elsewhere] == [at_a["account_no"]]
    moved = b.post("/api/v1/transfers/drafts", json=transfer_in)
    assert moved.status_code == 201 and moved.json()["from_unit"] == unit_a
    transfer = b.post("/api/v1/transfers/submit", json={})
    assert wait_task(b, transfer.json()["task_id"])["status"] == "succeeded"
    assert a.get(f"/api/v1/members/{at_a['account_no']}").status_code == 404
    assert b.get(f"/api/v1/members/{at_a['account_no']}").json()["balance"] == amount
    assert b.get("/api/v1/merges/sealed-elsewhere", params={"account_no": at_b["account_no"]}).json() == []
    [moved_record] = b.get("/api/v1/transfers", params={"name": person["name"]}).json()
    assert (moved_record["from_unit"], moved_record["amount"]) == (unit_a, amount)

    merge = b.post("/api/v1/merges", json={"from_account": at_a["account_no"], "to_account": at_b["account_no"]})
    assert merge.status_code == 200, merge.text
    assert merge.json()["amount"] == amount
    merged_in = b.get(f"/api/v1/members/{at_b['account_no']}").json()
    closed = b.get(f"/api/v1/members/{at_a['account_no']}").json()
    assert (Decimal(merged_in["balance"]), closed["status_name"], closed["balance"]) == (balance, "合并销户", "0.00")
    # the ledgers on both sides sum to the balances
    assert ledger_sum(b, at_b["account_no"]) == balance and ledger_sum(b, at_a["account_no"]) == 0
    rows = b.get(f"/api/v1/members/{at_a['account_no']}/ledger").json()
    assert [(r["type_name"], r["amount"]) for r in rows] == [
        ("汇缴", amount), ("内部转移", f"-{amount}"), ("内部转移", amount), ("合并", f"-{amount}")]
    again = b.post("/api/v1/merges", json={"from_account": at_a["account_no"], "to_account": at_b["account_no"]})
    assert again.status_code == 409 and "合并销户" in again.json()["error"]["message"]
    pdf = b.get(f"/api/v1/merges/{merge.json()['merge_no']}/voucher.pdf")
    assert pdf.status_code == 200 and merge.json()["merge_no"] in text_of(pdf.content)
    assert a.get(f"/api/v1/merges/{merge.json()['merge_no']}/voucher.pdf").status_code == 404
