from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import TYPE_ANNOTATION_MAP


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


class EmployerAccount(Base):
    """An employer's remittance account, opened when the employer is registered."""
    __tablename__ = "employer_accounts"

    unit_account: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    employer_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    employee_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    paid_up_to: Mapped[str | None] = mapped_column(String(6))  # 缴至月份, YYYYMM
    opened_on: Mapped[date]
    created_at: Mapped[datetime]
    employer_version: Mapped[int] = mapped_column(default=0, server_default="0")  # of the values above
