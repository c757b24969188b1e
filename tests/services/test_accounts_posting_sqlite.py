"""Posting on SQLite (`make run`'s database): the same code, its own bulk update of balances."""
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.accounts import posting, store
from shared.config import load_config
from shared.db import make_engine
from shared.migrate import prepare
from tests.posting import add_verification, open_members, posting_event

UNIT = "610177770001"


def test_f4_1_posting_on_sqlite_writes_rows_and_balances_once(tmp_path):
    url = f"sqlite:///{tmp_path}/accounts.db"
    config = load_config(environ={"ACCOUNTS_DB_URL": url})
    prepare("accounts", config)
    engine = make_engine(url)
    accounts = open_members(engine, config, UNIT, 30)
    rows = add_verification("HJ-SQLITE", [[a, "202612", "100.00", "100.50"] for a in accounts])
    data = {**posting_event("HJ-SQLITE", UNIT), "value_date": date(2026, 12, 1)}
    events = []

    def fetch(verification_no, after, limit):
        return [row for row in rows if row[0] > after][:limit]
    for _ in range(2):  # the second delivery writes nothing and reports again
        with Session(engine) as session:
            posting.post_verification([session], data, fetch, lambda name, payload: events.append(payload), 7)
    with engine.connect() as conn:
        count = conn.execute(text("select count(*) from member_ledger where reference = 'HJ-SQLITE'")).scalar()
        balances = set(conn.execute(text("select balance from members where unit_account = :u"),
                                    {"u": UNIT}).scalars())
    with Session(engine) as session:
        roster = store.remittance_roster(session, UNIT)
        ledger = store.ledger_rows(session, accounts[0])
    engine.dispose()
    assert count == 30 and len(events) == 2
    assert {Decimal(str(b)) for b in balances} == {Decimal("200.50")}
    assert [row.account_no for row in roster] == sorted(accounts)
    assert {str(row.base) for row in roster} == {"5000.00"}  # as the roster RPC sends it
    assert [(row.amount, row.balance_after) for row in ledger] == [(Decimal("200.50"), Decimal("200.50"))]


def test_b2_interest_on_sqlite_is_the_same_formula(tmp_path):
    from services.accounts import interest
    url = f"sqlite:///{tmp_path}/accounts.db"
    config = load_config(environ={"ACCOUNTS_DB_URL": url})
    prepare("accounts", config)
    engine = make_engine(url)
    first, second = open_members(engine, config, UNIT, 2)
    movements = [(date(2024, 5, 1), Decimal("1000.00")), (date(2024, 10, 1), Decimal("250.50")),
                 (date(2025, 6, 30), Decimal("-100.00")), (date(2025, 8, 1), Decimal("999.00"))]  # the last is after
    with Session(engine) as session:
        shared = {"unit_account": UNIT, "type": "01", "reference": "T", "created_at": store.now()}
        for value_date, amount in movements:
            session.execute(store.LEDGER.insert().values(account_no=first, value_date=value_date, amount=amount,
                                                         balance_after=0, summary="", **shared))
        interest.start_run(session, 2024, {"interest_rate": "0.015", "day_basis": "actual",
                                           "rounding_mode": "half_up"}, "sqlite-2024", "中心")
        session.commit()
        while interest.settle_chunk(session, 2024, 1) is not None:
            session.commit()
        rows = store.ledger_rows(session, first)
        without_money = store.ledger_rows(session, second)
    engine.dispose()
    expected = interest.interest_of(Decimal("1000.00"), movements[1:3], 2024, Decimal("0.015"), "actual", "half_up")
    assert [(row.type, row.amount) for row in rows if row.type == "09"] == [("09", expected)]
    assert without_money == []  # an account without money earns nothing and gets no row
