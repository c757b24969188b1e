"""What the posting tests (and bench) of the accounts side share: a stand-in `contributions` service
that answers `verification_rows` from rows a test makes and dispatches `verification_posting`, the
members opened by the real bulk path, and the checks of the member ledger in the database."""
import bisect
from datetime import date
from decimal import Decimal

import eventlet
from kombu import Exchange, Queue
from nameko.events import EventDispatcher
from nameko.rpc import rpc
from sqlalchemy import text
from sqlalchemy.orm import Session

from services.accounts import opening, rules, store
from tests.factories import resident_ids

VERIFICATIONS = {}  # verification_no -> ([row ids], [rows]), as the stand-in serves them
CALLS = []          # (verification_no, after, limit) of every verification_rows answered
SLOW = {}           # (verification_no, after) -> seconds that page takes to answer


class ContributionsStandIn:
    """`contributions` as the contract describes it, on the real broker: nothing else."""
    name = "contributions"
    dispatch = EventDispatcher()

    @rpc
    def verification_rows(self, verification_no, after=0, limit=5000):
        CALLS.append((verification_no, after, limit))
        eventlet.sleep(SLOW.get((verification_no, int(after)), 0))
        ids, rows = VERIFICATIONS[verification_no]
        start = bisect.bisect_right(ids, int(after))
        return {"rows": rows[start:start + int(limit)]}

    @rpc
    def send_posting(self, payload):
        self.dispatch("verification_posting", payload)


def add_verification(verification_no, rows):
    """Rows [account_no, month, employer_amount, employee_amount] get row ids 10, 20, … (not 1, 2 …:
    paging goes by `after`, not by position)."""
    numbered = [[(i + 1) * 10, *row] for i, row in enumerate(rows)]
    VERIFICATIONS[verification_no] = ([row[0] for row in numbered], numbered)
    return numbered


def posting_event(verification_no, unit_account, kind="01", value_date="2026-12-01", total_rows=None):
    total = len(VERIFICATIONS[verification_no][1]) if total_rows is None else total_rows
    return {"verification_no": verification_no, "kind": kind, "unit_account": unit_account,
            "value_date": value_date, "total_rows": total}


def posted_queue(name):
    """A queue of `verification_rows_posted`, as contributions binds one."""
    return Queue(f"{name}.verification_rows_posted", routing_key="verification_rows_posted",
                 exchange=Exchange("accounts.events", type="topic", durable=True))


class _Reporter:
    def publish(self, task):
        pass


def open_members(engine, config, unit_account, count, first_birth=date(1980, 1, 1)):
    """`count` members of the employer, opened by the real bulk path (roster → batch → chunks);
    their account numbers in order."""
    roster = [{"row_no": i + 2, "name": f"职工{i}", "id_number": number, "base": "5000.00",
               "mobile": f"139{i:08d}", "household": "", "address": "", "phone": ""}
              for i, number in enumerate(resident_ids(count, first_birth=first_birth))]
    limits = rules.OpeningLimits.of({"base_floor": "2160.00", "base_cap": "27000.00"}, config["ACCOUNTS"],
                                    date.today())
    with Session(engine, expire_on_commit=False) as session:
        store.add_drafts(session, unit_account, roster)
        batch = store.create_batch(session, unit_account, "某单位", "某经办", f"open-{unit_account}",
                                   date.today())
        session.commit()
        opening.run_batch(session, batch.id, limits, _Reporter(), lambda *args: None,
                          config["CENTRE"]["unit_account_prefix"])
        return [row.account_no for row in store.batch_members(session, batch.id)]


def ledger_of(engine, reference):
    """(rows of the reference, distinct (account_no, month) of them)."""
    with engine.connect() as conn:
        return tuple(conn.execute(text(
            "select count(*), count(distinct (account_no, month)) from member_ledger where reference = :r"),
            {"r": reference}).one())


def balance_mismatches(engine, unit_account):
    """Members of the employer whose balance is not the sum of their ledger rows, or whose last
    row's balance_after is not their balance."""
    with engine.connect() as conn:
        return conn.execute(text("""
            select m.account_no, m.balance, coalesce(sum(l.amount), 0), max(l.id)
            from members m left join member_ledger l on l.account_no = m.account_no
            where m.unit_account = :u group by m.account_no, m.balance
            having m.balance <> coalesce(sum(l.amount), 0)
                or m.balance <> coalesce((select balance_after from member_ledger x
                                          where x.id = max(l.id)), 0)"""), {"u": unit_account}).all()


def balances(engine, account_nos):
    with engine.connect() as conn:
        rows = conn.execute(text("select account_no, balance from members where account_no = any(:a)"),
                            {"a": list(account_nos)}).all()
    return {account_no: Decimal(balance) for account_no, balance in rows}
