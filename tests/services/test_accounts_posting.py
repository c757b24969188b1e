"""Posting a verification's member rows (MONEY.md, the contract with contributions), the remittance
roster and the member ledger (F4.1, F4.2), against the real broker and PostgreSQL: two replicas of
the accounts service, a stand-in `contributions` that serves the rows a test makes."""
from datetime import date
from decimal import Decimal
import time

import eventlet
import pytest
from kombu import Connection
from sqlalchemy import text
from sqlalchemy.orm import Session

from services.accounts import posting
from services.accounts.service import AccountsService
from shared.errors import BusinessError
from tests import posting as stand_in
from tests.posting import ContributionsStandIn, add_verification, posting_event
from tests.waiting import wait_for

PAGE_ROWS = 50  # small pages: every test here crosses many of them
UNIT_A, UNIT_B, UNIT_C, UNIT_D = "610188880001", "610188880002", "610188880003", "610188880004"


@pytest.fixture(scope="module")
def engine(db_engine):
    return db_engine("accounts")


@pytest.fixture(scope="module", autouse=True)
def services(start_service, config):
    accounts = {**config["ACCOUNTS"], "posting_page_rows": PAGE_ROWS}
    start_service(ContributionsStandIn)
    start_service(AccountsService, ACCOUNTS=accounts)
    start_service(AccountsService, ACCOUNTS=accounts)  # a second replica on the same queue


@pytest.fixture(scope="module")
def members(engine, config):
    return {UNIT_A: stand_in.open_members(engine, config, UNIT_A, 600),
            UNIT_B: stand_in.open_members(engine, config, UNIT_B, 20, first_birth=date(1985, 1, 1)),
            UNIT_C: stand_in.open_members(engine, config, UNIT_C, 200, first_birth=date(1990, 1, 1)),
            UNIT_D: stand_in.open_members(engine, config, UNIT_D, 200, first_birth=date(1992, 1, 1))}


@pytest.fixture(scope="module")
def posted(config):
    """`verification_rows_posted` as contributions hears it: take(verification_no) → payloads."""
    with Connection(config["AMQP_URI"]) as conn:
        queue = stand_in.posted_queue("accounts-posting-test")(conn.default_channel)
        queue.declare()
        heard = []

        def take(verification_no):
            while (message := queue.get(no_ack=True)) is not None:
                heard.append(message.payload)
            return [payload for payload in heard if payload["verification_no"] == verification_no]
        yield take
        queue.delete()


def remittance(account_nos, month="202612", employer="300.00", employee="300.00"):
    return [[account_no, month, employer, employee] for account_no in account_nos]


def calls_of(verification_no):
    return [call for call in stand_in.CALLS if call[0] == verification_no]


def test_f12_remittance_roster_is_every_normal_member_in_account_order(rpc, engine, members):
    with engine.begin() as conn:  # one of them sealed: not on the roster
        conn.execute(text("update members set status = '02' where account_no = :a"), {"a": members[UNIT_B][3]})
    try:
        roster = rpc.accounts.remittance_roster(UNIT_B)["members"]
    finally:
        with engine.begin() as conn:
            conn.execute(text("update members set status = '01' where account_no = :a"),
                         {"a": members[UNIT_B][3]})
    expected = [a for a in members[UNIT_B] if a != members[UNIT_B][3]]
    assert [row[0] for row in roster] == sorted(expected)
    account_no, name, id_number, base = roster[0]
    assert (base, len(id_number), name.startswith("职工")) == ("5000.00", 18, True)
    assert rpc.accounts.remittance_roster("610100000099") == {"members": []}


def test_f4_1_posting_writes_every_row_once_and_tells_contributions(rpc, engine, members, posted):
    accounts = members[UNIT_A]
    add_verification("HJ-ALL-ONCE", remittance(accounts))
    rpc.contributions.send_posting(posting_event("HJ-ALL-ONCE", UNIT_A))
    [event] = wait_for(lambda: posted("HJ-ALL-ONCE"), timeout=60)
    assert event == {"verification_no": "HJ-ALL-ONCE", "unit_account": UNIT_A, "rows": 600}
    assert stand_in.ledger_of(engine, "HJ-ALL-ONCE") == (600, 600)
    assert stand_in.balance_mismatches(engine, UNIT_A) == []
    assert set(stand_in.balances(engine, accounts).values()) == {Decimal("600.00")}
    # the rows were asked for page by page (600 / 50 = 12 pages and the empty one), never all at once
    assert [after for _, after, _ in calls_of("HJ-ALL-ONCE")] == [i * PAGE_ROWS * 10 for i in range(13)]
    with engine.connect() as conn:
        row = conn.execute(text("select * from member_ledger where reference = 'HJ-ALL-ONCE' "
                                "and account_no = :a"), {"a": accounts[0]}).mappings().one()
    assert (row["type"], row["value_date"], row["month"], row["unit_account"]) == ("01", date(2026, 12, 1),
                                                                                  "202612", UNIT_A)
    assert (row["amount"], row["employer_amount"], row["employee_amount"], row["balance_after"]) == (
        Decimal("600.00"), Decimal("300.00"), Decimal("300.00"), Decimal("600.00"))
    assert row["summary"] == "2026年12月汇缴"


def test_f4_1_the_same_event_twice_at_once_on_two_replicas_writes_each_row_once(rpc, engine, members, posted):
    accounts = members[UNIT_A]
    before = stand_in.balances(engine, accounts)
    add_verification("HJ-TWICE", remittance(accounts, month="202701", employer="111.00", employee="112.00"))
    event = posting_event("HJ-TWICE", UNIT_A, value_date="2027-01-05")
    rpc.contributions.send_posting(event)
    rpc.contributions.send_posting(event)
    wait_for(lambda: len(posted("HJ-TWICE")) == 2, timeout=60)  # each delivery finds it complete
    assert stand_in.ledger_of(engine, "HJ-TWICE") == (600, 600)
    assert stand_in.balance_mismatches(engine, UNIT_A) == []
    after = stand_in.balances(engine, accounts)
    assert all(after[a] - before[a] == Decimal("223.00") for a in accounts)
    # a delivery after it is all written pages through nothing and tells contributions again
    calls = len(calls_of("HJ-TWICE"))
    rpc.contributions.send_posting(event)
    wait_for(lambda: len(posted("HJ-TWICE")) == 3, timeout=30)
    assert len(calls_of("HJ-TWICE")) == calls and stand_in.ledger_of(engine, "HJ-TWICE") == (600, 600)


def test_f4_1_no_transaction_stays_open_while_a_page_is_asked_for(rpc, engine, members, posted):
    """The fourth page takes 3 s to come: meanwhile the accounts service holds no transaction and
    no lock on any member (the pages before it are committed)."""
    add_verification("HJ-SLOW-PAGE", remittance(members[UNIT_D], month="202611", employer="1.00", employee="1.00"))
    stand_in.SLOW[("HJ-SLOW-PAGE", 3 * PAGE_ROWS * 10)] = 3
    rpc.contributions.send_posting(posting_event("HJ-SLOW-PAGE", UNIT_D))
    wait_for(lambda: len(calls_of("HJ-SLOW-PAGE")) == 4, timeout=30)
    time.sleep(1.5)
    with engine.connect() as conn:
        database = conn.execute(text("select current_database()")).scalar()
        open_transactions = conn.execute(text(
            "select count(*) from pg_stat_activity where datname = :d and pid <> pg_backend_pid() "
            "and xact_start is not null"), {"d": database}).scalar()
        member_locks = conn.execute(text(
            "select count(*) from pg_locks l join pg_class c on c.oid = l.relation "
            "where c.relname in ('members', 'member_ledger') and l.pid <> pg_backend_pid()")).scalar()
    assert (open_transactions, member_locks) == (0, 0)
    assert stand_in.ledger_of(engine, "HJ-SLOW-PAGE") == (150, 150)  # three pages written, committed
    wait_for(lambda: posted("HJ-SLOW-PAGE"), timeout=30)
    assert stand_in.ledger_of(engine, "HJ-SLOW-PAGE") == (200, 200)


def test_f4_1_two_handlers_interleaving_page_by_page_write_each_row_once(engine, config, members):
    """Two handlers in their own sessions, each pausing before every page so that they overlap on
    every page: the members' locks and the skip of written rows keep each row once."""
    accounts = members[UNIT_C]
    rows = add_verification("BJ-INTERLEAVED", [[a, month, "40.00", "40.00"] for a in accounts[:100]
                                               for month in ("202607", "202608")])
    event = posting_event("BJ-INTERLEAVED", UNIT_C, kind="02")
    data = {**event, "value_date": date(2026, 12, 1)}
    events, written = [], []

    def fetch(verification_no, after, limit):
        eventlet.sleep(0.01)
        return [row for row in rows if row[0] > after][:limit]

    def handler():  # each with two sessions writing its pages side by side, as the service does
        with Session(engine, expire_on_commit=False) as first, Session(engine, expire_on_commit=False) as second:
            written.append(posting.post_verification([first, second], data, fetch, lambda name, payload:
                                                     events.append(payload), 20))
    for thread in [eventlet.spawn(handler), eventlet.spawn(handler)]:
        thread.wait()
    assert sum(written) == 200 and len(events) == 2
    assert stand_in.ledger_of(engine, "BJ-INTERLEAVED") == (200, 200)
    assert stand_in.balance_mismatches(engine, UNIT_C) == []
    with engine.connect() as conn:  # 补缴 of two months: the second row's balance follows the first
        balances = conn.execute(text("select month, balance_after from member_ledger where account_no = :a "
                                     "and reference = 'BJ-INTERLEAVED' order by id"), {"a": accounts[0]}).all()
    assert balances == [("202607", Decimal("80.00")), ("202608", Decimal("160.00"))]


def test_f4_1_a_member_of_another_employer_in_the_rows_is_never_credited(rpc, engine, members, posted):
    foreign = members[UNIT_B][0]
    before = stand_in.balances(engine, [foreign, *members[UNIT_A][:10]])
    add_verification("HJ-FOREIGN", remittance([*members[UNIT_A][:10], foreign, *members[UNIT_A][10:20]]))
    rpc.contributions.send_posting(posting_event("HJ-FOREIGN", UNIT_A))
    wait_for(lambda: calls_of("HJ-FOREIGN"), timeout=30)
    assert stand_in.ledger_of(engine, "HJ-FOREIGN") == (0, 0)
    assert stand_in.balances(engine, [foreign, *members[UNIT_A][:10]]) == before
    assert posted("HJ-FOREIGN") == []
    with pytest.raises(BusinessError) as err:  # and what the handler refuses it with
        with Session(engine) as session:
            posting.post_verification([session], {**posting_event("HJ-FOREIGN", UNIT_A),
                                                 "value_date": date(2026, 12, 1)},
                                      lambda v, after, limit: stand_in.ContributionsStandIn.verification_rows(
                                          None, v, after, limit)["rows"], lambda *args: None, PAGE_ROWS)
    assert err.value.code == "NOT_EMPLOYER_MEMBERS"


def test_f4_1_rows_short_of_total_rows_are_not_reported_posted(engine, members):
    add_verification("HJ-SHORT", remittance(members[UNIT_C][150:160]))
    data = {**posting_event("HJ-SHORT", UNIT_C, total_rows=11), "value_date": date(2026, 12, 1)}
    events = []
    with Session(engine) as session, pytest.raises(BusinessError) as err:
        posting.post_verification([session], data, lambda v, after, limit: stand_in.ContributionsStandIn
                                  .verification_rows(None, v, after, limit)["rows"],
                                  lambda name, payload: events.append(payload), PAGE_ROWS)
    assert err.value.code == "POSTING_INCOMPLETE" and events == []
    assert stand_in.ledger_of(engine, "HJ-SHORT") == (10, 10)  # the rows there are stay, once


def test_f4_1_a_large_page_count(rpc, engine, members, posted):
    """12 months of 补缴 for 300 members: 3,600 rows in 72 pages."""
    accounts = members[UNIT_A][:300]
    months = [f"2025{m:02d}" for m in range(7, 13)] + [f"2026{m:02d}" for m in range(1, 7)]
    add_verification("BJ-MANY-PAGES", [[a, month, "10.00", "10.00"] for month in months for a in accounts])
    rpc.contributions.send_posting(posting_event("BJ-MANY-PAGES", UNIT_A, kind="02"))
    [event] = wait_for(lambda: posted("BJ-MANY-PAGES"), timeout=90)
    assert event["rows"] == 3600 and len(calls_of("BJ-MANY-PAGES")) == 73
    assert stand_in.ledger_of(engine, "BJ-MANY-PAGES") == (3600, 3600)
    assert stand_in.balance_mismatches(engine, UNIT_A) == []


def test_f4_1_member_ledger_by_date_range_and_f4_2_balance_and_paid_up_to(rpc, engine, members, posted):
    account_no = members[UNIT_C][190]
    add_verification("HJ-LEDGER-1", remittance([account_no], month="202611", employer="250.00", employee="250.00"))
    add_verification("HJ-LEDGER-2", remittance([account_no], month="202612", employer="260.00", employee="260.00"))
    add_verification("BJ-LEDGER-3", remittance([account_no], month="202608", employer="5.00", employee="5.00"))
    for number, kind, day in [("HJ-LEDGER-1", "01", "2026-11-10"), ("HJ-LEDGER-2", "01", "2026-12-10"),
                              ("BJ-LEDGER-3", "02", "2026-12-20")]:
        rpc.contributions.send_posting(posting_event(number, UNIT_C, kind=kind, value_date=day))
        wait_for(lambda: posted(number), timeout=30)
    rows = rpc.accounts.member_ledger(UNIT_C, account_no)
    assert [(r["date"], r["type"], r["type_name"], r["amount"], r["balance"], r["month"], r["reference"])
            for r in rows] == [
        ("2026-11-10", "01", "汇缴", "500.00", "500.00", "202611", "HJ-LEDGER-1"),
        ("2026-12-10", "01", "汇缴", "520.00", "1020.00", "202612", "HJ-LEDGER-2"),
        ("2026-12-20", "02", "补缴", "10.00", "1030.00", "202608", "BJ-LEDGER-3")]
    assert (rows[0]["employer_amount"], rows[0]["employee_amount"], rows[0]["summary"]) == (
        "250.00", "250.00", "2026年11月汇缴")
    december = rpc.accounts.member_ledger(UNIT_C, account_no, start="2026-12-01", end="2026-12-10")
    assert [r["reference"] for r in december] == ["HJ-LEDGER-2"]
    assert [r["reference"] for r in rpc.accounts.member_ledger(UNIT_C, account_no, end="2026-11-30")] == [
        "HJ-LEDGER-1"]
    member = rpc.accounts.get_member(UNIT_C, account_no)
    assert (member["balance"], member["paid_up_to"]) == ("1030.00", "202612")  # the 补缴 month is older
    [found] = rpc.accounts.find_members(UNIT_C, {"account_no": account_no})
    assert (found["balance"], found["paid_up_to"]) == ("1030.00", "202612")
    fresh = rpc.accounts.get_member(UNIT_C, members[UNIT_C][199])
    assert (fresh["balance"], fresh["paid_up_to"]) == ("0.00", None)
    for call in [lambda: rpc.accounts.member_ledger(UNIT_A, account_no),  # another employer's member
                 lambda: rpc.accounts.member_ledger(UNIT_C, "610199999999")]:
        with pytest.raises(BusinessError) as err:
            call()
        assert (err.value.code, err.value.status) == ("NOT_FOUND", 404)
    with pytest.raises(BusinessError) as err:
        rpc.accounts.member_ledger(UNIT_C, account_no, start="2026-12-31", end="2026-12-01")
    assert err.value.code == "VALIDATION_ERROR"
