from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import TYPE_ANNOTATION_MAP


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class TaskRecord(Base):
    """The latest snapshot of one task (the one with the highest seq)."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_employer_submitted", "employer_id", "submitted_at"),
        Index("ix_tasks_employer_finished", "employer_id", "finished_at"),
    )

    task_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int]
    employer_id: Mapped[str] = mapped_column(String(20))
    service: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(100))
    needs_review: Mapped[bool]
    submitted_by: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(10))
    total: Mapped[int]
    done: Mapped[int]
    failed: Mapped[int]
    submitted_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    message: Mapped[str | None] = mapped_column(Text)
    error_count: Mapped[int]
    errors: Mapped[list] = mapped_column(JSON)
