"""Queries and writes of the employer service."""
from datetime import datetime, timezone
from types import SimpleNamespace

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import selectinload

from services.employer.models import (
    Clerk, Consultation, Employer, EmployerChange, Message, OutboxEvent, Shortcut)
from services.employer.rules import FIELD_LABELS, PENDING, change_number, unit_account_for
from shared.db import PreparedRead, upsert_insert


def employer_by_unit_account(session, unit_account, lock=False):
    query = select(Employer).options(selectinload(Employer.clerks)).where(Employer.unit_account == unit_account)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


_EMPLOYERS, _CLERKS = Employer.__table__, Clerk.__table__
_CLERK_COLUMNS = ("id", "name", "id_number", "mobile")
# The read of 单位基本信息: the employer and its clerks in one statement (one round trip, and one
# snapshot of both), built once and prepared once per connection, read without the ORM.
_EMPLOYER_VIEW = PreparedRead("employer_view", (
    select(*_EMPLOYERS.c, *(_CLERKS.c[name].label(f"clerk_{name}") for name in _CLERK_COLUMNS))
    .outerjoin(_CLERKS, _CLERKS.c.employer_id == _EMPLOYERS.c.id)
    .where(_EMPLOYERS.c.unit_account == bindparam("unit_account"))
    .order_by(_CLERKS.c.id)))


def employer_view(session, unit_account):
    """The employer as a read-only record with its clerks (id order, as the ORM relation keeps
    them), or None. For reads only: nothing here is tracked or can be written back."""
    rows = _EMPLOYER_VIEW.rows(session, {"unit_account": unit_account})
    if not rows:
        return None
    employer = SimpleNamespace(**{column.key: value for column, value in zip(_EMPLOYERS.c, rows[0])})
    employer.clerks = [SimpleNamespace(**{name: getattr(row, f"clerk_{name}") for name in _CLERK_COLUMNS})
                       for row in rows if row.clerk_id is not None]
    return employer


def employer_by_credit_code(session, credit_code):
    return session.scalars(select(Employer).where(Employer.credit_code == credit_code)).one_or_none()


def add_employer(session, data, prefix, today):
    clerks = data.pop("clerks")
    data["first_month"] = data.get("first_month") or f"{today:%Y%m}"
    employer = Employer(**data, status="正常", opened_on=today,
                        created_at=datetime.now(timezone.utc))
    employer.clerks = [Clerk(**clerk) for clerk in clerks]
    session.add(employer)
    session.flush()  # the database's id makes the unit account unique across replicas
    employer.unit_account = unit_account_for(prefix, employer.id)
    session.flush()
    return employer


def clerk_of(employer, clerk_id):
    return next((clerk for clerk in employer.clerks if str(clerk.id) == str(clerk_id)), None)


# ---------- information changes ----------

def current_values(employer):
    """The changeable fields as `rules.change_items` compares them."""
    values = {name: getattr(employer, name) for name in FIELD_LABELS if name != "clerks"}
    values["clerks"] = [{"name": c.name, "id_number": c.id_number, "mobile": c.mobile}
                        for c in employer.clerks]
    return values


def apply_change(session, employer, data, items, channel, clerk_name, today):
    """Write the new values and the change record with its old and new values."""
    for item in items:
        if item["field"] == "clerks":
            _replace_clerks(employer, data["clerks"])
        else:
            setattr(employer, item["field"], data[item["field"]])
    employer.version += 1
    now = datetime.now(timezone.utc)
    change = EmployerChange(employer_id=employer.id, channel=channel, clerk_name=clerk_name,
                            items=items, business_date=today, changed_at=now)
    session.add(change)
    session.flush()
    change.number = change_number(change.business_date, change.id)
    session.flush()
    return change


def _replace_clerks(employer, clerks):
    """Clerks are matched by ID number, so a clerk who stays keeps his id and shortcuts."""
    kept = {clerk.id_number: clerk for clerk in employer.clerks}
    employer.clerks = [_updated(kept.get(c["id_number"]), c) for c in clerks]


def _updated(clerk, data):
    if clerk is None:
        return Clerk(**data)
    clerk.name, clerk.mobile = data["name"], data["mobile"]
    return clerk


def changes_of(session, employer_id, start=None, end=None):
    query = select(EmployerChange).where(EmployerChange.employer_id == employer_id)
    if start:
        query = query.where(EmployerChange.business_date >= start)
    if end:
        query = query.where(EmployerChange.business_date <= end)
    return session.scalars(query.order_by(EmployerChange.id.desc())).all()


def change_of(session, employer_id, change_id):
    return session.scalars(select(EmployerChange).where(
        EmployerChange.id == change_id, EmployerChange.employer_id == employer_id)).one_or_none()


# ---------- shortcuts ----------

def shortcuts_of(session, clerk_id):
    return session.scalars(select(Shortcut.function_id).where(Shortcut.clerk_id == clerk_id)
                           .order_by(Shortcut.position)).all()


def set_shortcuts(session, clerk_id, function_ids):
    session.execute(delete(Shortcut).where(Shortcut.clerk_id == clerk_id))
    if function_ids:
        session.execute(insert(Shortcut), [{"clerk_id": clerk_id, "function_id": fid, "position": n}
                                           for n, fid in enumerate(function_ids)])


# ---------- messages ----------

def add_messages(session, rows):
    """Insert messages in one statement; one already there for the same source is kept as it is."""
    if not rows:
        return 0
    now = datetime.now(timezone.utc)
    statement = (upsert_insert(session, Message).on_conflict_do_nothing(index_elements=["employer_id", "source_key"])
                 .returning(Message.id))
    inserted = session.scalars(statement, [{"created_at": now, "read_at": None, **row} for row in rows])
    return len(inserted.all())


def messages_of(session, employer_id, kind=None, unread=False, limit=20, offset=0):
    query = select(Message).where(Message.employer_id == employer_id)
    if kind:
        query = query.where(Message.kind == kind)
    if unread:
        query = query.where(Message.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    items = session.scalars(query.order_by(Message.id.desc()).limit(limit).offset(offset)).all()
    return total, items


def unread_by_kind(session, employer_id):
    rows = session.execute(select(Message.kind, func.count()).where(
        Message.employer_id == employer_id, Message.read_at.is_(None)).group_by(Message.kind))
    return dict(rows.all())


def mark_read(session, employer_id, ids=None):
    """Mark the employer's unread messages read: the given ids, or all when ids is None."""
    statement = update(Message).where(Message.employer_id == employer_id, Message.read_at.is_(None))
    if ids is not None:
        statement = statement.where(Message.id.in_(ids))
    return session.execute(statement.values(read_at=datetime.now(timezone.utc))).rowcount


def employer_ids(session, unit_accounts=None):
    """{unit_account: id} of the named employers, or of every employer."""
    query = select(Employer.unit_account, Employer.id)
    if unit_accounts is not None:
        query = query.where(Employer.unit_account.in_(unit_accounts))
    return dict(session.execute(query).all())


# ---------- consultations ----------

def consultations_of(session, employer_id, status=None):
    query = select(Consultation).where(Consultation.employer_id == employer_id)
    if status:
        query = query.where(Consultation.status == status)
    return session.scalars(query.order_by(Consultation.id.desc())).all()


def pending_consultations(session):
    return session.scalars(select(Consultation).options(selectinload(Consultation.employer))
                           .where(Consultation.status == PENDING).order_by(Consultation.id)).all()


def consultation_for_update(session, consultation_id):
    return session.scalars(select(Consultation).options(selectinload(Consultation.employer))
                           .where(Consultation.id == consultation_id).with_for_update()).one_or_none()


# ---------- outbox ----------

def add_event(session, event_type, payload):
    session.add(OutboxEvent(event_type=event_type, payload=payload, created_at=datetime.now(timezone.utc)))


def unsent_events(session):
    """Unsent events in the order they were stored, locked: a second sender waits, then finds them sent."""
    return session.scalars(select(OutboxEvent).where(OutboxEvent.sent_at.is_(None))
                           .order_by(OutboxEvent.id).with_for_update()).all()


def mark_sent(session, events):
    for event in events:
        event.sent_at = datetime.now(timezone.utc)
