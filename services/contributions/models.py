from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import TYPE_ANNOTATION_MAP

MONEY = Numeric(14, 2)
# What SQLite calls INTEGER PRIMARY KEY autoincrements; PostgreSQL gets a BIGINT identity
ROW_ID = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Policy(Base):
    """The centre's numbers for one HPF year (July to June)."""
    __tablename__ = "policies"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    base_floor: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    base_cap: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    rate_min: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    rate_max: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    rounding_unit: Mapped[str] = mapped_column(String(8))
    rounding_mode: Mapped[str] = mapped_column(String(16))
    interest_rate: Mapped[Decimal] = mapped_column(Numeric(7, 6))
    day_basis: Mapped[str] = mapped_column(String(8), default="actual", server_default="actual")


class EmployerAccount(Base):
    """An employer's remittance account, opened when the employer is registered."""
    __tablename__ = "employer_accounts"

    unit_account: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    employer_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    employee_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    paid_up_to: Mapped[str | None] = mapped_column(String(6))  # 缴至月份, YYYYMM
    first_month: Mapped[str | None] = mapped_column(String(6))  # 首次汇缴月份
    opened_on: Mapped[date]
    created_at: Mapped[datetime]
    employer_version: Mapped[int] = mapped_column(default=0, server_default="0")  # of the values above
    # running balances of the employer ledger's two books, kept with the entries under this row's lock
    posted_balance: Mapped[Decimal] = mapped_column(MONEY, default=0, server_default="0")
    suspense_balance: Mapped[Decimal] = mapped_column(MONEY, default=0, server_default="0")


class RatePeriod(Base):
    """Rates in force from a month on (until the next period of the same employer)."""
    __tablename__ = "rate_periods"

    unit_account: Mapped[str] = mapped_column(String(20), primary_key=True)
    from_month: Mapped[str] = mapped_column(String(6), primary_key=True)
    employer_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    employee_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    employer_version: Mapped[int] = mapped_column(default=0)
    recorded_at: Mapped[datetime]


OPEN_STATES = ("saved", "awaiting")
TAKEN_STATES = ("saved", "awaiting", "posting", "posted")


class Verification(Base):
    """A verification (核定): what an employer owes for a month (汇缴) or for rows (补缴)."""
    __tablename__ = "verifications"
    __table_args__ = (
        # one open monthly remittance per employer, and each month at most once not given up
        Index("uq_verifications_open_remittance", "unit_account", unique=True,
              postgresql_where=text("kind = '01' AND status IN ('saved', 'awaiting')"),
              sqlite_where=text("kind = '01' AND status IN ('saved', 'awaiting')")),
        Index("uq_verifications_month", "unit_account", "month", unique=True,
              postgresql_where=text("kind = '01' AND status IN ('saved', 'awaiting', 'posting', 'posted')"),
              sqlite_where=text("kind = '01' AND status IN ('saved', 'awaiting', 'posting', 'posted')")),
        Index("ix_verifications_posting", "status", "dispatched_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    verification_no: Mapped[str | None] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(2))               # 01 汇缴, 02 补缴
    unit_account: Mapped[str] = mapped_column(String(20), index=True)
    employer_name: Mapped[str] = mapped_column(String(100))
    month: Mapped[str | None] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(10))
    headcount: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(MONEY)
    employer_amount: Mapped[Decimal] = mapped_column(MONEY)
    employee_amount: Mapped[Decimal] = mapped_column(MONEY)
    employer_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    employee_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    changes: Mapped[dict] = mapped_column(JSON)
    clerk_name: Mapped[str] = mapped_column(String(50))
    business_date: Mapped[date] = mapped_column(index=True)    # saved on, the centre's calendar
    saved_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]                         # discarded or cancelled
    value_date: Mapped[date | None]
    posting_started_at: Mapped[datetime | None]
    posted_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]                     # verification_posting last sent
    submit_task_id: Mapped[str | None] = mapped_column(String(64))
    posting_task_id: Mapped[str | None] = mapped_column(String(64))
    posting_seq: Mapped[int] = mapped_column(default=0)


class VerificationRow(Base):
    """One member on a verification's roster: fixed once saved."""
    __tablename__ = "verification_rows"
    __table_args__ = (Index("ix_verification_rows_page", "verification_id", "id"),)

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("verifications.id"))
    account_no: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    month: Mapped[str] = mapped_column(String(6))
    base: Mapped[Decimal] = mapped_column(MONEY)
    employer_amount: Mapped[Decimal] = mapped_column(MONEY)
    employee_amount: Mapped[Decimal] = mapped_column(MONEY)


class BankReceipt(Base):
    """A bank arrival notice (到账通知), once per bank reference, with what it became."""
    __tablename__ = "bank_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_ref: Mapped[str] = mapped_column(String(64), unique=True)
    unit_account: Mapped[str] = mapped_column(String(20), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    value_date: Mapped[date]
    reference: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(10))            # posted | suspense
    verification_no: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime]


class ReceiptConflict(Base):
    """A notice whose bank reference was seen before with another amount or employer: kept, not merged."""
    __tablename__ = "receipt_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_ref: Mapped[str] = mapped_column(String(64), index=True)
    unit_account: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    value_date: Mapped[date]
    reference: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime]


class SuspenseItem(Base):
    """Money held in the employer's suspense deposit (汇补缴不符暂存款) until the centre resolves it."""
    __tablename__ = "suspense_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_account: Mapped[str] = mapped_column(String(20), index=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("bank_receipts.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    value_date: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))            # held | applied | refunded
    verification_no: Mapped[str | None] = mapped_column(String(24))  # applied to
    received_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class LedgerEntry(Base):
    """The employer ledger (单位明细账): append-only, two books (posted, suspense), balance after each."""
    __tablename__ = "employer_ledger"
    __table_args__ = (Index("ix_employer_ledger_unit_date", "unit_account", "entry_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_account: Mapped[str] = mapped_column(String(20))
    entry_date: Mapped[date]                                   # value date
    type: Mapped[str] = mapped_column(String(2))               # 01 汇缴, 02 补缴, 99 其他
    book: Mapped[str] = mapped_column(String(10))              # posted | suspense
    amount: Mapped[Decimal] = mapped_column(MONEY)             # signed
    balance: Mapped[Decimal] = mapped_column(MONEY)            # of its book, after it
    month: Mapped[str | None] = mapped_column(String(6))
    reference: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime]


class OutboxMessage(Base):
    """An event or a task snapshot stored in the transaction of the change it tells of, until sent."""
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_unsent", "id", postgresql_where=text("sent_at IS NULL"),
                            sqlite_where=text("sent_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))           # event | task
    event_type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class SupplementaryDraft(Base):
    """A row of an employer's supplementary roster (补缴清册): a member, a month he is owed for, an
    amount and why; submitted, the whole roster becomes one 补缴 verification."""
    __tablename__ = "supplementary_drafts"
    __table_args__ = (UniqueConstraint("unit_account", "account_no", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_account: Mapped[str] = mapped_column(String(20), index=True)
    row_no: Mapped[int | None] = mapped_column()
    account_no: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    month: Mapped[str] = mapped_column(String(6))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime]


class AnnualDraft(Base):
    """A row of an employer's annual base review list (年度核定清册) for one HPF year: a member remitted
    normally up to June, his base now and the new base the clerk gives."""
    __tablename__ = "annual_drafts"
    __table_args__ = (UniqueConstraint("unit_account", "year", "account_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_account: Mapped[str] = mapped_column(String(20), index=True)
    year: Mapped[int]
    row_no: Mapped[int | None] = mapped_column()
    account_no: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    old_base: Mapped[Decimal] = mapped_column(MONEY)
    new_base: Mapped[Decimal] = mapped_column(MONEY)
    created_at: Mapped[datetime]


class AnnualVerification(Base):
    """An employer's annual base verification (年度缴存基数核定) of one HPF year, once per year: the new
    bases of its members and, if it changed them, the rates from July of that year."""
    __tablename__ = "annual_verifications"
    __table_args__ = (UniqueConstraint("unit_account", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    annual_no: Mapped[str | None] = mapped_column(String(24), unique=True)
    unit_account: Mapped[str] = mapped_column(String(20), index=True)
    employer_name: Mapped[str] = mapped_column(String(100))
    year: Mapped[int]
    status: Mapped[str] = mapped_column(String(10))            # applying | done
    headcount: Mapped[int]
    changed: Mapped[int]                                       # members whose base changes
    old_employer_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    old_employee_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    employer_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    employee_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    clerk_name: Mapped[str] = mapped_column(String(50))
    business_date: Mapped[date] = mapped_column(index=True)
    submitted_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    task_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(default=0)


class AnnualRow(Base):
    """A member of a submitted annual verification: the base before and after (equal when kept)."""
    __tablename__ = "annual_rows"
    __table_args__ = (Index("ix_annual_rows_annual", "annual_id", "account_no"),)

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True)
    annual_id: Mapped[int] = mapped_column(ForeignKey("annual_verifications.id"))
    account_no: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    old_base: Mapped[Decimal] = mapped_column(MONEY)
    new_base: Mapped[Decimal] = mapped_column(MONEY)
    listed: Mapped[bool]                                       # in the clerk's list, or kept by the policy
