"""Queries and writes of the auth service."""
from sqlalchemy import delete, select, update

from services.auth.models import AttemptCounter, AuditEvent, Captcha, LoginSession
from shared.db import upsert_insert


def take_captcha(session, captcha_id, now):
    """The captcha's answer digest, deleting it: each captcha answers once. None if unknown or expired."""
    row = session.execute(delete(Captcha).where(Captcha.id == captcha_id)
                          .returning(Captcha.answer_hash, Captcha.expires_at)).first()
    return row.answer_hash if row is not None and row.expires_at > now else None


def purge_expired(session, now):
    session.execute(delete(Captcha).where(Captcha.expires_at <= now))
    session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))


def locked_row(session, model, key, **initial):
    """The row of `model` with primary key `key`, locked for this transaction, and whether it was
    created now (with `initial`). Two first uses at once do not collide: one inserts, the other waits."""
    created = session.execute(upsert_insert(session, model).values(**key, **initial)
                              .on_conflict_do_nothing()).rowcount == 1
    row = session.get(model, tuple(key.values()), with_for_update=True, populate_existing=True)
    return row, created


def counter(session, scope, key, now):
    """The attempt counter, locked for this transaction (created on first use)."""
    return locked_row(session, AttemptCounter, {"scope": scope, "key": key},
                      failures=0, window_started_at=now)[0]


def peek_counter(session, scope, key):
    return session.get(AttemptCounter, (scope, key))


def clear_counter(session, scope, key):
    session.execute(delete(AttemptCounter).where(AttemptCounter.scope == scope,
                                                 AttemptCounter.key == key))


def revoke_sessions(session, now, *, unit_account=None, jti=None):
    """Revoke the unit's live sessions (or one): [{jti, expires_at}] of those revoked now."""
    query = (update(LoginSession)
             .where(LoginSession.revoked_at.is_(None), LoginSession.expires_at > now)
             .values(revoked_at=now)
             .returning(LoginSession.jti, LoginSession.expires_at))
    query = query.where(LoginSession.jti == jti) if jti else query.where(
        LoginSession.unit_account == unit_account)
    return [{"jti": row.jti, "expires_at": row.expires_at.isoformat()} for row in session.execute(query)]


def revoked_sessions(session, now):
    rows = session.execute(select(LoginSession.jti, LoginSession.expires_at)
                           .where(LoginSession.revoked_at.is_not(None), LoginSession.expires_at > now))
    return [{"jti": row.jti, "expires_at": row.expires_at.isoformat()} for row in rows]


def audit(session, now, kind, *, unit_account=None, clerk_id=None, clerk_id_number=None,
          source=None, detail=None):
    session.add(AuditEvent(at=now, kind=kind, unit_account=unit_account, clerk_id=clerk_id,
                           clerk_id_number=clerk_id_number, source=source, detail=detail))


def audit_events(session, unit_account, limit):
    return session.scalars(select(AuditEvent).where(AuditEvent.unit_account == unit_account)
                           .order_by(AuditEvent.id.desc()).limit(limit)).all()


def clear_unit_counters(session, unit_account):
    session.execute(delete(AttemptCounter).where(AttemptCounter.scope == "clerk",
                                                 AttemptCounter.key.startswith(f"{unit_account}|")))
