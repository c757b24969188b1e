"""What a crash of contributions leaves between a receipt accepted and the member rows written: an
unsent `verification_posting` in the outbox, or a verification still 入账中 whose event went out long
ago and was lost. Started again, the service sends both, and every row is written once."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.contributions.models import EmployerAccount, OutboxMessage, Verification, VerificationRow
from services.contributions.service import ContributionsService, posting_event
from tests.services import contributions_standin as standin
from tests.services.contributions_standin import StandInAccounts
from tests.waiting import wait_for

UNIT = "610188880001"


def verification(session, number, month, dispatched_at):
    now = datetime.now(timezone.utc)
    record = Verification(
        verification_no=number, kind="01", unit_account=UNIT, employer_name="遗留单位", month=month,
        status="posting", headcount=2, amount=Decimal("2000.00"), employer_amount=Decimal("1000.00"),
        employee_amount=Decimal("1000.00"), employer_rate=Decimal("0.1"), employee_rate=Decimal("0.1"),
        changes={}, clerk_name="钱经办", business_date=date(2026, 12, 1), saved_at=now, value_date=date(2026, 12, 1),
        posting_started_at=dispatched_at, dispatched_at=dispatched_at, posting_task_id=f"task-{number}",
        posting_seq=1)
    session.add(record)
    session.flush()
    session.execute(insert(VerificationRow), [
        {"verification_id": record.id, "account_no": f"{number}-{i}", "name": "职工", "id_number": "x",
         "month": month, "base": Decimal("5000.00"), "employer_amount": Decimal("500.00"),
         "employee_amount": Decimal("500.00")} for i in range(2)])
    return record


@pytest.fixture(scope="module", autouse=True)
def left_behind_then_services(db_engine, start_service):
    standin.reset()
    now = datetime.now(timezone.utc)  # at the module's start: the unsent posting is not yet stale
    with Session(db_engine("contributions")) as session:
        session.add(EmployerAccount(unit_account=UNIT, name="遗留单位", employer_rate=Decimal("0.1"),
                                    employee_rate=Decimal("0.1"), paid_up_to="202612", first_month="202612",
                                    opened_on=date(2026, 12, 1), created_at=now))
        unsent = verification(session, "HJ-UNSENT", "202612", now)                     # committed, then the crash
        verification(session, "HJ-LOST", "202611", now - timedelta(hours=1))           # sent, and lost on the way
        session.add(OutboxMessage(channel="event", event_type="verification_posting",
                                  payload=posting_event(unsent), created_at=now))
        session.commit()
    start_service(StandInAccounts)
    start_service(ContributionsService)


def status(engine, number):
    with engine.connect() as conn:
        return conn.execute(select(Verification.status).where(Verification.verification_no == number)).scalar()


def test_posting_left_by_a_crash_is_finished_at_start_each_row_once(db_engine):
    engine = db_engine("contributions")
    for number in ("HJ-UNSENT", "HJ-LOST"):
        wait_for(lambda: status(engine, number) == "posted", timeout=20)
        assert sorted(k[1] for k in standin.CREDITED if k[0] == number) == [f"{number}-0", f"{number}-1"]
    heard = {p["verification_no"] for p in standin.POSTED_EVENTS}
    assert heard == {"HJ-LOST", "HJ-UNSENT"}  # at least once each (the contract allows repeats)
    def outbox_drained():
        with engine.connect() as conn:
            return conn.execute(select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None))).all() == []
    wait_for(outbox_drained)  # the final snapshots leave just after the commit that marks posted
