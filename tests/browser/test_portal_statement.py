"""年度个人对账 (F4.3) in the browser: an ended HPF year's lines, one person found by name, the export."""
import io
from datetime import date

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from shared.clock import centre_today
from shared.months import hpf_year_of
from tests.factories import mobile, resident_id
from tests.waiting import wait_for


def posted(engine, account_no, unit, amount, value_date):
    """Money on the account with its value date, as a posting leaves it (row and balance together)."""
    with engine.begin() as conn:
        balance = conn.execute(text("select balance from members where account_no = :a"), {"a": account_no}).scalar()
        conn.execute(text("insert into member_ledger (account_no, unit_account, value_date, type, amount, balance_after,"
                          " reference, summary, created_at) values (:a, :u, :d, '01', :m, :b, :r, '', now())"),
                     {"a": account_no, "u": unit, "d": value_date, "m": amount, "b": balance + amount,
                      "r": f"HJ{account_no}{value_date:%Y%m%d}"})
        conn.execute(text("update members set balance = :b where account_no = :a"), {"a": account_no, "b": balance + amount})


def test_f4_3_the_annual_statement_of_an_ended_year(hall, clerk, system):
    api, _, unit = clerk("浏览器对账有限公司")
    page = hall.page
    for name in ("对账甲", "对账乙"):
        assert api.post("/api/v1/openings/drafts", json={"name": name, "id_number": resident_id(), "base": "5000.00",
                                                          "mobile": mobile()}).status_code == 201
    task_id = api.post("/api/v1/openings/submit").json()["task_id"]
    wait_for(lambda: api.get(f"/api/v1/tasks/{task_id}").json().get("status") == "succeeded", timeout=60)
    first = api.get("/api/v1/members", params={"name": "对账甲"}).json()[0]["account_no"]
    year = hpf_year_of(centre_today(system.config)) - 1
    engine = create_engine(system.env["ACCOUNTS_DB_URL"])
    posted(engine, first, unit, 1000, date(year, 3, 1))       # carried over into the year
    posted(engine, first, unit, 1200, date(year, 12, 1))      # remitted in the year
    posted(engine, first, unit, 300, date(year + 1, 9, 1))    # after it: not in this statement

    hall.menu("个人账户管理", "个人账户查询", "年度个人对账")
    page.locator(".statement-search").click()
    lines = page.locator(".statement-lines .el-table__body-wrapper tbody tr")
    expect(lines).to_have_count(2)
    row = lines.filter(has_text="对账甲")
    for shown in ("1,000.00", "1,200.00", "2,200.00"):
        expect(row).to_contain_text(shown)
    expect(page.get_by_text(f"{year}年7月1日至{year + 1}年6月30日")).to_be_visible()
    page.locator(".statement-text input").fill("对账乙")
    page.locator(".statement-search").click()
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("对账乙")
    with page.expect_download() as download:
        page.locator(".statement-export").click()
    assert download.value.suggested_filename == f"{year}年度个人对账.xlsx"
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "个人账号" and len(rows) == 3
    assert next(r for r in rows if r[0] == first)[-1] == "2200.00"
    hall.shot("statement")
