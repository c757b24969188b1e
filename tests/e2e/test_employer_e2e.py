"""The employer over HTTP: change → records → voucher (F6.1, F6.2), home (F2.1), and a consultation
answered by `hpf centre` (F17.1)."""
import json

from services.accounts.service import AccountsService
from tests.e2e.helpers import employer_session, hpf


def test_f6_1_f6_2_change_records_and_voucher_over_http(system):
    api, unit_account = employer_session(system, "变更甲公司")
    refused = api.request("PATCH", "/api/v1/employer", json={"name": "改名公司", "postal_code": "710001"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "COUNTER_ONLY"
    changed = api.request("PATCH", "/api/v1/employer", json={"postal_code": "710001", "bank_name": "招商银行西安分行"})
    assert changed.status_code == 200, changed.text
    change = changed.json()
    assert api.get("/api/v1/employer").json()["postal_code"] == "710001"

    records = api.get("/api/v1/employer/changes", params={"start": change["business_date"],
                                                          "end": change["business_date"]}).json()
    assert [r["number"] for r in records] == [change["number"]]
    bad = api.get("/api/v1/employer/changes", params={"start": "2026-02-30"})
    assert bad.status_code == 400 and bad.json()["error"]["details"][0]["field"] == "start"

    pdf = api.get(f"/api/v1/employer/changes/{change['id']}/voucher.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    check = {"kind": "employer_change", "number": change["number"], "unit_account": unit_account,
             "code": pdf.headers["X-Verification-Code"]}
    assert api.get("/api/v1/vouchers/verify", params=check).json() == {"valid": True}

    counter = hpf(system, "centre", "change-employer", unit_account, "--name", "变更甲公司（更名）",
                  "--employer-rate", "0.10", "--operator", "柜员李", "--json")
    assert counter.returncode == 0, counter.stderr
    assert api.get("/api/v1/employer").json()["name"] == "变更甲公司（更名）"
    assert [(r["channel"], r["clerk_name"]) for r in api.get("/api/v1/employer/changes").json()] == [
        ("柜台", "柜员李"), ("网厅", change["clerk_name"])]

    other, _ = employer_session(system, "变更乙公司")
    assert other.get(f"/api/v1/employer/changes/{change['id']}/voucher.pdf").status_code == 404
    assert other.get("/api/v1/employer/changes").json() == []


def test_f17_1_consultation_answered_by_hpf_centre_is_seen_as_a_message(system):
    api, unit_account = employer_session(system, "咨询甲公司")
    asked = api.post("/api/v1/consultations", json={"type": "政策咨询", "content": "年度核定最晚何时办理？"})
    assert asked.status_code == 201, asked.text
    consultation_id = asked.json()["id"]
    pending = json.loads(hpf(system, "centre", "consultations", "--json").stdout)
    assert consultation_id in [c["id"] for c in pending]

    result = hpf(system, "centre", "reply-consultation", str(consultation_id), "--reply", "请于每年7月汇缴前办理。")
    assert result.returncode == 0, result.stderr
    again = hpf(system, "centre", "reply-consultation", str(consultation_id), "--reply", "重复答复")
    assert again.returncode == 1 and "已答复" in again.stderr

    [history] = api.get("/api/v1/consultations").json()
    assert (history["status"], history["reply"]) == ("已答复", "请于每年7月汇缴前办理。")
    messages = api.get("/api/v1/messages").json()
    assert messages["unread"] == 1 and "请于每年7月汇缴前办理。" in messages["items"][0]["body"]
    assert api.post("/api/v1/messages/read", json={"all": True}).json() == {"marked": 1, "unread": 0}

    other, _ = employer_session(system, "咨询乙公司")
    assert other.get("/api/v1/consultations").json() == []
    assert other.get("/api/v1/messages").json()["total"] == 0


def test_f2_1_home_shortcuts_stats_and_notices(system):
    api, unit_account = employer_session(system, "首页甲公司")
    put = api.request("PUT", "/api/v1/home/shortcuts", json={"function_ids": ["F3.1", "F15.1"]})
    assert put.status_code == 200, put.text
    assert [s["name"] for s in api.get("/api/v1/home/shortcuts").json()["shortcuts"]] == ["个人开户", "交易进度查询"]
    stats = api.get("/api/v1/home/stats")
    assert stats.status_code == 200
    assert stats.json()["headcount"]["available"] is hasattr(AccountsService, "member_counts")
    sent = hpf(system, "centre", "notice", "--title", "缴存提醒", "--content", "请按时汇缴",
               "--unit-account", unit_account, "--json")
    assert json.loads(sent.stdout)["recipients"] == 1
    [notice] = api.get("/api/v1/messages", params={"kind": "notice"}).json()["items"]
    assert (notice["title"], notice["kind_name"], notice["read"]) == ("缴存提醒", "中心通知", False)
