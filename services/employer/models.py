from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import TYPE_ANNOTATION_MAP


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Employer(Base):
    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_account: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    address: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(6))
    bank_name: Mapped[str] = mapped_column(String(100))
    bank_account: Mapped[str] = mapped_column(String(32))
    legal_person_name: Mapped[str] = mapped_column(String(50))
    legal_person_id_number: Mapped[str | None] = mapped_column(String(18))
    legal_person_phone: Mapped[str | None] = mapped_column(String(20))
    employer_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    employee_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    status: Mapped[str] = mapped_column(String(10), default="正常")
    opened_on: Mapped[date]
    first_month: Mapped[str | None] = mapped_column(String(6))  # 首次汇缴月份 YYYYMM, set at registration
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=0, server_default="0")  # one more with each change

    clerks: Mapped[list["Clerk"]] = relationship(back_populates="employer", order_by="Clerk.id",
                                                 cascade="all, delete-orphan")


class Clerk(Base):
    __tablename__ = "clerks"
    __table_args__ = (UniqueConstraint("employer_id", "id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    mobile: Mapped[str] = mapped_column(String(11))

    employer: Mapped[Employer] = relationship(back_populates="clerks")


class EmployerChange(Base):
    """One change of the employer's information (online or at the counter): old and new values."""
    __tablename__ = "employer_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)
    channel: Mapped[str] = mapped_column(String(10))        # 网厅 | 柜台
    clerk_name: Mapped[str] = mapped_column(String(50))     # the clerk, or the counter operator
    items: Mapped[list] = mapped_column(JSON)               # [{field, label, old, new}]
    business_date: Mapped[date] = mapped_column(index=True)
    changed_at: Mapped[datetime]


class Shortcut(Base):
    """A clerk's home-page shortcut (常用功能) to one function of the hall."""
    __tablename__ = "shortcuts"
    __table_args__ = (UniqueConstraint("clerk_id", "function_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("clerks.id", ondelete="CASCADE"), index=True)
    function_id: Mapped[str] = mapped_column(String(10))
    position: Mapped[int]


class Message(Base):
    """The employer's message centre: notices, consultation replies, finished tasks.

    `source_key` names what a message is about, so a redelivered fact adds no second message.
    """
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("employer_id", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))           # notice | consultation | task
    source_key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    ref: Mapped[dict] = mapped_column(JSON)                 # what the portal links to
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class Consultation(Base):
    """A consultation, complaint or suggestion (咨询建议) and the centre's reply."""
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    clerk_name: Mapped[str] = mapped_column(String(50))
    type: Mapped[str] = mapped_column(String(10))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))         # 待答复 | 已答复
    submitted_at: Mapped[datetime]
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by: Mapped[str | None] = mapped_column(String(50))
    replied_at: Mapped[datetime | None]

    employer: Mapped[Employer] = relationship()


class OutboxEvent(Base):
    """An event stored in the transaction of the change it tells of, until it has been sent."""
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_unsent", "id", postgresql_where=text("sent_at IS NULL"),
                            sqlite_where=text("sent_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
