"""Member status changes in the database: the seal, unseal and transfer rosters, their batches
(applied by `batches.run_batch` in bulk SQL, a chunk a transaction), merges and the history."""
from sqlalchemy import bindparam, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from services.accounts import batches, store
from services.accounts import status_rules as rules
from services.accounts.models import AccountMerge, ChangeDraft, ChangeRow, OpeningBatch, StatusChange
from services.accounts.rules import NORMAL, business_number

MEMBERS, LEDGER = store.MEMBERS, store.LEDGER
CHANGES = StatusChange.__table__
TRANSFER_TYPE, MERGE_TYPE = "06", "07"
ANNUAL_KIND = "annual"   # a base set by the annual verification (F11)
FIELDS = ("row_no", "account_no", "name", "id_number", "reason", "base", "from_unit")
MEMBER_COLUMNS = (MEMBERS.c.account_no, MEMBERS.c.unit_account, MEMBERS.c.name, MEMBERS.c.id_number,
                  MEMBERS.c.status, MEMBERS.c.base, MEMBERS.c.balance, MEMBERS.c.opened_on)


# ---------- members as plain rows ----------

def members_by_account(session, account_nos, lock=False):
    """{account_no: member row}; locked FOR UPDATE in account order when `lock`."""
    found = {}
    for among in store._among(session, MEMBERS.c.account_no, sorted(set(account_nos))):
        query = select(*MEMBER_COLUMNS).where(among).order_by(MEMBERS.c.account_no)
        found.update((row.account_no, row) for row in session.execute(
            query.with_for_update() if lock else query))
    return found


def members_by_person(session, id_numbers):
    """{id_number: [member rows of any status, any employer]}."""
    found = {}
    for among in store._among(session, MEMBERS.c.id_number, sorted(set(id_numbers))):
        for row in session.execute(select(*MEMBER_COLUMNS).where(among).order_by(MEMBERS.c.account_no)):
            found.setdefault(row.id_number, []).append(row)
    return found


def find_members(session, unit_account, field, value):
    return session.execute(select(*MEMBER_COLUMNS).where(MEMBERS.c.unit_account == unit_account,
                                                         MEMBERS.c[field] == value)
                           .order_by(MEMBERS.c.account_no).limit(20)).all()


def normal_accounts_of(session, id_numbers):
    """{id_number: (its normal account no., that account's employer)} anywhere in the centre."""
    found = {}
    for among in store._among(session, MEMBERS.c.id_number, sorted(set(id_numbers))):
        rows = session.execute(select(MEMBERS.c.id_number, MEMBERS.c.account_no, MEMBERS.c.unit_account)
                               .where(among, MEMBERS.c.status == NORMAL))
        found.update((id_number, (account_no, unit)) for id_number, account_no, unit in rows)
    return found


def sealed_here_since(session, unit_account, account_nos, since):
    """Of these accounts, those this employer sealed on or after `since`."""
    found = set()
    for among in store._among(session, CHANGES.c.account_no, sorted(set(account_nos))):
        found.update(session.scalars(select(CHANGES.c.account_no).where(
            among, CHANGES.c.unit_account == unit_account, CHANGES.c.kind == rules.SEAL,
            CHANGES.c.changed_on >= since)))
    return found


# ---------- rosters ----------

def roster_accounts(session, kind, unit_account, account_nos):
    found = set()
    for among in store._among(session, ChangeDraft.__table__.c.account_no, sorted(set(account_nos))):
        found.update(session.scalars(select(ChangeDraft.account_no).where(
            ChangeDraft.kind == kind, ChangeDraft.unit_account == unit_account, among)))
    return found


def add_drafts(session, kind, unit_account, rows):
    """Bulk insert roster rows (dicts of FIELDS); None when another request added one of them."""
    created = store.now()
    try:
        with session.begin_nested():
            session.execute(insert(ChangeDraft), [{**{key: row.get(key) for key in FIELDS}, "kind": kind,
                                                   "unit_account": unit_account, "created_at": created}
                                                  for row in rows])
    except IntegrityError:
        return None
    return len(rows)


def draft_page(session, kind, unit_account, page, page_size):
    where = (ChangeDraft.kind == kind) & (ChangeDraft.unit_account == unit_account)
    total = session.scalar(select(func.count()).select_from(ChangeDraft).where(where))
    items = session.scalars(select(ChangeDraft).where(where).order_by(ChangeDraft.id)
                            .offset((page - 1) * page_size).limit(page_size)).all()
    return {"total": total, "page": page, "page_size": page_size, "items": items}


def draft(session, kind, unit_account, draft_id):
    return session.scalars(select(ChangeDraft).where(ChangeDraft.kind == kind, ChangeDraft.unit_account == unit_account,
                                                     ChangeDraft.id == draft_id)).one_or_none()


def clear_drafts(session, kind, unit_account):
    return session.execute(delete(ChangeDraft).where(ChangeDraft.kind == kind,
                                                     ChangeDraft.unit_account == unit_account)).rowcount


def create_batch(session, kind, unit_account, employer_name, clerk_name, task_id, today, draft_ids=None):
    """Move the chosen roster rows (all when `draft_ids` is empty) into a new batch in one statement.
    None if there is nothing to move; a NOT_FOUND error if a chosen row is not in the roster. The
    rows are locked first: a concurrent submit waits, then finds them moved."""
    mine = (ChangeDraft.kind == kind) & (ChangeDraft.unit_account == unit_account)
    if draft_ids:
        mine = mine & ChangeDraft.id.in_(draft_ids)
    locked = session.scalars(select(ChangeDraft.id).where(mine).with_for_update()).all()
    if draft_ids and len(locked) != len(set(draft_ids)):
        return False
    if not locked:
        return None
    mine = mine & ChangeDraft.id.in_(locked) if draft_ids else mine & (ChangeDraft.id <= max(locked))
    stamp = store.now()
    batch = OpeningBatch(kind=kind, task_id=task_id, unit_account=unit_account, employer_name=employer_name,
                         submitted_by=clerk_name, status="queued", total=0, opened_on=today,
                         submitted_at=stamp, updated_at=stamp)
    session.add(batch)
    session.flush()
    batch.batch_no = business_number(rules.NUMBER_PREFIX[kind], today, batch.id)
    moved = session.execute(insert(ChangeRow).from_select(
        ["batch_id", *FIELDS, "state"],
        select(literal(batch.id), *(getattr(ChangeDraft, key) for key in FIELDS), literal("pending"))
        .where(mine).order_by(ChangeDraft.id)))
    batch.total = moved.rowcount
    session.execute(delete(ChangeDraft).where(mine))
    return batch


# ---------- applying a batch ----------

def _pending_rows(session, batch_id, limit):
    return session.execute(select(ChangeRow.id, *(getattr(ChangeRow, key) for key in FIELDS))
                           .where(ChangeRow.batch_id == batch_id, ChangeRow.state == "pending")
                           .order_by(ChangeRow.id).limit(limit).with_for_update(skip_locked=True)).all()


def _failed_rows(session, batch_id):
    rows = session.scalars(select(ChangeRow).where(ChangeRow.batch_id == batch_id, ChangeRow.state == "failed")
                           .order_by(ChangeRow.id)).all()
    return [{"row": row.row_no, "column": rules.COLUMNS.get(row.column, row.column), "message": row.error,
             "original": {"个人账号": row.account_no, "姓名": row.name, "原因": row.reason}} for row in rows]


def _mark(session, done_ids, failures):
    if done_ids:
        session.execute(update(ChangeRow).where(ChangeRow.id.in_(done_ids)).values(state="done")
                        .execution_options(synchronize_session=False))
    if failures:
        session.execute(update(ChangeRow), [{"id": row_id, "state": "failed", "column": p.column, "error": p.message}
                                            for row_id, p in failures])


def _history(batch, row, member, new_status, **extra):
    return {"kind": batch.kind, "batch_id": batch.id, "unit_account": batch.unit_account,
            "account_no": member.account_no, "name": member.name, "id_number": member.id_number,
            "reason": row.reason, "old_status": member.status, "new_status": new_status,
            "clerk_name": batch.submitted_by, "changed_on": batch.opened_on, "changed_at": store.now(), **extra}


def _checked(session, batch, rows, context, check):
    """Rows whose member passes `check` now (members locked), and the failures."""
    members = members_by_account(session, [row.account_no for row in rows], lock=True)
    good, failures, seen = [], [], set()
    for row in rows:
        values = {key: getattr(row, key) for key in FIELDS}
        if row.account_no in seen:
            failures.append((row.id, rules.Problem("IN_ROSTER", "account_no", "同一账户在本批中重复")))
            continue
        problem = check(values, members.get(row.account_no), context)
        if problem:
            failures.append((row.id, problem))
        else:
            seen.add(row.account_no)
            good.append((row, members[row.account_no], values))
    return good, failures


def _apply_seals(session, batch, rows, context):
    good, failures = _checked(session, batch, rows, context, rules.check_seal)
    if good:
        session.execute(update(MEMBERS).where(MEMBERS.c.account_no.in_([m.account_no for _, m, _ in good]))
                        .values(status=rules.SEALED))
        session.execute(insert(CHANGES), [_history(batch, row, member, rules.SEALED) for row, member, _ in good])
    _mark(session, [row.id for row, _, _ in good], failures)
    return len(good), len(failures)


def unseal_context(session, context, rows):
    """What the unseal rule needs of the rest of the centre, for these rows."""
    since = context.today.replace(day=1)
    context.sealed_here_this_month = sealed_here_since(session, context.unit_account,
                                                       [row["account_no"] for row in rows], since)
    context.normal_ids = normal_accounts_of(session, [row["id_number"] for row in rows])
    return context


def _apply_unseals(session, batch, rows, context):
    unseal_context(session, context, [{"account_no": r.account_no, "id_number": r.id_number} for r in rows])
    good, failures = _checked(session, batch, rows, context, rules.check_unseal)
    people, kept = {}, []
    for row, member, values in good:  # one person twice in a chunk: the first one only
        if member.id_number in people:
            failures.append((row.id, rules.Problem("NORMAL_ACCOUNT_EXISTS", "account_no",
                                                   rules.NORMAL_HERE.format(people[member.id_number]))))
        else:
            people[member.id_number] = member.account_no
            kept.append((row, member, values))
    try:
        with session.begin_nested():
            _unseal(session, batch, kept)
    except IntegrityError:  # a concurrent opening or unseal of the same person: one by one
        survivors = []
        for item in kept:
            try:
                with session.begin_nested():
                    _unseal(session, batch, [item])
                survivors.append(item)
            except IntegrityError:
                failures.append((item[0].id, rules.Problem("NORMAL_ACCOUNT_EXISTS", "account_no",
                                                           rules.NORMAL_JUST_NOW)))
        kept = survivors
    _mark(session, [row.id for row, _, _ in kept], failures)
    return len(kept), len(failures)


def _unseal(session, batch, items):
    if not items:
        return
    session.execute(update(MEMBERS).where(MEMBERS.c.account_no == bindparam("key"))
                    .values(status=NORMAL, base=bindparam("new_base")),
                    [{"key": member.account_no, "new_base": values["base"]} for _, member, values in items])
    session.execute(insert(CHANGES), [_history(batch, row, member, NORMAL, old_base=member.base,
                                               new_base=values["base"]) for row, member, values in items])


def apply_annual_bases(session, unit_account, reference, clerk_name, today, rows):
    """The new bases of an annual verification (`rows`: (account_no, base)) on the employer's members
    who are still its members (正常 or 封存), one bulk update; a base already as asked is left alone, so
    running it twice changes nothing. Each change is kept in the history (kind annual, the reason the
    annual verification's number). Answers how many bases changed."""
    wanted = dict(rows)
    members = members_by_account(session, list(wanted), lock=True)
    changed = [(m, wanted[a]) for a, m in members.items()
               if m.unit_account == unit_account and m.status in (NORMAL, rules.SEALED) and m.base != wanted[a]]
    if not changed:
        return 0
    session.execute(update(MEMBERS).where(MEMBERS.c.account_no == bindparam("key")).values(base=bindparam("new_base")),
                    [{"key": m.account_no, "new_base": base} for m, base in changed])
    when = store.now()
    session.execute(insert(CHANGES), [
        {"kind": ANNUAL_KIND, "batch_id": None, "unit_account": unit_account, "account_no": m.account_no,
         "name": m.name, "id_number": m.id_number, "reason": reference, "old_status": m.status,
         "new_status": m.status, "old_base": m.base, "new_base": base, "clerk_name": clerk_name,
         "changed_on": today, "changed_at": when} for m, base in changed])
    return len(changed)


def _apply_transfers(session, batch, rows, context):
    def check(values, member, context):
        if member is None or member.unit_account != values["from_unit"]:
            return rules.Problem("ACCOUNT_MOVED", "account_no", "该账户已不在原单位，请重新添加")
        return rules.check_transfer(values, member, context)
    good, failures = _checked(session, batch, rows, context, check)
    if good:
        moved = [m.account_no for _, m, _ in good]
        session.execute(update(MEMBERS).where(MEMBERS.c.account_no.in_(moved)).values(unit_account=batch.unit_account))
        now = store.now()
        ledger = []
        for _, member, _ in good:
            shared = {"account_no": member.account_no, "value_date": batch.opened_on, "type": TRANSFER_TYPE,
                      "reference": batch.batch_no, "created_at": now}
            ledger += [{**shared, "unit_account": member.unit_account, "amount": -member.balance,
                        "balance_after": 0, "summary": f"内部转移转出至{batch.unit_account}"},
                       {**shared, "unit_account": batch.unit_account, "amount": member.balance,
                        "balance_after": member.balance, "summary": f"内部转移转入自{member.unit_account}"}]
        session.execute(insert(LEDGER), ledger)
        session.execute(insert(CHANGES), [_history(batch, row, member, rules.SEALED, from_unit=member.unit_account,
                                                   amount=member.balance) for row, member, _ in good])
    _mark(session, [row.id for row, _, _ in good], failures)
    return len(good), len(failures)


def _apply(kind_apply):
    def apply(session, batch, rows, context_of):
        return kind_apply(session, batch, rows, context_of(rows))
    return apply


KINDS = {
    rules.SEAL: batches.BatchKind(rules.SEAL, "seal_accounts", "个人账户封存", "封存",
                                  _pending_rows, _apply(_apply_seals), _failed_rows),
    rules.UNSEAL: batches.BatchKind(rules.UNSEAL, "unseal_accounts", "个人账户启封", "启封",
                                    _pending_rows, _apply(_apply_unseals), _failed_rows),
    rules.TRANSFER: batches.BatchKind(rules.TRANSFER, "transfer_accounts", "个人账户转入", "转入",
                                      _pending_rows, _apply(_apply_transfers), _failed_rows),
}


def batch_kind(session, batch_id):
    return session.scalar(select(OpeningBatch.kind).where(OpeningBatch.id == batch_id))


# ---------- merge ----------

def merge(session, unit_account, from_member, to_member, clerk_name, today):
    """Move the out-account's whole balance into the in-account (ledger rows on both), close the
    out-account (合并销户) and record it; both members are locked by the caller."""
    amount, now = from_member.balance, store.now()
    record = AccountMerge(unit_account=unit_account, from_account=from_member.account_no,
                          to_account=to_member.account_no, name=to_member.name, id_number=to_member.id_number,
                          amount=amount, clerk_name=clerk_name, merged_on=today, merged_at=now)
    session.add(record)
    session.flush()
    record.merge_no = business_number(rules.NUMBER_PREFIX["merge"], today, record.id)
    shared = {"unit_account": unit_account, "value_date": today, "type": MERGE_TYPE,
              "reference": record.merge_no, "created_at": now}
    session.execute(insert(LEDGER), [
        {**shared, "account_no": from_member.account_no, "amount": -amount, "balance_after": 0,
         "summary": f"合并转出至{to_member.account_no}"},
        {**shared, "account_no": to_member.account_no, "amount": amount,
         "balance_after": to_member.balance + amount, "summary": f"合并转入自{from_member.account_no}"}])
    session.execute(update(MEMBERS).where(MEMBERS.c.account_no == from_member.account_no)
                    .values(status=rules.MERGED, balance=0))
    session.execute(update(MEMBERS).where(MEMBERS.c.account_no == to_member.account_no)
                    .values(balance=to_member.balance + amount))
    session.execute(insert(CHANGES), [{
        "kind": "merge", "merge_id": record.id, "unit_account": unit_account, "account_no": from_member.account_no,
        "name": from_member.name, "id_number": from_member.id_number, "reason": f"并入{to_member.account_no}",
        "old_status": from_member.status, "new_status": rules.MERGED, "amount": amount,
        "clerk_name": clerk_name, "changed_on": today, "changed_at": now}])
    return record


def merges(session, unit_account, from_account=None, to_account=None):
    query = select(AccountMerge).where(AccountMerge.unit_account == unit_account)
    if from_account:
        query = query.where(AccountMerge.from_account == from_account)
    if to_account:
        query = query.where(AccountMerge.to_account == to_account)
    return session.scalars(query.order_by(AccountMerge.id.desc()).limit(500)).all()


def merge_by_no(session, unit_account, merge_no):
    return session.scalars(select(AccountMerge).where(AccountMerge.unit_account == unit_account,
                                                      AccountMerge.merge_no == merge_no)).one_or_none()


# ---------- queries (F9.5, F10.3) ----------

def changes(session, unit_account, kinds, start=None, end=None, name=None, id_number=None):
    query = (select(StatusChange, OpeningBatch.batch_no).join(OpeningBatch, OpeningBatch.id == StatusChange.batch_id)
             .where(StatusChange.unit_account == unit_account, StatusChange.kind.in_(kinds)))
    if start:
        query = query.where(StatusChange.changed_on >= start)
    if end:
        query = query.where(StatusChange.changed_on <= end)
    if name:
        query = query.where(StatusChange.name == name)
    if id_number:
        query = query.where(StatusChange.id_number == id_number)
    return session.execute(query.order_by(StatusChange.id.desc()).limit(2000)).all()


def batch_by_no(session, unit_account, kinds, batch_no):
    return session.scalars(select(OpeningBatch).where(OpeningBatch.unit_account == unit_account,
                                                      OpeningBatch.kind.in_(kinds),
                                                      OpeningBatch.batch_no == batch_no)).one_or_none()


def batch_changes(session, batch_id):
    return session.scalars(select(StatusChange).where(StatusChange.batch_id == batch_id)
                           .order_by(StatusChange.id)).all()


def sealed_elsewhere(session, unit_account, id_number):
    return session.execute(select(*MEMBER_COLUMNS).where(MEMBERS.c.id_number == id_number,
                                                         MEMBERS.c.unit_account != unit_account,
                                                         MEMBERS.c.status == rules.SEALED)
                           .order_by(MEMBERS.c.account_no)).all()


def draft_by_account(session, kind, unit_account, account_no):
    return session.scalars(select(ChangeDraft).where(ChangeDraft.kind == kind, ChangeDraft.unit_account == unit_account,
                                                     ChangeDraft.account_no == account_no)).one()


def batch_of(session, batch_id):
    """(kind, business date, employer) of a status-change batch; Nones for any other."""
    row = session.execute(select(OpeningBatch.kind, OpeningBatch.opened_on, OpeningBatch.unit_account)
                          .where(OpeningBatch.id == batch_id, OpeningBatch.kind.in_(tuple(KINDS)))).one_or_none()
    return tuple(row) if row else (None, None, None)
