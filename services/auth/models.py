from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import TYPE_ANNOTATION_MAP


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Credential(Base):
    """The employer's hall password (单位网厅密码), as an argon2id hash."""
    __tablename__ = "credentials"

    unit_account: Mapped[str] = mapped_column(String(20), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change: Mapped[bool]
    updated_at: Mapped[datetime]


class Captcha(Base):
    """An image captcha waiting for its answer: stored hashed, deleted when used."""
    __tablename__ = "captchas"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    answer_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AttemptCounter(Base):
    """Failed attempts of one clerk (scope `clerk`) or one source address (scope `address`)."""
    __tablename__ = "attempt_counters"

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int]
    window_started_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]


class SmsCode(Base):
    """The password-reset code last sent to a clerk (one per unit account + clerk ID number)."""
    __tablename__ = "sms_codes"

    unit_account: Mapped[str] = mapped_column(String(20), primary_key=True)
    clerk_id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    clerk_id: Mapped[int]
    mobile: Mapped[str] = mapped_column(String(11))
    code_hash: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    failed_tries: Mapped[int]


class LoginSession(Base):
    """Every token issued, so that logout and password changes can revoke it."""
    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_revoked_expires", "revoked_at", "expires_at"),)

    jti: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_account: Mapped[str] = mapped_column(String(20), index=True)
    clerk_id: Mapped[int]
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Login successes and failures, lockouts, resets and password changes (审计日志)."""
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(30))
    unit_account: Mapped[str | None] = mapped_column(String(20), index=True)
    clerk_id: Mapped[int | None]
    clerk_id_number: Mapped[str | None] = mapped_column(String(18))
    source: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(String(200))
