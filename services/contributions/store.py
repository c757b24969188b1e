"""Queries and writes of the contributions service."""
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import String, cast, delete, func, select, update

from services.contributions.models import (
    OPEN_STATES, BankReceipt, EmployerAccount, LedgerEntry, OutboxMessage, Policy, RatePeriod,
    ReceiptConflict, SuspenseItem, Verification, VerificationRow)
from services.contributions.rules import POSTED, POSTED_BOOK, POSTING, REMITTANCE, verification_no
from shared.db import bulk_insert, upsert_insert


def now():
    return datetime.now(timezone.utc)


# ---------- accounts, policies, rates ----------

def account(session, unit_account, lock=False):
    query = select(EmployerAccount).where(EmployerAccount.unit_account == unit_account)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def policy(session, year):
    return session.get(Policy, int(year))


def latest_policy_before(session, year):
    return session.scalars(select(Policy).where(Policy.year < int(year)).order_by(Policy.year.desc())
                           .limit(1)).first()


def save_policy(session, values):
    statement = upsert_insert(session, Policy).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["year"], set_={k: v for k, v in values.items() if k != "year"}))


def rate_periods(session, unit_account):
    return [tuple(row) for row in session.execute(
        select(RatePeriod.from_month, RatePeriod.employer_rate, RatePeriod.employee_rate)
        .where(RatePeriod.unit_account == unit_account).order_by(RatePeriod.from_month))]


def set_rate_period(session, unit_account, from_month, employer_rate, employee_rate, version):
    """The rates from `from_month` on, unless a newer version already set them; the periods a newer
    change set after that month stay, older ones give way to this change."""
    statement = upsert_insert(session, RatePeriod).values(
        unit_account=unit_account, from_month=from_month, employer_rate=employer_rate,
        employee_rate=employee_rate, employer_version=version, recorded_at=now())
    session.execute(statement.on_conflict_do_update(
        index_elements=["unit_account", "from_month"],
        set_={"employer_rate": employer_rate, "employee_rate": employee_rate, "employer_version": version,
              "recorded_at": now()},
        where=RatePeriod.employer_version < version))
    session.execute(delete(RatePeriod).where(
        RatePeriod.unit_account == unit_account, RatePeriod.from_month > from_month,
        RatePeriod.employer_version < version))


# ---------- verifications ----------

def open_remittance(session, unit_account):
    return session.scalars(select(Verification).where(
        Verification.unit_account == unit_account, Verification.kind == REMITTANCE,
        Verification.status.in_(OPEN_STATES))).first()


def last_posted_remittance(session, unit_account):
    """(month, headcount, amount, account_nos) of the latest month posted (or posting), or None."""
    last = session.scalars(select(Verification).where(
        Verification.unit_account == unit_account, Verification.kind == REMITTANCE,
        Verification.status.in_((POSTING, POSTED))).order_by(Verification.month.desc()).limit(1)).first()
    if last is None:
        return None
    accounts = session.scalars(select(VerificationRow.account_no)
                               .where(VerificationRow.verification_id == last.id)).all()
    return last.month, last.headcount, last.amount, accounts


def add_verification(session, values, day):
    verification = Verification(**values, saved_at=now(), business_date=day, posting_seq=0)
    session.add(verification)
    session.flush()
    verification.verification_no = verification_no(verification.kind, day, verification.id)
    session.flush()
    return verification


def add_rows(session, verification_id, rows):
    """The whole roster in one statement, no ORM objects (`shared.db.bulk_insert`)."""
    bulk_insert(session, VerificationRow.__table__, rows, {"verification_id": verification_id})


def verification(session, unit_account, number, lock=False):
    query = select(Verification).where(Verification.verification_no == str(number))
    if unit_account is not None:
        query = query.where(Verification.unit_account == unit_account)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def verifications(session, unit_account, kind=None, start=None, end=None, statuses=None):
    query = select(Verification).where(Verification.unit_account == unit_account)
    if kind:
        query = query.where(Verification.kind == kind)
    if start:
        query = query.where(Verification.business_date >= start)
    if end:
        query = query.where(Verification.business_date <= end)
    if statuses:
        query = query.where(Verification.status.in_(statuses))
    return session.scalars(query.order_by(Verification.id.desc())).all()


def rows_page(session, verification_id, after, limit):
    """(row_id, account_no, month, employer_amount, employee_amount) by row id; amounts as the database
    writes NUMERIC(14, 2) ("600.00") on PostgreSQL, Decimal elsewhere."""
    amounts = (VerificationRow.employer_amount, VerificationRow.employee_amount)
    if session.get_bind().dialect.name == "postgresql":
        amounts = tuple(cast(column, String) for column in amounts)
    return session.execute(
        select(VerificationRow.id, VerificationRow.account_no, VerificationRow.month, *amounts)
        .where(VerificationRow.verification_id == verification_id, VerificationRow.id > after)
        .order_by(VerificationRow.id).limit(limit)).all()


def roster(session, verification_id):
    return session.execute(
        select(VerificationRow.account_no, VerificationRow.name, VerificationRow.id_number,
               VerificationRow.month, VerificationRow.base, VerificationRow.employer_amount,
               VerificationRow.employee_amount)
        .where(VerificationRow.verification_id == verification_id).order_by(VerificationRow.id)).all()


def members_on_open(session, unit_account, account_nos):
    """Those of `account_nos` on a verification of the employer not yet posted (saved, awaiting
    payment or posting): their rows are fixed and must reach them at this employer."""
    return sorted(set(session.scalars(
        select(VerificationRow.account_no).join(Verification, Verification.id == VerificationRow.verification_id)
        .where(Verification.unit_account == unit_account,
               Verification.status.in_(("saved", "awaiting", "posting")),
               VerificationRow.account_no.in_(list(account_nos))))))


def stale_postings(session, before):
    """Claim verifications still posting whose event went out before `before` (touching them, so two
    replicas' sweeps do not take the same one)."""
    return session.execute(
        update(Verification).where(Verification.status == POSTING, Verification.dispatched_at < before)
        .values(dispatched_at=now())
        .returning(Verification.verification_no, Verification.kind, Verification.unit_account,
                   Verification.value_date, Verification.headcount)).all()


def posted_months(session, unit_account, limit=12):
    """The last `limit` months posted (or posting) of the employer's monthly remittances, newest first."""
    return session.execute(
        select(Verification.month, Verification.headcount, Verification.amount,
               Verification.employer_amount, Verification.employee_amount, Verification.status)
        .where(Verification.unit_account == unit_account, Verification.kind == REMITTANCE,
               Verification.status.in_((POSTING, POSTED)))
        .order_by(Verification.month.desc()).limit(limit)).all()


# ---------- ledger ----------

def add_entry(session, account, *, day, type, book, amount, reference, summary, month=None):
    """One ledger entry with its book's balance after it. The caller holds the account row locked."""
    amount = Decimal(amount)
    if book == POSTED_BOOK:
        account.posted_balance = Decimal(account.posted_balance) + amount
        balance = account.posted_balance
    else:
        account.suspense_balance = Decimal(account.suspense_balance) + amount
        balance = account.suspense_balance
    session.add(LedgerEntry(unit_account=account.unit_account, entry_date=day, type=type, book=book,
                            amount=amount, balance=balance, month=month, reference=reference,
                            summary=summary, recorded_at=now()))


def ledger(session, unit_account, start=None, end=None, type=None):
    query = select(LedgerEntry).where(LedgerEntry.unit_account == unit_account)
    if start:
        query = query.where(LedgerEntry.entry_date >= start)
    if end:
        query = query.where(LedgerEntry.entry_date <= end)
    if type:
        query = query.where(LedgerEntry.type == type)
    return session.scalars(query.order_by(LedgerEntry.id)).all()


# ---------- receipts and suspense ----------

def claim_receipt(session, notice):
    """Insert the notice unless its bank reference is known; a concurrent duplicate waits on the unique
    index until the first commits, then inserts nothing. The stored receipt and whether it is new."""
    statement = (upsert_insert(session, BankReceipt)
                 .values(**notice, result="pending", received_at=now())
                 .on_conflict_do_nothing(index_elements=["bank_ref"]).returning(BankReceipt.id))
    new_id = session.scalars(statement).first()
    receipt = session.scalars(select(BankReceipt).where(BankReceipt.bank_ref == notice["bank_ref"])
                              .execution_options(populate_existing=True)).one()
    return receipt, new_id is not None


def receipt_by_ref(session, bank_ref):
    return session.scalars(select(BankReceipt).where(BankReceipt.bank_ref == bank_ref)).one_or_none()


def add_conflict(session, notice):
    session.add(ReceiptConflict(**notice, received_at=now()))


def add_suspense(session, receipt, reason):
    item = SuspenseItem(unit_account=receipt.unit_account, receipt_id=receipt.id, amount=receipt.amount,
                        value_date=receipt.value_date, reason=reason, status="held", received_at=now())
    session.add(item)
    session.flush()
    return item


def suspense_item_of(session, receipt_id):
    return session.scalars(select(SuspenseItem.id).where(SuspenseItem.receipt_id == receipt_id)).first()


def suspense_items(session, unit_account, ids=None, lock=False, start=None, end=None):
    query = select(SuspenseItem).where(SuspenseItem.unit_account == unit_account)
    if ids is not None:
        query = query.where(SuspenseItem.id.in_(ids))
    if start:
        query = query.where(SuspenseItem.value_date >= start)
    if end:
        query = query.where(SuspenseItem.value_date <= end)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query.order_by(SuspenseItem.id)).all()


def suspense_totals(session, unit_account):
    """{status: total} of the employer's suspense items."""
    return {status: Decimal(total) for status, total in session.execute(
        select(SuspenseItem.status, func.sum(SuspenseItem.amount))
        .where(SuspenseItem.unit_account == unit_account).group_by(SuspenseItem.status))}


# ---------- outbox ----------

def add_event(session, event_type, payload):
    session.add(OutboxMessage(channel="event", event_type=event_type, payload=payload, created_at=now()))


def add_snapshot(session, snapshot):
    session.add(OutboxMessage(channel="task", event_type=snapshot["kind"], payload=snapshot, created_at=now()))


def unsent(session):
    """Unsent messages in the order stored, locked: a second sender waits, then finds them sent."""
    return session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                           .order_by(OutboxMessage.id).with_for_update()).all()


def mark_sent(session, messages):
    if messages:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([m.id for m in messages]))
                        .values(sent_at=now()))
