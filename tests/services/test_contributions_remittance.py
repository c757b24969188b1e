"""Monthly remittance (F12), cancel (F14.1), bank receipts and suspense (B1), the employer ledger
(F7.2, F7.3): the contributions service against the real broker and database, with the employer
service and a stand-in accounts service that answers the roster and writes member rows."""
import io
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from nameko.events import EventDispatcher
from openpyxl import load_workbook
from sqlalchemy import text

from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from shared.clock import centre_today
from shared.downloads import file_content
from shared.errors import BusinessError
from shared.money import capital_amount
from shared.months import add_months, hpf_year_of, month_of
from tests.factories import employer_data, resident_id
from tests.pdfs import text_of
from tests.records import remittance_account
from tests.services import contributions_standin as standin
from tests.services.contributions_standin import StandInAccounts
from tests.waiting import wait_for


@pytest.fixture(scope="module", autouse=True)
def services(start_service):
    standin.reset()
    for cls in (EmployerService, ContributionsService, StandInAccounts):
        start_service(cls)


@pytest.fixture(scope="module")
def engine(db_engine):
    return db_engine("contributions")


@pytest.fixture(scope="module")
def today(config):
    return centre_today(config)


@pytest.fixture(scope="module")
def july(today):
    """July of the current HPF year: a first month from which every month up to now can be remitted
    (the employer owes no annual verification for its first year)."""
    return f"{hpf_year_of(today)}07"


def new_employer(rpc, engine, first_month, rates=("0.05", "0.05"), members=()):
    data = employer_data(employer_rate=rates[0], employee_rate=rates[1], first_month=first_month)
    registered = rpc.employer.register_employer(data)
    unit, clerk = registered["unit_account"], registered["clerks"][0]["id"]
    wait_for(lambda: remittance_account(engine, unit))
    standin.ROSTERS[unit] = list(members)
    return unit, clerk


def roster(unit, bases):
    return [[f"9{unit[-6:]}{i:06d}", f"职工{i}", resident_id(), base] for i, base in enumerate(bases, 1)]


def refused(code, call, *args):
    with pytest.raises(BusinessError) as exc:
        call(*args)
    assert exc.value.code == code, exc.value
    return exc.value


def scalar(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def status_of(rpc, unit, number):
    return rpc.contributions.get_remittance(unit, number)["status"]


def submitted(rpc, unit, clerk, month):
    verification = rpc.contributions.create_remittance(unit, clerk, {"month": month})
    rpc.contributions.submit_remittance(unit, clerk, verification["verification_no"])
    return verification


def pay(rpc, unit, verification, bank_ref=None, amount=None, reference=None):
    return rpc.contributions.post_bank_receipt({
        "bank_ref": bank_ref or f"B{time.monotonic_ns()}", "unit_account": unit,
        "amount": amount or verification["amount"],
        "reference": verification["verification_no"] if reference is None else reference})


def test_f12_1_save_submit_pay_and_every_member_row_is_posted(rpc, engine, july, today):
    unit, clerk = new_employer(rpc, engine, july)
    standin.ROSTERS[unit] = roster(unit, ["2250.00", "2250.00", "10000.00"])
    saved = rpc.contributions.create_remittance(unit, clerk, {"month": july})
    # 2250 × 5% = 112.50 → 113 to the yuan, half-up; each part on its own
    assert (saved["status"], saved["kind"], saved["month"], saved["headcount"]) == ("saved", "01", july, 3)
    assert (saved["employer_amount"], saved["employee_amount"], saved["amount"]) == ("726.00", "726.00", "1452.00")
    assert saved["payment_reference"] is None  # only once submitted
    assert (saved["changes"]["added"], saved["changes"]["removed"], saved["changes"]["amount_up"]) == (
        3, 0, "1452.00")
    answer = rpc.contributions.submit_remittance(unit, clerk, saved["verification_no"])
    assert answer["task_id"] and answer["status"] == "awaiting"
    awaiting = rpc.contributions.get_remittance(unit, saved["verification_no"])
    assert (awaiting["status_name"], awaiting["payment_reference"]) == ("待缴款", saved["verification_no"])
    assert [p["verification_no"] for p in rpc.contributions.list_payments(unit, {"kind": "remittance"})] == [
        saved["verification_no"]]
    result = pay(rpc, unit, saved, bank_ref=f"R{unit}")
    assert (result["result"], result["verification_no"]) == ("posted", saved["verification_no"])
    wait_for(lambda: status_of(rpc, unit, saved["verification_no"]) == "posted")
    posted = rpc.contributions.get_remittance(unit, saved["verification_no"])
    assert posted["value_date"] == today.isoformat() and posted["status_name"] == "已入账"
    credited = {key: value for key, value in standin.CREDITED.items() if key[0] == saved["verification_no"]}
    assert sorted(k[1] for k in credited) == [m[0] for m in standin.ROSTERS[unit]]
    assert sum(Decimal(a) + Decimal(b) for a, b in credited.values()) == Decimal("1452.00")
    assert remittance_account(engine, unit).paid_up_to == july
    ledger = rpc.contributions.employer_ledger(unit, {})
    assert [(e["type_name"], e["amount"], e["balance"], e["month"]) for e in ledger] == [
        ("汇缴", "1452.00", "1452.00", july)]
    assert rpc.contributions.list_payments(unit, {}) == []
    stats = rpc.employer.home_stats(unit)["monthly"]
    assert stats["available"] and stats["paid_up_to"] == july
    assert [(m["month"], m["headcount"], m["amount"]) for m in stats["items"]] == [(july, 3, "1452.00")]
    # the next month compares against this one
    standin.ROSTERS[unit] = standin.ROSTERS[unit][1:] + roster(unit, ["3000.00"])[:0] + [
        ["9x" + unit[-6:] + "000099", "新职工", resident_id(), "3000.00"]]
    following = rpc.contributions.create_remittance(unit, clerk, {"month": add_months(july, 1)})
    assert (following["changes"]["added"], following["changes"]["removed"]) == (1, 1)
    assert following["changes"]["previous_month"] == july


def test_f12_1_month_rules_are_refused_in_chinese(rpc, engine, july, today):
    unit, clerk = new_employer(rpc, engine, july, members=[])
    standin.ROSTERS[unit] = roster(unit, ["5000.00"])
    error = refused("MONTH_NOT_CONTINUOUS", rpc.contributions.create_remittance, unit, clerk,
                    {"month": add_months(july, 1)})
    assert "应汇缴的月份" in error.message
    refused("MONTH_IN_FUTURE", rpc.contributions.create_remittance, unit, clerk,
            {"month": add_months(month_of(today), 1)})
    refused("VALIDATION_ERROR", rpc.contributions.create_remittance, unit, clerk, {"month": "2026-12"})
    first = rpc.contributions.create_remittance(unit, clerk, {"month": july})
    error = refused("OPEN_REMITTANCE", rpc.contributions.create_remittance, unit, clerk, {"month": july})
    assert first["verification_no"] in error.message


def test_f12_1_a_year_without_policy_and_a_july_owing_the_annual_verification(rpc, engine, july):
    earliest = scalar(engine, "select min(year) from policies")
    unit, clerk = new_employer(rpc, engine, f"{earliest - 1}08", members=[])
    error = refused("POLICY_MISSING", rpc.contributions.create_remittance, unit, clerk,
                    {"month": f"{earliest - 1}08"})
    assert "联系中心" in error.message
    june = add_months(july, -1)
    unit, clerk = new_employer(rpc, engine, june, members=[])
    standin.ROSTERS[unit] = roster(unit, ["5000.00"])
    verification = submitted(rpc, unit, clerk, june)
    pay(rpc, unit, verification)
    wait_for(lambda: remittance_account(engine, unit).paid_up_to == june)
    error = refused("ANNUAL_VERIFICATION_REQUIRED", rpc.contributions.create_remittance, unit, clerk,
                    {"month": july})
    assert "年度缴存基数核定" in error.message


def test_f12_1_a_base_out_of_bounds_refuses_the_save_naming_the_members(rpc, engine, july):
    unit, clerk = new_employer(rpc, engine, july)
    standin.ROSTERS[unit] = roster(unit, ["5000.00", "1000.00", "99999.00"])
    error = refused("BASE_OUT_OF_BOUNDS", rpc.contributions.create_remittance, unit, clerk, {"month": july})
    assert "职工2" in error.message and "职工3" in error.message and "职工1（" not in error.message
    assert scalar(engine, "select count(*) from verifications where unit_account = :u", u=unit) == 0


def test_f12_1_no_member_is_a_zero_remittance_posted_at_submit(rpc, engine, july):
    unit, clerk = new_employer(rpc, engine, july, members=[])
    saved = rpc.contributions.create_remittance(unit, clerk, {"month": july})
    assert (saved["headcount"], saved["amount"]) == (0, "0.00")
    assert rpc.contributions.submit_remittance(unit, clerk, saved["verification_no"])["status"] == "posted"
    assert remittance_account(engine, unit).paid_up_to == july
    assert [e["summary"] for e in rpc.contributions.employer_ledger(unit, {})] == [
        f"{july[:4]}年{int(july[4:])}月零申报"]


def test_f12_1_discard_keeps_the_record_and_frees_the_month(rpc, engine, july):
    unit, clerk = new_employer(rpc, engine, july)
    standin.ROSTERS[unit] = roster(unit, ["5000.00"])
    first = rpc.contributions.create_remittance(unit, clerk, {"month": july})
    assert rpc.contributions.discard_remittance(unit, first["verification_no"])["status_name"] == "已作废"
    refused("NOT_DISCARDABLE", rpc.contributions.discard_remittance, unit, first["verification_no"])
    refused("NOT_SUBMITTABLE", rpc.contributions.submit_remittance, unit, clerk, first["verification_no"])
    again = rpc.contributions.create_remittance(unit, clerk, {"month": july})
    assert again["verification_no"] != first["verification_no"]
    assert {v["status"] for v in rpc.contributions.list_remittances(unit, {})} == {"discarded", "saved"}


def test_f12_1_the_roster_is_fixed_once_saved(rpc, engine, july):
    unit, clerk = new_employer(rpc, engine, july)
    standin.ROSTERS[unit] = roster(unit, ["5000.00", "6000.00"])
    saved = rpc.contributions.create_remittance(unit, clerk, {"month": july})
    on_it = [m[0] for m in standin.ROSTERS[unit]]
    assert rpc.contributions.members_on_open_verifications(unit, on_it + ["nobody"])["account_nos"] == sorted(on_it)
    standin.ROSTERS[unit] = roster(unit, ["5000.00"])  # a member sealed meanwhile
    rows = rpc.contributions.verification_rows(saved["verification_no"])["rows"]
    assert [(r[1], r[3], r[4]) for r in rows] == [(on_it[0], "250.00", "250.00"), (on_it[1], "300.00", "300.00")]
    assert rpc.contributions.verification_rows(saved["verification_no"], after=rows[0][0], limit=5)["rows"] == rows[1:]


def test_f14_1_cancel_an_unpaid_one_frees_the_month_and_posted_cannot_be_cancelled(rpc, engine, july):
    unit, clerk = new_employer(rpc, engine, july)
    standin.ROSTERS[unit] = roster(unit, ["5000.00"])
    saved = rpc.contributions.create_remittance(unit, clerk, {"month": july})
    refused("NOT_CANCELLABLE", rpc.contributions.cancel_payment, unit, saved["verification_no"])
    rpc.contributions.submit_remittance(unit, clerk, saved["verification_no"])
    cancelled = rpc.contributions.cancel_payment(unit, saved["verification_no"])
    assert cancelled["status_name"] == "已撤销"
    late = pay(rpc, unit, saved)  # money for a cancelled verification waits in suspense
    assert late["result"] == "suspense" and "已撤销" in late["reason"]
    again = submitted(rpc, unit, clerk, july)
    pay(rpc, unit, again)
    refused("ALREADY_POSTED", rpc.contributions.cancel_payment, unit, again["verification_no"])
    assert len(rpc.contributions.list_remittances(unit, {})) == 2  # nothing deleted


def test_every_read_is_scoped_to_the_employer(rpc, engine, july):
    unit, clerk = new_employer(rpc, engine, july)
    other, _ = new_employer(rpc, engine, july)
    standin.ROSTERS[unit] = roster(unit, ["5000.00"])
    saved = rpc.contributions.create_remittance(unit, clerk, {"month": july})
    for call in (rpc.contributions.get_remittance, rpc.contributions.discard_remittance,
                 rpc.contributions.cancel_payment, rpc.contributions.remittance_roster_file,
                 rpc.contributions.remittance_voucher):
        assert refused("NOT_FOUND", call, other, saved["verification_no"]).status == 404
    assert rpc.contributions.list_remittances(other, {}) == []


def test_b1_receipts_that_do_not_match_go_to_suspense_with_their_reason(rpc, engine, july):
    unit, clerk = new_employer(rpc, engine, july)
    standin.ROSTERS[unit] = roster(unit, ["5000.00"])  # 500.00 a month
    verification = submitted(rpc, unit, clerk, july)
    cases = [(None, "500.00", "未填写核定号"), ("HJ000", "500.00", "不存在"),
             (verification["verification_no"], "499.00", "金额不足"),
             (verification["verification_no"], "500.01", "金额超出")]
    items = []
    for reference, amount, reason in cases:
        answer = rpc.contributions.post_bank_receipt({"bank_ref": f"S{time.monotonic_ns()}", "unit_account": unit,
                                                      "amount": amount, "reference": reference})
        assert answer["result"] == "suspense" and reason in answer["reason"], answer
        items.append(answer["suspense_item"])
    assert status_of(rpc, unit, verification["verification_no"]) == "awaiting"
    suspense = rpc.contributions.employer_suspense(unit, {})
    assert (suspense["received"], suspense["balance"]) == ("1999.01", "1999.01")
    assert "联系中心" in suspense["message"] and len(suspense["items"]) == 4
    # the centre applies whole items summing exactly, and refunds the rest
    refused("AMOUNT_MISMATCH", rpc.contributions.apply_suspense,
            {"unit_account": unit, "verification_no": verification["verification_no"], "items": [items[2]]})
    applied = rpc.contributions.apply_suspense({"unit_account": unit, "verification_no":
                                                verification["verification_no"], "items": [items[0]]})
    assert applied["result"] == "posting"
    wait_for(lambda: status_of(rpc, unit, verification["verification_no"]) == "posted")
    refused("SUSPENSE_RESOLVED", rpc.contributions.refund_suspense, {"unit_account": unit, "items": [items[0]]})
    rpc.contributions.refund_suspense({"unit_account": unit, "items": items[1:]})
    suspense = rpc.contributions.employer_suspense(unit, {})
    assert (suspense["received"], suspense["applied"], suspense["refunded"], suspense["balance"]) == (
        "1999.01", "500.00", "1499.01", "0.00")
    assert suspense["message"] is None
    ledger = rpc.contributions.employer_ledger(unit, {})
    books = {}
    for entry in ledger:  # each book's balance after each entry is the running sum
        books[entry["book"]] = books.get(entry["book"], Decimal(0)) + Decimal(entry["amount"])
        assert Decimal(entry["balance"]) == books[entry["book"]]
    assert books == {"suspense": Decimal("0.00"), "posted": Decimal("500.00")}
    assert [e["type"] for e in rpc.contributions.employer_ledger(unit, {"type": "01"})] == ["01"]


def test_b1_the_same_notice_twice_credits_once_and_another_with_its_bank_ref_is_a_conflict(rpc, engine, july):
    unit, clerk = new_employer(rpc, engine, july)
    standin.ROSTERS[unit] = roster(unit, ["5000.00"])
    verification = submitted(rpc, unit, clerk, july)
    notice = {"bank_ref": f"D{unit}", "unit_account": unit, "amount": "500.00",
              "reference": verification["verification_no"]}
    replies = [rpc.contributions.post_bank_receipt.call_async(notice) for _ in range(6)]  # at the same time
    answers = [reply.result() for reply in replies]
    assert all(answer == answers[0] for answer in answers) and answers[0]["result"] == "posted"
    assert rpc.contributions.post_bank_receipt(notice) == answers[0]
    refused("BANK_REF_CONFLICT", rpc.contributions.post_bank_receipt, {**notice, "amount": "501.00"})
    # the same bank reference naming an employer the centre does not know: still a conflict, kept
    refused("BANK_REF_CONFLICT", rpc.contributions.post_bank_receipt, {**notice, "unit_account": "610199999999"})
    assert scalar(engine, "select count(*) from bank_receipts where bank_ref = :b", b=notice["bank_ref"]) == 1
    assert scalar(engine, "select count(*) from receipt_conflicts where bank_ref = :b", b=notice["bank_ref"]) == 2
    assert scalar(engine, "select count(*) from employer_ledger where unit_account = :u", u=unit) == 1


def test_b1_bad_notices_are_typed_errors_and_store_nothing(rpc, engine, july, today):
    unit, _ = new_employer(rpc, engine, july)
    good = {"bank_ref": f"X{unit}", "unit_account": unit, "amount": "10.00"}
    for bad in ({**good, "amount": "-1.00"}, {**good, "amount": "0"}, {**good, "amount": "1.234"},
                {**good, "value_date": (today + timedelta(days=1)).isoformat()}, {**good, "value_date": "2026-02-30"}):
        refused("VALIDATION_ERROR", rpc.contributions.post_bank_receipt, bad)
    refused("NOT_FOUND", rpc.contributions.post_bank_receipt, {**good, "unit_account": "610199999999"})
    assert scalar(engine, "select count(*) from bank_receipts where bank_ref = :b", b=good["bank_ref"]) == 0


def test_b1_a_cancel_and_a_receipt_racing_for_one_verification_exactly_one_wins(rpc, engine, july):
    for _ in range(4):
        unit, clerk = new_employer(rpc, engine, july)
        standin.ROSTERS[unit] = roster(unit, ["5000.00"])
        verification = submitted(rpc, unit, clerk, july)
        receipt = rpc.contributions.post_bank_receipt.call_async({
            "bank_ref": f"C{unit}", "unit_account": unit, "amount": "500.00",
            "reference": verification["verification_no"]})
        cancel = rpc.contributions.cancel_payment.call_async(unit, verification["verification_no"])
        try:
            cancel.result()
            cancelled = True
        except BusinessError as exc:
            assert exc.code == "ALREADY_POSTED"
            cancelled = False
        result = receipt.result()["result"]
        assert (cancelled, result) in ((True, "suspense"), (False, "posted"))
        expected = "cancelled" if cancelled else "posted"
        wait_for(lambda: status_of(rpc, unit, verification["verification_no"]) == expected)


def test_f12_1_a_counter_change_of_rates_takes_effect_from_the_first_unposted_month(rpc, engine, july):
    unit, clerk = new_employer(rpc, engine, july, rates=("0.12", "0.12"))
    standin.ROSTERS[unit] = roster(unit, ["5000.00"])
    first = submitted(rpc, unit, clerk, july)
    pay(rpc, unit, first)
    wait_for(lambda: remittance_account(engine, unit).paid_up_to == july)
    rpc.employer.counter_change_employer(unit, {"employer_rate": "0.08", "employee_rate": "0.06"}, "柜台甲")
    wait_for(lambda: scalar(engine, "select count(*) from rate_periods where unit_account = :u", u=unit) == 2)
    with engine.connect() as conn:
        periods = conn.execute(text("select from_month, employer_rate, employee_rate from rate_periods "
                                    "where unit_account = :u order by from_month"), {"u": unit}).all()
    assert [(p[0], str(p[1]), str(p[2])) for p in periods] == [
        (july, "0.1200", "0.1200"), (add_months(july, 1), "0.0800", "0.0600")]  # the paid month keeps its rates
    second = rpc.contributions.create_remittance(unit, clerk, {"month": add_months(july, 1)})
    assert (second["employer_amount"], second["employee_amount"]) == ("400.00", "300.00")
    assert rpc.contributions.get_remittance(unit, first["verification_no"])["amount"] == "1200.00"


def test_f12_2_roster_file_and_voucher(rpc, engine, july, config):
    unit, clerk = new_employer(rpc, engine, july)
    standin.ROSTERS[unit] = roster(unit, ["5000.00", "2250.00"])
    standin.ROSTERS[unit][1][1] = "=HYPERLINK(1)"
    verification = submitted(rpc, unit, clerk, july)
    sheet = load_workbook(io.BytesIO(file_content(rpc.contributions.remittance_roster_file(
        unit, verification["verification_no"])))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["序号", "个人账号", "姓名"]
    assert rows[2][2] == "'=HYPERLINK(1)" and not any(str(v).startswith("=") for r in rows for v in r if v)
    assert rows[1][3].count("*") == 10  # ID numbers masked
    assert rows[-1][0] == "合计" and rows[-1][-1] == "726.00"
    voucher = rpc.contributions.remittance_voucher(unit, verification["verification_no"])
    shown = text_of(file_content(voucher))
    for expected in (verification["verification_no"], capital_amount(Decimal("726.00")), "726.00",
                     str(config["CENTRE"]["collection_account_no"]), config["CENTRE"]["collection_account_name"],
                     voucher["verification_code"], "扫码核验", str(config["CENTRE"]["public_url"])):
        assert expected in shown, expected


def test_f12_1_fifty_thousand_members_are_saved_as_one_roster(rpc, engine, july):
    """How fast is bench/remittance.py's to say (timings on a shared machine are noisy)."""
    unit, clerk = new_employer(rpc, engine, july)
    standin.ROSTERS[unit] = [[f"9{unit[-6:]}{i:07d}", f"职工{i}", "610113198001010000", "5000.00"]
                             for i in range(50_000)]
    saved = rpc.contributions.create_remittance(unit, clerk, {"month": july})
    assert saved["headcount"] == 50_000 and saved["amount"] == "25000000.00"
    assert scalar(engine, "select count(*) from verification_rows r join verifications v on v.id = r.verification_id"
                          " where v.verification_no = :n", n=saved["verification_no"]) == 50_000


def test_set_policy_over_the_bus(rpc):
    refused("VALIDATION_ERROR", rpc.contributions.set_policy, {"year": 1990})  # nothing to start from
    year = 2090
    policy = rpc.contributions.set_policy({"year": year, "base_floor": "2300.00", "base_cap": "28000.00",
                                           "day_basis": "360"})
    assert (policy["base_floor"], policy["base_cap"], policy["day_basis"]) == ("2300.00", "28000.00", "360")
    latest = rpc.contributions.get_policy(2026)  # the rest from the latest year before
    assert (policy["rate_max"], policy["rounding_unit"]) == (latest["rate_max"], latest["rounding_unit"])
    refused("POLICY_INVALID", rpc.contributions.set_policy, {"year": year, "base_floor": "30000.00"})
    assert rpc.contributions.get_policy(year)["base_floor"] == "2300.00"
    assert rpc.contributions.set_policy({"year": year, "interest_rate": "0.0175"})["base_cap"] == "28000.00"


def test_a_broker_failure_after_the_receipt_loses_no_event(rpc, engine, july, monkeypatch):
    unit, clerk = new_employer(rpc, engine, july)
    standin.ROSTERS[unit] = roster(unit, ["5000.00"])
    verification = submitted(rpc, unit, clerk, july)

    def broker_down(dispatcher, worker_ctx):
        def dispatch(event_type, payload):
            raise ConnectionError("broker unreachable")
        return dispatch
    with monkeypatch.context() as patch:
        patch.setattr(EventDispatcher, "get_dependency", broker_down)
        assert pay(rpc, unit, verification)["result"] == "posted"  # the receipt stands
    assert status_of(rpc, unit, verification["verification_no"]) == "posting"
    assert scalar(engine, "select count(*) from outbox_messages where sent_at is null") >= 1
    other, other_clerk = new_employer(rpc, engine, july, members=[])
    submitted(rpc, other, other_clerk, july)  # the next commit sends what waited, oldest first
    wait_for(lambda: status_of(rpc, unit, verification["verification_no"]) == "posted")
