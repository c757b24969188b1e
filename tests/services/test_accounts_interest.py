"""Interest settlement (B2) against the real RabbitMQ and PostgreSQL: the 积数 formula checked
against a day-by-day sum, merged-out accounts, a second run, a run a crash left half done."""
import base64
import io
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.orm import Session

from services.accounts import interest
from services.accounts.service import AccountsService
from services.contributions.service import ContributionsService
from shared.clock import centre_today
from shared.errors import BusinessError
from shared.months import hpf_year_of
from tests.posting import open_members
from tests.waiting import wait_for

UNIT, UNIT_OWN_YEAR = "610177770001", "610177770002"
OWN_YEAR = 2023
RESUMED = {}


@pytest.fixture(scope="module")
def engine(db_engine):
    return db_engine("accounts")


def sql(engine, statement, **params):
    with engine.begin() as conn:
        return conn.execute(text(statement), params)


def credit(engine, account_no, amount, value_date, kind="01", reference=None):
    """A posted movement with its value date: ledger row and balance together."""
    unit, balance = sql(engine, "select unit_account, balance from members where account_no = :a", a=account_no).one()
    balance += Decimal(amount)
    sql(engine, "insert into member_ledger (account_no, unit_account, value_date, type, amount, balance_after,"
                " reference, summary, created_at) values (:a, :u, :d, :t, :m, :b, :r, '', now())",
        a=account_no, u=unit, d=value_date, t=kind, m=Decimal(amount), b=balance,
        r=reference or f"R{account_no}{value_date:%Y%m%d}{amount}")
    sql(engine, "update members set balance = :b where account_no = :a", a=account_no, b=balance)


def day_by_day(movements, year, rate):
    """Σ over each day of the year of that day's closing balance × rate / days: the definition."""
    start, end = interest.year_bounds(year)
    days = (end - start).days + 1
    total, day = Decimal(0), start
    while day <= end:
        total += sum((Decimal(a) for d, a in movements if d <= day), Decimal(0))
        day += timedelta(days=1)
    return (total * Decimal(rate) / days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def interest_rows(engine, account_no, year):
    return sql(engine, "select amount, value_date, balance_after, summary from member_ledger where account_no = :a"
                       " and type = '09' and reference = :r", a=account_no, r=f"JX{year}").all()


@pytest.fixture(scope="module", autouse=True)
def half_done_run_then_services(engine, config, start_service):
    """Year 2024 was being settled when the process died after its first chunk; then the service starts."""
    accounts = open_members(engine, config, UNIT, 5)
    for account_no in accounts:
        credit(engine, account_no, "1000.00", date(2024, 1, 15))
    with Session(engine) as session:
        interest.start_run(session, 2024, {"interest_rate": "0.015", "day_basis": "actual",
                                           "rounding_mode": "half_up"}, "interest-2024", "中心")
        session.commit()
        interest.settle_chunk(session, 2024, 2)
        session.commit()
    RESUMED["accounts"] = accounts
    settings = {**config["ACCOUNTS"], "settle_interest_automatically": False, "interest_chunk": 500}
    start_service(ContributionsService)
    start_service(AccountsService, ACCOUNTS=settings)


@pytest.fixture(scope="module")
def year(rpc):
    """An ended year no other test settles (the services of other modules settle the year just
    ended by themselves): 2023, whose 366 days are the day basis."""
    rpc.contributions.set_policy({"year": OWN_YEAR, "base_floor": "2000.00", "base_cap": "25000.00",
                                  "rate_min": "0.05", "rate_max": "0.12", "rounding_unit": "yuan",
                                  "rounding_mode": "half_up", "interest_rate": "0.015"})
    return OWN_YEAR


def test_b2_a_run_a_crash_left_half_done_is_carried_on_and_pays_no_one_twice(rpc, engine):
    run = wait_for(lambda: (r := rpc.accounts.interest_run(2024))["status"] == "succeeded" and r, timeout=60)
    assert run["credited"] >= 5
    for account_no in RESUMED["accounts"]:
        rows = interest_rows(engine, account_no, 2024)
        assert [row.amount for row in rows] == [Decimal("15.00")]  # 1000 all year at 1.5%
    assert rpc.accounts.settle_interest(2024)["status"] == "succeeded"  # asked again: the same run


def test_b2_interest_is_the_day_by_day_sum_of_closing_balances(rpc, engine, config, year):
    x, y, merged_out, into = open_members(engine, config, UNIT_OWN_YEAR, 4)
    movements = [(date(year, 3, 1), "1000.00"), (date(year, 12, 1), "1200.00"), (date(year + 1, 6, 30), "-200.00"),
                 (date(year, 7, 1), "333.33")]
    for value_date, amount in movements:
        credit(engine, x, amount, value_date)
    credit(engine, y, "0.01", date(year, 8, 1))  # earns less than half a fen: nothing is written
    # an account merged out in March: its interest up to then goes into the account it went into
    credit(engine, merged_out, "3650.00", date(year, 6, 1))
    credit(engine, merged_out, "-3650.00", date(year + 1, 3, 1), kind="07", reference="HB-TEST")
    credit(engine, into, "3650.00", date(year + 1, 3, 1), kind="07", reference="HB-TEST")
    sql(engine, "update members set status = '03' where account_no = :a", a=merged_out)
    sql(engine, "insert into account_merges (merge_no, unit_account, from_account, to_account, name, id_number, amount,"
                " clerk_name, merged_on, merged_at) values ('HB-TEST', :u, :o, :i, '某人', '1', 3650, '某', :day,"
                " now())", u=UNIT_OWN_YEAR, o=merged_out, i=into, day=date(year + 1, 3, 1))

    with pytest.raises(BusinessError) as exc:
        rpc.accounts.settle_interest(hpf_year_of(centre_today(config)))
    assert exc.value.code == "YEAR_NOT_ENDED"
    started = rpc.accounts.settle_interest(year)
    assert started["task_id"]
    run = wait_for(lambda: (r := rpc.accounts.interest_run(year))["status"] == "succeeded" and r, timeout=60)

    expected = day_by_day(movements, year, "0.015")
    [row] = interest_rows(engine, x, year)
    assert (row.amount, row.value_date) == (expected, date(year + 1, 6, 30))
    assert expected == interest.interest_of(Decimal("1000.00"), [(d, Decimal(a)) for d, a in movements[1:]], year,
                                            Decimal("0.015"), "actual", "half_up")
    assert interest_rows(engine, y, year) == [] and interest_rows(engine, merged_out, year) == []
    earned = day_by_day([(date(year, 6, 1), "3650.00"), (date(year + 1, 3, 1), "-3650.00")], year, "0.015")
    own = day_by_day([(date(year + 1, 3, 1), "3650.00")], year, "0.015")
    credited = sorted((r.amount, r.summary) for r in interest_rows(engine, into, year))
    assert credited == sorted([(own, f"{year}年度结息"), (earned, f"{year}年度结息（原账户{merged_out}）")])
    for account_no in (x, into, merged_out):  # balances stay the sum of the ledger
        balance, total = sql(engine, "select m.balance, (select sum(amount) from member_ledger l where l.account_no ="
                                     " m.account_no) from members m where account_no = :a", a=account_no).one()
        assert balance == total
    assert Decimal(run["amount"]) >= expected + earned + own

    # a second run changes nothing
    again = rpc.accounts.settle_interest(year)
    assert (again["task_id"], again["credited"]) == (run["task_id"], run["credited"])
    assert len(interest_rows(engine, x, year)) == 1


def test_b2_the_year_is_asked_for_plainly(rpc):
    for year in ("２０２５", "20x5", "999", True):
        with pytest.raises(BusinessError) as exc:
            rpc.accounts.settle_interest(year)
        assert exc.value.code == "VALIDATION_ERROR"


def test_f4_3_the_annual_statement_closes_with_carried_plus_every_movement(rpc, engine, config, year):
    lines = rpc.accounts.member_statement(UNIT_OWN_YEAR, {"year": str(year)})  # after the settlement above
    assert len(lines) == 4
    keys = ("remitted", "supplementary", "transfer_in", "transfer_out", "merge_in", "merge_out", "interest", "other")
    for line in lines:
        assert Decimal(line["closing"]) == Decimal(line["carried"]) + sum(Decimal(line[k]) for k in keys)
        balance = sql(engine, "select balance from members where account_no = :a", a=line["account_no"]).scalar()
        assert Decimal(line["closing"]) == balance  # nothing after the year here
    merged = next(line for line in lines if line["status_name"] == "合并销户")
    assert (merged["carried"], merged["merge_out"], merged["closing"]) == ("3650.00", "-3650.00", "0.00")
    x = lines[0]
    assert (x["carried"], x["remitted"]) == ("1000.00", "1333.33")
    assert Decimal(x["interest"]) == interest_rows(engine, x["account_no"], year)[0].amount
    one = rpc.accounts.member_statement(UNIT_OWN_YEAR, {"year": year, "id_number": x["id_number"].lower()})
    assert [line["account_no"] for line in one] == [x["account_no"]]
    assert rpc.accounts.member_statement("610100009999", {"year": year}) == []
    with pytest.raises(BusinessError) as exc:
        rpc.accounts.member_statement(UNIT_OWN_YEAR, {"year": hpf_year_of(centre_today(config))})
    assert exc.value.code == "YEAR_NOT_ENDED"
    sheet = load_workbook(io.BytesIO(base64.b64decode(
        rpc.accounts.member_statement_file(UNIT_OWN_YEAR, {"year": year})["content_base64"]))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("个人账号", "姓名", "证件号码", "账户状态", "上年结转余额") and len(rows) == 5
    assert rows[1][0] == x["account_no"] and rows[1][-1] == x["closing"]
