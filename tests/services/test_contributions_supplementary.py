"""Supplementary contributions (F13.1-F13.3) against the real RabbitMQ and PostgreSQL, with the real
accounts service writing the member rows."""
import base64
import io
import time
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from services.accounts.service import AccountsService
from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from shared.clock import centre_today
from shared.errors import BusinessError
from shared.months import add_months, month_of
from tests.factories import employer_data
from tests.posting import open_members
from tests.records import remittance_account
from tests.waiting import wait_for

CAP = (Decimal("27000.00") * (Decimal("0.12") + Decimal("0.12"))).quantize(Decimal("0.01"))  # cap base × both maxima


@pytest.fixture(scope="module", autouse=True)
def services(start_service):
    for service in (EmployerService, ContributionsService, AccountsService):
        start_service(service)


@pytest.fixture(scope="module")
def month(config):
    return month_of(centre_today(config))


def refused(code, call, *args):
    with pytest.raises(BusinessError) as exc:
        call(*args)
    assert exc.value.code == code, exc.value
    return exc.value


def pay(rpc, unit, verification):
    result = rpc.contributions.post_bank_receipt({"bank_ref": f"S{time.monotonic_ns()}", "unit_account": unit,
                                                  "amount": verification["amount"],
                                                  "reference": verification["verification_no"]})
    assert result["result"] == "posted", result
    wait_for(lambda: rpc.contributions.get_remittance(unit, verification["verification_no"])["status"] == "posted",
             timeout=60)


@pytest.fixture
def employer(rpc, db_engine, config, month):
    """An employer (rates 12% / 10%) whose current month is posted for its two members."""
    registered = rpc.employer.register_employer(employer_data(first_month=month))
    unit, clerk = registered["unit_account"], registered["clerks"][0]["id"]
    wait_for(lambda: remittance_account(db_engine("contributions"), unit), timeout=30)
    members = open_members(db_engine("accounts"), config, unit, 2)
    verification = rpc.contributions.create_remittance(unit, clerk, {"month": month})
    rpc.contributions.submit_remittance(unit, clerk, verification["verification_no"])
    pay(rpc, unit, verification)
    return unit, clerk, members


def test_f13_1_rows_obey_the_month_rules_and_the_monthly_cap(rpc, employer, month):
    unit, _, (first, second) = employer
    add = rpc.contributions.add_supplementary_draft
    row = {"account_no": first, "month": month, "amount": "1000.00", "reason": "基数调整补缴"}
    assert "缴至月份" in refused("SUPPLEMENTARY_MONTH", add, unit, {**row, "month": add_months(month, 1)}).message
    earlier_year = f"{int(month[:4]) - 1}06" if int(month[4:]) >= 7 else f"{int(month[:4]) - 2}06"
    assert "须至中心柜台办理" in refused("SUPPLEMENTARY_MONTH", add, unit, {**row, "month": earlier_year}).message
    refused("VALIDATION_ERROR", add, unit, {**row, "month": "2026-11"})
    refused("VALIDATION_ERROR", add, unit, {**row, "amount": "0"})
    refused("VALIDATION_ERROR", add, unit, {**row, "amount": "10.001"})
    refused("VALIDATION_ERROR", add, unit, {**row, "reason": "=HYPERLINK(1)"})
    refused("NOT_FOUND", add, unit, {**row, "account_no": "61019999999999"})
    # 1100.00 remitted for the month (5000 × 22%): the room left under the cap
    room = CAP - Decimal("1100.00")
    error = refused("OVER_MONTHLY_CAP", add, unit, {**row, "amount": str(room + Decimal("0.01"))})
    assert f"本次最多可补缴{room}元" in error.message
    draft = add(unit, {**row, "amount": "1000.50"})
    # split by the month's rates: employer part round(1000.50 × 12/22) to the yuan, employee the rest
    assert (draft["employer_part"], draft["employee_part"], draft["name"]) == ("546.00", "454.50", draft["name"])
    refused("IN_ROSTER", add, unit, {**row, "amount": "1.00"})
    # the roster's own rows count: raising the row beyond the room is refused, up to it accepted
    refused("OVER_MONTHLY_CAP", rpc.contributions.update_supplementary_draft, unit, draft["id"],
            {"amount": str(room + 1)})
    assert rpc.contributions.update_supplementary_draft(unit, draft["id"], {"amount": str(room)})["amount"] == str(room)
    page = rpc.contributions.list_supplementary_drafts(unit)
    assert (page["total"], page["amount"]) == (1, str(room))
    assert rpc.contributions.list_supplementary_drafts("610100009999")["total"] == 0
    refused("NOT_FOUND", rpc.contributions.delete_supplementary_draft, "610100009999", draft["id"])


def test_f13_1_submit_pay_and_the_member_rows_are_type_02_with_their_month(rpc, employer, month, db_engine):
    unit, clerk, (first, second) = employer
    for account_no, amount in ((first, "200.00"), (second, "300.00")):
        rpc.contributions.add_supplementary_draft(unit, {"account_no": account_no, "month": month, "amount": amount,
                                                         "reason": "漏缴"})
    submitted = rpc.contributions.submit_supplementaries(unit, clerk)
    number = submitted["verification_no"]
    assert number.startswith("BJ") and rpc.contributions.list_supplementary_drafts(unit)["total"] == 0
    verification = rpc.contributions.get_remittance(unit, number)
    assert (verification["kind_name"], verification["status"], verification["amount"], verification["headcount"]) == (
        "补缴", "awaiting", "500.00", 2)
    assert verification["voucher_url"] == f"/api/v1/supplementaries/{number}/voucher.pdf"
    assert [p["verification_no"] for p in rpc.contributions.list_payments(unit, {"kind": "supplementary"})] == [number]
    assert [v["verification_no"] for v in rpc.contributions.list_supplementaries(unit, {})] == [number]
    refused("ROSTER_EMPTY", rpc.contributions.submit_supplementaries, unit, clerk)
    sheet = load_workbook(io.BytesIO(base64.b64decode(
        rpc.contributions.remittance_roster_file(unit, number)["content_base64"]))).active
    assert [row[1].value for row in sheet.iter_rows(min_row=2, max_row=3)] == [first, second]
    paid_up_to = remittance_account(db_engine("contributions"), unit).paid_up_to
    pay(rpc, unit, verification)
    assert remittance_account(db_engine("contributions"), unit).paid_up_to == paid_up_to  # 补缴 moves no month
    with db_engine("accounts").connect() as conn:
        rows = conn.execute(text("select account_no, type, month, amount from member_ledger where reference = :r"
                                 " order by account_no"), {"r": number}).all()
    assert [tuple(r) for r in rows] == [(first, "02", month, Decimal("200.00")), (second, "02", month, Decimal("300.00"))]
    # what is posted takes room under the cap
    room = CAP - Decimal("1100.00") - Decimal("200.00")
    refused("OVER_MONTHLY_CAP", rpc.contributions.add_supplementary_draft, unit,
            {"account_no": first, "month": month, "amount": str(room + 1), "reason": "再补"})


def test_f14_1_an_unpaid_supplementary_is_cancelled_and_frees_its_room(rpc, employer, month):
    unit, clerk, (first, _) = employer
    room = CAP - Decimal("1100.00")
    rpc.contributions.add_supplementary_draft(unit, {"account_no": first, "month": month, "amount": str(room),
                                                     "reason": "补缴"})
    number = rpc.contributions.submit_supplementaries(unit, clerk)["verification_no"]
    refused("OVER_MONTHLY_CAP", rpc.contributions.add_supplementary_draft, unit,
            {"account_no": first, "month": month, "amount": "1.00", "reason": "补缴"})
    assert rpc.contributions.cancel_payment(unit, number)["status_name"] == "已撤销"
    rpc.contributions.add_supplementary_draft(unit, {"account_no": first, "month": month, "amount": "1.00",
                                                     "reason": "补缴"})


def test_f13_2_the_template_and_an_upload_with_bad_rows(rpc, employer, month):
    unit, _, (first, second) = employer
    template = base64.b64decode(rpc.contributions.supplementary_template()["content_base64"])
    wb = load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == ["个人账号", "补缴月份", "补缴金额", "补缴原因"]
    for r, row in enumerate([[first, month, "100.00", "漏缴"], [second, add_months(month, 1), "100.00", "漏缴"],
                             ["61019999999999", month, "100.00", "漏缴"], [first, month, "5.00", "重复"],
                             [second, month, "abc", "漏缴"]], start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    result = rpc.contributions.import_supplementary_file(unit, base64.b64encode(buffer.getvalue()).decode())
    assert result["imported"] == 1
    assert sorted((e["row"], e["column"]) for e in result["errors"]) == [
        (3, "补缴月份"), (4, "个人账号"), (5, "补缴月份"), (6, "补缴金额")]
    assert result["error_file"]["filename"] == "补缴清册报错文件.xlsx"
