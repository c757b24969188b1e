from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
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
    created_at: Mapped[datetime]

    clerks: Mapped[list["Clerk"]] = relationship(back_populates="employer", order_by="Clerk.id")


class Clerk(Base):
    __tablename__ = "clerks"
    __table_args__ = (UniqueConstraint("employer_id", "id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    mobile: Mapped[str] = mapped_column(String(11))

    employer: Mapped[Employer] = relationship(back_populates="clerks")
