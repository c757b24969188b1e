"""The annual base verification (F11.1, F11.2) against the real RabbitMQ and PostgreSQL, with the real
employer and accounts services taking the new rates and bases."""
import base64
import io
import time
from decimal import Decimal

import pytest
from nameko.testing.services import entrypoint_hook
from openpyxl import load_workbook
from sqlalchemy import text

from services.accounts.service import AccountsService
from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from shared.clock import centre_today
from shared.errors import BusinessError
from shared.months import hpf_year_of
from tests.factories import employer_data
from tests.pdfs import text_of
from tests.posting import open_members
from tests.records import remittance_account
from tests.waiting import wait_for

CONTAINERS = {}


@pytest.fixture(scope="module", autouse=True)
def services(start_service):
    for service in (EmployerService, ContributionsService, AccountsService):
        CONTAINERS[service.name] = start_service(service)


@pytest.fixture(scope="module")
def year(config):
    """The HPF year of today: its June is past, so an employer can have it posted."""
    return hpf_year_of(centre_today(config))


def refused(code, call, *args):
    with pytest.raises(BusinessError) as exc:
        call(*args)
    assert exc.value.code == code, exc.value
    return exc.value


def remit(rpc, unit, clerk, month):
    verification = rpc.contributions.create_remittance(unit, clerk, {"month": month})
    rpc.contributions.submit_remittance(unit, clerk, verification["verification_no"])
    result = rpc.contributions.post_bank_receipt({"bank_ref": f"N{time.monotonic_ns()}", "unit_account": unit,
                                                  "amount": verification["amount"],
                                                  "reference": verification["verification_no"]})
    assert result["result"] == "posted", result
    wait_for(lambda: rpc.contributions.get_remittance(unit, verification["verification_no"])["status"] == "posted",
             timeout=60)
    return verification


def new_employer(rpc, db_engine, config, first_month, members):
    registered = rpc.employer.register_employer(employer_data(first_month=first_month))
    unit, clerk = registered["unit_account"], registered["clerks"][0]["id"]
    wait_for(lambda: remittance_account(db_engine("contributions"), unit), timeout=30)
    return unit, clerk, open_members(db_engine("accounts"), config, unit, members)


@pytest.fixture
def june_posted(rpc, db_engine, config, year):
    """An employer (rates 12% / 10%) first remitting June of the year, with three members, June posted."""
    unit, clerk, members = new_employer(rpc, db_engine, config, f"{year}06", 3)
    remit(rpc, unit, clerk, f"{year}06")
    return unit, clerk, members


def filled(template_payload, new_bases, extra_rows=()):
    """The downloaded template with new bases written in (by account no.) and rows added at the end."""
    book = load_workbook(io.BytesIO(base64.b64decode(template_payload["content_base64"])))
    sheet = book["年度核定清册"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in new_bases:
            row[4].value = new_bases[row[0].value]
    for values in extra_rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def bases(db_engine, account_nos):
    with db_engine("accounts").connect() as conn:
        return dict(conn.execute(text("select account_no, base from members where account_no = any(:a)"),
                                 {"a": list(account_nos)}).all())


def test_f11_1_year_rules_june_posted_owed_and_consecutive(rpc, db_engine, config, year):
    # June of the year not yet remitted: nothing to verify yet, and the page says why
    unit, clerk, _ = new_employer(rpc, db_engine, config, f"{year}06", 1)
    status = rpc.contributions.annual_status(unit)
    assert (status["year"], status["owed"], status["can_start"]) == (year, True, False)
    assert f"{year}年6月汇缴入账后方可办理" in status["refusal"]
    refused("JUNE_NOT_POSTED", rpc.contributions.annual_template, unit, year)
    refused("JUNE_NOT_POSTED", rpc.contributions.submit_annual, unit, clerk, year, {})
    # years in a row: the year after is refused while this one is owed; an earlier year is not owed
    assert "请先办理" in refused("ANNUAL_NOT_CONSECUTIVE", rpc.contributions.submit_annual, unit, clerk,
                               year + 1, {}).message
    assert "无需办理" in refused("ANNUAL_NOT_OWED", rpc.contributions.annual_template, unit, year - 1).message
    refused("VALIDATION_ERROR", rpc.contributions.annual_template, unit, "20x6")
    # an employer whose first month is July owes none for that year, and remits July without one
    july_unit, july_clerk, _ = new_employer(rpc, db_engine, config, f"{year}07", 1)
    assert rpc.contributions.annual_status(july_unit)["year"] == year + 1
    refused("ANNUAL_NOT_OWED", rpc.contributions.annual_template, july_unit, year)
    assert rpc.contributions.create_remittance(july_unit, july_clerk, {"month": f"{year}07"})["status"] == "saved"


def test_f11_1_template_review_submit_with_rates_then_july_uses_them(rpc, db_engine, year, june_posted):
    unit, clerk, (first, second, third) = june_posted
    july = f"{year}07"
    error = refused("ANNUAL_VERIFICATION_REQUIRED", rpc.contributions.create_remittance, unit, clerk, {"month": july})
    assert f"{year}年度缴存基数核定" in error.message
    assert rpc.contributions.annual_verification_pending(unit, july)["pending"] is True

    template = rpc.contributions.annual_template(unit, year)
    sheet = load_workbook(io.BytesIO(base64.b64decode(template["content_base64"])))["年度核定清册"]
    listed = [[c.value for c in row] for row in sheet.iter_rows(min_row=2, max_row=4)]
    assert [(r[0], r[3], r[4]) for r in listed] == [(a, "5000.00", None) for a in (first, second, third)]

    # the second's new base is above the cap, an unknown account and a repeated row are refused by row
    content = filled(template, {first: "6000", second: "27000.01"},
                     extra_rows=[["61019999999999", "某人", "", "", "5000"], [first, "", "", "", "6500"]])
    result = rpc.contributions.import_annual_file(unit, year, content)
    assert result["imported"] == 1, result
    messages = {(e["row"], e["message"]) for e in result["errors"]}
    assert any("27000.00" in m for _, m in messages) and any("不在本单位本年度核定名单内" in m for _, m in messages)
    assert any("已在年度核定清册中" in m for _, m in messages) and result["error_file"]

    page = rpc.contributions.list_annual_drafts(unit, year)
    assert (page["total"], page["changed"], page["roster_total"], page["unlisted"]) == (1, 1, 3, 2)
    assert {m["account_no"] for m in page["unlisted_sample"]} == {second, third}
    row = page["items"][0]
    assert (row["account_no"], row["old_base"], row["new_base"]) == (first, "5000.00", "6000.00")
    refused("BASE_OUT_OF_BOUNDS", rpc.contributions.update_annual_draft, unit, year, row["id"], {"new_base": "100"})
    refused("NOT_FOUND", rpc.contributions.update_annual_draft, "610100009999", year, row["id"], {"new_base": "6100"})
    assert rpc.contributions.update_annual_draft(unit, year, row["id"], {"new_base": "6100.50"})["new_base"] == "6100.50"

    # rates outside the year's range are refused and nothing changes; then 10% / 8% from July
    refused("RATE_OUT_OF_RANGE", rpc.contributions.submit_annual, unit, clerk, year, {"employer_rate": "0.13"})
    refused("VALIDATION_ERROR", rpc.contributions.submit_annual, unit, clerk, year, {"employer_rate": "0.10001"})
    assert rpc.contributions.list_annual_drafts(unit, year)["total"] == 1
    submitted = rpc.contributions.submit_annual(unit, clerk, year, {"employer_rate": "0.10", "employee_rate": "0.08"})
    assert submitted["annual_no"].startswith("ND") and submitted["task_id"]
    wait_for(lambda: rpc.contributions.annual_status(unit, year)["status"] == "done", timeout=30)

    assert bases(db_engine, (first, second, third)) == {first: Decimal("6100.50"), second: Decimal("5000.00"),
                                                        third: Decimal("5000.00")}
    employer = rpc.employer.get_employer(unit)
    assert (employer["employer_rate"], employer["employee_rate"]) == ("0.1000", "0.0800")
    change = rpc.employer.list_changes(unit, {})[0]
    assert change["channel"] == "年度核定"
    refused("ANNUAL_DONE", rpc.contributions.submit_annual, unit, clerk, year, {})
    assert rpc.contributions.annual_verification_pending(unit, july)["pending"] is False
    assert rpc.contributions.annual_status(unit)["year"] == year + 1

    # July: the new bases at the new rates, each part rounded to the yuan
    verification = rpc.contributions.create_remittance(unit, clerk, {"month": july})
    assert (verification["employer_rate"], verification["employee_rate"]) == ("0.1000", "0.0800")
    # 6100.50 × 10% = 610.05 → 610, × 8% = 488.04 → 488; 5000 × 10% = 500, × 8% = 400 (twice)
    assert (verification["employer_amount"], verification["employee_amount"]) == ("1610.00", "1288.00")

    # F11.2: the query, the roster and the voucher
    [record] = rpc.contributions.list_annuals(unit, {})
    assert (record["annual_no"], record["headcount"], record["changed"], record["status_name"]) == (
        submitted["annual_no"], 3, 1, "已核定")
    assert (record["old_employer_rate"], record["employer_rate"]) == ("0.1200", "0.1000")
    roster = load_workbook(io.BytesIO(base64.b64decode(
        rpc.contributions.annual_roster_file(unit, year)["content_base64"]))).active
    lines = {row[1].value: [c.value for c in row] for row in roster.iter_rows(min_row=2)}
    assert lines[first][4:8] == ["5000.00", "6100.50", "是", "清册"]
    assert lines[third][4:8] == ["5000.00", "5000.00", "否", "保留原基数"]
    voucher = rpc.contributions.annual_voucher(unit, year)
    words = text_of(base64.b64decode(voucher["content_base64"]))
    assert submitted["annual_no"] in words and "6100.50" in words and voucher["verification_code"]
    refused("NOT_FOUND", rpc.contributions.annual_voucher, "610100009999", year)
    # the members' history keeps each base change
    with db_engine("accounts").connect() as conn:
        history = conn.execute(text("select account_no, old_base, new_base, reason from status_changes"
                                    " where kind = 'annual' and unit_account = :u"), {"u": unit}).all()
    assert [tuple(h) for h in history] == [(first, Decimal("5000.00"), Decimal("6100.50"), submitted["annual_no"])]


def test_f11_1_a_member_left_out_keeps_his_base_only_within_the_bounds(rpc, db_engine, year, june_posted):
    unit, clerk, (first, second, third) = june_posted
    with db_engine("accounts").begin() as conn:  # a base the year's bounds no longer admit
        conn.execute(text("update members set base = 2000 where account_no = :a"), {"a": third})
    template = rpc.contributions.annual_template(unit, year)
    rpc.contributions.import_annual_file(unit, year, filled(template, {first: "5200"}))
    error = refused("BASE_OUT_OF_BOUNDS", rpc.contributions.submit_annual, unit, clerk, year, {})
    assert third in error.message and "请在清册中为其填写新基数" in error.message
    assert rpc.contributions.list_annual_drafts(unit, year)["total"] == 1  # the refusal keeps the list
    assert rpc.contributions.clear_annual_drafts(unit, year) == {"deleted": 1}
    rpc.contributions.import_annual_file(unit, year, filled(template, {first: "5200", third: "2160"}))
    rpc.contributions.submit_annual(unit, clerk, year, {})
    wait_for(lambda: rpc.contributions.annual_status(unit, year)["status"] == "done", timeout=30)
    assert bases(db_engine, (first, second, third)) == {first: Decimal("5200.00"), second: Decimal("5000.00"),
                                                        third: Decimal("2160.00")}
    employer = rpc.employer.get_employer(unit)
    assert (employer["employer_rate"], employer["employee_rate"]) == ("0.1200", "0.1000")  # rates unchanged


def test_f11_1_an_annual_verification_left_applying_is_resumed_once(rpc, db_engine, year, june_posted):
    unit, clerk, (first, _, _) = june_posted
    rpc.contributions.import_annual_file(unit, year, filled(rpc.contributions.annual_template(unit, year),
                                                            {first: "7000"}))
    submitted = rpc.contributions.submit_annual(unit, clerk, year, {"employee_rate": "0.12"})
    wait_for(lambda: rpc.contributions.annual_status(unit, year)["status"] == "done", timeout=30)
    # as if the service had died before marking it done: the sweep runs it again, changing nothing twice
    with db_engine("contributions").begin() as conn:
        conn.execute(text("update annual_verifications set status = 'applying', submitted_at = now() - interval '1 hour'"
                          " where annual_no = :n"), {"n": submitted["annual_no"]})
    with entrypoint_hook(CONTAINERS["contributions"], "sweep") as sweep:
        sweep()
    assert rpc.contributions.annual_status(unit, year)["status"] == "done"
    with db_engine("accounts").connect() as conn:
        assert conn.execute(text("select count(*) from status_changes where kind = 'annual' and reason = :n"),
                            {"n": submitted["annual_no"]}).scalar() == 1
    assert len([c for c in rpc.employer.list_changes(unit, {}) if c["channel"] == "年度核定"]) == 1
    assert rpc.accounts.apply_annual_bases(unit, {"reference": submitted["annual_no"], "clerk_name": "某",
                                                  "rows": [[first, "7000.00"]]}) == {"updated": 0}
