"""Queries and bulk writes of the accounts service."""
import json
from datetime import datetime, timezone

from sqlalchemy import String, bindparam, delete, func, insert, literal, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm.attributes import set_committed_value

from services.accounts.models import (
    Member, MemberChange, MemberLedgerRow, OpeningBatch, OpeningDraft, OpeningRow)
from services.accounts.rules import CONTRIBUTION_TYPES, NORMAL, REMITTANCE, business_number
from shared.db import bulk_insert

ROW_FIELDS = ("row_no", "name", "id_number", "base", "mobile", "household", "address", "phone")
ID_CHUNK = 1000  # keeps IN lists short


def now():
    return datetime.now(timezone.utc)


# ---------- pending roster ----------

def _ids(session, query, column, id_numbers):
    if id_numbers is None:
        return set(session.scalars(query))
    ids, found = list(id_numbers), set()
    for i in range(0, len(ids), ID_CHUNK):
        found.update(session.scalars(query.where(column.in_(ids[i:i + ID_CHUNK]))))
    return found


def roster_ids(session, unit_account, id_numbers=None):
    """ID numbers in the employer's roster (of `id_numbers`, or all)."""
    query = select(OpeningDraft.id_number).where(OpeningDraft.unit_account == unit_account)
    return _ids(session, query, OpeningDraft.id_number, id_numbers)


def normal_accounts(session, id_numbers):
    """{ID number: employer} of these people's normal accounts, anywhere in the centre."""
    ids, found = sorted(set(id_numbers)), {}
    for i in range(0, len(ids), ID_CHUNK):
        found.update(session.execute(select(Member.id_number, Member.unit_account)
                                     .where(Member.id_number.in_(ids[i:i + ID_CHUNK]), Member.status == NORMAL)).all())
    return found


def add_drafts(session, unit_account, rows):
    """Bulk insert roster rows (dicts of ROW_FIELDS)."""
    created = now()
    if rows:
        bulk_insert(session, OpeningDraft.__table__, rows, {"unit_account": unit_account, "created_at": created})


def add_draft(session, unit_account, row):
    draft = OpeningDraft(**row, unit_account=unit_account, created_at=now())
    session.add(draft)
    session.flush()
    return draft


def draft(session, unit_account, draft_id):
    return session.scalars(select(OpeningDraft).where(OpeningDraft.unit_account == unit_account,
                                                      OpeningDraft.id == draft_id)).one_or_none()


def draft_page(session, unit_account, page, page_size):
    where = OpeningDraft.unit_account == unit_account
    total = session.scalar(select(func.count()).select_from(OpeningDraft).where(where))
    items = session.scalars(select(OpeningDraft).where(where).order_by(OpeningDraft.id)
                            .offset((page - 1) * page_size).limit(page_size)).all()
    return {"total": total, "page": page, "page_size": page_size, "items": items}


def clear_drafts(session, unit_account):
    return session.execute(delete(OpeningDraft).where(OpeningDraft.unit_account == unit_account)).rowcount


# ---------- batches ----------

def create_batch(session, unit_account, employer_name, clerk_name, task_id, today):
    """Move the whole roster into a new batch in one statement; None if the roster is empty.

    The roster is locked first: a concurrent submit waits, then finds it moved (empty)."""
    locked = session.scalars(select(OpeningDraft.id).where(OpeningDraft.unit_account == unit_account)
                             .with_for_update()).all()
    if not locked:
        return None
    last = max(locked)
    mine = (OpeningDraft.unit_account == unit_account) & (OpeningDraft.id <= last)
    stamp = now()
    batch = OpeningBatch(task_id=task_id, unit_account=unit_account, employer_name=employer_name,
                         submitted_by=clerk_name, status="queued", total=0, opened_on=today,
                         submitted_at=stamp, updated_at=stamp)
    session.add(batch)
    session.flush()
    batch.batch_no = business_number("KH", today, batch.id)
    columns = [getattr(OpeningDraft, name) for name in ROW_FIELDS]
    moved = session.execute(insert(OpeningRow).from_select(
        ["batch_id", *ROW_FIELDS, "state"],
        select(literal(batch.id), *columns, literal("pending")).where(mine).order_by(OpeningDraft.id)))
    batch.total = moved.rowcount
    session.execute(delete(OpeningDraft).where(mine))
    return batch


OPENINGS = OpeningBatch.kind == "open"


def batch_by_no(session, unit_account, batch_no):
    return session.scalars(select(OpeningBatch).where(OpeningBatch.unit_account == unit_account, OPENINGS,
                                                      OpeningBatch.batch_no == batch_no)).one_or_none()


def batches(session, unit_account, start=None, end=None):
    query = select(OpeningBatch).where(OpeningBatch.unit_account == unit_account, OPENINGS)
    if start:
        query = query.where(OpeningBatch.opened_on >= start)
    if end:
        query = query.where(OpeningBatch.opened_on <= end)
    return session.scalars(query.order_by(OpeningBatch.id.desc())).all()


def next_seq(session, batch):
    """Set `batch.seq` to the next seq, taken in the database (and touch the batch): the row stays
    locked until commit, so workers on one batch never take the same seq or go back."""
    seq = session.execute(update(OpeningBatch).where(OpeningBatch.id == batch.id)
                          .values(seq=OpeningBatch.seq + 1, updated_at=now()).returning(OpeningBatch.seq)
                          .execution_options(synchronize_session=False)).scalar_one()
    set_committed_value(batch, "seq", seq)


def add_counts(session, batch, opened, failed):
    """Add a chunk's outcome in the database, so two workers on one batch never count over each
    other (the batch's final count is taken from its rows all the same)."""
    done, failed_total = session.execute(
        update(OpeningBatch).where(OpeningBatch.id == batch.id)
        .values(done=OpeningBatch.done + opened, failed=OpeningBatch.failed + failed)
        .returning(OpeningBatch.done, OpeningBatch.failed)
        .execution_options(synchronize_session=False)).one()
    set_committed_value(batch, "done", done)
    set_committed_value(batch, "failed", failed_total)


def batch_opened_on(session, batch_id, kind):
    return session.scalar(select(OpeningBatch.opened_on).where(OpeningBatch.id == batch_id,
                                                               OpeningBatch.kind == kind))


def claim_stale_batches(session, stale_before):
    """(id, kind) of batches to resume (not yet announced, untouched lately), claimed by touching them:
    a concurrent sweep re-checks `updated_at` after this one commits and claims none of them."""
    untouched = OpeningBatch.updated_at < stale_before
    stale = select(OpeningBatch.id).where(OpeningBatch.announced.is_(False), untouched)
    claimed = session.execute(update(OpeningBatch).where(OpeningBatch.id.in_(stale), untouched)
                              .values(updated_at=now()).returning(OpeningBatch.id, OpeningBatch.kind)
                              .execution_options(synchronize_session=False)).all()
    return sorted(tuple(row) for row in claimed)


def pending_rows(session, batch_id, limit):
    """The next rows to open (plain rows, not ORM objects), locked so that a second worker on the
    batch takes others."""
    columns = [OpeningRow.id, *(getattr(OpeningRow, name) for name in ROW_FIELDS)]
    return session.execute(select(*columns).where(OpeningRow.batch_id == batch_id,
                                                  OpeningRow.state == "pending")
                           .order_by(OpeningRow.id).limit(limit)
                           .with_for_update(skip_locked=True)).all()


def failed_rows(session, batch_id):
    return session.scalars(select(OpeningRow).where(OpeningRow.batch_id == batch_id,
                                                    OpeningRow.state == "failed")
                           .order_by(OpeningRow.id)).all()


def mark_opened(session, row_ids):
    if row_ids:
        session.execute(update(OpeningRow).where(OpeningRow.id.in_(row_ids)).values(state="opened")
                        .execution_options(synchronize_session=False))


def mark_failed(session, failures):
    """[{id, column, error}], in one bulk update by primary key."""
    if failures:
        session.execute(update(OpeningRow), [{**failure, "state": "failed"} for failure in failures])


def add_members(session, members, shared):
    bulk_insert(session, MEMBERS, members, shared)


def batch_members(session, batch_id):
    """A batch's members for its voucher and `members_opened`, as plain rows (no ORM objects for a
    big batch)."""
    columns = (Member.account_no, Member.name, Member.id_number, Member.sex, Member.base, Member.mobile)
    return session.execute(select(*columns).where(Member.batch_id == batch_id)
                           .order_by(Member.account_no)).all()


# ---------- members ----------

def member(session, unit_account, account_no):
    return session.scalars(select(Member).where(Member.unit_account == unit_account,
                                                Member.account_no == account_no)).one_or_none()


def find_members(session, unit_account, **criterion):
    (field, value), = criterion.items()
    return session.scalars(select(Member).where(Member.unit_account == unit_account,
                                                getattr(Member, field) == value)
                           .order_by(Member.account_no).limit(200)).all()


def status_counts(session, unit_account):
    return dict(session.execute(select(Member.status, func.count()).where(Member.unit_account == unit_account)
                                .group_by(Member.status)).all())


def add_change(session, member, items, clerk_name, today):
    change = MemberChange(unit_account=member.unit_account, account_no=member.account_no,
                          member_name=member.name, items=items, clerk_name=clerk_name, changed_at=now())
    session.add(change)
    session.flush()
    change.change_no = business_number("XG", today, change.id)
    return change


def change_by_no(session, unit_account, change_no):
    return session.scalars(select(MemberChange).where(MemberChange.unit_account == unit_account,
                                                      MemberChange.change_no == change_no)).one_or_none()


def changes(session, unit_account, since=None, before=None):
    """Changes between two instants [since, before): a clerk's dates as the centre's days."""
    query = select(MemberChange).where(MemberChange.unit_account == unit_account)
    if since:
        query = query.where(MemberChange.changed_at >= since)
    if before:
        query = query.where(MemberChange.changed_at < before)
    return session.scalars(query.order_by(MemberChange.id.desc())).all()


# ---------- the roster a verification is built from ----------

def remittance_roster(session, unit_account):
    """(account_no, name, id_number, base) of every normal account at the employer, by account no.:
    plain rows in one query (the index on unit, status, account no. gives them in order)."""
    members = Member.__table__  # the table's columns, not the class's: no ORM work per row
    return session.execute(select(members.c.account_no, members.c.name, members.c.id_number, members.c.base)
                           .where(members.c.unit_account == unit_account, members.c.status == NORMAL)
                           .order_by(members.c.account_no)).all()


# ---------- member ledger and posting ----------

LEDGER = MemberLedgerRow.__table__
MEMBERS = Member.__table__


def _among(session, column, keys):
    """`column` among `keys`, as few statements as the database allows: one `= ANY(array)` on
    PostgreSQL, IN lists of ID_CHUNK elsewhere."""
    if _postgresql(session):
        return [column == func.any(bindparam("keys", keys, type_=postgresql.ARRAY(String)))]
    return [column.in_(keys[i:i + ID_CHUNK]) for i in range(0, len(keys), ID_CHUNK)]


def lock_members(session, account_nos):
    """{account_no: (unit_account, balance)} of these accounts, locked FOR UPDATE in account order
    (the order every writer takes them in, so two pages never wait on each other in a circle)."""
    found = {}
    for among in _among(session, MEMBERS.c.account_no, sorted(set(account_nos))):
        rows = session.execute(select(MEMBERS.c.account_no, MEMBERS.c.unit_account, MEMBERS.c.balance)
                               .where(among).order_by(MEMBERS.c.account_no).with_for_update())
        found.update((account_no, (unit, balance)) for account_no, unit, balance in rows)
    return found


def posted_keys(session, reference, account_nos):
    """(account_no, month) already in the ledger under this reference, of these accounts."""
    found = set()
    for among in _among(session, LEDGER.c.account_no, sorted(set(account_nos))):
        found.update(session.execute(select(LEDGER.c.account_no, LEDGER.c.month)
                                     .where(LEDGER.c.reference == reference, among)).all())
    return found


_SET_BALANCES = text(
    "UPDATE members SET balance = CAST(page.item->>1 AS numeric) "
    "FROM json_array_elements(CAST(:balances AS json)) AS page(item) WHERE members.account_no = page.item->>0")


def _postgresql(session):
    return session.get_bind().dialect.name == "postgresql"


def add_ledger_rows(session, shared, rows):
    """Ledger rows in one statement, ids in the rows' order. `shared`: the values every row has
    (unit_account, value_date, type, reference, created_at); `rows`: dicts of the others."""
    bulk_insert(session, LEDGER, rows, shared)


def set_balances(session, balances):
    """{account_no: balance} in one statement: on PostgreSQL UPDATE … FROM the page's accounts and
    balances as one JSON array; on SQLite (in-process, no round trips) one prepared UPDATE per account."""
    if not balances:
        return
    if _postgresql(session):
        page = json.dumps([[account_no, str(balance)] for account_no, balance in balances.items()])
        session.execute(_SET_BALANCES, {"balances": page})
    else:
        session.execute(update(MEMBERS).where(MEMBERS.c.account_no == bindparam("key"))
                        .values(balance=bindparam("value")),
                        [{"key": account_no, "value": balance} for account_no, balance in balances.items()])


def ledger_count(session, reference, kind):
    """How many ledger rows of this business type a reference (a verification) has."""
    return session.scalar(select(func.count()).select_from(LEDGER)
                          .where(LEDGER.c.reference == reference, LEDGER.c.type == kind))


def ledger_rows(session, account_no, start=None, end=None):
    """A member's ledger rows by value date range (both ends included), in posting order (so each
    row's balance follows the one before): plain rows."""
    query = select(LEDGER).where(LEDGER.c.account_no == account_no)
    if start:
        query = query.where(LEDGER.c.value_date >= start)
    if end:
        query = query.where(LEDGER.c.value_date <= end)
    return session.execute(query.order_by(LEDGER.c.id)).all()


def paid_up_to(session, account_nos):
    """{account_no: latest month of its 汇缴 rows}, for those that have any."""
    ordered, found = sorted(set(account_nos)), {}
    for i in range(0, len(ordered), ID_CHUNK):
        found.update(session.execute(select(LEDGER.c.account_no, func.max(LEDGER.c.month))
                                     .where(LEDGER.c.account_no.in_(ordered[i:i + ID_CHUNK]),
                                            LEDGER.c.type == REMITTANCE)
                                     .group_by(LEDGER.c.account_no)).all())
    return found


def paid_months(session, account_no, first, last):
    """The distinct months in [first, last] that the account has contribution rows (汇缴, 补缴) for."""
    return sorted(session.scalars(select(LEDGER.c.month).distinct().where(
        LEDGER.c.account_no == account_no, LEDGER.c.type.in_(CONTRIBUTION_TYPES),
        LEDGER.c.month >= first, LEDGER.c.month <= last)))
