from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import TYPE_ANNOTATION_MAP


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class RosterRow:
    """What a clerk gives for one person to open, in the roster and again in a submitted batch."""
    row_no: Mapped[int | None] = mapped_column()  # the row of the uploaded file, if it came from one
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    base: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    mobile: Mapped[str] = mapped_column(String(11))
    household: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")


class OpeningDraft(RosterRow, Base):
    """A row of an employer's pending roster (待开户清册)."""
    __tablename__ = "opening_drafts"
    __table_args__ = (UniqueConstraint("unit_account", "id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_account: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime]


class OpeningBatch(Base):
    """A submitted roster: the task of applying its rows, and the voucher's batch. `kind`: open
    (rows in opening_rows), seal, unseal or transfer (rows in change_rows)."""
    __tablename__ = "opening_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    batch_no: Mapped[str | None] = mapped_column(String(20), unique=True)
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    unit_account: Mapped[str] = mapped_column(String(20), index=True)
    employer_name: Mapped[str] = mapped_column(String(100))
    submitted_by: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(10))
    total: Mapped[int]
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    seq: Mapped[int] = mapped_column(default=0)
    announced: Mapped[bool] = mapped_column(default=False)  # final snapshot and members_opened sent
    opened_on: Mapped[date]
    submitted_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class OpeningRow(RosterRow, Base):
    """One row of a batch; its state changes in the same transaction that opens it."""
    __tablename__ = "opening_rows"
    __table_args__ = (Index("ix_opening_rows_batch_state", "batch_id", "state", "id"),)  # pending rows in id order

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("opening_batches.id"))
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | opened | failed
    column: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(String(200))


class Member(Base):
    """A member account (个人账户) at one employer."""
    __tablename__ = "members"
    __table_args__ = (
        # one normal (01) account per person in the whole centre
        Index("uq_members_normal_person", "id_number", unique=True,
              postgresql_where=text("status = '01'"), sqlite_where=text("status = '01'")),
        Index("ix_members_unit_name", "unit_account", "name"),
        Index("ix_members_unit_status_account", "unit_account", "status", "account_no"),  # the roster
    )

    account_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    unit_account: Mapped[str] = mapped_column(String(20))
    opening_row_id: Mapped[int] = mapped_column(ForeignKey("opening_rows.id"), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("opening_batches.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_type: Mapped[str] = mapped_column(String(2), default="01")  # 01 居民身份证
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    sex: Mapped[str] = mapped_column(String(2))
    birth_date: Mapped[date]
    base: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    mobile: Mapped[str] = mapped_column(String(11))
    household: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(2), default="01")
    balance: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"), server_default="0")
    opened_on: Mapped[date]
    created_at: Mapped[datetime]


class MemberChange(Base):
    """One info change of a member (F5.1): old and new values, clerk, time."""
    __tablename__ = "member_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_no: Mapped[str | None] = mapped_column(String(20), unique=True)
    unit_account: Mapped[str] = mapped_column(String(20), index=True)
    account_no: Mapped[str] = mapped_column(ForeignKey("members.account_no"))
    member_name: Mapped[str] = mapped_column(String(50))
    items: Mapped[list] = mapped_column(JSON)  # [{field, label, old, new}]
    clerk_name: Mapped[str] = mapped_column(String(50))
    changed_at: Mapped[datetime]


class MemberLedgerRow(Base):
    """One row of a member's ledger (个人明细账). Append-only: never updated or deleted; a correction
    is a reversing row. `balance_after` is the member's balance once this row is posted."""
    __tablename__ = "member_ledger"
    __table_args__ = (
        # a contribution row is written once per (verification, member, month paid for)
        UniqueConstraint("reference", "account_no", "month", name="uq_member_ledger_reference_account_month"),
        # a member's ledger in posting order; his latest 汇缴 month (a few rows a year each)
        Index("ix_member_ledger_account_id", "account_no", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # no foreign key: every writer checks the account under its row lock (and that it is the
    # employer's), members are never deleted, and a key check per row slows a 50,000-row posting
    account_no: Mapped[str] = mapped_column(String(20))
    unit_account: Mapped[str] = mapped_column(String(20))  # the member's employer when posted
    value_date: Mapped[date]
    type: Mapped[str] = mapped_column(String(2))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # signed
    employer_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    employee_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    balance_after: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    month: Mapped[str | None] = mapped_column(String(6))  # YYYYMM paid for
    reference: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]


class ChangeFields:
    """What a clerk gives for one status change (seal, unseal, transfer in), in the roster and
    again in a submitted batch. The account is found when the row is added."""
    row_no: Mapped[int | None] = mapped_column()
    account_no: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    reason: Mapped[str] = mapped_column(String(20))
    base: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # unseal: the new base
    from_unit: Mapped[str | None] = mapped_column(String(20))      # transfer: the employer it leaves


class ChangeDraft(ChangeFields, Base):
    """A row of an employer's seal, unseal or transfer roster."""
    __tablename__ = "change_drafts"
    __table_args__ = (UniqueConstraint("kind", "unit_account", "account_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    unit_account: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]


class ChangeRow(ChangeFields, Base):
    """One row of a submitted seal, unseal or transfer batch."""
    __tablename__ = "change_rows"
    __table_args__ = (Index("ix_change_rows_batch_state", "batch_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("opening_batches.id"))
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | done | failed
    column: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(String(200))


class StatusChange(Base):
    """One change of a member account's status or employer: seal, unseal, transfer in, merge.
    Kept for ever (F9.5, F10.3, the voucher, the account's history)."""
    __tablename__ = "status_changes"
    __table_args__ = (
        Index("ix_status_changes_unit_kind_day", "unit_account", "kind", "changed_on"),
        Index("ix_status_changes_account", "account_no", "kind", "changed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))   # seal | unseal | transfer | merge
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("opening_batches.id"), index=True)
    merge_id: Mapped[int | None] = mapped_column(ForeignKey("account_merges.id"))
    unit_account: Mapped[str] = mapped_column(String(20))   # the employer that did it
    account_no: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    reason: Mapped[str] = mapped_column(String(20), default="")
    old_status: Mapped[str] = mapped_column(String(2))
    new_status: Mapped[str] = mapped_column(String(2))
    old_base: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    new_base: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    from_unit: Mapped[str | None] = mapped_column(String(20))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # transfer, merge: the balance moved
    clerk_name: Mapped[str] = mapped_column(String(50))
    changed_on: Mapped[date]   # the centre's business date
    changed_at: Mapped[datetime]


class AccountMerge(Base):
    """A merge of one member account into another of the same person at the same employer (F8)."""
    __tablename__ = "account_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    merge_no: Mapped[str | None] = mapped_column(String(20), unique=True)
    unit_account: Mapped[str] = mapped_column(String(20), index=True)
    from_account: Mapped[str] = mapped_column(String(20), index=True)
    to_account: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    clerk_name: Mapped[str] = mapped_column(String(50))
    merged_on: Mapped[date]
    merged_at: Mapped[datetime]


class InterestRun(Base):
    """The settlement of one HPF year's interest (B2): a task that goes through every account in
    account order, a chunk a transaction; `last_account_no` is committed with each chunk's rows, so
    a crash resumes after it and pays no one twice."""
    __tablename__ = "interest_runs"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10))  # queued | running | succeeded
    rate: Mapped[Decimal] = mapped_column(Numeric(7, 6))
    day_basis: Mapped[str] = mapped_column(String(8))
    rounding_mode: Mapped[str] = mapped_column(String(16))
    total: Mapped[int]
    done: Mapped[int] = mapped_column(default=0)            # accounts gone through
    credited: Mapped[int] = mapped_column(default=0)        # interest rows written
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0.00"))
    last_account_no: Mapped[str] = mapped_column(String(20), default="")
    seq: Mapped[int] = mapped_column(default=0)
    submitted_by: Mapped[str] = mapped_column(String(50))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
