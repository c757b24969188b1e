"""A whole HPF year over HTTP and `hpf centre` (F12.1, F11.1, F11.2, F13.1, B1, B2, F4.3).

HPF year 2023 (1 July 2023 – 30 June 2024, 366 days), an ended year that no other test settles, with
its policy set by the centre: an employer first remitting June 2023 pays June; July is refused
before the annual verification; the annual verification raises the base and lowers the rates; July
to June are remitted with the new base; a supplementary for a month of that year is for the counter
now (the current HPF year is later); the year's interest is settled and worked out here by hand."""
import base64
import io
import json
import time
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import create_engine

from shared.months import hpf_year_months
from tests.e2e.helpers import employer_session, hpf
from tests.posting import open_members
from tests.waiting import wait_for

YEAR = 2023


def centre(system, *args):
    result = hpf(system, "centre", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def remit(system, api, unit, month, value_date, amount):
    saved = api.post("/api/v1/remittances", json={"month": month})
    assert saved.status_code == 201, saved.text
    number = saved.json()["verification_no"]
    assert saved.json()["amount"] == amount, saved.json()
    assert api.post(f"/api/v1/remittances/{number}/submit").status_code == 202
    receipt = centre(system, "bank-receipt", "--unit-account", unit, "--amount", amount, "--bank-ref",
                     f"Y{unit}{month}", "--reference", number, "--value-date", value_date.isoformat())
    assert receipt["result"] == "posted", receipt
    wait_for(lambda: api.get(f"/api/v1/remittances/{number}").json()["status"] == "posted", timeout=60)


def test_f11_f12_b2_a_whole_hpf_year_with_the_annual_verification_and_interest_by_hand(system):
    for year in (YEAR - 1, YEAR):  # June 2023 belongs to HPF year 2022
        centre(system, "set-policy", "--year", str(year), "--base-floor", "2000.00", "--base-cap", "25000.00",
               "--rate-min", "0.05", "--rate-max", "0.12", "--rounding-unit", "yuan", "--rounding-mode", "half_up",
               "--interest-rate", "0.015", "--day-basis", "actual")
    api, unit = employer_session(system, "全年测试有限公司", first_month=f"{YEAR}06")
    engine = create_engine(system.env["ACCOUNTS_DB_URL"])
    [member] = open_members(engine, system.config, unit, 1)   # base 5000.00; the employer's rates 12% / 12%
    engine.dispose()

    # June 2023: 5000 × 12% = 600 twice
    remit(system, api, unit, f"{YEAR}06", date(YEAR, 6, 20), "1200.00")
    july = api.post("/api/v1/remittances", json={"month": f"{YEAR}07"})
    assert july.status_code == 400 and july.json()["error"]["code"] == "ANNUAL_VERIFICATION_REQUIRED", july.text
    assert f"{YEAR}年度缴存基数核定" in july.json()["error"]["message"]

    # the annual verification: base 6000 from July, rates 10% / 8%
    due = api.get("/api/v1/annual/due").json()
    assert (due["year"], due["can_start"], due["base_floor"], due["employer_rate"]) == (YEAR, True, "2000.00", "0.1200")
    template = api.get(f"/api/v1/annual/{YEAR}/template.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.content))
    sheet = book["年度核定清册"]
    assert [c.value for c in sheet[2]][:1] == [member] and sheet.cell(row=2, column=4).value == "5000.00"
    sheet.cell(row=2, column=5).value = "6000"
    buffer = io.BytesIO()
    book.save(buffer)
    imported = api.post(f"/api/v1/annual/{YEAR}/import", files={"file": ("年度核定.xlsx", buffer.getvalue())})
    assert (imported.status_code, imported.json()["imported"]) == (200, 1), imported.text
    submitted = api.post(f"/api/v1/annual/{YEAR}/submit", json={"employer_rate": "0.10", "employee_rate": "0.08"})
    assert submitted.status_code == 202, submitted.text
    wait_for(lambda: api.get(f"/api/v1/tasks/{submitted.json()['task_id']}").json().get("status") == "succeeded",
             timeout=60)
    [record] = api.get("/api/v1/annual").json()
    assert (record["status_name"], record["changed"], record["employer_rate"]) == ("已核定", 1, "0.1000")
    voucher = api.get(record["voucher_url"])
    assert voucher.status_code == 200 and voucher.headers["X-Verification-Code"]
    again = api.post(f"/api/v1/annual/{YEAR}/submit", json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "ANNUAL_DONE"
    assert api.get("/api/v1/employer").json()["employer_rate"] == "0.1000"   # F7.1 shows the new rates
    seen = centre(system, "annual", "--unit-account", unit, "--year", str(YEAR))
    assert (seen["status"]["status"], [a["annual_no"] for a in seen["annuals"]]) == ("done", [record["annual_no"]])
    plain = hpf(system, "centre", "annual", "--unit-account", unit)
    assert f"{YEAR + 1}年度缴存基数核定：未办理（{YEAR + 1}年6月汇缴入账后方可办理" in plain.stdout, plain.stdout

    # July 2023 – June 2024 at the new base: 6000 × 10% = 600, 6000 × 8% = 480; paid on each month's 15th
    for month in hpf_year_months(YEAR):
        remit(system, api, unit, month, date(int(month[:4]), int(month[4:]), 15), "1080.00")
    assert api.get("/api/v1/annual/due").json()["year"] == YEAR + 1   # owed next, July 2024

    # a supplementary for a month of 2023 is for the counter: today's HPF year is a later one
    refused = api.post("/api/v1/supplementaries/drafts", json={"account_no": member, "month": f"{YEAR}10",
                                                               "amount": "100.00", "reason": "漏缴"})
    assert refused.status_code == 400 and "柜台" in refused.json()["error"]["message"], refused.text

    settled = centre(system, "settle-interest", "--year", str(YEAR), "--timeout", "120")
    assert settled["status"] == "succeeded", settled
    # By hand, at 1.5% over the 366 days of the year, each amount counted from its value date to
    # 30 June 2024, both included:
    #   carried over at 1 July 2023: 1200.00 for all 366 days → 1200 × 0.015 = 18.00
    #   twelve 1080.00 paid on the 15th of Jul … Jun → days 352, 321, 290, 260, 229, 199, 168, 137,
    #   108, 77, 47, 16 (sum 2204) → 1080 × 2204 × 0.015 / 366 = 35704.80 / 366 = 97.5541
    #   interest = 18.00 + 97.5541 = 115.5541 → 115.55 to the fen, half up
    ledger = api.get(f"/api/v1/members/{member}/ledger").json()
    interest = [row for row in ledger if row["type"] == "09"]
    assert [(r["amount"], r["date"]) for r in interest] == [("115.55", f"{YEAR + 1}-06-30")], interest
    [line] = api.get("/api/v1/statements", params={"year": YEAR}).json()
    # closing = 1200 carried + 12 × 1080 remitted + 115.55 interest
    assert (line["carried"], line["remitted"], line["interest"], line["closing"]) == (
        "1200.00", "12960.00", "115.55", "14275.55")
    assert api.get(f"/api/v1/members/{member}").json()["base"] == "6000.00"
