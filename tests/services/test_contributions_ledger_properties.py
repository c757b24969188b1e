"""Property test of the money invariants under random sequences of verify, receipts (right, short,
over, duplicate, wrong or no reference, split), cancel, apply and refund, against the real service:

- suspense balance = items held − applied − refunded, and the employer's suspense book says the same;
- each ledger book's balance after each entry is the running sum of its entries;
- posted total = the sum of the roster rows of the verifications posted = what members were credited;
- every bank reference is stored once; money in = suspense received + verifications paid by receipt;
- 缴至月份 is the latest month posted, and no month is posted twice.
"""
import time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import text

from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from shared.clock import centre_today
from shared.errors import BusinessError
from shared.months import hpf_year_of, next_month
from tests.factories import employer_data, resident_id
from tests.records import remittance_account
from tests.services import contributions_standin as standin
from tests.services.contributions_standin import StandInAccounts
from tests.waiting import wait_for

OPERATIONS = st.sampled_from(["verify", "verify", "pay_right", "pay_right", "pay_short", "pay_over",
                              "pay_no_ref", "pay_wrong_ref", "duplicate", "pay_split", "cancel", "apply",
                              "refund"])
BASES = st.lists(st.integers(min_value=216000, max_value=2700000).map(lambda c: f"{Decimal(c) / 100:.2f}"),
                 min_size=0, max_size=3)
EXPECTED_REFUSALS = {"OPEN_REMITTANCE", "MONTH_IN_FUTURE", "NOT_CANCELLABLE", "ALREADY_POSTED",
                     "AMOUNT_MISMATCH", "NOT_AWAITING", "SUSPENSE_RESOLVED", "VALIDATION_ERROR", "NOT_FOUND"}


@pytest.fixture(scope="module", autouse=True)
def services(start_service):
    standin.reset()
    for cls in (EmployerService, ContributionsService, StandInAccounts):
        start_service(cls)


@pytest.fixture(scope="module")
def engine(db_engine):
    return db_engine("contributions")


class Run:
    """One employer and what the sequence did to it."""

    def __init__(self, rpc, engine, first_month, bases):
        registered = rpc.employer.register_employer(employer_data(first_month=first_month))
        self.rpc, self.engine = rpc, engine
        self.unit, self.clerk = registered["unit_account"], registered["clerks"][0]["id"]
        wait_for(lambda: remittance_account(engine, self.unit))
        standin.ROSTERS[self.unit] = [[f"8{self.unit[-6:]}{i:06d}", f"职工{i}", resident_id(), base]
                                      for i, base in enumerate(bases)]
        self.last_notice, self.numbers, self.n = None, [], 0

    def open_awaiting(self):
        payments = self.rpc.contributions.list_payments(self.unit, {})
        return payments[0] if payments else None

    def notice(self, amount, reference):
        self.n += 1
        self.last_notice = {"bank_ref": f"P{self.unit}-{self.n}", "unit_account": self.unit,
                            "amount": str(amount), "reference": reference}
        return self.rpc.contributions.post_bank_receipt(self.last_notice)

    def held(self):
        return [i for i in self.rpc.contributions.employer_suspense(self.unit, {})["items"] if i["status"] == "held"]

    def step(self, operation):
        c, target = self.rpc.contributions, self.open_awaiting()
        due = Decimal(target["amount"]) if target else Decimal("100.00")
        reference = target["verification_no"] if target else (self.numbers[-1] if self.numbers else None)
        if operation == "verify":
            account = remittance_account(self.engine, self.unit)
            month = next_month(account.paid_up_to) if account.paid_up_to else self.first_month
            saved = c.create_remittance(self.unit, self.clerk, {"month": month})
            self.numbers.append(saved["verification_no"])
            c.submit_remittance(self.unit, self.clerk, saved["verification_no"])
        elif operation == "pay_right":
            answer = self.notice(due, reference)
            assert answer["result"] == ("posted" if target else "suspense"), answer
        elif operation == "pay_short":
            assert self.notice(due - Decimal("0.01"), reference)["result"] == "suspense"
        elif operation == "pay_over":
            assert self.notice(due + Decimal("1.00"), reference)["result"] == "suspense"
        elif operation == "pay_no_ref":
            assert self.notice(due, None)["result"] == "suspense"
        elif operation == "pay_wrong_ref":
            assert self.notice(due, "HJ19000101999999")["result"] == "suspense"
        elif operation == "duplicate" and self.last_notice:
            first = c.post_bank_receipt(self.last_notice)
            assert c.post_bank_receipt(self.last_notice) == first
        elif operation == "pay_split":
            part = (due / 2).quantize(Decimal("0.01"))
            self.notice(part, None)
            self.notice(due - part, None)
        elif operation == "cancel" and target:
            c.cancel_payment(self.unit, target["verification_no"])
        elif operation == "apply" and target:
            held = self.held()
            c.apply_suspense({"unit_account": self.unit, "verification_no": target["verification_no"],
                              "items": [i["id"] for i in held[-2:]]})
        elif operation == "refund":
            held = self.held()
            if held:
                c.refund_suspense({"unit_account": self.unit, "items": [held[0]["id"]]})


def rows(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def check_invariants(run):
    engine, unit = run.engine, run.unit
    deadline = time.monotonic() + 20  # member rows are written asynchronously
    while rows(engine, "select 1 from verifications where unit_account = :u and status = 'posting'", u=unit):
        assert time.monotonic() < deadline, "a posting did not finish"
        time.sleep(0.05)
    account = rows(engine, "select posted_balance, suspense_balance, paid_up_to from employer_accounts "
                           "where unit_account = :u", u=unit)[0]
    items = dict(rows(engine, "select status, coalesce(sum(amount), 0) from suspense_items where unit_account = :u "
                              "group by status", u=unit))
    received = sum(items.values(), Decimal(0))
    held = items.get("held", Decimal(0))
    assert held == received - items.get("applied", Decimal(0)) - items.get("refunded", Decimal(0))
    assert account.suspense_balance == held
    running = {}
    for book, amount, balance in rows(engine, "select book, amount, balance from employer_ledger "
                                              "where unit_account = :u order by id", u=unit):
        running[book] = running.get(book, Decimal(0)) + amount
        assert balance == running[book]
    assert running.get("suspense", Decimal(0)) == account.suspense_balance
    assert running.get("posted", Decimal(0)) == account.posted_balance
    posted = rows(engine, "select verification_no, month, amount from verifications where unit_account = :u "
                          "and status = 'posted'", u=unit)
    roster_total = rows(engine, "select coalesce(sum(r.employer_amount + r.employee_amount), 0) from "
                                "verification_rows r join verifications v on v.id = r.verification_id "
                                "where v.unit_account = :u and v.status = 'posted'", u=unit)[0][0]
    assert account.posted_balance == sum((p.amount for p in posted), Decimal(0)) == roster_total
    numbers = {p.verification_no for p in posted}
    credited = sum((Decimal(a) + Decimal(b) for key, (a, b) in list(standin.CREDITED.items())
                    if key[0] in numbers), Decimal(0))
    assert credited == roster_total
    months = [p.month for p in posted]
    assert len(months) == len(set(months))
    assert account.paid_up_to == (max(months) if months else None)
    receipts = rows(engine, "select bank_ref, amount, result, verification_no from bank_receipts "
                            "where unit_account = :u", u=unit)
    assert len({r.bank_ref for r in receipts}) == len(receipts)
    by_receipt = sum((r.amount for r in receipts if r.result == "posted"), Decimal(0))
    assert sum((r.amount for r in receipts), Decimal(0)) == received + by_receipt
    applied_to = rows(engine, "select coalesce(sum(amount), 0) from verifications where unit_account = :u and "
                              "verification_no in (select verification_no from suspense_items where "
                              "unit_account = :u and status = 'applied')", u=unit)[0][0]
    assert applied_to == items.get("applied", Decimal(0))
    assert by_receipt + applied_to + sum((p.amount for p in posted if p.amount == 0), Decimal(0)) == \
        account.posted_balance


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bases=BASES, operations=st.lists(OPERATIONS, min_size=1, max_size=14))
def test_money_invariants_hold_under_any_sequence(rpc, engine, config, bases, operations):
    first_month = f"{hpf_year_of(centre_today(config))}07"
    run = Run(rpc, engine, first_month, bases)
    run.first_month = first_month
    for operation in operations:
        try:
            run.step(operation)
        except BusinessError as exc:
            assert exc.code in EXPECTED_REFUSALS, (operation, exc)
    check_invariants(run)
